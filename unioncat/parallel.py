"""Map pages of envelopes on worker processes, so both cores do the mapping.

Normalizers are pure, so a page can be mapped anywhere; what comes back is an Arrow
table (cheap to send between processes) plus the envelopes' outcomes.  Pages stay in
order: the caller commits them one after the other, each with its own checkpoint.
Small pages are mapped in-process, where starting workers would cost more than it saves.
Workers come from a ``forkserver`` so they never inherit the catalog's open DuckDB
connection or its threads.
"""

from __future__ import annotations

import dataclasses
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

import pyarrow as pa

from unioncat.arrow_start import keep_pandas_out
from unioncat.catalog import incoming_table
from unioncat.contracts import EnvelopeStatus, Quarantined, RawEnvelope
from unioncat.gc_pause import gc_paused
from unioncat.log import mode as log_mode
from unioncat.log import setup_logging
from unioncat.mapping import Normalized, normalize_envelopes
from unioncat.normalize.base import FormatSettings
from unioncat.schemas.generate import records_to_table
from unioncat.schemas.record import Record

MIN_PARALLEL_PAGE = 256


@dataclass(slots=True)
class MappedPage:
    table: pa.Table
    status: dict[str, EnvelopeStatus] = field(default_factory=dict)
    quarantined: list[Quarantined] = field(default_factory=list)
    peak_rss_mb: float = 0.0  # of the process that mapped it, so runs can report memory


_ENVELOPE_FIELDS = tuple(f.name for f in dataclasses.fields(RawEnvelope))
PackedEnvelopes = tuple[list[Any], ...]


def pack(envelopes: Sequence[RawEnvelope]) -> PackedEnvelopes:
    """The envelopes as one list per field, for the trip to a mapping process.  Pickle
    writes a dataclass as its class and its state one by one, which cost the parent
    and the worker some 4 µs an envelope each; a list of bytes or strings costs a
    fraction of that, and the fields a page's envelopes share (source, format, batch,
    time of fetching) are written once, as the same object."""
    return tuple([getattr(e, name) for e in envelopes] for name in _ENVELOPE_FIELDS)


def unpack(columns: PackedEnvelopes) -> list[RawEnvelope]:
    return [RawEnvelope(*values) for values in zip(*columns, strict=True)]


def map_packed(
    columns: PackedEnvelopes, fmt: str, for_catalog: bool, settings: FormatSettings | None
) -> MappedPage:
    """:func:`map_page` of envelopes sent :func:`pack`-ed (what a worker runs)."""
    return map_page(unpack(columns), fmt, for_catalog, settings)


def map_page(
    envelopes: Sequence[RawEnvelope],
    fmt: str,
    for_catalog: bool,
    settings: FormatSettings | None = None,
) -> MappedPage:
    """Normalize a page; the table is ready for the catalog (with content hashes and
    envelopes) or for a Parquet file (the schema's columns only)."""
    with gc_paused():
        n = normalize_envelopes(envelopes, fmt, settings)
        try:
            table = _build(n.records, n.envelope_ids, for_catalog)
        except (pa.ArrowException, OverflowError, TypeError, ValueError):
            table = _build_each(envelopes, n, for_catalog)
        # freed while the collector is still paused: the first allocation after it is
        # back would otherwise walk every object of the page's records (a seventh of the
        # time of the page), to find no cycle in them
        n.records.clear()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return MappedPage(table, n.status, n.quarantined, peak)


def _build(records: Sequence[Record], envelope_ids: Sequence[str], for_catalog: bool) -> pa.Table:
    if for_catalog:
        return incoming_table(records, envelope_ids)
    return records_to_table(records)


def _build_each(envelopes: Sequence[RawEnvelope], n: Normalized, for_catalog: bool) -> pa.Table:
    """A value Arrow cannot store (an integer beyond 64 bits) in one record must cost
    that record only: find it envelope by envelope and quarantine it."""
    by_envelope: dict[str, list[Record]] = {}
    for record, envelope_id in zip(n.records, n.envelope_ids, strict=True):
        by_envelope.setdefault(envelope_id, []).append(record)
    kept: dict[str, tuple[Record, str]] = {}
    for env in envelopes:
        records = by_envelope.get(env.envelope_id, [])
        if not records:
            continue
        try:
            _build(records, [env.envelope_id] * len(records), for_catalog)
        except (pa.ArrowException, OverflowError, TypeError, ValueError) as exc:
            n.quarantined.append(
                Quarantined(env, f"a mapped value cannot be stored: {type(exc).__name__}: {exc}")
            )
            n.status[env.envelope_id] = "quarantined"
            continue
        for record in records:
            kept[record.id] = (record, env.envelope_id)
    return _build([r for r, _ in kept.values()], [e for _, e in kept.values()], for_catalog)


def parent_gone(parent: int) -> bool:
    """Whether the run that started this worker has ended.

    ``os.kill(pid, 0)`` succeeds on a zombie, and a run killed with SIGKILL stays one
    until whoever started it reaps it, which a supervisor reading the run's output does
    only after every holder of that output (these workers) has closed it."""
    try:
        os.kill(parent, 0)
    except (ProcessLookupError, PermissionError):
        return True  # gone, or the pid now belongs to another user's process
    try:
        with open(f"/proc/{parent}/stat", "rb") as stat:
            fields = stat.read().rsplit(b")", 1)[-1].split()
    except FileNotFoundError:
        return True
    except OSError:
        return False  # no /proc here: the signal check above is all there is
    return bool(fields) and fields[0] in (b"Z", b"X")


def _die_with_parent() -> None:
    """Linux: the kernel signals this worker when the process that forked it (the
    forkserver, which itself ends with the run) is gone."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass  # not Linux: the watch thread below still ends the worker


_PR_SET_PDEATHSIG = 1


def start_worker(parent: int, verbose: bool, json_lines: bool) -> None:
    """Runs first in each worker: the run's log mode, no signals of its own, and an end
    when the run that started it is gone.

    Ctrl-C and SIGTERM reach the whole process group; the run decides how to stop and
    shuts the pool down itself, so a worker must not die mid-page with a traceback.  A
    run killed with SIGKILL cannot shut its pool down, and a forkserver's workers hold
    the pipes that would tell them, so they watch the run instead."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    setup_logging(verbose=verbose, json_lines=json_lines)
    keep_pandas_out()
    _die_with_parent()

    def watch() -> None:
        while not parent_gone(parent):
            time.sleep(0.5)
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def default_workers() -> int:
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


class PagePool(Protocol):
    """Where pages are mapped: this machine's workers (:class:`MapPool`), or what Spark
    mapped (``spark_engine.SparkMapped``)."""

    @property
    def in_flight_limit(self) -> int: ...

    def submit(
        self, envelopes: Sequence[RawEnvelope], fmt: str, *, for_catalog: bool = True,
        settings: FormatSettings | None = None,
    ) -> Future[MappedPage]: ...  # fmt: skip


class MapPool:
    def __init__(self, workers: int | None = None, min_parallel: int = MIN_PARALLEL_PAGE) -> None:
        self.workers = workers if workers and workers > 0 else default_workers()
        self.min_parallel = min_parallel
        self._executor: ProcessPoolExecutor | None = None

    def submit(
        self,
        envelopes: Sequence[RawEnvelope],
        fmt: str,
        *,
        for_catalog: bool = True,
        settings: FormatSettings | None = None,
    ) -> Future[MappedPage]:
        if self.workers > 1 and len(envelopes) >= self.min_parallel:
            if self._executor is None:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload(["unioncat.parallel"])
                self._executor = ProcessPoolExecutor(
                    self.workers,
                    mp_context=ctx,
                    initializer=start_worker,
                    initargs=(os.getpid(), *log_mode()),
                )
            return self._executor.submit(map_packed, pack(envelopes), fmt, for_catalog, settings)
        done: Future[MappedPage] = Future()
        try:
            done.set_result(map_page(envelopes, fmt, for_catalog, settings))
        except Exception as exc:  # noqa: BLE001  (handed to the caller, as a worker's would be)
            done.set_exception(exc)
        return done

    @property
    def in_flight_limit(self) -> int:
        """Pages queued at once: enough to keep every worker busy, few enough for memory."""
        return self.workers + 1

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None

    def __enter__(self) -> MapPool:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
