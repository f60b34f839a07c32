"""JSON records: each top-level object of a file is one frame.

One splitter serves the three ways a file of JSON records is written: an array of
objects (a MARC-in-JSON collection), one object per line (JSON Lines), and a file
that is one object.  It only counts braces outside strings, so it streams a file of
any size in constant memory and never parses a record: the normalizer does.  A record
the file ends inside is an error frame, and so is a file with no object at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import IO

from unioncat.framing.base import RECORD_LIMIT, Frame
from unioncat.framing.stream import CHUNK, read_some

_BLANK = b" \t\r\n"
_MAX_RECORD = 64 << 20  # one record larger than this is not a record but a broken file
_SIGNIFICANT = re.compile(rb'["\\{}]|[^\s\[\],{}"\\]')  # between records
_IN_OBJECT = re.compile(rb'["{}]')  # inside a record: strings and braces
_IN_STRING = re.compile(rb'["\\]')  # inside a string: its end, or an escape


def looks_like_json(head: bytes) -> bool:
    return head.lstrip(_BLANK + b"\xef\xbb\xbf")[:1] in (b"{", b"[")


def iter_json_lines(
    stream: IO[bytes],
    what: str,
    expand: Callable[[bytes, int], list[Frame] | None] | None = None,
) -> Iterator[Frame]:
    """Each non-blank line of a JSON Lines file one frame, not parsed (the normalizer
    parses it, once); ``expand`` may cut a line into several frames (a saved response
    page of many works), or return ``None`` to keep it whole.  A line past the record
    limit ends the file with an error frame naming ``what`` it should have held."""
    position = 0
    carry = b""
    first = True
    while True:
        chunk, fault = read_some(stream, CHUNK)
        if first:
            chunk, first = chunk.removeprefix(b"\xef\xbb\xbf"), False
        lines = (carry + chunk).split(b"\n")
        carry = lines.pop() if chunk and fault is None else b""
        if len(carry) > RECORD_LIMIT:
            reason = (
                f"{what} {position} is longer than {RECORD_LIMIT >> 20} MiB without a line "
                "end: the rest of the file cannot be read as JSON Lines"
            )
            yield Frame(carry[:4096], position, error=reason)
            return
        for line in lines:
            if not line.strip():
                continue
            frames = expand(line, position) if expand is not None else None
            if frames is None:
                yield Frame(line, position)
                position += 1
            else:
                yield from frames
                position += len(frames)
        if fault is not None:
            yield Frame(b"", position, error=fault)
            return
        if not chunk:
            return


def iter_json_objects(stream: IO[bytes]) -> Iterator[Frame]:
    """The top-level JSON objects of ``stream`` (inside one array, or one after another)."""
    position = 0
    depth = 0  # braces open in the current record
    in_string = escaped = False
    record = bytearray()
    stray = bytearray()  # what stood outside any object: proof the file is not JSON records
    first = True
    fault: str | None = None
    while True:
        chunk, fault = read_some(stream, CHUNK)
        if not chunk:
            break
        if first:
            chunk, first = chunk.removeprefix(b"\xef\xbb\xbf"), False
        start: int | None = 0 if depth else None
        i, size = 0, len(chunk)
        while i < size:
            if in_string:
                # inside a string only a quote or a backslash matters: jump to the next
                if escaped:
                    escaped, i = False, i + 1
                    continue
                m = _IN_STRING.search(chunk, i)
                if m is None:
                    break
                i = m.end()
                if chunk[m.start()] == 0x5C:
                    escaped = True
                else:
                    in_string = False
                continue
            m = (_IN_OBJECT if depth else _SIGNIFICANT).search(chunk, i)
            if m is None:
                break
            i = m.end()
            byte = chunk[m.start()]
            if byte == 0x5C:
                continue
            if byte == 0x22:
                if depth:
                    in_string = True
                elif len(stray) < 200:
                    stray += chunk[m.start() : m.start() + 1]
            elif byte == 0x7B:
                if depth == 0:
                    start = m.start()
                depth += 1
            elif byte == 0x7D:
                if depth:
                    depth -= 1
                    if depth == 0 and start is not None:
                        record += chunk[start : m.start() + 1]
                        yield Frame(bytes(record), position)
                        position += 1
                        record.clear()
                        start = None
            elif depth == 0 and len(stray) < 200:
                stray += chunk[m.start() : m.end()]
        if depth and start is not None:
            record += chunk[start:]
            if len(record) > _MAX_RECORD:
                reason = (
                    f"JSON record {position} is longer than {_MAX_RECORD >> 20} MB: the "
                    "file is not JSON records, or a brace is missing"
                )
                yield Frame(bytes(record[:4096]), position, error=reason)
                return
        if fault is not None:
            break
    if fault is not None:
        yield Frame(bytes(record), position, error=fault)
    elif depth:
        reason = f"JSON record {position} is cut off: the file ends inside it"
        yield Frame(bytes(record), position, error=reason)
    elif position == 0 and stray:
        reason = f"no JSON object found (the file begins {bytes(stray[:60])!r})"
        yield Frame(bytes(stray), 0, error=reason)
