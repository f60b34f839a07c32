"""One writer per catalog.

An advisory ``flock`` on ``<catalog>.lock`` is released by the kernel when its process
dies, so a run killed with SIGKILL never leaves a lock that blocks the next night's run.
The file also names the holder (pid, host, command, run id, start) for the message a
second run prints before it exits with code 3.

Readers (``status``, ``show``) take the same lock shared, because DuckDB refuses a writer
while a reader has the file open.  A writer that finds only readers waits a few seconds
for them instead of failing the night's run because someone typed ``unioncat status``.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import socket
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from unioncat.errors import LockHeld
from unioncat.log import event
from unioncat.redact import scrub


def lock_path(catalog: Path) -> Path:
    return catalog.with_name(catalog.name + ".lock")


def read_holder(catalog: Path) -> dict[str, Any]:
    try:
        return _holder_in(lock_path(catalog).read_bytes())
    except OSError:
        return {}


def _read_fd(fd: int) -> dict[str, Any]:
    try:
        return _holder_in(os.pread(fd, 1 << 16, 0))
    except OSError:
        return {}


def _holder_in(data: bytes) -> dict[str, Any]:
    """The lock file's JSON object; anything else (empty, torn, foreign) names no one."""
    try:
        holder = json.loads(data) if data.strip() else {}
    except ValueError:  # UnicodeDecodeError included
        return {}
    return holder if isinstance(holder, dict) else {}


def _ending_in(holder: dict[str, Any]) -> dict[str, Any] | None:
    """The ending a run noted in the lock file (see :meth:`CatalogLock.note_ending`)."""
    return holder if holder.get("ended") and holder.get("run_id") else None


def noted_ending(catalog: Path) -> dict[str, Any] | None:
    """How the last writer said it ended, when the catalog could not take it."""
    return _ending_in(read_holder(catalog))


def describe_holder(holder: dict[str, Any]) -> str:
    if not holder:
        return "another process"
    return (
        f"pid {holder.get('pid')} on {holder.get('host')} "
        f"(unioncat {holder.get('command')}, run {holder.get('run_id')}, "
        f"since {holder.get('started_at')})"
    )


READER_GRACE_SECONDS = 30.0


def _writer_holds(fd: int) -> bool:
    """Whether a writer holds the lock now: only then is a shared lock refused.

    The holder text is written by each writer and left behind by one killed with
    SIGKILL, so it says who held the lock last, not who holds it; the kernel's lock is
    the truth."""
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    fcntl.flock(fd, fcntl.LOCK_UN)
    return False


class CatalogLock:
    def __init__(self, catalog: Path, command: str, run_id: str) -> None:
        self.path = lock_path(catalog)
        self.catalog = catalog
        self.command = command
        self.run_id = run_id
        self._fd: int | None = None
        self._noted = False
        self.previous_ending: dict[str, Any] | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + READER_GRACE_SECONDS
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if _writer_holds(fd):
                    os.close(fd)
                    raise LockHeld(
                        f"catalog {self.catalog} is in use by "
                        f"{describe_holder(read_holder(self.catalog))}",
                        stage="lock",
                        hint="wait for that run to finish; this run changed nothing",
                    ) from None
                if time.monotonic() > deadline:
                    os.close(fd)
                    raise LockHeld(
                        f"catalog {self.catalog} is still open for reading after "
                        f"{READER_GRACE_SECONDS:g} seconds (unioncat status, show or "
                        "find, or another program holding it)",
                        stage="lock",
                        hint="close the readers and run again; this run changed nothing",
                    ) from None
                # Only readers hold it: they finish in moments.  The holder text in
                # the file may name a writer killed with SIGKILL, which is no holder.
                time.sleep(0.05)
        self.previous_ending = _ending_in(_read_fd(fd))
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": self.command,
            "run_id": self.run_id,
            "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        os.fsync(fd)
        self._fd = fd

    def note_ending(self, status: str, message: str) -> None:
        """Keep how this run ended beside the catalog, for when the catalog itself could
        not take it (a full disk): the next writer records it in ``runs``, and ``status``
        shows it, instead of calling the run killed.

        The note is written over the holder text in place, so that on a full disk it
        needs no new block of the file system."""
        if self._fd is None:
            return
        note = json.dumps(
            {
                "run_id": self.run_id,
                "command": self.command,
                "ended": status,
                "message": scrub(message),
                "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
        ).encode()
        try:
            os.pwrite(self._fd, note, 0)
            os.ftruncate(self._fd, len(note))
            os.fsync(self._fd)
            self._noted = True
        except OSError as exc:
            event(
                "run.unrecorded",
                f"run {self.run_id} could not note its ending in {self.path} either: {exc}",
                logging.ERROR,
                run_id=self.run_id,
            )

    def release(self) -> None:
        if self._fd is not None:
            if not self._noted:
                os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> CatalogLock:
        self.acquire()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


class ReaderLock:
    """Shared lock for read-only commands; fails at once while a writer works."""

    def __init__(self, catalog: Path) -> None:
        self.path = lock_path(catalog)
        self.catalog = catalog
        self._fd: int | None = None

    def __enter__(self) -> ReaderLock:
        if not self.path.exists():
            return self
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise LockHeld(
                f"catalog {self.catalog} is being written by "
                f"{describe_holder(read_holder(self.catalog))}",
                stage="status",
                hint="try again when that run has finished",
            ) from None
        self._fd = fd
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
