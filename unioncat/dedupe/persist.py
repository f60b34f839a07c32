"""Writing a clustering to the catalog: members with their evidence, cluster records,
ids that live on and ids that are retired, the review list.

Cluster ids are the contract with downstream systems, so every rule about them lives
here: a new cluster's id is minted from its founding record; when clusters join, the
larger keeps its id and the others go to ``merged_ids`` and to ``changes`` as a
``merge``; a cluster whose records all went away becomes a tombstone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from unioncat.catalog.store import Catalog, first_row
from unioncat.catalog.tables import CLUSTER_ARROW_SCHEMA
from unioncat.dedupe.features import Features
from unioncat.dedupe.merge import merge_cluster
from unioncat.dedupe.scoring import ScoredPairs, pair_reasons
from unioncat.dedupe.settings import MatchSettings
from unioncat.ids import ID_PREFIX

CLUSTER_PREFIX = f"{ID_PREFIX}w"

MEMBER_SCHEMA = pa.schema(
    [
        ("record_id", pa.string()),
        ("cluster_id", pa.string()),
        ("source", pa.string()),
        ("medium", pa.string()),
        ("score", pa.float64()),
        ("matched_to", pa.string()),
        ("reasons", pa.list_(pa.string())),
        ("run_id", pa.string()),
        ("updated_at", pa.timestamp("us", tz="UTC")),
    ]
)


@dataclass(slots=True)
class DedupeCounts:
    records: int = 0
    candidate_pairs: int = 0
    matched_pairs: int = 0
    clusters_created: int = 0
    clusters_changed: int = 0
    clusters_merged: int = 0
    clusters_deleted: int = 0
    review_open: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


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


def ids_table(con: Any, name: str, ids: Iterable[str]) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (id VARCHAR PRIMARY KEY)")
    table = pa.table({"id": pa.array(sorted(set(ids)), pa.string())})
    con.register("_ids_in", table)
    con.execute(f"INSERT INTO {name} SELECT id FROM _ids_in")
    con.unregister("_ids_in")


def id_map_table(mapping: dict[str, str], key: str = "id") -> pa.Table:
    """A record-to-cluster mapping as a table DuckDB can join."""
    return pa.table(
        {
            key: pa.array(list(mapping), pa.string()),
            "cluster_id": pa.array(list(mapping.values()), pa.string()),
        }
    )


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


def _existing_clusters(catalog: Catalog, ids: Sequence[str]) -> dict[str, int]:
    if not ids:
        return {}
    ids_table(catalog.con, "dd_sizes", ids)
    rows = catalog.con.execute(
        "SELECT cluster_id, member_count FROM clusters "
        "WHERE cluster_id IN (SELECT id FROM dd_sizes)"
    ).fetchall()
    catalog.con.execute("DROP TABLE dd_sizes")
    return {cid: int(size) for cid, size in rows}


def _taken_ids(catalog: Catalog, ids: Sequence[str]) -> set[str]:
    """Which of ``ids`` name a cluster already, live, tombstoned or retired."""
    table = pa.table({"cluster_id": pa.array(list(ids), pa.string())})
    catalog.con.register("dd_minted", table)
    try:
        rows = catalog.con.execute(
            "SELECT m.cluster_id FROM dd_minted m WHERE m.cluster_id IN "
            "(SELECT cluster_id FROM clusters) OR m.cluster_id IN "
            "(SELECT retired_id FROM merged_ids)"
        ).fetchall()
    finally:
        catalog.con.unregister("dd_minted")
    return {r[0] for r in rows}


def _new_cluster_id(catalog: Catalog, founder: str, taken: set[str]) -> str:
    """A fresh id for a new cluster.  ``taken`` holds the first-choice ids already in
    use (looked up for the whole run at once); other salts are checked one by one."""
    first = mint_cluster_id(founder, 0)
    if first not in taken:
        taken.add(first)
        return first
    for salt in range(1, 1000):
        cid = mint_cluster_id(founder, salt)
        if cid not in taken and not _taken_ids(catalog, [cid]):
            taken.add(cid)
            return cid
    raise RuntimeError(f"no free cluster id for {founder}")  # 1000 salts all taken


def write_clusters(
    catalog: Catalog,
    run_id: str,
    now: datetime,
    features: Features,
    scored: ScoredPairs,
    settings: MatchSettings,
    groups: list[list[int]],
    universe: Universe,
    forced: set[tuple[int, int]],
    counts: DedupeCounts,
) -> None:
    con = catalog.con
    root_of = [0] * len(features)
    for g in groups:
        for m in g:
            root_of[m] = g[0]
    best = _best_edges(scored, settings, root_of)
    old = universe.old_cluster
    sizes = _existing_clusters(
        catalog, sorted(set(old.values()) | set(universe.dirty_old.values()))
    )
    member_rows: list[dict[str, Any]] = []
    assignments: dict[str, str] = {}
    relabel: dict[str, str] = {}
    # A changed record that ends up without its old companions keeps its old cluster id
    # when nobody else carries it on: editing a record must not renumber its work.
    claimed = set(old.values())
    dirty_members: dict[str, list[str]] = {}
    for rid, cid in universe.dirty_old.items():
        dirty_members.setdefault(cid, []).append(rid)
    founders = [min(universe.ids[m] for m in g) for g in groups]
    taken = _taken_ids(catalog, [mint_cluster_id(f, 0) for f in founders])

    def claim_order(group: list[int]) -> tuple[bool, int]:
        """Groups that carry kept members come first; then, when a cluster splits, the
        group with the most unedited former members claims its id, so the work that did
        not change keeps its number and the edited record is the one that leaves."""
        ids = [universe.ids[m] for m in group]
        unedited = sum(1 for i in ids if i in universe.dirty_old and i not in universe.edited)
        return (not any(i in old for i in ids), -unedited)

    for group in sorted(groups, key=claim_order):
        ids = [universe.ids[m] for m in group]
        previous = sorted({old[i] for i in ids if i in old}, key=lambda c: (-sizes.get(c, 0), c))
        reusable = sorted(
            {universe.dirty_old[i] for i in ids if i in universe.dirty_old} - claimed,
            key=lambda c: (-sizes.get(c, 0), c),
        )
        if previous:
            cid = previous[0]
            for retired in previous[1:]:
                _retire(catalog, retired, cid, run_id, now)
                counts.clusters_merged += 1
        elif reusable:
            cid = reusable[0]
            claimed.add(cid)
            # old clusters whose every member is now in this one were merged into it
            members = set(ids)
            for merged in reusable[1:]:
                if all(r in members for r in dirty_members[merged]):
                    claimed.add(merged)
                    _retire(catalog, merged, cid, run_id, now)
                    counts.clusters_merged += 1
        else:
            cid = _new_cluster_id(catalog, min(ids), taken)
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
            assignments[rid] = cid
            if rid in old:
                # moved only because its cluster joined this one: its evidence still holds
                relabel[rid] = cid
                continue
            n = best.get(m)
            if n is not None:
                other = int(scored.b[n]) if int(scored.a[n]) == m else int(scored.a[n])
                score: float | None = float(scored.weight[n])
                matched_to: str | None = universe.ids[other]
                reasons = pair_reasons(features, scored, n, settings)
            elif len(group) > 1 and any((min(m, o), max(m, o)) in forced for o in group):
                score, matched_to, reasons = None, None, ["accepted by a cataloger"]
            elif len(group) > 1:
                score, matched_to, reasons = None, None, ["in the cluster before this run"]
            else:
                score, matched_to, reasons = None, None, ["no match found"]
            member_rows.append(
                {
                    "record_id": rid,
                    "cluster_id": cid,
                    "source": features.sources[m],
                    "medium": features.medium[m],
                    "score": score,
                    "matched_to": matched_to,
                    "reasons": reasons,
                    "run_id": run_id,
                    "updated_at": now,
                }
            )
    if relabel:
        con.register("dd_relabel", id_map_table(relabel))
        con.execute(
            "UPDATE cluster_members SET cluster_id = r.cluster_id, run_id = ?, updated_at = ? "
            "FROM dd_relabel r WHERE cluster_members.record_id = r.id",
            [run_id, now],
        )
        con.unregister("dd_relabel")
    if assignments:
        table = pa.Table.from_pylist(member_rows, schema=MEMBER_SCHEMA)
        con.register("dd_members", table)
        con.execute(
            "DELETE FROM cluster_members WHERE record_id IN (SELECT record_id FROM dd_members)"
        )
        con.execute(
            "INSERT INTO cluster_members SELECT record_id, cluster_id, source, medium, score, "
            "matched_to, reasons, run_id, updated_at FROM dd_members"
        )
        con.unregister("dd_members")
        con.register("dd_assigned", id_map_table(assignments))
        con.execute(
            "UPDATE records SET cluster_id = a.cluster_id, updated_at = ?, run_id = ? "
            "FROM dd_assigned a WHERE records.id = a.id "
            "AND records.cluster_id IS DISTINCT FROM a.cluster_id",
            [now, run_id],
        )
        con.unregister("dd_assigned")
    affected = sorted(set(assignments.values()))
    refresh_cluster_records(catalog, affected, run_id, now)


def _retire(catalog: Catalog, retired: str, into: str, run_id: str, now: datetime) -> None:
    con = catalog.con
    con.execute("UPDATE merged_ids SET into_id = ? WHERE into_id = ?", [into, retired])
    con.execute(
        "INSERT OR REPLACE INTO merged_ids VALUES (?, ?, ?, ?)", [retired, into, run_id, now]
    )
    con.execute("DELETE FROM clusters WHERE cluster_id = ?", [retired])
    con.execute(
        'INSERT INTO changes (op, id, source, run_id, "at", entity) '
        "VALUES ('merge', ?, NULL, ?, ?, 'cluster')",
        [retired, run_id, now],
    )


def retire_emptied(
    catalog: Catalog,
    run_id: str,
    now: datetime,
    dirty_old: dict[str, str],
    counts: DedupeCounts,
) -> None:
    """Clusters that lost members: recompute their record if any are left; retire them
    into the cluster their records all moved to (a merge, for downstream systems); make
    a tombstone of those whose records were deleted or went separate ways."""
    clusters = set(dirty_old.values())
    if not clusters:
        return
    con = catalog.con
    ids_table(con, "dd_left", clusters)
    con.register("dd_formerly", id_map_table(dirty_old, key="record_id"))
    try:
        emptied = [
            r[0]
            for r in con.execute(
                "SELECT id FROM dd_left "
                "WHERE id NOT IN (SELECT cluster_id FROM cluster_members) "
                "AND id NOT IN (SELECT retired_id FROM merged_ids) ORDER BY id"
            ).fetchall()
        ]
        moved = dict(
            con.execute(
                "SELECT f.cluster_id, any_value(m.cluster_id) FROM dd_formerly f "
                "JOIN cluster_members m ON m.record_id = f.record_id "
                "WHERE f.cluster_id IN (SELECT unnest(?::VARCHAR[])) "
                "GROUP BY f.cluster_id HAVING count(DISTINCT m.cluster_id) = 1",
                [emptied],
            ).fetchall()
        )
        shrunk = [
            r[0]
            for r in con.execute(
                "SELECT DISTINCT cluster_id FROM cluster_members "
                "WHERE cluster_id IN (SELECT id FROM dd_left)"
            ).fetchall()
        ]
    finally:
        con.unregister("dd_formerly")
        con.execute("DROP TABLE IF EXISTS dd_left")
    gone = [cid for cid in emptied if cid not in moved]
    for cid in emptied:
        if cid in moved:
            _retire(catalog, cid, moved[cid], run_id, now)
            counts.clusters_merged += 1
    if gone:
        counts.clusters_deleted += len(gone)
        ids_table(con, "dd_gone", gone)
        con.execute(
            "UPDATE clusters SET deleted = true, member_count = 0, members = [], "
            "updated_at = ?, run_id = ? WHERE cluster_id IN (SELECT id FROM dd_gone) "
            "AND NOT deleted",
            [now, run_id],
        )
        con.execute(
            'INSERT INTO changes (op, id, source, run_id, "at", entity) '
            "SELECT 'delete', id, NULL, ?, ?, 'cluster' FROM dd_gone ORDER BY id",
            [run_id, now],
        )
        con.execute("DROP TABLE dd_gone")
    refresh_cluster_records(catalog, shrunk, run_id, now)


_MERGE_COLUMNS = (
    "id", "medium", "type", "title", "subtitle", "contributors", "publisher", "place", "year",
    "edition", "language", "page_count", "identifiers",
)  # fmt: skip


_CLUSTER_BOOKKEEPING = frozenset({"updated_at", "run_id"})


def refresh_cluster_records(
    catalog: Catalog, cluster_ids: Sequence[str], run_id: str, now: datetime
) -> None:
    """Recompute the merged record of each cluster from its members."""
    if not cluster_ids:
        return
    con = catalog.con
    cols = ", ".join(f'r."{c}"' for c in _MERGE_COLUMNS)
    ids_table(con, "dd_refresh", cluster_ids)
    rows = catalog.query_arrow(
        f"SELECT m.cluster_id AS _cluster, {cols} FROM cluster_members m "
        "JOIN records r ON r.id = m.record_id "
        "WHERE m.cluster_id IN (SELECT id FROM dd_refresh) ORDER BY m.cluster_id, r.id"
    ).to_pylist()
    con.execute("DROP TABLE dd_refresh")
    by_cluster: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        by_cluster.setdefault(r.pop("_cluster"), []).append(r)
    out: list[dict[str, Any]] = []
    for cid, members in by_cluster.items():
        merged = merge_cluster(cid, members)
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
                "updated_at": now,
                "run_id": run_id,
            }
        )
    if not out:
        return
    table = pa.Table.from_pylist(out, schema=CLUSTER_ARROW_SCHEMA)
    con.register("dd_clusters", table)
    # Only clusters whose merged record really changed are written and logged: a cluster
    # refreshed twice in one run, or again by a full rerun, is one change or none.
    content = [f.name for f in CLUSTER_ARROW_SCHEMA if f.name not in _CLUSTER_BOOKKEEPING]
    new = ", ".join(f'd."{c}"' for c in content)
    old = ", ".join(f'c."{c}"' for c in content)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE dd_changed AS SELECT d.* FROM dd_clusters d "
        "LEFT JOIN clusters c ON c.cluster_id = d.cluster_id "
        f"WHERE c.cluster_id IS NULL OR row({old}) IS DISTINCT FROM row({new})"
    )
    con.unregister("dd_clusters")
    con.execute("DELETE FROM clusters WHERE cluster_id IN (SELECT cluster_id FROM dd_changed)")
    con.execute("INSERT INTO clusters SELECT * FROM dd_changed")
    con.execute(
        'INSERT INTO changes (op, id, source, run_id, "at", entity) '
        "SELECT 'upsert', cluster_id, NULL, ?, ?, 'cluster' FROM dd_changed ORDER BY cluster_id",
        [run_id, now],
    )
    con.execute("DROP TABLE dd_changed")


def write_review(
    catalog: Catalog,
    run_id: str,
    now: datetime,
    features: Features,
    scored: ScoredPairs,
    settings: MatchSettings,
    clustering: Any,
    counts: DedupeCounts,
) -> None:
    """Borderline pairs left apart go to the review list, unless already decided."""
    rows = []
    for n in np.flatnonzero(scored.borderline(settings)).tolist():
        a, b = int(scored.a[n]), int(scored.b[n])
        if clustering.find(a) == clustering.find(b):
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
    con = catalog.con
    if rows:
        con.register("dd_review", pa.Table.from_pylist(rows))
        con.execute(
            "INSERT OR IGNORE INTO match_review SELECT record_a, record_b, weight, reasons, "
            "'open', NULL, NULL, true, ?, ? FROM dd_review",
            [run_id, now],
        )
        con.unregister("dd_review")
    row = first_row(con.execute("SELECT count(*) FROM match_review WHERE status = 'open'"))
    counts.review_open = int(row[0]) if row else 0
