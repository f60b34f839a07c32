"""Records written as blocks of text lines: MARCMaker (``.mrk``) today, and the tagged
exports (RIS, MEDLINE, NoteExpress, Web of Science) that begin each record with a known
tag.

A record starts at a line that opens a record (``=LDR`` for MARCMaker) and runs to the
next one; blank lines between records are dropped.  Line ends (LF or CRLF) are kept as
written: the normalizer decodes the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO

from unioncat.framing.base import Frame
from unioncat.framing.stream import CHUNK, read_some

_PREAMBLE_KEPT = 64 << 10


def iter_line_blocks(stream: IO[bytes], opener: re.Pattern[bytes], what: str) -> Iterator[Frame]:
    """Blocks of lines, each beginning with a line ``opener`` matches.  Lines before the
    first opener are one error frame (a file that is not of this kind), unless blank."""
    position = 0
    block = bytearray()
    rest = b""
    preamble = True
    fault: str | None = None
    while True:
        chunk, fault = read_some(stream, CHUNK)
        data = rest + chunk
        if not chunk:
            lines, rest = ([data] if data else []), b""
        else:
            cut = data.rfind(b"\n") + 1
            lines, rest = data[:cut].splitlines(keepends=True), data[cut:]
        for line in lines:
            if opener.match(line.lstrip(b"\xef\xbb\xbf")):
                if block.strip():
                    if preamble:
                        reason = f"text before the first {what} is not part of any record"
                        yield Frame(bytes(block), position, error=reason)
                    else:
                        yield Frame(bytes(block).rstrip(b"\r\n") + b"\n", position)
                    position += 1
                block = bytearray(line.lstrip(b"\xef\xbb\xbf") if preamble else line)
                preamble = False
            elif not preamble or len(block) < _PREAMBLE_KEPT:
                block += line  # (a file that is not of this kind is not held whole)
        if not chunk or fault is not None:
            break
    if fault is not None:
        yield Frame(bytes(block), position, error=fault)
    elif block.strip():
        if preamble:
            reason = f"no {what} found: the file holds no record of this kind"
            yield Frame(bytes(block[:4096]), position, error=reason)
        else:
            yield Frame(bytes(block).rstrip(b"\r\n") + b"\n", position)
