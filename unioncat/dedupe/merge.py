"""The cluster record: each field from the member that describes it best, with provenance.

Members are ranked by how complete their description is (a full MARC record beats a
vendor stub), then by medium (print descriptions are usually the cataloged ones), then
by id so that the choice is stable.  Every merged field names the member it came from,
so a cataloger who doubts a value knows which record to fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# The fields a cluster record carries (the columns of the ``clusters`` table).
MERGED_FIELDS = (
    "type", "title", "subtitle", "contributors", "publisher", "place", "year", "edition",
    "language", "page_count",
)  # fmt: skip
_MEDIUM_RANK = {
    "print": 0, "electronic": 1, "microform": 2, "audio": 3, "video": 4, "projected": 5,
    "other": 6, "unknown": 7,
}  # fmt: skip


@dataclass(slots=True)
class ClusterRecord:
    cluster_id: str
    members: list[str]
    media: list[str]
    fields: dict[str, Any] = field(default_factory=dict)
    identifiers: list[str] = field(default_factory=list)
    provenance: dict[str, str] = field(default_factory=dict)


def _filled(value: Any) -> bool:
    return value not in (None, "", [], {}) and value != "other"


def _completeness(row: Mapping[str, Any]) -> int:
    return sum(1 for name in MERGED_FIELDS if _filled(row.get(name)))


def merge_cluster(cluster_id: str, rows: Sequence[Mapping[str, Any]]) -> ClusterRecord:
    ranked = sorted(
        rows,
        key=lambda r: (
            -_completeness(r),
            _MEDIUM_RANK.get(r.get("medium") or "unknown", len(_MEDIUM_RANK)),
            r["id"],
        ),
    )
    out = ClusterRecord(
        cluster_id=cluster_id,
        members=sorted(r["id"] for r in rows),
        media=sorted({r.get("medium") or "unknown" for r in rows}),
    )
    for name in MERGED_FIELDS:
        for row in ranked:
            value = row.get(name)
            if _filled(value):
                out.fields[name] = value
                out.provenance[name] = row["id"]
                break
    seen: set[str] = set()
    for row in ranked:
        for ident in row.get("identifiers") or []:
            key = f"{ident['scheme']}:{ident['value']}"
            if key not in seen:
                seen.add(key)
                out.identifiers.append(key)
                out.provenance[f"identifier {key}"] = row["id"]
    return out
