"""Runs, sources and harvest checkpoints: what the catalog knows about its own work."""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, datetime
from typing import Any

from unioncat.catalog.db import Db
from unioncat.contracts import RunStatus, SourceStatus
from unioncat.redact import scrub

# what a run that never finished is marked with, by the next writer or by `status`
KILLED_MESSAGE = "the process ended before it could finish (killed or crashed)"


def start_run(
    db: Db, run_id: str, command: str, previous_ending: dict[str, Any] | None = None
) -> None:
    """Record a new run; a run still marked running was killed (this writer holds the
    lock, so no other can be alive), unless it noted its ending beside the catalog
    (``previous_ending``, from the lock file) because the catalog could not take it."""
    now = datetime.now(UTC)
    if previous_ending:
        db.execute(
            "UPDATE runs SET status = ?, finished_at = ?, message = ? "
            "WHERE status = 'running' AND run_id = ?",
            [
                previous_ending["ended"],
                previous_ending.get("finished_at") or now,
                previous_ending.get("message"),
                previous_ending["run_id"],
            ],
        )
    db.execute(
        "UPDATE runs SET status = 'killed', finished_at = ?, message = ? WHERE status = 'running'",
        [now, KILLED_MESSAGE],
    )
    db.execute(
        "INSERT INTO runs VALUES (?, ?, ?, NULL, 'running', ?, ?, NULL, NULL)",
        [run_id, command, now, os.getpid(), socket.gethostname()],
    )


def finish_run(
    db: Db, run_id: str, status: RunStatus, counts: dict[str, Any], message: str | None
) -> None:
    db.execute(
        "UPDATE runs SET finished_at = ?, status = ?, counts = ?, message = ? WHERE run_id = ?",
        [datetime.now(UTC), status, scrub(json.dumps(counts)), message and scrub(message), run_id],
    )


def register_source(db: Db, name: str, kind: str, fmt: str, holder: str | None = None) -> None:
    db.execute(
        "INSERT INTO sources (name, kind, format, first_seen, holder) VALUES (?, ?, ?, ?, ?) "
        "ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, format = excluded.format, "
        "holder = excluded.holder",
        [name, kind, fmt, datetime.now(UTC), holder],
    )


def source_outcome(db: Db, name: str, run_id: str, status: SourceStatus, error: str | None) -> None:
    db.execute(
        "UPDATE sources SET last_run_id = ?, last_status = ?, last_error = ? WHERE name = ?",
        [run_id, status, error and scrub(error), name],
    )


def harvest_state(db: Db, source: str) -> dict[str, dict[str, Any]]:
    rows = db.rows("SELECT key, value FROM harvest_state WHERE source = ?", [source])
    return {k: json.loads(v) for k, v in rows}


def save_state(db: Db, source: str, key: str, value: Any, run_id: str, now: datetime) -> None:
    """The checkpoint, in the page's transaction.  Updated in place when it is there (a
    harvest saves the same key on every page, and DuckDB's ``INSERT OR REPLACE`` costs
    three times an ``UPDATE``), inserted the first time."""
    text = json.dumps(value, sort_keys=True)
    updated = db.scalar(
        "UPDATE harvest_state SET value = ?, updated_at = ?, run_id = ? "
        "WHERE source = ? AND key = ?",
        [text, now, run_id, source, key],
    )
    if not updated:
        db.execute(
            "INSERT INTO harvest_state VALUES (?, ?, ?, ?, ?)", [source, key, text, now, run_id]
        )
