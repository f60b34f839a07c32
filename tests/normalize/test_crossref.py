"""Crossref works as records: every shape Crossref hands out, on its real responses."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import read_as
from unioncat.schemas.record import Record

Cli = Callable[..., tuple[int, str, str]]


def _records(blob: bytes) -> tuple[list[Record], list[str]]:
    return read_as("crossref", blob)


def _fixture(shared_data: Path, name: str) -> bytes:
    return (shared_data / "vendor" / "crossref" / "fixtures" / name).read_bytes()


def test_a_real_journal_article_down_to_its_host_access_and_relations(
    shared_data: Path,
) -> None:
    (rec,), failed = _records(_fixture(shared_data, "crossref.json"))
    assert failed == []
    assert rec.type == "journal_article" and rec.medium == "electronic"
    assert rec.source_id == "10.7554/elife.01567"
    assert rec.date == "2014-02-11" and rec.year == 2014
    assert rec.language == ["eng"]
    assert rec.host is not None and rec.host.title == "eLife"
    assert [(i.scheme, i.value, i.qualifier) for i in rec.host.identifiers] == [
        ("issn", "2050-084X", "electronic")
    ]
    assert not any(i.scheme == "issn" for i in rec.identifiers)  # the journal's, not its own
    assert rec.abstract and "<jats:" not in rec.abstract and rec.abstract.startswith("Among")
    assert rec.access[0].url == "https://doi.org/10.7554/elife.01567"
    assert {a.kind for a in rec.access} == {"open"}  # CC BY
    assert any(a.url.endswith(".pdf") for a in rec.access)
    (rel,) = rec.relations
    assert rel.identifiers[0].value == "10.5061/dryad.b835k"
    assert rel.note == "crossref: is-supplemented-by"
    assert rec.contributors[0].name == "Sankar, Martial" and rec.contributors[0].role == "author"


def test_every_shape_gives_one_record_per_work(shared_data: Path) -> None:
    listed = json.loads(_fixture(shared_data, "crossref-list.json"))
    n = len(listed["items"])
    response = json.dumps({"status": "ok", "message-type": "work-list",
                           "message": {"total-results": n, "items": listed["items"]}})  # fmt: skip
    single = json.dumps({"status": "ok", "message-type": "work", "message": listed["items"][0]})
    lines = "\n".join(json.dumps(w) for w in listed["items"])
    for blob in (json.dumps(listed), response, lines):
        records, failed = _records(blob.encode())
        assert failed == [] and len(records) == n
        assert len({r.source_id for r in records}) == n
    records, _ = _records(single.encode())
    assert [r.source_id for r in records] == [records[0].source_id]
    ldj = (shared_data / "vendor" / "crossref" / "crossref.ldj").read_bytes()
    records, failed = _records(ldj)
    assert failed == [] and len(records) == len(ldj.splitlines())
    assert all(r.title and r.year for r in records)


def test_a_work_without_a_doi_is_quarantined_alone(shared_data: Path) -> None:
    records, failed = _records(_fixture(shared_data, "crossref-list_missing_doi.json"))
    assert len(failed) == 1 and "without a DOI" in failed[0]
    assert len(records) == 19


def test_a_broken_line_costs_only_itself() -> None:
    good = {"DOI": "10.1234/a", "type": "journal-article", "title": ["A"]}
    blob = (
        json.dumps(good)
        + '\n{"DOI": "10.1234/b", "title": ["B"\n'
        + json.dumps({**good, "DOI": "10.1234/c"})
    )
    records, failed = _records(blob.encode())
    assert [r.source_id for r in records] == ["10.1234/a", "10.1234/c"]
    assert len(failed) == 1 and "JSON" in failed[0]


def test_json_lines_of_saved_responses_give_their_works() -> None:
    # a harvest dump that appended each /works page as one line, between lines of works;
    # a title with a tab, a line end and a no-break space reads as single spaces
    work = {"DOI": "10.1234/a", "type": "journal-article", "title": ["Tides\tand\u00a0 weirs\n"]}
    page = {"status": "ok", "message-type": "work-list",
            "message": {"items": [{**work, "DOI": f"10.1234/p{n}"} for n in range(3)]}}  # fmt: skip
    blob = "\n".join(json.dumps(d) for d in (work, page, {**work, "DOI": "10.1234/z"}))
    records, failed = _records(blob.encode())
    assert failed == []
    assert [r.source_id for r in records] == [
        "10.1234/a", "10.1234/p0", "10.1234/p1", "10.1234/p2", "10.1234/z",
    ]  # fmt: skip
    assert {r.title for r in records} == {"Tides and weirs"}


def _chapter(**extra: Any) -> dict[str, Any]:
    return {
        "DOI": "10.1007/978-3-030-00001-1_3",
        "type": "book-chapter",
        "title": ["Holdings &amp; coverage"],
        "container-title": ["Library Systems", "Lecture Notes"],
        "isbn-type": [
            {"value": "978-3-030-00001-1", "type": "print"},
            {"value": "9783030000028", "type": "electronic"},
        ],  # fmt: skip
        "page": "33-57",
        "editor": [
            {"given": "Ana", "family": "Pereira", "ORCID": "http://orcid.org/0000-0002-1825-0097",
             "affiliation": [{"name": "Universidade de Lisboa"}, {"name": " "},
                             {"name": "Universidade de Lisboa"}, {"name": "ISCTE"}]}
        ],  # fmt: skip
        "author": [{"name": "Working Group on Serials", "sequence": "first"}],
        "published-print": {"date-parts": [[2019, 5]]},
        "published-online": {"date-parts": [[2019, 4, 20]]},
        "license": [{"URL": "https://www.springer.com/tdm"}],
        "update-to": [
            {"DOI": "10.1007/old", "type": "correction", "updated": {"date-parts": [[2020, 1, 2]]}}
        ],  # fmt: skip
        **extra,
    }


def test_a_chapter_has_its_book_as_host_with_both_isbns() -> None:
    (rec,), failed = _records(json.dumps(_chapter()).encode())
    assert failed == []
    assert rec.type == "book_chapter" and rec.title == "Holdings & coverage"
    assert rec.host is not None and rec.host.title == "Library Systems"
    assert [(i.value, i.qualifier) for i in rec.host.identifiers] == [
        ("9783030000011", "print"),
        ("9783030000028", "electronic"),
    ]
    assert (rec.host.first_page, rec.host.last_page) == ("33", "57")
    assert rec.date == "2019-04-20"  # the earliest of print and online
    editor = next(c for c in rec.contributors if c.role == "editor")
    assert editor.identifiers[0].scheme == "orcid"
    assert editor.identifiers[0].value == "0000-0002-1825-0097"
    assert editor.affiliations == ["Universidade de Lisboa", "ISCTE"]
    group = next(c for c in rec.contributors if c.role == "author")
    assert group.kind == "organization" and group.name == "Working Group on Serials"
    assert {a.kind for a in rec.access} == {"unknown"}  # a text-mining licence is not open
    (update,) = rec.relations
    assert update.note == "crossref: correction of this DOI (2020-01-02)"


def test_a_book_keeps_its_isbns_as_its_own() -> None:
    (rec,), _ = _records(json.dumps(_chapter(type="monograph", DOI="10.1007/b1")).encode())
    assert rec.type == "book" and rec.host is None
    assert {i.value for i in rec.identifiers if i.scheme == "isbn"} == {
        "9783030000011", "9783030000028"
    }  # fmt: skip


@pytest.mark.parametrize("payload", [b"[1, 2]", b'{"title": ["no doi"]}'])
def test_what_is_no_work_says_so(payload: bytes) -> None:
    _records_, failed = _records(payload)
    assert failed and all("Crossref" in f or "JSON" in f for f in failed)


def test_convert_and_a_files_source_read_crossref(
    shared_data: Path, cli: Cli, tmp_path: Path
) -> None:
    from tests.support.builders import write_pipeline

    ldj = shared_data / "vendor" / "crossref" / "crossref.ldj"
    out = tmp_path / "works.jsonl"
    code, stdout, _ = cli("convert", str(ldj), "--format", "crossref", "-o", str(out))
    assert code == 0 and len(out.read_text().splitlines()) == 10, stdout
    cfg = write_pipeline(tmp_path, [{"name": "crossref-dump", "kind": "files",
                                     "format": "crossref", "paths": [str(ldj)]}])  # fmt: skip
    code, stdout, _ = cli("--config", str(cfg), "run")
    assert code == 0 and "crossref-dump: ok: 10 read, 10 new or changed" in stdout


def test_a_work_json_reads_leniently_is_not_lost() -> None:
    # NaN is not strict JSON; Python's json reads it, so the work lands rather than
    # being quarantined
    blob = b'{"DOI": "10.5555/nan", "type": "journal-article", "title": ["T"], "score": NaN}'
    (rec,), failed = _records(blob)
    assert failed == [] and rec.source_id == "10.5555/nan"
