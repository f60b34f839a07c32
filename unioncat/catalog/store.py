"""The DuckDB catalog: the only code that writes.

Every page commits in one transaction: raw envelopes, the records mapped from them,
quarantined envelopes and the harvest state that says the page is done.  A crash
therefore never leaves state ahead of data or data without state, and re-running is
idempotent: a record whose content hash is unchanged is not rewritten and adds no row
to ``changes``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from unioncat.catalog.tables import DDL, MIGRATIONS
from unioncat.contracts import Quarantined, RawEnvelope
from unioncat.errors import ConfigError, LockHeld, SourceError, TerminalError
from unioncat.log import event
from unioncat.schemas.generate import RECORD_ARROW_SCHEMA, record_to_row
from unioncat.schemas.record import SCHEMA_VERSION, Record

_HASH_EXCLUDE = ("harvested_at", "cluster_id")
RECORD_COLUMNS = [f.name for f in RECORD_ARROW_SCHEMA]
_INCOMING_SCHEMA = RECORD_ARROW_SCHEMA.append(pa.field("content_hash", pa.string()))
_RAW_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("envelope_id", pa.string()),
        ("batch", pa.string()),
        ("position", pa.int64()),
        ("datestamp", pa.string()),
        ("deleted", pa.bool_()),
        ("format", pa.string()),
        ("payload", pa.binary()),
        ("sha256", pa.string()),
        ("fetched_at", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
        ("status", pa.string()),
        ("record_id", pa.string()),
        ("error", pa.string()),
    ]
)
_QUARANTINE_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("envelope_id", pa.string()),
        ("batch", pa.string()),
        ("position", pa.int64()),
        ("stage", pa.string()),
        ("reason", pa.string()),
        ("payload", pa.binary()),
        ("run_id", pa.string()),
        ("at", pa.timestamp("us", tz="UTC")),
    ]
)
_KEYS_SCHEMA = pa.schema([("source", pa.string()), ("envelope_id", pa.string())])


@dataclass(slots=True)
class WriteCounts:
    """What one commit did; added up per source and per run."""

    envelopes: int = 0
    records: int = 0
    upserted: int = 0
    deleted: int = 0
    unchanged: int = 0
    quarantined: int = 0

    def add(self, other: WriteCounts) -> None:
        self.envelopes += other.envelopes
        self.records += other.records
        self.upserted += other.upserted
        self.deleted += other.deleted
        self.unchanged += other.unchanged
        self.quarantined += other.quarantined

    def as_dict(self) -> dict[str, int]:
        return {
            "envelopes": self.envelopes,
            "records": self.records,
            "upserted": self.upserted,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "quarantined": self.quarantined,
        }


@dataclass(slots=True)
class Batch:
    """Everything one transaction writes."""

    run_id: str
    envelopes: list[RawEnvelope] = field(default_factory=list)
    envelope_status: dict[str, str] = field(default_factory=dict)
    write_raw: bool = True
    records: list[Record] = field(default_factory=list)
    table: pa.Table | None = None  # the records already as rows (see incoming_table)
    quarantined: list[Quarantined] = field(default_factory=list)
    state: tuple[str, str, Mapping[str, Any]] | None = None
    replaces_batch: tuple[str, str] | None = None
    present_ids: tuple[str, list[str]] | None = None  # (source, every id it still has)
    sweep_limit: float | None = None  # see Page.sweep_limit
    file: tuple[str, str] | None = None  # (source, file name); see Page.file
    file_complete: bool = False


# what a run that never finished is marked with, by the next writer or by `status`
KILLED_MESSAGE = "the process ended before it could finish (killed or crashed)"


def first_row(result: duckdb.DuckDBPyConnection) -> tuple[Any, ...] | None:
    """The first row of a result, reading the result to its end.

    ``fetchone()`` can leave a streamed result open, and DuckDB then refuses other work
    on the connection (``unregister``, for one) with ResourceInUseException.
    """
    rows = result.fetchall()
    return rows[0] if rows else None


def content_hash(row: dict[str, Any]) -> str:
    """Hash of what a record says (not when it was fetched), to skip unchanged rewrites.

    ``repr`` of the row is deterministic: keys come in schema order and values are only
    str, int, bool, None, lists and dicts of those once the excluded fields are gone.
    """
    stable = [v for k, v in row.items() if k not in _HASH_EXCLUDE]
    return hashlib.blake2b(repr(stable).encode(), digest_size=16).hexdigest()


def incoming_table(records: Sequence[Record]) -> pa.Table:
    """Records as catalog rows with their content hash; a later record with the same id
    in one batch wins (a file that lists a control number twice)."""
    latest: dict[str, dict[str, Any]] = {}
    for r in records:
        row = record_to_row(r)
        row["content_hash"] = content_hash(row)
        latest[r.id] = row
    return pa.Table.from_pylist(list(latest.values()), schema=_INCOMING_SCHEMA)


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


class Catalog:
    """A DuckDB catalog file; open it for writing only while holding :class:`CatalogLock`."""

    def __init__(
        self, path: Path, *, read_only: bool = False, memory_limit: str | None = None
    ) -> None:
        self.path = path
        if read_only and not path.exists():
            raise TerminalError(
                f"no catalog at {path}",
                stage="catalog",
                hint="run `unioncat run` first",
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if _is_lock_error(exc):
                raise LockHeld(
                    f"catalog {path} is open in another process: {exc}",
                    stage="catalog",
                    hint="wait for the running job to finish",
                ) from exc
            raise
        if memory_limit:
            # past the limit DuckDB spills to disk instead of growing (a big first dedupe)
            try:
                self.con.execute(f"SET memory_limit = '{memory_limit}'")
            except duckdb.Error as exc:
                self.con.close()
                raise ConfigError(
                    f"memory_limit {memory_limit!r} is not a size DuckDB understands: {exc}",
                    stage="config",
                    hint="write it like 4GB or 512MB",
                ) from exc
        if not read_only:
            self._ensure_schema()

    def close(self) -> None:
        self.con.close()

    def _ensure_schema(self) -> None:
        for stmt in DDL[:1]:
            self.con.execute(stmt)
        row = first_row(
            self.con.execute("SELECT value FROM catalog_meta WHERE key = 'schema_version'")
        )
        if row is not None and row[0] != SCHEMA_VERSION:
            self._rebuild_records(str(row[0]))
        for stmt in DDL[1:] + MIGRATIONS:
            self.con.execute(stmt)
        self.con.execute(
            "INSERT OR REPLACE INTO catalog_meta VALUES ('schema_version', ?)", [SCHEMA_VERSION]
        )

    def _rebuild_records(self, old_version: str) -> None:
        """A catalog written with another record schema: keep its records table aside
        and map every archived envelope again (the raw archive is what makes this safe).

        Nested columns cannot be altered in place, and renormalizing is what a mapping
        change needs anyway; the next ``run`` or ``normalize`` does it, offline.
        """
        keep = f"records_v{old_version.replace('.', '_')}"
        self.con.execute(f"DROP TABLE IF EXISTS {keep}")
        self.con.execute(f"ALTER TABLE records RENAME TO {keep}")
        self.con.execute("UPDATE raw SET status = 'pending'")
        event(
            "catalog.schema_changed",
            f"catalog {self.path} holds records of schema {old_version}; they were moved to "
            f"table {keep} and every archived record will be mapped again to schema "
            f"{SCHEMA_VERSION} by the next `unioncat run` or `unioncat normalize`",
            logging.WARNING,
        )

    # -- runs and sources ---------------------------------------------------------------

    def start_run(self, run_id: str, command: str) -> None:
        now = datetime.now(UTC)
        self.con.execute(
            "UPDATE runs SET status = 'killed', finished_at = ?, message = ? "
            "WHERE status = 'running'",
            [now, KILLED_MESSAGE],
        )
        self.con.execute(
            "INSERT INTO runs VALUES (?, ?, ?, NULL, 'running', ?, ?, NULL, NULL)",
            [run_id, command, now, os.getpid(), socket.gethostname()],
        )

    def finish_run(
        self, run_id: str, status: str, counts: dict[str, Any], message: str | None
    ) -> None:
        self.con.execute(
            "UPDATE runs SET finished_at = ?, status = ?, counts = ?, message = ? WHERE run_id = ?",
            [datetime.now(UTC), status, json.dumps(counts), message, run_id],
        )

    def register_source(self, name: str, kind: str, fmt: str) -> None:
        self.con.execute(
            "INSERT INTO sources (name, kind, format, first_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, format = excluded.format",
            [name, kind, fmt, datetime.now(UTC)],
        )

    def source_outcome(self, name: str, run_id: str, status: str, error: str | None) -> None:
        self.con.execute(
            "UPDATE sources SET last_run_id = ?, last_status = ?, last_error = ? WHERE name = ?",
            [run_id, status, error, name],
        )

    def harvest_state(self, source: str) -> dict[str, dict[str, Any]]:
        rows = self.con.execute(
            "SELECT key, value FROM harvest_state WHERE source = ?", [source]
        ).fetchall()
        return {k: json.loads(v) for k, v in rows}

    # -- writing ----------------------------------------------------------------------

    def write(self, batch: Batch) -> WriteCounts:
        """Commit one batch atomically; returns what changed."""
        now = datetime.now(UTC)
        table = batch.table
        if table is None and batch.records:
            table = incoming_table(batch.records)
        counts = WriteCounts(
            envelopes=len(batch.envelopes),
            records=table.num_rows if table is not None else 0,
            quarantined=len(batch.quarantined),
        )
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            if batch.replaces_batch is not None:
                source, name = batch.replaces_batch
                con.execute(
                    "DELETE FROM envelope_records WHERE source = ? AND envelope_id IN "
                    "(SELECT envelope_id FROM raw WHERE source = ? AND batch = ?)",
                    [source, source, name],
                )
                con.execute("DELETE FROM raw WHERE source = ? AND batch = ?", [source, name])
                # what the old version had in quarantine went with it
                con.execute("DELETE FROM quarantine WHERE source = ? AND batch = ?", [source, name])
            if batch.envelopes:
                if batch.write_raw:
                    self._write_raw(batch, now)
                else:
                    self._set_raw_status(batch)
            if table is not None and table.num_rows:
                upserted, deleted, retired = self._upsert_records(
                    table, batch.run_id, now, track=batch.file is not None
                )
                counts.upserted = upserted
                counts.deleted = deleted + retired
                counts.unchanged = table.num_rows - upserted - deleted
            self._write_quarantine(batch, now)
            if batch.file is not None and batch.file_complete and table is not None:
                source, name = batch.file
                counts.deleted += self._withdraw_from_file(
                    source, name, batch.sweep_limit, batch.run_id, now
                )
            if batch.present_ids is not None:
                source, present = batch.present_ids
                counts.deleted += self._sweep(source, present, batch.sweep_limit, batch.run_id, now)
            if batch.state is not None:
                source, key, value = batch.state
                con.execute(
                    "INSERT OR REPLACE INTO harvest_state VALUES (?, ?, ?, ?, ?)",
                    [source, key, json.dumps(value, sort_keys=True), now, batch.run_id],
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        return counts

    def _write_raw(self, batch: Batch, now: datetime) -> None:
        # a source that lists one id twice in a page: the later copy wins
        envelopes = list({e.envelope_id: e for e in batch.envelopes}.values())
        status = batch.envelope_status
        # Built column by column: a page is written on every harvest step, and Arrow's
        # row-wise conversion cost as much as the DuckDB insert itself.
        columns = {
            "source": [e.source for e in envelopes],
            "envelope_id": [e.envelope_id for e in envelopes],
            "batch": [e.batch for e in envelopes],
            "position": [e.position for e in envelopes],
            "datestamp": [e.datestamp for e in envelopes],
            "deleted": [e.deleted for e in envelopes],
            "format": [e.format for e in envelopes],
            "payload": [e.payload for e in envelopes],
            "sha256": [hashlib.sha256(e.payload).hexdigest() for e in envelopes],
            "fetched_at": [e.fetched_at for e in envelopes],
            "run_id": [batch.run_id] * len(envelopes),
            "status": [status.get(e.envelope_id, "pending") for e in envelopes],
            "record_id": [e.record_id for e in envelopes],
            "error": [e.error for e in envelopes],
        }
        table = pa.table(columns, schema=_RAW_SCHEMA)
        self.con.register("incoming_raw", table)
        try:
            self.con.execute(
                "DELETE FROM raw USING incoming_raw k "
                "WHERE raw.source = k.source AND raw.envelope_id = k.envelope_id"
            )
            self.con.execute("INSERT INTO raw BY NAME SELECT * FROM incoming_raw")
        finally:
            self.con.unregister("incoming_raw")

    def _set_raw_status(self, batch: Batch) -> None:
        for status in set(batch.envelope_status.values()):
            ids = [k for k, v in batch.envelope_status.items() if v == status]
            source = batch.envelopes[0].source
            keys = pa.table(
                {"source": [source] * len(ids), "envelope_id": ids}, schema=_KEYS_SCHEMA
            )
            self.con.register("status_keys", keys)
            try:
                self.con.execute(
                    "UPDATE raw SET status = ? FROM status_keys k "
                    "WHERE raw.source = k.source AND raw.envelope_id = k.envelope_id",
                    [status],
                )
            finally:
                self.con.unregister("status_keys")

    def _upsert_records(
        self, table: pa.Table, run_id: str, now: datetime, *, track: bool = False
    ) -> tuple[int, int, int]:
        """Write changed records; returns (upserted, deleted, parts retired).  With
        ``track``, note which records each envelope gave (see ``envelope_records``)."""
        con = self.con
        con.register("incoming", table)
        try:
            if track:
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE given AS SELECT DISTINCT source, "
                    "substr(raw_ref, length(source) + 2) AS envelope_id, id AS record_id "
                    "FROM incoming WHERE raw_ref IS NOT NULL"
                )
                con.execute(
                    "DELETE FROM envelope_records e USING given g "
                    "WHERE e.source = g.source AND e.envelope_id = g.envelope_id"
                )
                con.execute("INSERT INTO envelope_records SELECT * FROM given")
                con.execute("DROP TABLE given")
            con.execute(
                "CREATE OR REPLACE TEMP TABLE changed AS "
                "SELECT i.id, i.deleted, i.source, r.cluster_id AS old_cluster FROM incoming i "
                "LEFT JOIN records r ON r.id = i.id "
                "WHERE r.id IS NULL OR r.content_hash IS DISTINCT FROM i.content_hash"
            )
            con.execute("DELETE FROM records WHERE id IN (SELECT id FROM changed)")
            cols = ", ".join(
                f'COALESCE(i.cluster_id, c.old_cluster) AS "{c}"'
                if c == "cluster_id"
                else f'i."{c}"'
                for c in RECORD_COLUMNS
            )
            con.execute(
                f"INSERT INTO records SELECT {cols}, i.content_hash, ?, ? "
                "FROM incoming i JOIN changed c ON c.id = i.id",
                [now, run_id],
            )
            con.execute(
                'INSERT INTO changes (op, id, source, run_id, "at") '
                "SELECT CASE WHEN deleted THEN 'delete' ELSE 'upsert' END, id, source, ?, ? "
                "FROM changed ORDER BY id",
                [run_id, now],
            )
            tally = first_row(
                con.execute(
                    "SELECT count(*) FILTER (WHERE NOT deleted), count(*) FILTER (WHERE deleted) "
                    "FROM changed"
                )
            )
            con.execute("DROP TABLE changed")
            retired = self._retire_lost_parts(run_id, now)
        finally:
            con.unregister("incoming")
        assert tally is not None
        return int(tally[0]), int(tally[1]), retired

    def _retire_lost_parts(self, run_id: str, now: datetime) -> int:
        """Tombstone parts (505 chapters) that a re-mapped record no longer lists.

        A part was derived from its host's envelope (same ``raw_ref``) and points at it
        through ``host.id``; when the host comes back without it, the part is gone from
        the source and must not linger as a live duplicate-looking record.
        """
        con = self.con
        con.execute(
            "CREATE OR REPLACE TEMP TABLE lost_parts AS "
            "SELECT r.id, r.source FROM records r "
            "JOIN incoming h ON struct_extract(r.host, 'id') = h.id AND r.raw_ref = h.raw_ref "
            "WHERE NOT r.deleted AND r.id NOT IN (SELECT id FROM incoming)"
        )
        return self._tombstone("lost_parts", "lost", run_id, now)

    def _tombstone(self, table: str, why: str, run_id: str, now: datetime) -> int:
        """Mark the records listed in temp table ``table`` (id, source) deleted, log a
        ``delete`` change for each, drop the table; returns how many."""
        con = self.con
        row = first_row(con.execute(f"SELECT count(*) FROM {table}"))
        n = int(row[0]) if row else 0
        if n:
            con.execute(
                f"UPDATE records SET deleted = true, content_hash = md5(content_hash || ':{why}'), "
                f"updated_at = ?, run_id = ? WHERE id IN (SELECT id FROM {table})",
                [now, run_id],
            )
            con.execute(
                'INSERT INTO changes (op, id, source, run_id, "at") '
                f"SELECT 'delete', id, source, ?, ? FROM {table} ORDER BY id",
                [run_id, now],
            )
        con.execute(f"DROP TABLE {table}")
        return n

    def _sweep(
        self, source: str, present: list[str], limit: float | None, run_id: str, now: datetime
    ) -> int:
        """Tombstone the source's harvested records that it no longer lists, and their
        parts (for servers that never report deletions).  More than ``limit`` of the
        live records at once is refused: the transaction rolls back, nothing is lost."""
        con = self.con
        con.register("present", pa.table({"source_id": pa.array(present, pa.string())}))
        try:
            con.execute(
                "CREATE OR REPLACE TEMP TABLE gone AS "
                "SELECT r.id, r.source, r.raw_ref FROM records r "
                "WHERE r.source = ? AND NOT r.deleted "
                "AND r.raw_ref = r.source || '|' || r.source_id "
                "AND r.source_id NOT IN (SELECT source_id FROM present)",
                [source],
            )
            if limit is not None:
                self._check_sweep(source, limit)
            con.execute(
                "INSERT INTO gone SELECT r.id, r.source, r.raw_ref FROM records r "
                "JOIN gone g ON struct_extract(r.host, 'id') = g.id AND r.raw_ref = g.raw_ref "
                "WHERE NOT r.deleted"
            )
            n = self._tombstone("gone", "swept", run_id, now)
        finally:
            con.unregister("present")
        return n

    def _withdraw_from_file(
        self, source: str, name: str, limit: float | None, run_id: str, now: datetime
    ) -> int:
        """Tombstone the records that came from file ``name`` and that its new version,
        now read to its end, no longer gives (a withdrawn title in a re-sent file).

        A record that another envelope of the source still gives stays.  Nothing is
        withdrawn while any record of the file is quarantined: it may be one of them.
        """
        con = self.con
        broken = first_row(
            con.execute(
                "SELECT count(*) FROM raw "
                "WHERE source = ? AND batch = ? AND status = 'quarantined'",
                [source, name],
            )
        )
        if broken and broken[0]:
            event(
                "file.not_swept",
                f"{source}: {name} has {broken[0]} record(s) in quarantine, so records it may "
                "no longer give are kept until it reads cleanly",
                source=source,
            )
            return 0
        prefix = f"{source}|{name}#"
        con.execute(
            "CREATE OR REPLACE TEMP TABLE gone AS "
            "SELECT r.id, r.source, r.raw_ref FROM records r "
            "WHERE r.source = ? AND NOT r.deleted AND starts_with(r.raw_ref, ?) "
            "AND r.id NOT IN (SELECT record_id FROM envelope_records WHERE source = ?)",
            [source, prefix, source],
        )
        if limit is not None:
            self._check_sweep(
                source,
                limit,
                live_sql="starts_with(raw_ref, ?)",
                live_params=[prefix],
                what=f"records that came from {name}",
            )
        return self._tombstone("gone", "withdrawn", run_id, now)

    def _check_sweep(
        self,
        source: str,
        limit: float,
        *,
        live_sql: str = "raw_ref = source || '|' || source_id",
        live_params: Sequence[Any] = (),
        what: str = "records harvested from it",
    ) -> None:
        row = first_row(
            self.con.execute(
                "SELECT (SELECT count(*) FROM gone), count(*) FROM records "
                f"WHERE source = ? AND NOT deleted AND {live_sql}",
                [source, *live_params],
            )
        )
        gone, live = row if row else (0, 0)
        if live and gone > limit * live:
            raise SourceError(
                f"deletion sweep refused: the source no longer gives {gone} of the {live} "
                f"{what} ({gone / live:.0%}, more than the "
                f"{limit:.0%} allowed); nothing was marked deleted",
                stage="harvest",
                source=source,
                hint="if the repository really dropped them, raise sweep_max_fraction for "
                "one run; otherwise the next run sweeps again",
            )

    def _write_quarantine(self, batch: Batch, now: datetime) -> None:
        if batch.envelopes:
            ok = [
                e
                for e in batch.envelopes
                if batch.envelope_status.get(e.envelope_id, "pending") == "normalized"
            ]
            if ok:
                keys = pa.table(
                    {"source": [e.source for e in ok], "envelope_id": [e.envelope_id for e in ok]},
                    schema=_KEYS_SCHEMA,
                )
                self.con.register("ok_keys", keys)
                try:
                    self.con.execute(
                        "DELETE FROM quarantine USING ok_keys k WHERE "
                        "quarantine.source = k.source AND quarantine.envelope_id = k.envelope_id"
                    )
                finally:
                    self.con.unregister("ok_keys")
        if not batch.quarantined:
            return
        rows = [
            {
                "source": q.envelope.source,
                "envelope_id": q.envelope.envelope_id,
                "batch": q.envelope.batch,
                "position": q.envelope.position,
                "stage": q.stage,
                "reason": q.reason,
                "payload": q.envelope.payload,
                "run_id": batch.run_id,
                "at": now,
            }
            for q in {q.envelope.envelope_id: q for q in batch.quarantined}.values()
        ]
        table = pa.Table.from_pylist(rows, schema=_QUARANTINE_SCHEMA)
        self.con.register("incoming_q", table)
        try:
            self.con.execute(
                "DELETE FROM quarantine USING incoming_q k "
                "WHERE quarantine.source = k.source AND quarantine.envelope_id = k.envelope_id"
            )
            self.con.execute("INSERT INTO quarantine SELECT * FROM incoming_q")
        finally:
            self.con.unregister("incoming_q")

    # -- reading ----------------------------------------------------------------------

    def iter_raw(
        self, *, source: str | None = None, pending_only: bool = True, chunk: int = 2000
    ) -> Iterator[list[RawEnvelope]]:
        """Archived envelopes in commit-sized chunks, for ``normalize`` and ``renormalize``."""
        where = ["1=1"]
        params: list[Any] = []
        if source:
            where.append("source = ?")
            params.append(source)
        if pending_only:
            where.append("status = 'pending'")
        cur = self.con.cursor()
        cur.execute(
            "SELECT source, envelope_id, format, payload, fetched_at, datestamp, deleted, "
            f"batch, position, record_id, error FROM raw WHERE {' AND '.join(where)} "
            "ORDER BY source, batch, position, envelope_id",
            params,
        )
        while True:
            rows = cur.fetchmany(chunk)
            if not rows:
                break
            yield [
                RawEnvelope(
                    source=r[0],
                    envelope_id=r[1],
                    format=r[2],
                    payload=bytes(r[3]),
                    fetched_at=r[4],
                    datestamp=r[5],
                    deleted=bool(r[6]),
                    batch=r[7],
                    position=r[8],
                    record_id=r[9],
                    error=r[10],
                )
                for r in rows
            ]
        cur.close()

    def has_table(self, name: str) -> bool:
        """Whether the catalog has this table (a catalog written by an older unioncat and
        opened read-only may not have the newer ones yet)."""
        row = first_row(
            self.con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
            )
        )
        return bool(row and row[0])

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        """Result as an Arrow table (DuckDB 2 renamed ``fetch_arrow_table``)."""
        rel = self.con.sql(sql, params=list(params))
        fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
        table: pa.Table = fetch()
        return table
