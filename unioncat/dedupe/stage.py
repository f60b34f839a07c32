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

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa

from unioncat.catalog.store import Catalog, first_row
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
from unioncat.dedupe.matcher import edges_of, slots, vetoed_pairs
from unioncat.dedupe.persist import (
    DedupeCounts,
    Universe,
    ids_table,
    retire_emptied,
    write_clusters,
    write_review,
)
from unioncat.dedupe.scoring import ChainGuard, score_pairs
from unioncat.dedupe.settings import MatchSettings
from unioncat.gc_pause import gc_paused
from unioncat.log import event

WATERMARK_KEY = "dedupe_changes_seq"


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
    row = first_row(con.execute("SELECT value FROM catalog_meta WHERE key = ?", [WATERMARK_KEY]))
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
    ids_table(con, "dd_dirty", dirty)
    edited = frozenset(dirty)
    # The other members of a cluster that a changed record is in are matched again with
    # it: the record may have been the only bridge between them, and nightly runs must
    # agree with a full run.  Their cluster ids survive through the rules of persist.
    con.execute(
        "INSERT INTO dd_dirty SELECT DISTINCT m.record_id FROM cluster_members m "
        "WHERE m.cluster_id IN (SELECT cluster_id FROM cluster_members "
        "WHERE record_id IN (SELECT id FROM dd_dirty)) "
        "AND m.record_id NOT IN (SELECT id FROM dd_dirty)"
    )
    dirty_old = _leave_clusters(catalog, "dd_dirty")
    con.execute("DELETE FROM match_keys WHERE record_id IN (SELECT id FROM dd_dirty)")
    # a tombstone belongs to no cluster; its cluster's own change says it left
    con.execute(
        "UPDATE records SET cluster_id = NULL WHERE deleted AND cluster_id IS NOT NULL "
        "AND id IN (SELECT id FROM dd_dirty)"
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
               dirty_features, dirty_position, edited)  # fmt: skip
    # Parts whose host moved to another cluster this run are matched again with the
    # changed parts: chapters of books that joined (or left) a work follow their books.
    follow = _parts_of_moved_hosts(catalog, run_id, parts)
    if follow:
        ids_table(con, "dd_follow", follow)
        dirty_old.update(_leave_clusters(catalog, "dd_follow"))
        extra = build_features(from_row(r) for r in _rows(catalog, "dd_follow", ROW_COLUMNS))
        dirty_features = concat_features(dirty_features, extra)
        dirty_position = {rid: n for n, rid in enumerate(dirty_features.ids)}
        con.execute("DROP TABLE dd_follow")
    part_ids = sorted(parts | set(follow))
    if part_ids:
        _round(catalog, run_id, settings, now, counts, part_ids, set(), dirty_old,
               dirty_features, dirty_position, edited)  # fmt: skip
    retire_emptied(catalog, run_id, now, dirty_old, counts)
    con.execute("UPDATE match_review SET applied = true WHERE NOT applied")
    top = first_row(con.execute("SELECT coalesce(max(seq), 0) FROM changes"))
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


def _leave_clusters(catalog: Catalog, table: str) -> dict[str, str]:
    """Take the records listed in temp table ``table`` out of their clusters (and their
    open review pairs) to match them again; returns which cluster each was in."""
    con = catalog.con
    where = dict(
        con.execute(
            "SELECT record_id, cluster_id FROM cluster_members "
            f"WHERE record_id IN (SELECT id FROM {table})"
        ).fetchall()
    )
    con.execute(f"DELETE FROM cluster_members WHERE record_id IN (SELECT id FROM {table})")
    con.execute(
        "DELETE FROM match_review WHERE status = 'open' AND "
        f"(record_a IN (SELECT id FROM {table}) OR record_b IN (SELECT id FROM {table}))"
    )
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
    edited: frozenset[str],
) -> None:
    """Match ``round_ids`` (changed records, keys already posted) against everyone but
    ``skip`` (changed records left for a later round) and update their clusters."""
    con = catalog.con
    ids_table(con, "dd_round", round_ids)
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
    ids_table(con, "dd_partners", partners)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE dd_touched AS SELECT DISTINCT cluster_id FROM "
        "cluster_members WHERE record_id IN (SELECT id FROM dd_partners)"
    )
    # the clusters these records leave are loaded too: their other members stay together
    ids_table(con, "dd_round_left", {dirty_old[i] for i in round_ids if i in dirty_old})
    kept = con.execute(
        "SELECT record_id, cluster_id FROM cluster_members WHERE cluster_id IN "
        "(SELECT cluster_id FROM dd_touched) OR cluster_id IN (SELECT id FROM dd_round_left) "
        "ORDER BY cluster_id, record_id"
    ).fetchall()
    # The universe: this round's changed records (folded once, before the rounds), then
    # the members of every cluster they may join or leave, folded now.
    universe = Universe()
    round_set = set(round_ids)
    ids_table(con, "dd_universe", [r[0] for r in kept if r[0] not in round_set])
    extra = build_features(from_row(r) for r in _rows(catalog, "dd_universe", ROW_COLUMNS))
    mine = [dirty_position[i] for i in round_ids]
    features = concat_features(take_features(dirty_features, mine), extra)
    _with_host_clusters(catalog, features)
    for n, rid in enumerate(features.ids):
        universe.ids.append(rid)
        universe.position[rid] = n
    universe.old_cluster = {rid: cid for rid, cid in kept}
    universe.dirty_old = dirty_old
    universe.edited = edited

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
        forbids=ChainGuard(features, settings),
    )  # fmt: skip
    write_clusters(catalog, run_id, now, features, scored, settings, clustering.groups(),
                    universe, set(forced), counts)  # fmt: skip
    write_review(catalog, run_id, now, features, scored, settings, clustering, counts)


def _with_host_clusters(catalog: Catalog, features: Features) -> None:
    """Give each part its host's cluster as host key: two chapters are in one book when
    their books (print and e-book, say) are one cluster, whatever their record ids."""
    hosts = sorted({h for h in features.host_id if h})
    if not hosts:
        return
    ids_table(catalog.con, "dd_hosts", hosts)
    clusters = dict(
        catalog.query(
            "SELECT record_id, cluster_id FROM cluster_members "
            "WHERE record_id IN (SELECT id FROM dd_hosts)"
        )
    )
    for n, host in enumerate(features.host_id):
        if host in clusters:
            features.host_key[n] = clusters[host]
