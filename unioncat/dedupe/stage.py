"""The dedupe stage over the catalog: incremental, stable, one transaction.

Only records changed since the last dedupe (the ``changes`` log past a watermark) are
matched again.  They leave their clusters, post their keys, and probe everyone's keys;
their candidates' clusters are loaded whole and kept together, so an existing cluster
only ever grows, joins another or loses a record that changed.  What the clustering
changes is planned in :mod:`unioncat.dedupe.plan` and written by the catalog's cluster
store; cataloger decisions in the review list win over the matcher.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pyarrow as pa

from unioncat import interrupts
from unioncat.catalog import Catalog, ClusterStore
from unioncat.dedupe.blocking import candidate_sql, keys_table
from unioncat.dedupe.candidates import CandidatePairs
from unioncat.dedupe.counts import DedupeCounts, describe_counts
from unioncat.dedupe.features import (
    ROW_COLUMNS,
    Features,
    MatchRecord,
    build_features,
    concat_features,
    from_row,
    is_component,
    take_features,
)
from unioncat.dedupe.learn import LearnedWeights, learn_weights, priors_key
from unioncat.dedupe.matcher import clusters_of, edges_of, vetoed_pairs, within_rule
from unioncat.dedupe.plan import (
    MERGE_COLUMNS,
    RoundInputs,
    Universe,
    cluster_rows,
    founders,
    plan_emptied,
    plan_round,
    review_rows,
)
from unioncat.dedupe.scoring import ScoredPairs, reweigh, score_pairs
from unioncat.dedupe.settings import MatchSettings
from unioncat.gc_pause import gc_paused
from unioncat.log import event

if TYPE_CHECKING:
    from unioncat.dedupe.on_spark import SparkDedupe

# clusters whose merged records are worked out and written at a time
REFRESH_PAGE = 20_000


@dataclass(slots=True)
class _Run:
    """What every round of one dedupe run shares."""

    store: ClusterStore
    run_id: str
    settings: MatchSettings
    now: datetime
    counts: DedupeCounts = field(default_factory=DedupeCounts)
    # where each changed record (and each record matched again with it) was
    dirty_old: dict[str, str] = field(default_factory=dict)
    # the changed records' features, folded once for every round
    features: Features | None = None
    position: dict[str, int] = field(default_factory=dict)
    edited: frozenset[str] = frozenset()
    # sources whose own records may join one cluster (``dedupe_within``)
    within: frozenset[str] = frozenset()
    # whether this run learns the level weights (from its first round's pairs)
    learn: bool = False
    # blocking, scoring and clustering on Spark (``engine: spark``, a full run)
    spark: SparkDedupe | None = None
    # a full run: every record probes, and the blocking query runs once for all rounds
    full: bool = False
    everyone: CandidatePairs | None = None

    def add_features(self, extra: Features) -> None:
        self.features = extra if self.features is None else concat_features(self.features, extra)
        self.position = {rid: n for n, rid in enumerate(self.features.ids)}


def dedupe_catalog(
    catalog: Catalog,
    run_id: str,
    settings: MatchSettings,
    *,
    full: bool = False,
    within: frozenset[str] = frozenset(),
    spark: SparkDedupe | None = None,
) -> DedupeCounts:
    """Bring clusters up to date with the records; returns what changed.  ``within``
    names the sources set to ``dedupe_within``; with ``spark``, each round's blocking,
    scoring and clustering run there (the clusters are the same)."""
    run = _Run(
        catalog.clusters, run_id, settings, datetime.now(UTC), within=within, spark=spark,
        full=full,
    )  # fmt: skip
    with run.store.transaction(), gc_paused():
        _dedupe(run)
    c = run.counts
    event(
        "dedupe.done",
        "dedupe: " + describe_counts(c),
        run_id=run_id,
        **c.as_dict(),
    )
    return run.counts


def _weights(run: _Run) -> None:
    """Weigh with the weights the catalog learned, or learn them in this run: on a full
    run, and whenever none were learned under the present settings.  A nightly run
    keeps the weights it finds, so that it decides as the full run before it did."""
    if not run.settings.learn_weights:
        return
    stored = LearnedWeights.from_rows(run.store.learned_weights())
    if run.full or stored is None or stored.priors_key != priors_key(run.settings):
        run.learn = True
        return
    run.settings = stored.apply(run.settings)


def _learn(run: _Run, scored: ScoredPairs) -> ScoredPairs:
    """Learn the weights from this round's pairs and keep them; the pairs weighed anew."""
    run.learn = False
    learned = learn_weights(scored, run.settings)
    run.store.save_learned_weights(learned.as_rows(run.run_id, run.now))
    if not learned.levels:
        event("dedupe.weights", f"dedupe: weights as set ({learned.note})", run_id=run.run_id)
        return scored
    run.settings = learned.apply(run.settings)
    moved = sum(1 for fit in learned.levels if fit.weight != fit.prior)
    run.counts.weights_learned = moved
    event(
        "dedupe.weights",
        f"dedupe: weights learned from {learned.pairs} candidate pairs "
        f"({learned.match_share:.1%} taken for matches); {moved} level(s) moved from the set "
        "weights (see match_weights)",
        run_id=run.run_id,
    )
    return reweigh(scored, run.settings)


def _dedupe(run: _Run) -> None:
    store = run.store
    _weights(run)
    dirty = store.changed_records(0 if run.full else store.watermark())
    run.edited = frozenset(dirty)
    # The other members of a cluster that a changed record is in are matched again with
    # it: the record may have been the only bridge between them, and nightly runs must
    # agree with a full run.  Their cluster ids survive through the rules of the plan.
    dirty = sorted(set(dirty) | set(store.cluster_mates(dirty)))
    run.dirty_old = store.leave_clusters(dirty)
    store.forget_keys(dirty)

    # Whole records first, then parts (chapters, articles): a part matches another when
    # their hosts are in one cluster, so the hosts' clusters must be known first.
    parts: set[str] = set()

    def folded() -> Iterator[MatchRecord]:
        # a page of rows at a time: a full run holds the folded fields, not the rows
        for page in store.live_row_pages(dirty, ROW_COLUMNS):
            for r in page:
                host = r.get("host") or {}
                host_id, host_title = host.get("id"), host.get("title")
                if host_id and is_component(r.get("type"), host_id, host_title):
                    parts.add(r["id"])
                yield from_row(r)

    run.add_features(build_features(folded()))
    assert run.features is not None
    run.counts.records = len(run.features)
    keys = keys_table(run.features)
    ids = pa.array(run.features.ids, pa.string())
    store.post_keys(
        pa.table(
            {
                "record_id": ids.take(keys.column("rid")),
                "key": keys.column("key"),
                "kind": keys.column("kind"),
            }
        )
    )

    wholes = [i for i in run.features.ids if i not in parts]
    # A stop asked for (Ctrl-C, SIGTERM) rolls the whole stage back at a round's end:
    # the watermark moves only with the clusters, so the next run matches them again.
    interrupts.check("while matching (clusters are as before this run)")
    if wholes:
        _round(run, wholes, skip=parts)
    interrupts.check("while matching (clusters are as before this run)")
    # Parts whose host moved to another cluster this run are matched again with the
    # changed parts: chapters of books that joined (or left) a work follow their books.
    follow = [p for p in store.parts_with_moved_hosts(run.run_id) if p not in parts]
    if follow:
        run.dirty_old.update(store.leave_clusters(follow))
        run.add_features(build_features(from_row(r) for r in store.live_rows(follow, ROW_COLUMNS)))
    part_ids = sorted(parts | set(follow))
    if part_ids:
        _round(run, part_ids, skip=set())
    interrupts.check("while matching (clusters are as before this run)")
    _retire_emptied(run)
    run.counts.clusters_multi = store.multi_record_clusters()
    store.mark_decisions_applied()
    store.advance_watermark()


def _round(run: _Run, round_ids: Sequence[str], skip: set[str]) -> None:
    """Match ``round_ids`` (changed records, keys already posted) against everyone but
    ``skip`` (changed records left for a later round) and update their clusters."""
    store, settings = run.store, run.settings
    assert run.features is not None
    pairs = _candidates(run, round_ids, settings, skip)
    run.counts.candidate_pairs += len(pairs)
    event(
        "dedupe.candidates",
        f"dedupe: {len(round_ids)} changed records probed, {len(pairs)} candidate pairs",
        run_id=run.run_id,
    )
    decided = [d for d in store.decisions(round_ids) if d[0] not in skip and d[1] not in skip]
    partners = pairs.partners() | {x for d in decided for x in d[:2]}
    # the clusters these records leave are loaded too: their other members stay together
    left = {run.dirty_old[i] for i in round_ids if i in run.dirty_old}
    kept = store.members_of(partners, left)
    # The universe: this round's changed records (folded once, before the rounds), then
    # the members of every cluster they may join or leave, folded now.
    round_set = set(round_ids)
    others = [r[0] for r in kept if r[0] not in round_set]
    extra = build_features(from_row(r) for r in store.live_rows(others, ROW_COLUMNS))
    features = concat_features(
        take_features(run.features, [run.position[i] for i in round_ids]), extra
    )
    _with_host_clusters(store, features)
    universe = Universe(
        ids=list(features.ids),
        position={rid: n for n, rid in enumerate(features.ids)},
        old_cluster=dict(kept),
        dirty_old=run.dirty_old,
        edited=run.edited,
    )
    pos = universe.position
    a, b, by_id = pairs.positions(pos)
    del pairs
    score = run.spark.score if run.spark else score_pairs
    scored = score(features, a, b, settings, by_id)
    del a, b, by_id
    if run.learn:
        scored = _learn(run, scored)
        settings = run.settings
    veto = vetoed_pairs(scored)
    decisions = store.decisions(round_set | set(others), among=True)
    forced: list[tuple[int, int]] = []
    for x, y, status in decisions:
        if x in skip or y in skip or x not in pos or y not in pos:
            continue
        pair = (min(pos[x], pos[y]), max(pos[x], pos[y]))
        (forced.append(pair) if status == "accepted" else veto.add(pair))
    edges = [e for e in edges_of(scored, settings) if (e.a, e.b) not in veto]
    run.counts.matched_pairs += len(edges)
    event(
        "dedupe.scored",
        f"dedupe: {len(scored)} pairs scored, {len(edges)} matched, {len(veto)} vetoed",
        run_id=run.run_id,
    )
    start: dict[str, list[int]] = {}
    for rid, cid in kept:
        if rid in pos:
            start.setdefault(cid, []).append(pos[rid])
    clustering, splits = clusters_of(
        features, edges, settings, vetoed=veto, forced=forced, start=list(start.values()),
        within=within_rule(settings, run.within), spark=run.spark,
    )  # fmt: skip
    run.counts.weak_links_split += splits
    groups = clustering.groups()
    old = universe.old_cluster
    inputs = RoundInputs(
        features=features,
        scored=scored,
        settings=settings,
        groups=groups,
        universe=universe,
        forced=set(forced),
        sizes=store.sizes(set(old.values()) | set(run.dirty_old.values())),
        taken=store.taken(founders(features, groups)),
        is_taken=lambda cid: bool(store.taken([cid])),
    )
    plan = plan_round(inputs, run.run_id, run.now, run.counts)
    store.apply(plan, run.run_id, run.now)
    refresh = plan.refresh
    del plan  # a full run's plan holds a member row for every record: written, let go
    _refresh(run, refresh)
    store.add_review(
        review_rows(
            features, scored, settings, lambda a, b: clustering.find(a) == clustering.find(b)
        ),
        run.run_id,
        run.now,
    )
    run.counts.review_open = store.open_review_count()


def _candidates(
    run: _Run, round_ids: Sequence[str], settings: MatchSettings, skip: set[str]
) -> CandidatePairs:
    """The round's candidate pairs, none with a record of ``skip``: the blocking query
    over the catalog's keys, run by the catalog's DuckDB or, with Spark, over the keys
    written out for it.  A full run asks for every record's pairs once (the query
    without its nightly part, which finds the pairs of a few probing records) and gives
    each round those of its records."""
    if not run.full:
        return CandidatePairs.of_ids(
            run.store.candidate_pairs(
                round_ids, lambda postings, probes: candidate_sql(postings, probes, settings)
            )
        ).among(None, skip)
    if run.everyone is None:
        run.everyone = _every_pair(run, settings)
    return run.everyone.among(set(round_ids), skip)


def _every_pair(run: _Run, settings: MatchSettings) -> CandidatePairs:
    if run.spark is None:
        table, numbered = run.store.numbered_pairs(
            lambda postings: candidate_sql(postings, postings, settings, everyone=True)
        )
        return CandidatePairs.of_numbers(table, numbered)
    postings = str(run.spark.folder / "postings.parquet")
    numbered = run.store.copy_keys(postings)
    return CandidatePairs.of_numbers(run.spark.candidate_pairs(postings, settings), numbered)


def _refresh(run: _Run, cluster_ids: Sequence[str]) -> None:
    """Compute the merged record of each cluster again from its members, a page of
    clusters at a time: a full run refreshes every cluster, and their members as dicts
    would be the run's largest holding."""
    ordered = sorted(cluster_ids)  # their changes are logged in cluster id order
    for start in range(0, len(ordered), REFRESH_PAGE):
        page = ordered[start : start + REFRESH_PAGE]
        members = run.store.member_records(page, MERGE_COLUMNS)
        run.store.put_clusters(cluster_rows(members), run.run_id, run.now)


def _retire_emptied(run: _Run) -> None:
    """Clusters that lost members: recompute their record if any are left, retire or
    tombstone those that are empty."""
    emptied, moved, shrunk = run.store.emptied(run.dirty_old)
    retire, gone = plan_emptied(emptied, moved, run.counts)
    for retired, into in retire:
        run.store.retire(retired, into, run.run_id, run.now)
    run.store.tombstone(gone, run.run_id, run.now)
    _refresh(run, shrunk)


def _with_host_clusters(store: ClusterStore, features: Features) -> None:
    """Give each part its host's cluster as host key: two chapters are in one book when
    their books (print and e-book, say) are one cluster, whatever their record ids.  A
    part that names its book only by ISBN (a Crossref chapter) takes the cluster of the
    book records carrying that ISBN, when they are all one cluster."""
    hosts = sorted({h for h in features.host_id if h})
    isbns = sorted({i for named in features.host_isbns for i in named})
    clusters = store.clusters_of(hosts) if hosts else {}
    by_isbn = store.book_clusters_by_isbn(isbns) if isbns else {}
    for n, host in enumerate(features.host_id):
        if host in clusters:
            features.host_key[n] = clusters[host]
        elif features.host_isbns[n]:
            found = {c for i in features.host_isbns[n] for c in by_isbn.get(i, ())}
            if len(found) == 1:
                features.host_key[n] = found.pop()
