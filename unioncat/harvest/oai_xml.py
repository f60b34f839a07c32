"""Read OAI-PMH responses: repair what can be repaired, parse once, pull out what counts.

Real repositories send characters XML forbids and bytes that are not UTF-8; one such
character makes a whole page of records unreadable.  We strip the former, replace the
latter, and say so (``notes``) instead of dropping records.  Parsing uses the secure
parser (no entities, no DTD, no network).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from unioncat.xmlsafe import OAI_NS, SAFE_XML, repair_xml, secure_xml_parser

_NS = {"o": OAI_NS}
_PARSER = secure_xml_parser()


class UnreadablePage(Exception):
    """The body is not OAI-PMH XML even after repair."""


@dataclass(slots=True)
class OaiRecord:
    identifier: str
    datestamp: str | None
    deleted: bool
    sets: list[str]
    xml: bytes
    error: str | None = None  # the record cannot be keyed; it goes to quarantine


@dataclass(slots=True)
class OaiPage:
    response_date: str | None
    error_code: str | None = None
    error_message: str | None = None
    records: list[OaiRecord] = field(default_factory=list)
    token: str | None = None
    cursor: str | None = None
    complete_list_size: str | None = None
    expiration: str | None = None
    notes: list[str] = field(default_factory=list)


def _text(elem: etree._Element | None) -> str | None:
    if elem is None or elem.text is None:
        return None
    return elem.text.strip() or None


def _parse(body: bytes, problem: str) -> tuple[etree._Element, list[str]]:
    """Repair, then parse with the secure parser; ``problem`` prefixes the error."""
    cleaned, notes = repair_xml(body)
    try:
        return etree.fromstring(cleaned, _PARSER), notes
    except etree.XMLSyntaxError as exc:
        raise UnreadablePage(f"{problem}: {exc}") from exc


# bytes handed to the pull parser at a time: the tree never holds more than the records
# these bytes complete (and the one they are in), whatever the size of the page
FEED_BYTES = 1 << 20


def parse_page(body: bytes) -> OaiPage:
    """Parse one response of any verb; raises :class:`UnreadablePage`.

    The page is parsed as a stream: each record is cut out as it ends and dropped from
    the tree, so a 50 MB page costs its bytes and its records' bytes, not a tree of
    fifty megabytes of elements besides."""
    cleaned, notes = repair_xml(body)
    # only the elements that count are reported, so Python sees a few events per record
    # instead of one per field and subfield
    parser = etree.XMLPullParser(events=("end",), tag=_REPORTED, **SAFE_XML)
    page = OaiPage(response_date=None, notes=notes)
    try:
        for offset in range(0, len(cleaned), FEED_BYTES):
            parser.feed(cleaned[offset : offset + FEED_BYTES])
            _take(parser.read_events(), page)
        root = parser.close()
        _take(parser.read_events(), page)
    except etree.XMLSyntaxError as exc:
        raise UnreadablePage(f"not well-formed XML after repair: {exc}") from exc
    if root.tag != _ROOT:
        raise UnreadablePage(f"not an OAI-PMH response (root element {root.tag!r})")
    return page


_ROOT = f"{{{OAI_NS}}}OAI-PMH"
_RECORD = f"{{{OAI_NS}}}record"
_HEADER = f"{{{OAI_NS}}}header"
_LIST_IDENTIFIERS = f"{{{OAI_NS}}}ListIdentifiers"
_TOKEN = f"{{{OAI_NS}}}resumptionToken"
_RESPONSE_DATE = f"{{{OAI_NS}}}responseDate"
_ERROR = f"{{{OAI_NS}}}error"
_IDENTIFIER = f"{{{OAI_NS}}}identifier"
_DATESTAMP = f"{{{OAI_NS}}}datestamp"
_SET_SPEC = f"{{{OAI_NS}}}setSpec"
_REPORTED = [_RECORD, _HEADER, _TOKEN, _RESPONSE_DATE, _ERROR]


def _depth(elem: etree._Element) -> int:
    depth = 1
    parent = elem.getparent()
    while parent is not None:
        depth += 1
        parent = parent.getparent()
    return depth


def _take(events: Any, page: OaiPage) -> None:
    """Depth 1 is the root, 2 the verb (or ``error``, ``responseDate``), 3 a record, a
    ListIdentifiers header or the token; anything else of those names is content."""
    for _action, elem in events:
        depth = _depth(elem)
        if depth == 2:
            if elem.tag == _RESPONSE_DATE:
                page.response_date = _text(elem)
            elif elem.tag == _ERROR and page.error_code is None:
                page.error_code = elem.get("code")
                page.error_message = (elem.text or "").strip() or None
        elif depth == 3:
            parent = elem.getparent()
            if elem.tag == _RECORD:
                page.records.append(_record(elem.find(_HEADER), elem))
            elif elem.tag == _HEADER and parent is not None and parent.tag == _LIST_IDENTIFIERS:
                page.records.append(_record(elem, elem))
            elif elem.tag == _TOKEN:
                page.token = _text(elem)
                page.cursor = elem.get("cursor")
                page.complete_list_size = elem.get("completeListSize")
                page.expiration = elem.get("expirationDate")
            else:
                continue
            if parent is not None:
                parent.remove(elem)  # cut out and kept as bytes: the tree lets go


def _record(header: etree._Element | None, elem: etree._Element) -> OaiRecord:
    if header is None:
        return OaiRecord("", None, False, [], etree.tostring(elem), "a record without a header")
    # one walk over the header's few children: three namespaced finds cost twice the
    # record's own serialisation, on every record of every page
    identifier = datestamp = None
    seen_identifier = seen_datestamp = False
    sets = []
    for child in header:
        tag = child.tag
        if tag == _IDENTIFIER:
            if not seen_identifier:
                identifier, seen_identifier = _text(child), True
        elif tag == _DATESTAMP:
            if not seen_datestamp:
                datestamp, seen_datestamp = _text(child), True
        elif tag == _SET_SPEC and (spec := _text(child)):
            sets.append(spec)
    if identifier is None:
        return OaiRecord(
            "", None, False, [], etree.tostring(elem), "a record header without an identifier"
        )
    return OaiRecord(
        identifier=identifier,
        datestamp=datestamp,
        deleted=header.get("status") == "deleted",
        sets=sets,
        xml=etree.tostring(elem),
    )


@dataclass(slots=True)
class Identity:
    granularity: str
    earliest: str | None
    name: str | None
    deleted_record: str | None


def parse_identify(body: bytes) -> Identity:
    root, _notes = _parse(body, "Identify is not well-formed XML")
    ident = root.find("o:Identify", _NS)
    if ident is None:
        error = root.find("o:error", _NS)
        detail = f"{error.get('code')}: {(error.text or '').strip()}" if error is not None else ""
        raise UnreadablePage(f"no Identify element in the response {detail}".strip())
    return Identity(
        granularity=_text(ident.find("o:granularity", _NS)) or "YYYY-MM-DD",
        earliest=_text(ident.find("o:earliestDatestamp", _NS)),
        name=_text(ident.find("o:repositoryName", _NS)),
        deleted_record=_text(ident.find("o:deletedRecord", _NS)),
    )
