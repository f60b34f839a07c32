"""`unioncat convert` on every Open Library test file: records or quarantine, never a crash."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from unioncat.framing import frame_file, open_maybe_gzip

Cli = Callable[..., tuple[int, str, str]]


def _frames(path: Path) -> int:
    with path.open("rb") as f:
        _wire, frames = frame_file(open_maybe_gzip(f), "marc")
        return sum(1 for _ in frames)


def test_convert_each_openlibrary_file(shared_data: Path, cli: Cli, tmp_path: Path) -> None:
    inputs = sorted((shared_data / "marc" / "openlibrary").glob("*_input/*"))
    assert len(inputs) >= 80
    total_records = total_quarantined = 0
    for path in inputs:
        out = tmp_path / f"{path.name}.parquet"
        code, stdout, _err = cli("convert", str(path), "--format", "marc", "-o", str(out))
        assert code in (0, 1), f"{path.name}: exit {code}"
        # one row per record read, plus one per chapter its 505 lists (they share raw_ref)
        records = len(set(pq.read_table(out, columns=["raw_ref"]).column("raw_ref").to_pylist()))
        qfile = out.with_name(out.name + ".quarantine.jsonl")
        quarantined = (
            [json.loads(x) for x in qfile.read_text().splitlines()] if qfile.exists() else []
        )
        assert records + len(quarantined) == _frames(path), path.name
        assert (code == 1) == bool(quarantined), path.name
        assert all(q["reason"] and q["raw_hex"] for q in quarantined), path.name
        total_records += records
        total_quarantined += len(quarantined)
    assert total_quarantined <= 4, "only the four known malformed files may be quarantined"
    assert total_records >= len(inputs) - 4


def test_a_huge_quarantined_record_is_cut_for_reading_and_kept_in_the_catalog(
    cli: Cli, tmp_path: Path
) -> None:
    import hashlib

    import duckdb

    from tests.support.builders import write_pipeline
    from unioncat.convert import QUARANTINE_SHOWN_BYTES
    from unioncat.framing.base import RECORD_LIMIT
    from unioncat.xmlsafe import MARCXML_NS

    def record(control: str, text: str) -> str:
        return (
            f'<record><leader>00000cam a2200000 a 4500</leader><controlfield tag="001">'
            f'{control}</controlfield><datafield tag="245" ind1="1" ind2="0"><subfield '
            f'code="a">{text}</subfield></datafield></record>'
        )

    source = tmp_path / "feed.xml"
    source.write_text(
        f'<collection xmlns="{MARCXML_NS}">{record("a", "First")}'
        f"{record('b', 'z' * (24 << 20))}{record('c', 'Third')}</collection>"
    )
    out = tmp_path / "out.jsonl"
    code, _stdout, _err = cli("convert", str(source), "--format", "marc", "-o", str(out))
    assert code == 1
    assert len(out.read_text().splitlines()) == 2
    qfile = out.with_name(out.name + ".quarantine.jsonl")
    assert qfile.stat().st_size < 4 * QUARANTINE_SHOWN_BYTES  # not 48 MB of hex
    (entry,) = [json.loads(line) for line in qfile.read_text().splitlines()]
    assert entry["position"] == 1 and entry["raw_truncated"] is True
    assert entry["raw_bytes"] == RECORD_LIMIT
    assert len(bytes.fromhex(entry["raw_hex"])) == QUARANTINE_SHOWN_BYTES

    config = write_pipeline(
        tmp_path, [{"name": "feed", "kind": "files", "format": "marc", "paths": [str(source)]}]
    )
    assert cli("--config", str(config), "run")[0] == 1
    with duckdb.connect(str(tmp_path / "catalog.duckdb"), read_only=True) as con:
        row = con.execute("SELECT payload, reason FROM quarantine").fetchone()
        live = con.execute("SELECT count(*) FROM records").fetchone()
    assert row is not None and live == (2,)
    assert len(row[0]) == RECORD_LIMIT and "larger than the record limit" in row[1]
    assert hashlib.sha256(row[0]).hexdigest() == entry["raw_sha256"]


def test_pages_are_gathered_into_row_groups_with_every_row_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Parquet output holds the pages' rows in their order whatever the row group
    size: pages of 7 envelopes gathered into groups of at least 20 rows give the rows
    one group per page gave, and the last, short group is written too."""
    from tests.support.builders import marc_record
    from unioncat import convert

    source = str(tmp_path / "books.mrc")
    with open(source, "wb") as out:
        for n in range(60):
            out.write(marc_record(control=f"b{n}", title=f"Book {n}").as_marc())
    monkeypatch.setattr(convert, "_CHUNK", 7)
    monkeypatch.setattr(convert, "_ROW_GROUP_ROWS", 1)
    convert.convert_files([source], "marc", tmp_path / "each.parquet", workers=1)
    monkeypatch.setattr(convert, "_ROW_GROUP_ROWS", 20)
    convert.convert_files([source], "marc", tmp_path / "grouped.parquet", workers=1)
    each, grouped = (pq.ParquetFile(tmp_path / f"{n}.parquet") for n in ("each", "grouped"))
    rows = each.metadata.num_rows
    assert rows > 20 and grouped.metadata.num_rows == rows
    assert grouped.metadata.num_row_groups < each.metadata.num_row_groups
    sizes = [grouped.metadata.row_group(i).num_rows for i in range(grouped.num_row_groups)]
    assert all(n >= 20 for n in sizes[:-1]) and sum(sizes) == rows
    # the two runs differ only in when they read the file
    assert each.read().drop(["harvested_at"]).equals(grouped.read().drop(["harvested_at"]))
