"""The dedupe stage on a real DuckDB catalog: incremental, stable ids, merges, review."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.dedupe_records import rec
from unioncat.catalog import Catalog, PageWrite, read_export
from unioncat.catalog.export import export_records
from unioncat.dedupe.review import decide, explain_cluster
from unioncat.dedupe.settings import MatchSettings
from unioncat.dedupe.stage import dedupe_catalog
from unioncat.schemas.record import Host, Identifier, Record

SETTINGS = MatchSettings()


def write(catalog: Catalog, run: str, *records: Record) -> None:
    catalog.write(PageWrite(run, records=list(records)))


def cluster_of(catalog: Catalog, record: Record) -> str:
    rows = catalog.query("SELECT cluster_id FROM cluster_members WHERE record_id = ?", [record.id])
    assert rows, f"{record.source_id} is in no cluster"
    stored = catalog.query("SELECT cluster_id FROM records WHERE id = ?", [record.id])
    assert stored[0][0] == rows[0][0], "records.cluster_id must agree with cluster_members"
    return str(rows[0][0])


PRINT = rec("p1", "The river archives", nonfiling=4, isbn=["9780198812357"], page_count=318)
EBOOK = rec("e1", "River archives", source="vendor", medium="electronic",
            authors=["Adaeze Okafor"], isbn=["9780198812364"])  # fmt: skip
OTHER = rec("o1", "Salt roads", authors=["Moreau, Ines"], year=1987)


def test_every_record_gets_a_cluster_and_print_joins_electronic(catalog: Catalog) -> None:
    write(catalog, "r1", PRINT, EBOOK, OTHER)
    counts = dedupe_catalog(catalog, "r1", SETTINGS)
    assert counts.records == 3 and counts.clusters_created == 2
    assert cluster_of(catalog, PRINT) == cluster_of(catalog, EBOOK) != cluster_of(catalog, OTHER)
    (row,) = catalog.query_arrow(
        "SELECT * FROM clusters WHERE cluster_id = ?", [cluster_of(catalog, PRINT)]
    ).to_pylist()
    assert row["member_count"] == 2 and row["media"] == ["electronic", "print"]
    provenance = dict(row["provenance"])
    # the fuller print record gives the title; each identifier names its member
    assert row["title"] == "The river archives" and provenance["title"] == PRINT.id
    assert provenance["identifier isbn:9780198812364"] == EBOOK.id
    assert sorted(row["identifiers"]) == ["isbn:9780198812357", "isbn:9780198812364"]


def test_a_second_run_with_nothing_new_changes_nothing(catalog: Catalog) -> None:
    write(catalog, "r1", PRINT, EBOOK, OTHER)
    dedupe_catalog(catalog, "r1", SETTINGS)
    before = catalog.query("SELECT count(*) FROM changes")
    counts = dedupe_catalog(catalog, "r2", SETTINGS)
    assert counts.records == 0 and counts.candidate_pairs == 0
    assert catalog.query("SELECT count(*) FROM changes") == before


def test_a_new_record_joins_an_existing_cluster_which_keeps_its_id(catalog: Catalog) -> None:
    write(catalog, "r1", PRINT, OTHER)
    dedupe_catalog(catalog, "r1", SETTINGS)
    work = cluster_of(catalog, PRINT)
    write(catalog, "r2", EBOOK)
    counts = dedupe_catalog(catalog, "r2", SETTINGS)
    # only the new record was matched, against the stored keys of the others
    assert counts.records == 1 and counts.clusters_created == 0
    assert cluster_of(catalog, EBOOK) == work
    member = catalog.query(
        "SELECT score, matched_to, reasons FROM cluster_members WHERE record_id = ?", [EBOOK.id]
    )[0]
    assert member[0] > SETTINGS.match_weight and member[1] == PRINT.id
    assert "electronic and print side by side" in member[2]


def _two_libraries() -> tuple[Record, Record, Record]:
    # the same atlas at two libraries, cataloged so differently that only the vendor's
    # e-book (whose ISBN both list in 776) ties them together
    lib_a = rec("a1", "Tide tables of the north sea", source="lib-a",
                other_format_isbn=["9780198812364"], authors=["Berg, Ola"], year=2001)  # fmt: skip
    lib_a_e = rec("a2", "Tide tables of the north sea", source="lib-a", medium="electronic",
                  authors=["Berg, Ola"], year=2001, isbn=["9780198812371"])  # fmt: skip
    lib_b = rec("b1", "Nordsee-Gezeitenatlas", source="lib-b",
                other_format_isbn=["9780198812364"], authors=["Ola Berg"], year=2001)  # fmt: skip
    return lib_a, lib_a_e, lib_b


VENDOR = rec("v1", "Tide tables of the north sea", source="vendor", medium="electronic",
             isbn=["9780198812364"], authors=["Berg, O."], year=2001, language=[])  # fmt: skip


def test_two_clusters_joined_by_a_new_record_keep_the_larger_id(catalog: Catalog) -> None:
    lib_a, lib_a_e, lib_b = _two_libraries()
    write(catalog, "r1", lib_a, lib_a_e, lib_b)
    dedupe_catalog(catalog, "r1", SETTINGS)
    big, small = cluster_of(catalog, lib_a), cluster_of(catalog, lib_b)
    assert big == cluster_of(catalog, lib_a_e) and big != small
    write(catalog, "r2", VENDOR)
    counts = dedupe_catalog(catalog, "r2", SETTINGS)
    assert counts.records == 1 and counts.clusters_merged == 1
    assert {cluster_of(catalog, r) for r in (lib_a, lib_a_e, lib_b, VENDOR)} == {big}
    assert catalog.query("SELECT retired_id, into_id FROM merged_ids") == [(small, big)]
    assert catalog.query(
        "SELECT op FROM changes WHERE id = ? AND entity = 'cluster' ORDER BY seq DESC LIMIT 1",
        [small],
    ) == [("merge",)]
    assert catalog.query("SELECT count(*) FROM clusters WHERE cluster_id = ?", [small]) == [(0,)]


def test_a_new_record_never_chains_together_what_a_guard_keeps_apart(catalog: Catalog) -> None:
    # the same two clusters, but lib-b's record is the Norwegian translation: the e-book
    # (no language given) joins one side only, even though the matcher never compared
    # the two library records
    lib_a, lib_a_e, lib_b = _two_libraries()
    lib_b = replace(lib_b, language=["nor"])
    write(catalog, "r1", lib_a, lib_a_e, lib_b)
    dedupe_catalog(catalog, "r1", SETTINGS)
    write(catalog, "r2", VENDOR)
    counts = dedupe_catalog(catalog, "r2", SETTINGS)
    assert counts.clusters_merged == 0
    assert cluster_of(catalog, lib_a) != cluster_of(catalog, lib_b)
    assert cluster_of(catalog, VENDOR) in {cluster_of(catalog, lib_a), cluster_of(catalog, lib_b)}


def test_a_deleted_record_leaves_and_an_emptied_cluster_is_tombstoned(catalog: Catalog) -> None:
    write(catalog, "r1", PRINT, EBOOK, OTHER)
    dedupe_catalog(catalog, "r1", SETTINGS)
    work, lone = cluster_of(catalog, PRINT), cluster_of(catalog, OTHER)
    write(catalog, "r2", replace(EBOOK, deleted=True), replace(OTHER, deleted=True))
    counts = dedupe_catalog(catalog, "r2", SETTINGS)
    assert counts.clusters_deleted == 1
    assert catalog.query("SELECT member_count, members FROM clusters WHERE cluster_id = ?",
                         [work]) == [(1, [PRINT.id])]  # fmt: skip
    assert catalog.query("SELECT deleted FROM clusters WHERE cluster_id = ?", [lone]) == [(True,)]
    assert catalog.query(
        "SELECT cluster_id FROM records WHERE id IN (?, ?)", [EBOOK.id, OTHER.id]
    ) == [(None,), (None,)]


def test_an_edited_record_keeps_its_cluster_id(catalog: Catalog) -> None:
    write(catalog, "r1", OTHER)
    dedupe_catalog(catalog, "r1", SETTINGS)
    lone = cluster_of(catalog, OTHER)
    write(catalog, "r2", replace(OTHER, title="Salt roads : a novel"))
    counts = dedupe_catalog(catalog, "r2", SETTINGS)
    assert counts.records == 1 and counts.clusters_created == 0
    assert cluster_of(catalog, OTHER) == lone


def test_cataloger_decisions_persist_and_win(catalog: Catalog) -> None:
    write(catalog, "r1", PRINT, EBOOK, OTHER)
    dedupe_catalog(catalog, "r1", SETTINGS)
    decide(catalog, PRINT.id, EBOOK.id, "reject", "the e-book is the abridged edition")
    dedupe_catalog(catalog, "r2", SETTINGS)
    assert cluster_of(catalog, PRINT) != cluster_of(catalog, EBOOK)
    # the matcher still sees the pair on every run, and still obeys the cataloger
    write(catalog, "r3", replace(EBOOK, title="River archives (abridged)"))
    dedupe_catalog(catalog, "r3", SETTINGS)
    assert cluster_of(catalog, PRINT) != cluster_of(catalog, EBOOK)
    decide(catalog, PRINT.id, OTHER.id, "accept", None)
    dedupe_catalog(catalog, "r4", SETTINGS)
    assert cluster_of(catalog, PRINT) == cluster_of(catalog, OTHER)
    member = catalog.query(
        "SELECT reasons FROM cluster_members WHERE record_id IN (?, ?) AND score IS NULL",
        [PRINT.id, OTHER.id],
    )
    assert ["accepted by a cataloger"] in [m[0] for m in member]


def test_borderline_pairs_go_to_the_review_list(catalog: Catalog) -> None:
    a = rec("a", "Estuary dynamics and sediment", authors=["Haddad, Samir"], year=1990)
    b = rec("b", "Estuarine dynamics and sediments", source="vendor", authors=["Haddad, S."],
            year=1991)  # fmt: skip
    write(catalog, "r1", a, b)
    counts = dedupe_catalog(catalog, "r1", SETTINGS)
    assert counts.review_open == 1
    ((x, y, weight, status),) = catalog.query(
        "SELECT record_a, record_b, weight, status FROM match_review"
    )
    assert {x, y} == {a.id, b.id} and status == "open"
    assert SETTINGS.review_weight <= weight < SETTINGS.match_weight


def test_explain_cluster_and_follow_a_retired_id(catalog: Catalog) -> None:
    write(catalog, "r1", PRINT, EBOOK)
    dedupe_catalog(catalog, "r1", SETTINGS)
    work = cluster_of(catalog, PRINT)
    shown = explain_cluster(catalog, work)
    assert shown is not None
    assert {m["id"] for m in shown["members"]} == {PRINT.id, EBOOK.id}
    assert all(m["reasons"] for m in shown["members"])
    assert shown["provenance"]["title"] == PRINT.id
    catalog.db.execute("INSERT INTO merged_ids VALUES ('uc1w-gone', ?, 'r9', now())", [work])
    followed = explain_cluster(catalog, "uc1w-gone")
    assert followed is not None and followed["cluster_id"] == work
    assert explain_cluster(catalog, "uc1w-nothing") is None


def test_export_carries_clusters_cluster_ids_and_merged_ids(
    catalog: Catalog, tmp_path: Path
) -> None:
    write(catalog, "r1", PRINT, EBOOK, OTHER)
    dedupe_catalog(catalog, "r1", SETTINGS)
    out = tmp_path / "export"
    export_records(catalog, out, "r1")
    records = read_export(out, "records").to_pylist()
    assert all(r["cluster_id"] for r in records)
    clusters = read_export(out, "clusters").to_pylist()
    assert {c["cluster_id"] for c in clusters} == {r["cluster_id"] for r in records}
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["row_counts"]["clusters"] == 2
    assert manifest["row_counts"]["merged_ids"] == 0
    changes = read_export(out, "changes").to_pylist()
    assert {c["entity"] for c in changes} == {"record", "cluster"}


def test_run_dedupes_and_the_cli_explains_and_reviews(
    tmp_path: Path,
    default_pipeline: Path,
    cli: Callable[..., tuple[int, str, str]],
) -> None:
    code, out, _ = cli("--config", str(default_pipeline), "run")
    assert code == 0 and "dedupe:" in out
    catalog = Catalog(default_pipeline.parent / "catalog.duckdb", read_only=True)
    try:
        ((work, ebook, book),) = catalog.query(
            "SELECT m.cluster_id, e.id, p.id FROM cluster_members m "
            "JOIN records e ON e.id = m.record_id AND e.medium = 'electronic' "
            "JOIN cluster_members n ON n.cluster_id = m.cluster_id "
            "JOIN records p ON p.id = n.record_id AND p.medium = 'print' AND p.type = 'book' "
            "WHERE e.type = 'book'"
        )
    finally:
        catalog.close()
    code, out, _ = cli("--config", str(default_pipeline), "status")
    # the print book and its e-book, the print journal and its KBART title, the article
    # from Crossref and from JATS, the article in the CNKI and the PubMed export
    assert code == 0 and "clusters: " in out and "(4 with more than one record)" in out
    code, out, _ = cli("--config", str(default_pipeline), "show", work)
    assert code == 0
    shown = json.loads(out)
    assert {m["id"] for m in shown["members"]} == {ebook, book}
    code, out, _ = cli("--config", str(default_pipeline), "review", "reject", book, ebook)
    assert code == 0 and "rejected" in out
    code, out, _ = cli("--config", str(default_pipeline), "dedupe")
    assert code == 0
    code, out, _ = cli("--config", str(default_pipeline), "show", work)
    assert len(json.loads(out)["members"]) == 1
    code, _, err = cli("--config", str(default_pipeline), "review", "accept", book)
    assert code == 2 and "two record ids" in err


def test_a_full_rerun_keeps_every_cluster_id(catalog: Catalog) -> None:
    lib_a, lib_a_e, lib_b = _two_libraries()
    records = [PRINT, EBOOK, OTHER, lib_a, lib_a_e, lib_b, VENDOR]
    write(catalog, "r1", *records)
    dedupe_catalog(catalog, "r1", SETTINGS)
    before = {r.id: cluster_of(catalog, r) for r in records}
    counts = dedupe_catalog(catalog, "r2", SETTINGS, full=True)
    assert counts.records == len(records)
    assert counts.clusters_created == 0 and counts.clusters_merged == 0
    assert {r.id: cluster_of(catalog, r) for r in records} == before


def test_chapters_of_one_book_in_print_and_online_join_through_their_hosts(
    catalog: Catalog,
) -> None:
    # the print book and the e-book are one cluster; each lists the same chapters in its
    # contents note (no pages, no DOI): the chapters pair up through their hosts' cluster,
    # and the chapters of another book with the same title do not join them
    other_book = rec("x1", "Waterfronts", source="lib-b", authors=["Berg, Ola"], year=1990)

    def chapter(book: Record, n: int, title: str) -> Record:
        return rec(f"{book.source_id}-{n}", title, source=book.source, type="book_chapter",
                   medium=book.medium, host=Host(id=book.id, title=book.title))  # fmt: skip

    chapters = [
        chapter(PRINT, 1, "Rivers in the archive"),
        chapter(EBOOK, 1, "Rivers in the archive"),
        chapter(PRINT, 2, "Floods and their records"),
        chapter(EBOOK, 2, "Floods & their records"),
        chapter(other_book, 1, "Rivers in the archive"),
    ]
    write(catalog, "r1", PRINT, EBOOK, other_book, *chapters)
    dedupe_catalog(catalog, "r1", SETTINGS)
    assert cluster_of(catalog, PRINT) == cluster_of(catalog, EBOOK)
    assert cluster_of(catalog, chapters[0]) == cluster_of(catalog, chapters[1])
    assert cluster_of(catalog, chapters[2]) == cluster_of(catalog, chapters[3])
    assert cluster_of(catalog, chapters[4]) != cluster_of(catalog, chapters[0])
    assert cluster_of(catalog, chapters[0]) != cluster_of(catalog, chapters[2])
    assert cluster_of(catalog, chapters[0]) != cluster_of(catalog, PRINT)


def test_a_rejected_pair_never_joins_through_a_new_third_record(catalog: Catalog) -> None:
    a = rec("a1", "Tide tables of the north sea", source="lib-a", authors=["Berg, Ola"])
    b = rec("b1", "Tide tables of the north sea", source="lib-b", medium="electronic",
            authors=["Berg, Ola"])  # fmt: skip
    write(catalog, "r1", a, b)
    dedupe_catalog(catalog, "r1", SETTINGS)
    decide(catalog, a.id, b.id, "reject", "different works")
    dedupe_catalog(catalog, "r2", SETTINGS)
    assert cluster_of(catalog, a) != cluster_of(catalog, b)
    # neither a nor b changes; the newcomer matches both
    n = rec("n1", "Tide tables of the north sea", source="vendor", medium="microform",
            authors=["Berg, O."])  # fmt: skip
    write(catalog, "r3", n)
    dedupe_catalog(catalog, "r3", SETTINGS)
    assert cluster_of(catalog, a) != cluster_of(catalog, b)
    assert cluster_of(catalog, n) in {cluster_of(catalog, a), cluster_of(catalog, b)}


def test_guard_vetoes_hold_for_clusters_too_large_to_recheck(
    catalog: Catalog, monkeypatch: pytest.MonkeyPatch
) -> None:
    # with large clusters only the recorded vetoes are consulted: they must be found
    # whichever way round the pair was scored
    import unioncat.dedupe.cluster as cluster_module

    monkeypatch.setattr(cluster_module, "MAX_CHAIN_CHECKS", 0)
    for i in range(40):
        b = rec(f"b{i}", "Tide tables of the north sea", source="lib-b", authors=["Berg, Ola"],
                isbn=["9780198812364"])  # fmt: skip
        c = rec(f"c{i}", "Tide tables of the north sea", source="lib-c", medium="electronic",
                authors=["Berg, Ola"], edition="2nd ed.", isbn=["9780198812364"])  # fmt: skip
        n = rec(f"n{i}", "Tide tables of the north sea", source="vendor", medium="electronic",
                authors=["Berg, O."], edition="3rd ed.")  # fmt: skip
        if c.id < n.id:  # the newcomer sorts after a member it is vetoed with
            break
    write(catalog, "r1", b, c)
    dedupe_catalog(catalog, "r1", SETTINGS)
    assert cluster_of(catalog, b) == cluster_of(catalog, c)
    write(catalog, "r2", n)
    dedupe_catalog(catalog, "r2", SETTINGS)
    assert cluster_of(catalog, n) != cluster_of(catalog, c)


def test_a_cluster_whose_records_all_move_into_another_is_merged_not_deleted(
    catalog: Catalog,
) -> None:
    garbled = rec("e1", "Untitled draft record", source="lib-a", authors=["Moreau, Ines"])
    b = rec("b1", "Les routes du sel", source="lib-b", authors=["Moreau, Ines"])
    c = rec("c1", "Les routes du sel", source="vendor", medium="electronic",
            authors=["Moreau, Ines"])  # fmt: skip
    write(catalog, "r1", garbled, b, c)
    dedupe_catalog(catalog, "r1", SETTINGS)
    alone, work = cluster_of(catalog, garbled), cluster_of(catalog, b)
    evidence = catalog.query(
        "SELECT score, matched_to, reasons FROM cluster_members WHERE record_id = ?", [c.id]
    )
    assert alone != work
    # the title is corrected at the source: the record joins the work it belongs to
    write(catalog, "r2", replace(garbled, title="Les routes du sel"))
    counts = dedupe_catalog(catalog, "r2", SETTINGS)
    assert counts.clusters_merged == 1 and counts.clusters_deleted == 0
    assert cluster_of(catalog, garbled) == work
    assert catalog.query("SELECT into_id FROM merged_ids WHERE retired_id = ?", [alone]) == [
        (work,)
    ]
    # members that did not change keep the evidence that put them there
    assert (
        catalog.query(
            "SELECT score, matched_to, reasons FROM cluster_members WHERE record_id = ?", [c.id]
        )
        == evidence
    )


def test_members_of_a_retired_cluster_keep_their_evidence(catalog: Catalog) -> None:
    lib_a, lib_a_e, lib_b = _two_libraries()
    lib_b_e = rec("b2", "Nordsee-Gezeitenatlas", source="lib-b", medium="electronic",
                  authors=["Ola Berg"], year=2001)  # fmt: skip
    write(catalog, "r1", lib_a, lib_a_e, lib_b, lib_b_e)
    dedupe_catalog(catalog, "r1", SETTINGS)
    query = "SELECT score, matched_to, reasons FROM cluster_members WHERE record_id = ?"
    before = catalog.query(query, [lib_b_e.id])
    assert before[0][0] is not None
    write(catalog, "r2", VENDOR)
    counts = dedupe_catalog(catalog, "r2", SETTINGS)
    assert counts.clusters_merged == 1
    assert cluster_of(catalog, lib_b_e) == cluster_of(catalog, lib_a)
    assert catalog.query(query, [lib_b_e.id]) == before


def test_chapters_follow_their_books_into_and_out_of_a_cluster(catalog: Catalog) -> None:
    garbled = replace(EBOOK, title="Rvier achrives of teh delta")

    def chapter(book: Record) -> Record:
        return rec(f"{book.source_id}-1", "Rivers in the archive", source=book.source,
                   type="book_chapter", medium=book.medium,
                   host=Host(id=book.id, title=book.title))  # fmt: skip

    in_print, online = chapter(PRINT), chapter(EBOOK)
    write(catalog, "r1", PRINT, garbled, in_print, online)
    dedupe_catalog(catalog, "r1", SETTINGS)
    assert cluster_of(catalog, in_print) != cluster_of(catalog, online)
    # the vendor corrects the book's title; the chapters themselves do not change
    write(catalog, "r2", EBOOK)
    dedupe_catalog(catalog, "r2", SETTINGS)
    assert cluster_of(catalog, PRINT) == cluster_of(catalog, EBOOK)
    assert cluster_of(catalog, in_print) == cluster_of(catalog, online)
    # a cataloger separates the books: the chapters separate with them
    decide(catalog, PRINT.id, EBOOK.id, "reject", "different books")
    dedupe_catalog(catalog, "r3", SETTINGS)
    assert cluster_of(catalog, in_print) != cluster_of(catalog, online)


def test_when_the_bridge_between_two_records_goes_they_part(catalog: Catalog) -> None:
    # the library's atlas and its German edition record meet only through the vendor's
    # e-book, which both link; when the e-book record is withdrawn, nothing ties them
    lib_a, _, lib_b = _two_libraries()
    write(catalog, "r1", lib_a, lib_b, VENDOR)
    dedupe_catalog(catalog, "r1", SETTINGS)
    work = cluster_of(catalog, lib_a)
    assert cluster_of(catalog, lib_b) == cluster_of(catalog, VENDOR) == work
    write(catalog, "r2", replace(VENDOR, deleted=True))
    dedupe_catalog(catalog, "r2", SETTINGS)
    assert cluster_of(catalog, lib_a) != cluster_of(catalog, lib_b)
    # one of them carries the work's id on
    assert work in {cluster_of(catalog, lib_a), cluster_of(catalog, lib_b)}


def test_a_cluster_changes_once_per_run_and_a_full_rerun_of_nothing_logs_nothing(
    catalog: Catalog,
) -> None:
    write(catalog, "r1", PRINT, EBOOK, OTHER)
    dedupe_catalog(catalog, "r1", SETTINGS)
    # the e-book is edited and then withdrawn in the next run: its cluster shrinks
    write(catalog, "r2", replace(EBOOK, title="River archives (updated)"))
    write(catalog, "r2", replace(EBOOK, deleted=True))
    dedupe_catalog(catalog, "r2", SETTINGS)
    per_cluster = catalog.query(
        "SELECT id, count(*) FROM changes WHERE entity = 'cluster' AND run_id = 'r2' GROUP BY id"
    )
    assert per_cluster and all(n == 1 for _, n in per_cluster), per_cluster
    before = catalog.query("SELECT max(seq) FROM changes")
    updated = catalog.query("SELECT cluster_id, updated_at FROM clusters ORDER BY 1")
    dedupe_catalog(catalog, "r3", SETTINGS, full=True)
    assert catalog.query("SELECT max(seq) FROM changes") == before
    assert catalog.query("SELECT cluster_id, updated_at FROM clusters ORDER BY 1") == updated


@pytest.mark.parametrize("edited_one", ["print", "ebook"])
def test_when_a_cluster_splits_the_unedited_record_keeps_the_cluster_id(
    tmp_path: Path, edited_one: str
) -> None:
    catalog = Catalog(tmp_path / f"{edited_one}.duckdb")
    try:
        write(catalog, "r1", PRINT, EBOOK)
        dedupe_catalog(catalog, "r1", SETTINGS)
        work = cluster_of(catalog, PRINT)
        assert cluster_of(catalog, EBOOK) == work
        edited, kept = (PRINT, EBOOK) if edited_one == "print" else (EBOOK, PRINT)
        write(
            catalog,
            "r2",
            replace(edited, title="Completely different", contributors=[], identifiers=[]),
        )
        dedupe_catalog(catalog, "r2", SETTINGS)
        assert cluster_of(catalog, kept) == work
        assert cluster_of(catalog, edited) != work
    finally:
        catalog.close()


def test_the_counts_tell_pairs_joins_and_clusters_apart(catalog: Catalog) -> None:
    from unioncat.dedupe.counts import describe_counts

    # two print records of one source that only look alike: a pair above the match
    # weight that the source's own slot keeps apart
    twin = rec("p2", "The river archives", nonfiling=4, page_count=318)
    write(catalog, "r1", PRINT, EBOOK, OTHER, twin)
    counts = dedupe_catalog(catalog, "r1", SETTINGS)
    assert counts.matched_pairs >= 2
    assert counts.records_joined == 2  # the print record and its e-book
    assert counts.clusters_multi == 1
    text = describe_counts(counts)
    assert f"{counts.matched_pairs} pairs at or above the match weight" in text
    assert "2 records joined a cluster" in text and "1 with more than one record" in text
    write(catalog, "r2", rec("x9", "Unrelated title", authors=["Nobody, N."]))
    again = dedupe_catalog(catalog, "r2", SETTINGS)
    assert (again.records_joined, again.clusters_multi) == (0, 1)


def _crossref_chapter(key: str, title: str, book_title: str, isbn: str) -> Record:
    """A chapter as Crossref gives it: its book named by title and ISBN, never by id."""
    return rec(key, title, source="crossref", type="book_chapter", medium="electronic",
               host=Host(title=book_title, identifiers=[Identifier("isbn", isbn)]))  # fmt: skip


def _contents_chapter(book: Record, n: int, title: str) -> Record:
    return rec(f"{book.source_id}-505-{n}", title, source=book.source, type="book_chapter",
               medium=book.medium, host=Host(id=book.id, title=book.title))  # fmt: skip


def test_a_crossref_chapter_joins_the_chapter_of_the_print_books_505_through_its_isbn(
    catalog: Catalog,
) -> None:
    # the Crossref chapter names the e-book's ISBN and a fuller book title than the
    # catalog's; the e-book and the print book are one work, so the chapter is in the
    # print book the 505 listed; a chapter of the same title in another book stays apart
    other_book = rec("x1", "Waterfronts", source="lib-b", authors=["Berg, Ola"], year=1990,
                     isbn=["9780306406157"])  # fmt: skip
    from_505 = _contents_chapter(PRINT, 1, "Rivers in the archive")
    elsewhere = _contents_chapter(other_book, 1, "Rivers in the archive")
    vendor = _crossref_chapter(
        "10.5555/river.1", "Rivers in the archive", "The river archives: essays", "9780198812364"
    )
    stray = _crossref_chapter(
        "10.5555/wf.1", "Rivers in the archive", "Waterfronts", "9780306406157"
    )
    write(catalog, "r1", PRINT, EBOOK, other_book, from_505, elsewhere, vendor, stray)
    dedupe_catalog(catalog, "r1", SETTINGS)
    assert cluster_of(catalog, PRINT) == cluster_of(catalog, EBOOK)
    assert cluster_of(catalog, vendor) == cluster_of(catalog, from_505)
    assert cluster_of(catalog, stray) == cluster_of(catalog, elsewhere)
    assert cluster_of(catalog, stray) != cluster_of(catalog, vendor)
    assert cluster_of(catalog, vendor) != cluster_of(catalog, PRINT)


def test_a_crossref_chapter_follows_when_its_book_arrives_later(catalog: Catalog) -> None:
    # the chapters land first, with no book in the catalog to name their host; when the
    # e-book arrives and joins the print book, the Crossref chapter is matched again
    from_505 = _contents_chapter(PRINT, 1, "Rivers in the archive")
    vendor = _crossref_chapter(
        "10.5555/river.1", "Rivers in the archive", "River archives (e-book)", "9780198812364"
    )
    write(catalog, "r1", PRINT, from_505, vendor)
    dedupe_catalog(catalog, "r1", SETTINGS)
    assert cluster_of(catalog, vendor) != cluster_of(catalog, from_505)
    write(catalog, "r2", EBOOK)
    dedupe_catalog(catalog, "r2", SETTINGS)
    assert cluster_of(catalog, PRINT) == cluster_of(catalog, EBOOK)
    assert cluster_of(catalog, vendor) == cluster_of(catalog, from_505)


def _clusters_state(path: Path) -> list[list[tuple[object, ...]]]:
    catalog = Catalog(path, read_only=True)
    try:
        return [
            catalog.query(sql)
            for sql in (
                "SELECT cluster_id, record_id, score, matched_to, reasons FROM cluster_members "
                "ORDER BY ALL",
                "SELECT cluster_id, deleted, members, title, identifiers FROM clusters "
                "ORDER BY cluster_id",
                "SELECT record_a, record_b, weight FROM match_review ORDER BY ALL",
                "SELECT op, id, entity FROM changes WHERE entity = 'cluster' ORDER BY seq",
            )
        ]
    finally:
        catalog.close()


def test_a_full_run_read_and_refreshed_a_page_at_a_time_gives_what_one_page_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full run reads the records and writes the merged clusters a page at a time so
    that a million records fit; the pages must not change a single cluster, member,
    review pair or logged change."""
    import shutil
    import sys

    import unioncat.catalog.clusters as clusters_module
    import unioncat.dedupe.stage as stage

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.synthetic_catalog import as_record, stream_synthetic

    stream, _truth = stream_synthetic(1200, seed=11)
    base = tmp_path / "base.duckdb"
    catalog = Catalog(base)
    catalog.write(PageWrite("load", records=[as_record(m) for m in stream]))
    catalog.close()
    whole, paged = tmp_path / "whole.duckdb", tmp_path / "paged.duckdb"
    shutil.copy(base, whole)
    shutil.copy(base, paged)
    catalog = Catalog(whole)
    counts_whole = dedupe_catalog(catalog, "full", SETTINGS, full=True)
    catalog.close()
    monkeypatch.setattr(clusters_module, "ROW_PAGE", 7)
    monkeypatch.setattr(stage, "REFRESH_PAGE", 5)
    catalog = Catalog(paged)
    counts_paged = dedupe_catalog(catalog, "full", SETTINGS, full=True)
    catalog.close()
    assert counts_paged.as_dict() == counts_whole.as_dict()
    assert counts_whole.clusters_multi > 100
    assert _clusters_state(paged) == _clusters_state(whole)


def test_member_rows_gathered_in_batches_are_the_rows_in_their_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A round's member rows become Arrow batches as they come: the table written is the
    rows' own, in order, across the batches' edges and with a short last batch."""
    from datetime import UTC, datetime

    import pyarrow as pa

    from unioncat.catalog import tables
    from unioncat.catalog.clusters import MemberRows

    monkeypatch.setattr(MemberRows, "BATCH", 3)
    now = datetime(2026, 1, 2, tzinfo=UTC)
    rows = [
        {"record_id": f"r{i}", "cluster_id": f"c{i // 2}", "source": "s", "medium": "print",
         "score": None if i % 3 else i / 2, "matched_to": None if i % 2 else f"r{i + 1}",
         "reasons": [] if i == 4 else [f"reason {i}", "é"], "run_id": "run", "updated_at": now}
        for i in range(8)
    ]  # fmt: skip
    gathered = MemberRows()
    assert not gathered and len(gathered) == 0
    for row in rows:
        gathered.append(row)
    assert len(gathered) == 8 and gathered
    table = gathered.table()
    assert table.equals(pa.Table.from_pylist(rows, schema=tables.CLUSTER_MEMBERS.schema))
    assert gathered.table().num_rows == 8  # asked again: the same rows, none twice
