"""The catalog: one DuckDB file, and the only code that writes to it.

Everything outside this package reaches the catalog through what is exported here.
The names are imported when first used (PEP 562), so that a read-only command such as
``status`` loads the catalog class and not the writing modules and Arrow behind them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from unioncat.catalog.catalog import Catalog
    from unioncat.catalog.clusters import CLUSTERS_WITH_MEMBERS, ClusterPlan, ClusterStore
    from unioncat.catalog.deletion_guard import DeletionGuard
    from unioncat.catalog.export import (
        ExportResult,
        export_files,
        export_records,
        read_export,
    )
    from unioncat.catalog.lock import CatalogLock, ReaderLock
    from unioncat.catalog.pages import PageWrite, WriteCounts
    from unioncat.catalog.raw import is_superseded
    from unioncat.catalog.records import content_hash, incoming_table
    from unioncat.catalog.runs import KILLED_MESSAGE
    from unioncat.schemas.record import RECORD_COLUMNS

# exported name -> the module that defines it (of this package, unless dotted)
_WHERE: dict[str, str] = {
    "Catalog": "catalog",
    "CLUSTERS_WITH_MEMBERS": "clusters",
    "ClusterPlan": "clusters",
    "ClusterStore": "clusters",
    "DeletionGuard": "deletion_guard",
    "ExportResult": "export",
    "export_files": "export",
    "export_records": "export",
    "read_export": "export",
    "CatalogLock": "lock",
    "ReaderLock": "lock",
    "PageWrite": "pages",
    "WriteCounts": "pages",
    "is_superseded": "raw",
    "RECORD_COLUMNS": "unioncat.schemas.record",
    "content_hash": "records",
    "incoming_table": "records",
    "KILLED_MESSAGE": "runs",
}

__all__ = [
    "CLUSTERS_WITH_MEMBERS",
    "KILLED_MESSAGE",
    "RECORD_COLUMNS",
    "Catalog",
    "CatalogLock",
    "ClusterPlan",
    "ClusterStore",
    "DeletionGuard",
    "ExportResult",
    "PageWrite",
    "ReaderLock",
    "WriteCounts",
    "content_hash",
    "export_files",
    "export_records",
    "incoming_table",
    "is_superseded",
    "read_export",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    where = module if "." in module else f"{__name__}.{module}"
    value = getattr(importlib.import_module(where), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_WHERE))
