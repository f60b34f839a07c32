"""XML plumbing shared by the OAI-PMH normalizers (``oai_dc``, ``mods``).

- :func:`parse` reads a payload with the secure parser (no entity resolution, no DTD
  loading, no network).  A payload that *uses* an entity declared in its own DTD is
  refused with a reason: the entity is never expanded (no XXE, no "billion laughs"),
  and a record with a hole where the entity stood would be silently wrong.
- :func:`locate` finds the metadata element whether the payload is one OAI-PMH
  ``<record>`` (with ``<header>`` and ``<metadata>``), a whole response holding exactly
  one record, or a bare metadata root.  Header and metadata are found by local name
  too, because real feeds put the OAI elements in the wrong namespace (the FSU MODS
  export declares the ``oai_dc`` namespace as the default for its ``<record>``s) or
  wrap them in their own (REPOX ``repox:record``/``repox:metadata``).
- :func:`clean_text` is the one text clean-up: whitespace collapsed, HTML entities that
  survived XML parsing unescaped (``&amp;#228;`` in the XML is "&#228;" after parsing,
  "ä" after this), escaped HTML markup (Zenodo's ``&amp;lt;p&amp;gt;``) removed.
- :func:`identity` and :func:`tombstone` give every record of these formats the same
  keys and provenance.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree

from unioncat import contracts
from unioncat.contracts import RawEnvelope
from unioncat.errors import RecordError
from unioncat.ids import mint_id
from unioncat.schemas.record import Record
from unioncat.xmlsafe import OAI_NS, secure_xml_parser

# lxml ships no type stubs; an element is Any to mypy.
Element = Any

# Markup that repositories escape into their text: block elements become a space,
# inline ones vanish ("H<sub>2</sub>O" stays "H2O").  Only these names count as tags,
# so "p < 0.01" or "a<b" in a text are left alone.
_BLOCK_TAGS = re.compile(
    r"</?(?:p|br|hr|div|h[1-6]|ul|ol|li|blockquote|table|tr|td|th|pre|section|"
    r"jats:p|jats:title|jats:sec)\b[^<>]*>",
    re.I,
)
_INLINE_TAGS = re.compile(
    r"</?(?:i|b|u|em|strong|sub|sup|span|a|font|small|big|code|tt|mml:[a-z]+|"
    r"jats:(?:italic|bold|sub|sup|sc))\b[^<>]*>",
    re.I,
)


@dataclass(frozen=True, slots=True)
class OaiRecord:
    """What the OAI envelope around the metadata says, and the metadata element."""

    identifier: str | None
    datestamp: str | None
    deleted: bool
    metadata: Element | None


def localname(el: Element) -> str:
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def namespace(el: Element) -> str:
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith("{"):
        return ""
    return tag[1:].split("}", 1)[0]


def elements(el: Element | None, name: str | None = None) -> list[Element]:
    """The element children of ``el`` (comments and PIs skipped), by local name if given."""
    if el is None:
        return []
    return [
        c
        for c in el
        if isinstance(c.tag, str) and (name is None or c.tag.rsplit("}", 1)[-1] == name)
    ]


def child(el: Element | None, name: str) -> Element | None:
    found = elements(el, name)
    return found[0] if found else None


def parse(payload: bytes) -> Element:
    """The root element of ``payload``, parsed with entity resolution and network off."""
    data = payload.lstrip(b" \t\r\n")
    if not data:
        raise RecordError("payload is empty: the harvester passed no XML for this record")
    try:
        root = etree.fromstring(data, secure_xml_parser())
    except etree.XMLSyntaxError as exc:
        raise RecordError(f"payload is not well-formed XML: {exc}") from None
    if root is None:
        raise RecordError("payload holds no XML element")
    entity = next(root.iter(etree.Entity), None)
    if entity is not None:
        raise RecordError(
            f"payload uses the entity {entity.text} declared in a DTD; entities are never "
            "expanded (protection against XXE and entity bombs), so the record cannot be "
            "read as written: ask the repository to send plain characters"
        )
    return root


def _is_oai_record(el: Element) -> bool:
    if localname(el) != "record":
        return False
    return namespace(el) == OAI_NS or bool(elements(el, "header") or elements(el, "metadata"))


def locate(root: Element) -> OaiRecord:
    """The header facts and the metadata element of one record's payload."""
    record = root
    if localname(root) == "OAI-PMH":
        found = list(root.iter(f"{{{OAI_NS}}}record"))
        if len(found) != 1:
            raise RecordError(
                f"payload is a whole OAI-PMH response holding {len(found)} records; "
                "the harvester must pass one <record> per envelope"
            )
        record = found[0]
    if not _is_oai_record(record):
        return OaiRecord(None, None, False, record)
    header = child(record, "header")
    identifier = text_of(child(header, "identifier"))
    datestamp = text_of(child(header, "datestamp"))
    deleted = header is not None and (header.get("status") or "").strip() == "deleted"
    metadata_el = child(record, "metadata")
    roots = elements(metadata_el)
    return OaiRecord(identifier, datestamp, deleted, roots[0] if roots else None)


def _strip_markup(text: str) -> str:
    text = _BLOCK_TAGS.sub(" ", text)
    return _INLINE_TAGS.sub("", text)


def clean_text(raw: str | None) -> str | None:
    """Whitespace collapsed, surviving HTML entities unescaped, escaped markup dropped."""
    if raw is None:
        return None
    text = raw
    if "&" in text:
        text = html.unescape(text)
    if "<" in text:
        text = _strip_markup(text)
    text = " ".join(text.split())
    return text or None


def raw_text(el: Element | None) -> str | None:
    """All the text inside ``el`` (mixed content included), as written."""
    if el is None:
        return None
    return "".join(t for t in el.itertext() if isinstance(t, str))


def text_of(el: Element | None) -> str | None:
    return clean_text(raw_text(el))


def texts(els: list[Element]) -> list[str]:
    """The cleaned, non-empty texts of ``els``, in order."""
    out = []
    for el in els:
        t = text_of(el)
        if t:
            out.append(t)
    return out


def first(values: list[str]) -> str | None:
    return values[0] if values else None


def identity(envelope: RawEnvelope, oai: OaiRecord) -> tuple[str, str, str | None]:
    """Catalog id, source id and datestamp: the protocol's record id first, then the
    OAI identifier in the payload, then the envelope's own id."""
    source_id = envelope.record_id or oai.identifier or envelope.envelope_id
    datestamp = envelope.datestamp or oai.datestamp
    return mint_id(envelope.source, source_id), source_id, datestamp


def tombstone(envelope: RawEnvelope, oai: OaiRecord) -> Record:
    """A deleted record: the keys, the provenance and ``deleted=True``, nothing else."""
    _record_id, source_id, datestamp = identity(envelope, oai)
    return contracts.tombstone(envelope, source_id, datestamp)


def read_envelope(envelope: RawEnvelope) -> OaiRecord:
    """Parse and locate; a deleted envelope with no payload needs no parsing."""
    if envelope.deleted and not envelope.payload.strip():
        return OaiRecord(None, None, True, None)
    return locate(parse(envelope.payload))


def describe(el: Element) -> str:
    """``prefix:name`` (or ``{namespace}name``) of an element, for error messages."""
    ns = namespace(el)
    prefix = el.prefix if ns else None
    if prefix:
        return f"<{prefix}:{localname(el)}> ({ns})"
    return f"<{localname(el)}>" + (f" ({ns})" if ns else " (no namespace)")
