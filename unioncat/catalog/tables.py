"""DDL of the catalog tables; the records columns come from the schema definition."""

from __future__ import annotations

from unioncat.schemas.generate import duckdb_ddl

RECORD_BOOKKEEPING = (
    ("content_hash", "VARCHAR"),
    ("updated_at", "TIMESTAMPTZ"),
    ("run_id", "VARCHAR"),
)

DDL = [
    """CREATE TABLE IF NOT EXISTS catalog_meta (
  key VARCHAR PRIMARY KEY,
  value VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS sources (
  name VARCHAR PRIMARY KEY,
  kind VARCHAR,
  format VARCHAR,
  first_seen TIMESTAMPTZ,
  last_run_id VARCHAR,
  last_status VARCHAR,
  last_error VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS runs (
  run_id VARCHAR PRIMARY KEY,
  command VARCHAR,
  started_at TIMESTAMPTZ,
  finished_at TIMESTAMPTZ,
  status VARCHAR,
  pid INTEGER,
  host VARCHAR,
  counts VARCHAR,
  message VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS harvest_state (
  source VARCHAR,
  key VARCHAR,
  value VARCHAR,
  updated_at TIMESTAMPTZ,
  run_id VARCHAR,
  PRIMARY KEY (source, key)
)""",
    """CREATE TABLE IF NOT EXISTS raw (
  source VARCHAR,
  envelope_id VARCHAR,
  batch VARCHAR,
  position BIGINT,
  datestamp VARCHAR,
  deleted BOOLEAN,
  format VARCHAR,
  payload BLOB,
  sha256 VARCHAR,
  fetched_at TIMESTAMPTZ,
  run_id VARCHAR,
  status VARCHAR,
  record_id VARCHAR,
  error VARCHAR,
  PRIMARY KEY (source, envelope_id)
)""",
    duckdb_ddl("records", RECORD_BOOKKEEPING),
    "CREATE SEQUENCE IF NOT EXISTS changes_seq START 1",
    """CREATE TABLE IF NOT EXISTS changes (
  seq BIGINT PRIMARY KEY DEFAULT nextval('changes_seq'),
  op VARCHAR,
  id VARCHAR,
  source VARCHAR,
  run_id VARCHAR,
  "at" TIMESTAMPTZ
)""",
    """CREATE TABLE IF NOT EXISTS quarantine (
  source VARCHAR,
  envelope_id VARCHAR,
  batch VARCHAR,
  position BIGINT,
  stage VARCHAR,
  reason VARCHAR,
  payload BLOB,
  run_id VARCHAR,
  "at" TIMESTAMPTZ,
  PRIMARY KEY (source, envelope_id)
)""",
]

# Columns added after a table was first released: applied to older catalogs on open.
MIGRATIONS = [
    "ALTER TABLE raw ADD COLUMN IF NOT EXISTS record_id VARCHAR",
    "ALTER TABLE raw ADD COLUMN IF NOT EXISTS error VARCHAR",
]
