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

from unioncat.catalog import Catalog
from unioncat.errors import ConfigError

DECISIONS = {"accept": "accepted", "reject": "rejected"}
_MERGED_SHOWN = (
    "type", "title", "subtitle", "contributors", "publisher", "place", "year", "edition",
    "language", "page_count", "identifiers",
)  # fmt: skip


def resolve_cluster(catalog: Catalog, cluster_id: str) -> tuple[str, str | None] | None:
    """(current id, retired id asked for) of a cluster id that may have been merged away."""
    if not catalog.has_table("clusters"):
        return None
    return catalog.clusters.resolve(cluster_id)


def explain_cluster(catalog: Catalog, cluster_id: str) -> dict[str, Any] | None:
    resolved = resolve_cluster(catalog, cluster_id)
    if resolved is None:
        return None
    current, retired = resolved
    store = catalog.clusters
    head = store.cluster(current)
    out: dict[str, Any] = {
        "cluster_id": current,
        "deleted": head["deleted"],
        "merged": {k: head[k] for k in _MERGED_SHOWN if head.get(k)},
        "provenance": dict(head["provenance"] or []),
        "media": head["media"],
        "members": [
            {
                "id": m[0], "source": m[1], "medium": m[2], "type": m[3], "title": m[4],
                "year": m[5], "score": m[6], "matched_to": m[7], "reasons": m[8],
            }
            for m in store.members(current)
        ],
        "retired_ids": store.retired_into(current),
    }  # fmt: skip
    if retired:
        out["asked_for"] = f"{retired} (merged into {current})"
    return out


def open_pairs(catalog: Catalog, limit: int) -> list[dict[str, Any]]:
    if not catalog.has_table("match_review"):
        return []
    return [
        {
            "record_a": r[0], "record_b": r[1], "weight": round(float(r[2]), 2),
            "reasons": r[3], "a": f"{r[4]} [{r[5]}, {r[6]}]", "b": f"{r[7]} [{r[8]}, {r[9]}]",
        }
        for r in catalog.clusters.open_pairs(limit)
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
        if not catalog.clusters.is_live_record(rid):
            raise ConfigError(
                f"review: no live record {rid!r}", hint="ids are shown by `unioncat review`"
            )
    catalog.clusters.record_decision(x, y, status, note, datetime.now(UTC))
    return f"{x} and {y}: {status}; applied by the next `unioncat dedupe` or `unioncat run`"
