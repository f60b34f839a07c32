"""Level weights learned from the candidate pairs (dedupe.learn), held to the priors.

The EM half runs on pairs drawn from a known model, so what the data says is known;
the catalog half runs the dedupe stage on a real DuckDB catalog and reads the weights
back from ``match_weights`` and the members' reasons.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.support.dedupe_records import rec
from unioncat.catalog import Catalog, PageWrite
from unioncat.dedupe.features import build_features, from_record
from unioncat.dedupe.learn import LearnedWeights, learn_weights, priors_key
from unioncat.dedupe.scoring import (
    COMPARISONS,
    ScoredPairs,
    level_weights,
    reweigh,
    score_pairs,
    weigh,
    with_level_weights,
)
from unioncat.dedupe.settings import MatchSettings
from unioncat.dedupe.stage import dedupe_catalog
from unioncat.errors import ConfigError
from unioncat.schemas.record import Record

LEARN = replace(MatchSettings(), learn_weights=True)


def drawn_pairs(n: int = 6000, share: float = 0.3, seed: int = 7) -> tuple[ScoredPairs, np.ndarray]:
    """Pairs whose levels are drawn per comparison from known m and u distributions.

    The matches' titles are often a typo apart (the 93% and 86% levels are common among
    them), which the priors do not expect; everything else is as the priors expect."""
    rng = np.random.default_rng(seed)
    match = rng.random(n) < share
    m = {
        "title": [0.55, 0.25, 0.15, 0.05, 0.0],
        "authors": [0.9, 0.06, 0.03, 0.01],
        "year": [0.85, 0.1, 0.05],
        "venue": [0.9, 0.1],
    }
    u = {
        "title": [0.05, 0.05, 0.2, 0.4, 0.3],
        "authors": [0.03, 0.07, 0.2, 0.7],
        "year": [0.1, 0.15, 0.75],
        "venue": [0.3, 0.7],
    }
    levels: dict[str, np.ndarray] = {}
    for c in ("title", "authors", "year", "venue"):
        drawn_m = rng.choice(len(m[c]), size=n, p=m[c])
        drawn_u = rng.choice(len(u[c]), size=n, p=u[c])
        levels[c] = np.where(match, drawn_m, drawn_u).astype(np.int8)
    levels["contents"] = np.full(n, -1, dtype=np.int8)  # nobody lists contents
    fixed = np.zeros(n)
    zeros = np.zeros(n)
    scored = ScoredPairs(
        np.arange(n, dtype=np.int64), np.arange(n, dtype=np.int64) + n,
        weigh(levels, fixed, LEARN), zeros, zeros, np.zeros(n, dtype=np.int8),
        np.zeros(n, dtype=np.int32), None, None, levels, fixed,
    )  # fmt: skip
    return scored, match


def weights_of(learned: LearnedWeights, comparison: str) -> list[float]:
    return [f.weight for f in learned.levels if f.comparison == comparison]


def test_em_moves_the_levels_the_data_contradicts_and_keeps_the_rest_within_bounds() -> None:
    scored, match = drawn_pairs()
    learned = learn_weights(scored, LEARN)
    assert learned.levels, learned.note
    assert abs(learned.match_share - match.mean()) < 0.05  # it found about the true share
    title = weights_of(learned, "title")
    prior = level_weights(LEARN, "title")
    # the level most matches show keeps its weight; typo'd titles (93%, 86%) gain
    assert title[0] == prior[0]
    assert title[1] > prior[1] and title[2] > prior[2]
    for fit in learned.levels:
        assert abs(fit.weight - fit.prior) <= LEARN.learn_bound + 1e-9, fit
        if fit.prior > 0:
            assert fit.weight >= 0, f"{fit} became evidence against"
        else:
            assert fit.weight <= fit.prior, f"{fit}: a level against a match was excused"
    for c in ("title", "authors", "year", "venue"):
        w = weights_of(learned, c)
        assert w == sorted(w, reverse=True), f"{c}: a less alike level outweighs a more alike"
    assert "contents" not in learned.learned  # seen on no pair: its priors stand


def test_the_bound_is_a_setting_and_zero_keeps_every_prior() -> None:
    scored, _ = drawn_pairs()
    tight = learn_weights(scored, replace(LEARN, learn_bound=0.0))
    assert all(f.weight == f.prior for f in tight.levels)
    assert any(f.weight != f.prior for f in learn_weights(scored, LEARN).levels)
    half = learn_weights(scored, replace(LEARN, learn_bound=0.5))
    assert all(abs(f.weight - f.prior) <= 0.5 + 1e-9 for f in half.levels)
    assert any(abs(f.weight - f.prior) == 0.5 for f in half.levels)


def test_guarded_pairs_teach_nothing() -> None:
    scored, match = drawn_pairs()
    guarded = replace(scored, guards=np.where(match, 0, 2).astype(np.int32))  # every u pair
    learned = learn_weights(guarded, LEARN)
    assert learned.pairs == int(match.sum())


def test_too_few_pairs_or_learning_off_leaves_the_set_weights_and_says_why() -> None:
    scored, _ = drawn_pairs(n=200)
    few = learn_weights(scored, LEARN)
    assert few.levels == () and "learn_min_pairs" in few.note
    off = learn_weights(drawn_pairs()[0], MatchSettings())
    assert off.levels == () and "learn_weights" in off.note
    assert off.apply(MatchSettings()) == MatchSettings()


def test_learning_is_deterministic_and_survives_the_catalogs_rows() -> None:
    scored, _ = drawn_pairs()
    first, second = learn_weights(scored, LEARN), learn_weights(scored, LEARN)
    assert first == second
    from datetime import UTC, datetime

    back = LearnedWeights.from_rows(first.as_rows("run", datetime.now(UTC)))
    assert back is not None and back.levels == first.levels
    assert back.apply(LEARN) == first.apply(LEARN)


def test_applied_weights_carry_the_priors_and_reweigh_the_same_pairs() -> None:
    scored, _ = drawn_pairs()
    learned = learn_weights(scored, LEARN)
    applied = learned.apply(LEARN)
    assert applied.priors == LEARN
    assert level_weights(applied, "title") == weights_of(learned, "title")
    again = reweigh(scored, applied)
    assert not np.array_equal(again.weight, scored.weight)
    assert np.array_equal(reweigh(scored, LEARN).weight, scored.weight)
    # the settings they were learned from are named: other settings, other weights
    assert priors_key(LEARN) != priors_key(replace(LEARN, match_weight=4.0))
    assert priors_key(applied) == priors_key(replace(applied, priors=None))


def test_level_weights_round_trip_through_the_settings() -> None:
    s = MatchSettings()
    for c in COMPARISONS:
        w = [x - 0.5 for x in level_weights(s, c)]
        assert level_weights(with_level_weights(s, {c: w}), c) == w
    with pytest.raises(ValueError, match="levels"):
        with_level_weights(s, {"year": [1.0]})


def test_weights_from_levels_are_the_weights_scoring_gives() -> None:
    records = [
        rec("a", "Tidal estuaries of West Africa", authors=["Okafor, Adaeze"], year=2019,
            publisher="Sea Press"),
        rec("b", "Tidal estuaries of West Afrika", source="vendor", authors=["Okafor, A."],
            year=2020, publisher="Sea Press"),
        rec("c", "Tidal estuaries", source="vendor", authors=["Moreau, Ines"], year=1987),
    ]  # fmt: skip
    features = build_features(from_record(r) for r in records)
    scored = score_pairs(features, [0, 0, 1], [1, 2, 2], MatchSettings())
    assert scored.fixed is not None
    assert np.allclose(weigh(scored.levels, scored.fixed, MatchSettings()), scored.weight)


def test_learn_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="true or false"):
        MatchSettings.from_mapping({"learn_weights": "yes"})
    with pytest.raises(ConfigError, match="learn_bound"):
        MatchSettings.from_mapping({"learn_bound": -1})
    with pytest.raises(ConfigError, match="unknown"):
        MatchSettings.from_mapping({"priors": {}})


# -- in the catalog ----------------------------------------------------------------------

SURNAMES = ["Okafor", "Moreau", "Lindqvist", "Tanaka", "Haddad", "Novak", "Silva", "Kowalski"]
WORDS = """river salt tide harbour forest desert glacier valley island coast meadow canyon
delta marsh steppe lagoon""".split()


def library(n: int = 60) -> list[Record]:
    """Print records and their e-books from a vendor whose titles carry a typo: pairs
    at the 86-93% title levels that are matches, which the priors undervalue."""
    out: list[Record] = []
    for i in range(n):
        words = [WORDS[(i * 7 + k * 3) % len(WORDS)] for k in range(4)]
        title = f"{' '.join(words)} studies {i}"
        # the vowels of two words and one of "studies" lost: 86-94% alike
        typo = " ".join([*(re.sub("[aeiou]", "", w) for w in words[:2]), *words[2:],
                         f"stdies {i}"])  # fmt: skip
        author = f"{SURNAMES[i % len(SURNAMES)]}, Ada"
        out.append(rec(f"p{i}", title, authors=[author], year=1990 + i % 30))
        out.append(rec(f"e{i}", typo, source="vendor", medium="electronic",
                       authors=[author], year=1990 + i % 30))  # fmt: skip
        # and a book of another author and decade that shares the title's words
        other = f"{SURNAMES[(i + 3) % len(SURNAMES)]}, Ines"
        out.append(rec(f"o{i}", f"{' '.join(words[:3])} {words[3]} essays", source="vendor",
                       authors=[other], year=1950 + i % 20))  # fmt: skip
    return out


SMALL = replace(LEARN, learn_min_pairs=40)


def stored(catalog: Catalog) -> list[tuple[object, ...]]:
    return catalog.query(
        "SELECT comparison, level, prior, weight, run_id FROM match_weights "
        "ORDER BY comparison, level"
    )


def test_the_catalog_learns_on_its_first_run_and_keeps_the_weights_beside_the_settings(
    catalog: Catalog,
) -> None:
    catalog.write(PageWrite("r1", records=library()))
    counts = dedupe_catalog(catalog, "r1", SMALL)
    rows = stored(catalog)
    assert rows, "no weights were kept"
    assert {r[4] for r in rows} == {"r1"}
    moved = [r for r in rows if r[2] != r[3]]
    assert counts.weights_learned == len(moved) > 0
    # a nightly run under the same settings weighs with them and learns nothing new
    catalog.write(PageWrite("r2", records=[rec("late", "Salt marsh", source="vendor")]))
    dedupe_catalog(catalog, "r2", SMALL)
    assert stored(catalog) == rows
    # a full run learns them again, here under other settings
    dedupe_catalog(catalog, "r3", replace(SMALL, learn_bound=0.5), full=True)
    again = stored(catalog)
    assert {r[4] for r in again} == {"r3"}
    assert all(abs(float(r[3]) - float(r[2])) <= 0.5 + 1e-9 for r in again)  # type: ignore[arg-type]


def test_a_members_reasons_say_which_weight_was_learned(catalog: Catalog) -> None:
    catalog.write(PageWrite("r1", records=library()))
    dedupe_catalog(catalog, "r1", SMALL)
    moved = {
        str(r[0])
        for r in catalog.query("SELECT comparison FROM match_weights WHERE weight <> prior")
    }
    assert moved
    reasons = [
        reason
        for (row,) in catalog.query("SELECT reasons FROM cluster_members WHERE reasons IS NOT NULL")
        for reason in row
    ]
    assert any("learned, set" in r for r in reasons), reasons[:10]


def test_with_learning_off_the_catalog_keeps_no_weights(catalog: Catalog) -> None:
    catalog.write(PageWrite("r1", records=library()))
    counts = dedupe_catalog(catalog, "r1", MatchSettings())
    assert stored(catalog) == [] and counts.weights_learned == 0


def test_eval_learn_prints_what_moved(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    left, right, gold = tmp_path / "l.csv", tmp_path / "r.csv", tmp_path / "g.csv"
    records = library(80)
    prints = [r for r in records if r.source == "catalog"]
    ebooks = [r for r in records if r.source == "vendor"]
    for path, rows in ((left, prints), (right, ebooks)):
        path.write_text(
            "id,title,authors,year\n"
            + "".join(
                f'{r.source_id},{r.title},"{r.contributors[0].name}",{r.year}\n' for r in rows
            ),
            encoding="utf-8",
        )
    gold.write_text(
        "left_id,right_id\n" + "".join(f"p{i},e{i}\n" for i in range(80)), encoding="utf-8"
    )
    config = tmp_path / "p.yaml"
    config.write_text("catalog: c.duckdb\nsources: []\ndedupe:\n  learn_min_pairs: 40\n")
    code, out, err = cli("--config", str(config), "eval", "dedupe", "--left", str(left),
                         "--right", str(right), "--gold", str(gold), "--learn")  # fmt: skip
    assert code == 0
    assert json.loads(out)["f1"] > 0.9
    assert "weights learned from" in err
