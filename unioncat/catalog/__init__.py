"""The catalog: one DuckDB file, and the only code that writes to it.

Everything outside this package reaches the catalog through what is exported here.
"""

from unioncat.catalog.catalog import Catalog
from unioncat.catalog.clusters import CLUSTERS_WITH_MEMBERS, ClusterPlan, ClusterStore
from unioncat.catalog.deletions import DeletionGuard
from unioncat.catalog.export import ExportResult, export_files, export_records, read_export
from unioncat.catalog.lock import CatalogLock, ReaderLock
from unioncat.catalog.pages import PageWrite, WriteCounts
from unioncat.catalog.raw import is_superseded
from unioncat.catalog.records import RECORD_COLUMNS, content_hash, incoming_table
from unioncat.catalog.runs import KILLED_MESSAGE

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
    "ReaderLock",
    "export_files",
    "export_records",
    "read_export",
    "PageWrite",
    "WriteCounts",
    "content_hash",
    "incoming_table",
    "is_superseded",
]
