"""`unioncat convert` on every Open Library test file: records or quarantine, never a crash."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq

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
