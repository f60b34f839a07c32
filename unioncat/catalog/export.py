"""Parquet export for discovery systems.

Layout: ``<out>/records/v<major>/updated_date=YYYY-MM-DD/part-NNNN-<hash>.parquet``; each
record lives only in the partition of the day it last changed, so a consumer that follows
partitions sees every change once.  Deleted records stay in the export as tombstones
(``deleted = true``).

Publication.  A part file is named by its content (the start of its sha256), so a file
is never rewritten in place: an unchanged part keeps its name and bytes, a changed one
gets a new name.  ``manifest.json`` (files, bytes, rows, sha256, schema version, run id)
is written after every file, by atomic rename, and only then are the files it no longer
names removed.  So the manifest a consumer reads always names files that hold exactly
what it says, and an export killed half-way leaves the previous manifest whole.
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

from unioncat import interrupts
from unioncat.catalog.catalog import Catalog
from unioncat.catalog.records import RECORD_COLUMNS
from unioncat.catalog.tables import CHANGES, CLUSTERS, MERGED_IDS
from unioncat.schemas.generate import RECORD_ARROW_SCHEMA
from unioncat.schemas.record import SCHEMA_MAJOR, SCHEMA_VERSION

ROWS_PER_PART = 250_000


@dataclass(slots=True)
class ExportResult:
    out_dir: Path
    manifest: dict[str, Any]

    @property
    def rows(self) -> int:
        """Record rows written (the other entities are counted in the manifest)."""
        return int(self.manifest["row_counts"].get("records", 0))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _write_named(
    table: pa.Table, out_dir: Path, folder: Path, stem: str, entity: str, **extra: str
) -> dict[str, Any]:
    """Write ``table`` as ``<stem>-<hash>.parquet`` in ``folder``; returns its manifest
    entry.  A file of that name already holds these bytes and is left as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{stem}.tmp"
    pq.write_table(table, tmp, compression="zstd")
    sha = _sha256(tmp)
    path = folder / f"{stem}-{sha[:16]}.parquet"
    if path.exists():
        tmp.unlink()
    else:
        os.replace(tmp, path)
    return {
        "path": str(path.relative_to(out_dir)),
        "entity": entity,
        **extra,
        "rows": table.num_rows,
        "bytes": path.stat().st_size,
        "sha256": sha,
    }


def _export_partitioned(
    catalog: Catalog,
    out_dir: Path,
    entity_dir: Path,
    entity: str,
    select: str,
    day_expr: str,
    order: str,
    schema: pa.Schema,
    partition: str = "updated_date",
) -> list[dict[str, Any]]:
    """Write one entity as day partitions of at most ROWS_PER_PART rows each."""
    days = [
        str(d)
        for (d,) in catalog.query(f"SELECT DISTINCT {day_expr} AS d FROM ({select}) ORDER BY d")
    ]
    files: list[dict[str, Any]] = []
    for day in days:
        table = catalog.query_arrow(
            f"SELECT * FROM ({select}) WHERE {day_expr} = CAST(? AS DATE) ORDER BY {order}",
            [day],
        )
        table = table.select(schema.names).cast(schema)
        interrupts.check("while exporting (the previous export stays published)")
        for part, start in enumerate(range(0, max(table.num_rows, 1), ROWS_PER_PART)):
            chunk = table.slice(start, ROWS_PER_PART)
            folder = entity_dir / f"{partition}={day}"
            files.append(
                _write_named(chunk, out_dir, folder, f"part-{part:04d}", entity, **{partition: day})
            )
    return files


_UPDATED_DAY = "CAST(timezone('UTC', updated_at) AS DATE)"
CHANGES_SCHEMA = CHANGES.schema
MERGED_IDS_SCHEMA = MERGED_IDS.schema


def export_records(catalog: Catalog, out_dir: Path, run_id: str) -> ExportResult:
    """Export records, clusters, the change log and retired cluster ids; manifest last."""
    out_dir.mkdir(parents=True, exist_ok=True)
    cols = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    files = _export_partitioned(
        catalog, out_dir, out_dir / "records" / f"v{SCHEMA_MAJOR}", "records",
        f"SELECT {cols}, updated_at AS _updated FROM records", _UPDATED_DAY.replace(
            "updated_at", "_updated"), "id", RECORD_ARROW_SCHEMA,
    )  # fmt: skip
    files += _export_partitioned(
        catalog, out_dir, out_dir / "clusters" / f"v{SCHEMA_MAJOR}", "clusters",
        "SELECT * FROM clusters", _UPDATED_DAY, "cluster_id", CLUSTERS.schema,
    )  # fmt: skip
    files += _export_partitioned(
        catalog, out_dir, out_dir / "changes", "changes",
        'SELECT seq, op, id, source, run_id, "at", entity FROM changes',
        "CAST(timezone('UTC', \"at\") AS DATE)", "seq", CHANGES_SCHEMA, partition="date",
    )  # fmt: skip
    merged = catalog.query_arrow(
        'SELECT retired_id, into_id, run_id, "at" FROM merged_ids ORDER BY retired_id'
    ).cast(MERGED_IDS_SCHEMA)
    files.append(_write_named(merged, out_dir, out_dir / "merged_ids", "merged_ids", "merged_ids"))
    # the last point to stop at: past it the export publishes whole
    interrupts.check("while exporting (the previous export stays published)")
    row_counts: dict[str, int] = {}
    for f in files:
        row_counts[f["entity"]] = row_counts.get(f["entity"], 0) + int(f["rows"])
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "files": files,
        "row_counts": row_counts,
    }
    tmp = out_dir / ".manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out_dir / "manifest.json")
    _remove_stale(out_dir, {out_dir / f["path"] for f in files})
    return ExportResult(out_dir, manifest)


_ENTITY_DIRS = (f"records/v{SCHEMA_MAJOR}", f"clusters/v{SCHEMA_MAJOR}", "changes", "merged_ids")


def _remove_stale(out_dir: Path, keep: set[Path]) -> None:
    """After the manifest: drop the files it no longer names (superseded parts, days that
    no longer hold records, files left by an export that was killed) and empty days."""
    for entity in _ENTITY_DIRS:
        entity_dir = out_dir / entity
        if not entity_dir.exists():
            continue
        for path in [*entity_dir.rglob("*.parquet"), *entity_dir.rglob(".*.tmp")]:
            if path not in keep:
                path.unlink()
        for part_dir in entity_dir.glob("*=*"):
            if part_dir.is_dir() and not any(part_dir.iterdir()):
                shutil.rmtree(part_dir)
