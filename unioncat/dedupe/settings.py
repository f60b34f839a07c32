"""The matcher's settings, as data: thresholds and weights a cataloger can read and tune.

Weights are match weights in bits (log2 of how much more often a comparison level is
seen among true matches than among random candidate pairs), in the spirit of
Fellegi-Sunter and Splink, but set from what catalogs are known to look like rather than
trained on labels.  A pair's weight is the prior plus the weights of its levels; it is a
match at ``match_weight`` or above and goes to the review list between
``review_weight`` and ``match_weight``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from unioncat.bounds import bounded, check_bounds
from unioncat.errors import ConfigError

# No single comparison is worth more than this many bits either way; beyond it a weight
# is a typing slip, and one level would overrule every other.
MAX_WEIGHT = 100.0
INTERNAL = "unioncat.internal"


@dataclass(frozen=True, slots=True)
class MatchSettings:
    # Blocking: pairs of each record's ``probe_tokens`` rarest title words make blocks
    # of at most ``max_block`` records; single words and name-plus-year keys block while
    # at most ``max_word_block`` records hold them.
    probe_tokens: int = bounded(4, 1, 32, unit="words")
    max_block: int = bounded(100, 2, 100_000, unit="records")
    max_word_block: int = bounded(20, 2, 100_000, unit="records")
    max_id_block: int = bounded(1000, 2, 1_000_000, unit="records")
    candidate_budget: int = bounded(24, 1, 10_000, unit="candidates")

    prior: float = bounded(-6.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    match_weight: float = bounded(3.2, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    review_weight: float = bounded(-2.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")

    # Title similarity (0-100, the better of token-sorted and in-order similarity).
    title_levels: tuple[tuple[float, float], ...] = (
        (98.0, 9.0),
        (93.0, 6.0),
        (86.0, 3.5),
        (76.0, 1.0),
    )
    title_else: float = bounded(-8.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")

    # Family names of the contributors (token-set similarity of the sorted names).
    author_levels: tuple[tuple[float, float], ...] = (
        (90.0, 6.0),
        (70.0, 3.0),
        (45.0, -1.0),
    )
    author_else: float = bounded(-4.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")

    # Contents (the tracks of a recording, the chapters of a book, in order): the better
    # of in-order and token-sorted similarity, when both list at least
    # ``contents_min_words`` words.  Two lists that share little are two items.
    contents_levels: tuple[tuple[float, float], ...] = (
        (90.0, 14.0),  # nearly an identifier: a title entered otherwise is forgiven
        (75.0, 7.0),
        (55.0, 3.0),
    )
    contents_else: float = bounded(-6.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    contents_min_words: int = bounded(10, 1, 10_000, unit="words")

    year_same: float = bounded(3.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    year_next: float = bounded(-1.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    # two years far apart in one venue: a paper appears in a venue once, so there the
    # year is more likely cited wrong than another version (which a journal or another
    # conference publishes); a recurring column is kept apart by its generic title
    year_far_one_venue: float = bounded(-2.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    year_far: float = bounded(-6.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")

    # the journal or proceedings: one venue however abbreviated ("Proc. VLDB", "Very
    # Large Data Bases"), or two that cannot be one
    venue_similar: float = bounded(1.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    venue_differ: float = bounded(0.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    same_publisher: float = bounded(1.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    shared_work_id: float = bounded(16.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    linked_work_id: float = bounded(15.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    conflicting_doi: float = bounded(-12.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")
    same_host_and_pages: float = bounded(6.0, -MAX_WEIGHT, MAX_WEIGHT, unit="bits")

    # Two records of one source (a source set to ``dedupe_within``) join at this many
    # bits above ``match_weight``: a source seldom holds one item twice, so a pair
    # inside it needs stronger evidence than a pair across sources.
    within_margin: float = bounded(2.0, 0, MAX_WEIGHT, unit="bits")

    # Weights learned from the catalog's own candidate pairs (see learn.py): each level's
    # weight may move at most ``learn_bound`` bits from the one set here, and only when
    # at least ``learn_min_pairs`` unguarded candidate pairs show the comparison.
    # ``learn_prior_pairs`` is how many pairs' worth of belief the set weights carry
    # against what the catalog shows.
    learn_weights: bool = False
    learn_bound: float = bounded(2.0, 0, 20, unit="bits")
    learn_min_pairs: int = bounded(500, 10, 1_000_000_000, unit="pairs")
    learn_iterations: int = bounded(25, 1, 1000, unit="rounds")
    learn_prior_pairs: float = bounded(200.0, 0, 1_000_000_000, unit="pairs")

    # Guards: values beyond which two records are never the same manifestation.
    max_year_gap: int = bounded(1, 0, 100, unit="years")
    page_count_ratio: float = bounded(1.5, 1, 100)
    page_count_slack: int = bounded(20, 0, 100_000, unit="pages")

    # Not settings: when the level weights were learned, the settings they were learned
    # from (to show both in a pair's reasons).
    priors: MatchSettings | None = field(default=None, compare=False, metadata={INTERNAL: True})

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> MatchSettings:
        if not data:
            return cls()
        known = {f.name: f for f in fields(cls) if not f.metadata.get(INTERNAL)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(
                f"dedupe: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name.endswith("_levels"):
                values[name] = _levels(name, value)
            elif isinstance(known[name].default, bool):
                if not isinstance(value, bool):
                    raise ConfigError(f"dedupe: {name} must be true or false, not {value!r}")
                values[name] = value
            else:
                values[name] = _number(name, value, type(getattr(cls(), name)))
        settings = replace(cls(), **values)
        check_bounds(settings, "dedupe")
        if settings.review_weight > settings.match_weight:
            raise ConfigError(
                f"dedupe: review_weight ({settings.review_weight}) is above match_weight "
                f"({settings.match_weight}); pairs between the two go to review, so "
                "review_weight must be at most match_weight"
            )
        return settings


def _number(name: str, value: Any, kind: type) -> Any:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"dedupe: {name} must be a number, not {value!r}")
    if kind is int and not float(value).is_integer():
        raise ConfigError(f"dedupe: {name} must be a whole number, not {value!r}")
    return kind(value)


def _levels(name: str, value: Any) -> tuple[tuple[float, float], ...]:
    """``[[similarity, weight], ...]``: similarity 0-100 from the best level down."""
    shape = f"dedupe: {name} must be a list of [similarity 0-100, weight in bits] pairs"
    if not isinstance(value, (list, tuple)) or not value:
        raise ConfigError(shape)
    levels: list[tuple[float, float]] = []
    for pair in value:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ConfigError(f"{shape}, not {pair!r}")
        at = _number(name, pair[0], float)
        weight = _number(name, pair[1], float)
        if not 0 <= at <= 100 or not -MAX_WEIGHT <= weight <= MAX_WEIGHT:
            raise ConfigError(
                f"{shape}; {pair!r} is out of range (weights from {-MAX_WEIGHT:g} "
                f"to {MAX_WEIGHT:g})"
            )
        levels.append((at, weight))
    if [a for a, _ in levels] != sorted((a for a, _ in levels), reverse=True):
        raise ConfigError(f"{shape}, from the highest similarity down")
    return tuple(levels)
