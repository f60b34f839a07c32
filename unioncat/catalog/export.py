"""Parquet export for discovery systems.

Layout: ``<out>/records/v<major>/updated_date=YYYY-MM-DD/part-NNNN.parquet``; each record
lives only in the partition of the day it last changed, so a consumer that follows
partitions sees every change once.  Files are written under a temporary name and
renamed; ``manifest.json`` (files, bytes, rows, sha256, schema version, run id) is
written last, by atomic rename, and is the consumer's signal that the export is whole.
Deleted records stay in the export as tombstones (``deleted = true``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from unioncat.catalog.store import RECORD_COLUMNS, Catalog
from unioncat.schemas.generate import RECORD_ARROW_SCHEMA
from unioncat.schemas.record import SCHEMA_MAJOR, SCHEMA_VERSION

ROWS_PER_PART = 250_000


@dataclass(slots=True)
class ExportResult:
    out_dir: Path
    manifest: dict[str, Any]

    @property
    def rows(self) -> int:
        return int(sum(f["rows"] for f in self.manifest["files"]))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_atomic(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    os.replace(tmp, path)


def export_records(catalog: Catalog, out_dir: Path, run_id: str) -> ExportResult:
    out_dir.mkdir(parents=True, exist_ok=True)
    entity_dir = out_dir / "records" / f"v{SCHEMA_MAJOR}"
    cols = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    dates = [
        str(d)
        for (d,) in catalog.query(
            "SELECT DISTINCT CAST(timezone('UTC', updated_at) AS DATE) AS d FROM records ORDER BY d"
        )
    ]
    files: list[dict[str, Any]] = []
    written: set[Path] = set()
    for day in dates:
        table = catalog.query_arrow(
            f"SELECT {cols} FROM records "
            "WHERE CAST(timezone('UTC', updated_at) AS DATE) = CAST(? AS DATE) ORDER BY id",
            [day],
        )
        table = table.cast(RECORD_ARROW_SCHEMA)
        for part, start in enumerate(range(0, max(table.num_rows, 1), ROWS_PER_PART)):
            chunk = table.slice(start, ROWS_PER_PART)
            path = entity_dir / f"updated_date={day}" / f"part-{part:04d}.parquet"
            _write_atomic(chunk, path)
            written.add(path)
            files.append(
                {
                    "path": str(path.relative_to(out_dir)),
                    "entity": "records",
                    "updated_date": day,
                    "rows": chunk.num_rows,
                    "bytes": path.stat().st_size,
                    "sha256": _sha256(path),
                }
            )
    _remove_stale(entity_dir, written)
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": files,
        "row_counts": {"records": sum(f["rows"] for f in files)},
    }
    tmp = out_dir / ".manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / "manifest.json")
    return ExportResult(out_dir, manifest)


def _remove_stale(entity_dir: Path, keep: set[Path]) -> None:
    """Drop part files of days that no longer hold records (their records moved on)."""
    if not entity_dir.exists():
        return
    for path in entity_dir.glob("updated_date=*/part-*.parquet"):
        if path not in keep:
            path.unlink()
    for part_dir in entity_dir.glob("updated_date=*"):
        if part_dir.is_dir() and not any(part_dir.iterdir()):
            shutil.rmtree(part_dir)
