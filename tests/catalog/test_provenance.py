"""Where a record sits in its file is provenance, not content: records that move do not
change, records without a 001 keep their identity, and two files giving one record say so."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb

from tests.support.builders import marc_record, write_marc, write_pipeline

Cli = Callable[..., tuple[int, str, str]]


def _q(folder: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _pipeline(folder: Path) -> str:
    return str(write_pipeline(
        folder, [{"name": "lib", "kind": "files", "format": "marc", "paths": ["*.mrc"]}]
    ))  # fmt: skip


def test_a_record_inserted_at_the_top_changes_no_other_record(tmp_path: Path, cli: Cli) -> None:
    old = [marc_record(control=f"r{i}", title=f"Title {i}") for i in range(3)]
    write_marc(tmp_path / "a.mrc", old)
    cfg = _pipeline(tmp_path)
    assert cli("--config", cfg, "run")[0] == 0
    write_marc(tmp_path / "a.mrc", [marc_record(control="new", title="New title"), *old])
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0 and "4 read, 1 new or changed, 0 deleted, 3 unchanged" in out
    refs = dict(_q(tmp_path, "SELECT source_id, raw_ref FROM records ORDER BY 1"))
    assert refs == {"new": "lib|a.mrc#0", "r0": "lib|a.mrc#1", "r1": "lib|a.mrc#2",
                    "r2": "lib|a.mrc#3"}  # fmt: skip
    changes = _q(tmp_path, "SELECT count(*) FROM changes WHERE entity = 'record'")
    assert changes == [(4,)]


def test_chapters_dropped_from_a_book_that_moved_are_retired(tmp_path: Path, cli: Cli) -> None:
    def book(chapters: int) -> object:
        note = " -- ".join(f"Chapter {n}" for n in range(1, chapters + 1))
        return marc_record(control="b1", title="Rivers", fields=[("505", "0 ", ["a", note])])

    write_marc(tmp_path / "a.mrc", [book(3)])  # type: ignore[list-item]
    cfg = _pipeline(tmp_path)
    assert cli("--config", cfg, "run")[0] == 0
    write_marc(tmp_path / "a.mrc", [marc_record(control="x", title="Other"), book(2)])  # type: ignore[list-item]
    assert cli("--config", cfg, "run")[0] == 0
    live = _q(tmp_path, "SELECT title FROM records WHERE NOT deleted ORDER BY title")
    assert [t for (t,) in live] == ["Chapter 1", "Chapter 2", "Other", "Rivers"]
    assert _q(tmp_path, "SELECT title FROM records WHERE deleted") == [("Chapter 3",)]


def test_records_without_001_are_not_duplicated_when_one_is_inserted_before_them(
    tmp_path: Path, cli: Cli
) -> None:
    plain = [marc_record(control=None, title=f"Untitled {i}") for i in range(3)]  # type: ignore[arg-type]
    for r in plain:
        r.remove_fields("001")
    write_marc(tmp_path / "a.mrc", plain)
    cfg = _pipeline(tmp_path)
    assert cli("--config", cfg, "run")[0] == 0
    extra = marc_record(control="x", title="Inserted")
    write_marc(tmp_path / "a.mrc", [extra, *plain])
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0 and "1 new or changed, 0 deleted, 3 unchanged" in out
    assert _q(tmp_path, "SELECT count(*) FROM records") == [(4,)]


def test_the_same_001_in_two_files_is_reported_and_nothing_is_lost_silently(
    tmp_path: Path, cli: Cli
) -> None:
    def records(prefix: str, numbers: tuple[int, ...]) -> list[object]:
        return [marc_record(control=f"r{i}", title=f"{prefix} {i}") for i in numbers]

    write_marc(tmp_path / "a.mrc", records("A", (0, 1, 2, 3)))  # type: ignore[arg-type]
    write_marc(tmp_path / "b.mrc", records("B", (2, 3, 9)))  # type: ignore[arg-type]
    cfg = _pipeline(tmp_path)
    code, _out, err = cli("--config", cfg, "run")
    assert code == 0
    assert "2 record(s) of b.mrc are also given by another file" in err
    titles = dict(_q(tmp_path, "SELECT source_id, title FROM records ORDER BY 1"))
    assert titles == {"r0": "A 0", "r1": "A 1", "r2": "B 2", "r3": "B 3", "r9": "B 9"}
    code, out, _ = cli("--config", cfg, "status")
    assert "2 record(s) are given by two files, the last read wins" in out
