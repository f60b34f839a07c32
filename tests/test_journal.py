"""One journal as a library meets it: print run, holdings, KBART coverage and articles in
one cluster, and the answer to "can I get this article?"."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import pytest
from pymarc import Field, Leader, Record, Subfield

from tests.support.builders import write_pipeline
from unioncat.access import judge
from unioncat.catalog.export import export_files
from unioncat.contracts import RawEnvelope
from unioncat.normalize.marc import normalize as normalize_marc
from unioncat.normalize.marc_holdings import years_of

Cli = Callable[..., tuple[int, str, str]]
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "journal"


@pytest.fixture
def journal(tmp_path: Path, cli: Cli) -> Path:
    folder = tmp_path / "journal"
    shutil.copytree(EXAMPLE, folder)
    code, out, err = cli("--config", str(folder / "pipelines.yaml"), "run")
    assert code == 0, out + err
    return folder


def _q(folder: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _show(cli: Cli, folder: Path, key: str) -> dict[str, Any]:
    code, out, err = cli("--config", str(folder / "pipelines.yaml"), "show", key)
    assert code == 0, out + err
    return dict(json.loads(out))


def test_print_run_and_kbart_title_are_one_journal_with_every_holding(
    journal: Path, cli: Cli
) -> None:
    (cluster,) = _q(journal, "SELECT DISTINCT cluster_id FROM records WHERE type = 'journal'")
    members = _q(
        journal,
        "SELECT source || ':' || source_id FROM records WHERE cluster_id = ? ORDER BY 1",
        [cluster[0]],
    )
    assert members == [("print-serials:ex-j-0001",), ("tideway-kbart:CMR",)]
    # the branch's holdings record is no work of its own
    assert _q(journal, "SELECT cluster_id FROM records WHERE type = 'holdings'") == [(None,)]
    shown = _show(cli, journal, cluster[0])
    held = {(h["holder"], h["form"], h["coverage"]) for h in shown["holdings"]}
    assert held == {
        ("XX-ExLib", "print", "v.1(1995)-v.20(2014)"),
        ("XX-Branch", "print", "v.10(2004)-v.15(2009)"),
        ("XX-ExLib", "electronic", "2000-01-01 v.6 no.1 to 2003-12-31 v.9"),
        ("XX-ExLib", "electronic", "2006-01-01 v.12 no.1 to date"),
    }
    embargoed = [h for h in shown["holdings"] if h["embargo"]]
    assert [h["embargo"] for h in embargoed] == ["R6M"]
    assert embargoed[0]["package"] == "Tideway CoastalCollection (Global, 2026-11-01)"
    branch = next(h for h in shown["holdings"] if h["holder"] == "XX-Branch")
    assert branch["of_record"] == "ex-j-0001" and branch["note"] == "v.12 wanting"
    assert branch["start_date"] == "2004" and branch["end_date"] == "2009"
    assert shown["articles_by_year"] == [[2002, 1], [2005, 1], [2021, 1], [2026, 1]]
    code, text, _ = cli("--config", str(journal / "pipelines.yaml"), "show", cluster[0], "--text")
    assert "print, at XX-ExLib, Main Library Periodicals, call number GB450 .C63" in text
    assert "articles and chapters in the catalog, by year: 2002: 1, 2005: 1" in text


def test_the_same_article_from_crossref_and_jats_is_one_cluster(journal: Path) -> None:
    rows = _q(
        journal,
        "SELECT source, cluster_id FROM records WHERE source_id = '10.9999/cmr.2021.007' "
        "ORDER BY source",
    )
    assert [r[0] for r in rows] == ["crossref-works", "jats"]
    assert rows[0][1] == rows[1][1] is not None


@pytest.mark.parametrize(
    ("doi", "summary"),
    [
        ("10.9999/cmr.2002.014", "yes, online through XX-ExLib: covered by 2000-01-01"),
        ("10.9999/cmr.2005.031", "in print only, at XX-Branch: covered by v.10(2004)-v.15(2009)"),
        ("10.9999/cmr.2021.007", "yes, online through XX-ExLib: covered by 2006-01-01"),
    ],
)
def test_show_answers_whether_an_article_can_be_reached(
    journal: Path, cli: Cli, doi: str, summary: str
) -> None:
    shown = _show(cli, journal, f"crossref-works:{doi}")
    assert shown["access"]["summary"].startswith(summary)
    (journal_cluster,) = _q(
        journal, "SELECT DISTINCT cluster_id FROM records WHERE type = 'journal'"
    )
    assert shown["access"]["host_clusters"] == [journal_cluster[0]]


def test_an_article_in_text_cites_its_host(journal: Path, cli: Cli) -> None:
    code, text, _ = cli(
        "--config", str(journal / "pipelines.yaml"), "show", "jats:10.9999/cmr.2021.007", "--text"
    )
    assert code == 0
    lines = dict(line.split(":", 1) for line in text.splitlines() if line[:1] not in (" ", ""))
    assert lines["in"].strip().startswith("Coastal morphology review, ISSN 2049-3630 (print)")
    assert "v. 27, no. 3" in lines["in"] and "{" not in lines["in"]
    assert "can I get it" in lines


def test_the_embargo_is_applied_to_the_article_date_on_the_day_asked() -> None:
    article = {"date": "2026-11", "host": {"volume": "32"}}
    holding = {"form": "electronic", "holder": "XX-ExLib", "start_date": "2006-01-01",
               "embargo": "R6M", "coverage": "2006 to date"}  # fmt: skip
    before = judge(article, holding, date(2026, 12, 2))
    assert not before.reachable and before.why.startswith("embargo R6M")
    # six calendar months, the current one counted first: the wall passes November 2026
    # at the start of May 2027
    assert not judge(article, holding, date(2027, 4, 30)).reachable
    assert judge(article, holding, date(2027, 5, 1)).reachable
    # a P statement: only the last year is online
    recent = {**holding, "embargo": "P1Y"}
    assert judge(article, recent, date(2026, 12, 2)).reachable
    assert not judge({"date": "2024-05-01"}, recent, date(2026, 12, 2)).reachable


def test_coverage_by_volume_when_no_dates_are_given() -> None:
    holding = {"form": "print", "holder": "A", "start_volume": "10", "end_volume": "15",
               "coverage": "v.10-15"}  # fmt: skip
    assert judge({"host": {"volume": "12"}}, holding, date(2026, 1, 1)).reachable
    assert not judge({"host": {"volume": "16"}}, holding, date(2026, 1, 1)).reachable
    assert not judge({"host": {}}, holding, date(2026, 1, 1)).reachable


def test_years_of_a_textual_holdings_statement() -> None:
    assert years_of("v.1(1995)-v.20(2014)") == ("1995", "2014")
    assert years_of("v.1(1995)-") == ("1995", None)
    assert years_of("[1.]1929/30 - 11.1942; 1979") == ("1929", "1979")
    assert years_of("v.1-20") == (None, None)


def marc_record(
    control: str = "rec-1",
    title: str | None = "A title",
    leader: str = "00000cam a2200000 a 4500",
    extra: list[tuple[str, str | None, Any]] = (),  # type: ignore[assignment]
) -> bytes:
    """A MARC record's bytes; ``extra`` fields are (tag, indicators, [code, value, ...])
    or (tag, None, data) for a control field."""
    r = Record(force_utf8=True)
    r.leader = Leader(leader)
    r.add_field(Field(tag="001", data=control))
    r.add_field(Field(tag="008", data="190415c19959999enk           000 0 eng d"))
    for tag, ind, subs in extra:
        if ind is None:
            r.add_field(Field(tag=tag, data=subs))
    if title:
        r.add_field(Field(tag="245", indicators=["0", "0"], subfields=[Subfield("a", title)]))
    for tag, ind, subs in extra:
        if ind is not None:
            pairs = [Subfield(subs[i], subs[i + 1]) for i in range(0, len(subs), 2)]
            r.add_field(Field(tag=tag, indicators=[ind[0], ind[1]], subfields=pairs))
    return bytes(r.as_marc())


def _env(blob: bytes) -> RawEnvelope:
    from datetime import UTC, datetime

    return RawEnvelope("lib", "f#0", "marc21", blob, datetime.now(UTC))


def test_marc_holdings_tied_by_link_number_and_koha_items() -> None:
    rec = marc_record(
        extra=[
            ("852", "01", ["8", "1", "a", "XX-A", "b", "Main", "h", "QA1 .J6"]),
            ("852", "01", ["8", "2", "a", "XX-B", "b", "Annex"]),
            ("853", "20", ["8", "2", "a", "v.", "i", "(year)"]),
            ("863", "40", ["8", "2.1", "a", "3-9", "i", "1990-1996"]),
            ("866", "40", ["8", "1", "a", "v.1(1988)-", "z", "current issues at desk"]),
            ("868", "40", ["8", "1", "a", "v.1-10 index"]),
            ("952", "  ", ["a", "BR1", "c", "STACKS", "o", "QA1 .J6 c.2", "p", "3900012"]),
        ]
    )
    (book,) = [r for r in normalize_marc(_env(rec)) if r.type != "book_chapter"]
    by_holder = {h.holder: h for h in book.holdings}
    assert set(by_holder) == {"XX-A", "XX-B", "BR1"}
    a, b, koha = by_holder["XX-A"], by_holder["XX-B"], by_holder["BR1"]
    assert (a.location, a.call_number) == ("Main", "QA1 .J6")
    assert a.coverage == "v.1(1988)-; indexes: v.1-10 index" and a.note == "current issues at desk"
    assert (a.start_date, a.end_date) == ("1988", None)
    assert (b.start_volume, b.end_volume, b.start_date, b.end_date) == ("3", "9", "1990", "1996")
    assert b.coverage == "v.3-9 (1990-1996)"
    assert (koha.location, koha.call_number, koha.note) == (
        "STACKS",
        "QA1 .J6 c.2",
        "barcode 3900012",
    )
    assert {h.form for h in book.holdings} == {"print"}


def test_a_marc_holdings_record_holds_the_record_its_004_names(tmp_path: Path, cli: Cli) -> None:
    bib = marc_record(control="b-1", title="A serial of record")
    hold = marc_record(
        control="h-1", title=None, leader="00000nx  a22000003  4500",
        extra=[("004", None, "b-1"), ("852", "01", ["b", "Stacks", "h", "QA2"])],
    )  # fmt: skip
    orphan = marc_record(
        control="h-2", title=None, leader="00000nx  a22000003  4500",
        extra=[("004", None, "b-404"), ("852", "01", ["b", "Annex"])],
    )  # fmt: skip
    (tmp_path / "lib.mrc").write_bytes(bib + hold + orphan)
    cfg = write_pipeline(
        tmp_path,
        [
            {
                "name": "lib",
                "kind": "files",
                "format": "marc",
                "holder": "XX-Lib",
                "paths": ["lib.mrc"],
            }
        ],  # fmt: skip
    )
    code, out, err = cli("--config", str(cfg), "run")
    assert code == 0, out + err
    rows = _q(tmp_path, "SELECT record_id, holder, location, of_record FROM holdings ORDER BY 4")
    bib_id = _q(tmp_path, "SELECT id FROM records WHERE source_id = 'b-1'")[0][0]
    assert rows == [(bib_id, "XX-Lib", "Stacks", "b-1"), (None, "XX-Lib", "Annex", "b-404")]
    held = pq.read_table(export_files(tmp_path / "export", "holdings")[0]).to_pylist()
    assert [(h["record_id"], h["location"]) for h in held] == [(bib_id, "Stacks"), (None, "Annex")]
    code, text, _ = cli("--config", str(cfg), "show", "lib:b-1", "--text")
    assert "held:" in text and "print, at XX-Lib, Stacks, call number QA2" in text


def test_a_print_serial_and_its_online_version_join_through_776_x(tmp_path: Path, cli: Cli) -> None:
    printed = marc_record(
        control="p-1", title="Coastal morphology review", leader="00000cas a2200000 a 4500",
        extra=[("022", "0 ", ["a", "2049-3630"]),
               ("776", "08", ["t", "Coastal morphology review", "x", "1756-9125"])],
    )  # fmt: skip
    online = marc_record(
        control="e-1", title="Coastal morphology review (Online)",
        leader="00000cas a2200000 a 4500",
        extra=[("022", "0 ", ["a", "1756-9125"]), ("338", "  ", ["a", "online resource"])],
    )  # fmt: skip
    (tmp_path / "p.mrc").write_bytes(printed)
    (tmp_path / "e.mrc").write_bytes(online)
    cfg = write_pipeline(tmp_path, [
        {"name": "print", "kind": "files", "format": "marc", "paths": ["p.mrc"]},
        {"name": "online", "kind": "files", "format": "marc", "paths": ["e.mrc"]},
    ])  # fmt: skip
    code, out, err = cli("--config", str(cfg), "run")
    assert code == 0, out + err
    clusters = _q(tmp_path, "SELECT count(DISTINCT cluster_id), count(*) FROM records")
    assert clusters == [(1, 2)]


def test_a_holder_must_name_a_library(tmp_path: Path, cli: Cli) -> None:
    cfg = write_pipeline(
        tmp_path,
        [
            {"name": "lib", "kind": "files", "format": "marc", "holder": " ", "paths": ["x.mrc"]}
        ],  # fmt: skip
    )
    code, _, err = cli("--config", str(cfg), "run")
    assert code == 2 and "holder must name the library" in err


def _item_library(tmp_path: Path, count: int) -> bytes:
    # an ILS that writes its items in 949: $l library, $s shelf, $c call number, $i barcode
    return b"".join(
        marc_record(
            control=f"b-{n}",
            title=f"Harbour records volume {n}",
            extra=[("949", "  ", ["l", "XX-Port", "s", "Stacks", "c", f"HE{n}", "i", f"39{n:05}"])],
        )
        for n in range(count)
    )


def _items_pipeline(tmp_path: Path, location: str) -> Path:
    layout = {"tag": "949", "holder": "l", "location": location, "call_number": "c",
              "barcode": "i"}  # fmt: skip
    return write_pipeline(
        tmp_path,
        [{"name": "ils", "kind": "files", "format": "marc", "paths": ["ils.mrc"],
          "format_options": {"item_fields": [layout]}}],  # fmt: skip
        workers=2,
    )


def test_an_ils_item_field_named_by_tag_in_format_options(tmp_path: Path, cli: Cli) -> None:
    # enough records for the mapping workers: the settings travel with each page, and
    # renormalize reads them from the pipeline file again
    (tmp_path / "ils.mrc").write_bytes(_item_library(tmp_path, 300))
    cfg = _items_pipeline(tmp_path, "s")
    code, out, err = cli("--config", str(cfg), "run")
    assert code == 0, out + err
    rows = _q(tmp_path, "SELECT holder, location, call_number, note FROM holdings ORDER BY 3")
    assert len(rows) == 300
    assert ("XX-Port", "Stacks", "HE7", "barcode 3900007") in rows
    _items_pipeline(tmp_path, "ls")
    code, out, err = cli("--config", str(cfg), "renormalize")
    assert code == 0, out + err
    located = _q(tmp_path, "SELECT DISTINCT location FROM holdings")
    assert located == [("XX-Port Stacks",)]


def test_without_format_options_952_is_read_and_949_is_not() -> None:
    rec = marc_record(extra=[("949", "  ", ["l", "XX-Port"]), ("952", "  ", ["a", "BR1"])])
    (book,) = [r for r in normalize_marc(_env(rec)) if r.type != "book_chapter"]
    assert [h.holder for h in book.holdings] == ["BR1"]


@pytest.mark.parametrize(
    ("options", "says"),
    [
        ({"item_fields": [{"tag": "94"}]}, "three-character tag"),
        ({"item_fields": [{"tag": "949", "shelf": "s"}]}, "unknown key(s) 'shelf'"),
        ({"item_fields": [{"tag": "949", "holder": "A-"}]}, "not a run of subfield codes"),
        ({"items": []}, "MARC takes item_fields"),
        ({"item_fields": "949"}, "must be a list of mappings"),
    ],
)
def test_format_options_are_checked_before_any_work(
    tmp_path: Path, cli: Cli, options: dict[str, Any], says: str
) -> None:
    cfg = write_pipeline(tmp_path, [
        {"name": "ils", "kind": "files", "format": "marc", "paths": ["x.mrc"],
         "format_options": options},
    ])  # fmt: skip
    code, out, err = cli("--config", str(cfg), "run")
    assert code != 0 and says in err and "source 'ils'.format_options" in err
    assert not (tmp_path / "catalog.duckdb").exists()


def test_a_format_without_settings_refuses_format_options(tmp_path: Path, cli: Cli) -> None:
    cfg = write_pipeline(tmp_path, [
        {"name": "kb", "kind": "files", "format": "kbart", "paths": ["x.txt"],
         "format_options": {"item_fields": []}},
    ])  # fmt: skip
    code, out, err = cli("--config", str(cfg), "run")
    assert code != 0 and "the kbart format takes no options" in err and "marc" in err
