"""The collection report: the catalog's figures as tables (DuckDB), charts and one page.

``tables`` holds every query, ``charts`` draws SVG from their rows, ``page`` puts both
on one HTML page, and :func:`report_files` gives the page with every table beside it as
Parquet and CSV, as bytes by name, for whoever writes them (``unioncat report``, or the
run that holds the catalog, through its read service).
"""

from __future__ import annotations

import io
from datetime import date, datetime

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from unioncat.catalog import Catalog
from unioncat.overview.page import render
from unioncat.overview.tables import SECTIONS, TABLES, ReportTable, compute, state

PAGE = "report.html"
TABLES_FOLDER = "tables"

__all__ = ["PAGE", "SECTIONS", "TABLES", "TABLES_FOLDER", "ReportTable", "compute",
           "render", "report_files", "state"]  # fmt: skip


def _parquet(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


def _csv(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pa_csv.write_csv(table, sink)
    return sink.getvalue()


def report_files(catalog: Catalog, catalog_name: str, now: datetime) -> dict[str, bytes]:
    """The page and its tables, by the names they are written under."""
    tables = compute(catalog, date(now.year, now.month, now.day))
    out = {PAGE: render(tables, catalog_name=catalog_name, made_at=now).encode("utf-8")}
    for name, table in tables.items():
        out[f"{TABLES_FOLDER}/{name}.parquet"] = _parquet(table)
        out[f"{TABLES_FOLDER}/{name}.csv"] = _csv(table)
    return out
