"""Parquet export for discovery systems.

Layout: ``<out>/records/v<major>/updated_date=YYYY-MM-DD/part-NNNN-<hash>.parquet``; each
record lives only in the partition of the day it last changed, so a consumer that follows
partitions sees every change once.  Deleted records stay in the export as tombstones
(``deleted = true``).

Publication.  A part file is named by its content (the start of its sha256), so a file
is never rewritten in place: an unchanged part keeps its name and bytes, a changed one
gets a new name.  ``manifest.json`` (files, bytes, rows, sha256, schema version, run id)
is written after every file, by atomic rename; every file, the manifest and their
folders are flushed to the disk first, so a power loss cannot leave a manifest naming
files that never reached it.  So the manifest a consumer reads always names files that
hold exactly what it says, and an export killed half-way leaves the previous manifest
whole.

Removal.  A consumer may hold the previous manifest while this one is published, so
the previous generation's files stay until the next export.  Only files unioncat wrote
are ever removed: each is noted in ``.unioncat-files`` as it is written, and a file
there that neither of the two newest manifests names goes (what an export killed
half-way wrote, too).  Anything else in the folder, a consumer's own file, stays.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from unioncat import interrupts
from unioncat.catalog.catalog import Catalog
from unioncat.catalog.resources import explain
from unioncat.catalog.tables import CHANGES, CLUSTERS, MERGED_IDS
from unioncat.schemas.generate import RECORD_ARROW_SCHEMA
from unioncat.schemas.record import RECORD_COLUMNS, SCHEMA_MAJOR, SCHEMA_VERSION

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


LEDGER = ".unioncat-files"  # every file an export wrote that may still be on disk
_TMP_STEMS = ("part-", "merged_ids")  # the temporary files an export writes: ``.<stem>.tmp``


def fsync_path(path: Path) -> None:
    """Flush a file, or a folder's entries, to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _note_written(out_dir: Path, relative: str) -> None:
    with (out_dir / LEDGER).open("a", encoding="utf-8") as ledger:
        ledger.write(relative + "\n")


def _write_named(
    table: pa.Table, out_dir: Path, folder: Path, stem: str, entity: str, **extra: str
) -> dict[str, Any]:
    """Write ``table`` as ``<stem>-<hash>.parquet`` in ``folder``; returns its manifest
    entry.  A file of that name already holds these bytes and is left as it is."""
    new_folder = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    if new_folder:
        fsync_path(folder.parent)
    tmp = folder / f".{stem}.tmp"
    pq.write_table(table, tmp, compression="zstd")
    fsync_path(tmp)
    sha = _sha256(tmp)
    path = folder / f"{stem}-{sha[:16]}.parquet"
    if path.exists():
        tmp.unlink()
    else:
        _note_written(out_dir, str(path.relative_to(out_dir)))
        os.replace(tmp, path)
        fsync_path(folder)
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
    """Export records, clusters, the change log and retired cluster ids; manifest last.

    A full disk or a read-only folder is named as the export's, not the catalog's: the
    previous export stays published, and the catalog is untouched."""
    try:
        return _export(catalog, out_dir, run_id)
    except OSError as exc:
        resource = explain(exc, out_dir, stage="export")
        if resource is None:
            raise
        raise resource from exc


def _export(catalog: Catalog, out_dir: Path, run_id: str) -> ExportResult:
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
    files += _export_holdings(catalog, out_dir)
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
    previous = _manifest_files(out_dir / "manifest.json")
    tmp = out_dir / ".manifest.json.tmp"
    with tmp.open("w", encoding="utf-8") as out:
        out.write(json.dumps(manifest, indent=2) + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, out_dir / "manifest.json")
    fsync_path(out_dir)
    _remove_superseded(out_dir, {f["path"] for f in files}, previous)
    return ExportResult(out_dir, manifest)


def _manifest_files(path: Path) -> set[str]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        return {str(f["path"]) for f in manifest.get("files", [])}
    except FileNotFoundError:
        return set()
    except (OSError, ValueError, TypeError, KeyError):
        return set()  # a manifest we cannot read names nothing we may remove


_ENTITY_DIRS = (
    f"records/v{SCHEMA_MAJOR}", f"clusters/v{SCHEMA_MAJOR}", "changes", "merged_ids",
    f"holdings/v{SCHEMA_MAJOR}",
)  # fmt: skip
# the columns of the catalog's holdings view, every one text
HOLDINGS_SCHEMA = pa.schema([(name, pa.string()) for name in (
    "record_id", "cluster_id", "from_record", "source", "holder", "form", "location",
    "call_number", "coverage", "start_date", "start_volume", "start_issue", "end_date",
    "end_volume", "end_issue", "embargo", "access_type", "url", "package", "of_record", "note",
)])  # fmt: skip


def _export_holdings(catalog: Catalog, out_dir: Path) -> list[dict[str, Any]]:
    """Who holds what, as the holdings view says: parts of at most ROWS_PER_PART rows,
    in a stable order so an unchanged catalog writes the same files."""
    cols = ", ".join(HOLDINGS_SCHEMA.names)
    table = catalog.query_arrow(
        f"SELECT {cols} FROM holdings ORDER BY record_id NULLS LAST, from_record, form, "
        "holder, start_date, coverage, location, call_number, url"
    ).cast(HOLDINGS_SCHEMA)
    folder = out_dir / "holdings" / f"v{SCHEMA_MAJOR}"
    return [
        _write_named(
            table.slice(start, ROWS_PER_PART), out_dir, folder, f"part-{n:04d}", "holdings"
        )
        for n, start in enumerate(range(0, max(table.num_rows, 1), ROWS_PER_PART))
    ]


def _remove_superseded(out_dir: Path, current: set[str], previous: set[str]) -> None:
    """After the manifest: remove the files this export's ledger names that neither the
    new manifest nor the one before it names; the ledger is then the two manifests."""
    ledger = out_dir / LEDGER
    try:
        written = set(ledger.read_text(encoding="utf-8").split())
    except FileNotFoundError:
        written = set(previous)  # an export from before the ledger: its manifest's files
    keep = current | previous
    for relative in sorted(written - keep):
        path = out_dir / relative
        if ".." in Path(relative).parts or not path.is_file():
            continue
        path.unlink()
        _remove_empty_day(out_dir, path.parent)
    for entity in _ENTITY_DIRS:
        entity_dir = out_dir / entity
        if entity_dir.exists():
            for tmp in entity_dir.rglob(".*.tmp"):
                if tmp.name[1:].startswith(_TMP_STEMS):
                    tmp.unlink()  # left by an export killed while writing a file
    rewritten = out_dir / f"{LEDGER}.tmp"
    rewritten.write_text("".join(f"{p}\n" for p in sorted(keep)), encoding="utf-8")
    os.replace(rewritten, ledger)


def _remove_empty_day(out_dir: Path, folder: Path) -> None:
    """A day partition (``updated_date=...``) emptied by the removal goes too."""
    if "=" in folder.name and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()


def export_files(out_dir: Path, entity: str) -> list[Path]:
    """The files of ``entity`` the current manifest names: what a consumer reads (a
    folder glob also sees the previous generation, kept for readers of its manifest)."""
    manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    return [out_dir / f["path"] for f in manifest["files"] if f["entity"] == entity]


def read_export(out_dir: Path, entity: str = "records") -> pa.Table:
    """One entity of the export as the current manifest describes it."""
    return pa.concat_tables([pq.read_table(p) for p in export_files(out_dir, entity)])
