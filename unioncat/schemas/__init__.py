"""The unified record and the shapes generated from it (Arrow, JSON Schema, DuckDB DDL).

The names are imported when first used (PEP 562): the record dataclasses are needed
everywhere, the Arrow shapes only by the code that builds tables.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    # the record's own names first; the generated shapes (and Arrow) only when asked for
    record = importlib.import_module(f"{__name__}.record")
    if hasattr(record, name):
        value = getattr(record, name)
    else:
        value = getattr(importlib.import_module(f"{__name__}.generate"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
