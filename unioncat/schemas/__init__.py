"""The unified record and the shapes generated from it (Arrow, JSON Schema, DuckDB DDL)."""

from unioncat.schemas.generate import (
    RECORD_ARROW_SCHEMA,
    arrow_schema,
    duckdb_ddl,
    json_schema,
    record_from_row,
    record_to_row,
    records_to_table,
)
from unioncat.schemas.record import (
    SCHEMA_MAJOR,
    SCHEMA_VERSION,
    Access,
    Contributor,
    Holding,
    Host,
    Identifier,
    Part,
    Record,
    Relation,
    Series,
    Subject,
)

__all__ = [
    "RECORD_ARROW_SCHEMA",
    "SCHEMA_MAJOR",
    "SCHEMA_VERSION",
    "Access",
    "Contributor",
    "Holding",
    "Host",
    "Identifier",
    "Part",
    "Record",
    "Relation",
    "Series",
    "Subject",
    "arrow_schema",
    "duckdb_ddl",
    "json_schema",
    "record_from_row",
    "record_to_row",
    "records_to_table",
]
