"""The matcher on records built here: what must merge, and every guard against a false merge."""

from __future__ import annotations

import pytest

from tests.support.dedupe_records import rec, run_matcher, together
from unioncat.dedupe.scoring import GUARD_TEXT, Guard, pair_reasons
from unioncat.dedupe.settings import MatchSettings
from unioncat.schemas.record import Host, Identifier, Record


def _guards_of(records: list[Record]) -> Guard:
    _, result = run_matcher(records)
    scored = result.scored
    assert len(scored) == 1, "the two records must at least be compared"
    return Guard(int(scored.guards[0]))


def test_print_and_ebook_with_different_isbns_merge_on_title_names_and_year() -> None:
    print_book = rec("p1", "The river archives", nonfiling=4, subtitle="water, memory and the city",
                     isbn=["9780198812357"], page_count=318)  # fmt: skip
    ebook = rec("e1", "River archives : water, memory & the city", source="vendor",
                medium="electronic", authors=["Adaeze Okafor"], isbn=["9780198812364"])  # fmt: skip
    features, result = run_matcher([print_book, ebook])
    assert together(result, 0, 1)
    reasons = pair_reasons(features, result.scored, 0, MatchSettings())
    assert "electronic and print side by side" in reasons
    assert any(r.startswith("names 100% alike") for r in reasons)


def test_other_format_link_joins_even_a_retitled_ebook() -> None:
    print_book = rec("p1", "The river archives", nonfiling=4, isbn=["9780198812357"],
                     other_format_isbn=["9780198812364"])  # fmt: skip
    ebook = rec("e1", "Archives of the river (digital edition)", source="vendor",
                medium="electronic", isbn=["9780198812364"], authors=[])  # fmt: skip
    features, result = run_matcher([print_book, ebook])
    assert together(result, 0, 1)
    assert result.scored.ids[0] == 1  # linked through 776, not the same ISBN
    reasons = pair_reasons(features, result.scored, 0, MatchSettings())
    assert any("other format linked by isbn:9780198812364" in r for r in reasons)


def test_microform_member_sits_beside_print_and_electronic() -> None:
    records = [
        rec("p1", "Tidal sediment transport in estuaries", authors=["Haddad, Samir"], year=1974),
        rec("m1", "Tidal sediment transport in estuaries", authors=["Samir Haddad"], year=1974,
            source="filming", medium="microform"),
        rec("e1", "Tidal sediment transport in estuaries", authors=["Haddad, S."], year=1974,
            source="vendor", medium="electronic"),
    ]  # fmt: skip
    _, result = run_matcher(records)
    assert together(result, 0, 1) and together(result, 0, 2)


@pytest.mark.parametrize(
    ("left", "right", "guard"),
    [
        ({"edition": "2nd ed."}, {"edition": "3rd edition"}, Guard.EDITION),
        ({"year": 2001}, {"year": 2009}, Guard.YEAR),
        ({"part": "v. 2"}, {"part": "v. 3"}, Guard.VOLUME),
        ({"part": "Bd. IV"}, {"part": "v. 5"}, Guard.VOLUME),
        ({"page_count": 120}, {"page_count": 480}, Guard.PAGE_COUNT),
        ({"series": ("Urban histories", "7")}, {"series": ("Urban histories", "8")},
         Guard.SERIES_NUMBER),
        ({"language": ["eng"]}, {"language": ["ger"]}, Guard.LANGUAGE),
        ({"type": "book_chapter"}, {"type": "book"}, Guard.PART_AND_HOST),
    ],
)  # fmt: skip
def test_each_guard_keeps_apart_records_that_otherwise_look_the_same(
    left: dict[str, object], right: dict[str, object], guard: Guard
) -> None:
    a = rec("a", "Collected essays on urban water", **left)  # type: ignore[arg-type]
    b = rec("b", "Collected essays on urban water", source="vendor", **right)  # type: ignore[arg-type]
    features, result = run_matcher([a, b])
    assert guard in Guard(int(result.scored.guards[0]))
    assert not together(result, 0, 1)
    reasons = pair_reasons(features, result.scored, 0, MatchSettings())
    assert f"guard: {GUARD_TEXT[guard]}" in reasons
    # without the difference the same two records merge: the guard is what kept them apart
    plain = [
        rec("a", "Collected essays on urban water"),
        rec("b", "Collected essays on urban water", source="vendor"),
    ]
    _, control = run_matcher(plain)
    assert together(control, 0, 1)


def test_a_first_edition_without_a_statement_is_not_a_different_edition() -> None:
    a = rec("a", "Collected essays on urban water", edition="1st ed.")
    b = rec("b", "Collected essays on urban water", source="vendor")
    _, result = run_matcher([a, b])
    assert together(result, 0, 1)


def test_a_shared_isbn_overrides_a_year_typed_differently_but_not_a_volume() -> None:
    a = rec("a", "Handbook of estuaries", isbn=["9780198812357"], year=2001)
    b = rec("b", "Handbook of estuaries", isbn=["9780198812357"], year=2004, source="vendor")
    _, result = run_matcher([a, b])
    assert together(result, 0, 1)
    # the volumes of a set often carry the set's ISBN: the volume guard still holds
    v2 = rec("v2", "Handbook of estuaries", isbn=["9780198812357"], part="v. 2")
    v3 = rec("v3", "Handbook of estuaries", isbn=["9780198812357"], part="v. 3", source="vendor")
    _, sets = run_matcher([v2, v3])
    assert not together(sets, 0, 1)


@pytest.mark.parametrize("title", ["Book review", "Editorial", "Book review column", "Index"])
def test_generic_titles_never_match_on_title_alone(title: str) -> None:
    host = Host(title="Journal of estuarine studies", volume="12", issue="3")
    a = rec("a", title, type="journal_article", authors=["Lee, K."], host=host)
    b = rec("b", title, type="journal_article", authors=["Lee, K."], source="vendor",
            host=Host(title="Journal of estuarine studies", volume="12", issue="4"))  # fmt: skip
    assert Guard.GENERIC_TITLE in _guards_of([a, b])
    # the same generic title with the same DOI is the same article
    c = rec("c", title, type="journal_article", doi="10.1234/jes.12.3.1", host=host)
    d = rec("d", title, type="journal_article", doi="10.1234/jes.12.3.1", source="vendor")
    _, result = run_matcher([c, d])
    assert together(result, 0, 1)


def test_articles_and_chapters_match_by_doi_or_by_host_and_pages() -> None:
    host = Host(
        title="Journal of estuarine studies", volume="12", first_page="101", last_page="119"
    )
    a = rec("a", "Salt wedges in tidal rivers", type="journal_article", host=host)
    b = rec("b", "Salt wedges in tidal rivers", type="journal_article", source="vendor",
            host=Host(title="Journal of estuarine studies", volume="12", first_page="101",
                      last_page="119"))  # fmt: skip
    _, result = run_matcher([a, b])
    assert together(result, 0, 1)
    # same title, same names, other pages of the journal: another article
    elsewhere = Host(title="Journal of estuarine studies", volume="14", first_page="5")
    c = rec("c", "Salt wedges in tidal rivers", type="journal_article", source="vendor",
            host=elsewhere)  # fmt: skip
    assert Guard.COMPONENT in _guards_of([a, c])
    # different DOIs are different articles whatever the titles say
    d = rec("d", "Salt wedges in tidal rivers", type="journal_article", doi="10.1/x.1")
    e = rec("e", "Salt wedges in tidal rivers", type="journal_article", doi="10.1/x.2",
            source="vendor")  # fmt: skip
    assert Guard.DOI in _guards_of([d, e])


def test_a_chapter_never_merges_with_its_book() -> None:
    book = rec("b", "Estuaries")
    chapter = rec("c", "Estuaries", type="book_chapter", source="vendor",
                  host=Host(id=book.id, title="Estuaries"))  # fmt: skip
    assert Guard.PART_AND_HOST in _guards_of([book, chapter])


def test_one_member_per_source_and_medium_unless_identifiers_say_so() -> None:
    # two print records of one title in one catalog are two holdings the catalog keeps
    # apart; an electronic record from a vendor joins only one of them
    records = [
        rec("p1", "Salt roads", authors=["Moreau, Ines"], year=1987),
        rec("p2", "Salt roads", authors=["Moreau, Ines"], year=1987),
        rec("e1", "Salt roads", authors=["Ines Moreau"], year=1987, source="vendor",
            medium="electronic"),
    ]  # fmt: skip
    _, result = run_matcher(records)
    assert not together(result, 0, 1)
    assert together(result, 0, 2) != together(result, 1, 2)
    # the same two print records with one ISBN: a duplicate record, merged
    dupes = [
        rec("p1", "Salt roads", isbn=["9780394558394"]),
        rec("p2", "Salt roads", isbn=["9780394558394"]),
    ]
    _, merged = run_matcher(dupes)
    assert together(merged, 0, 1)


def test_a_chain_never_joins_two_records_a_guard_keeps_apart() -> None:
    # the e-book matches both print editions on title and names; the editions must not
    # end up together through it
    records = [
        rec("p2", "Salt roads", edition="2nd ed.", year=1990),
        rec("p3", "Salt roads", edition="3rd ed.", year=1990, source="other-library"),
        rec("e", "Salt roads", year=1990, source="vendor", medium="electronic"),
    ]
    _, result = run_matcher(records)
    assert not together(result, 0, 1)


def test_translations_stay_apart_and_cjk_titles_match_by_characters() -> None:
    a = rec("a", "数据库系统概论", authors=["王珊"], language=["chi"], year=2014)
    b = rec("b", "数据库 系统 概论", authors=["王珊"], language=["chi"], year=2014, source="vendor")
    c = rec("c", "数据库系统原理", authors=["王珊"], language=["chi"], year=2014, source="x")
    _, result = run_matcher([a, b, c])
    assert together(result, 0, 1)
    assert not together(result, 0, 2)


def test_entities_diacritics_and_name_order_do_not_hide_a_match() -> None:
    a = rec("a", "XML-based information mediation with MIX",
            authors=["Bertram Lud&#228;scher", "Chaitan Baru"], year=1999)  # fmt: skip
    b = rec("b", "xml based information mediation with mix", source="vendor",
            authors=["Ludäscher, B.", "Baru, C."], year=1999)  # fmt: skip
    features, result = run_matcher([a, b])
    assert features.authors[0] == features.authors[1] == "baru ludascher"
    assert together(result, 0, 1)


def test_candidates_grow_with_records_not_with_their_square() -> None:
    records = [
        rec(f"r{i}", f"Survey of estuary number {i} and its sediment {i * 7919 % 1000}",
            authors=[f"Author{i}, A."], year=1950 + i % 60)
        for i in range(2000)
    ]  # fmt: skip
    _, result = run_matcher(records)
    # every title shares common words with every other; blocking on rare words keeps the
    # candidates far below the 2 million pairs of comparing all with all
    assert result.candidate_count < 40 * len(records)


def test_a_rejected_pair_stays_apart_and_an_accepted_pair_joins() -> None:
    a = rec("a", "Salt roads", authors=["Moreau, Ines"], year=1987)
    b = rec("b", "Salt roads", authors=["Ines Moreau"], year=1987, source="vendor")
    c = rec("c", "Roads of salt: a history", authors=["Other, Person"], year=1987, source="x")
    _, rejected = run_matcher([a, b, c], rejected=[(0, 1)])
    assert not together(rejected, 0, 1)
    _, accepted = run_matcher([a, b, c], forced=[(0, 2)])
    assert together(accepted, 0, 2)


def test_identifier_without_checksum_trouble_is_compared_as_normalised() -> None:
    a = rec("a", "Salt roads", isbn=["9780394558394"])
    b = rec("b", "Salt roads (large print)", isbn=["9780394558394"], source="vendor")
    b.identifiers.append(Identifier("isbn", "9780394558390", status="invalid"))
    _, result = run_matcher([a, b])
    assert together(result, 0, 1)
    assert result.scored.ids[0] == 2


def test_a_companion_volume_is_not_its_book() -> None:
    book = rec("b", "Introduction to algorithms", page_count=1312)
    manual = rec("m", "Introduction to algorithms", subtitle="student solutions manual",
                 source="vendor", medium="electronic")  # fmt: skip
    _, result = run_matcher([book, manual])
    assert not together(result, 0, 1)
    # the same book with a subtitle only one side gives is still the same book
    ebook = rec("e", "Introduction to algorithms", subtitle="third edition", source="vendor",
                medium="electronic")  # fmt: skip
    _, same = run_matcher([book, ebook])
    assert together(same, 0, 1)


def test_guard_settings_are_read_from_the_settings() -> None:
    from unioncat.dedupe.features import build_features, from_record
    from unioncat.dedupe.matcher import match

    a = rec("a", "Collected essays on urban water", year=2001, page_count=120)
    b = rec("b", "Collected essays on urban water", year=2004, page_count=200, source="v")
    features = build_features([from_record(a), from_record(b)])
    strict = match(features, MatchSettings())
    assert Guard.YEAR in Guard(int(strict.scored.guards[0]))
    assert Guard.PAGE_COUNT in Guard(int(strict.scored.guards[0]))
    lenient = MatchSettings(max_year_gap=5, page_count_ratio=4.0, page_count_slack=500)
    relaxed = match(build_features([from_record(a), from_record(b)]), lenient)
    assert int(relaxed.scored.guards[0]) == 0


def test_feature_rows_give_back_the_features_and_their_scores() -> None:
    """The rows a Spark worker gets with its pairs hold every folded field: the features
    rebuilt from them are the catalog's, and a pair scores as it does over the whole."""
    import numpy as np

    from unioncat.dedupe.features import (
        build_features,
        feature_rows,
        features_of_rows,
        from_record,
        take_features,
    )  # fmt: skip
    from unioncat.dedupe.scoring import score_pairs

    records = [
        rec("a", "Collected essays on urban water", year=2001, page_count=120),
        rec("b", "Collected essays on urban water", year=2001, source="v", medium="electronic"),
        rec("c", "Introduction to algorithms", subtitle="third edition", page_count=1312),
        rec("d", "Introduction to algorithms", source="v"),
    ]
    features = build_features([from_record(r) for r in records])
    rebuilt = features_of_rows(feature_rows(features, [3, 0, 2]))
    assert rebuilt == take_features(features, [3, 0, 2])
    assert features_of_rows([]) == take_features(features, [])
    whole = score_pairs(features, np.array([0, 2]), np.array([1, 3]), MatchSettings())
    part = features_of_rows(feature_rows(features, [0, 1, 2, 3]))
    alone = score_pairs(part, np.array([0, 2]), np.array([1, 3]), MatchSettings())
    assert np.array_equal(whole.weight, alone.weight) and len(whole) == 2


def test_what_spark_runs_on_a_batch_gives_the_whole_catalogs_scores_and_clusters() -> None:
    """The functions Spark's workers run, called here on one Arrow batch of pairs whose
    records sit at scattered positions: the scores, levels and positions of the pairs,
    and the clusters of the component, are those of the whole catalog."""
    import numpy as np
    import pyarrow as pa

    from unioncat.dedupe.cluster import NO_WITHIN, Edge
    from unioncat.dedupe.features import build_features, feature_rows, from_record
    from unioncat.dedupe.matcher import clusters_of
    from unioncat.dedupe.on_spark import SCORED_SCHEMA, _cluster_component, _score_batches
    from unioncat.dedupe.scoring import score_pairs

    records = [
        rec("x", "A history of the county of Kent", year=1998),
        rec("a", "Collected essays on urban water", year=2001, page_count=120),
        rec("y", "Ships of the Baltic", year=1975),
        rec("b", "Collected essays on urban water", year=2001, source="v", medium="electronic"),
        rec("z", "Poems", year=1901),
        rec("c", "Collected essays on urban water", year=2001, source="w"),
        rec("d", "Introduction to algorithms", year=2009, source="v"),
    ]
    features = build_features([from_record(r) for r in records])
    settings = MatchSettings()
    a, b = np.array([5, 1, 1, 3, 6], dtype=np.int64), np.array([6, 3, 5, 5, 1], dtype=np.int64)
    by_id = np.array([False, True, False, False, True])
    first = np.minimum(a, b), np.maximum(a, b)
    whole = score_pairs(features, first[0], first[1], settings, by_id)
    rows = {p: r for p, r in zip(range(7), feature_rows(features, range(7)), strict=True)}
    batch = pa.RecordBatch.from_pydict({
        "a": first[0], "b": first[1], "by_id": by_id, "n": np.arange(5, dtype=np.int64),
        "row_a": pa.array([rows[p] for p in first[0].tolist()], pa.binary()),
        "row_b": pa.array([rows[p] for p in first[1].tolist()], pa.binary()),
    })  # fmt: skip
    (out,) = list(_score_batches(settings)(iter([batch])))
    assert out.column("a").to_pylist() == whole.a.tolist()
    assert out.column("b").to_pylist() == whole.b.tolist()
    assert np.array_equal(out.column("weight").to_numpy(), whole.weight)
    for name in SCORED_SCHEMA.names[2:]:
        if name.startswith("level_"):
            level = whole.levels[name.removeprefix("level_")]
            assert out.column(name).to_pylist() == level.tolist(), name
    assert len(whole) >= 3
    edges = [Edge(x, y, w, bool(i)) for x, y, w, i in zip(whole.a.tolist(), whole.b.tolist(),
             whole.weight.tolist(), whole.ids.tolist(), strict=True)]  # fmt: skip
    clustering, splits = clusters_of(features, edges, settings, vetoed=set(), forced=[],
                                     start=(), within=NO_WITHIN)  # fmt: skip
    nodes = sorted({p for e in edges for p in (e.a, e.b)})
    table = pa.table({
        "kind": ["node"] * len(nodes) + ["edge"] * len(edges),
        "a": nodes + [e.a for e in edges], "b": nodes + [e.b for e in edges],
        "weight": [0.0] * len(nodes) + [e.weight for e in edges],
        "by_id": [False] * len(nodes) + [e.by_identifier for e in edges],
        "row": [rows[p] for p in nodes] + [None] * len(edges),
    })  # fmt: skip
    groups = _cluster_component(NO_WITHIN, settings)(table)
    by_group: dict[int, list[int]] = {}
    for position, group in zip(groups.column("position").to_pylist(),
                               groups.column("group").to_pylist(), strict=True):  # fmt: skip
        by_group.setdefault(group, []).append(position)
    expected = sorted(g for g in clustering.groups() if set(g) & set(nodes))
    assert sorted(sorted(g) for g in by_group.values()) == sorted(sorted(g) for g in expected)
    assert sum(groups.column("splits").to_pylist()) == splits
    assert any(len(g) > 1 for g in by_group.values())  # a cluster was formed
