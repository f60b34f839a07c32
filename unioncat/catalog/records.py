"""Records into the catalog: only what changed is written, and every change is logged.

A record's content hash covers what it says, not when it was fetched; a record whose
hash is unchanged is not rewritten and adds no ``changes`` row, which is what makes
re-running anything idempotent.  Each row carries the envelope it was mapped from
(``envelope_id``), so the deletion rules can ask which records an envelope gave
without taking ``raw_ref`` apart.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa

from unioncat.catalog import find
from unioncat.catalog.db import Db
from unioncat.compiled import MARC_CORE
from unioncat.log import event
from unioncat.schemas.generate import (
    RECORD_ARROW_SCHEMA,
    content_spec,
    record_to_row,
    records_to_table,
)
from unioncat.schemas.record import RECORD_COLUMNS, Record

# Not content: when it was fetched, which work it is in, and where in its file it sat
# (inserting a record into a file must not make every later record look changed).
_HASH_EXCLUDE = ("harvested_at", "cluster_id", "raw_ref")
INCOMING_SCHEMA = RECORD_ARROW_SCHEMA.append(pa.field("content_hash", pa.string())).append(
    pa.field("envelope_id", pa.string())
)


def content_hash(row: dict[str, Any]) -> str:
    """Hash of what a record says (not when it was fetched), to skip unchanged rewrites.

    ``repr`` of the row is deterministic: keys come in schema order and values are only
    str, int, bool, None, lists and dicts of those once the excluded fields are gone.
    """
    stable = [v for k, v in row.items() if k not in _HASH_EXCLUDE]
    return hashlib.blake2b(repr(stable).encode(), digest_size=16).hexdigest()


_EXCLUDED = frozenset(_HASH_EXCLUDE)


def record_hash(record: Record) -> str:
    """``content_hash`` of the record's row, the same digest: the compiled core, when
    built, writes the row's text from the record itself (the row's dicts cost as much as
    the rest of building a page's table)."""
    return record_hashes([record])[0]


def record_hashes(records: Sequence[Record]) -> list[str]:
    """:func:`record_hash` of each record (a page's, in one loop)."""
    if MARC_CORE is None:
        return [content_hash(record_to_row(r)) for r in records]
    text_of, spec, blake2b = MARC_CORE.content_bytes, content_spec(), hashlib.blake2b
    return [blake2b(text_of(r, spec, _EXCLUDED), digest_size=16).hexdigest() for r in records]


def incoming_table(
    records: Sequence[Record], envelope_ids: Sequence[str | None] | None = None
) -> pa.Table:
    """Records as catalog rows with their content hash and envelope; a later record with
    the same id in one page wins (a file that lists a control number twice), in the place
    of the first."""
    latest: dict[str, int] = {}
    for n, r in enumerate(records):
        latest[r.id] = n
    kept = [records[n] for n in latest.values()]
    hashes = record_hashes(kept)
    if envelope_ids is None:
        envelopes: list[str | None] = [None] * len(kept)
    else:
        envelopes = [envelope_ids[n] for n in latest.values()]
    extra = [pa.array(hashes, pa.string()), pa.array(envelopes, pa.string())]
    return pa.Table.from_arrays([*records_to_table(kept).columns, *extra], schema=INCOMING_SCHEMA)


def note_conflicts(db: Db, incoming: str, file: str, run_id: str, now: datetime) -> int:
    """Note the records of this page that another file of the source gives too (the
    same 001 in two files): this file, read last, wins; returns how many."""
    with db.temp_table(
        "SELECT DISTINCT i.source, i.id AS record_id, i.source_id, ? AS file, "
        'r.batch AS other_file, ? AS run_id, ?::TIMESTAMPTZ AS "at" '
        f"FROM {incoming} i JOIN envelope_records e "
        "ON e.source = i.source AND e.record_id = i.id "
        "JOIN raw r ON r.source = e.source AND r.envelope_id = e.envelope_id "
        "WHERE r.batch IS DISTINCT FROM ?",
        [file, run_id, now, file],
        stem="conflicts",
    ) as found:
        n = int(db.scalar(f"SELECT count(*) FROM {found}") or 0)
        if n:
            db.execute(f"INSERT OR REPLACE INTO conflicts SELECT * FROM {found}")
            sample = db.first(f"SELECT source, source_id, other_file FROM {found} LIMIT 1")
            assert sample is not None
            event(
                "record.conflict",
                f"{sample[0]}: {n} record(s) of {file} are also given by another file of the "
                f"source (for one, {sample[1]!r} is also in {sample[2]}); {file}, read last, "
                "wins",
                logging.WARNING,
                source=sample[0],
                file=file,
                other_file=sample[2],
                records=n,
            )
    return n


def note_envelope_records(db: Db, incoming: str) -> None:
    """Remember which records each envelope of a file gave (see ``envelope_records``)."""
    with db.temp_table(
        f"SELECT DISTINCT source, envelope_id, id AS record_id FROM {incoming} "
        "WHERE envelope_id IS NOT NULL",
        stem="given",
    ) as given:
        db.execute(
            f"DELETE FROM envelope_records e USING {given} g "
            "WHERE e.source = g.source AND e.envelope_id = g.envelope_id"
        )
        db.execute(
            f"INSERT INTO envelope_records SELECT source, envelope_id, record_id FROM {given}"
        )


def upsert(db: Db, incoming: str, run_id: str, now: datetime) -> tuple[int, int]:
    """Write the records of ``incoming`` that are new or changed; returns (upserted,
    deleted).  A record keeps its cluster until the dedupe stage says otherwise."""
    with db.temp_table(
        f"SELECT i.id, i.deleted, i.source, r.cluster_id AS old_cluster FROM {incoming} i "
        "LEFT JOIN records r ON r.id = i.id "
        "WHERE r.id IS NULL OR r.content_hash IS DISTINCT FROM i.content_hash",
        stem="changed",
    ) as changed:
        db.execute(f"DELETE FROM records WHERE id IN (SELECT id FROM {changed})")
        cols = ", ".join(
            f'COALESCE(i.cluster_id, c.old_cluster) AS "{c}"' if c == "cluster_id" else f'i."{c}"'
            for c in RECORD_COLUMNS
        )
        db.execute(
            f"INSERT INTO records SELECT {cols}, i.content_hash, ?, ?, i.envelope_id "
            f"FROM {incoming} i JOIN {changed} c ON c.id = i.id",
            [now, run_id],
        )
        db.execute(
            'INSERT INTO changes (op, id, source, run_id, "at") '
            "SELECT CASE WHEN deleted THEN 'delete' ELSE 'upsert' END, id, source, ?, ? "
            f"FROM {changed} ORDER BY id",
            [run_id, now],
        )
        tally = db.first(
            "SELECT count(*) FILTER (WHERE NOT deleted), count(*) FILTER (WHERE deleted) "
            f"FROM {changed}"
        )
        find.index_records(db, changed)
        # an unchanged record that moved within its file: its provenance follows it,
        # without a change (nothing it says changed)
        db.execute(
            "UPDATE records SET raw_ref = i.raw_ref, envelope_id = i.envelope_id "
            f"FROM {incoming} i WHERE records.id = i.id "
            f"AND records.id NOT IN (SELECT id FROM {changed}) "
            "AND (records.raw_ref IS DISTINCT FROM i.raw_ref "
            "OR records.envelope_id IS DISTINCT FROM i.envelope_id)"
        )
    assert tally is not None
    return int(tally[0]), int(tally[1])


def tombstone(db: Db, ids: str, why: str, run_id: str, now: datetime) -> int:
    """Mark the records listed in table ``ids`` (columns id, source) deleted and log a
    ``delete`` change for each; returns how many."""
    n = int(db.scalar(f"SELECT count(*) FROM {ids}") or 0)
    if n:
        db.execute(
            f"UPDATE records SET deleted = true, content_hash = md5(content_hash || ':{why}'), "
            f"updated_at = ?, run_id = ? WHERE id IN (SELECT id FROM {ids})",
            [now, run_id],
        )
        db.execute(
            'INSERT INTO changes (op, id, source, run_id, "at") '
            f"SELECT 'delete', id, source, ?, ? FROM {ids} ORDER BY id",
            [run_id, now],
        )
        db.execute(f"DELETE FROM find_keys WHERE record_id IN (SELECT id FROM {ids})")
    return n
