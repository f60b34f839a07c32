"""Cut a byte stream into records without reading their metadata.

Framing is the only thing a file harvester knows about formats: where one record ends
and the next begins.  ISO 2709 records end with the record terminator (0x1D), which
never occurs inside UTF-8 or MARC-8 text, so splitting on it survives a wrong record
length in the leader; MARCXML records are cut out with a streaming parser that has
entity resolution and network access switched off.
"""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any, cast

from lxml import etree

RECORD_TERMINATOR = b"\x1d"
MARCXML_NS = "http://www.loc.gov/MARC21/slim"
_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"


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


def iter_iso2709(stream: IO[bytes]) -> Iterator[Frame]:
    """Split on the record terminator; a tail without one is yielded as a truncated record."""
    buf = b""
    position = 0
    while True:
        chunk = stream.read(_CHUNK)
        if not chunk:
            break
        buf += chunk
        parts = buf.split(RECORD_TERMINATOR)
        buf = parts.pop()
        for part in parts:
            record = part.lstrip(b"\r\n\x1a\x00")
            if not record:
                continue
            yield Frame(record + RECORD_TERMINATOR, position)
            position += 1
    tail = buf.lstrip(b"\r\n\x1a\x00")
    if tail.strip(b"\r\n\x1a\x00 "):
        yield Frame(tail, position)


def secure_xml_parser(**kwargs: bool) -> etree.XMLParser:
    """An lxml parser that never resolves entities or touches the network (no XXE)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        **kwargs,
    )


def iter_marcxml(stream: IO[bytes]) -> Iterator[Frame]:
    """Yield each ``<record>`` (MARC namespace or none) as bytes; a syntax error ends the file
    with one error frame holding the unread rest, so nothing read so far is lost."""
    position = 0
    context = etree.iterparse(
        stream,
        events=("end",),
        tag=(f"{{{MARCXML_NS}}}record", "record"),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        remove_blank_text=False,
    )
    try:
        for _event, elem in context:
            yield Frame(etree.tostring(elem), position)
            position += 1
            elem.clear()
            parent = elem.getparent()
            if parent is not None:
                while elem.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        rest = stream.read() if hasattr(stream, "read") else b""
        yield Frame(
            rest,
            position,
            error=f"MARCXML is not well-formed after record {position}: {exc}",
        )


def iter_frames(stream: IO[bytes], fmt: str | None = None) -> tuple[str, Iterator[Frame]]:
    """Pick the framing by ``fmt`` or by sniffing; return the wire format and the frames."""
    wire = fmt or sniff(stream)
    if wire == "marcxml":
        return wire, iter_marcxml(stream)
    return wire, iter_iso2709(stream)
