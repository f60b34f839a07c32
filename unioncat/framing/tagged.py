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


def _stray_lines(text: bytes, trailer: re.Pattern[bytes] | None) -> int:
    """The lines of ``text`` that are neither blank nor the format's trailer, line by
    line: an expression with a multi-line ``^`` over the whole text is tried at every
    byte, which made the few exports with pages of text between records slow."""
    count = 0
    for line in text.split(b"\n"):
        if line.strip() and (trailer is None or trailer.match(line) is None):
            count += 1
    return count


def _after_line_end(pattern: re.Pattern[bytes]) -> re.Pattern[bytes]:
    """``^X`` as ``\\nX``: the same lines found (but the first), and many times faster,
    for a multi-line ``^`` is tried at every byte while a literal LF is searched for."""
    source = pattern.pattern
    if source.startswith(b"^"):
        return re.compile(b"\n" + source[1:], pattern.flags)
    return re.compile(source, pattern.flags | re.M)


class _Framing:
    def __init__(self, spec: TaggedBlocks, stream: IO[bytes]) -> None:
        self.spec = spec
        self.stream = stream
        self.fault: str | None = None
        self.encoding = Encoding("utf-8", "default")
        self.end = _after_line_end(spec.end) if spec.end is not None else None

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

    def _text(self) -> Iterator[bytes]:
        """The file's bytes with LF line ends only (CRLF and a lone CR made LF), in
        pieces that end at a line end; a CR at a piece's end waits for the next piece,
        which may begin with its LF."""
        rest = b""
        for chunk in self._chunks():
            data = rest + chunk
            cut = data.rfind(b"\n") + 1
            if cut == 0 and len(data) < CHUNK:
                rest = data
                continue
            if cut == 0:  # a megabyte without an LF: lone CRs, or no line ends at all
                cut = len(data) - 1 if data.endswith(b"\r") else len(data)
            rest = data[cut:]
            piece = data[:cut]
            if b"\r" in piece:
                piece = piece.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
            yield piece
        if rest:
            yield rest.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def frames(self) -> Iterator[Frame]:
        """Records cut where the opening tag starts a line: the expression runs over a
        whole piece of the file at once (in C), not line by line in Python."""
        spec = self.spec
        opener = _after_line_end(spec.opener)
        position = 0
        line = 1  # the line of the file that ``pending`` starts on
        dropped = 0  # lines of a long preamble not kept
        pending = b""  # the record begun and not yet ended by the next one, or the preamble
        started = False  # the first record has begun: ``pending`` starts with its opener
        skipping = False  # the record passed RECORD_LIMIT: its rest is passed over
        for piece in self._text():
            if skipping:
                if spec.opener.match(piece):
                    at = 0
                else:
                    found = opener.search(piece)
                    if found is None:
                        line += piece.count(b"\n")
                        continue
                    at = found.start() + 1
                line += piece.count(b"\n", 0, at)
                piece, skipping = piece[at:], False
            data = pending + piece
            begin = 0
            if not started and spec.opener.match(data):
                started = True  # the file begins with a record
            for m in opener.finditer(data):
                at = m.start() + 1  # the line after the LF
                block = data[begin:at]
                if started:
                    yield self._frame(block, position, line, len(block) > RECORD_LIMIT)
                    position += 1
                else:
                    stray = self._stray_text(block)
                    if stray:
                        yield self._stray(stray, position)
                        position += 1
                    started = True
                    line += dropped
                line += block.count(b"\n")
                begin = at
            pending = data[begin:]
            if len(pending) <= RECORD_LIMIT:
                continue
            if not started:  # a file that is not of this kind is not held whole
                keep = pending.rfind(b"\n", 0, HEAD_SIZE) + 1
                dropped += pending.count(b"\n", keep)
                pending = pending[:keep]
                continue
            yield self._frame(pending[:RECORD_LIMIT], position, line, cut_short=True)
            position += 1
            line += pending.count(b"\n")
            pending, skipping = b"", True
        if self.fault is not None:
            yield Frame(pending, position, error=self.fault)
        elif skipping:
            return
        elif not started:
            stray = self._stray_text(pending)
            if stray:
                yield Frame(
                    stray[:4096],
                    position,
                    error=f"no {spec.what} found: the file holds no record of this kind",
                )
        elif pending.strip():
            yield self._frame(pending, position, line)

    def _stray_text(self, block: bytes) -> bytes:
        """The lines of the preamble that are neither blank nor the file's header."""
        header = self.spec.header
        kept = [
            x
            for x in block.split(b"\n")
            if x.strip() and not (header is not None and header.match(x))
        ]
        return b"\n".join(kept)

    def _stray(self, text: bytes, position: int) -> Frame:
        return Frame(
            text,
            position,
            error=f"text before the first {self.spec.what} is not part of any record",
        )

    def _frame(self, block: bytes, position: int, start: int, cut_short: bool = False) -> Frame:
        """One record's frame: its text up to its end line (what follows that line
        belongs to no record, and is counted in the note unless it is the trailer)."""
        spec = self.spec
        skipped = 0
        if self.end is not None and not cut_short:
            end = self.end.search(block)
            if end is not None:
                stop = block.find(b"\n", end.end())
                stop = len(block) if stop < 0 else stop
                after = block[stop:]
                block = block[:stop]
                if after.strip():
                    skipped = _stray_lines(after, spec.trailer)
        raw = block.rstrip(b" \t\n")
        if cut_short:
            raw = raw[:RECORD_LIMIT]
            return Frame(
                raw,
                position,
                error=f"the {spec.what} at line {start} is longer than "
                f"{RECORD_LIMIT >> 20} MiB; its first {RECORD_LIMIT >> 20} MiB are kept",
            )
        encoding = self.encoding
        if encoding.wide:  # already transcoded: what is left to check is UTF-8
            encoding = Encoding("utf-8", f"transcoded from {encoding.name.upper()}")
        text, error = decode_record(raw, encoding)
        if text is None:
            return Frame(raw, position, error=f"the {spec.what} at line {start}: {error}")
        note = (
            f"{skipped} line(s) after its end belong to no record and were skipped"
            if skipped
            else None
        )
        # UTF-8 bytes, once checked, are handed on as they are, not encoded again
        payload = raw if encoding.name == "utf-8" else text.encode("utf-8")
        return Frame(payload + b"\n", position, note=note)
