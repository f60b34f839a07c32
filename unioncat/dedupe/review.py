"""The cataloger's side of dedupe: explain a cluster, list and decide borderline pairs.

Decisions are kept in ``match_review`` and win over the matcher on every later run:
an accepted pair is joined before any scored pair, a rejected pair is never joined,
directly or through a chain.  Deciding only records the decision; the next
``unioncat dedupe`` (or ``run``) applies it, so the change lands in one transaction
with the clusters it touches.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from unioncat.catalog.store import Catalog
from unioncat.errors import ConfigError

DECISIONS = {"accept": "accepted", "reject": "rejected"}


def resolve_cluster(catalog: Catalog, cluster_id: str) -> tuple[str, str | None] | None:
    """(current id, retired id asked for) of a cluster id that may have been merged away."""
    if not catalog.has_table("clusters"):
        return None
    row = catalog.query("SELECT into_id FROM merged_ids WHERE retired_id = ?", [cluster_id])
    if row:
        return str(row[0][0]), cluster_id
    if catalog.query("SELECT 1 FROM clusters WHERE cluster_id = ?", [cluster_id]):
        return cluster_id, None
    return None


def explain_cluster(catalog: Catalog, cluster_id: str) -> dict[str, Any] | None:
    resolved = resolve_cluster(catalog, cluster_id)
    if resolved is None:
        return None
    current, retired = resolved
    head = catalog.query_arrow(
        "SELECT * FROM clusters WHERE cluster_id = ?", [current]
    ).to_pylist()[0]
    members = catalog.query(
        "SELECT m.record_id, m.source, m.medium, r.type, r.title, r.year, m.score, "
        "m.matched_to, m.reasons FROM cluster_members m JOIN records r ON r.id = m.record_id "
        "WHERE m.cluster_id = ? ORDER BY m.score DESC NULLS LAST, m.record_id",
        [current],
    )
    retired_ids = [
        r[0] for r in catalog.query(
            "SELECT retired_id FROM merged_ids WHERE into_id = ? ORDER BY retired_id", [current]
        )
    ]  # fmt: skip
    out: dict[str, Any] = {
        "cluster_id": current,
        "deleted": head["deleted"],
        "merged": {k: head[k] for k in ("type", "title", "subtitle", "contributors",
                                        "publisher", "place", "year", "edition", "language",
                                        "page_count", "identifiers") if head.get(k)},
        "provenance": dict(head["provenance"] or []),
        "media": head["media"],
        "members": [
            {
                "id": m[0], "source": m[1], "medium": m[2], "type": m[3], "title": m[4],
                "year": m[5], "score": m[6], "matched_to": m[7], "reasons": m[8],
            }
            for m in members
        ],
        "retired_ids": retired_ids,
    }  # fmt: skip
    if retired:
        out["asked_for"] = f"{retired} (merged into {current})"
    return out


def open_pairs(catalog: Catalog, limit: int) -> list[dict[str, Any]]:
    if not catalog.has_table("match_review"):
        return []
    rows = catalog.query(
        "SELECT v.record_a, v.record_b, v.weight, v.reasons, a.title, a.source, a.medium, "
        "b.title, b.source, b.medium FROM match_review v "
        "JOIN records a ON a.id = v.record_a JOIN records b ON b.id = v.record_b "
        "WHERE v.status = 'open' ORDER BY v.weight DESC, v.record_a, v.record_b LIMIT ?",
        [limit],
    )
    return [
        {
            "record_a": r[0], "record_b": r[1], "weight": round(float(r[2]), 2),
            "reasons": r[3], "a": f"{r[4]} [{r[5]}, {r[6]}]", "b": f"{r[7]} [{r[8]}, {r[9]}]",
        }
        for r in rows
    ]  # fmt: skip


def decide(catalog: Catalog, record_a: str, record_b: str, decision: str, note: str | None) -> str:
    """Record a decision on a pair (listed for review or not); returns a one-line summary."""
    status = DECISIONS.get(decision)
    if status is None:
        raise ConfigError(f"review: unknown decision {decision!r}; use accept or reject")
    x, y = sorted((record_a, record_b))
    if x == y:
        raise ConfigError("review: a record cannot be paired with itself")
    for rid in (x, y):
        if not catalog.query("SELECT 1 FROM records WHERE id = ? AND NOT deleted", [rid]):
            raise ConfigError(
                f"review: no live record {rid!r}", hint="ids are shown by `unioncat review`"
            )
    now = datetime.now(UTC)
    catalog.con.execute(
        "INSERT INTO match_review (record_a, record_b, status, note, decided_at, applied, "
        "created_at) VALUES (?, ?, ?, ?, ?, false, ?) ON CONFLICT (record_a, record_b) DO "
        "UPDATE SET status = excluded.status, note = excluded.note, "
        "decided_at = excluded.decided_at, applied = false",
        [x, y, status, note, now, now],
    )
    return f"{x} and {y}: {status}; applied by the next `unioncat dedupe` or `unioncat run`"
