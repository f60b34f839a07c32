"""The quarantine: envelopes that gave no record, with the reason and the raw bytes.

An entry leaves when a later read of the same envelope maps cleanly, so the table
always says what is broken now, not what once was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import pyarrow as pa

from unioncat.catalog.db import Db
from unioncat.catalog.raw import key_table
from unioncat.catalog.tables import QUARANTINE
from unioncat.contracts import EnvelopeStatus, Quarantined, RawEnvelope
from unioncat.redact import scrub


def clear_mapped(
    db: Db, envelopes: Sequence[RawEnvelope], status: Mapping[str, EnvelopeStatus]
) -> None:
    """Envelopes that mapped this time are no longer in quarantine."""
    ok = [
        (e.source, e.envelope_id)
        for e in envelopes
        if status.get(e.envelope_id, "pending") == "normalized"
    ]
    if not ok:
        return
    with db.registered(key_table(ok), "ok_keys") as keys:
        db.execute(
            f"DELETE FROM quarantine USING {keys} k WHERE "
            "quarantine.source = k.source AND quarantine.envelope_id = k.envelope_id"
        )


def resolve(db: Db, source: str, envelope_ids: Sequence[str]) -> None:
    """Envelopes made moot (an unreadable page read since): out of the quarantine and
    the archive."""
    if not envelope_ids:
        return
    if len(envelope_ids) <= _LISTED:
        # an OAI-PMH page names the one placeholder its request would have left: a list
        # in the statement costs a fraction of a temporary table, on every page
        marks = ", ".join("?" * len(envelope_ids))
        _delete_resolved(db, f"IN ({marks})", [source, *envelope_ids])
        return
    with db.id_table(envelope_ids, "resolved") as ids:
        _delete_resolved(db, f"IN (SELECT id FROM {ids})", [source])


def _delete_resolved(db: Db, among: str, params: Sequence[object]) -> None:
    for table in ("quarantine", "raw"):
        db.execute(f"DELETE FROM {table} WHERE source = ? AND envelope_id {among}", params)


# up to this many ids are written into the statement; more go through a temporary table
_LISTED = 64


def add(db: Db, quarantined: Sequence[Quarantined], run_id: str, now: datetime) -> None:
    if not quarantined:
        return
    rows = [
        {
            "source": q.envelope.source,
            "envelope_id": q.envelope.envelope_id,
            "batch": q.envelope.batch,
            "position": q.envelope.position,
            "stage": q.stage,
            "reason": scrub(q.reason),
            "payload": q.envelope.payload,
            "run_id": run_id,
            "at": now,
            "first_at": None,
        }
        for q in {q.envelope.envelope_id: q for q in quarantined}.values()
    ]
    table = pa.Table.from_pylist(rows, schema=QUARANTINE.schema)
    cols = ", ".join(f'k."{c}"' for c in QUARANTINE.names if c != "first_at")
    with (
        db.registered(table, "incoming_q") as incoming,
        db.temp_table(
            f'SELECT {cols}, coalesce(q.first_at, k."at") AS first_at FROM {incoming} k '
            "LEFT JOIN quarantine q ON q.source = k.source AND q.envelope_id = k.envelope_id",
            stem="quarantined",
        ) as merged,
    ):
        db.execute(
            f"DELETE FROM quarantine USING {incoming} k "
            "WHERE quarantine.source = k.source AND quarantine.envelope_id = k.envelope_id"
        )
        db.execute(f"INSERT INTO quarantine BY NAME SELECT * FROM {merged}")
