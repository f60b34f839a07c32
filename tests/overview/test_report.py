"""The collection report on a small catalog whose truth is known record by record.

The catalog: two sources of books (a library's print, a vendor's e-books, one work in
both), a journal in print at the library and in three packages of a consortium's KBART
(two of them overlapping, one with a moving wall, and a gap between them), two articles
from Crossref of which PubMed has one, two Crossref records quarantined for the same
reason, and a second run that changes one record and deletes another.  Every table of
the report is checked against what that design says it must hold.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from lxml import html as lxml_html

from tests.support.builders import write_pipeline
from tests.support.catalogs import writing
from tests.support.dedupe_records import rec
from unioncat.catalog import Catalog, PageWrite
from unioncat.contracts import Quarantined, RawEnvelope
from unioncat.dedupe.settings import MatchSettings
from unioncat.dedupe.stage import dedupe_catalog
from unioncat.overview import PAGE, TABLES, compute, report_files
from unioncat.schemas.record import Access, Holding, Identifier, Subject

TODAY = date(2026, 12, 6)
ISSN = "0378-5955"  # a valid ISSN: the journal's print and online records share it

PRINT_A = replace(
    rec("a", "Rivers of the north", source="library", isbn=["9780306406157"], year=2019),
    subjects=[Subject("Rivers -- History", "lcsh")],
)
EBOOK_A = rec("a-e", "Rivers of the north", source="vendor", medium="electronic",
              isbn=["9780306406157"], year=2019)  # fmt: skip
EBOOK_B = replace(
    rec("b", "Salt marsh ecology", source="vendor", medium="electronic",
        authors=["Lindqvist, Maja"], year=2021),
    identifiers=[Identifier("isbn", "9780306406158", status="invalid")],
    access=[Access("https://open.example/b", kind="open")],
    subjects=[Subject("Salt marshes", "lcsh")],
)  # fmt: skip
PRINT_C = replace(
    rec("c", "Tidal mills of Brittany", source="library", authors=["Le Goff, Yann"], year=1987),
    subjects=[Subject("Tide mills -- France", "lcsh")],
)
JOURNAL_PRINT = replace(
    rec("j", "Hearing research", source="library", type="journal", authors=[], year=1990),
    identifiers=[Identifier("issn", ISSN)],
    holdings=[Holding(form="print", holder="LIB", location="Stacks", start_date="1990",
                      end_date="2001", coverage="v.1(1990)-v.12(2001)")],
)  # fmt: skip
JOURNAL_ONLINE = replace(
    rec("j-e", "Hearing research", source="kbart", type="journal", medium="electronic",
        authors=[], year=None),
    identifiers=[Identifier("issn", ISSN)],
    holdings=[
        Holding(form="electronic", holder="CONS", package="pkg1", start_date="2000-01-01",
                end_date="2005-12-31", access_type="subscription"),
        Holding(form="electronic", holder="CONS", package="pkg2", start_date="2003-01-01",
                end_date="2006-12-31", access_type="subscription"),
        # open end less a moving wall of two years: to 2024 on 2026-12-06
        Holding(form="electronic", holder="CONS", package="pkg3", start_date="2010-01-01",
                embargo="R2Y", access_type="subscription"),
    ],
)  # fmt: skip
ARTICLE_X = rec("x", "Cochlear hair cells in the gerbil", source="crossref", type="journal_article",
                medium="electronic", doi="10.1016/j.heares.2004.01.001", year=2004)  # fmt: skip
ARTICLE_X_PUBMED = rec("px", "Cochlear hair cells in the gerbil", source="pubmed",
                       type="journal_article", medium="unknown",
                       doi="10.1016/j.heares.2004.01.001", year=2004)  # fmt: skip
ARTICLE_Y = rec("y", "Noise exposure and the middle ear", source="crossref",
                type="journal_article", medium="electronic", authors=["Adeyemi, Tolu"],
                doi="10.1016/j.heares.2011.05.002", year=2011)  # fmt: skip
RECORDS = [PRINT_A, EBOOK_A, EBOOK_B, PRINT_C, JOURNAL_PRINT, JOURNAL_ONLINE, ARTICLE_X,
           ARTICLE_X_PUBMED, ARTICLE_Y]  # fmt: skip


def _quarantined(n: int) -> Quarantined:
    envelope = RawEnvelope("crossref", f"works.jsonl#{n}", "crossref", b"{}", datetime.now(UTC),
                           batch="works.jsonl", position=n)  # fmt: skip
    return Quarantined(envelope, f"crossref: work {n} has no title")


def _note_run(catalog: Catalog, run_id: str, started: str) -> None:
    catalog.db.execute(
        "INSERT INTO runs (run_id, command, started_at, status) VALUES (?, 'run', ?, 'ok')",
        [run_id, started],
    )


@pytest.fixture(scope="module")
def catalog_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("report") / "catalog.duckdb"
    with writing(path, "r1") as catalog:
        catalog.write(PageWrite("r1", records=list(RECORDS),
                                quarantined=[_quarantined(101), _quarantined(2202)]))  # fmt: skip
        dedupe_catalog(catalog, "r1", MatchSettings())
        _note_run(catalog, "r1", "2026-12-01 02:00Z")
    with writing(path, "r2") as catalog:
        changed = replace(PRINT_C, title="Tidal mills of Brittany and Normandy")
        gone = replace(EBOOK_B, deleted=True)
        catalog.write(PageWrite("r2", records=[changed, gone]))
        dedupe_catalog(catalog, "r2", MatchSettings())
        _note_run(catalog, "r2", "2026-12-02 02:00Z")
    return path


@pytest.fixture(scope="module")
def tables(catalog_path: Path) -> dict[str, list[dict[str, Any]]]:
    catalog = Catalog(catalog_path, read_only=True)
    try:
        return {name: t.to_pylist() for name, t in compute(catalog, TODAY).items()}
    finally:
        catalog.close()


def _pick(rows: list[dict[str, Any]], *keys: str) -> set[tuple[Any, ...]]:
    return {tuple(r[k] for k in keys) for r in rows}


def test_the_design_clustered_as_planned(catalog_path: Path) -> None:
    catalog = Catalog(catalog_path, read_only=True)
    try:
        pairs = [(PRINT_A, EBOOK_A), (JOURNAL_PRINT, JOURNAL_ONLINE), (ARTICLE_X, ARTICLE_X_PUBMED)]
        for a, b in pairs:
            ((n,),) = catalog.query(
                "SELECT count(DISTINCT cluster_id) FROM records WHERE id IN (?, ?)", [a.id, b.id]
            )
            assert n == 1, f"{a.title} did not cluster"
    finally:
        catalog.close()


def test_collection_tables(tables: dict[str, list[dict[str, Any]]]) -> None:
    # EBOOK_B was deleted by the second run: it counts nowhere
    assert _pick(tables["records_by_source"], "source", "type", "medium", "records") == {
        ("library", "book", "print", 2), ("library", "journal", "print", 1),
        ("vendor", "book", "electronic", 1), ("kbart", "journal", "electronic", 1),
        ("crossref", "journal_article", "electronic", 2),
        ("pubmed", "journal_article", "unknown", 1),
    }  # fmt: skip
    assert _pick(tables["works_by_format"], "level", "format", "works") == {
        ("work", "print and electronic", 2), ("work", "print only", 1),
        ("article", "electronic only", 2),
    }  # fmt: skip
    assert _pick(tables["works_by_decade"], "decade", "format", "works") == {
        (1980, "print only", 1), (1990, "print and electronic", 1),
        (2010, "print and electronic", 1), (2000, "electronic only", 1),
        (2010, "electronic only", 1),
    }  # fmt: skip
    assert _pick(tables["works_by_year"], "year", "format", "works") == {
        (1987, "print only", 1), (1990, "print and electronic", 1),
        (2019, "print and electronic", 1), (2004, "electronic only", 1),
        (2011, "electronic only", 1),
    }  # fmt: skip
    subjects = _pick(tables["works_by_subject"], "scheme", "subject", "format", "works")
    assert ("lcsh", "Rivers", "print and electronic", 1) in subjects
    assert ("lcsh", "Tide mills", "print only", 1) in subjects
    assert not any(s[1] == "Salt marshes" for s in subjects)  # a deleted record's subject
    ((summary,),) = [tables["summary"]]
    assert summary["records"] == 8 and summary["works"] == 5 and summary["articles"] == 2
    assert summary["print_only"] == 1 and summary["print_and_electronic"] == 2
    assert summary["journals"] == 1 and summary["quarantined"] == 2


def test_open_access_share(tables: dict[str, list[dict[str, Any]]]) -> None:
    shares = {r["source"]: (r["electronic"], r["open"]) for r in tables["open_access"]}
    assert shares["vendor"] == (1, 0)  # the open e-book was deleted
    assert shares["kbart"] == (1, 0) and shares["crossref"] == (2, 0)
    assert "library" not in shares and "pubmed" not in shares


def test_overlap_tables(tables: dict[str, list[dict[str, Any]]]) -> None:
    overlap = _pick(tables["source_overlap"], "level", "source_a", "source_b", "works")
    assert ("work", "library", "vendor", 1) in overlap
    assert ("work", "vendor", "library", 1) in overlap
    assert ("work", "library", "kbart", 1) in overlap
    assert ("work", "library", "library", 3) in overlap
    assert ("article", "crossref", "pubmed", 1) in overlap
    assert ("article", "crossref", "crossref", 2) in overlap
    assert not any(o[0] == "article" and "library" in o[1:3] for o in overlap)
    holders = _pick(tables["holder_overlap"], "level", "holder_a", "holder_b", "works")
    assert holders == {("work", "LIB", "LIB", 1), ("work", "CONS", "CONS", 1),
                       ("work", "LIB", "CONS", 1), ("work", "CONS", "LIB", 1)}  # fmt: skip
    unique = _pick(tables["unique_to_source"], "source", "level", "works", "unique_works")
    assert unique == {
        ("library", "work", 3, 1), ("vendor", "work", 1, 0), ("kbart", "work", 1, 0),
        ("crossref", "article", 2, 1), ("pubmed", "article", 1, 0),
    }  # fmt: skip
    titles = _pick(tables["unique_titles"], "source", "title")
    assert titles == {("library", "Tidal mills of Brittany and Normandy"),
                      ("crossref", "Noise exposure and the middle ear")}  # fmt: skip


def test_coverage_bought_twice_and_print_held_online(
    tables: dict[str, list[dict[str, Any]]],
) -> None:
    assert _pick(tables["coverage_duplicated"], "package_a", "package_b", "from_year",
                 "to_year", "years") == {("pkg1", "pkg2", 2003, 2005, 3)}  # fmt: skip
    assert _pick(tables["print_covered_online"], "holder", "online_in", "covered_from",
                 "covered_to", "years") == {("LIB", "pkg1", 2000, 2001, 2)}  # fmt: skip


def test_journal_timeline_and_gaps(tables: dict[str, list[dict[str, Any]]]) -> None:
    runs = _pick(tables["journal_runs"], "form", "held_by", "from_year", "to_year", "embargo")
    assert runs == {
        ("print", "LIB", 1990, 2001, None), ("electronic", "pkg1", 2000, 2005, None),
        ("electronic", "pkg2", 2003, 2006, None), ("electronic", "pkg3", 2010, 2024, "R2Y"),
    }  # fmt: skip
    assert _pick(tables["journal_gaps"], "title", "gap_from", "gap_to", "years") == {
        ("Hearing research", 2007, 2009, 3)
    }


def test_quality_tables(tables: dict[str, list[dict[str, Any]]]) -> None:
    complete = {(r["source"], r["field"]): (r["filled"], r["records"])
                for r in tables["field_completeness"]}  # fmt: skip
    assert complete[("library", "subjects")] == (2, 3)
    assert complete[("library", "year")] == (3, 3)
    assert complete[("kbart", "year")] == (0, 1)
    assert complete[("crossref", "host")] == (0, 2)  # host only counts for articles
    assert ("library", "host") not in complete
    status = {(r["source"], r["scheme"]): (r["identifiers"], r["invalid"])
              for r in tables["identifier_status"]}  # fmt: skip
    assert status[("library", "isbn")] == (1, 0)
    assert ("vendor", "isbn") in status and status[("vendor", "isbn")][1] == 0
    assert _pick(tables["quarantine_reasons"], "source", "reason", "records") == {
        ("crossref", "crossref: work N has no title", 2)
    }
    matched = {r["source"]: (r["records"], r["matched"], r["duplicates_inside"])
               for r in tables["matched_by_source"]}  # fmt: skip
    assert matched["library"] == (3, 2, 0) and matched["crossref"] == (2, 1, 0)
    assert matched["pubmed"] == (1, 1, 0)


def test_change_over_runs(tables: dict[str, list[dict[str, Any]]]) -> None:
    runs = {r["run_id"]: r for r in tables["run_changes"]}
    assert runs["r1"]["added"] == len(RECORDS) and runs["r1"]["changed"] == 0
    assert (runs["r2"]["added"], runs["r2"]["changed"], runs["r2"]["deleted"]) == (0, 1, 1)


def test_report_files_hold_every_table_and_a_page_that_runs_nothing(catalog_path: Path) -> None:
    catalog = Catalog(catalog_path, read_only=True)
    try:
        made = report_files(catalog, "catalog.duckdb", datetime(2026, 12, 6, tzinfo=UTC))
    finally:
        catalog.close()
    for t in TABLES:
        parquet = pq.read_table(io.BytesIO(made[f"tables/{t.name}.parquet"]))
        rows = list(csv.DictReader(io.StringIO(made[f"tables/{t.name}.csv"].decode())))
        assert len(rows) == parquet.num_rows, t.name
    page = made[PAGE].decode()
    doc = lxml_html.fromstring(page)
    assert not doc.xpath("//script") and not doc.xpath("//link[@rel='stylesheet']")
    assert not doc.xpath("//*[@src]"), "the page fetches nothing"
    assert len(doc.xpath("//svg")) >= 6
    assert "Hearing research" in page and "pkg1" in page


def test_record_text_is_escaped_on_the_page(tmp_path: Path) -> None:
    hostile = rec("h", "<script>alert(1)</script> & <b>bold</b>", source="lib<i>x</i>")
    path = tmp_path / "catalog.duckdb"
    with writing(path, "r1") as catalog:
        catalog.write(PageWrite("r1", records=[hostile]))
    catalog = Catalog(path, read_only=True)
    try:
        page = report_files(catalog, "c", datetime.now(UTC))[PAGE].decode()
    finally:
        catalog.close()
    assert "<script>" not in page and "<i>x</i>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page


def test_unioncat_report_on_the_example_pipeline(
    default_pipeline: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    assert cli("--config", str(default_pipeline), "run")[0] == 0
    code, out, _ = cli("--config", str(default_pipeline), "report")
    assert code == 0
    folder = default_pipeline.parent / "report"
    assert str(folder / PAGE) in out
    page = (folder / PAGE).read_text(encoding="utf-8")
    assert "Collection report" in page and "Coastal morphology review" in page
    for t in TABLES:
        assert (folder / "tables" / f"{t.name}.parquet").is_file(), t.name
        assert (folder / "tables" / f"{t.name}.csv").is_file(), t.name
    runs = pq.read_table(folder / "tables" / "print_covered_online.parquet").to_pylist()
    assert {(r["online_in"].split(" (")[0], r["years"]) for r in runs} >= {
        ("Tideway CoastalCollection", 9)
    }
    assert not list(folder.rglob(".*.partial"))


def test_report_while_a_run_holds_the_catalog_is_made_by_that_run(
    catalog_path: Path, tmp_path: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    from unioncat.config import load_config
    from unioncat.read_service import ReadService

    pipeline = write_pipeline(tmp_path, [], catalog=str(catalog_path))
    with writing(catalog_path, "r9") as catalog, ReadService(catalog, load_config(pipeline)):
        code, _, _ = cli("--config", str(pipeline), "report", "--out", str(tmp_path / "rep"))
    assert code == 0
    summary = list(csv.DictReader((tmp_path / "rep" / "tables" / "summary.csv").open()))
    assert summary[0]["records"] == "8"
