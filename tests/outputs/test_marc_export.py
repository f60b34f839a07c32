"""``unioncat export --format marcxml|marc21`` on a real DuckDB catalog: full, then the
changes with a delete file, as VuFind and EDS load them."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pymarc
import pytest

from tests.support.builders import write_pipeline
from tests.support.catalogs import write_run
from tests.support.dedupe_records import rec
from unioncat.catalog import Catalog
from unioncat.schemas.record import Record

Cli = Callable[..., tuple[int, str, str]]
PRINT = rec("p1", "Tidal estuaries of West Africa", isbn=["9780198812357"])
EBOOK = rec("e1", "Tidal estuaries of West Africa", source="vendor", medium="electronic",
            other_format_isbn=["9780198812357"])  # fmt: skip
OTHER = rec("o1", "Salt roads", authors=["Moreau, Ines"], year=1987)
GONE = rec("g1", "A withdrawn pamphlet")


def _write(folder: Path, run: str, *records: Record) -> None:
    write_run(folder / "catalog.duckdb", run, *records)


def _latest(folder: Path) -> Path:
    return sorted((folder / "export" / "marc").iterdir())[-1]


def _ids(path: Path) -> set[str]:
    return {r["001"].data for r in pymarc.parse_xml_to_array(io.BytesIO(path.read_bytes()))}


@pytest.fixture
def pipeline(tmp_path: Path) -> str:
    _write(tmp_path, "r1", PRINT, EBOOK, OTHER, GONE)
    return str(write_pipeline(tmp_path, []))


def test_a_full_export_then_only_the_changes_and_a_delete_file(
    pipeline: str, tmp_path: Path, cli: Cli
) -> None:
    code, out, err = cli("--config", pipeline, "export", "--format", "marcxml")
    assert code == 0, out + err
    first = _latest(tmp_path)
    assert _ids(first / "records.xml") == {PRINT.id, EBOOK.id, OTHER.id, GONE.id}
    clusters = _ids(first / "clusters.xml")
    assert len(clusters) == 3  # the print book and its e-book are one work
    assert (first / "records.delete").read_text() == ""
    joined = next(
        r
        for r in pymarc.parse_xml_to_array(io.BytesIO((first / "clusters.xml").read_bytes()))
        if len(r.get_fields("776")) == 2
    )
    members = {f["w"] for f in joined.get_fields("776")}
    assert members == {PRINT.id, EBOOK.id}
    assert {f["a"] for f in joined.get_fields("035")} >= {f"(unioncat){PRINT.id}"}

    # a record changes and one is deleted: the next export has those, and nothing else
    _write(tmp_path, "r2", replace(OTHER, title="Salt roads, revised"), replace(GONE, deleted=True))
    code, out, err = cli("--config", pipeline, "export", "--format", "marcxml")
    assert code == 0, out + err
    second = _latest(tmp_path)
    assert second != first
    assert _ids(second / "records.xml") == {OTHER.id}
    assert (second / "records.delete").read_text().split() == [GONE.id]
    gone_cluster = (second / "clusters.delete").read_text().split()
    assert len(gone_cluster) == 1  # the pamphlet's cluster is a tombstone now
    assert "1 records written, 1 deleted" in out

    # nothing new: empty files, and --since reaches back without moving the mark
    cli("--config", pipeline, "export", "--format", "marcxml")
    assert _ids(_latest(tmp_path) / "records.xml") == set()
    code, out, _ = cli("--config", pipeline, "export", "--format", "marcxml", "--what",
                       "records", "--since", "2000-01-01")  # fmt: skip
    assert code == 0
    assert _ids(_latest(tmp_path) / "records.xml") == {PRINT.id, EBOOK.id, OTHER.id}
    assert not (_latest(tmp_path) / "clusters.xml").exists()
    cli("--config", pipeline, "export", "--format", "marcxml")
    assert _ids(_latest(tmp_path) / "records.xml") == set()


def test_binary_marc_is_read_by_pymarc_and_a_record_too_long_for_it_is_said(
    tmp_path: Path, cli: Cli
) -> None:
    long = replace(rec("l1", "A very long abstract"), abstract="word " * 30_000)
    _write(tmp_path, "r1", PRINT, long)
    pipeline = str(write_pipeline(tmp_path, []))
    code, out, err = cli("--config", pipeline, "export", "--format", "marc21", "--what",
                         "records")  # fmt: skip
    assert code == 0, out + err
    with (_latest(tmp_path) / "records.mrc").open("rb") as handle:
        records = list(pymarc.MARCReader(handle, to_unicode=True, force_utf8=True))
    assert [r["001"].data for r in records] == [PRINT.id]
    assert records[0]["245"]["a"] == PRINT.title
    assert "1 too long for ISO 2709" in err, err


def test_since_must_be_a_date(pipeline: str, cli: Cli) -> None:
    code, _, err = cli("--config", pipeline, "export", "--format", "marcxml", "--since", "soon")
    assert code == 2 and "not a date" in err


def test_links_are_written_as_the_librarys_readers_follow_them(tmp_path: Path, cli: Cli) -> None:
    from unioncat.schemas.record import Access

    licensed = replace(rec("l1", "A licensed e-book", medium="electronic"),
                       access=[Access("https://tideway.example/book/1")])  # fmt: skip
    free = replace(rec("f1", "An open e-book", medium="electronic"),
                   access=[Access("https://repository.example/1", kind="open")])  # fmt: skip
    _write(tmp_path, "r1", licensed, free)
    pipeline = str(write_pipeline(tmp_path, [], access={
        "proxy": "https://login.ezproxy.lib.example.edu/login?qurl={url}",
    }))  # fmt: skip
    code, out, err = cli("--config", pipeline, "export", "--format", "marcxml", "--what",
                         "records")  # fmt: skip
    assert code == 0, out + err
    parsed = pymarc.parse_xml_to_array(io.BytesIO((_latest(tmp_path) / "records.xml").read_bytes()))
    links = {r["001"].data: r["856"]["u"] for r in parsed}
    status = {r["001"].data: r["856"]["7"] for r in parsed}
    assert status == {licensed.id: "1", free.id: "0"}  # 856 $7: restricted, open
    assert links[licensed.id] == (
        "https://login.ezproxy.lib.example.edu/login?qurl=https%3A%2F%2Ftideway.example%2Fbook%2F1"
    )
    assert links[free.id] == "https://repository.example/1"  # open: never proxied
    # the catalog keeps the link as the source gave it
    catalog = Catalog(tmp_path / "catalog.duckdb", read_only=True)
    try:
        kept = catalog.query("SELECT access[1].url FROM records WHERE id = ?", [licensed.id])
    finally:
        catalog.close()
    assert kept == [("https://tideway.example/book/1",)]


def test_a_books_505_parts_go_back_into_its_505_not_out_as_records(
    tmp_path: Path, cli: Cli
) -> None:
    from unioncat.schemas.record import Host

    book = rec("b1", "Essays on estuaries", type="book")
    parts = [
        replace(rec(f"b1#505-{n}", title, type="book_chapter"),
                host=Host(id=book.id, title=book.title))
        for n, title in ((1, "Tides"), (2, "Salt marshes"), (10, "Deltas"))
    ]  # fmt: skip
    _write(tmp_path, "r1", book, *parts)
    pipeline = str(write_pipeline(tmp_path, []))
    code, out, err = cli("--config", pipeline, "export", "--format", "marcxml", "--what",
                         "records")  # fmt: skip
    assert code == 0, out + err
    (record,) = pymarc.parse_xml_to_array(
        io.BytesIO((_latest(tmp_path) / "records.xml").read_bytes())
    )
    assert record["001"].data == book.id
    # in the note's order (10 after 2), names after " /", items ended by " --"
    assert record["505"].get_subfields("t") == ["Tides /", "Salt marshes /", "Deltas /"]
    assert record["505"].get_subfields("r") == ["Okafor, Adaeze --", "Okafor, Adaeze --",
                                                "Okafor, Adaeze"]  # fmt: skip
