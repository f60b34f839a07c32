"""What the provider serves, as the catalog holds it: records and clusters by datestamp.

An item is a record or a cluster (the merged record of one work), or the tombstone of
either: a deleted record, a cluster whose records all went, a cluster id retired into
another.  Lists are read in the order of (datestamp, id), the key a resumption token
carries, so a harvest that resumes while the catalog changes neither repeats nor skips
an item: one that changes moves to a later datestamp and is served again there, in its
new state.  Every statement is read-only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from unioncat.catalog import CLUSTERS_WITH_MEMBERS, RECORD_COLUMNS, Catalog

RECORDS, CLUSTERS = "records", "clusters"
# set families beside records and clusters: what a discovery layer loads selectively
SET_KINDS = ("source", "type", "medium")

_ITEMS = """
SELECT 'r' AS family, id, updated_at AS stamp, coalesce(deleted, false) AS deleted, source,
       type, CASE WHEN medium IS NULL THEN []::VARCHAR[] ELSE [medium] END AS media,
       rowid AS rid
FROM records
UNION ALL
SELECT 'c', cluster_id, updated_at, coalesce(deleted, false), NULL, type,
       coalesce(media, []::VARCHAR[]), rowid
FROM clusters
UNION ALL
SELECT 'c', m.retired_id, m."at", true, NULL, NULL, []::VARCHAR[], NULL
FROM merged_ids m
WHERE NOT EXISTS (SELECT 1 FROM clusters c WHERE c.cluster_id = m.retired_id)
"""


@dataclass(frozen=True, slots=True)
class Header:
    id: str  # the record or cluster id (the OAI identifier adds the repository's prefix)
    family: str  # RECORDS or CLUSTERS
    at: datetime  # the item's updated_at, to the microsecond (the key); served in seconds
    deleted: bool
    sets: tuple[str, ...]
    row: int | None = None  # where the catalog keeps it, for this reading only


@dataclass(frozen=True, slots=True)
class Selection:
    """Which items a list asks for: a set spec, and a window of datestamps (``until``
    exclusive, already moved to the second after the one asked)."""

    set_spec: str | None = None
    start: datetime | None = None
    end: datetime | None = None


# what a setSpec may be (the protocol's setSpecType); a value outside it names no set
SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")


@lru_cache(maxsize=4096)
def set_specs(
    family: str, source: str | None, type_: str | None, media: tuple[str, ...]
) -> tuple[str, ...]:
    specs = [RECORDS if family == "r" else CLUSTERS]
    if source:
        specs.append(f"source:{source}")
    if type_:
        specs.append(f"type:{type_}")
    specs.extend(f"medium:{m}" for m in media if m)
    return tuple(s for s in specs if SET_SPEC.match(s))


def _where(selection: Selection) -> tuple[str, list[Any]]:
    clauses: list[str] = []
    params: list[Any] = []
    spec = selection.set_spec
    if spec == RECORDS:
        clauses.append("family = 'r'")
    elif spec == CLUSTERS:
        clauses.append("family = 'c'")
    elif spec:
        kind, _, value = spec.partition(":")
        if kind == "source":
            clauses.append("source = ?")
        elif kind == "type":
            clauses.append("type = ?")
        else:  # medium
            clauses.append("list_contains(media, ?)")
        params.append(value)
    if selection.start is not None:
        clauses.append("stamp >= ?")
        params.append(selection.start)
    if selection.end is not None:
        clauses.append("stamp < ?")
        params.append(selection.end)
    return (" AND ".join(clauses) or "true"), params


class Items:
    """The catalog seen as OAI-PMH items; one per request, on a read-only catalog (or a
    cursor of the running writer's connection)."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def earliest(self) -> datetime | None:
        rows = self.catalog.query(f"SELECT min(stamp) FROM ({_ITEMS})")
        value = rows[0][0] if rows else None
        return value if isinstance(value, datetime) else None

    def page(
        self, selection: Selection, after: tuple[datetime, str] | None, limit: int
    ) -> list[Header]:
        """Up to ``limit`` headers after the key ``after``, in key order."""
        where, params = _where(selection)
        if after is not None:
            # the first conjunct is what the scans can skip row groups by
            where += " AND stamp >= ? AND (stamp > ? OR id > ?)"
            params += [after[0], after[0], after[1]]
        rows = self.catalog.query(
            f"SELECT family, id, stamp, deleted, source, type, media, rid FROM ({_ITEMS}) "
            f"WHERE {where} ORDER BY stamp, id LIMIT ?",
            [*params, limit],
        )
        return [_header(row) for row in rows]

    def count(self, selection: Selection) -> int:
        where, params = _where(selection)
        rows = self.catalog.query(f"SELECT count(*) FROM ({_ITEMS}) WHERE {where}", params)
        return int(rows[0][0]) if rows else 0

    def header(self, item_id: str) -> Header | None:
        rows = self.catalog.query(
            f"SELECT family, id, stamp, deleted, source, type, media, rid FROM ({_ITEMS}) "
            "WHERE id = ?",
            [item_id],
        )
        return _header(rows[0]) if rows else None

    def records(
        self, headers: Sequence[Header], columns: Sequence[str] | None = None
    ) -> dict[str, dict[str, Any]]:
        """The records of ``headers`` as the catalog holds them, field by field, or only
        ``columns`` of them (fetched by the row a page found them at: no scan)."""
        rows_of = [h.row for h in headers if h.row is not None]
        if not rows_of:
            return {}
        names = ["id", *(c for c in (columns or RECORD_COLUMNS) if c != "id")]
        cols = ", ".join(f'"{c}"' for c in names)
        rows = self.catalog.query(
            f"SELECT {cols} FROM records WHERE rowid IN (SELECT unnest(?::BIGINT[]))", [rows_of]
        )
        return {str(row[0]): dict(zip(names, row, strict=True)) for row in rows}

    def clusters(self, headers: Sequence[Header]) -> dict[str, dict[str, Any]]:
        """The merged records of ``headers``, each with its members (id, source, medium)."""
        rows_of = [h.row for h in headers if h.row is not None]
        if not rows_of:
            return {}
        rows = self.catalog.query(
            f"{CLUSTERS_WITH_MEMBERS} WHERE c.rowid IN (SELECT unnest(?::BIGINT[]))", [rows_of]
        )
        names = self._cluster_columns()
        return {str(row[0]): dict(zip(names, row, strict=True)) for row in rows}

    def retired_into(self, ids: Sequence[str]) -> dict[str, str]:
        if not ids:
            return {}
        rows = self.catalog.query(
            "SELECT retired_id, into_id FROM merged_ids WHERE list_contains(?, retired_id)",
            [list(ids)],
        )
        return {str(a): str(b) for a, b in rows}

    def set_values(self) -> dict[str, list[str]]:
        """The values each set family takes in the catalog now (sources, types, media)."""
        out: dict[str, list[str]] = {}
        for kind, sql in (
            ("source", "SELECT DISTINCT source FROM records WHERE source IS NOT NULL"),
            ("type", f"SELECT DISTINCT type FROM ({_ITEMS}) WHERE type IS NOT NULL"),
            ("medium", f"SELECT DISTINCT unnest(media) FROM ({_ITEMS})"),
        ):
            out[kind] = sorted(str(r[0]) for r in self.catalog.query(sql) if r[0])
        return out

    def _cluster_columns(self) -> list[str]:
        rows = self.catalog.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'clusters' "
            "ORDER BY ordinal_position"
        )
        return [str(r[0]) for r in rows] + ["member_rows"]


def _header(row: Sequence[Any]) -> Header:
    family, item_id, at, deleted, source, type_, media, where = row
    return Header(
        id=str(item_id),
        family=RECORDS if family == "r" else CLUSTERS,
        at=at,
        deleted=bool(deleted),
        sets=set_specs(str(family), source, type_, tuple(media or ())),
        row=None if where is None else int(where),
    )
