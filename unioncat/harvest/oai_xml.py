"""Read OAI-PMH responses: repair what can be repaired, parse once, pull out what counts.

Real repositories send characters XML forbids and bytes that are not UTF-8; one such
character makes a whole page of records unreadable.  We strip the former, replace the
latter, and say so (``notes``) instead of dropping records.  Parsing uses the secure
parser (no entities, no DTD, no network).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from unioncat.xmlsafe import OAI_NS, repair_xml, secure_xml_parser

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


def parse_page(body: bytes) -> OaiPage:
    """Parse one response of any verb; raises :class:`UnreadablePage`."""
    root, notes = _parse(body, "not well-formed XML after repair")
    if root.tag != f"{{{OAI_NS}}}OAI-PMH":
        raise UnreadablePage(f"not an OAI-PMH response (root element {root.tag!r})")
    page = OaiPage(response_date=_text(root.find("o:responseDate", _NS)), notes=notes)
    error = root.find("o:error", _NS)
    if error is not None:
        page.error_code = error.get("code")
        page.error_message = (error.text or "").strip() or None
        return page
    for rec in root.iterfind("o:*/o:record", _NS):
        page.records.append(_record(rec.find("o:header", _NS), rec))
    for header in root.iterfind("o:ListIdentifiers/o:header", _NS):
        page.records.append(_record(header, header))
    token = root.find("o:*/o:resumptionToken", _NS)
    if token is not None:
        page.token = _text(token)
        page.cursor = token.get("cursor")
        page.complete_list_size = token.get("completeListSize")
        page.expiration = token.get("expirationDate")
    return page


def _record(header: etree._Element | None, elem: etree._Element) -> OaiRecord:
    if header is None:
        return OaiRecord("", None, False, [], etree.tostring(elem), "a record without a header")
    identifier = _text(header.find("o:identifier", _NS))
    if identifier is None:
        return OaiRecord(
            "", None, False, [], etree.tostring(elem), "a record header without an identifier"
        )
    return OaiRecord(
        identifier=identifier,
        datestamp=_text(header.find("o:datestamp", _NS)),
        deleted=header.get("status") == "deleted",
        sets=[s for s in (_text(e) for e in header.iterfind("o:setSpec", _NS)) if s],
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
