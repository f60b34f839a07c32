"""The raw archive: every envelope as it was fetched, so records can be mapped again.

``renormalize`` after a mapping change and the re-map after a record schema change
read only this table; nothing here touches the network.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pyarrow as pa

from unioncat.catalog.db import Db
from unioncat.catalog.tables import RAW
from unioncat.contracts import EnvelopeStatus, RawEnvelope
from unioncat.redact import scrub

_KEYS = pa.schema([("source", pa.string()), ("envelope_id", pa.string())])


def key_table(keys: Sequence[tuple[str, str]]) -> pa.Table:
    """(source, envelope id) pairs as a table to join ``raw`` or ``quarantine`` on."""
    return pa.table(
        {"source": [k[0] for k in keys], "envelope_id": [k[1] for k in keys]}, schema=_KEYS
    )


def archive(
    db: Db,
    envelopes: Sequence[RawEnvelope],
    status: Mapping[str, EnvelopeStatus],
    run_id: str,
) -> None:
    """Archive a page of envelopes (replacing earlier copies of the same ones)."""
    # a source that lists one id twice in a page: the later copy wins
    unique = list({e.envelope_id: e for e in envelopes}.values())
    # Built column by column: a page is written on every harvest step, and Arrow's
    # row-wise conversion cost as much as the DuckDB insert itself.
    columns = {
        "source": [e.source for e in unique],
        "envelope_id": [e.envelope_id for e in unique],
        "batch": [e.batch for e in unique],
        "position": [e.position for e in unique],
        "datestamp": [e.datestamp for e in unique],
        "deleted": [e.deleted for e in unique],
        "format": [e.format for e in unique],
        "payload": [e.payload for e in unique],
        "sha256": [hashlib.sha256(e.payload).hexdigest() for e in unique],
        "fetched_at": [e.fetched_at for e in unique],
        "run_id": [run_id] * len(unique),
        "status": [status.get(e.envelope_id, "pending") for e in unique],
        "record_id": [e.record_id for e in unique],
        "error": [e.error and scrub(e.error) for e in unique],
    }
    with db.registered(pa.table(columns, schema=RAW.schema), "incoming_raw") as incoming:
        db.execute(
            f"DELETE FROM raw USING {incoming} k "
            "WHERE raw.source = k.source AND raw.envelope_id = k.envelope_id"
        )
        db.execute(f"INSERT INTO raw BY NAME SELECT * FROM {incoming}")


def set_status(
    db: Db, envelopes: Sequence[RawEnvelope], status: Mapping[str, EnvelopeStatus]
) -> None:
    """Mark archived envelopes mapped or quarantined (``normalize``, ``renormalize``)."""
    source_of = {e.envelope_id: e.source for e in envelopes}
    for value in set(status.values()):
        chosen = [(source_of[k], k) for k, v in status.items() if v == value and k in source_of]
        with db.registered(key_table(chosen), "status_keys") as keys:
            db.execute(
                f"UPDATE raw SET status = ? FROM {keys} k "
                "WHERE raw.source = k.source AND raw.envelope_id = k.envelope_id",
                [value],
            )


SUPERSEDED = " (superseded "  # how the envelopes of a file's earlier version are renamed


def superseded_name(name: str, run_id: str) -> str:
    return f"{name}{SUPERSEDED}{run_id})"


def is_superseded(batch: str | None) -> bool:
    """Whether ``batch`` holds an earlier version of a file, kept until the records it
    alone gives are withdrawn."""
    return batch is not None and SUPERSEDED in batch


def supersede_batch(db: Db, source: str, batch: str, run_id: str) -> None:
    """A new version of file ``batch`` begins: keep the earlier version's envelopes, under
    other names, until the new version is read to its end.

    The new version's envelopes take the same names (``file#position``) page by page,
    and the records the earlier version alone gave must keep their raw bytes while the
    withdrawal of them may still be refused: a re-map from ``raw`` (``renormalize``, a
    record schema change) would otherwise lose them without a ``delete`` change.  The
    earlier envelopes leave the archive with the records they withdraw, in the same
    transaction (:func:`unioncat.catalog.deletions.withdraw_from_file`), or as soon as
    no live record names them."""
    suffix = f"{SUPERSEDED}{run_id})"
    db.execute(
        "DELETE FROM envelope_records WHERE source = ? AND envelope_id IN "
        "(SELECT envelope_id FROM raw WHERE source = ? AND batch = ?)",
        [source, source, batch],
    )
    db.execute(
        "UPDATE records SET envelope_id = records.envelope_id || ?, "
        "raw_ref = records.source || '|' || records.envelope_id || ? "
        "FROM raw WHERE records.source = ? AND raw.source = ? AND raw.batch = ? "
        "AND records.envelope_id = raw.envelope_id",
        [suffix, suffix, source, source, batch],
    )
    db.execute(
        "UPDATE raw SET envelope_id = envelope_id || ?, batch = batch || ? "
        "WHERE source = ? AND batch = ?",
        [suffix, suffix, source, batch],
    )
    db.execute("DELETE FROM quarantine WHERE source = ? AND batch = ?", [source, batch])
    db.execute(
        "DELETE FROM conflicts WHERE source = ? AND (file = ? OR other_file = ?)",
        [source, batch, batch],
    )


def drop_superseded(db: Db, source: str, name: str, *, all_of_them: bool) -> int:
    """Remove the earlier versions of file ``name``: all of them (their records are
    withdrawn or given again), or only envelopes that no live record names."""
    unused = (
        ""
        if all_of_them
        else "AND envelope_id NOT IN (SELECT envelope_id FROM records "
        "WHERE source = ? AND NOT deleted AND envelope_id IS NOT NULL)"
    )
    params: list[Any] = [source, f"{name}{SUPERSEDED}"] + ([] if all_of_them else [source])
    n = int(
        db.scalar(
            f"SELECT count(*) FROM raw WHERE source = ? AND starts_with(batch, ?) {unused}",
            params,
        )
        or 0
    )
    if n:
        db.execute(f"DELETE FROM raw WHERE source = ? AND starts_with(batch, ?) {unused}", params)
    return n


RAW_COLUMNS = (
    "source, envelope_id, format, payload, fetched_at, datestamp, deleted, batch, position, "
    "record_id, error"
)


def _archived(source: str | None, pending_only: bool) -> tuple[str, list[Any]]:
    """Which archived envelopes ``normalize`` (pending ones) or ``renormalize`` maps."""
    where = ["1=1"]
    params: list[Any] = []
    if source:
        where.append("source = ?")
        params.append(source)
    if pending_only:
        where.append("status = 'pending'")
    return " AND ".join(where), params


# the order the archive is mapped in: earlier versions of a file (fetched earlier)
# first, so that the newest mapping wins
_ARCHIVE_ORDER = "source, fetched_at, batch, position, envelope_id"


def iter_archived(
    db: Db, *, source: str | None = None, pending_only: bool = True, chunk: int = 2000
) -> Iterator[list[RawEnvelope]]:
    """Archived envelopes in commit-sized chunks, for ``normalize`` and ``renormalize``.

    One query streaming the whole ordered archive keeps its snapshot for the whole run,
    and DuckDB then keeps in memory what the run's writes replace: the catalog's memory
    grew with the run (10 GB at a million envelopes), and the sort held every payload
    besides.  So the order is worked out once, as row ids and keys in a temporary table,
    and each chunk is a query of its own, by row id, checked against its key.  A row
    that moved (written again, or renumbered by a checkpoint that compacts the table) is
    found again by its key; one that left the archive meanwhile (a withdrawn earlier
    version of a file) is not given."""
    condition, params = _archived(source, pending_only)
    select = (
        f"SELECT row_number() OVER (ORDER BY {_ARCHIVE_ORDER}) AS seq, rowid AS rid, source, "
        f"envelope_id FROM raw WHERE {condition}"
    )
    with db.temp_table(select, params, stem="archive_order") as order:
        total = int(db.scalar(f"SELECT count(*) FROM {order}") or 0)
        for low in range(0, total, chunk):
            rows = _chunk_rows(db, order, low, low + chunk)
            if rows:
                yield [_envelope(r) for r in rows]


_COLUMNS_OF_R = ", ".join("r." + c.strip() for c in RAW_COLUMNS.split(","))


def _chunk_rows(db: Db, order: str, low: int, high: int) -> list[tuple[Any, ...]]:
    """The envelopes ``low < seq <= high`` of the order, in order."""
    query = (
        f"SELECT {_COLUMNS_OF_R} FROM {order} o JOIN raw r ON r.rowid = o.rid "
        "WHERE o.seq > ? AND o.seq <= ? AND r.source = o.source "
        "AND r.envelope_id = o.envelope_id ORDER BY o.seq"
    )
    rows = db.rows(query, [low, high])
    expected = db.scalar(f"SELECT count(*) FROM {order} WHERE seq > ? AND seq <= ?", [low, high])
    if len(rows) == expected:
        return rows
    # rows moved or left: find the rest of the order again by key (a pass over the rest
    # of the order and the archive's keys; rare, as files are withdrawn after the
    # reading), then read the chunk
    db.execute(
        f"DELETE FROM {order} o WHERE o.seq > ? AND NOT EXISTS "
        "(SELECT 1 FROM raw r WHERE r.source = o.source AND r.envelope_id = o.envelope_id)",
        [low],
    )
    db.execute(
        f"UPDATE {order} o SET rid = r.rowid FROM raw r WHERE o.seq > ? "
        "AND r.source = o.source AND r.envelope_id = o.envelope_id",
        [low],
    )
    return db.rows(query, [low, high])


def _envelope(r: tuple[Any, ...]) -> RawEnvelope:
    return RawEnvelope(
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


def copy_archived(db: Db, path: str, *, source: str | None, pending_only: bool) -> int:
    """The envelopes ``iter_archived`` would give, written to a Parquet file at ``path``
    (for an engine that maps them elsewhere); returns how many."""
    condition, params = _archived(source, pending_only)
    quoted = path.replace("'", "''")
    db.execute(
        f"COPY (SELECT {RAW_COLUMNS} FROM raw WHERE {condition} ORDER BY {_ARCHIVE_ORDER}) "
        f"TO '{quoted}' (FORMAT parquet, COMPRESSION zstd)",
        params,
    )
    return int(db.scalar(f"SELECT count(*) FROM raw WHERE {condition}", params))
