from __future__ import annotations

import json
import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from unioncat.catalog import Catalog, PageWrite, read_export
from unioncat.catalog.export import export_records
from unioncat.contracts import Quarantined, RawEnvelope
from unioncat.ids import mint_id
from unioncat.schemas import RECORD_ARROW_SCHEMA, Identifier, Record

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def rec(source_id: str, title: str = "T", deleted: bool = False) -> Record:
    return Record(
        id=mint_id("s", source_id),
        source="s",
        source_id=source_id,
        source_format="marc21",
        type="book",
        title=title,
        identifiers=[Identifier("isbn", "9780198812357")],
        deleted=deleted,
        harvested_at=datetime.now(UTC),
    )


def env(n: int) -> RawEnvelope:
    return RawEnvelope(
        "s", f"f.mrc#{n}", "marc21", f"payload{n}".encode(), NOW, batch="f.mrc", position=n
    )


def _count(c: Catalog, sql: str) -> int:
    return int(c.query(sql)[0][0])


def test_rewriting_unchanged_records_adds_no_changes(catalog: Catalog) -> None:
    first = catalog.write(PageWrite("r1", records=[rec("1"), rec("2")]))
    assert (first.upserted, first.unchanged) == (2, 0)
    again = catalog.write(PageWrite("r2", records=[rec("1"), rec("2")]))
    assert (again.upserted, again.unchanged) == (0, 2)
    assert _count(catalog, "SELECT count(*) FROM changes") == 2
    changed = catalog.write(PageWrite("r3", records=[rec("1", title="New title"), rec("2")]))
    assert (changed.upserted, changed.unchanged) == (1, 1)
    assert catalog.query("SELECT title FROM records WHERE source_id = '1'")[0][0] == "New title"
    assert catalog.query("SELECT op, run_id FROM changes ORDER BY seq DESC LIMIT 1")[0] == (
        "upsert",
        "r3",
    )
    assert _count(catalog, "SELECT count(*) FROM records") == 2


def test_tombstones_are_kept_and_logged_as_deletes(catalog: Catalog) -> None:
    catalog.write(PageWrite("r1", records=[rec("1")]))
    counts = catalog.write(PageWrite("r2", records=[rec("1", deleted=True)]))
    assert counts.deleted == 1
    assert catalog.query("SELECT deleted FROM records")[0][0] is True
    assert catalog.query("SELECT op FROM changes ORDER BY seq DESC LIMIT 1")[0][0] == "delete"


def test_a_failed_batch_leaves_nothing_behind(catalog: Catalog) -> None:
    bad_state = ("s", "file:f.mrc", {"not json": object()})
    with pytest.raises(TypeError):
        catalog.write(PageWrite("r1", envelopes=[env(0)], records=[rec("1")], state=bad_state))
    for table in ("records", "raw", "changes", "harvest_state"):
        assert _count(catalog, f"SELECT count(*) FROM {table}") == 0, table


def test_page_commits_raw_records_quarantine_and_state_together(catalog: Catalog) -> None:
    e0, e1 = env(0), env(1)
    catalog.write(
        PageWrite(
            "r1",
            envelopes=[e0, e1],
            envelope_status={e0.envelope_id: "normalized", e1.envelope_id: "quarantined"},
            records=[rec("1")],
            quarantined=[Quarantined(e1, "leader says 9 bytes")],
            state=("s", "file:f.mrc", {"records_done": 2, "complete": True}),
        )
    )
    assert catalog.harvest_state("s") == {"file:f.mrc": {"complete": True, "records_done": 2}}
    assert catalog.query("SELECT envelope_id, status FROM raw ORDER BY position") == [
        ("f.mrc#0", "normalized"),
        ("f.mrc#1", "quarantined"),
    ]
    q = catalog.query("SELECT envelope_id, reason, payload FROM quarantine")
    assert q == [("f.mrc#1", "leader says 9 bytes", b"payload1")]
    # the record is fixed at the source and maps this time: the quarantine entry goes away
    catalog.write(
        PageWrite(
            "r2", envelopes=[e1], envelope_status={e1.envelope_id: "normalized"}, records=[rec("2")]
        )
    )
    assert _count(catalog, "SELECT count(*) FROM quarantine") == 0


def test_a_changed_file_keeps_its_old_envelopes_until_it_is_read_to_its_end(
    catalog: Catalog,
) -> None:
    recs = [rec(str(n)) for n in range(3)]
    catalog.write(PageWrite("r1", envelopes=[env(0), env(1), env(2)], records=recs,
                            record_envelopes=["f.mrc#0", "f.mrc#1", "f.mrc#2"]))  # fmt: skip
    catalog.write(
        PageWrite("r2", envelopes=[env(0)], replaces_batch=("s", "f.mrc"), records=recs[:1],
                  record_envelopes=["f.mrc#0"], file=("s", "f.mrc"))
    )  # fmt: skip
    assert catalog.query("SELECT batch, count(*) FROM raw GROUP BY 1 ORDER BY 1") == [
        ("f.mrc", 1), ("f.mrc (superseded r2)", 3)
    ]  # fmt: skip
    # the records the new version has not given yet still have their raw bytes
    named = catalog.query("SELECT source_id, envelope_id FROM records ORDER BY 1")
    assert named == [("0", "f.mrc#0"), ("1", "f.mrc#1 (superseded r2)"),
                     ("2", "f.mrc#2 (superseded r2)")]  # fmt: skip
    catalog.write(
        PageWrite("r2", envelopes=[env(1)], records=recs[1:2], record_envelopes=["f.mrc#1"],
                  file=("s", "f.mrc"), file_complete=True, sweep_limit=1.0)
    )  # fmt: skip
    # read to its end: record 2 is withdrawn, and the old envelopes leave with it
    assert catalog.query("SELECT envelope_id FROM raw ORDER BY 1") == [("f.mrc#0",), ("f.mrc#1",)]
    assert catalog.query("SELECT source_id FROM records WHERE deleted") == [("2",)]


def test_export_layout_manifest_and_partitions(catalog: Catalog, tmp_path: Path) -> None:
    catalog.write(PageWrite("r1", records=[rec("1"), rec("2"), rec("3", deleted=True)]))
    catalog.db.execute("UPDATE records SET updated_at = TIMESTAMPTZ '2026-01-01 10:00:00+00'")
    out = tmp_path / "export"
    result = export_records(catalog, out, "r1")
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["row_counts"] == {"records": 3, "changes": 3, "merged_ids": 0, "holdings": 0}
    assert result.rows == 3
    (entry,) = [f for f in manifest["files"] if f["entity"] == "records"]
    # named by content: a changed part gets a new name, an unchanged one keeps its bytes
    assert re.fullmatch(
        r"records/v1/updated_date=2026-01-01/part-0000-([0-9a-f]{16})\.parquet", entry["path"]
    )
    assert entry["path"][-24:-8] == entry["sha256"][:16]
    table = pq.read_table(out / entry["path"])
    assert table.schema.names == RECORD_ARROW_SCHEMA.names
    assert sorted(table.column("deleted").to_pylist()) == [False, False, True]
    import hashlib

    assert hashlib.sha256((out / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]
    # a record that changes moves to the newest partition and is in no other
    catalog.write(PageWrite("r2", records=[rec("2", title="Changed")]))
    export_records(catalog, out, "r2")
    manifest = json.loads((out / "manifest.json").read_text())
    days = {f["updated_date"]: f["rows"] for f in manifest["files"] if f["entity"] == "records"}
    assert days.pop("2026-01-01") == 2 and list(days.values()) == [1]
    ids = read_export(out).column("id").to_pylist()
    assert len(ids) == len(set(ids)) == 3
    assert not list(out.glob("**/.*.tmp"))
    assert (out / entry["path"]).exists()  # the previous generation stays for its readers


def test_an_export_killed_half_way_leaves_the_last_manifest_whole(
    catalog: Catalog, tmp_path: Path
) -> None:
    from unioncat.catalog.export import _export_partitioned

    catalog.write(PageWrite("r1", records=[rec("1"), rec("2")]))
    out = tmp_path / "export"
    export_records(catalog, out, "r1")
    before = (out / "manifest.json").read_text()
    catalog.write(PageWrite("r2", records=[rec("2", title="Changed"), rec("3")]))
    # the next export writes its record files and dies before the manifest
    _export_partitioned(
        catalog, out, out / "records" / "v1", "records",
        "SELECT *, updated_at AS _updated FROM records",
        "CAST(timezone('UTC', _updated) AS DATE)", "id", RECORD_ARROW_SCHEMA,
    )  # fmt: skip
    assert (out / "manifest.json").read_text() == before
    import hashlib

    for f in json.loads(before)["files"]:
        data = (out / f["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == f["sha256"] and len(data) == f["bytes"]
        assert pq.read_metadata(out / f["path"]).num_rows == f["rows"]
    # the next whole export publishes the new files; the previous generation stays
    export_records(catalog, out, "r3")
    first = {out / f["path"] for f in json.loads(before)["files"]}

    def named() -> set[Path]:
        return {out / f["path"] for f in json.loads((out / "manifest.json").read_text())["files"]}

    def on_disk() -> set[Path]:
        return {p for p in out.rglob("*.parquet")}

    assert on_disk() == named() | first
    assert sorted(read_export(out).column("id").to_pylist()) == sorted(
        r.id for r in (rec("1"), rec("2"), rec("3"))
    )
    # one export later, what only the first manifest named is gone
    catalog.write(PageWrite("r4", records=[rec("4")]))
    third = named()
    export_records(catalog, out, "r4")
    assert on_disk() == named() | third
    assert not (first - third) & on_disk()


def test_export_is_byte_identical_when_nothing_changed(catalog: Catalog, tmp_path: Path) -> None:
    catalog.write(PageWrite("r1", records=[rec("1"), rec("2")]))
    a = export_records(catalog, tmp_path / "e", "r1").manifest["files"]
    b = export_records(catalog, tmp_path / "e", "r2").manifest["files"]
    assert [f["sha256"] for f in a] == [f["sha256"] for f in b]


def _book_with_parts(n: int, book_title: str = "Book") -> list[Record]:
    from unioncat.ids import mint_part_id
    from unioncat.schemas import Host

    book = rec("b1", title=book_title)
    book.raw_ref = "s|f.mrc#0"
    parts = []
    for i in range(1, n + 1):
        part = Record(
            id=mint_part_id(book.id, i),
            source="s",
            source_id=f"b1#505-{i}",
            source_format="marc21",
            type="book_chapter",
            title=f"Chapter {i}",
            host=Host(id=book.id, title=book_title),
            raw_ref=book.raw_ref,
        )
        parts.append(part)
    return [book, *parts]


def _from_envelope(records: list[Record], envelope_id: str = "f.mrc#0") -> PageWrite:
    return PageWrite("r", records=records, record_envelopes=[envelope_id] * len(records))


def test_chapters_a_record_no_longer_lists_are_tombstoned(catalog: Catalog) -> None:
    catalog.write(_from_envelope(_book_with_parts(3)))
    other = rec("x9")  # a record from elsewhere that names no host: never touched
    catalog.write(_from_envelope([other]))
    counts = catalog.write(_from_envelope(_book_with_parts(2)))
    assert counts.deleted == 1 and counts.unchanged == 3
    live = catalog.query("SELECT source_id FROM records WHERE NOT deleted ORDER BY source_id")
    assert [r[0] for r in live] == ["b1", "b1#505-1", "b1#505-2", "x9"]
    assert catalog.query("SELECT op FROM changes ORDER BY seq DESC LIMIT 1")[0][0] == "delete"
    again = catalog.write(_from_envelope(_book_with_parts(2)))
    assert (again.upserted, again.deleted) == (0, 0)
    back = catalog.write(_from_envelope(_book_with_parts(3)))
    assert back.upserted == 1  # the chapter returns as a live record
    assert _count(catalog, "SELECT count(*) FROM records WHERE deleted") == 0


def test_deleted_envelopes_with_a_record_id_become_tombstones() -> None:
    from unioncat.mapping import normalize_envelopes

    env = RawEnvelope(
        "repo",
        "oai:x:1",
        "oai_dc",
        b"",
        NOW,
        datestamp="2026-01-02",
        deleted=True,
        record_id="oai:x:1",
    )
    out = normalize_envelopes([env], "marc")  # the normalizer is never asked
    (tomb,) = out.records
    assert (tomb.id, tomb.source_id, tomb.deleted) == (mint_id("repo", "oai:x:1"), "oai:x:1", True)
    assert out.status == {"oai:x:1": "normalized"} and not out.quarantined


def test_readers_of_the_previous_manifest_keep_their_files(
    catalog: Catalog, tmp_path: Path
) -> None:
    import duckdb

    out = tmp_path / "export"
    catalog.write(PageWrite("r1", records=[rec("1"), rec("2")]))
    export_records(catalog, out, "r1")
    held = json.loads((out / "manifest.json").read_text())  # a reader got this far
    catalog.write(PageWrite("r2", records=[rec("2", title="Changed"), rec("3")]))
    export_records(catalog, out, "r2")
    paths = [str(out / f["path"]) for f in held["files"] if f["entity"] == "records"]
    assert sum(pq.read_table(p).num_rows for p in paths) == 2  # pyarrow, file by file
    with duckdb.connect() as con:  # DuckDB, the file list at once
        assert con.execute("SELECT count(*) FROM read_parquet(?)", [paths]).fetchone() == (2,)


def test_an_export_removes_only_files_it_wrote(catalog: Catalog, tmp_path: Path) -> None:
    out = tmp_path / "export"
    planted = [
        out / "records" / "v1" / "updated_date=2020-01-01" / "mine.parquet",
        out / "clusters" / "v1" / "theirs.parquet",
        out / "changes" / "date=2020-01-01" / "part-0000-0123456789abcdef.parquet",
        out / "merged_ids" / "kept.parquet",
        out / "records" / "v1" / ".notes.tmp",
    ]
    for p in planted:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"a consumer's own file")
    for n in range(3):
        catalog.write(PageWrite(f"r{n}", records=[rec(str(n)), rec("x", title=f"Changed {n}")]))
        export_records(catalog, out, f"r{n}")
    assert all(p.read_bytes() == b"a consumer's own file" for p in planted)


def test_files_the_manifest_and_their_folders_reach_the_disk_before_the_rename(
    catalog: Catalog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unioncat.catalog import export

    synced: list[str] = []
    real_fsync = os.fsync

    def spy(fd: int) -> None:
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        real_fsync(fd)

    real_replace = os.replace
    order: list[tuple[str, str]] = []

    def replace(src: Any, dst: Any) -> None:
        order.append(("replace", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(export.os, "fsync", spy)
    monkeypatch.setattr(export.os, "replace", replace)
    out = tmp_path / "export"
    catalog.write(PageWrite("r1", records=[rec("1")]))
    result = export_records(catalog, out, "r1")
    for f in result.manifest["files"]:
        tmp_name = f".{Path(f['path']).name.rsplit('-', 1)[0]}.tmp"
        assert str((out / f["path"]).parent / tmp_name) in synced, f["path"]
        assert str((out / f["path"]).parent) in synced
    assert str(out / ".manifest.json.tmp") in synced
    assert synced[-1] == str(out)  # the folder, after the manifest's rename
    assert ("replace", str(out / "manifest.json")) in order
