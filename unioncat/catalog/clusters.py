"""The cluster store: the catalog's side of dedupe.

It owns the tables the dedupe stage reads and writes (``clusters``,
``cluster_members``, ``merged_ids``, ``match_keys``, ``match_review`` and
``records.cluster_id``) and every statement on them.  The dedupe stage works out what
should change, without a database (:mod:`unioncat.dedupe.plan`), and hands it here as a
:class:`ClusterPlan`; the store writes it inside the stage's one transaction.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from unioncat.catalog.db import Db
from unioncat.lazy import lazy_module

if TYPE_CHECKING:
    import pyarrow as pa

    from unioncat.catalog import tables
else:
    # the writing methods' Arrow and table shapes; ``show`` and ``review`` read only
    pa = lazy_module("pyarrow")
    tables = lazy_module("unioncat.catalog.tables")

WATERMARK_KEY = "dedupe_changes_seq"
# Every cluster row with its members (id, source, medium of each) as ``member_rows``:
# what the exports and the OAI-PMH provider write a cluster from.  Add ``WHERE ...``.
CLUSTERS_WITH_MEMBERS = (
    "SELECT c.*, (SELECT list({'id': m.record_id, 'source': m.source, 'medium': m.medium} "
    "ORDER BY m.record_id) FROM cluster_members m WHERE m.cluster_id = c.cluster_id) "
    "AS member_rows FROM clusters c"
)
# The pseudo-column of :meth:`ClusterStore.live_rows` listing a record's contents.
CONTENTS = "contents"
# records turned from Arrow into dicts at a time by :meth:`ClusterStore.live_row_pages`
ROW_PAGE = 20_000
_CLUSTER_BOOKKEEPING = frozenset({"updated_at", "run_id"})
# the record types a chapter's host can be, when the chapter names it by ISBN
_BOOK_TYPES = "'book', 'book_set', 'proceedings'"


class MemberRows:
    """The ``cluster_members`` rows a round writes anew, gathered as Arrow batches.

    A full run writes a row for nearly every record, and a million rows held as dicts
    until the write took 0.9 KB each (the reasons' strings, the dict itself), as Arrow
    0.28 KB: so every few thousand rows are made a batch, and the dicts let go."""

    BATCH = 20_000

    def __init__(self) -> None:
        self._batches: list[pa.RecordBatch] = []
        self._rows: list[dict[str, Any]] = []

    def append(self, row: dict[str, Any]) -> None:
        self._rows.append(row)
        if len(self._rows) >= self.BATCH:
            self._seal()

    def _seal(self) -> None:
        if self._rows:
            schema = tables.CLUSTER_MEMBERS.schema
            self._batches.append(pa.RecordBatch.from_pylist(self._rows, schema=schema))
            self._rows = []

    def __len__(self) -> int:
        return sum(int(b.num_rows) for b in self._batches) + len(self._rows)

    def table(self) -> pa.Table:
        self._seal()
        return pa.Table.from_batches(self._batches, schema=tables.CLUSTER_MEMBERS.schema)


@dataclass(slots=True)
class ClusterPlan:
    """What one round of matching changes, in the order it must be written.

    ``retire`` are (retired id, id it lives on in) pairs; ``members`` the rows of
    ``cluster_members`` to write anew (records that joined a cluster, with their
    evidence); ``relabel`` records that only follow their cluster into another id;
    ``assignments`` every record whose ``cluster_id`` changes; ``refresh`` the clusters
    whose merged record must be computed again.
    """

    retire: list[tuple[str, str]] = field(default_factory=list)
    members: MemberRows = field(default_factory=MemberRows)
    relabel: dict[str, str] = field(default_factory=dict)
    assignments: dict[str, str] = field(default_factory=dict)
    refresh: list[str] = field(default_factory=list)


def _id_map(mapping: dict[str, str], key: str = "id") -> pa.Table:
    return pa.table(
        {
            key: pa.array(list(mapping), pa.string()),
            "cluster_id": pa.array(list(mapping.values()), pa.string()),
        }
    )


def blocking_memory() -> str:
    """What DuckDB may hold for the blocking query when the pipeline sets no limit: two
    fifths of this machine's memory.  DuckDB alone would take four fifths, and the
    matcher's folded records share the process (a catalog of a million records was
    killed for memory that way); past the limit DuckDB spills to disk."""
    total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{max(total * 2 // 5 // 2**20, 512)}MB"


class ClusterStore:
    def __init__(self, db: Db, blocking_memory: str | None = None) -> None:
        self.db = db
        # DuckDB's memory limit while the blocking query runs (None: the catalog's own)
        self.blocking_memory = blocking_memory

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.db.transaction():
            yield

    # -- what to match -------------------------------------------------------------------

    def watermark(self) -> int:
        """The last ``changes`` sequence number the dedupe stage has seen."""
        value = self.db.scalar("SELECT value FROM catalog_meta WHERE key = ?", [WATERMARK_KEY])
        return int(value) if value is not None else 0

    def advance_watermark(self) -> None:
        top = self.db.scalar("SELECT coalesce(max(seq), 0) FROM changes")
        self.db.execute(
            "INSERT OR REPLACE INTO catalog_meta VALUES (?, ?)", [WATERMARK_KEY, str(top or 0)]
        )

    def changed_records(self, since: int) -> list[str]:
        """Records changed since ``since``, live records never clustered (a catalog built
        before dedupe ran, or a run interrupted before this stage), and both records of
        every cataloger decision not applied yet."""
        return self.db.column(
            "SELECT DISTINCT id FROM changes WHERE seq > ? AND entity = 'record' "
            "UNION SELECT id FROM records WHERE NOT deleted AND type <> 'holdings' "
            "AND id NOT IN (SELECT record_id FROM cluster_members) "
            "UNION SELECT record_a FROM match_review WHERE NOT applied "
            "UNION SELECT record_b FROM match_review WHERE NOT applied",
            [since],
        )

    def cluster_mates(self, ids: Iterable[str]) -> list[str]:
        """The other members of the clusters ``ids`` are in."""
        with self.db.id_table(ids) as chosen:
            return self.db.column(
                "SELECT DISTINCT m.record_id FROM cluster_members m "
                "WHERE m.cluster_id IN (SELECT cluster_id FROM cluster_members "
                f"WHERE record_id IN (SELECT id FROM {chosen})) "
                f"AND m.record_id NOT IN (SELECT id FROM {chosen}) ORDER BY 1"
            )

    def leave_clusters(self, ids: Iterable[str]) -> dict[str, str]:
        """Take records out of their clusters and their open review pairs, to match them
        again; returns which cluster each was in."""
        with self.db.id_table(ids) as chosen:
            where = dict(
                self.db.rows(
                    "SELECT record_id, cluster_id FROM cluster_members "
                    f"WHERE record_id IN (SELECT id FROM {chosen})"
                )
            )
            self.db.execute(
                f"DELETE FROM cluster_members WHERE record_id IN (SELECT id FROM {chosen})"
            )
            self.db.execute(
                "DELETE FROM match_review WHERE status = 'open' AND "
                f"(record_a IN (SELECT id FROM {chosen}) OR record_b IN (SELECT id FROM {chosen}))"
            )
        return where

    def forget_keys(self, ids: Iterable[str]) -> None:
        """Drop the matching keys of changed records (they post new ones); a tombstone
        also loses its cluster id (its cluster's own change says it left)."""
        with self.db.id_table(ids) as chosen:
            self.db.execute(f"DELETE FROM match_keys WHERE record_id IN (SELECT id FROM {chosen})")
            self.db.execute(
                "UPDATE records SET cluster_id = NULL WHERE deleted AND cluster_id IS NOT NULL "
                f"AND id IN (SELECT id FROM {chosen})"
            )

    def live_rows(self, ids: Iterable[str], columns: Sequence[str]) -> list[dict[str, Any]]:
        """The live records among ``ids``, as dicts of ``columns``, by id.  A MARC
        holdings record is no work: its holdings belong to the record it names."""
        return [row for page in self.live_row_pages(ids, columns) for row in page]

    def live_row_pages(
        self, ids: Iterable[str], columns: Sequence[str], page: int | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """:meth:`live_rows` a page at a time: the rows come out of Arrow's columns as
        dicts only while the page is read, so a full run over a million records holds
        its folded match fields, never every record as dicts."""
        cols = ", ".join(
            f'r."{c}"' if c != CONTENTS else f"coalesce(k.items, []) AS {CONTENTS}" for c in columns
        )
        with self.db.id_table(ids) as chosen:
            # what a record lists: the titles of the parts mapped from its own envelope
            # (a 505's chapters or tracks), in their order
            listed = (
                "LEFT JOIN (SELECT struct_extract(p.host, 'id') AS host_id, p.source, "
                "p.envelope_id, list(p.title ORDER BY length(p.source_id), p.source_id) "
                "AS items FROM records p WHERE NOT p.deleted AND p.host IS NOT NULL "
                f"AND struct_extract(p.host, 'id') IN (SELECT id FROM {chosen}) "
                "GROUP BY ALL) k ON k.host_id = r.id AND k.source = r.source "
                "AND k.envelope_id IS NOT DISTINCT FROM r.envelope_id "
                if CONTENTS in columns
                else ""
            )
            table = self.db.arrow(
                f"SELECT {cols} FROM records r {listed}"
                "WHERE NOT r.deleted AND r.type <> 'holdings' "
                f"AND r.id IN (SELECT id FROM {chosen}) ORDER BY r.id"
            )
        size = page or ROW_PAGE
        for start in range(0, table.num_rows, size):
            yield table.slice(start, size).to_pylist()

    def post_keys(self, keys: pa.Table) -> None:
        """Add matching keys (``record_id``, ``key``, ``kind``)."""
        with self.db.registered(keys.select(tables.MATCH_KEYS.names), "posted") as posted:
            self.db.execute(f"INSERT INTO match_keys SELECT record_id, key, kind FROM {posted}")

    @contextmanager
    def _numbered_keys(self, probe_ids: Iterable[str]) -> Iterator[tuple[str, str, str]]:
        """(postings, probes, numbers): every record's keys and the probing records'
        keys with each record id replaced by a number (the ids in order), and the
        table of the numbers.  The blocking query joins and counts these rows by the
        million: numbers cost a fraction of what the ids would."""
        with (
            self.db.id_table(probe_ids, "probes") as chosen,
            self.db.temp_table(
                "SELECT record_id, row_number() OVER (ORDER BY record_id) AS n "
                "FROM (SELECT DISTINCT record_id FROM match_keys)",
                stem="numbered",
            ) as numbers,
        ):
            keyed = f"SELECT n AS rid, key, kind FROM match_keys JOIN {numbers} USING (record_id)"
            yield (
                f"({keyed})",
                f"({keyed} WHERE record_id IN (SELECT id FROM {chosen}))",
                numbers,
            )

    def copy_keys(self, postings: str) -> list[str]:
        """Every record's matching keys written as a Parquet file (``rid``, ``key``,
        ``kind``) for an engine that blocks elsewhere; ``rid`` numbers the records, and
        the record id of number n is at n - 1 of the list returned."""
        with self._numbered_keys(()) as (every, _probing, numbers):
            quoted = postings.replace("'", "''")
            self.db.execute(
                f"COPY (SELECT * FROM {every}) TO '{quoted}' (FORMAT parquet, COMPRESSION zstd)"
            )
            return self._ids_by_number(numbers)

    def candidate_pairs(
        self, probe_ids: Iterable[str], blocking: Callable[[str, str], str]
    ) -> list[tuple[str, str, bool]]:
        """The pairs a blocking query finds between ``probe_ids`` and every record.

        ``blocking(postings, probes)`` returns the query (giving ``a``, ``b``,
        ``by_id``) over two relations of (``rid``, ``key``, ``kind``): every record's
        stored keys, and the probing records' keys."""
        with self._numbered_keys(probe_ids) as (every, probing, numbers), self._blocking_limit():
            found = blocking(every, probing)
            return [
                (a, b, bool(i))
                for a, b, i in self.db.rows(
                    f"SELECT x.record_id, y.record_id, c.by_id FROM ({found}) c "
                    f"JOIN {numbers} x ON x.n = c.a JOIN {numbers} y ON y.n = c.b"
                )
            ]

    def numbered_pairs(self, blocking: Callable[[str], str]) -> tuple[pa.Table, list[str]]:
        """Every record's pairs (a full run's, every record probing) as numbers: the
        table (``a``, ``b``, ``by_id``) and the record id of number n at n - 1 of the
        list, as :meth:`copy_keys` numbers them for Spark.  A million records give
        millions of pairs: as two ids each they would cost a hundred times the memory.
        ``blocking(postings)`` returns the query over every record's keys."""
        with self._numbered_keys(()) as (every, _probing, numbers), self._blocking_limit():
            table = self.db.arrow(blocking(every))
            ids = self._ids_by_number(numbers)
        return table, ids

    def _ids_by_number(self, numbers: str) -> list[str]:
        """The record id of number n at n - 1, from the table of :meth:`_numbered_keys`."""
        return [str(r) for r in self.db.column(f"SELECT record_id FROM {numbers} ORDER BY n")]

    @contextmanager
    def _blocking_limit(self) -> Iterator[None]:
        if not self.blocking_memory:
            yield
            return
        with self.db.setting("memory_limit", self.blocking_memory):
            yield

    def decisions(self, ids: Iterable[str], among: bool = False) -> list[tuple[str, str, str]]:
        """Cataloger decisions (accepted, rejected) on pairs with a record of ``ids``;
        with ``among``, only pairs with both records in ``ids``."""
        join = "AND" if among else "OR"
        with self.db.id_table(ids) as chosen:
            return [
                (a, b, s)
                for a, b, s in self.db.rows(
                    "SELECT record_a, record_b, status FROM match_review WHERE status IN "
                    f"('accepted', 'rejected') AND (record_a IN (SELECT id FROM {chosen}) "
                    f"{join} record_b IN (SELECT id FROM {chosen}))"
                )
            ]

    def members_of(self, records: Iterable[str], clusters: Iterable[str]) -> list[tuple[str, str]]:
        """(record, cluster) of every member of the clusters that ``records`` are in,
        and of ``clusters``, by cluster and record."""
        with (
            self.db.id_table(records, "partners") as partners,
            self.db.id_table(clusters, "left") as left,
        ):
            return [
                (r, c)
                for r, c in self.db.rows(
                    "SELECT record_id, cluster_id FROM cluster_members WHERE cluster_id IN "
                    "(SELECT cluster_id FROM cluster_members "
                    f"WHERE record_id IN (SELECT id FROM {partners})) "
                    f"OR cluster_id IN (SELECT id FROM {left}) ORDER BY cluster_id, record_id"
                )
            ]

    def clusters_of(self, records: Iterable[str]) -> dict[str, str]:
        """The cluster each of ``records`` is in (those in one)."""
        with self.db.id_table(records) as chosen:
            return dict(
                self.db.rows(
                    "SELECT record_id, cluster_id FROM cluster_members "
                    f"WHERE record_id IN (SELECT id FROM {chosen})"
                )
            )

    def book_clusters_by_isbn(self, isbns: Iterable[str]) -> dict[str, set[str]]:
        """The clusters of the live book records that carry each of ``isbns``: where a
        chapter named only by its book's ISBN belongs."""
        with self.db.id_table(isbns) as chosen:
            found: dict[str, set[str]] = {}
            for isbn, cluster in self.db.rows(
                "SELECT DISTINCT i.value, r.cluster_id FROM records r, "
                "unnest(r.identifiers) AS u(i) WHERE NOT r.deleted "
                f"AND r.cluster_id IS NOT NULL AND r.type IN ({_BOOK_TYPES}) "
                f"AND i.scheme = 'isbn' AND i.value IN (SELECT id FROM {chosen})"
            ):
                found.setdefault(isbn, set()).add(cluster)
            return found

    def parts_with_moved_hosts(self, run_id: str) -> list[str]:
        """Live, clustered parts whose host's membership was written by run ``run_id``:
        parts that name their host's id, and parts that name it by an ISBN of a book
        that moved."""
        return self.db.column(
            "WITH moved AS (SELECT record_id FROM cluster_members WHERE run_id = ?), "
            "moved_isbns AS (SELECT DISTINCT i.value FROM records b, unnest(b.identifiers) "
            f"AS u(i) WHERE b.id IN (SELECT record_id FROM moved) AND b.type IN ({_BOOK_TYPES}) "
            "AND i.scheme = 'isbn') "
            "SELECT r.id FROM records r WHERE NOT r.deleted "
            "AND r.id IN (SELECT record_id FROM cluster_members) "
            "AND (struct_extract(r.host, 'id') IN (SELECT record_id FROM moved) "
            "OR (struct_extract(r.host, 'id') IS NULL AND list_has_any("
            "[x.value FOR x IN coalesce(struct_extract(r.host, 'identifiers'), []) "
            "IF x.scheme = 'isbn'], (SELECT coalesce(list(value), []) FROM moved_isbns)))) "
            "ORDER BY r.id",
            [run_id],
        )

    # -- cluster ids -----------------------------------------------------------------------

    def sizes(self, cluster_ids: Iterable[str]) -> dict[str, int]:
        with self.db.id_table(cluster_ids) as chosen:
            return {
                cid: int(size)
                for cid, size in self.db.rows(
                    "SELECT cluster_id, member_count FROM clusters "
                    f"WHERE cluster_id IN (SELECT id FROM {chosen})"
                )
            }

    def taken(self, cluster_ids: Iterable[str]) -> set[str]:
        """Which of ``cluster_ids`` name a cluster already, live, tombstoned or retired."""
        with self.db.id_table(cluster_ids) as chosen:
            return set(
                self.db.column(
                    f"SELECT id FROM {chosen} WHERE id IN (SELECT cluster_id FROM clusters) "
                    "OR id IN (SELECT retired_id FROM merged_ids)"
                )
            )

    # -- writing -----------------------------------------------------------------------------

    def apply(self, plan: ClusterPlan, run_id: str, now: datetime) -> None:
        """Write a round's plan (the merged records are written by :meth:`put_clusters`)."""
        for retired, into in plan.retire:
            self.retire(retired, into, run_id, now)
        db = self.db
        if plan.relabel:
            with db.registered(_id_map(plan.relabel), "relabel") as relabel:
                db.execute(
                    "UPDATE cluster_members SET cluster_id = r.cluster_id, run_id = ?, "
                    f"updated_at = ? FROM {relabel} r WHERE cluster_members.record_id = r.id",
                    [run_id, now],
                )
        if plan.members:
            with db.registered(plan.members.table(), "members") as members:
                db.execute(
                    "DELETE FROM cluster_members "
                    f"WHERE record_id IN (SELECT record_id FROM {members})"
                )
                db.execute(f"INSERT INTO cluster_members SELECT * FROM {members}")
        if plan.assignments:
            with db.registered(_id_map(plan.assignments), "assigned") as assigned:
                db.execute(
                    "UPDATE records SET cluster_id = a.cluster_id, updated_at = ?, run_id = ? "
                    f"FROM {assigned} a WHERE records.id = a.id "
                    "AND records.cluster_id IS DISTINCT FROM a.cluster_id",
                    [now, run_id],
                )

    def retire(self, retired: str, into: str, run_id: str, now: datetime) -> None:
        """Cluster ``retired`` lives on in ``into``: a ``merge`` for downstream systems."""
        db = self.db
        db.execute("UPDATE merged_ids SET into_id = ? WHERE into_id = ?", [into, retired])
        db.execute(
            "INSERT OR REPLACE INTO merged_ids VALUES (?, ?, ?, ?)", [retired, into, run_id, now]
        )
        db.execute("DELETE FROM clusters WHERE cluster_id = ?", [retired])
        db.execute(
            'INSERT INTO changes (op, id, source, run_id, "at", entity) '
            "VALUES ('merge', ?, NULL, ?, ?, 'cluster')",
            [retired, run_id, now],
        )

    def emptied(self, left: dict[str, str]) -> tuple[list[str], dict[str, str], list[str]]:
        """Of the clusters records left (``left``: record to former cluster): those now
        empty (and not retired), where all the former members of each went when they all
        went to one cluster, and those that only shrank."""
        clusters = set(left.values())
        if not clusters:
            return [], {}, []
        db = self.db
        with (
            db.id_table(clusters, "left") as gone_from,
            db.registered(_id_map(left, key="record_id"), "formerly") as formerly,
        ):
            emptied = db.column(
                f"SELECT id FROM {gone_from} "
                "WHERE id NOT IN (SELECT cluster_id FROM cluster_members) "
                "AND id NOT IN (SELECT retired_id FROM merged_ids) ORDER BY id"
            )
            moved = dict(
                db.rows(
                    f"SELECT f.cluster_id, any_value(m.cluster_id) FROM {formerly} f "
                    "JOIN cluster_members m ON m.record_id = f.record_id "
                    "WHERE f.cluster_id IN (SELECT unnest(?::VARCHAR[])) "
                    "GROUP BY f.cluster_id HAVING count(DISTINCT m.cluster_id) = 1",
                    [emptied],
                )
            )
            shrunk = db.column(
                "SELECT DISTINCT cluster_id FROM cluster_members "
                f"WHERE cluster_id IN (SELECT id FROM {gone_from})"
            )
        return emptied, moved, shrunk

    def tombstone(self, cluster_ids: Sequence[str], run_id: str, now: datetime) -> None:
        """Clusters whose records were all deleted or went separate ways."""
        if not cluster_ids:
            return
        with self.db.id_table(cluster_ids, "gone") as gone:
            self.db.execute(
                "UPDATE clusters SET deleted = true, member_count = 0, members = [], "
                f"updated_at = ?, run_id = ? WHERE cluster_id IN (SELECT id FROM {gone}) "
                "AND NOT deleted",
                [now, run_id],
            )
            self.db.execute(
                'INSERT INTO changes (op, id, source, run_id, "at", entity) '
                f"SELECT 'delete', id, NULL, ?, ?, 'cluster' FROM {gone} ORDER BY id",
                [run_id, now],
            )

    def member_records(
        self, cluster_ids: Sequence[str], columns: Sequence[str]
    ) -> dict[str, list[dict[str, Any]]]:
        """The member records of each cluster, by record id, as dicts of ``columns``."""
        if not cluster_ids:
            return {}
        cols = ", ".join(f'r."{c}"' for c in columns)
        with self.db.id_table(cluster_ids, "refresh") as chosen:
            rows = self.db.arrow(
                f"SELECT m.cluster_id AS _cluster, {cols} FROM cluster_members m "
                "JOIN records r ON r.id = m.record_id "
                f"WHERE m.cluster_id IN (SELECT id FROM {chosen}) ORDER BY m.cluster_id, r.id"
            ).to_pylist()
        by_cluster: dict[str, list[dict[str, Any]]] = {}
        for r in rows:
            by_cluster.setdefault(r.pop("_cluster"), []).append(r)
        return by_cluster

    def put_clusters(self, rows: list[dict[str, Any]], run_id: str, now: datetime) -> int:
        """Write merged cluster records; only those that really changed are written and
        logged, so a cluster refreshed twice in one run, or again by a full rerun, is one
        change or none.  Returns how many changed."""
        if not rows:
            return 0
        table = pa.Table.from_pylist(
            [{**r, "updated_at": now, "run_id": run_id} for r in rows],
            schema=tables.CLUSTERS.schema,
        )
        content = [n for n in tables.CLUSTERS.names if n not in _CLUSTER_BOOKKEEPING]
        new = ", ".join(f'd."{c}"' for c in content)
        old = ", ".join(f'c."{c}"' for c in content)
        db = self.db
        with (
            db.registered(table, "clusters_in") as incoming,
            db.temp_table(
                f"SELECT d.* FROM {incoming} d LEFT JOIN clusters c ON c.cluster_id = d.cluster_id "
                f"WHERE c.cluster_id IS NULL OR row({old}) IS DISTINCT FROM row({new})",
                stem="changed_clusters",
            ) as changed,
        ):
            db.execute(
                f"DELETE FROM clusters WHERE cluster_id IN (SELECT cluster_id FROM {changed})"
            )
            db.execute(f"INSERT INTO clusters SELECT * FROM {changed}")
            db.execute(
                'INSERT INTO changes (op, id, source, run_id, "at", entity) '
                f"SELECT 'upsert', cluster_id, NULL, ?, ?, 'cluster' FROM {changed} "
                "ORDER BY cluster_id",
                [run_id, now],
            )
            return int(db.scalar(f"SELECT count(*) FROM {changed}") or 0)

    # -- the review list -------------------------------------------------------------------

    def add_review(self, rows: list[dict[str, Any]], run_id: str, now: datetime) -> None:
        """Borderline pairs (record_a, record_b, weight, reasons), unless already listed."""
        if not rows:
            return
        table = pa.Table.from_pylist(
            rows,
            schema=pa.schema(
                [
                    ("record_a", pa.string()),
                    ("record_b", pa.string()),
                    ("weight", pa.float64()),
                    ("reasons", pa.list_(pa.string())),
                ]
            ),
        )
        with self.db.registered(table, "review") as review:
            self.db.execute(
                "INSERT OR IGNORE INTO match_review SELECT record_a, record_b, weight, reasons, "
                f"'open', NULL, NULL, true, ?, ? FROM {review}",
                [run_id, now],
            )

    def multi_record_clusters(self) -> int:
        return int(
            self.db.scalar("SELECT count(*) FROM clusters WHERE NOT deleted AND member_count > 1")
            or 0
        )

    def open_review_count(self) -> int:
        return int(self.db.scalar("SELECT count(*) FROM match_review WHERE status = 'open'") or 0)

    def mark_decisions_applied(self) -> None:
        self.db.execute("UPDATE match_review SET applied = true WHERE NOT applied")

    def record_decision(
        self, record_a: str, record_b: str, status: str, note: str | None, now: datetime
    ) -> None:
        """A cataloger's decision on a pair; the next dedupe applies it."""
        self.db.execute(
            "INSERT INTO match_review (record_a, record_b, status, note, decided_at, applied, "
            "created_at) VALUES (?, ?, ?, ?, ?, false, ?) ON CONFLICT (record_a, record_b) DO "
            "UPDATE SET status = excluded.status, note = excluded.note, "
            "decided_at = excluded.decided_at, applied = false",
            [record_a, record_b, status, note, now, now],
        )

    # -- learned weights ---------------------------------------------------------------------

    def learned_weights(self) -> list[dict[str, Any]]:
        """The rows of ``match_weights``, by comparison and level."""
        names = tables.MATCH_WEIGHTS.names
        cols = ", ".join(f'"{n}"' for n in names)
        rows = self.db.rows(f"SELECT {cols} FROM match_weights ORDER BY comparison, level")
        return [dict(zip(names, row, strict=True)) for row in rows]

    def save_learned_weights(self, rows: Sequence[dict[str, Any]]) -> None:
        """Replace the learned weights with ``rows`` (none: the set weights apply)."""
        self.db.execute("DELETE FROM match_weights")
        if rows:
            table = pa.Table.from_pylist(list(rows), schema=tables.MATCH_WEIGHTS.schema)
            cols = ", ".join(f'"{n}"' for n in tables.MATCH_WEIGHTS.names)
            with self.db.registered(table, "weights") as weights:
                self.db.execute(f"INSERT INTO match_weights ({cols}) SELECT {cols} FROM {weights}")

    # -- reading, for people -----------------------------------------------------------------

    def is_live_record(self, record_id: str) -> bool:
        row = self.db.first("SELECT 1 FROM records WHERE id = ? AND NOT deleted", [record_id])
        return row is not None

    def resolve(self, cluster_id: str) -> tuple[str, str | None] | None:
        """(current id, retired id asked for) of a cluster id that may be merged away."""
        into = self.db.scalar("SELECT into_id FROM merged_ids WHERE retired_id = ?", [cluster_id])
        if into is not None:
            return str(into), cluster_id
        if self.db.first("SELECT 1 FROM clusters WHERE cluster_id = ?", [cluster_id]):
            return cluster_id, None
        return None

    def cluster(self, cluster_id: str) -> dict[str, Any]:
        rows: list[dict[str, Any]] = self.db.arrow(
            "SELECT * FROM clusters WHERE cluster_id = ?", [cluster_id]
        ).to_pylist()
        return rows[0]

    def members(self, cluster_id: str) -> list[tuple[Any, ...]]:
        """(record, source, medium, type, title, year, score, matched_to, reasons) of each
        member, strongest evidence first."""
        return self.db.rows(
            "SELECT m.record_id, m.source, m.medium, r.type, r.title, r.year, m.score, "
            "m.matched_to, m.reasons FROM cluster_members m JOIN records r ON r.id = m.record_id "
            "WHERE m.cluster_id = ? ORDER BY m.score DESC NULLS LAST, m.record_id",
            [cluster_id],
        )

    def retired_into(self, cluster_id: str) -> list[str]:
        return self.db.column(
            "SELECT retired_id FROM merged_ids WHERE into_id = ? ORDER BY retired_id", [cluster_id]
        )

    def open_pairs(self, limit: int) -> list[tuple[Any, ...]]:
        """The borderline pairs, strongest first, with each record's title, source, medium."""
        return self.db.rows(
            "SELECT v.record_a, v.record_b, v.weight, v.reasons, a.title, a.source, a.medium, "
            "b.title, b.source, b.medium FROM match_review v "
            "JOIN records a ON a.id = v.record_a JOIN records b ON b.id = v.record_b "
            "WHERE v.status = 'open' ORDER BY v.weight DESC, v.record_a, v.record_b LIMIT ?",
            [limit],
        )
