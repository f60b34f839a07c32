"""Reads while a run writes: the running process answers them itself.

DuckDB lets one process write a database file, or several read it, never both.  So
while a run holds the catalog, ``status``, ``show``, ``find`` and ``quarantine`` ask that
run: it listens on a Unix socket beside the catalog and answers each request on a
cursor of its own connection, which sees the catalog as of the last committed page
(DuckDB's snapshot isolation; a page or a dedupe still in progress is not seen).  The
socket is made readable by its owner only, and a request from another user is refused
on the peer's credentials as well.  When no run is listening (it was killed), the
reader says who holds the lock, as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import socket
import struct
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from unioncat.catalog import Catalog
from unioncat.config import PipelineConfig
from unioncat.log import event
from unioncat.reads import READS, Answer

_MAX_REQUEST = 1 << 20
_SUN_PATH_MAX = 100  # AF_UNIX paths are limited to 108 bytes


def socket_path(catalog: Path) -> Path:
    """Where the writer of ``catalog`` listens: beside it, or, when that path is too long
    for a Unix socket, in a folder of this user's under the temporary directory."""
    beside = catalog.resolve().with_name(catalog.name + ".sock")
    if len(str(beside)) <= _SUN_PATH_MAX:
        return beside
    digest = hashlib.sha256(str(catalog.resolve()).encode()).hexdigest()[:24]
    return Path(tempfile.gettempdir()) / f"unioncat-{os.getuid()}" / f"{digest}.sock"


def _peer_uid(conn: socket.socket) -> int | None:
    creds = getattr(socket, "SO_PEERCRED", None)
    if creds is None:
        return None
    raw = conn.getsockopt(socket.SOL_SOCKET, creds, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", raw)
    return int(uid)


def _receive(conn: socket.socket) -> bytes:
    chunks = []
    size = 0
    while chunk := conn.recv(65536):
        chunks.append(chunk)
        size += len(chunk)
        if size > _MAX_REQUEST or chunk.endswith(b"\n"):
            break
    return b"".join(chunks)


class ReadService:
    """Answer read commands for other processes while this one writes the catalog."""

    def __init__(self, catalog: Catalog, config: PipelineConfig) -> None:
        self.catalog = catalog
        self.config = config
        self.path = socket_path(catalog.path)
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    def __enter__(self) -> ReadService:
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            if self.path.exists():
                self.path.unlink()  # left by a run that was killed (we hold the lock)
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            old = os.umask(0o177)
            try:
                sock.bind(str(self.path))
            finally:
                os.umask(old)
            sock.listen(8)
            sock.settimeout(0.2)
        except OSError as exc:
            event(
                "reads.unavailable",
                f"reads while this run writes are not served ({exc}); they wait for it",
                logging.WARNING,
            )
            return self
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, name="read-service", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with conn:
                conn.settimeout(30)
                try:
                    self._answer(conn)
                except OSError as exc:  # the reader went away: nothing to tell it
                    event("reads.dropped", f"a read request was dropped: {exc}", logging.DEBUG)

    def _answer(self, conn: socket.socket) -> None:
        uid = _peer_uid(conn)
        if uid is not None and uid != os.getuid():
            answer = Answer(2, err="reads are answered for the catalog's owner only")
        else:
            answer = self._run(_receive(conn))
        conn.sendall(json.dumps(answer.as_json()).encode() + b"\n")

    def _run(self, raw: bytes) -> Answer:
        try:
            request = json.loads(raw)
            read = READS[request["command"]]
            args: dict[str, Any] = dict(request.get("args") or {})
        except (ValueError, KeyError, TypeError) as exc:
            return Answer(2, err=f"unreadable request: {exc}")
        view = self.catalog.reader()
        try:
            return read(view, self.config, {**args, "live": True})
        except Exception as exc:  # noqa: BLE001  (a read that fails must answer, not end the service)
            event("reads.failed", f"a read request failed: {exc}", logging.ERROR)
            why = f"{type(exc).__name__}: {exc}"
            return Answer(1, err=f"the running process could not answer: {why}")
        finally:
            view.close()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._sock is not None:
            # Closing alone does not wake an accept() blocked on another thread, which
            # would sit out its timeout at the end of every run; on Linux shutdown()
            # does (the accept fails and the thread ends), elsewhere the timeout stays.
            try:
                self._sock.shutdown(socket.SHUT_RDWR)
            except OSError as exc:
                event("reads.shutdown", f"the read socket stays until its timeout: {exc}",
                      logging.DEBUG)  # fmt: skip
            self._sock.close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self.path.unlink(missing_ok=True)


def ask_writer(catalog: Path, command: str, args: Mapping[str, Any]) -> Answer | None:
    """The answer of the run that holds ``catalog``, or None when none listens."""
    path = socket_path(catalog)
    if not path.exists():
        return None
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(300)
            sock.connect(str(path))
            sock.sendall(json.dumps({"command": command, "args": dict(args)}).encode() + b"\n")
            sock.shutdown(socket.SHUT_WR)
            data = b"".join(iter(lambda: sock.recv(1 << 16), b""))
    except OSError:
        return None  # a socket left by a killed run, or a run that just ended
    try:
        return Answer.from_json(json.loads(data))
    except (ValueError, KeyError, TypeError):
        return None
