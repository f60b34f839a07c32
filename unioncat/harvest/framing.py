"""Cut a byte stream into records without reading their metadata.

Framing is the only thing a file harvester knows about formats: where one record ends
and the next begins.  A broken record must not take its neighbours down with it, so
every fault becomes an error frame holding the bytes it concerns, the frames around it
keep their positions, and nothing in here raises for damaged input.

ISO 2709 records end with the record terminator (0x1D).  The leader's record length is
trusted only when it lands exactly on a terminator (a stray 0x1D inside a record then
stays inside it); otherwise the record is cut at the next terminator, which survives
leaders that count characters instead of bytes.  MARCXML records are cut out with a
streaming parser that has entity resolution and network access switched off; after a
syntax error the rest of the file is scanned for ``<record>`` elements, each parsed
alone with the same settings.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO, Any, cast

from lxml import etree

RECORD_TERMINATOR = b"\x1d"
MARCXML_NS = "http://www.loc.gov/MARC21/slim"
_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
_GZIP_ERRORS = (EOFError, gzip.BadGzipFile, zlib.error)
_JUNK = b"\r\n\x1a\x00"  # between records: line ends, DOS end-of-file, padding
_LEADER_MIN = 24
_LOOKS_LIKE_LEADER = re.compile(rb"\d{5}[ -~]{7}\d{5}")
_HEAD_LIMIT = 1 << 20  # how much of a file without records its error frame keeps
_KEEP_LIMIT = 64 << 20  # how much unframed MARCXML is kept for recovery at most
_RECORD_TAGS = (f"{{{MARCXML_NS}}}record", "record")
_RECORD_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?record(?=[\s/>])")
_SPLIT_TAG_MARGIN = 64  # a start tag cut by a read is at most this long before the name


@dataclass(slots=True)
class Frame:
    """One framed record: its bytes, its ordinal in the file, or why it could not be read."""

    payload: bytes
    position: int
    error: str | None = None


def open_maybe_gzip(raw: IO[bytes]) -> IO[bytes]:
    """Return a stream that reads the decompressed bytes if ``raw`` is gzip."""
    buffered: Any = raw if hasattr(raw, "peek") else io.BufferedReader(cast(Any, raw))
    head = buffered.peek(2)[:2]
    if head == _GZIP_MAGIC:
        return cast(IO[bytes], gzip.GzipFile(fileobj=buffered, mode="rb"))
    return cast(IO[bytes], buffered)


def sniff(stream: IO[bytes]) -> str:
    """``marcxml`` when the first non-blank byte is ``<``, else ``marc21`` (ISO 2709)."""
    peek = getattr(stream, "peek", None)
    head = peek(512)[:512] if peek else b""
    stripped = head.lstrip(b" \t\r\n\xef\xbb\xbf")
    return "marcxml" if stripped.startswith(b"<") else "marc21"


def _gzip_fault(exc: BaseException) -> str:
    """The reason given for a damaged gzip stream: what broke, and what it means."""
    return (
        f"gzip stream is truncated or corrupt ({type(exc).__name__}: {exc}); "
        "the records after this point cannot be read"
    )


def _read_some(stream: IO[bytes], size: int) -> tuple[bytes, str | None]:
    """Read up to ``size`` bytes, turning gzip damage into a reason instead of raising.

    ``read1`` does at most one underlying read, so a gzip fault loses no bytes that were
    already decompressed (``read`` drops a partly filled buffer when it raises)."""
    read1 = getattr(stream, "read1", None)
    try:
        data: bytes = read1(size) if read1 is not None else stream.read(size)
    except _GZIP_ERRORS as exc:
        return b"", _gzip_fault(exc)
    return data, None


# ================================================================ ISO 2709


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
        if self.start > _CHUNK and self.start * 2 > len(self.data):
            del self.data[: self.start]
            self.scanned -= self.start
            self.start = 0
        chunk, fault = _read_some(stream, _CHUNK)
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


# ================================================================ MARCXML


# What keeps harvested XML harmless, for the parser and for iterparse alike: no entity
# resolution (no XXE, no billion laughs), no network, no DTD, no unbounded trees.
_SAFE_XML = {"resolve_entities": False, "no_network": True, "load_dtd": False, "huge_tree": False}


def secure_xml_parser(**kwargs: bool) -> etree.XMLParser:
    """An lxml parser that never resolves entities or touches the network (no XXE)."""
    return etree.XMLParser(**_SAFE_XML, **kwargs)


class _RecordingReader:
    """The stream as lxml reads it, keeping the bytes after the last record it reported.

    lxml reads ahead in 64 KiB blocks and tells no byte offsets, so after a syntax error
    only these kept bytes say where the unreported records are.  Gzip damage is turned
    into end of data (and remembered) so the parser stops instead of raising."""

    def __init__(self, stream: IO[bytes]) -> None:
        self._stream = stream
        self.kept = bytearray()
        self.head = bytearray()
        self.fault: str | None = None
        self.bounded = True

    def read(self, size: int = -1) -> bytes:
        if self.fault is not None:
            return b""
        data, self.fault = _read_some(self._stream, size if size > 0 else _CHUNK)
        self.kept += data
        if len(self.head) < _HEAD_LIMIT:
            self.head += data[: _HEAD_LIMIT - len(self.head)]
        if self.bounded and len(self.kept) > _KEEP_LIMIT:
            del self.kept[: len(self.kept) - _KEEP_LIMIT // 2]
        return data

    def forget_through(self, elem: Any) -> None:
        """Drop the kept bytes up to the end tag of a record the parser just reported."""
        found = _end_tag(_qname(elem)).search(self.kept)
        if found is not None:
            del self.kept[: found.end()]


def _qname(elem: Any) -> bytes:
    """The record's tag as written in the file (``record`` or ``marc:record``)."""
    prefix = elem.prefix
    return f"{prefix}:record".encode() if prefix else b"record"


@lru_cache(maxsize=64)
def _end_tag(qname: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"</" + re.escape(qname) + rb"\s*>")


@dataclass(frozen=True, slots=True)
class _Wrapper:
    """What a record cut out of a file needs to parse alone: the file's encoding and the
    namespace prefixes its root element declares (``xmlns:marc`` on the collection)."""

    before: bytes
    after: bytes = b"</unioncat-wrapper>"

    @classmethod
    def from_head(cls, head: bytes) -> _Wrapper:
        declaration = re.match(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.-]+)[\"']", head)
        encoding = declaration.group(1) if declaration else b"UTF-8"
        root = _root_tag(head)
        names = b""
        if root is not None and root[0].rpartition(b":")[2] != b"record":
            names = b" ".join(m.group(0) for m in _XMLNS.finditer(root[1]))
        return cls(
            b'<?xml version="1.0" encoding="' + encoding + b'"?><unioncat-wrapper ' + names + b">"
        )


_XMLNS = re.compile(rb"xmlns(?::([\w.-]+))?\s*=\s*(\"[^\"]*\"|'[^']*')")
_FIRST_TAG = re.compile(rb"<(?![?!/])([A-Za-z_][\w.:-]*)([^>]*)>?")


def _root_tag(head: bytes) -> tuple[bytes, bytes] | None:
    """The name and attribute text of the first element start tag, if there is one."""
    found = _FIRST_TAG.search(head)
    return (found.group(1), found.group(2)) if found else None


def _parse_alone(raw: bytes, wrapper: _Wrapper, parser: Any) -> tuple[bytes | None, str | None]:
    """One cut-out record parsed on its own: (payload, None), (None, why it is broken),
    or (None, None) when it is a ``record`` of another namespace (not MARC, skipped)."""
    try:
        root = etree.fromstring(wrapper.before + raw + wrapper.after, parser)
    except etree.XMLSyntaxError as exc:
        return None, str(exc)
    elem = root[0]
    if elem.tag not in _RECORD_TAGS:
        return None, None
    return etree.tostring(elem, with_tail=False), None


def _record_end(buf: bytearray, start: re.Match[bytes], hint: int) -> tuple[int, str | None]:
    """Where the record starting at ``start`` ends, and why it is broken if it is.

    It ends after its end tag, or, when another record starts first, just before that
    one; ``_MORE`` when neither is in the buffer (searching resumes at ``hint``)."""
    close = buf.find(b">", start.end())
    if close < 0:
        return _MORE, None
    if buf[close - 1 : close] == b"/":
        return close + 1, None
    qname = start.group(0)[1:]
    end_tag = _end_tag(qname).search(buf, max(close, hint))
    limit = end_tag.start() if end_tag else len(buf)
    following = _RECORD_START.search(buf, max(close, hint), limit)
    if following is not None:
        return following.start(), "it has no end tag before the next record starts"
    if end_tag is not None:
        return end_tag.end(), None
    return _MORE, None


def _scan_records(reader: _RecordingReader) -> Iterator[tuple[bytes, str | None]]:
    """The ``<record>`` elements in the kept and the unread bytes, as (raw bytes, fault).

    A record the file ends in is not yielded: it stays in ``reader.kept``."""
    buf = reader.kept
    reader.bounded = False
    eof = reader.fault is not None
    hint = 0
    while True:
        start = _RECORD_START.search(buf)
        end, fault = (_MORE, None) if start is None else _record_end(buf, start, hint)
        if end != _MORE and start is not None:
            yield bytes(buf[start.start() : end]).rstrip(), fault
            del buf[:end]
            hint = 0
            continue
        if eof:
            return
        if start is None:
            del buf[: max(0, len(buf) - _SPLIT_TAG_MARGIN)]
        else:
            del buf[: start.start()]
            hint = max(0, len(buf) - _SPLIT_TAG_MARGIN)
        eof = not reader.read(_CHUNK)


def _recover(reader: _RecordingReader, position: int, syntax: str) -> Generator[Frame, None, int]:
    """Frame the records the streaming parser could not reach after ``syntax`` stopped it;
    returns the next position."""
    wrapper = _Wrapper.from_head(bytes(reader.head))
    parser = secure_xml_parser()
    for raw, fault in _scan_records(reader):
        payload, broken = (None, fault) if fault else _parse_alone(raw, wrapper, parser)
        if payload is None and broken is None:
            continue
        if payload is not None:
            yield Frame(payload, position)
        else:
            reason = f"MARCXML record {position} is not well-formed: {broken}"
            yield Frame(raw, position, error=reason)
        position += 1
    rest = bytes(reader.kept).strip()
    if reader.fault is not None:
        yield Frame(rest, position, error=reader.fault)
        return position + 1
    if _RECORD_START.match(rest):
        reason = f"MARCXML record {position} is cut off: the file ends inside it ({syntax})"
        yield Frame(rest, position, error=reason)
        return position + 1
    return position


def _namespace_of(name: bytes, attributes: bytes) -> str | None:
    """The namespace a start tag declares for its own prefix (read from its raw bytes,
    since a file that failed to parse has no element tree to ask)."""
    prefix = name.rpartition(b":")[0] or None
    for declared in _XMLNS.finditer(attributes):
        if declared.group(1) == prefix:
            return declared.group(2)[1:-1].decode(errors="replace")
    return None


def _no_record_reason(head: bytes, syntax: str | None) -> str | None:
    """Why a file gave no record: what its root element is instead; ``None`` for an empty
    MARC 21 ``<collection>``, which is a file that rightly holds no record."""
    root = _root_tag(head)
    if root is None:
        seen = "no root element"
    else:
        name, attributes = root
        local = name.rpartition(b":")[2]
        namespace = _namespace_of(name, attributes)
        if syntax is None and local == b"collection" and namespace in (None, MARCXML_NS):
            return None
        where = f"namespace '{namespace}'" if namespace else "no namespace"
        seen = f"root element <{local.decode(errors='replace')}> in {where}"
    reason = (
        f"no MARC 21 <record> element found: {seen}; MARC 21 records are <record> "
        f"elements in namespace '{MARCXML_NS}' or in no namespace"
    )
    return f"{reason} (and the XML is not well-formed: {syntax})" if syntax else reason


def _inside_record(elem: Any) -> bool:
    """A record nested in a record means the outer one lost its end tag: the parser would
    report the inner ones as records and the broken one only at the end of the file."""
    parent = elem.getparent()
    return parent is not None and parent.tag in _RECORD_TAGS


def iter_marcxml(stream: IO[bytes]) -> Iterator[Frame]:
    """Yield each ``<record>`` (MARC namespace or none) as bytes; after a syntax error the
    rest is framed record by record, so one broken record costs only itself."""
    reader = _RecordingReader(stream)
    position = 0
    syntax: str | None = None
    context = etree.iterparse(
        reader,
        events=("end",),
        tag=_RECORD_TAGS,
        remove_blank_text=False,
        **_SAFE_XML,
    )
    try:
        for _event, elem in context:
            if _inside_record(elem):
                syntax = "a <record> starts inside another one, which has no end tag"
                break
            yield Frame(etree.tostring(elem), position)
            position += 1
            reader.forget_through(elem)
            elem.clear()
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        syntax = str(exc)
    if syntax is not None or reader.fault is not None:
        position = yield from _recover(reader, position, syntax or "")
    if position == 0:
        reason = _no_record_reason(bytes(reader.head), syntax)
        if reason is not None:
            yield Frame(bytes(reader.head), 0, error=reason)


def iter_frames(stream: IO[bytes], fmt: str | None = None) -> tuple[str, Iterator[Frame]]:
    """Pick the framing by ``fmt`` or by sniffing; return the wire format and the frames.

    A gzip stream too damaged to sniff gives one error frame instead of an exception."""
    try:
        wire = fmt or sniff(stream)
    except _GZIP_ERRORS as exc:
        return "marc21", iter([Frame(b"", 0, error=_gzip_fault(exc))])
    if wire == "marcxml":
        return wire, iter_marcxml(stream)
    return wire, iter_iso2709(stream)
