"""``unioncat convert``: map files straight to Parquet or JSON lines, without a catalog.

Catalogers use it to look at a feed before adding it to the pipeline, so it frames and
normalizes exactly as a ``files`` source would, and reports every record it could not
map (with the reason) beside the output.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from unioncat.catalog.store import Quarantined
from unioncat.errors import ConfigError, SourceError
from unioncat.harvest.base import RawEnvelope
from unioncat.harvest.framing import iter_frames, open_maybe_gzip
from unioncat.normalize import NORMALIZERS
from unioncat.pipeline import normalize_envelopes
from unioncat.schemas.generate import RECORD_ARROW_SCHEMA, record_to_row, records_to_table

SOURCE_NAME = "convert"
_CHUNK = 5000


@dataclass(slots=True)
class ConvertResult:
    envelopes: int = 0
    records: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    quarantine_path: Path | None = None


def convert_files(inputs: list[str], fmt: str, output: Path) -> ConvertResult:
    if fmt not in NORMALIZERS:
        raise ConfigError(
            f"unknown format {fmt!r}; valid formats are: {', '.join(sorted(NORMALIZERS))}",
            stage="convert",
        )
    suffix = output.suffix.lower()
    if suffix not in (".parquet", ".jsonl"):
        raise ConfigError(f"output {output} must end in .parquet or .jsonl", stage="convert")
    missing = [p for p in inputs if not os.path.isfile(p)]
    if missing:
        raise SourceError(f"input file not found: {', '.join(missing)}", stage="convert")
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    result = ConvertResult()
    writer: pq.ParquetWriter | None = None
    jsonl = tmp.open("w", encoding="utf-8") if suffix == ".jsonl" else None
    if suffix == ".parquet":
        writer = pq.ParquetWriter(tmp, RECORD_ARROW_SCHEMA, compression="zstd")
    fetched_at = datetime.now(UTC)
    try:
        for path in inputs:
            with open(path, "rb") as handle:
                wire, frames = iter_frames(open_maybe_gzip(handle))
                chunk: list[RawEnvelope] = []
                for frame in frames:
                    chunk.append(
                        RawEnvelope(
                            source=SOURCE_NAME,
                            source_id=f"{path}#{frame.position}",
                            format=wire,
                            payload=frame.payload,
                            fetched_at=fetched_at,
                            batch=path,
                            position=frame.position,
                            error=frame.error,
                        )
                    )
                    if len(chunk) >= _CHUNK:
                        _flush(chunk, fmt, result, writer, jsonl)
                        chunk = []
                _flush(chunk, fmt, result, writer, jsonl)
    finally:
        if writer is not None:
            writer.close()
        if jsonl is not None:
            jsonl.close()
    os.replace(tmp, output)
    if result.quarantined:
        qpath = output.with_name(output.name + ".quarantine.jsonl")
        with qpath.open("w", encoding="utf-8") as f:
            for q in result.quarantined:
                f.write(
                    json.dumps(
                        {
                            "input": q.envelope.batch,
                            "position": q.envelope.position,
                            "reason": q.reason,
                            "raw_hex": q.envelope.payload.hex(),
                        }
                    )
                    + "\n"
                )
        result.quarantine_path = qpath
    return result


def _flush(
    chunk: list[RawEnvelope],
    fmt: str,
    result: ConvertResult,
    writer: pq.ParquetWriter | None,
    jsonl: object,
) -> None:
    if not chunk:
        return
    n = normalize_envelopes(chunk, fmt)
    result.envelopes += len(chunk)
    result.records += len(n.records)
    result.quarantined.extend(n.quarantined)
    if writer is not None:
        table: pa.Table = records_to_table(n.records)
        writer.write_table(table)
    elif jsonl is not None:
        for r in n.records:
            jsonl.write(json.dumps(record_to_row(r), default=str, ensure_ascii=False) + "\n")  # type: ignore[attr-defined]
