"""DDL of the catalog tables; the records columns come from the schema definition."""

from __future__ import annotations

import pyarrow as pa

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
    # Which records each envelope of a file gave when it was last mapped: when a new
    # version of the file has been read to its end, the records it no longer gives are
    # withdrawn (a position in a file names no record, so raw alone cannot tell).
    """CREATE TABLE IF NOT EXISTS envelope_records (
  source VARCHAR,
  envelope_id VARCHAR,
  record_id VARCHAR
)""",
    duckdb_ddl("records", RECORD_BOOKKEEPING),
    "CREATE SEQUENCE IF NOT EXISTS changes_seq START 1",
    """CREATE TABLE IF NOT EXISTS changes (
  seq BIGINT PRIMARY KEY DEFAULT nextval('changes_seq'),
  op VARCHAR,
  id VARCHAR,
  source VARCHAR,
  run_id VARCHAR,
  "at" TIMESTAMPTZ,
  entity VARCHAR DEFAULT 'record'
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

# Dedupe: clusters (works across sources and media), who is in them and why, ids that
# clusters lost by merging, the matcher's postings, and the cataloger's review list.
DDL += [
    """CREATE TABLE IF NOT EXISTS clusters (
  cluster_id VARCHAR PRIMARY KEY,
  deleted BOOLEAN,
  member_count INTEGER,
  members VARCHAR[],
  media VARCHAR[],
  type VARCHAR,
  title VARCHAR,
  subtitle VARCHAR,
  contributors VARCHAR[],
  publisher VARCHAR,
  place VARCHAR,
  year INTEGER,
  edition VARCHAR,
  language VARCHAR[],
  page_count INTEGER,
  identifiers VARCHAR[],
  provenance MAP(VARCHAR, VARCHAR),
  updated_at TIMESTAMPTZ,
  run_id VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS cluster_members (
  record_id VARCHAR PRIMARY KEY,
  cluster_id VARCHAR,
  source VARCHAR,
  medium VARCHAR,
  score DOUBLE,
  matched_to VARCHAR,
  reasons VARCHAR[],
  run_id VARCHAR,
  updated_at TIMESTAMPTZ
)""",
    """CREATE TABLE IF NOT EXISTS merged_ids (
  retired_id VARCHAR PRIMARY KEY,
  into_id VARCHAR,
  run_id VARCHAR,
  "at" TIMESTAMPTZ
)""",
    """CREATE TABLE IF NOT EXISTS match_keys (
  record_id VARCHAR,
  key VARCHAR,
  kind VARCHAR
)""",
    """CREATE TABLE IF NOT EXISTS match_review (
  record_a VARCHAR,
  record_b VARCHAR,
  weight DOUBLE,
  reasons VARCHAR[],
  status VARCHAR,
  note VARCHAR,
  decided_at TIMESTAMPTZ,
  applied BOOLEAN,
  run_id VARCHAR,
  created_at TIMESTAMPTZ,
  PRIMARY KEY (record_a, record_b)
)""",
]

# Columns added after a table was first released: applied to older catalogs on open.
MIGRATIONS = [
    "ALTER TABLE raw ADD COLUMN IF NOT EXISTS record_id VARCHAR",
    "ALTER TABLE raw ADD COLUMN IF NOT EXISTS error VARCHAR",
    # clusters log their changes beside the records' (entity = 'cluster')
    "ALTER TABLE changes ADD COLUMN IF NOT EXISTS entity VARCHAR DEFAULT 'record'",
]

# The clusters table as Arrow: what the stage writes and the export publishes.
CLUSTER_ARROW_SCHEMA = pa.schema(
    [
        ("cluster_id", pa.string()),
        ("deleted", pa.bool_()),
        ("member_count", pa.int32()),
        ("members", pa.list_(pa.string())),
        ("media", pa.list_(pa.string())),
        ("type", pa.string()),
        ("title", pa.string()),
        ("subtitle", pa.string()),
        ("contributors", pa.list_(pa.string())),
        ("publisher", pa.string()),
        ("place", pa.string()),
        ("year", pa.int32()),
        ("edition", pa.string()),
        ("language", pa.list_(pa.string())),
        ("page_count", pa.int32()),
        ("identifiers", pa.list_(pa.string())),
        ("provenance", pa.map_(pa.string(), pa.string())),
        ("updated_at", pa.timestamp("us", tz="UTC")),
        ("run_id", pa.string()),
    ]
)
