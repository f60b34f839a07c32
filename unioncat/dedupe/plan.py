"""What a clustering changes in the catalog, worked out without the catalog.

Cluster ids are the contract with downstream systems, so every rule about them lives
here: a new cluster's id is minted from its founding record; when clusters join, the
larger keeps its id and the others are retired into it (``merged_ids``, and a
``merge`` change); a record that changed keeps its old cluster's id when nobody else
carries it on; when a cluster splits, the part with the most unedited former members
keeps the id; a cluster whose records all went away becomes a tombstone.  The functions
here take what the store knows (sizes, ids in use) as plain values and return a
:class:`~unioncat.catalog.ClusterPlan`; the store writes it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from unioncat.catalog import ClusterPlan
from unioncat.dedupe.counts import DedupeCounts
from unioncat.dedupe.features import Features
from unioncat.dedupe.merge import merge_cluster
from unioncat.dedupe.scoring import ScoredPairs, pair_reasons
from unioncat.dedupe.settings import MatchSettings
from unioncat.ids import ID_PREFIX

CLUSTER_PREFIX = f"{ID_PREFIX}w"
# The record columns a cluster record is merged from.
MERGE_COLUMNS = (
    "id", "medium", "type", "title", "subtitle", "contributors", "publisher", "place", "year",
    "edition", "language", "page_count", "identifiers",
)  # fmt: skip


@dataclass(slots=True)
class Universe:
    """The records this run looks at, by position, with their current clusters."""

    ids: list[str] = field(default_factory=list)
    position: dict[str, int] = field(default_factory=dict)
    old_cluster: dict[str, str] = field(default_factory=dict)  # members kept together
    dirty_old: dict[str, str] = field(default_factory=dict)  # where changed records were
    # records whose own content changed (the rest of dirty_old are their companions)
    edited: frozenset[str] = frozenset()


def mint_cluster_id(record_id: str, salt: int = 0) -> str:
    """A new cluster's id, from the record that founded it."""
    digest = hashlib.blake2b(f"work\x1f{record_id}\x1f{salt}".encode(), digest_size=10)
    return f"{CLUSTER_PREFIX}-{digest.hexdigest()}"


def _best_edges(scored: ScoredPairs, settings: MatchSettings, root_of: list[int]) -> dict[int, int]:
    """For each record, the strongest matched pair inside its final cluster."""
    best: dict[int, int] = {}
    matched = np.flatnonzero(scored.matched(settings))
    for n in matched.tolist():
        a, b = int(scored.a[n]), int(scored.b[n])
        if root_of[a] != root_of[b]:
            continue
        for x in (a, b):
            if x not in best or scored.weight[n] > scored.weight[best[x]]:
                best[x] = n
    return best


def _new_cluster_id(founder: str, taken: set[str], is_taken: Callable[[str], bool]) -> str:
    """A fresh id for a new cluster.  ``taken`` holds the first-choice ids already in
    use (looked up for the whole run at once); other salts are asked one by one."""
    first = mint_cluster_id(founder, 0)
    if first not in taken:
        taken.add(first)
        return first
    for salt in range(1, 1000):
        cid = mint_cluster_id(founder, salt)
        if cid not in taken and not is_taken(cid):
            taken.add(cid)
            return cid
    raise RuntimeError(f"no free cluster id for {founder}")  # 1000 salts all taken


@dataclass(slots=True)
class RoundInputs:
    """What one round matched, and what the store said about the clusters involved."""

    features: Features
    scored: ScoredPairs
    settings: MatchSettings
    groups: list[list[int]]
    universe: Universe
    forced: set[tuple[int, int]]
    sizes: Mapping[str, int]  # member counts of the clusters involved
    taken: set[str]  # first-choice ids of the groups' founders already in use
    is_taken: Callable[[str], bool]  # for the rare second choice


def founders(features: Features, groups: Sequence[Sequence[int]]) -> list[str]:
    """The first-choice cluster id of each group, minted from its smallest record id."""
    return [mint_cluster_id(min(features.ids[m] for m in g), 0) for g in groups]


def plan_round(r: RoundInputs, run_id: str, now: datetime, counts: DedupeCounts) -> ClusterPlan:
    """Which cluster each group becomes, which ids retire, what members are written."""
    features, scored, universe = r.features, r.scored, r.universe
    root_of = [0] * len(features)
    for g in r.groups:
        for m in g:
            root_of[m] = g[0]
    best = _best_edges(scored, r.settings, root_of)
    old = universe.old_cluster
    plan = ClusterPlan()
    # A changed record that ends up without its old companions keeps its old cluster id
    # when nobody else carries it on: editing a record must not renumber its work.
    claimed = set(old.values())
    dirty_members: dict[str, list[str]] = {}
    for rid, cid in universe.dirty_old.items():
        dirty_members.setdefault(cid, []).append(rid)
    taken = set(r.taken)

    def claim_order(group: list[int]) -> tuple[bool, int]:
        """Groups that carry kept members come first; then, when a cluster splits, the
        group with the most unedited former members claims its id, so the work that did
        not change keeps its number and the edited record is the one that leaves."""
        ids = [universe.ids[m] for m in group]
        unedited = sum(1 for i in ids if i in universe.dirty_old and i not in universe.edited)
        return (not any(i in old for i in ids), -unedited)

    def by_size(c: str) -> tuple[int, str]:
        return (-r.sizes.get(c, 0), c)

    for group in sorted(r.groups, key=claim_order):
        ids = [universe.ids[m] for m in group]
        previous = sorted({old[i] for i in ids if i in old}, key=by_size)
        reusable = sorted(
            {universe.dirty_old[i] for i in ids if i in universe.dirty_old} - claimed, key=by_size
        )
        if previous:
            cid = previous[0]
            for retired in previous[1:]:
                plan.retire.append((retired, cid))
                counts.clusters_merged += 1
        elif reusable:
            cid = reusable[0]
            claimed.add(cid)
            # old clusters whose every member is now in this one were merged into it
            members = set(ids)
            for merged in reusable[1:]:
                if all(x in members for x in dirty_members[merged]):
                    claimed.add(merged)
                    plan.retire.append((merged, cid))
                    counts.clusters_merged += 1
        else:
            cid = _new_cluster_id(min(ids), taken, r.is_taken)
            counts.clusters_created += 1
        changed = [i for i in ids if old.get(i) != cid]
        if not changed and len(previous) <= 1:
            continue
        if previous:
            counts.clusters_changed += 1
        for m in group:
            rid = universe.ids[m]
            if old.get(rid) == cid:
                continue
            plan.assignments[rid] = cid
            if len(group) > 1 and universe.dirty_old.get(rid) != cid:
                counts.records_joined += 1
            if rid in old:
                # moved only because its cluster joined this one: its evidence still holds
                plan.relabel[rid] = cid
                continue
            plan.members.append(_member_row(r, m, group, best, cid, run_id, now))
    plan.refresh = sorted(set(plan.assignments.values()))
    return plan


def _member_row(
    r: RoundInputs,
    m: int,
    group: list[int],
    best: dict[int, int],
    cid: str,
    run_id: str,
    now: datetime,
) -> dict[str, Any]:
    """A record's membership with the evidence that put it there."""
    features, scored = r.features, r.scored
    n = best.get(m)
    score: float | None = None
    matched_to: str | None = None
    if n is not None:
        other = int(scored.b[n]) if int(scored.a[n]) == m else int(scored.a[n])
        score = float(scored.weight[n])
        matched_to = r.universe.ids[other]
        reasons = pair_reasons(features, scored, n, r.settings)
    elif len(group) > 1 and any((min(m, o), max(m, o)) in r.forced for o in group):
        reasons = ["accepted by a cataloger"]
    elif len(group) > 1:
        reasons = ["in the cluster before this run"]
    else:
        reasons = ["no match found"]
    return {
        "record_id": r.universe.ids[m],
        "cluster_id": cid,
        "source": features.sources[m],
        "medium": features.medium[m],
        "score": score,
        "matched_to": matched_to,
        "reasons": reasons,
        "run_id": run_id,
        "updated_at": now,
    }


def plan_emptied(
    emptied: Sequence[str], moved: Mapping[str, str], counts: DedupeCounts
) -> tuple[list[tuple[str, str]], list[str]]:
    """Of the clusters left empty: those retired into the one cluster all their records
    moved to (a merge, for downstream systems), and those that become tombstones (their
    records were deleted or went separate ways)."""
    retire = [(cid, moved[cid]) for cid in emptied if cid in moved]
    gone = [cid for cid in emptied if cid not in moved]
    counts.clusters_merged += len(retire)
    counts.clusters_deleted += len(gone)
    return retire, gone


def cluster_rows(members: Mapping[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The merged record of each cluster, as a row of the ``clusters`` table (without
    its bookkeeping columns, which the store sets)."""
    out: list[dict[str, Any]] = []
    for cid, rows in members.items():
        merged = merge_cluster(cid, rows)
        f = merged.fields
        out.append(
            {
                "cluster_id": cid,
                "deleted": False,
                "member_count": len(merged.members),
                "members": merged.members,
                "media": merged.media,
                "type": f.get("type"),
                "title": f.get("title"),
                "subtitle": f.get("subtitle"),
                "contributors": [c["name"] for c in f.get("contributors") or []],
                "publisher": f.get("publisher"),
                "place": f.get("place"),
                "year": f.get("year"),
                "edition": f.get("edition"),
                "language": f.get("language") or [],
                "page_count": f.get("page_count"),
                "identifiers": merged.identifiers,
                "provenance": sorted(merged.provenance.items()),
            }
        )
    return out


def review_rows(
    features: Features, scored: ScoredPairs, settings: MatchSettings, same_cluster: Callable[
        [int, int], bool]
) -> list[dict[str, Any]]:  # fmt: skip
    """Borderline pairs left apart: the review list's new entries."""
    rows = []
    for n in np.flatnonzero(scored.borderline(settings)).tolist():
        a, b = int(scored.a[n]), int(scored.b[n])
        if same_cluster(a, b):
            continue
        x, y = sorted((features.ids[a], features.ids[b]))
        rows.append(
            {
                "record_a": x,
                "record_b": y,
                "weight": float(scored.weight[n]),
                "reasons": pair_reasons(features, scored, n, settings),
            }
        )
    return rows
