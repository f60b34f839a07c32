"""Blocking in SQL: a nightly run (few probing records) finds what a full run finds."""

from __future__ import annotations

import duckdb
import pyarrow as pa

from unioncat.dedupe.blocking import candidate_sql
from unioncat.dedupe.settings import MatchSettings


def test_a_pair_within_the_older_records_budget_is_found_by_the_newcomer() -> None:
    settings = MatchSettings()
    rows: list[tuple[str, str, str]] = []
    # N shares two title words, each held by a dozen records: they fill its budget
    rows += [("N", "w1", "t"), ("N", "w2", "t"), ("N", "okafor|2019", "a")]
    rows += [(f"x{i}", "w1", "t") for i in range(11)]
    rows += [(f"y{i}", "w2", "t") for i in range(11)]
    # O shares only name-and-year with N; for O that block is the smallest it has
    rows += [("O", "okafor|2019", "a"), ("O", "uniqueword", "t")]
    rows += [(f"z{i}", "okafor|2019", "a") for i in range(13)]
    keys = pa.table({
        "rid": [r[0] for r in rows], "key": [r[1] for r in rows], "kind": [r[2] for r in rows],
    })  # fmt: skip
    con = duckdb.connect()
    con.register("keys", keys)
    con.execute("CREATE TEMP TABLE probes AS SELECT * FROM keys WHERE rid = 'N'")
    full = {
        (a, b)
        for a, b, _ in con.execute(
            candidate_sql("keys", "keys", settings, everyone=True)
        ).fetchall()
    }
    nightly = {
        (a, b) for a, b, _ in con.execute(candidate_sql("keys", "probes", settings)).fetchall()
    }
    assert ("N", "O") in full
    assert {p for p in full if "N" in p} == nightly


def test_a_title_cut_short_meets_the_whole_one_through_its_opening_words() -> None:
    from unioncat.dedupe.blocking import candidate_pairs
    from unioncat.dedupe.features import MatchRecord, build_features

    whole = "Rate based query optimization for streaming information sources"
    # more records than a block may hold share every word of the cut title, in another
    # order: no word and no pair of words blocks, only how the two titles begin
    others = [
        MatchRecord(id=f"o{n}", source="s", title=f"Query optimization for rate based x{n}")
        for n in range(110)
    ]
    records = [
        MatchRecord(id="whole", source="a", title=whole),
        MatchRecord(id="cut", source="b", title="Rate based query optimization for ..."),
        *others,
    ]
    features = build_features(records)
    a, b, _ = candidate_pairs(features, MatchSettings())
    assert (0, 1) in set(zip(a.tolist(), b.tolist(), strict=True))


def _candidates(rows: list[tuple[str, str, str]], probe: str | None = None) -> set[tuple[str, str]]:
    keys = pa.table({
        "rid": [r[0] for r in rows], "key": [r[1] for r in rows], "kind": [r[2] for r in rows],
    })  # fmt: skip
    con = duckdb.connect()
    con.register("keys", keys)
    if probe is None:
        sql = candidate_sql("keys", "keys", MatchSettings(), everyone=True)
    else:
        con.execute(f"CREATE TEMP TABLE probes AS SELECT * FROM keys WHERE rid = '{probe}'")
        sql = candidate_sql("keys", "probes", MatchSettings())
    return {(a, b) for a, b, _ in con.execute(sql).fetchall()}


def test_a_misspelt_word_is_read_as_the_word_more_records_hold() -> None:
    # "journal" is in too many titles to block; what the two titles share beyond it is
    # "relevance", which one of them misspells
    rows = [("R1", "journal", "t"), ("R1", "reelvance", "t")]
    rows += [("R2", "journal", "t"), ("R2", "relevance", "t")]
    rows += [(f"j{i}", "journal", "t") for i in range(40)]
    rows += [(f"r{i}", "relevance", "t") for i in range(3)]
    assert ("R1", "R2") in _candidates(rows)
    # ... on a nightly run too, with the misspelling arriving last
    assert ("R1", "R2") in _candidates(rows, probe="R1")


def test_short_words_one_letter_apart_stay_two_words() -> None:
    rows = [("A", "form", "t"), ("B", "from", "t")]
    rows += [(f"f{i}", "from", "t") for i in range(3)]
    assert ("A", "B") not in _candidates(rows)


def test_blocks_of_the_same_records_count_once_in_the_budget() -> None:
    # A work cited 25 times, in two spellings: 13 citations name the Niger, 12 the
    # delta.  A Niger citation sits in three blocks of the same 13 records (the word,
    # and each pair it makes); counted block by block they fill the budget of 24 before
    # the block of all 25 is reached, counted as partners they leave room for it.
    niger = [f"n{i}" for i in range(13)]
    delta = [f"d{i}" for i in range(12)]
    rows = [(c, w, "t") for c in niger for w in ("estuary", "sediment", "niger")]
    rows += [(c, w, "t") for c in delta for w in ("estuary", "sediment", "delta")]
    found = _candidates(rows)
    assert {(a, b) for a in delta for b in niger} <= found
    assert {p for p in found if "d0" in p} == _candidates(rows, probe="d0")
