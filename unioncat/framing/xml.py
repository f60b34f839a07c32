"""XML record elements cut out of a file with a streaming parser, one frame each.

A format's records are elements of given names (MARC 21 ``<record>``, MODS ``<mods>``,
Dublin Core ``<oai_dc:dc>``), found wherever they sit: in a collection, alone, or in an
OAI-PMH response saved to disk.  In the last case the frame is the OAI-PMH
``<record>`` that wraps one (header and all), so the normalizer still sees the OAI
identifier and a deleted header becomes a tombstone; a wrapper is any ``record``
element with a ``header`` child, in whatever namespace the repository put it.

Parsing has entity resolution, DTDs and network access switched off
(:mod:`unioncat.xmlsafe`).  After a syntax error the rest of the file is scanned for
record start tags and each record is parsed alone with the same settings, so one
broken record costs only itself.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import IO, Any

from lxml import etree

from unioncat.framing.base import RECORD_LIMIT, Frame
from unioncat.framing.stream import CHUNK, read_some
from unioncat.xmlsafe import OAI_NS, SAFE_XML, repair_xml, secure_xml_parser

_HEAD_LIMIT = 1 << 20  # how much of a file without records its error frame keeps
_KEEP_LIMIT = 64 << 20  # how much unframed XML is kept for recovery at most
_SPLIT_TAG_MARGIN = 64  # a start tag cut by a read is at most this long before the name
_XMLNS = re.compile(rb"xmlns(?::([\w.-]+))?\s*=\s*(\"[^\"]*\"|'[^']*')")
_FIRST_TAG = re.compile(rb"<(?![?!/])([A-Za-z_][\w.:-]*)([^>]*)>?")
_OAI_ERROR = re.compile(rb"<(?:[\w.-]+:)?error\b[^>]*\bcode\s*=\s*[\"']([\w]+)[\"'][^>]*>([^<]*)")


@dataclass(frozen=True, slots=True)
class XmlRecords:
    """What the records of one XML format look like to the framer.

    ``targets`` are the Clark names of the record elements (``{ns}local``, or ``local``
    for no namespace); ``containers`` the root elements (local name, namespace or None)
    of a file that rightly holds no record, such as an empty MARC ``<collection>``.
    """

    targets: frozenset[str]
    local: str
    label: str
    expect: str
    containers: frozenset[tuple[str, str | None]] = frozenset()

    @property
    def namespaces(self) -> frozenset[str]:
        """The namespaces of the targets ("" for no namespace)."""
        return frozenset(t[1:].split("}", 1)[0] if t.startswith("{") else "" for t in self.targets)

    def __call__(self, stream: IO[bytes]) -> Iterator[Frame]:
        return iter_xml_records(stream, self)


def xml_root(head: bytes) -> tuple[str, str | None] | None:
    """Local name and namespace of the first element of ``head`` (None when it has
    none, or when ``head`` holds no start tag)."""
    root = _root_tag(head)
    if root is None:
        return None
    name, attributes = root
    local = name.rpartition(b":")[2].decode(errors="replace")
    return local, _namespace_of(name, attributes)


def looks_like_xml(head: bytes) -> bool:
    return head.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"<")


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
        data, self.fault = read_some(self._stream, size if size > 0 else CHUNK)
        self.kept += data
        if len(self.head) < _HEAD_LIMIT:
            self.head += data[: _HEAD_LIMIT - len(self.head)]
        if self.bounded and len(self.kept) > _KEEP_LIMIT:
            del self.kept[: len(self.kept) - _KEEP_LIMIT // 2]
        return data

    def forget_through(self, elem: Any) -> None:
        """Drop the kept bytes up to the end of an element the parser just reported.

        Nesting is counted: an OAI-PMH ``<record>`` holds a MARC ``<record>`` of the same
        written name, whose end tag comes first."""
        end = _element_end(self.kept, _qname(elem))
        if end is not None:
            del self.kept[:end]


def _qname(elem: Any) -> bytes:
    """The element's tag as written in the file (``record`` or ``marc:record``)."""
    local: bytes = etree.QName(elem).localname.encode()
    prefix = elem.prefix
    return prefix.encode() + b":" + local if prefix else local


@lru_cache(maxsize=64)
def _end_tag(qname: bytes) -> re.Pattern[bytes]:
    return re.compile(rb"</" + re.escape(qname) + rb"\s*>")


@lru_cache(maxsize=64)
def _tag_of(qname: bytes) -> re.Pattern[bytes]:
    """Start tags (not self-closing) and end tags of ``qname``."""
    return re.compile(rb"<(/?)" + re.escape(qname) + rb"(?=[\s/>])([^>]*)>")


@lru_cache(maxsize=16)
def _start_of(local: str) -> re.Pattern[bytes]:
    return re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?" + re.escape(local.encode()) + rb"(?=[\s/>])")


def _element_end(buf: bytearray, qname: bytes) -> int | None:
    """Where the first ``qname`` element in ``buf`` ends, counting nested ones."""
    depth = 0
    for m in _tag_of(qname).finditer(buf):
        if m.group(1):
            depth -= 1
            if depth <= 0:
                return m.end()
        elif not m.group(2).endswith(b"/"):
            depth += 1
    found = _end_tag(qname).search(buf)
    return found.end() if found else None


@dataclass(frozen=True, slots=True)
class _Wrapper:
    """What a record cut out of a file needs to parse alone: the file's encoding and the
    namespace prefixes its root element declares (``xmlns:marc`` on the collection)."""

    before: bytes
    root_names: dict[bytes | None, str]
    after: bytes = b"</unioncat-wrapper>"
    utf8: bool = True  # the file's declared encoding is UTF-8 (or ASCII)

    @classmethod
    def from_head(cls, head: bytes, local: str) -> _Wrapper:
        declaration = re.match(rb"\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.-]+)[\"']", head)
        encoding = declaration.group(1) if declaration else b"UTF-8"
        root = _root_tag(head)
        names = b""
        declared: dict[bytes | None, str] = {}
        if root is not None and root[0].rpartition(b":")[2] != local.encode():
            names = b" ".join(m.group(0) for m in _XMLNS.finditer(root[1]))
            declared = {
                m.group(1): m.group(2)[1:-1].decode(errors="replace")
                for m in _XMLNS.finditer(root[1])
            }
        return cls(
            b'<?xml version="1.0" encoding="' + encoding + b'"?><unioncat-wrapper ' + names + b">",
            declared,
            utf8=encoding.lower().replace(b"-", b"") in (b"utf8", b"usascii", b"ascii"),
        )


def _root_tag(head: bytes) -> tuple[bytes, bytes] | None:
    """The name and attribute text of the first element start tag, if there is one."""
    found = _FIRST_TAG.search(head)
    return (found.group(1), found.group(2)) if found else None


def _namespace_of(name: bytes, attributes: bytes) -> str | None:
    """The namespace a start tag declares for its own prefix (read from its raw bytes,
    since a file that failed to parse has no element tree to ask)."""
    prefix = name.rpartition(b":")[0] or None
    for declared in _XMLNS.finditer(attributes):
        if declared.group(1) == prefix:
            return declared.group(2)[1:-1].decode(errors="replace")
    return None


def _parse_alone(
    raw: bytes, wrapper: _Wrapper, parser: Any, spec: XmlRecords
) -> tuple[bytes | None, str | None, str | None]:
    """One cut-out record parsed on its own: (payload, None, what was repaired), (None,
    why it is broken, None), or (None, None, None) when it is an element of another
    namespace (not a record, skipped).

    A record that does not parse is repaired as an OAI-PMH page would be
    (:func:`unioncat.xmlsafe.repair_xml`) and parsed again, so the same record lands
    alike from a file and from a repository."""
    notes: list[str] = []
    try:
        root = etree.fromstring(wrapper.before + raw + wrapper.after, parser)
    except etree.XMLSyntaxError as exc:
        repaired, notes = repair_xml(raw, utf8=wrapper.utf8)
        if not notes:
            return None, f"is not well-formed: {exc}", None
        try:
            root = etree.fromstring(wrapper.before + repaired + wrapper.after, parser)
        except etree.XMLSyntaxError:
            return None, f"is not well-formed: {exc}", None
    elem = root[0]
    if elem.tag not in spec.targets:
        return None, None, None
    return etree.tostring(elem, with_tail=False), None, "; ".join(notes) or None


def _foreign(start: re.Match[bytes], buf: bytearray, wrapper: _Wrapper, spec: XmlRecords) -> bool:
    """Whether a start tag found in the raw bytes is known to be in another namespace
    (an OAI-PMH ``<record>`` around a MARC one), so recovery does not take it for a record."""
    close = buf.find(b">", start.end())
    attributes = bytes(buf[start.end() : close if close >= 0 else len(buf)])
    name = start.group(0)[1:]
    namespace = _namespace_of(name, attributes)
    if namespace is None:
        prefix = name.rpartition(b":")[0] or None
        if prefix in wrapper.root_names:
            namespace = wrapper.root_names[prefix]
        elif prefix is None:
            namespace = ""
    return namespace is not None and namespace not in spec.namespaces


def _record_end(
    buf: bytearray, start: re.Match[bytes], hint: int, spec: XmlRecords
) -> tuple[int, str | None]:
    """Where the record starting at ``start`` ends, and why it is broken if it is.

    It ends after its end tag, or, when another record starts first, just before that
    one; ``-1`` when neither is in the buffer (searching resumes at ``hint``)."""
    close = buf.find(b">", start.end())
    if close < 0:
        return -1, None
    if buf[close - 1 : close] == b"/":
        return close + 1, None
    qname = start.group(0)[1:]
    end_tag = _end_tag(qname).search(buf, max(close, hint))
    limit = end_tag.start() if end_tag else len(buf)
    following = _start_of(spec.local).search(buf, max(close, hint), limit)
    if following is not None:
        return following.start(), (
            "is not well-formed: it has no end tag before the next record starts"
        )
    if end_tag is not None:
        return end_tag.end(), None
    return -1, None


def _scan_records(
    reader: _RecordingReader, wrapper: _Wrapper, spec: XmlRecords
) -> Iterator[tuple[bytes, str | None]]:
    """The record elements in the kept and the unread bytes, as (raw bytes, fault).

    A record the file ends in is not yielded: it stays in ``reader.kept``."""
    buf = reader.kept
    reader.bounded = False
    eof = reader.fault is not None
    hint = 0
    starts = _start_of(spec.local)
    while True:
        start = starts.search(buf)
        while start is not None and _foreign(start, buf, wrapper, spec):
            start = starts.search(buf, start.end())
        end, fault = (-1, None) if start is None else _record_end(buf, start, hint, spec)
        if end != -1 and start is not None:
            yield bytes(buf[start.start() : end]).rstrip(), fault
            del buf[:end]
            hint = 0
            continue
        if start is not None and len(buf) - start.start() > RECORD_LIMIT:
            del buf[: start.start()]
            head = bytes(buf[:RECORD_LIMIT])
            skipped = _skip_record(reader, start.group(0)[1:], spec)
            yield (
                head,
                (
                    f"is larger than the record limit of {RECORD_LIMIT >> 20} MiB "
                    f"({RECORD_LIMIT + skipped} bytes or more); its first {RECORD_LIMIT} bytes "
                    "are kept and the rest was skipped up to its end"
                ),
            )
            hint = 0
            continue
        if eof:
            return
        if start is None:
            del buf[: max(0, len(buf) - _SPLIT_TAG_MARGIN)]
        else:
            del buf[: start.start()]
            hint = max(0, len(buf) - _SPLIT_TAG_MARGIN)
        eof = not reader.read(CHUNK)


def _skip_record(reader: _RecordingReader, qname: bytes, spec: XmlRecords) -> int:
    """Drop an oversized record from the kept bytes, reading on to its end tag (or to
    the next record's start, or the end of the file) without keeping what it reads;
    returns how many bytes past the record limit were dropped."""
    buf = reader.kept
    end_tag = _end_tag(qname)
    starts = _start_of(spec.local)
    dropped = 0
    search_from = RECORD_LIMIT
    while True:
        found_end = end_tag.search(buf, search_from)
        found_next = starts.search(buf, max(1, search_from))
        if found_next is not None and (found_end is None or found_next.start() < found_end.start()):
            dropped += found_next.start()
            del buf[: found_next.start()]
            break
        if found_end is not None:
            dropped += found_end.end()
            del buf[: found_end.end()]
            break
        keep = min(len(buf), _SPLIT_TAG_MARGIN)
        dropped += len(buf) - keep
        del buf[: len(buf) - keep]
        search_from = 0
        if not reader.read(CHUNK):
            break
    return max(0, dropped - RECORD_LIMIT)


def _recover(
    reader: _RecordingReader, position: int, syntax: str, spec: XmlRecords
) -> Generator[Frame, None, int]:
    """Frame the records the streaming parser could not reach after ``syntax`` stopped it;
    returns the next position."""
    wrapper = _Wrapper.from_head(bytes(reader.head), spec.local)
    parser = secure_xml_parser()
    for raw, fault in _scan_records(reader, wrapper, spec):
        payload, broken, repaired = (
            (None, fault, None) if fault else _parse_alone(raw, wrapper, parser, spec)
        )
        if payload is None and broken is None:
            continue
        if payload is not None:
            yield Frame(payload, position, note=repaired and f"repaired: {repaired}")
        else:
            yield Frame(raw, position, error=f"{spec.label} {position} {broken}")
        position += 1
    rest = bytes(reader.kept).strip()
    if reader.fault is not None:
        yield Frame(rest, position, error=reader.fault)
        return position + 1
    start = _start_of(spec.local).match(rest)
    if start is not None and not _foreign(start, bytearray(rest), wrapper, spec):
        reason = f"{spec.label} {position} is cut off: the file ends inside it ({syntax})"
        yield Frame(rest, position, error=reason)
        return position + 1
    return position


def _no_record_reason(head: bytes, syntax: str | None, spec: XmlRecords) -> str | None:
    """Why a file gave no record: what its root element is instead; ``None`` for a file
    that rightly holds no record (an empty collection, an OAI-PMH noRecordsMatch)."""
    root = _root_tag(head)
    if root is None:
        seen = "no root element"
    else:
        name, attributes = root
        local = name.rpartition(b":")[2].decode(errors="replace")
        namespace = _namespace_of(name, attributes)
        if syntax is None and (local, namespace) in spec.containers:
            return None
        if syntax is None and local == "OAI-PMH" and namespace == OAI_NS:
            error = _OAI_ERROR.search(head)
            if error is None or error.group(1) == b"noRecordsMatch":
                return None
            code = error.group(1).decode(errors="replace")
            message = error.group(2).decode(errors="replace").strip()
            return f"the file is an OAI-PMH error response: {code}" + (
                f" ({message})" if message else ""
            )
        where = f"namespace '{namespace}'" if namespace else "no namespace"
        seen = f"root element <{local}> in {where}"
    reason = f"no {spec.label} element found: {seen}; {spec.expect}"
    return f"{reason} (and the XML is not well-formed: {syntax})" if syntax else reason


def _has_header(elem: Any) -> Any:
    for child in elem:
        if isinstance(child.tag, str) and etree.QName(child).localname == "header":
            return child
    return None


def _is_wrapper(elem: Any, spec: XmlRecords) -> bool:
    return elem.tag not in spec.targets and _has_header(elem) is not None


def _ancestors(elem: Any) -> Iterator[Any]:
    parent = elem.getparent()
    while parent is not None:
        yield parent
        parent = parent.getparent()


def _release(elem: Any) -> None:
    """Free a framed element and the siblings framed before it (memory stays flat)."""
    elem.clear()
    parent = elem.getparent()
    if parent is not None:
        while elem.getprevious() is not None:
            del parent[0]


def iter_xml_records(stream: IO[bytes], spec: XmlRecords) -> Iterator[Frame]:
    """Yield each record element (or the OAI-PMH record that wraps it) as bytes; after a
    syntax error the rest is framed record by record, so one broken record costs only
    itself."""
    reader = _RecordingReader(stream)
    position = 0
    foreign = 0
    syntax: str | None = None
    context = etree.iterparse(
        reader,
        events=("end",),
        tag=[*spec.targets, "{*}record"],
        remove_blank_text=False,
        **SAFE_XML,
    )
    try:
        for _event, elem in context:
            if elem.tag in spec.targets:
                ancestors = list(_ancestors(elem))
                if any(a.tag in spec.targets for a in ancestors):
                    # the outer one lost its end tag: the parser would report the inner
                    # ones as records and the broken one only at the end of the file
                    syntax = f"a {spec.label} starts inside another one, which has no end tag"
                    break
                if any(etree.QName(a).localname == "record" and _is_wrapper(a, spec)
                       for a in ancestors):  # fmt: skip
                    continue  # its OAI-PMH record is framed whole when it ends
            elif not _is_wrapper(elem, spec):
                # a record element of another kind (REPOX's <repox:record> around MODS):
                # what it held is framed already, so free it unless a wrapper holds it
                if not any(_is_wrapper(a, spec) for a in _ancestors(elem)):
                    _release(elem)
                continue
            else:
                header = _has_header(elem)
                holds = any(d.tag in spec.targets for d in elem.iter())
                if not holds and (header.get("status") or "").strip() != "deleted":
                    foreign += 1  # a record in another metadata format
                    _release(elem)
                    continue
            payload = etree.tostring(elem)
            if len(payload) > RECORD_LIMIT:
                too_big = (
                    f"{spec.label} {position} is larger than the record limit of "
                    f"{RECORD_LIMIT >> 20} MiB ({len(payload)} bytes); its first "
                    f"{RECORD_LIMIT} bytes are kept"
                )
                yield Frame(payload[:RECORD_LIMIT], position, error=too_big)
            else:
                yield Frame(payload, position)
            del payload
            position += 1
            reader.forget_through(elem)
            _release(elem)
    except etree.XMLSyntaxError as exc:
        syntax = str(exc)
    if syntax is not None or reader.fault is not None:
        position = yield from _recover(reader, position, syntax or "", spec)
    if position == 0:
        reason = _no_record_reason(bytes(reader.head), syntax, spec)
        if foreign and syntax is None:
            reason = (
                f"the file holds {foreign} OAI-PMH records, none of them with a {spec.label} "
                "in its metadata: they are in another metadata format (set the source's "
                "format to the one the file holds)"
            )
        if reason is not None:
            yield Frame(bytes(reader.head), 0, error=reason)
