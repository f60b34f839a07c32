"""One page, one transaction: raw envelopes, their records, quarantine and checkpoint.

A crash therefore never leaves state ahead of data or data without state.  The order
inside the transaction matters: an earlier version of a file is forgotten first, the
page's envelopes are archived, its records upserted, its quarantine written, and only
then are the deletion rules applied and the checkpoint stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa

from unioncat.catalog import deletions, quarantine, raw, records, runs
from unioncat.catalog.db import Db
from unioncat.catalog.deletion_guard import DeletionGuard
from unioncat.contracts import EnvelopeStatus, Quarantined, RawEnvelope
from unioncat.schemas.record import Record


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
class PageWrite:
    """Everything one page's transaction writes (a harvested :class:`~unioncat.contracts.Page`
    with its mapped records, or archived envelopes mapped again)."""

    run_id: str
    envelopes: list[RawEnvelope] = field(default_factory=list)
    envelope_status: dict[str, EnvelopeStatus] = field(default_factory=dict)
    write_raw: bool = True
    records: list[Record] = field(default_factory=list)
    # the envelope each of ``records`` was mapped from, when they are given as records
    record_envelopes: list[str | None] | None = None
    table: pa.Table | None = None  # the records already as rows (see records.incoming_table)
    quarantined: list[Quarantined] = field(default_factory=list)
    state: tuple[str, str, Mapping[str, Any]] | None = None
    replaces_batch: tuple[str, str] | None = None
    present_ids: tuple[str, list[str]] | None = None  # (source, every id it still has)
    sweep_limit: float | None = None  # see Page.sweep_limit
    file: tuple[str, str] | None = None  # (source, file name); see Page.file
    file_complete: bool = False
    resolved: tuple[str, list[str]] | None = None  # (source, envelope ids); see Page.resolved
    # (source, its guard): the page rolls back if its deletions take the source's
    # tombstones over the guard's share (None: deletions allowed for this run)
    guard: tuple[str, DeletionGuard] | None = None


def commit(db: Db, page: PageWrite) -> WriteCounts:
    """Commit one page atomically; returns what changed."""
    now = datetime.now(UTC)
    table = page.table
    if table is None and page.records:
        table = records.incoming_table(page.records, page.record_envelopes)
    counts = WriteCounts(
        envelopes=len(page.envelopes),
        records=table.num_rows if table is not None else 0,
        quarantined=len(page.quarantined),
    )
    with db.transaction():
        if page.replaces_batch is not None:
            raw.supersede_batch(db, *page.replaces_batch, page.run_id)
        if page.envelopes:
            if page.write_raw:
                raw.archive(db, page.envelopes, page.envelope_status, page.run_id)
            else:
                raw.set_status(db, page.envelopes, page.envelope_status)
        if table is not None and table.num_rows:
            with db.registered(table, "incoming") as incoming:
                if page.file is not None:
                    records.note_conflicts(db, incoming, page.file[1], page.run_id, now)
                    records.note_envelope_records(db, incoming)
                lost = deletions.lost_parts(db, incoming)
                upserted, deleted = records.upsert(db, incoming, page.run_id, now)
                retired = deletions.retire_lost_parts(db, lost, page.run_id, now)
            counts.upserted = upserted
            counts.deleted = deleted + retired
            counts.unchanged = table.num_rows - upserted - deleted
        quarantine.clear_mapped(db, page.envelopes, page.envelope_status)
        if page.resolved is not None:
            quarantine.resolve(db, *page.resolved)
        quarantine.add(db, page.quarantined, page.run_id, now)
        if page.file is not None and page.file_complete and table is not None:
            source, name = page.file
            counts.deleted += deletions.withdraw_from_file(
                db, source, name, page.sweep_limit, page.run_id, now
            )
        if page.present_ids is not None:
            source, present = page.present_ids
            counts.deleted += deletions.sweep(
                db, source, present, page.sweep_limit, page.run_id, now
            )
        if counts.deleted and page.guard is not None:
            deletions.check_window(db, *page.guard, page.run_id, now)
        if page.state is not None:
            source, key, value = page.state
            runs.save_state(db, source, key, value, page.run_id, now)
    return counts
