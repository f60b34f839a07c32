"""KBART holdings lists: one record per title, every coverage row kept, bad rows alone."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from pathlib import Path

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import read_as
from unioncat.normalize.kbart import STANDARD
from unioncat.schemas.record import Record

Cli = Callable[..., tuple[int, str, str]]
HEADER = "\t".join(STANDARD)


def _row(**cells: str) -> str:
    return "\t".join(cells.get(c, "") for c in STANDARD)


def _read(blob: bytes, batch: str = "f.txt") -> tuple[list[Record], list[str]]:
    return read_as("kbart", blob, batch)


def test_a_title_with_a_gap_is_one_record_with_two_ranges_and_its_embargo() -> None:
    blob = "\n".join([
        HEADER,
        _row(publication_title="Journal of Holdings", print_identifier="0378-5955",
             online_identifier="1878-5891", date_first_issue_online="1990-01-01",
             num_first_vol_online="1", date_last_issue_online="1999-12-31",
             num_last_vol_online="10", title_url="https://example.org/joh", title_id="joh",
             coverage_depth="fulltext", access_type="P", publisher_name="Example Press"),
        _row(publication_title="Another Title", online_identifier="2049-3630", title_id="at"),
        _row(publication_title="Journal of Holdings", print_identifier="0378-5955",
             online_identifier="1878-5891", date_first_issue_online="2005-01-01",
             num_first_vol_online="16", title_url="https://example.org/joh", title_id="joh",
             embargo_info="R1Y", coverage_depth="fulltext", access_type="P"),
    ]).encode()  # fmt: skip
    records, failed = _read(blob, "Example_Global_AllTitles_2026-11-30.txt")
    assert failed == []
    assert [r.source_id for r in records] == ["joh", "at"]
    joh = records[0]
    assert joh.type == "journal" and joh.medium == "electronic"
    assert [(i.scheme, i.value, i.qualifier) for i in joh.identifiers[:2]] == [
        ("issn", "0378-5955", "print"),
        ("issn", "1878-5891", "electronic"),
    ]
    first, second = joh.access
    assert (first.coverage_start, first.coverage_end, first.embargo) == (
        "1990-01-01 v.1", "1999-12-31 v.10", None,
    )  # fmt: skip
    assert (second.coverage_start, second.coverage_end, second.embargo) == (
        "2005-01-01 v.16", None, "R1Y",
    )  # fmt: skip
    assert first.kind == "subscription" and first.url == "https://example.org/joh"
    assert "package: Example AllTitles (Global, 2026-11-30)" in (first.note or "")
    assert "row 4" in (second.note or "") and "current calendar year not available" in (
        second.note or ""
    )


def test_a_bad_embargo_quarantines_its_row_alone_with_its_number() -> None:
    blob = "\n".join([
        HEADER,
        _row(publication_title="Good One", online_identifier="1878-5891"),
        _row(publication_title="Bad One", online_identifier="2049-3630", embargo_info="R1W"),
        _row(publication_title="Good Two", online_identifier="0378-5955"),
    ]).encode()  # fmt: skip
    records, failed = _read(blob)
    assert [r.title for r in records] == ["Good One", "Good Two"]
    assert len(failed) == 1 and failed[0].startswith("row 3: embargo 'R1W'")


def test_rows_that_name_nothing_or_overflow_the_header_are_refused() -> None:
    blob = "\n".join([HEADER, _row(coverage_depth="fulltext"), _row(publication_title="X")
                      + "\textra\tmore", _row(publication_title="Fine")]).encode()  # fmt: skip
    records, failed = _read(blob)
    assert [r.title for r in records] == ["Fine"]
    assert failed[0].startswith("row 2 has no publication_title")
    assert failed[1].startswith("row 3 has") and "where the header names" in failed[1]


def test_monographs_are_books_with_isbns_and_quoted_fields_are_unquoted() -> None:
    blob = "\n".join([
        HEADER,
        _row(publication_title='"""Quoted"" : a study"', print_identifier="978-3-16-148410-0",
             first_author="Writer", date_monograph_published_print="2019",
             publication_type="monograph", title_id="b1", access_type="F",
             preceding_publication_title_id="b0"),
    ]).encode()  # fmt: skip
    (book,), failed = _read(blob)
    assert failed == [] and book.type == "book" and book.title == '"Quoted" : a study'
    assert book.identifiers[0].scheme == "isbn" and book.identifiers[0].value == "9783161484100"
    assert book.year == 2019 and book.contributors[0].name == "Writer"
    assert book.access[0].kind == "open"
    assert book.relations[0].type == "preceding"


def test_a_file_that_is_not_kbart_says_so() -> None:
    _records, failed = _read(b"title,author\nA,B\n")
    assert failed and "not a KBART file" in failed[0]


def test_the_shared_kbart_files_land_whole(shared_data: Path) -> None:
    folder = shared_data / "vendor" / "kbart"
    big = gzip.decompress((folder / "kbart.txt.gz").read_bytes())
    records, failed = _read(big)
    rows = len([line for line in big.decode().splitlines()[1:] if line.strip()])
    assert failed == []
    assert sum(len(r.access) for r in records) == rows == 72_056
    assert len({r.source_id for r in records}) == len(records)
    assert any(a.embargo for r in records for a in r.access)
    assert any(i.qualifier == "zdb" for r in records for i in r.identifiers)
    assert all("&#" not in (r.title or "") for r in records)
    nyu, failed = _read((folder / "nyu_global_awdl_2022-05-23.txt").read_bytes(),
                        "nyu_global_awdl_2022-05-23.txt")  # fmt: skip
    assert failed == [] and len(nyu) > 400
    # the file marks two titles serial, the others monographs or nothing (with ISBN-less
    # handles and monograph columns): both kinds come out as they are marked
    kinds = {r.type for r in nyu}
    assert kinds == {"book", "journal"}
    assert sum(r.type == "journal" for r in nyu) <= 31
    assert any(i.scheme == "oclc" for r in nyu for i in r.identifiers)


def test_convert_reads_kbart(shared_data: Path, cli: Cli, tmp_path: Path) -> None:
    src = shared_data / "vendor" / "kbart" / "issn.kbart.txt"
    out = tmp_path / "titles.jsonl"
    code, stdout, _ = cli("convert", str(src), "--format", "kbart", "-o", str(out))
    assert code == 0 and "1703 records" in stdout
