"""The catalog for a long-lived server (``serve-oai``, ``serve``), beside the nightly runs.

DuckDB lets one process write a catalog file or several read it, never both, so a server
never keeps the catalog to itself.  A request opens it read-only under the readers'
shared lock (kept open while requests follow each other), and lets go after each second
of continuous reading, or when no request came for a moment, so that a run waiting for
the catalog (it polls every 50 ms for a few seconds) gets in.  While a run holds the
catalog, a read command is answered by that run, through its read service, with the same
code on a cursor of its own connection, which sees the last committed page.  Either way
an answer reflects one committed state.

A server that also writes (the workbench's review decisions) does so through
:meth:`CatalogAccess.write`: it lets go of its own read first, then takes the writer's
lock as the CLI does, so a decision and a run never meet.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from unioncat.catalog import Catalog
from unioncat.catalog.lock import CatalogLock, ReaderLock
from unioncat.config import PipelineConfig
from unioncat.errors import LockHeld
from unioncat.ids import new_run_id
from unioncat.reads import READS, Answer

# after this long reading without a pause, the catalog is left alone for PAUSE seconds
BUSY_SECONDS = 1.0
PAUSE_SECONDS = 0.15
T = TypeVar("T")


class CatalogAccess:
    """The catalog, read-only, for one request at a time; kept open while requests
    follow each other, and let go for a moment after each second of it, or when no
    request came for a moment, so that a run waiting for the catalog gets in."""

    def __init__(self, config: PipelineConfig, stage: str = "serve") -> None:
        self.config = config
        self.stage = stage
        self._mutex = threading.Lock()
        self._lock: ReaderLock | None = None
        self._catalog: Catalog | None = None
        self._opened = 0.0
        self._last = 0.0
        self._closer = threading.Thread(target=self._close_when_idle, daemon=True)
        self._stopped = threading.Event()
        self._closer.start()

    def answer(
        self, command: str, args: Mapping[str, Any],
        local: Callable[[Catalog], Answer] | None = None,
    ) -> Answer:  # fmt: skip
        """The read command ``command`` with ``args``: ``local`` (by default the command
        itself, :data:`unioncat.reads.READS`) on the open catalog, or, while a run holds
        it, that run's answer to the same command."""
        with self._mutex:
            try:
                if self._catalog is not None and time.monotonic() - self._opened > BUSY_SECONDS:
                    self._close()
                    time.sleep(PAUSE_SECONDS)  # a run waiting for the catalog gets in now
                catalog = self._open()
            except LockHeld:
                return self._ask_writer(command, args)
            try:
                if local is not None:
                    return local(catalog)
                return READS[command](catalog, self.config, args)
            finally:
                self._last = time.monotonic()

    def write(self, command: str, work: Callable[[Catalog], T]) -> T:
        """``work`` on the catalog opened for writing under the writer's lock, as the CLI's
        ``review`` does (raises :class:`LockHeld` while a run holds it)."""
        with self._mutex:
            self._close()
            with CatalogLock(self.config.catalog, command, new_run_id()):
                catalog = Catalog(self.config.catalog, memory_limit=self.config.memory_limit)
                try:
                    return work(catalog)
                finally:
                    catalog.close()

    def close(self) -> None:
        self._stopped.set()
        with self._mutex:
            self._close()

    def _open(self) -> Catalog:
        if self._catalog is None:
            lock = ReaderLock(self.config.catalog)
            lock.__enter__()  # raises LockHeld while a run writes
            try:
                self._catalog = Catalog(
                    self.config.catalog, read_only=True, memory_limit=self.config.memory_limit
                )
            except BaseException:
                lock.__exit__(None, None, None)
                raise
            self._lock = lock
            self._opened = time.monotonic()
        return self._catalog

    def _close(self) -> None:
        if self._catalog is not None:
            self._catalog.close()
            self._catalog = None
        if self._lock is not None:
            self._lock.__exit__(None, None, None)
            self._lock = None

    def _close_when_idle(self) -> None:
        while not self._stopped.wait(PAUSE_SECONDS / 3):
            with self._mutex:
                if self._catalog is not None and time.monotonic() - self._last > PAUSE_SECONDS:
                    self._close()

    def _ask_writer(self, command: str, args: Mapping[str, Any]) -> Answer:
        from unioncat.read_service import ask_writer

        served = ask_writer(self.config.catalog, command, args)
        if served is None:
            raise LockHeld(
                f"catalog {self.config.catalog} is being written and its run does not answer",
                stage=self.stage,
                hint="try again when the run has finished",
            )
        return served
