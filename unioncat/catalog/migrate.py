"""Bring a catalog file to the shape this version of unioncat writes, step by step.

Two things are versioned.  The *catalog version* counts changes to the catalog's own
tables; each step below runs once, in order, and the version is stored after it (a
catalog from before versioning is version 0).  The *record schema version* is the
unified record's: when it differs, the records table is kept aside as
``records_v<old>`` and every archived envelope is mapped again from ``raw`` by the next
run, since nested columns cannot be altered in place and a mapping change needs a
re-map anyway.  A new catalog is created in the newest shape and skips the steps.
"""

from __future__ import annotations

import logging
from pathlib import Path

from unioncat.catalog import find
from unioncat.catalog.db import Db
from unioncat.catalog.tables import CATALOG_META, VIEWS, all_ddl
from unioncat.log import event
from unioncat.schemas.record import SCHEMA_VERSION

# A step done in Python rather than SQL (building an index table from the records).
INDEX_ALL = "-- build find_keys from every record"
# (version, what it changes, statements): each runs once, in one transaction.
STEPS: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (
        1,
        "raw envelopes keep their record id and framing error; changes name their entity",
        (
            "ALTER TABLE raw ADD COLUMN IF NOT EXISTS record_id VARCHAR",
            "ALTER TABLE raw ADD COLUMN IF NOT EXISTS error VARCHAR",
            "ALTER TABLE changes ADD COLUMN IF NOT EXISTS entity VARCHAR DEFAULT 'record'",
        ),
    ),
    (
        2,
        "records name the envelope they were mapped from (records.envelope_id)",
        (
            "ALTER TABLE records ADD COLUMN IF NOT EXISTS envelope_id VARCHAR",
            # the one place the published provenance string is taken apart: once
            "UPDATE records SET envelope_id = substr(raw_ref, length(source) + 2) "
            "WHERE envelope_id IS NULL AND raw_ref IS NOT NULL",
        ),
    ),
    (
        3,
        "quarantined records keep the date they were first quarantined (quarantine.first_at)",
        (
            "ALTER TABLE quarantine ADD COLUMN IF NOT EXISTS first_at TIMESTAMPTZ",
            'UPDATE quarantine SET first_at = "at" WHERE first_at IS NULL',
        ),
    ),
    (4, "records can be found by identifier and by words (find_keys)", (INDEX_ALL,)),
    (5, "records two files of a source both give are noted (conflicts)", ()),
    (
        6,
        "sources name their holder; holdings are read through the holdings view",
        ("ALTER TABLE sources ADD COLUMN IF NOT EXISTS holder VARCHAR",),
    ),
    (7, "the matcher's weights learned from the catalog are kept (match_weights)", ()),
)
CATALOG_VERSION = STEPS[-1][0]


def ensure_schema(db: Db, path: Path) -> None:
    """Bring the catalog to this version in one transaction: every writer's start runs
    some thirty statements here, which committed one by one before, and a step that
    fails now leaves the catalog wholly at the version it had.  What changed is said
    once it is committed."""
    said: list[tuple[str, str, int]] = []
    with db.transaction():
        _ensure_schema(db, path, said)
    for name, message, level in said:
        event(name, message, level)


def _ensure_schema(db: Db, path: Path, said: list[tuple[str, str, int]]) -> None:
    for stmt in CATALOG_META.ddl():
        db.execute(stmt)
    meta = dict(db.rows("SELECT key, value FROM catalog_meta"))
    fresh = "schema_version" not in meta
    if not fresh and meta["schema_version"] != SCHEMA_VERSION:
        said.append(_set_records_aside(db, path, str(meta["schema_version"])))
    for stmt in all_ddl():
        db.execute(stmt)
    stored = CATALOG_VERSION if fresh else int(meta.get("catalog_version", 0))
    for version, what, statements in STEPS:
        if version <= stored:
            continue
        for stmt in statements:
            if stmt == INDEX_ALL:
                find.index_all(db)
            else:
                db.execute(stmt)
        _set(db, "catalog_version", str(version))
        message = f"catalog {path}: {what} (catalog version {version})"
        said.append(("catalog.migrated", message, logging.INFO))
    _set(db, "catalog_version", str(max(stored, CATALOG_VERSION)))
    _set(db, "schema_version", SCHEMA_VERSION)
    for stmt in VIEWS:  # after the steps: a view names the columns they add
        db.execute(stmt)


def _set(db: Db, key: str, value: str) -> None:
    db.execute("INSERT OR REPLACE INTO catalog_meta VALUES (?, ?)", [key, value])


def _set_records_aside(db: Db, path: Path, old_version: str) -> tuple[str, str, int]:
    keep = f"records_v{old_version.replace('.', '_')}"
    db.execute(f"DROP TABLE IF EXISTS {keep}")
    db.execute(f"ALTER TABLE records RENAME TO {keep}")
    db.execute("UPDATE raw SET status = 'pending'")
    return (
        "catalog.schema_changed",
        f"catalog {path} holds records of schema {old_version}; they were moved to "
        f"table {keep} and every archived record will be mapped again to schema "
        f"{SCHEMA_VERSION} by the next `unioncat run` or `unioncat normalize`",
        logging.WARNING,
    )
