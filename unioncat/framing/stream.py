"""Byte streams for framers: gzip detected from the bytes, damage turned into a reason,
and the head of a file read once for sniffing without losing it.

A framer must never raise for damaged input (a broken download, a truncated gzip), so
every read it makes goes through :func:`read_some`, which hands back the fault instead.
"""

from __future__ import annotations

import gzip
import io
import zlib
from typing import IO, Any, cast

CHUNK = 1 << 20
HEAD_SIZE = 64 << 10  # what sniffing sees of a file: the prolog of any XML, a JSON start
GZIP_MAGIC = b"\x1f\x8b"
GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)


def gzip_fault(exc: BaseException) -> str:
    """The reason given for a damaged gzip stream: what broke, and what it means."""
    return (
        f"gzip stream is truncated or corrupt ({type(exc).__name__}: {exc}); "
        "the records after this point cannot be read"
    )


def open_maybe_gzip(raw: IO[bytes]) -> IO[bytes]:
    """Return a stream that reads the decompressed bytes if ``raw`` is gzip."""
    buffered: Any = raw if hasattr(raw, "peek") else io.BufferedReader(cast(Any, raw))
    head = buffered.peek(2)[:2]
    if head == GZIP_MAGIC:
        return cast(IO[bytes], gzip.GzipFile(fileobj=buffered, mode="rb"))
    return cast(IO[bytes], buffered)


def read_some(stream: IO[bytes], size: int) -> tuple[bytes, str | None]:
    """Read up to ``size`` bytes, turning gzip damage into a reason instead of raising.

    ``read1`` does at most one underlying read, so a gzip fault loses no bytes that were
    already decompressed (``read`` drops a partly filled buffer when it raises)."""
    read1 = getattr(stream, "read1", None)
    try:
        data: bytes = read1(size) if read1 is not None else stream.read(size)
    except GZIP_ERRORS as exc:
        return b"", gzip_fault(exc)
    return data, None


class HeadStream(io.RawIOBase):
    """A stream whose first bytes were read ahead (to sniff the format) and are served
    again before the rest.  A fault met while reading the head is raised again at the
    point where the bytes ran out, so the framer reports it where it happened."""

    def __init__(self, stream: IO[bytes], size: int = HEAD_SIZE) -> None:
        super().__init__()
        self._stream = stream
        chunks: list[bytes] = []
        self.fault: BaseException | None = None
        got = 0
        while got < size:
            try:
                chunk = _read1(stream, size - got)
            except GZIP_ERRORS as exc:
                self.fault = exc
                break
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
        self.head = b"".join(chunks)
        self._offset = 0

    def readable(self) -> bool:
        return True

    def read1(self, size: int = -1) -> bytes:
        if self._offset < len(self.head):
            end = len(self.head) if size < 0 else min(len(self.head), self._offset + size)
            out = self.head[self._offset : end]
            self._offset = end
            return out
        if self.fault is not None:
            fault, self.fault = self.fault, None
            raise fault
        return _read1(self._stream, size if size > 0 else CHUNK)

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while chunk := self.read1(CHUNK):
                parts.append(chunk)
            return b"".join(parts)
        return self.read1(size)

    def readinto(self, buffer: Any) -> int:
        data = self.read1(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read1(stream: IO[bytes], size: int) -> bytes:
    read1 = getattr(stream, "read1", None)
    data: bytes = read1(size) if read1 is not None else stream.read(size)
    return data
