"""ISO 2709 (binary MARC): records cut at the record terminator, never parsed.

ISO 2709 records end with the record terminator (0x1D).  The leader's record length is
trusted only when it lands exactly on a terminator (a stray 0x1D inside a record then
stays inside it); otherwise the record is cut at the next terminator, which survives
leaders that count characters instead of bytes.

A record that lost its end (its terminator with it) would so take the next record
down with it.  Before cutting at a terminator the leader did not point to, the bytes
are searched for the leader of a following record: five digits, a leader's shape, and
a directory that parses up to its field terminator.  The damaged record ends where that
leader starts, and the one after it is framed on its own.  The same search splits
records that have no terminator at all at the end of a file, and a run of bytes with
no terminator is cut after ``RECORD_LIMIT`` bytes so one damaged stretch cannot hold
the whole file in memory.  Every fault becomes an error frame holding the bytes it
concerns, and the frames around it keep their positions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO

from unioncat.compiled import MARC_CORE
from unioncat.framing.base import RECORD_LIMIT, Frame
from unioncat.framing.stream import CHUNK, read_some

RECORD_TERMINATOR = b"\x1d"
_JUNK = b"\r\n\x1a\x00"  # between records: line ends, DOS end-of-file, padding
_LEADER_MIN = 24
_LOOKS_LIKE_LEADER = re.compile(rb"\d{5}[ -~]{7}\d{5}")
# every position where a leader could start (overlapping: "1234500500cam..." holds one
# at its sixth byte)
_LEADER_AT = re.compile(rb"(?=\d{5}[ -~]{7}\d{5}[ -~]{7})")
_FIELD_TERMINATOR = 0x1E
_DIRECTORY_ENTRY = 12
# How many bytes may pass without a terminator before they are given up as one error
# frame (RECORD_LIMIT): 160 times ISO 2709's largest record, room for any real record
# however its leader counts, and a bound on the memory one damaged stretch can take.


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
# records cut by the compiled core at a time: few enough that the first reaches the
# mapping at once, enough that the call costs nothing a record
_RUN = 256


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


def _leader_with_directory(data: bytearray, at: int) -> bool:
    """Whether a record starts at ``at``: a leader whose base address closes a directory
    of well-formed entries with a field terminator.  Text inside a record that merely
    looks like a leader (a 5-digit number, some letters, another number) fails here."""
    length = int(data[at : at + 5])
    base = int(data[at + 12 : at + 17])
    if length < _LEADER_MIN or base <= _LEADER_MIN + 1 or base > length:
        return False
    if (base - _LEADER_MIN - 1) % _DIRECTORY_ENTRY or at + base > len(data):
        return False
    if data[at + base - 1] != _FIELD_TERMINATOR:
        return False
    for entry in range(at + _LEADER_MIN, at + base - 1, _DIRECTORY_ENTRY):
        tag = bytes(data[entry : entry + 3])
        if not tag.isalnum() or not data[entry + 3 : entry + _DIRECTORY_ENTRY].isdigit():
            return False
    return True


def _next_leader(buf: _IsoBuffer, end: int) -> int | None:
    """Where the first following record starts before ``end``, if one does."""
    for found in _LEADER_AT.finditer(buf.data, buf.start + 1, end):
        if _leader_with_directory(buf.data, found.start()):
            return found.start()
    return None


def _next_iso_record(buf: _IsoBuffer) -> tuple[bytes, str | None] | None:
    """The next whole record in the buffer (with the reason it is an error frame, if it
    is one), or ``None`` when more bytes are needed."""
    buf.skip_junk()
    if buf.start >= len(buf.data):
        return None
    end = _declared_end(buf)
    if end == _MORE:
        return None
    if end is not None:
        return buf.cut(end), None
    found = buf.data.find(RECORD_TERMINATOR, buf.scanned)
    if found < 0:
        buf.scanned = len(buf.data)
        limit = buf.start + RECORD_LIMIT
        if buf.eof or len(buf.data) > limit:
            resync = _next_leader(buf, min(len(buf.data), limit))
            if resync is not None:
                return buf.cut(resync), None  # a record without its end, then others
        if len(buf.data) > limit:
            return buf.cut(limit), (
                f"no record terminator (0x1D) in {RECORD_LIMIT >> 20} MiB: not ISO 2709 "
                "MARC, or a long damaged stretch; the framer goes on after it"
            )
        return None
    resync = _next_leader(buf, found)
    return buf.cut(resync if resync is not None else found + 1), None


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
        if MARC_CORE is not None:
            # the run of records nothing is wrong with, cut by the compiled core; the
            # first one with anything to decide is left to _next_iso_record
            payloads, buf.start = MARC_CORE.iso_clean_run(buf.data, buf.start, _RUN)
            if payloads:
                buf.scanned = max(buf.scanned, buf.start)
                for payload in payloads:
                    yield Frame(payload, position)
                    position += 1
        record = _next_iso_record(buf)
        if record is not None:
            yield Frame(record[0], position, error=record[1])
            position += 1
        elif buf.eof:
            break
        else:
            buf.fill(stream)
    yield from _iso_tail(bytes(buf.data[buf.start :]), position, buf.fault)
