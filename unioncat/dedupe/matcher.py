"""One matcher for the catalog, the evaluation command and the benchmarks.

features -> candidate pairs (blocking) -> weights and guards (scoring) -> clusters,
with clusters held by one weak link split there (cohesion).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import numpy as np
from numpy.typing import NDArray

from unioncat.dedupe.blocking import candidate_pairs
from unioncat.dedupe.cluster import Clustering, Edge, Within, cluster
from unioncat.dedupe.cohesion import split_weak_links
from unioncat.dedupe.features import Features
from unioncat.dedupe.learn import LearnedWeights, learn_weights
from unioncat.dedupe.scoring import ChainGuard, ScoredPairs, reweigh, score_pairs
from unioncat.dedupe.settings import MatchSettings
from unioncat.gc_pause import gc_paused

if TYPE_CHECKING:
    from unioncat.dedupe.on_spark import SparkDedupe


@dataclass(slots=True)
class MatchResult:
    features: Features
    candidates: tuple[NDArray[np.int64], NDArray[np.int64]]
    scored: ScoredPairs
    clustering: Clustering
    timings: dict[str, float]  # seconds per step: blocking, scoring, clustering
    learned: LearnedWeights | None = None
    settings: MatchSettings | None = None  # the settings matched with (learned weights in)

    @property
    def candidate_count(self) -> int:
        return len(self.candidates[0])


def slots(features: Features) -> list[tuple[str, str]]:
    return list(zip(features.sources, features.medium, strict=True))


def edges_of(scored: ScoredPairs, settings: MatchSettings) -> list[Edge]:
    matched = scored.matched(settings)
    return [
        Edge(int(a), int(b), float(w), bool(i))
        for a, b, w, i in zip(
            scored.a[matched],
            scored.b[matched],
            scored.weight[matched],
            scored.ids[matched],
            strict=True,
        )
    ]


def within_rule(settings: MatchSettings, sources: frozenset[str]) -> Within:
    return Within(sources, settings.match_weight + settings.within_margin)


def vetoed_pairs(scored: ScoredPairs) -> set[tuple[int, int]]:
    hit = scored.guards != 0
    return set(zip(scored.a[hit].tolist(), scored.b[hit].tolist(), strict=True))


def clusters_of(
    features: Features,
    edges: Sequence[Edge],
    settings: MatchSettings,
    *,
    vetoed: set[tuple[int, int]],
    forced: Sequence[tuple[int, int]],
    start: Sequence[Sequence[int]],
    within: Within,
    spark: SparkDedupe | None = None,
) -> tuple[Clustering, int]:
    """The matched pairs clustered strongest first under the guards, then each cluster
    held by one weak link split there; and how many splits.  ``start`` groups records
    already together and ``forced`` pairs a cataloger accepted; neither is ever split.
    With ``spark`` (and no ``start``), component by component on Spark."""
    if spark is not None and not start:
        return spark.cluster(
            features, edges, vetoed=vetoed, forced=forced, within=within, settings=settings
        )
    clustering = cluster(
        slots(features), edges, vetoed=vetoed, forced=forced, start=start,
        forbids=ChainGuard(features, settings), within=within,
    )  # fmt: skip
    return split_weak_links(
        clustering, edges, features, settings, keep=[*start, *(list(p) for p in forced)]
    )


def match(
    features: Features,
    settings: MatchSettings,
    *,
    cross_sources_only: bool = False,
    forced: Iterable[tuple[int, int]] = (),
    rejected: Iterable[tuple[int, int]] = (),
    start: Sequence[Sequence[int]] = (),
    con: duckdb.DuckDBPyConnection | None = None,
    within: frozenset[str] = frozenset(),
    spark: SparkDedupe | None = None,
) -> MatchResult:
    """Match ``features``; ``within`` names the sources whose own records may join one
    cluster (``dedupe_within``).  With ``spark``, blocking, scoring and clustering run
    there, with the same results."""
    timings: dict[str, float] = {}
    with gc_paused():
        started = time.perf_counter()
        a, b, by_id = candidate_pairs(
            features, settings, cross_sources_only=cross_sources_only, con=con,
            blocker=spark.block_keys if spark else None,
        )  # fmt: skip
        timings["blocking"] = time.perf_counter() - started
        score = spark.score if spark else score_pairs
        scored = score(features, a, b, settings, by_id)
        learned = learn_weights(scored, settings)
        if learned.levels:
            settings = learned.apply(settings)
            scored = reweigh(scored, settings)
        timings["scoring"] = time.perf_counter() - started - timings["blocking"]
        veto = vetoed_pairs(scored)
        veto.update((min(x, y), max(x, y)) for x, y in rejected)
        edges = [e for e in edges_of(scored, settings) if (e.a, e.b) not in veto]
        clustering, _splits = clusters_of(
            features, edges, settings, vetoed=veto, forced=list(forced), start=start,
            within=within_rule(settings, within), spark=spark,
        )  # fmt: skip
        timings["clustering"] = time.perf_counter() - started - sum(timings.values())
    return MatchResult(features, (a, b), scored, clustering, timings, learned, settings)
