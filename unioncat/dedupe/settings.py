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
from dataclasses import dataclass, fields, replace
from typing import Any

from unioncat.errors import ConfigError


@dataclass(frozen=True, slots=True)
class MatchSettings:
    # Blocking: pairs of each record's ``probe_tokens`` rarest title words make blocks
    # of at most ``max_block`` records; single words and name-plus-year keys block while
    # at most ``max_word_block`` records hold them.
    probe_tokens: int = 4
    max_block: int = 100
    max_word_block: int = 20
    max_id_block: int = 1000
    candidate_budget: int = 24

    prior: float = -6.0
    match_weight: float = 3.2
    review_weight: float = -2.0

    # Title similarity (0-100, the better of token-sorted and in-order similarity).
    title_levels: tuple[tuple[float, float], ...] = (
        (98.0, 9.0),
        (93.0, 6.0),
        (86.0, 3.5),
        (76.0, 1.0),
    )
    title_else: float = -8.0

    # Family names of the contributors (token-set similarity of the sorted names).
    author_levels: tuple[tuple[float, float], ...] = (
        (90.0, 6.0),
        (70.0, 3.0),
        (45.0, -1.0),
    )
    author_else: float = -4.0

    year_same: float = 3.0
    year_next: float = -1.0
    year_far: float = -6.0

    venue_similar: float = 1.0
    same_publisher: float = 1.0
    shared_work_id: float = 16.0
    linked_work_id: float = 15.0
    conflicting_doi: float = -12.0
    same_host_and_pages: float = 6.0

    # Guards: values beyond which two records are never the same manifestation.
    max_year_gap: int = 1
    page_count_ratio: float = 1.5
    page_count_slack: int = 20

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> MatchSettings:
        if not data:
            return cls()
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ConfigError(
                f"dedupe: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        values: dict[str, Any] = {}
        for name, value in data.items():
            if name.endswith("_levels"):
                values[name] = tuple((float(a), float(b)) for a, b in value)
            else:
                values[name] = type(getattr(cls(), name))(value)
        return replace(cls(), **values)
