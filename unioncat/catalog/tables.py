"""Every catalog table, declared once: its DDL and its Arrow schema come from here.

A table is its columns as Arrow types (what the catalog writes and the export
publishes), a primary key and column defaults; the DuckDB DDL is derived from it, as
the records table's is derived from the record schema.  Writers build their Arrow
tables with :attr:`Table.schema`, so a column added here is a type error everywhere it
is missing, never a silent NULL.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

from unioncat.schemas.generate import duck_type, duckdb_ddl

_TEXT = pa.string()
_WHEN = pa.timestamp("us", tz="UTC")
_TEXTS = pa.list_(pa.string())


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[tuple[str, pa.DataType], ...]
    primary_key: tuple[str, ...] = ()
    defaults: dict[str, str] = field(default_factory=dict)
    # statements that must exist before the table (a sequence for a default)
    before: tuple[str, ...] = ()

    @property
    def schema(self) -> pa.Schema:
        return pa.schema(list(self.columns))

    @property
    def names(self) -> list[str]:
        return [name for name, _ in self.columns]

    def ddl(self) -> list[str]:
        cols = []
        for name, dtype in self.columns:
            default = self.defaults.get(name)
            cols.append(f'"{name}" {duck_type(dtype)}' + (f" DEFAULT {default}" if default else ""))
        if self.primary_key:
            cols.append(f"PRIMARY KEY ({', '.join(self.primary_key)})")
        body = ",\n  ".join(cols)
        return [*self.before, f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {body}\n)"]


CATALOG_META = Table("catalog_meta", (("key", _TEXT), ("value", _TEXT)), ("key",))
SOURCES = Table(
    "sources",
    (
        ("name", _TEXT),
        ("kind", _TEXT),
        ("format", _TEXT),
        ("first_seen", _WHEN),
        ("last_run_id", _TEXT),
        ("last_status", _TEXT),
        ("last_error", _TEXT),
        ("holder", _TEXT),
    ),
    ("name",),
)
RUNS = Table(
    "runs",
    (
        ("run_id", _TEXT),
        ("command", _TEXT),
        ("started_at", _WHEN),
        ("finished_at", _WHEN),
        ("status", _TEXT),
        ("pid", pa.int32()),
        ("host", _TEXT),
        ("counts", _TEXT),
        ("message", _TEXT),
    ),
    ("run_id",),
)
HARVEST_STATE = Table(
    "harvest_state",
    (
        ("source", _TEXT),
        ("key", _TEXT),
        ("value", _TEXT),
        ("updated_at", _WHEN),
        ("run_id", _TEXT),
    ),
    ("source", "key"),
)
# One archived envelope; ``batch`` is the delivery it came in (a file, an OAI page).
RAW = Table(
    "raw",
    (
        ("source", _TEXT),
        ("envelope_id", _TEXT),
        ("batch", _TEXT),
        ("position", pa.int64()),
        ("datestamp", _TEXT),
        ("deleted", pa.bool_()),
        ("format", _TEXT),
        ("payload", pa.binary()),
        ("sha256", _TEXT),
        ("fetched_at", _WHEN),
        ("run_id", _TEXT),
        ("status", _TEXT),
        ("record_id", _TEXT),
        ("error", _TEXT),
    ),
    ("source", "envelope_id"),
)
# Which records each envelope of a file gave when it was last mapped: when a new
# version of the file has been read to its end, the records it no longer gives are
# withdrawn (a position in a file names no record, so raw alone cannot tell).
ENVELOPE_RECORDS = Table(
    "envelope_records", (("source", _TEXT), ("envelope_id", _TEXT), ("record_id", _TEXT))
)
CHANGES = Table(
    "changes",
    (
        ("seq", pa.int64()),
        ("op", _TEXT),
        ("id", _TEXT),
        ("source", _TEXT),
        ("run_id", _TEXT),
        ("at", _WHEN),
        ("entity", _TEXT),
    ),
    ("seq",),
    defaults={"seq": "nextval('changes_seq')", "entity": "'record'"},
    before=("CREATE SEQUENCE IF NOT EXISTS changes_seq START 1",),
)
QUARANTINE = Table(
    "quarantine",
    (
        ("source", _TEXT),
        ("envelope_id", _TEXT),
        ("batch", _TEXT),
        ("position", pa.int64()),
        ("stage", _TEXT),
        ("reason", _TEXT),
        ("payload", pa.binary()),
        ("run_id", _TEXT),
        ("at", _WHEN),
        ("first_at", _WHEN),  # when the envelope was first quarantined, however often since
    ),
    ("source", "envelope_id"),
)

# Dedupe: clusters (works across sources and media), who is in them and why, ids that
# clusters lost by merging, the matcher's postings, and the cataloger's review list.
CLUSTERS = Table(
    "clusters",
    (
        ("cluster_id", _TEXT),
        ("deleted", pa.bool_()),
        ("member_count", pa.int32()),
        ("members", _TEXTS),
        ("media", _TEXTS),
        ("type", _TEXT),
        ("title", _TEXT),
        ("subtitle", _TEXT),
        ("contributors", _TEXTS),
        ("publisher", _TEXT),
        ("place", _TEXT),
        ("year", pa.int32()),
        ("edition", _TEXT),
        ("language", _TEXTS),
        ("page_count", pa.int32()),
        ("identifiers", _TEXTS),
        ("provenance", pa.map_(pa.string(), pa.string())),
        ("updated_at", _WHEN),
        ("run_id", _TEXT),
    ),
    ("cluster_id",),
)
CLUSTER_MEMBERS = Table(
    "cluster_members",
    (
        ("record_id", _TEXT),
        ("cluster_id", _TEXT),
        ("source", _TEXT),
        ("medium", _TEXT),
        ("score", pa.float64()),
        ("matched_to", _TEXT),
        ("reasons", _TEXTS),
        ("run_id", _TEXT),
        ("updated_at", _WHEN),
    ),
    ("record_id",),
)
MERGED_IDS = Table(
    "merged_ids",
    (("retired_id", _TEXT), ("into_id", _TEXT), ("run_id", _TEXT), ("at", _WHEN)),
    ("retired_id",),
)
# Records that two files of one source both give (the same 001): the file read last
# wins, and each such record is noted here so that status and the log can say so.
CONFLICTS = Table(
    "conflicts",
    (
        ("source", _TEXT),
        ("record_id", _TEXT),
        ("source_id", _TEXT),
        ("file", _TEXT),
        ("other_file", _TEXT),
        ("run_id", _TEXT),
        ("at", _WHEN),
    ),
    ("source", "record_id", "file", "other_file"),
)
# What ``unioncat find`` looks records up by (see catalog/find.py).
FIND_KEYS = Table(
    "find_keys",
    (("record_id", _TEXT), ("key", _TEXT), ("h", pa.uint64())),
)
MATCH_KEYS = Table("match_keys", (("record_id", _TEXT), ("key", _TEXT), ("kind", _TEXT)))
MATCH_REVIEW = Table(
    "match_review",
    (
        ("record_a", _TEXT),
        ("record_b", _TEXT),
        ("weight", pa.float64()),
        ("reasons", _TEXTS),
        ("status", _TEXT),
        ("note", _TEXT),
        ("decided_at", _WHEN),
        ("applied", pa.bool_()),
        ("run_id", _TEXT),
        ("created_at", _WHEN),
    ),
    ("record_a", "record_b"),
)
# The matcher's level weights as learned from this catalog's candidate pairs (one row
# per level of each comparison learned; see unioncat.dedupe.learn), beside the settings
# they were learned from (``priors_key``): what the next dedupe runs weigh pairs with.
MATCH_WEIGHTS = Table(
    "match_weights",
    (
        ("comparison", _TEXT),
        ("level", pa.int32()),
        ("name", _TEXT),
        ("prior", pa.float64()),
        ("weight", pa.float64()),
        ("m", pa.float64()),
        ("u", pa.float64()),
        ("pairs", pa.int64()),
        ("learned_from", pa.int64()),
        ("match_share", pa.float64()),
        ("rounds", pa.int32()),
        ("converged", pa.bool_()),
        ("priors_key", _TEXT),
        ("run_id", _TEXT),
        ("learned_at", _WHEN),
    ),
    ("comparison", "level"),
)

# The records table: the record schema's columns, then the catalog's bookkeeping.
# ``envelope_id`` names the archived envelope the record was mapped from (provenance as
# data: nothing takes ``raw_ref`` apart).
RECORD_BOOKKEEPING = (
    ("content_hash", "VARCHAR"),
    ("updated_at", "TIMESTAMPTZ"),
    ("run_id", "VARCHAR"),
    ("envelope_id", "VARCHAR"),
)
RECORDS_DDL = duckdb_ddl("records", RECORD_BOOKKEEPING)

TABLES = (
    CATALOG_META, SOURCES, RUNS, HARVEST_STATE, RAW, ENVELOPE_RECORDS, CHANGES, QUARANTINE,
    CLUSTERS, CLUSTER_MEMBERS, MERGED_IDS, MATCH_KEYS, MATCH_REVIEW, FIND_KEYS, CONFLICTS,
    MATCH_WEIGHTS,
)  # fmt: skip
# Indexes, made once a table exists (find_keys is kept sorted instead: see catalog/find.py).
INDEXES: tuple[str, ...] = ()


def all_ddl() -> list[str]:
    """Every CREATE statement, the records table in its place after the raw archive."""
    out: list[str] = []
    for table in TABLES:
        out += table.ddl()
        if table is ENVELOPE_RECORDS:
            out.append(RECORDS_DDL)
    return out + list(INDEXES)


# Who holds what: every holding of every live record, the holder the source names when
# the holding does not, and a separate MARC holdings record's holdings on the record its
# 004 names (record_id is NULL while that record is not in the catalog).  A view, so it
# can never disagree with the records it is read from.
HOLDINGS_VIEW = """
CREATE OR REPLACE VIEW holdings AS
SELECT
    CASE WHEN h.of_record IS NULL THEN r.id ELSE b.id END AS record_id,
    CASE WHEN h.of_record IS NULL THEN r.cluster_id ELSE b.cluster_id END AS cluster_id,
    r.id AS from_record,
    r.source,
    coalesce(h.holder, s.holder) AS holder,
    h.form, h.location, h.call_number, h.coverage,
    h.start_date, h.start_volume, h.start_issue, h.end_date, h.end_volume, h.end_issue,
    h.embargo, h.access_type, h.url, h.package, h.of_record, h.note
FROM (
    SELECT id, source, cluster_id, unnest(holdings) AS h
    FROM records WHERE NOT deleted AND len(holdings) > 0
) r
LEFT JOIN records b
    ON h.of_record IS NOT NULL AND b.source = r.source AND b.source_id = h.of_record
    AND NOT b.deleted
LEFT JOIN sources s ON s.name = r.source
"""
VIEWS = (HOLDINGS_VIEW,)
