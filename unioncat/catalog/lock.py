"""One writer per catalog.

An advisory ``flock`` on ``<catalog>.lock`` is released by the kernel when its process
dies, so a run killed with SIGKILL never leaves a lock that blocks the next night's run.
The file also names the holder (pid, host, command, run id, start) for the message a
second run prints before it exits with code 3.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from unioncat.errors import LockHeld


def lock_path(catalog: Path) -> Path:
    return catalog.with_name(catalog.name + ".lock")


def read_holder(catalog: Path) -> dict[str, Any]:
    try:
        text = lock_path(catalog).read_text(encoding="utf-8")
        holder = json.loads(text) if text.strip() else {}
        return holder if isinstance(holder, dict) else {}
    except (OSError, ValueError):
        return {}


def describe_holder(holder: dict[str, Any]) -> str:
    if not holder:
        return "another process"
    return (
        f"pid {holder.get('pid')} on {holder.get('host')} "
        f"(unioncat {holder.get('command')}, run {holder.get('run_id')}, "
        f"since {holder.get('started_at')})"
    )


class CatalogLock:
    def __init__(self, catalog: Path, command: str, run_id: str) -> None:
        self.path = lock_path(catalog)
        self.catalog = catalog
        self.command = command
        self.run_id = run_id
        self._fd: int | None = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            holder = read_holder(self.catalog)
            raise LockHeld(
                f"catalog {self.catalog} is in use by {describe_holder(holder)}",
                stage="lock",
                hint="wait for that run to finish; this run changed nothing",
            ) from None
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

    def release(self) -> None:
        if self._fd is not None:
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
