"""``unioncat convert``: map files straight to Parquet or JSON lines, without a catalog.

Catalogers use it to look at a feed before adding it to the pipeline, so it frames and
normalizes exactly as a ``files`` source would, and reports every record it could not
map (with the reason) beside the output.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

import pyarrow as pa
import pyarrow.parquet as pq

from unioncat import interrupts
from unioncat.contracts import Quarantined, RawEnvelope
from unioncat.errors import ConfigError
from unioncat.framing import check_file_format, frame_file, noting_repairs
from unioncat.harvest.files import frame_envelope
from unioncat.normalize import NORMALIZERS
from unioncat.parallel import MappedPage, MapPool
from unioncat.schemas.generate import RECORD_ARROW_SCHEMA

SOURCE_NAME = "convert"
_CHUNK = 2000
QUARANTINE_SUFFIX = ".quarantine.jsonl"
# The quarantine file is for reading: a record's first 64 KiB say what is wrong with it,
# and its input and position lead to the rest (a 400 MB text node would otherwise make
# an 800 MB line of hex).  The catalog's quarantine keeps every byte.
QUARANTINE_SHOWN_BYTES = 64 << 10


@dataclass(slots=True)
class ConvertResult:
    envelopes: int = 0
    records: int = 0
    quarantined: list[Quarantined] = field(default_factory=list)
    quarantine_path: Path | None = None
    worker_peak_mb: float = 0.0


def convert_files(inputs: list[str], fmt: str, output: Path, *, workers: int = 0) -> ConvertResult:
    if fmt not in NORMALIZERS:
        raise ConfigError(
            f"unknown format {fmt!r}; valid formats are: {', '.join(sorted(NORMALIZERS))}",
            stage="convert",
        )
    check_file_format(fmt, "convert --format")
    suffix = output.suffix.lower()
    if suffix not in (".parquet", ".jsonl"):
        raise ConfigError(f"output {output} must end in .parquet or .jsonl", stage="convert")
    missing = [p for p in inputs if not os.path.isfile(p)]
    if missing:
        raise ConfigError(
            f"input file not found: {', '.join(missing)}",
            stage="convert",
            hint="name files that exist (a glob the shell did not expand matches none)",
        )
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    result = ConvertResult()
    try:
        _convert(inputs, fmt, tmp, suffix, workers, result)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a stopped or failed conversion leaves no half file
        raise
    os.replace(tmp, output)
    return _finish(output, result)


def _convert(
    inputs: list[str], fmt: str, tmp: Path, suffix: str, workers: int, result: ConvertResult
) -> None:
    """Frame, map and write every input to ``tmp``; Ctrl-C stops between chunks."""
    in_flight: deque[tuple[int, Future[MappedPage]]] = deque()
    with MapPool(workers) as pool, _Sink(tmp, suffix) as sink:

        def drain(limit: int) -> None:
            while len(in_flight) > limit:
                count, future = in_flight.popleft()
                mapped = future.result()
                result.envelopes += count
                result.records += mapped.table.num_rows
                result.quarantined.extend(mapped.quarantined)
                result.worker_peak_mb = max(result.worker_peak_mb, mapped.peak_rss_mb)
                sink.write(mapped.table)

        for chunk in _chunks(inputs, fmt):
            interrupts.check("while converting (no output was written)")
            in_flight.append((len(chunk), pool.submit(chunk, fmt, for_catalog=False)))
            drain(pool.in_flight_limit)
        drain(0)
        interrupts.check("while converting (no output was written)")


def _finish(output: Path, result: ConvertResult) -> ConvertResult:
    stale = output.with_name(output.name + QUARANTINE_SUFFIX)
    if result.quarantined:
        result.quarantine_path = _write_quarantine(result.quarantined, output)
    elif stale.exists():
        stale.unlink()  # from an earlier conversion to the same name: it is not this one's
    return result


def _chunks(inputs: list[str], fmt: str) -> Iterator[list[RawEnvelope]]:
    fetched_at = datetime.now(UTC)
    for path in inputs:
        with open(path, "rb") as handle:
            wire, frames = frame_file(handle, fmt)
            frames = noting_repairs(frames, SOURCE_NAME, path)
            chunk: list[RawEnvelope] = []
            for frame in frames:
                chunk.append(frame_envelope(SOURCE_NAME, path, wire, frame, fetched_at))
                if len(chunk) >= _CHUNK:
                    yield chunk
                    chunk = []
            if chunk:
                yield chunk


# Columns of a few values each, worth a dictionary page.  Titles, names and ids are
# nearly all distinct: hashing them into dictionaries cost a fifth of the writing (the
# first 62,000 LoC records) and gave a larger file than zstd gives without them.
_DICTIONARY_COLUMNS = (
    "source", "source_format", "type", "medium", "title_nonfiling", "year", "deleted",
    "schema_version",
)  # fmt: skip


# Rows of one Parquet row group: a page's 2,000 records made one of some 3,400 rows,
# whose per-column overhead (statistics, compression frames) cost a sixth of the
# writing; groups of about 30,000 rows cost that once, make a smaller file, and hold
# some 30 MB of Arrow in the parent while they fill.
_ROW_GROUP_ROWS = 32_768


class _Sink:
    """Parquet or JSON lines output, written to a temporary name until complete."""

    def __init__(self, path: Path, suffix: str) -> None:
        self.path = path
        self.suffix = suffix
        self._parquet: pq.ParquetWriter | None = None
        self._jsonl: TextIO | None = None
        self._pending: list[pa.Table] = []
        self._pending_rows = 0

    def __enter__(self) -> _Sink:
        if self.suffix == ".parquet":
            self._parquet = pq.ParquetWriter(
                self.path,
                RECORD_ARROW_SCHEMA,
                compression="zstd",
                use_dictionary=list(_DICTIONARY_COLUMNS),
            )
        else:
            self._jsonl = self.path.open("w", encoding="utf-8")
        return self

    def write(self, table: pa.Table) -> None:
        if self._parquet is not None:
            if table.num_rows:  # a page whose every record was quarantined adds none
                self._pending.append(table)
                self._pending_rows += table.num_rows
            if self._pending_rows >= _ROW_GROUP_ROWS:
                self._flush()
        elif self._jsonl is not None:
            for row in table.to_pylist():
                self._jsonl.write(json.dumps(row, default=str, ensure_ascii=False) + "\n")

    def _flush(self) -> None:
        if self._parquet is not None and self._pending:
            group = pa.concat_tables(self._pending)
            self._parquet.write_table(group, row_group_size=group.num_rows)
        self._pending, self._pending_rows = [], 0

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        if self._parquet is not None:
            try:
                if exc_type is None:  # a failed conversion's file is thrown away
                    self._flush()
            finally:
                self._parquet.close()
        if self._jsonl is not None:
            self._jsonl.close()


def _write_quarantine(quarantined: list[Quarantined], output: Path) -> Path:
    qpath = output.with_name(output.name + QUARANTINE_SUFFIX)
    with qpath.open("w", encoding="utf-8") as f:
        for q in quarantined:
            payload = q.envelope.payload
            entry = {
                "input": q.envelope.batch,
                "position": q.envelope.position,
                "reason": q.reason,
                "raw_hex": payload[:QUARANTINE_SHOWN_BYTES].hex(),
                "raw_bytes": len(payload),
                "raw_sha256": hashlib.sha256(payload).hexdigest(),
                "raw_truncated": len(payload) > QUARANTINE_SHOWN_BYTES,
            }
            f.write(json.dumps(entry) + "\n")
    return qpath
