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
            "reason": q.reason,
            "payload": q.envelope.payload,
            "run_id": run_id,
            "at": now,
        }
        for q in {q.envelope.envelope_id: q for q in quarantined}.values()
    ]
    table = pa.Table.from_pylist(rows, schema=QUARANTINE.schema)
    with db.registered(table, "incoming_q") as incoming:
        db.execute(
            f"DELETE FROM quarantine USING {incoming} k "
            "WHERE quarantine.source = k.source AND quarantine.envelope_id = k.envelope_id"
        )
        db.execute(f"INSERT INTO quarantine SELECT * FROM {incoming}")
