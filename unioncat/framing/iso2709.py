"""ISO 2709 (binary MARC): records cut at the record terminator, never parsed.

ISO 2709 records end with the record terminator (0x1D).  The leader's record length is
trusted only when it lands exactly on a terminator (a stray 0x1D inside a record then
stays inside it); otherwise the record is cut at the next terminator, which survives
leaders that count characters instead of bytes.  Every fault becomes an error frame
holding the bytes it concerns, and the frames around it keep their positions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from unioncat.framing.base import Frame
from unioncat.framing.stream import CHUNK, read_some

RECORD_TERMINATOR = b"\x1d"
_JUNK = b"\r\n\x1a\x00"  # between records: line ends, DOS end-of-file, padding
_LEADER_MIN = 24
_LOOKS_LIKE_LEADER = re.compile(rb"\d{5}[ -~]{7}\d{5}")


def looks_like_iso2709(head: bytes) -> bool:
    """Five digits of a record length, after any junk between records."""
    return head.lstrip(_JUNK + b" \xef\xbb\xbf")[:5].isdigit()


@dataclass(slots=True)
class _IsoBuffer:
    """Bytes read but not framed yet; ``scanned`` marks how far terminators were searched,
    so each byte is searched once however many reads a record spans (linear time)."""

    data: bytearray = field(default_factory=bytearray)
    start: int = 0
    scanned: int = 0
    eof: bool = False
    fault: str | None = None

    def fill(self, stream: IO[bytes]) -> None:
        """Append the next chunk, dropping framed bytes first so memory stays bounded."""
        if self.start > CHUNK and self.start * 2 > len(self.data):
            del self.data[: self.start]
            self.scanned -= self.start
            self.start = 0
        chunk, fault = read_some(stream, CHUNK)
        if fault is not None:
            self.fault, self.eof = fault, True
        elif not chunk:
            self.eof = True
        self.data += chunk

    def skip_junk(self) -> None:
        """Step over line ends, padding and empty records between records."""
        data, i = self.data, self.start
        while i < len(data) and data[i] in _JUNK + RECORD_TERMINATOR:
            i += 1
        self.start = i
        self.scanned = max(self.scanned, i)

    def cut(self, end: int) -> bytes:
        record = bytes(self.data[self.start : end])
        self.start = end
        self.scanned = max(self.scanned, end)
        return record


_MORE = -1  # the decision needs bytes not read yet


def _declared_end(buf: _IsoBuffer) -> int | None:
    """Where the leader says the record ends, if that is a record terminator.

    ``None`` when the length is not numeric, does not land on a terminator, or lands on a
    later record's terminator (the bytes after the first terminator look like a leader):
    then the record is cut at its first terminator as before."""
    data, start = buf.data, buf.start
    digits = bytes(data[start : start + 5])
    if len(digits) < 5:
        return None if buf.eof else _MORE
    if not digits.isdigit() or int(digits) < _LEADER_MIN:
        return None
    end = start + int(digits)
    if end > len(data):
        return None if buf.eof else _MORE
    if data[end - 1] != RECORD_TERMINATOR[0]:
        return None
    first = data.find(RECORD_TERMINATOR, start, end)
    if first == end - 1:
        return end
    after = first + 1
    while after < end and data[after] in _JUNK:
        after += 1
    return None if _LOOKS_LIKE_LEADER.match(data, after) else end


def _next_iso_record(buf: _IsoBuffer) -> bytes | None:
    """The next whole record in the buffer, or ``None`` when more bytes are needed."""
    buf.skip_junk()
    if buf.start >= len(buf.data):
        return None
    end = _declared_end(buf)
    if end == _MORE:
        return None
    if end is not None:
        return buf.cut(end)
    found = buf.data.find(RECORD_TERMINATOR, buf.scanned)
    if found < 0:
        buf.scanned = len(buf.data)
        return None
    return buf.cut(found + 1)


def _iso_tail(tail: bytes, position: int, fault: str | None) -> Iterator[Frame]:
    """What is left after the last terminator: the gzip fault, a truncated record, or,
    when no record was found at all, a file that is not ISO 2709."""
    if fault is not None:
        yield Frame(tail, position, error=fault)
    elif not tail.strip(_JUNK + b" "):
        return
    elif position == 0:
        reason = (
            "file does not look like ISO 2709 MARC "
            f"(no record terminator 0x1D found in {len(tail)} bytes)"
        )
        yield Frame(tail, position, error=reason)
    else:
        yield Frame(tail, position)


def iter_iso2709(stream: IO[bytes]) -> Iterator[Frame]:
    """Cut records by leader length or terminator; a tail without one is yielded as a
    truncated record (or as an error frame when gzip damage or no terminator at all)."""
    buf = _IsoBuffer()
    position = 0
    while True:
        record = _next_iso_record(buf)
        if record is not None:
            yield Frame(record, position)
            position += 1
        elif buf.eof:
            break
        else:
            buf.fill(stream)
    yield from _iso_tail(bytes(buf.data[buf.start :]), position, buf.fault)
