"""The ``oai_dc`` normalizer: simple Dublin Core as every OAI-PMH repository serves it.

Dublin Core has fifteen repeatable, unqualified elements, so most of the mapping is about
reading what repositories put in them:

- **Title.** The first ``dc:title``; the others are ``title_variants``.  An ISBD-style
  " : " (spaces on both sides, as in titles copied from a catalog) separates a subtitle;
  a plain "Title: subtitle" is kept whole, since a colon in a repository title is as
  often part of it ("Meika4/mabs: mAbs Gaussians").
- **Contributors.** ``dc:creator`` is an author, ``dc:contributor`` a contributor; a
  name written "Family, Given" (one comma) is split; a name repeated with the same
  role is kept once.
- **Date.** The first ``dc:date`` that holds a year (``info:eu-repo/date/...`` values
  count by their date; an ``embargoEnd`` date becomes the access embargo instead).
- **Language.** ``dc:language`` as ISO 639-2/B codes (:mod:`~unioncat.normalize.languages`).
- **Type.** The first ``dc:type`` that names a type (:func:`oai_values.record_type`);
  with none, a record whose ``dc:source`` cites a volume or issue is a journal article.
- **Identifiers.** Every ``dc:identifier`` (:func:`oai_values.parse_identifier`), and
  OpenAIRE's ``dc:relation`` ``info:eu-repo/semantics/altIdentifier/<scheme>/<value>``.
  The OAI identifier itself is not repeated.  An ISSN on an article, and an ISBN on a
  chapter, identify the host, so they go to ``host.identifiers``.
- **Host.** ``dc:source`` is the host citation: kept as ``host.raw``, with title,
  volume, issue and pages read from it when it is written as a citation
  (:func:`oai_values.parse_citation`); a ``dc:source`` that is only an ISSN (as OJS
  writes them), and an "ISSN 1234-5678" inside the citation, are host identifiers.
- **Relations.** Other ``dc:relation`` values are ``related``: an identifier when one
  can be read (Zenodo's concept DOI), else the text as the note; funding statements
  (``info:eu-repo/grantAgreement/...``) are not relations and are left out.
- **Subjects.** ``dc:subject``; ``info:eu-repo/classification/ddc/540``, ``ddc:540`` and
  DOAJ's ``LCC:Medicine`` give the scheme.
- **Medium.** Electronic when ``dc:format`` is a media type (``application/pdf``) or a
  ``dc:identifier`` is a URL; print only when ``dc:format`` says print; else unknown.
  ``medium_evidence`` names what decided.
- **Access.** Every ``dc:identifier`` URL, ``open`` when ``dc:rights`` says open access
  or grants a Creative Commons licence (:func:`oai_values.access_kind`).
"""

from __future__ import annotations

import re

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing import register_framer
from unioncat.framing.xml import XmlRecords, looks_like_xml
from unioncat.normalize import oai_values as ov
from unioncat.normalize.base import register
from unioncat.normalize.languages import language_codes
from unioncat.normalize.marc_text import clean
from unioncat.normalize.xml_util import (
    Element,
    OaiRecord,
    clean_text,
    describe,
    elements,
    first,
    identity,
    localname,
    namespace,
    raw_text,
    read_envelope,
    tombstone,
)
from unioncat.schemas.record import (
    Access,
    Contributor,
    Host,
    Identifier,
    Record,
    Relation,
    Subject,
)
from unioncat.xmlsafe import DC_NS, DCTERMS_NS, OAI_DC_NS

# dcterms refinements read as the element they refine
_DCTERMS_ALIASES = {
    "abstract": "description",
    "issued": "date",
    "created": "date",
    "bibliographicCitation": "source",
    "alternative": "title",
    "license": "rights",
    "accessRights": "rights",
    "medium": "format",
    "extent": "format",
}
_ALT_IDENTIFIER = re.compile(r"^info:eu-repo/semantics/altIdentifier/([^/]+)/(.+)$", re.I)
_EU_REPO_CLASS = re.compile(r"^info:eu-repo/classification/([^/]+)/(.+)$", re.I)
_SCHEME_PREFIX = re.compile(r"^(ddc|udc|lcc|msc|pacs|jel|acm|bk|rvk)\s*:\s*(.+)$", re.I)
_CITED_ISSN = re.compile(r"\bISSN[:\s]*(\d{4}-?\d{3}[\dXx])", re.I)
_PRINT = re.compile(r"\bprint(?:ed)?\b", re.I)
_ALT_SCHEMES = {
    "doi": "doi:",
    "isbn": "isbn:",
    "issn": "issn:",
    "eissn": "eissn:",
    "pissn": "pissn:",
    "handle": "hdl:",
    "hdl": "hdl:",
    "pmid": "pmid:",
    "urn": "",
    "url": "",
    "purl": "",
}


def _dc_fields(dc: Element) -> dict[str, list[str]]:
    """Each DC element's cleaned values, by element name, in document order."""
    out: dict[str, list[str]] = {}
    for el in elements(dc):
        ns = namespace(el)
        name = localname(el)
        if ns == DCTERMS_NS:
            name = _DCTERMS_ALIASES.get(name, name)
        elif ns != DC_NS:
            continue
        value = clean_text(raw_text(el))
        if value:
            out.setdefault(name, []).append(value)
    return out


def _split_title(title: str | None) -> tuple[str | None, str | None]:
    if title and " : " in title:
        main, _, sub = title.partition(" : ")
        if main.strip() and sub.strip():
            return main.strip(), sub.strip()
    return title, None


def person_parts(name: str) -> tuple[str | None, str | None]:
    """Family and given name of "Family, Given" (exactly one comma), else (None, None)."""
    if name.count(",") != 1 or re.search(r"\d", name):
        return None, None
    family, _, given = (p.strip() for p in name.partition(","))
    if not family or not given:
        return None, None
    return family, given


def _contributors(fields: dict[str, list[str]]) -> list[Contributor]:
    out: list[Contributor] = []
    seen: set[tuple[str, str]] = set()
    for element, role in (("creator", "author"), ("contributor", "contributor")):
        for name in fields.get(element, []):
            key = (name.casefold(), role)
            if key in seen:
                continue
            seen.add(key)
            family, given = person_parts(name)
            out.append(Contributor(name=name, family=family, given=given, role=role))
    return out


def _date(values: list[str]) -> tuple[str | None, str | None]:
    """The date to show and the embargo end, if any."""
    embargo: str | None = None
    candidates: list[str] = []
    for value in values:
        low = value.lower()
        if low.startswith("info:eu-repo/date/"):
            kind, _, when = value[len("info:eu-repo/date/") :].partition("/")
            if kind.lower() == "embargoend":
                embargo = embargo or when or None
                continue
            value = when or value
        candidates.append(value)
    dated = [c for c in candidates if ov.year(c) is not None]
    return first(dated) or first(candidates), embargo


def _subjects(values: list[str]) -> list[Subject]:
    out: list[Subject] = []
    for value in values:
        scheme: str | None = None
        term: str | None = value
        m = _EU_REPO_CLASS.match(value) or _SCHEME_PREFIX.match(value)
        if m:
            scheme, term = m.group(1).lower(), m.group(2)
        term = clean(term)
        if term:
            out.append(Subject(term=term, scheme=scheme))
    return out


def _alt_identifier(value: str) -> Identifier | None:
    m = _ALT_IDENTIFIER.match(value)
    if not m:
        return None
    scheme, rest = m.group(1).lower(), m.group(2)
    prefix = _ALT_SCHEMES.get(scheme)
    if prefix is None:
        return Identifier("local", rest, scheme, "valid", value)
    found = ov.parse_identifier(prefix + rest)
    if found:
        found.raw = value
    return found


def _relations(values: list[str]) -> tuple[list[Relation], list[Identifier]]:
    """``related`` relations, and the record's own identifiers given as altIdentifier."""
    relations: list[Relation] = []
    own: list[Identifier] = []
    for value in values:
        low = value.lower()
        if low.startswith("info:eu-repo/grantagreement/"):
            continue
        if low.startswith("info:eu-repo/semantics/altidentifier/"):
            alt = _alt_identifier(value)
            if alt:
                own.append(alt)
            continue
        target = value
        m = re.match(r"^info:eu-repo/semantics/\w+/([^/]+)/(.+)$", value, re.I)
        if m:
            target = f"{_ALT_SCHEMES.get(m.group(1).lower(), '')}{m.group(2)}"
        ident = ov.parse_identifier(target)
        if ident and ident.scheme != "local":
            ident.raw = value
            relations.append(Relation(type="related", identifiers=[ident]))
        else:
            relations.append(Relation(type="related", note=value))
    return relations, own


def _dedupe(idents: list[Identifier]) -> list[Identifier]:
    seen: dict[tuple[str, str], Identifier] = {}
    for i in idents:
        key = (i.scheme, i.value)
        if key not in seen:
            seen[key] = i
        elif i.qualifier and not seen[key].qualifier:
            seen[key].qualifier = i.qualifier
    return list(seen.values())


def map_dc(envelope: RawEnvelope, oai: OaiRecord, dc: Element) -> Record:
    """One ``oai_dc:dc`` element to the unified record (see the module docstring)."""
    record_id, source_id, datestamp = identity(envelope, oai)
    f = _dc_fields(dc)
    titles = f.get("title", [])
    title, subtitle = _split_title(first(titles))
    date, embargo = _date(f.get("date", []))

    own_ids: list[Identifier] = []
    urls: list[str] = []
    skip = {s.casefold() for s in (oai.identifier, source_id, envelope.record_id) if s}
    for value in f.get("identifier", []):
        if value.casefold() in skip:
            continue  # the OAI identifier: already the record's source_id
        ident = ov.parse_identifier(value)
        if ident:
            own_ids.append(ident)
        if ov.is_url(value):
            urls.append(ov.fix_url(value))
    relations, alt_ids = _relations(f.get("relation", []))
    own_ids.extend(alt_ids)

    sources = f.get("source", [])
    host_ids = [i for i in (ov.parse_identifier(s) for s in sources if ov.is_issn_only(s)) if i]
    citation = first([s for s in sources if not ov.is_issn_only(s)])
    host_title = volume = issue = first_page = last_page = None
    if citation:
        host_title, volume, issue, first_page, last_page = ov.parse_citation(citation)
        for written in _CITED_ISSN.findall(citation):
            found = ov.parse_identifier(f"issn:{written}")
            if found:
                host_ids.append(found)

    rtype = ov.record_type(f.get("type", []))
    if rtype is None:
        rtype = "journal_article" if (volume or issue) else "other"
    if rtype in ("journal_article", "book_chapter") or citation:
        host_ids += [i for i in own_ids if i.scheme in ("issn", "issn_l")]
        if rtype == "book_chapter":
            host_ids += [i for i in own_ids if i.scheme == "isbn"]
        own_ids = [i for i in own_ids if all(i is not h for h in host_ids)]
    host: Host | None = None
    if citation or host_ids:
        host = Host(
            title=host_title,
            identifiers=_dedupe(host_ids),
            volume=volume,
            issue=issue,
            first_page=first_page,
            last_page=last_page,
            raw=citation,
        )

    formats = f.get("format", [])
    mimes = [v for v in formats if ov.is_mime(v)]
    evidence = [f"dc:format {m.split(';')[0].strip().lower()}" for m in mimes]
    says_print = [v for v in formats if not ov.is_mime(v) and _PRINT.search(v)]
    if urls:
        evidence.append("dc:identifier url")
    if mimes:
        medium = "electronic"
    elif says_print:
        medium, evidence = "print", ["dc:format print"]
    elif urls:
        medium = "electronic"
    else:
        medium, evidence = "unknown", []
    extent = first([v for v in formats if not ov.is_mime(v) and re.search(r"\d", v)])

    kind = ov.access_kind(f.get("rights", []))
    access = [Access(url=u, kind=kind, embargo=embargo) for u in dict.fromkeys(urls)]

    return Record(
        id=record_id,
        source=envelope.source,
        source_id=source_id,
        source_format=envelope.format,
        type=rtype,
        medium=medium,
        medium_evidence=list(dict.fromkeys(evidence)),
        title=title,
        subtitle=subtitle,
        title_variants=list(dict.fromkeys(t for t in titles[1:] if t != title)),
        contributors=_contributors(f),
        publisher=first(f.get("publisher", [])),
        date=date,
        year=ov.year(date),
        language=language_codes(f.get("language", [])),
        identifiers=_dedupe(own_ids),
        host=host,
        relations=relations,
        subjects=_subjects(f.get("subject", [])),
        abstract=first(f.get("description", [])),
        extent=extent,
        page_count=ov.page_count(extent),
        access=access,
        datestamp=datestamp,
        harvested_at=envelope.fetched_at,
        raw_ref=raw_ref(envelope),
    )


DC_RECORDS = XmlRecords(
    targets=frozenset({f"{{{OAI_DC_NS}}}dc"}),
    local="dc",
    label="Dublin Core <oai_dc:dc>",
    expect=f"Dublin Core records are <dc> elements in namespace '{OAI_DC_NS}'",
)
register_framer(
    "dc", sniff=looks_like_xml, description="Dublin Core (oai_dc:dc records, or an OAI-PMH "
    "response)"
)(DC_RECORDS)  # fmt: skip


@register("oai_dc", framers=("dc",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One OAI-PMH ``<record>`` (or a bare ``oai_dc:dc``) to one record or a tombstone."""
    oai = read_envelope(envelope)
    if oai.deleted or envelope.deleted:
        return [tombstone(envelope, oai)]
    dc = oai.metadata
    if dc is None:
        raise RecordError(
            "OAI record has no metadata and is not marked deleted: the repository sent an "
            "empty <metadata> element (re-harvest the record, or report it to the repository)"
        )
    if localname(dc) != "dc":
        raise RecordError(
            f"metadata is {describe(dc)}, not Dublin Core (oai_dc:dc): set this source's "
            "format to the metadata format the repository actually sends"
        )
    record = map_dc(envelope, oai, dc)
    if not record.title and not record.identifiers and not record.contributors:
        raise RecordError(
            "oai_dc record has no title, identifier or creator: nothing to catalog it by "
            "(check the record in the repository)"
        )
    return [record]
