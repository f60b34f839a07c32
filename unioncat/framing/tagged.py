"""Tagged text exports cut into records: RIS, MEDLINE, Web of Science, NoteExpress, E-Study.

Each of these writes a record as lines of ``tag value``, begins every record with the
same tag (``TY  -``, ``PMID-``, ``PT``, ``{Reference Type}:``, ``DataType:``) and some
end it with one (``ER``).  A :class:`TaggedBlocks` framer knows those two lines and
nothing else of the format:

- the file's encoding is told once from its head (:mod:`unioncat.framing.encoding`),
  and every record is handed on as UTF-8 text with LF line ends, whatever the file was
  (UTF-16 is transcoded as it streams, since its lines cannot be cut on bytes);
- a record that is not valid in the file's encoding is an error frame with its bytes
  and the line it starts on; the records around it are read;
- lines before the first record are the file's header when they match ``header``
  (Web of Science's ``FN``/``VR``) or are blank, and an error frame otherwise (a file
  that is not of this format says so once instead of yielding nonsense records);
- lines between an ``end`` line and the next record (text after RIS's ``ER``) belong
  to no record: they are skipped, and the frame before them notes it, unless they
  match ``trailer`` (Web of Science's ``EF``).
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from unioncat.framing.base import RECORD_LIMIT, Frame, Sniff, register_framer
from unioncat.framing.encoding import Encoding, decode_record, detect
from unioncat.framing.stream import CHUNK, HEAD_SIZE, read_some

_BLANK = re.compile(rb"^\s*$")


@dataclass(frozen=True, slots=True)
class TaggedBlocks:
    """A framer for a tagged export whose records begin at a line ``opener`` matches."""

    opener: re.Pattern[bytes]
    what: str  # "RIS record (TY  - ...)": named in every error
    end: re.Pattern[bytes] | None = None
    header: re.Pattern[bytes] | None = None
    trailer: re.Pattern[bytes] | None = None

    def __call__(self, stream: IO[bytes]) -> Iterator[Frame]:
        return _Framing(self, stream).frames()

    def register(self, name: str, description: str, sniff: Sniff | None = None) -> None:
        """Register this framer as ``name``, recognised by its opening tag unless told."""
        register_framer(name, sniff=sniff or sniff_opener(self.opener), description=description)(
            self
        )


def literal_prefix(pattern: re.Pattern[bytes] | None) -> bytes:
    """The bytes every match of ``pattern`` starts with (``PMID- `` of ``^PMID- ``): a
    line that does not start so is passed over without running the expression, which
    is most lines of a file."""
    if pattern is None:
        return b""
    source = pattern.pattern.removeprefix(b"^")
    out = bytearray()
    i = 0
    while i < len(source):
        ch = source[i : i + 1]
        if ch == b"\\" and i + 1 < len(source) and not source[i + 1 : i + 2].isalnum():
            out += source[i + 1 : i + 2]
            i += 2
            continue
        if ch in b".^$*+?{}[]\\|()":
            break
        out += ch
        i += 1
    # a quantifier after the last literal makes that literal optional
    if i < len(source) and source[i : i + 1] in b"*?{" and out:
        out = out[:-1]
    return bytes(out)


def sniff_opener(opener: re.Pattern[bytes]) -> Sniff:
    """A sniff that looks for ``opener`` at the start of a line of the head, in any of
    the encodings an export comes in."""

    def sniff(head: bytes) -> bool:
        encoding = detect(head)
        text = head[encoding.bom :]
        if encoding.wide:
            decoder = codecs.getincrementaldecoder(encoding.name)(errors="replace")
            text = decoder.decode(text).encode("utf-8")
        return any(opener.match(line) for line in text.splitlines()[:200])

    return sniff


class _Framing:
    def __init__(self, spec: TaggedBlocks, stream: IO[bytes]) -> None:
        self.spec = spec
        self.stream = stream
        self.fault: str | None = None
        self.encoding = Encoding("utf-8", "default")

    def _chunks(self) -> Iterator[bytes]:
        """The file's bytes (UTF-16 already transcoded to UTF-8), BOM removed."""
        head = b""
        while len(head) < HEAD_SIZE:
            chunk, self.fault = read_some(self.stream, CHUNK)
            head += chunk
            if not chunk or self.fault is not None:
                break
        self.encoding = detect(head)
        head = head[self.encoding.bom :]
        if not self.encoding.wide:
            yield head
            while self.fault is None:
                chunk, self.fault = read_some(self.stream, CHUNK)
                if not chunk:
                    return
                yield chunk
            return
        # surrogatepass: a lone surrogate survives into the UTF-8 bytes, where the
        # record's own decoding refuses it, so only that record is lost
        decoder = codecs.getincrementaldecoder(self.encoding.name)(errors="surrogatepass")
        data = head
        while True:
            yield decoder.decode(data).encode("utf-8", "surrogatepass")
            if self.fault is not None:
                return
            data, self.fault = read_some(self.stream, CHUNK)
            if not data:
                yield decoder.decode(b"", final=True).encode("utf-8", "surrogatepass")
                return

    def _lines(self) -> Iterator[bytes]:
        rest = b""
        for chunk in self._chunks():
            data = rest + chunk
            cut = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
            if cut and data[cut - 1 : cut] == b"\r" and cut == len(data):
                cut -= 1  # a CR that may be the first half of a CRLF in the next chunk
            rest = data[cut:]
            yield from data[:cut].splitlines()
            if len(rest) > RECORD_LIMIT:  # a "line" of 16 MiB: not a tagged file
                yield rest
                rest = b""
        if rest:
            yield from rest.splitlines()

    def frames(self) -> Iterator[Frame]:
        spec = self.spec
        position = 0
        block: list[bytes] = []
        size = 0
        start_line = 0
        preamble = True
        closed = False  # the record has had its end line
        skipped = 0  # lines after the end line that belong to no record
        stray: list[bytes] = []  # text before the first record that is not the header
        opens, ends = literal_prefix(spec.opener), literal_prefix(spec.end)
        for number, line in enumerate(self._lines(), start=1):
            if line.startswith(opens) and spec.opener.match(line):
                if preamble and stray:
                    yield self._stray(stray, position)
                    position += 1
                elif block:
                    yield self._frame(block, position, start_line, skipped)
                    position += 1
                block, size, start_line = [line], len(line), number
                preamble = closed = False
                skipped = 0
                continue
            if preamble:
                if not _BLANK.match(line) and not (spec.header and spec.header.match(line)):
                    if sum(len(s) for s in stray) < HEAD_SIZE:
                        stray.append(line)
                continue
            if closed:
                if not _BLANK.match(line) and not (spec.trailer and spec.trailer.match(line)):
                    skipped += 1
                continue
            if size > RECORD_LIMIT:
                continue  # the frame is refused as too long; its rest is not kept
            block.append(line)
            size += len(line) + 1
            if spec.end is not None and line.startswith(ends) and spec.end.match(line):
                closed = True
        if self.fault is not None:
            yield Frame(b"\n".join(block), position, error=self.fault)
        elif block:
            yield self._frame(block, position, start_line, skipped)
        elif stray:
            yield Frame(
                b"\n".join(stray)[:4096],
                position,
                error=f"no {spec.what} found: the file holds no record of this kind",
            )

    def _stray(self, lines: list[bytes], position: int) -> Frame:
        return Frame(
            b"\n".join(lines),
            position,
            error=f"text before the first {self.spec.what} is not part of any record",
        )

    def _frame(self, lines: list[bytes], position: int, start: int, skipped: int) -> Frame:
        while lines and _BLANK.match(lines[-1]):
            lines.pop()
        raw = b"\n".join(lines)
        if len(raw) > RECORD_LIMIT:
            return Frame(
                raw[:RECORD_LIMIT],
                position,
                error=f"the {self.spec.what} at line {start} is longer than "
                f"{RECORD_LIMIT >> 20} MiB; its first {RECORD_LIMIT >> 20} MiB are kept",
            )
        encoding = self.encoding
        if encoding.wide:  # already transcoded: what is left to check is UTF-8
            encoding = Encoding("utf-8", f"transcoded from {encoding.name.upper()}")
        text, error = decode_record(raw, encoding)
        if text is None:
            return Frame(raw, position, error=f"the {self.spec.what} at line {start}: {error}")
        note = (
            f"{skipped} line(s) after its end belong to no record and were skipped"
            if skipped
            else None
        )
        return Frame(text.encode("utf-8", "surrogatepass") + b"\n", position, note=note)
