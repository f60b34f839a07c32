"""The dedupe stage over the catalog: incremental, stable, one transaction.

Only records changed since the last dedupe (the ``changes`` log past a watermark kept
in ``catalog_meta``) are matched again.  They leave their clusters, post their keys,
and probe everyone's keys; their candidates' clusters are loaded whole and kept
together, so an existing cluster only ever grows, joins another or loses a record that
changed.  A cluster keeps its id as it grows; when two join, the larger keeps its id and
the other is recorded in ``merged_ids`` (and as a ``merge`` change) for downstream
systems.  Cataloger decisions in ``match_review`` win over the matcher.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from unioncat.catalog.store import Catalog
from unioncat.catalog.tables import CLUSTER_ARROW_SCHEMA
from unioncat.dedupe.blocking import candidate_sql, keys_table
from unioncat.dedupe.cluster import cluster
from unioncat.dedupe.features import (
    PART_TYPES,
    ROW_COLUMNS,
    Features,
    build_features,
    concat_features,
    from_row,
    take_features,
)
from unioncat.dedupe.matcher import edges_of, gc_paused, slots, vetoed_pairs
from unioncat.dedupe.merge import merge_cluster
from unioncat.dedupe.scoring import ChainGuard, ScoredPairs, pair_reasons, score_pairs
from unioncat.dedupe.settings import MatchSettings
from unioncat.ids import ID_PREFIX
from unioncat.log import event

WATERMARK_KEY = "dedupe_changes_seq"
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
class _Universe:
    """The records this run looks at, by position, with their current clusters."""

    ids: list[str] = field(default_factory=list)
    position: dict[str, int] = field(default_factory=dict)
    old_cluster: dict[str, str] = field(default_factory=dict)  # members kept together
    dirty_old: dict[str, str] = field(default_factory=dict)  # where changed records were


def mint_cluster_id(record_id: str, salt: int = 0) -> str:
    """A new cluster's id, from the record that founded it."""
    digest = hashlib.blake2b(f"work\x1f{record_id}\x1f{salt}".encode(), digest_size=10)
    return f"{CLUSTER_PREFIX}-{digest.hexdigest()}"


def _ids_table(con: Any, name: str, ids: Iterable[str]) -> None:
    con.execute(f"CREATE OR REPLACE TEMP TABLE {name} (id VARCHAR PRIMARY KEY)")
    table = pa.table({"id": pa.array(sorted(set(ids)), pa.string())})
    con.register("_ids_in", table)
    con.execute(f"INSERT INTO {name} SELECT id FROM _ids_in")
    con.unregister("_ids_in")


def _rows(catalog: Catalog, where_ids: str, columns: Sequence[str]) -> list[dict[str, Any]]:
    cols = ", ".join(f'"{c}"' for c in columns)
    rows: list[dict[str, Any]] = catalog.query_arrow(
        f"SELECT {cols} FROM records WHERE NOT deleted AND id IN (SELECT id FROM {where_ids}) "
        "ORDER BY id"
    ).to_pylist()
    return rows


def dedupe_catalog(
    catalog: Catalog, run_id: str, settings: MatchSettings, *, full: bool = False
) -> DedupeCounts:
    """Bring clusters up to date with the records; returns what changed."""
    con = catalog.con
    now = datetime.now(UTC)
    counts = DedupeCounts()
    con.execute("BEGIN TRANSACTION")
    try:
        with gc_paused():
            _dedupe(catalog, run_id, settings, full, now, counts)
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    event("dedupe.done", f"dedupe: {json.dumps(counts.as_dict())}", run_id=run_id)
    return counts


def _dedupe(
    catalog: Catalog,
    run_id: str,
    settings: MatchSettings,
    full: bool,
    now: datetime,
    counts: DedupeCounts,
) -> None:
    con = catalog.con
    row = con.execute("SELECT value FROM catalog_meta WHERE key = ?", [WATERMARK_KEY]).fetchone()
    watermark = 0 if full or row is None else int(row[0])
    # Records changed since the watermark, and live records never clustered (a catalog
    # built before dedupe ran, or a run interrupted before this stage).
    dirty = [
        r[0]
        for r in con.execute(
            "SELECT DISTINCT id FROM changes WHERE seq > ? AND entity = 'record' "
            "UNION SELECT id FROM records WHERE NOT deleted "
            "AND id NOT IN (SELECT record_id FROM cluster_members) "
            # a cataloger's new decision re-matches both records
            "UNION SELECT record_a FROM match_review WHERE NOT applied "
            "UNION SELECT record_b FROM match_review WHERE NOT applied",
            [watermark],
        ).fetchall()
    ]
    _ids_table(con, "dd_dirty", dirty)
    dirty_old = dict(
        con.execute(
            "SELECT record_id, cluster_id FROM cluster_members "
            "WHERE record_id IN (SELECT id FROM dd_dirty)"
        ).fetchall()
    )
    con.execute("DELETE FROM cluster_members WHERE record_id IN (SELECT id FROM dd_dirty)")
    con.execute("DELETE FROM match_keys WHERE record_id IN (SELECT id FROM dd_dirty)")
    # a tombstone belongs to no cluster; its cluster's own change says it left
    con.execute(
        "UPDATE records SET cluster_id = NULL WHERE deleted AND cluster_id IS NOT NULL "
        "AND id IN (SELECT id FROM dd_dirty)"
    )
    con.execute(
        "DELETE FROM match_review WHERE status = 'open' AND (record_a IN (SELECT id FROM "
        "dd_dirty) OR record_b IN (SELECT id FROM dd_dirty))"
    )

    dirty_rows = _rows(catalog, "dd_dirty", ROW_COLUMNS)
    counts.records = len(dirty_rows)
    dirty_features = build_features(from_row(r) for r in dirty_rows)
    dirty_position = {rid: n for n, rid in enumerate(dirty_features.ids)}
    keys = keys_table(dirty_features)
    id_of = pa.array(dirty_features.ids, pa.string())
    posted = pa.table(
        {
            "record_id": id_of.take(keys.column("rid")),
            "key": keys.column("key"),
            "kind": keys.column("kind"),
        }
    )
    con.register("dd_posted", posted)
    con.execute("INSERT INTO match_keys SELECT record_id, key, kind FROM dd_posted")
    con.unregister("dd_posted")

    # Whole records first, then parts (chapters, articles): a part matches another when
    # their hosts are in one cluster, so the hosts' clusters must be known first.
    parts = {
        r["id"] for r in dirty_rows
        if r.get("type") in PART_TYPES and (r.get("host") or {}).get("id")
    }  # fmt: skip
    wholes = [r["id"] for r in dirty_rows if r["id"] not in parts]
    if wholes:
        _round(catalog, run_id, settings, now, counts, wholes, parts, dirty_old,
               dirty_features, dirty_position)  # fmt: skip
    # Parts whose host moved to another cluster this run are matched again with the
    # changed parts: chapters of books that joined (or left) a work follow their books.
    follow = _parts_of_moved_hosts(catalog, run_id, parts)
    if follow:
        dirty_old.update(_leave_clusters(catalog, follow))
        _ids_table(con, "dd_follow", follow)
        extra = build_features(from_row(r) for r in _rows(catalog, "dd_follow", ROW_COLUMNS))
        dirty_features = concat_features(dirty_features, extra)
        dirty_position = {rid: n for n, rid in enumerate(dirty_features.ids)}
        con.execute("DROP TABLE dd_follow")
    part_ids = sorted(parts | set(follow))
    if part_ids:
        _round(catalog, run_id, settings, now, counts, part_ids, set(), dirty_old,
               dirty_features, dirty_position)  # fmt: skip
    _retire_emptied(catalog, run_id, now, dirty_old, counts)
    con.execute("UPDATE match_review SET applied = true WHERE NOT applied")
    top = con.execute("SELECT coalesce(max(seq), 0) FROM changes").fetchone()
    con.execute(
        "INSERT OR REPLACE INTO catalog_meta VALUES (?, ?)",
        [WATERMARK_KEY, str(top[0] if top else 0)],
    )
    for name in ("dd_dirty", "dd_round", "dd_partners", "dd_touched", "dd_universe",
                 "dd_round_left", "dd_hosts"):  # fmt: skip
        con.execute(f"DROP TABLE IF EXISTS {name}")


def _parts_of_moved_hosts(catalog: Catalog, run_id: str, changed: set[str]) -> list[str]:
    """Live parts, not changed themselves, whose host's membership was written this run."""
    types = sorted(PART_TYPES)
    rows = catalog.query(
        "SELECT r.id FROM records r WHERE NOT r.deleted AND r.type IN (SELECT unnest(?)) "
        "AND struct_extract(r.host, 'id') IN "
        "(SELECT record_id FROM cluster_members WHERE run_id = ?) "
        "AND r.id IN (SELECT record_id FROM cluster_members) ORDER BY r.id",
        [types, run_id],
    )
    return [r[0] for r in rows if r[0] not in changed]


def _leave_clusters(catalog: Catalog, ids: Sequence[str]) -> dict[str, str]:
    """Take records out of their clusters to match them again; returns where they were."""
    con = catalog.con
    _ids_table(con, "dd_leaving", ids)
    where = dict(
        con.execute(
            "SELECT record_id, cluster_id FROM cluster_members "
            "WHERE record_id IN (SELECT id FROM dd_leaving)"
        ).fetchall()
    )
    con.execute("DELETE FROM cluster_members WHERE record_id IN (SELECT id FROM dd_leaving)")
    con.execute(
        "DELETE FROM match_review WHERE status = 'open' AND (record_a IN (SELECT id FROM "
        "dd_leaving) OR record_b IN (SELECT id FROM dd_leaving))"
    )
    con.execute("DROP TABLE dd_leaving")
    return where


def _round(
    catalog: Catalog,
    run_id: str,
    settings: MatchSettings,
    now: datetime,
    counts: DedupeCounts,
    round_ids: Sequence[str],
    skip: set[str],
    dirty_old: dict[str, str],
    dirty_features: Features,
    dirty_position: dict[str, int],
) -> None:
    """Match ``round_ids`` (changed records, keys already posted) against everyone but
    ``skip`` (changed records left for a later round) and update their clusters."""
    con = catalog.con
    _ids_table(con, "dd_round", round_ids)
    postings = "(SELECT record_id AS rid, key, kind FROM match_keys)"
    probes = (
        "(SELECT record_id AS rid, key, kind FROM match_keys "
        "WHERE record_id IN (SELECT id FROM dd_round))"
    )
    pairs = [
        p for p in con.execute(candidate_sql(postings, probes, settings)).fetchall()
        if p[0] not in skip and p[1] not in skip
    ]  # fmt: skip
    counts.candidate_pairs += len(pairs)
    event(
        "dedupe.candidates",
        f"dedupe: {len(round_ids)} changed records probed, {len(pairs)} candidate pairs",
        run_id=run_id,
    )

    decisions = con.execute(
        "SELECT record_a, record_b, status FROM match_review WHERE status IN "
        "('accepted', 'rejected') AND (record_a IN (SELECT id FROM dd_round) OR "
        "record_b IN (SELECT id FROM dd_round))"
    ).fetchall()
    decisions = [d for d in decisions if d[0] not in skip and d[1] not in skip]
    partners = {x for pair in pairs for x in pair[:2]} | {x for d in decisions for x in d[:2]}
    _ids_table(con, "dd_partners", partners)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE dd_touched AS SELECT DISTINCT cluster_id FROM "
        "cluster_members WHERE record_id IN (SELECT id FROM dd_partners)"
    )
    # the clusters these records leave are loaded too: their other members stay together
    _ids_table(con, "dd_round_left", {dirty_old[i] for i in round_ids if i in dirty_old})
    kept = con.execute(
        "SELECT record_id, cluster_id FROM cluster_members WHERE cluster_id IN "
        "(SELECT cluster_id FROM dd_touched) OR cluster_id IN (SELECT id FROM dd_round_left) "
        "ORDER BY cluster_id, record_id"
    ).fetchall()
    # The universe: this round's changed records (folded once, before the rounds), then
    # the members of every cluster they may join or leave, folded now.
    universe = _Universe()
    round_set = set(round_ids)
    _ids_table(con, "dd_universe", [r[0] for r in kept if r[0] not in round_set])
    extra = build_features(from_row(r) for r in _rows(catalog, "dd_universe", ROW_COLUMNS))
    mine = [dirty_position[i] for i in round_ids]
    features = concat_features(take_features(dirty_features, mine), extra)
    _with_host_clusters(catalog, features)
    for n, rid in enumerate(features.ids):
        universe.ids.append(rid)
        universe.position[rid] = n
    universe.old_cluster = {rid: cid for rid, cid in kept}
    universe.dirty_old = dirty_old

    pos = universe.position
    known = [
        (min(pos[x], pos[y]), max(pos[x], pos[y]), by_id)
        for x, y, by_id in pairs
        if x in pos and y in pos
    ]
    scored = score_pairs(
        features,
        [x for x, _, _ in known],
        [y for _, y, _ in known],
        settings,
        np.array([i for _, _, i in known], dtype=bool),
    )
    veto = vetoed_pairs(scored)
    decisions = [
        d
        for d in con.execute(
            "SELECT record_a, record_b, status FROM match_review WHERE status IN "
            "('accepted', 'rejected') AND (record_a IN (SELECT id FROM dd_round) OR "
            "record_a IN (SELECT id FROM dd_universe)) AND (record_b IN (SELECT id FROM "
            "dd_round) OR record_b IN (SELECT id FROM dd_universe))"
        ).fetchall()
        if d[0] not in skip and d[1] not in skip
    ]
    forced: list[tuple[int, int]] = []
    for x, y, status in decisions:
        if x in pos and y in pos:
            pair = (min(pos[x], pos[y]), max(pos[x], pos[y]))
            (forced.append(pair) if status == "accepted" else veto.add(pair))
    edges = [e for e in edges_of(scored, settings) if (e.a, e.b) not in veto]
    counts.matched_pairs += len(edges)
    event(
        "dedupe.scored",
        f"dedupe: {len(scored)} pairs scored, {len(edges)} matched, {len(veto)} vetoed",
        run_id=run_id,
    )

    start: dict[str, list[int]] = {}
    for rid, cid in kept:
        if rid in pos:
            start.setdefault(cid, []).append(pos[rid])
    clustering = cluster(
        slots(features), edges, vetoed=veto, forced=forced, start=list(start.values()),
        forbids=ChainGuard(features, veto, settings),
    )  # fmt: skip
    _write_clusters(catalog, run_id, now, features, scored, settings, clustering.groups(),
                    universe, set(forced), counts)  # fmt: skip
    _write_review(catalog, run_id, now, features, scored, settings, clustering, counts)


def _with_host_clusters(catalog: Catalog, features: Features) -> None:
    """Give each part its host's cluster as host key: two chapters are in one book when
    their books (print and e-book, say) are one cluster, whatever their record ids."""
    hosts = sorted({h for h in features.host_id if h})
    if not hosts:
        return
    _ids_table(catalog.con, "dd_hosts", hosts)
    clusters = dict(
        catalog.query(
            "SELECT record_id, cluster_id FROM cluster_members "
            "WHERE record_id IN (SELECT id FROM dd_hosts)"
        )
    )
    for n, host in enumerate(features.host_id):
        if host in clusters:
            features.host_key[n] = clusters[host]


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
    _ids_table(catalog.con, "dd_sizes", ids)
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


def _write_clusters(
    catalog: Catalog,
    run_id: str,
    now: datetime,
    features: Features,
    scored: ScoredPairs,
    settings: MatchSettings,
    groups: list[list[int]],
    universe: _Universe,
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
    for group in sorted(groups, key=lambda g: not any(universe.ids[m] in old for m in g)):
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
        moved = pa.table(
            {
                "id": pa.array(list(relabel), pa.string()),
                "cluster_id": pa.array(list(relabel.values()), pa.string()),
            }
        )
        con.register("dd_relabel", moved)
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
        assigned = pa.table(
            {
                "id": pa.array(list(assignments), pa.string()),
                "cluster_id": pa.array(list(assignments.values()), pa.string()),
            }
        )
        con.register("dd_assigned", assigned)
        con.execute(
            "UPDATE records SET cluster_id = a.cluster_id, updated_at = ?, run_id = ? "
            "FROM dd_assigned a WHERE records.id = a.id "
            "AND records.cluster_id IS DISTINCT FROM a.cluster_id",
            [now, run_id],
        )
        con.unregister("dd_assigned")
    affected = sorted(set(assignments.values()))
    _refresh_cluster_records(catalog, affected, run_id, now)


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


def _retire_emptied(
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
    _ids_table(con, "dd_left", clusters)
    formerly = pa.table(
        {
            "record_id": pa.array(list(dirty_old), pa.string()),
            "cluster_id": pa.array(list(dirty_old.values()), pa.string()),
        }
    )
    con.register("dd_formerly", formerly)
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
        _ids_table(con, "dd_gone", gone)
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
    _refresh_cluster_records(catalog, shrunk, run_id, now)


_MERGE_COLUMNS = (
    "id", "medium", "type", "title", "subtitle", "contributors", "publisher", "place", "year",
    "edition", "language", "page_count", "identifiers",
)  # fmt: skip


def _refresh_cluster_records(
    catalog: Catalog, cluster_ids: Sequence[str], run_id: str, now: datetime
) -> None:
    """Recompute the merged record of each cluster from its members."""
    if not cluster_ids:
        return
    con = catalog.con
    cols = ", ".join(f'r."{c}"' for c in _MERGE_COLUMNS)
    _ids_table(con, "dd_refresh", cluster_ids)
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
    con.execute("DELETE FROM clusters WHERE cluster_id IN (SELECT cluster_id FROM dd_clusters)")
    con.execute("INSERT INTO clusters SELECT * FROM dd_clusters")
    con.execute(
        'INSERT INTO changes (op, id, source, run_id, "at", entity) '
        "SELECT 'upsert', cluster_id, NULL, ?, ?, 'cluster' FROM dd_clusters ORDER BY cluster_id",
        [run_id, now],
    )
    con.unregister("dd_clusters")


def _write_review(
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
    row = con.execute("SELECT count(*) FROM match_review WHERE status = 'open'").fetchone()
    counts.review_open = int(row[0]) if row else 0
