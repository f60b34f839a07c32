"""The ``mods`` normalizer: MODS 3.x records (http://www.loc.gov/mods/v3) over OAI-PMH.

MODS says most things explicitly, so the mapping follows its elements:

- **Title.** The ``titleInfo`` without a ``type`` (else the uniform, translated,
  alternative one, in that order): ``nonSort`` + ``title`` (``title_nonfiling`` is the
  length of the non-sort part with its space), ``subTitle``, ``partNumber``/``partName``
  as the part; the other ``titleInfo``\\ s are ``title_variants``.
- **Names.** ``name`` with ``type`` personal (person), corporate (organization),
  conference (meeting); ``namePart`` typed family/given builds "Family, Given" (dates and
  terms of address are left out of the name, as in the MARC mapping); untyped parts are
  the name as written (a corporate hierarchy joined with ". ").  Roles from
  ``role/roleTerm``: text as written in lower case, MARC relator codes spelled out; a
  name with ``usage="primary"`` and no role is the author.  ``nameIdentifier`` (ORCID,
  ISNI, others) and an authority ``valueURI`` are the name's identifiers.
- **Origin.** ``originInfo`` (publication events first): ``publisher``, ``place/placeTerm``
  (text, not codes), ``edition``, and the date from ``dateIssued``, else ``dateCreated``,
  else ``copyrightDate`` (the ``keyDate`` one first; a start/end pair as "start-end").
- **Language.** ``languageTerm type="code"`` (ISO 639-2/B, or an RFC 5646 tag, converted);
  the text form by name when no code is given.
- **Identifiers.** ``identifier`` by ``type``: doi, isbn, issn, issn-l, lccn, oclc, pmid,
  hdl/handle, uri/urn; other types (a repository's "fedora", "IID") are ``local`` with the
  type as qualifier; ``invalid="yes"`` marks a cancelled number.  A ``location/url`` at
  doi.org gives the DOI.
- **Subjects.** Each ``subject``: its topic, geographic, temporal, genre, occupation,
  name and title children joined with " -- "; the scheme is the ``authority``.
- **Type.** The first ``genre`` that names a type, else ``typeOfResource``; a text whose
  host is a serial (ISSN, serial issuance, journal genre, volume/issue numbering) is a
  journal article, one whose host has an ISBN a book chapter.  A text in an archival
  collection (FSU's letters) stays ``other``: a host alone does not make an article.
- **Medium.** ``physicalDescription/form`` electronic, ``digitalOrigin`` or
  ``internetMediaType`` give electronic; otherwise ``form`` print gives print (and
  microfilm/microfiche microform); otherwise a ``location/url`` gives electronic; else
  unknown.  ``medium_evidence`` names the element.
- **Host and relations.** ``relatedItem type="host"``: title, identifiers, and from its
  ``part`` the volume, issue and pages (the record's own top-level ``part`` fills in
  what the host's lacks).  ``series`` is a series (and a ``series`` relation),
  ``otherFormat`` other_format, ``otherVersion`` other_edition, ``preceding`` and
  ``succeeding`` as named, ``constituent`` has_part, ``original`` reproduction_of, the
  rest ``related``.
- **Access.** Each top-level ``location/url`` (previews left out), ``open`` when an
  ``accessCondition`` (text or ``xlink:href``) says open access, a Creative Commons
  licence or no copyright.
"""

from __future__ import annotations

import re

from unioncat import identifiers as idn
from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing import register_framer
from unioncat.framing.xml import XmlRecords, looks_like_xml
from unioncat.normalize import oai_values as ov
from unioncat.normalize.base import register
from unioncat.normalize.languages import language_code, language_codes
from unioncat.normalize.marc_names import RELATOR_CODES
from unioncat.normalize.marc_text import clean
from unioncat.normalize.xml_util import (
    Element,
    OaiRecord,
    child,
    clean_text,
    describe,
    elements,
    first,
    identity,
    localname,
    namespace,
    raw_text,
    read_envelope,
    text_of,
    texts,
    tombstone,
)
from unioncat.schemas.record import (
    Access,
    Contributor,
    Host,
    Identifier,
    Part,
    Record,
    Relation,
    Series,
    Subject,
)
from unioncat.xmlsafe import MODS_NS, XLINK_NS

_TITLE_ORDER = {None: 0, "uniform": 1, "translated": 2, "alternative": 3, "abbreviated": 4}
_NAME_KINDS = {"personal": "person", "corporate": "organization", "conference": "meeting"}
_RELATED = {
    "series": "series",
    "otherformat": "other_format",
    "otherversion": "other_edition",
    "preceding": "preceding",
    "succeeding": "succeeding",
    "constituent": "has_part",
    "original": "reproduction_of",
}
_FORM_MEDIUM = {
    "electronic": "electronic",
    "electronic resource": "electronic",
    "online resource": "electronic",
    "remote": "electronic",
    "computer": "electronic",
    "print": "print",
    "regular print": "print",
    "large print": "print",
    "braille": "print",
    "microfilm": "microform",
    "microfiche": "microform",
    "microform": "microform",
    "microopaque": "microform",
}
_SERIAL_GENRES = frozenset({"journal", "periodical", "academicjournal", "newspaper", "serial"})
_PAGE_UNITS = frozenset({"page", "pages", "pp", "p"})


def _attr(el: Element | None, name: str) -> str | None:
    if el is None:
        return None
    value = el.get(name)
    return value.strip() if value and value.strip() else None


def _all(el: Element | None, name: str) -> list[Element]:
    return elements(el, name)


# -- titles -------------------------------------------------------------------------


def _title_parts(ti: Element) -> tuple[str | None, int, str | None, Part | None]:
    """Title (non-sort part included), nonfiling count, subtitle and part of a titleInfo."""
    nonsort = raw_text(child(ti, "nonSort")) or ""
    nonsort = " ".join(nonsort.split())
    title = clean_text(" ".join(texts(_all(ti, "title"))))
    nonfiling = 0
    if nonsort and title:
        joiner = "" if nonsort.endswith(("'", "\u2019", "-")) else " "
        title = f"{nonsort}{joiner}{title}"
        nonfiling = len(nonsort) + len(joiner)
    elif nonsort:
        title = nonsort
    subtitle = clean_text(" ".join(texts(_all(ti, "subTitle"))))
    number = clean_text(" ".join(texts(_all(ti, "partNumber"))))
    name = clean_text(" ".join(texts(_all(ti, "partName"))))
    part = Part(number=number, name=name) if (number or name) else None
    return title, nonfiling, subtitle, part


def _titles(mods: Element) -> tuple[str | None, int, str | None, Part | None, list[str]]:
    infos = [ti for ti in _all(mods, "titleInfo") if text_of(ti)]
    if not infos:
        return None, 0, None, None, []
    ranked = sorted(
        range(len(infos)), key=lambda i: (_TITLE_ORDER.get(_attr(infos[i], "type"), 5), i)
    )
    main = infos[ranked[0]]
    title, nonfiling, subtitle, part = _title_parts(main)
    variants: list[str] = []
    for ti in infos:
        if ti is main:
            continue
        t, _, s, _ = _title_parts(ti)
        if t:
            variants.append(f"{t} : {s}" if s else t)
    return title, nonfiling, subtitle, part, list(dict.fromkeys(v for v in variants if v != title))


# -- names --------------------------------------------------------------------------


def _orcid(value: str) -> str:
    return value.strip().rstrip("/").rsplit("/", 1)[-1].upper()


def _name_identifiers(name: Element) -> list[Identifier]:
    out: list[Identifier] = []
    for ni in _all(name, "nameIdentifier"):
        value = text_of(ni)
        if not value:
            continue
        kind = (_attr(ni, "type") or "").lower()
        low = value.lower()
        if kind == "orcid" or "orcid.org/" in low:
            out.append(Identifier("orcid", _orcid(value), None, "valid", value))
        elif kind == "isni" or "isni.org/" in low:
            isni = re.sub(r"[^\dX]", "", value.rsplit("/", 1)[-1].upper())
            out.append(Identifier("isni", isni, None, "valid", value))
        elif ov.is_url(value):
            out.append(Identifier("uri", value, None, "valid", value))
        else:
            out.append(Identifier("local", value, kind or None, "valid", value))
    uri = _attr(name, "valueURI")
    if uri:
        if "orcid.org/" in uri.lower():
            out.append(Identifier("orcid", _orcid(uri), None, "valid", uri))
        else:
            out.append(Identifier("uri", uri, None, "valid", uri))
    return out


def _roles(name: Element) -> list[str]:
    out: dict[str, str] = {}
    for role in _all(name, "role"):
        for term in _all(role, "roleTerm"):
            value = text_of(term)
            if not value:
                continue
            if (_attr(term, "type") or "").lower() == "code" or (
                len(value) == 3 and value.lower() in RELATOR_CODES
            ):
                code = value.rstrip("/").rsplit("/", 1)[-1].lower()
                value = RELATOR_CODES.get(code, code)
            value = value.strip(" .,;:").lower()
            if value:
                out.setdefault(value, value)
    return list(out.values())


def _name_parts(name: Element, kind: str) -> tuple[str | None, str | None, str | None]:
    """Name as catalogued, family and given."""
    family = clean_text(
        " ".join(texts([p for p in _all(name, "namePart") if _attr(p, "type") == "family"]))
    )
    given = clean_text(
        " ".join(texts([p for p in _all(name, "namePart") if _attr(p, "type") == "given"]))
    )
    plain = texts([p for p in _all(name, "namePart") if _attr(p, "type") is None])
    full: str | None
    if family or given:
        full = ", ".join(p for p in (family, given) if p)
        if plain and not family:
            family = plain[0]
            full = f"{family}, {given}" if given else family
    elif plain:
        full = (". " if kind == "organization" else ", ").join(
            p.rstrip(".") if kind == "organization" else p for p in plain
        )
        if kind == "person" and len(plain) == 1 and plain[0].count(",") == 1:
            fam, _, giv = (s.strip() for s in plain[0].partition(","))
            family, given = fam or None, giv or None
    else:
        full = text_of(child(name, "displayForm"))
    return clean(full), family, given


def _contributor(name: Element) -> Contributor | None:
    kind = _NAME_KINDS.get((_attr(name, "type") or "").lower(), "person")
    full, family, given = _name_parts(name, kind)
    if not full:
        return None
    roles = _roles(name)
    if not roles and _attr(name, "usage") == "primary" and kind == "person":
        roles = ["author"]
    return Contributor(
        name=full,
        family=family,
        given=given,
        role="; ".join(roles) or None,
        kind=kind,
        identifiers=_name_identifiers(name),
        affiliations=list(dict.fromkeys(texts(elements(name, "affiliation")))),
    )


def _contributors(mods: Element) -> list[Contributor]:
    out: list[Contributor] = []
    seen: set[tuple[str, str | None]] = set()
    for name in _all(mods, "name"):
        c = _contributor(name)
        if c is None or (c.name.casefold(), c.role) in seen:
            continue
        seen.add((c.name.casefold(), c.role))
        out.append(c)
    return out


# -- origin -------------------------------------------------------------------------


def _origin_infos(mods: Element) -> list[Element]:
    infos = _all(mods, "originInfo")

    def rank(el: Element) -> int:
        event = (_attr(el, "eventType") or "").lower()
        return {"publication": 0, "": 1, "production": 2}.get(event, 3)

    return sorted(infos, key=rank)


def _date_of(info: Element) -> str | None:
    for tag in ("dateIssued", "dateCreated", "copyrightDate"):
        dates = [d for d in _all(info, tag) if text_of(d)]
        if not dates:
            continue
        start = [d for d in dates if _attr(d, "point") == "start"]
        end = [d for d in dates if _attr(d, "point") == "end"]
        if start and end:
            return f"{text_of(start[0])}-{text_of(end[0])}"
        keyed = [d for d in dates if _attr(d, "keyDate") == "yes"]
        return text_of((keyed or dates)[0])
    return None


def _origin(
    mods: Element,
) -> tuple[str | None, list[str], str | None, str | None]:
    """Publisher, places, date and edition, each from the first originInfo that has it
    (every textual place of that originInfo, in order)."""
    publisher = date = edition = None
    places: list[str] = []
    for info in _origin_infos(mods):
        publisher = publisher or first(texts(_all(info, "publisher")))
        if not places:
            for pl in _all(info, "place"):
                terms = [t for t in _all(pl, "placeTerm") if (_attr(t, "type") or "text") == "text"]
                places += [p for p in (clean(t) for t in texts(terms)) if p]
        date = date or _date_of(info)
        edition = edition or first(texts(_all(info, "edition")))
    return clean(publisher), list(dict.fromkeys(places)), date, edition


def _languages(mods: Element) -> list[str]:
    codes: list[str] = []
    for lang in _all(mods, "language"):
        if _attr(lang, "objectPart") not in (None, "text"):
            continue  # the language of a summary or a table of contents
        terms = _all(lang, "languageTerm")
        coded = [t for t in terms if (_attr(t, "type") or "").lower() == "code"]
        if coded:
            codes += [c for c in (language_code(v) for v in texts(coded)) if c]
        else:
            codes += language_codes(texts(terms))
    return list(dict.fromkeys(codes))


# -- identifiers --------------------------------------------------------------------


def _typed_identifier(el: Element) -> Identifier | None:
    value = text_of(el)
    if not value:
        return None
    kind = (_attr(el, "type") or "").lower().replace("_", "-")
    cancelled = (_attr(el, "invalid") or "").lower() == "yes"
    status = "cancelled" if cancelled else "valid"
    found: Identifier | None
    if kind == "doi":
        found = idn.doi(value)
    elif kind == "isbn":
        found = idn.isbn(value, status=status)
    elif kind in ("issn", "issn-l"):
        found = idn.issn(value, scheme="issn_l" if kind == "issn-l" else "issn", status=status)
    elif kind == "lccn":
        found = idn.lccn(value, status=status)
    elif kind == "oclc":
        found = idn.oclc(value)
    elif kind in ("hdl", "handle"):
        found = ov.parse_identifier(value if ov.is_url(value) else f"hdl:{value}")
    elif kind in ("uri", "urn", "url", "purl"):
        found = ov.parse_identifier(value)
        if found and found.scheme == "local":
            found.scheme = "uri"
    elif kind == "pmid":
        found = ov.parse_identifier(f"pmid:{value}")
    elif kind:
        found = Identifier("local", value, kind, "valid", value)
    else:
        found = ov.parse_identifier(value)
    if found is None:
        return None
    if cancelled:
        found.status = "cancelled"
    found.raw = value
    return found


def _identifiers(el: Element) -> list[Identifier]:
    out = [i for i in (_typed_identifier(x) for x in _all(el, "identifier")) if i]
    seen: dict[tuple[str, str, str], Identifier] = {}
    for i in out:
        seen.setdefault((i.scheme, i.value, i.status), i)
    return list(seen.values())


# -- subjects -----------------------------------------------------------------------


def _subject_term(part: Element) -> str | None:
    name = localname(part)
    if name in ("topic", "geographic", "temporal", "genre", "occupation"):
        return text_of(part)
    if name == "name":
        kind = _NAME_KINDS.get((_attr(part, "type") or "").lower(), "person")
        return _name_parts(part, kind)[0]
    if name == "titleInfo":
        return _title_parts(part)[0]
    if name == "hierarchicalGeographic":
        return " -- ".join(texts(elements(part))) or None
    return None  # geographicCode, cartographics: codes and coordinates, not terms


def _subjects(mods: Element) -> list[Subject]:
    out: list[Subject] = []
    for subject in _all(mods, "subject"):
        parts = elements(subject)
        terms = [t for t in (_subject_term(p) for p in parts) if t]
        if not terms:
            continue
        scheme = _attr(subject, "authority") or next(
            (a for a in (_attr(p, "authority") for p in parts) if a), None
        )
        term = clean(" -- ".join(terms))
        if term:
            out.append(Subject(term=term, scheme=scheme))
    return out


# -- related items ------------------------------------------------------------------


def _part_numbers(part: Element | None) -> tuple[dict[str, str], str | None, str | None]:
    """Numbers by detail type, first and last page of a ``part``."""
    numbers: dict[str, str] = {}
    first_page = last_page = None
    if part is None:
        return numbers, None, None
    for detail in _all(part, "detail"):
        number = first(texts(_all(detail, "number")))
        if not number:
            continue
        kind = (_attr(detail, "type") or "").lower()
        if not kind:
            caption = first(texts(_all(detail, "caption"))) or ""
            kind = "" if not caption else f"caption:{caption}"
        numbers.setdefault(kind, number)
    for extent in _all(part, "extent"):
        if (_attr(extent, "unit") or "page").lower().rstrip(".") not in _PAGE_UNITS:
            continue
        first_page = first_page or text_of(child(extent, "start"))
        last_page = last_page or text_of(child(extent, "end"))
        listed = text_of(child(extent, "list"))
        if listed and not first_page:
            m = re.search(r"(\d+)\s*(?:[-\u2013]\s*(\d+))?", listed)
            if m:
                first_page, last_page = m.group(1), m.group(2)
    return numbers, first_page, last_page


def _volume_issue(numbers: dict[str, str]) -> tuple[str | None, str | None]:
    volume = numbers.get("volume")
    issue = numbers.get("issue") or numbers.get("number") or numbers.get("no")
    return volume, issue


def _host(mods: Element) -> tuple[Host | None, bool, bool]:
    """The host, whether it is a serial, whether it is a book."""
    hosts = [r for r in _all(mods, "relatedItem") if _attr(r, "type") == "host"]
    if not hosts:
        return None, False, False
    item = hosts[0]
    title, _, subtitle, _, _ = _titles(item)
    idents = _identifiers(item)
    numbers, first_page, last_page = _part_numbers(child(item, "part"))
    own_numbers, own_first, own_last = _part_numbers(child(mods, "part"))
    volume, issue = _volume_issue(numbers)
    own_volume, own_issue = _volume_issue(own_numbers)
    volume, issue = volume or own_volume, issue or own_issue
    first_page, last_page = first_page or own_first, last_page or own_last
    part_text = first(texts(_all(child(item, "part"), "text"))) or first(
        texts(_all(child(mods, "part"), "text"))
    )
    genres = {ov.type_key(g) for g in texts(_all(item, "genre"))}
    issuance = {
        (t or "").lower()
        for info in _all(item, "originInfo")
        for t in texts(_all(info, "issuance"))
    }
    serial = (
        any(i.scheme in ("issn", "issn_l") for i in idents)
        or bool(issuance & {"continuing", "serial"})
        or bool(genres & _SERIAL_GENRES)
        or bool(volume or issue)
    )
    book = any(i.scheme == "isbn" for i in idents) or bool(genres & {"book", "monograph"})
    host = Host(
        title=f"{title} : {subtitle}" if title and subtitle else title,
        identifiers=idents,
        volume=volume,
        issue=issue,
        first_page=first_page,
        last_page=last_page,
        raw=part_text,
    )
    return host, serial, book


def _relations(mods: Element) -> tuple[list[Relation], list[Series]]:
    relations: list[Relation] = []
    series: list[Series] = []
    for item in _all(mods, "relatedItem"):
        kind = (_attr(item, "type") or "").lower()
        if kind == "host":
            continue
        rel = _RELATED.get(kind.replace(" ", ""), "related")
        title = _titles(item)[0]
        idents = _identifiers(item)
        for loc in _all(item, "location"):
            for url in texts(_all(loc, "url")):
                idents.append(Identifier("uri", ov.fix_url(url), None, "valid", url))
        if not title and not idents:
            continue
        note = _attr(item, "displayLabel") or _attr(item, "otherType")
        relations.append(Relation(type=rel, title=title, identifiers=idents, note=note))
        if rel == "series" and title:
            numbers, _, _ = _part_numbers(child(item, "part"))
            number = next(iter(numbers.values()), None)
            issn = next((i.value for i in idents if i.scheme == "issn"), None)
            series.append(Series(title=title, number=number, issn=issn))
    return relations, series


# -- medium and access --------------------------------------------------------------


def _medium(mods: Element, urls: list[str]) -> tuple[str, list[str]]:
    electronic: list[str] = []
    stated: dict[str, str] = {}
    for pd in _all(mods, "physicalDescription"):
        for form in texts(_all(pd, "form")):
            medium = _FORM_MEDIUM.get(form.lower().strip(" ."))
            if medium == "electronic":
                electronic.append(f"mods:physicalDescription/form {form.lower()}")
            elif medium:
                stated.setdefault(medium, f"mods:physicalDescription/form {form.lower()}")
        if texts(_all(pd, "digitalOrigin")):
            electronic.append("mods:physicalDescription/digitalOrigin")
        if texts(_all(pd, "internetMediaType")):
            electronic.append("mods:physicalDescription/internetMediaType")
    if electronic:
        return "electronic", list(dict.fromkeys(electronic))
    for medium in ("print", "microform"):
        if medium in stated:
            return medium, [stated[medium]]
    if urls:
        return "electronic", ["mods:location/url"]
    return "unknown", []


def _access(mods: Element) -> tuple[list[Access], list[str]]:
    statements: list[str] = []
    for cond in _all(mods, "accessCondition"):
        statements += [s for s in (text_of(cond), _attr(cond, f"{{{XLINK_NS}}}href")) if s]
    kind = ov.access_kind(statements)
    out: list[Access] = []
    urls: list[str] = []
    for loc in _all(mods, "location"):
        for url_el in _all(loc, "url"):
            url = text_of(url_el)
            if not url or (_attr(url_el, "access") or "").lower() == "preview":
                continue
            url = ov.fix_url(url)
            urls.append(url)
            relationship = {
                "object in context": "resource",
                "raw object": "resource",
            }.get((_attr(url_el, "access") or "").lower())
            note = _attr(url_el, "displayLabel") or _attr(loc, "displayLabel")
            out.append(Access(url=url, kind=kind, relationship=relationship, note=note))
    return out, urls


# -- the record ---------------------------------------------------------------------


def _type(mods: Element, serial_host: bool, book_host: bool) -> str:
    found = ov.record_type(texts(_all(mods, "genre")))
    if found:
        return found
    resource = [t.lower() for t in texts(_all(mods, "typeOfResource"))]
    found = ov.record_type(resource)
    if found:
        return found
    if not resource or "text" in resource:
        if serial_host:
            return "journal_article"
        if book_host:
            return "book_chapter"
    return "other"


def map_mods(envelope: RawEnvelope, oai: OaiRecord, mods: Element) -> Record:
    """One ``mods`` element to the unified record (see the module docstring)."""
    record_id, source_id, datestamp = identity(envelope, oai)
    title, nonfiling, subtitle, part, variants = _titles(mods)
    if part is None:
        numbers, _, _ = _part_numbers(child(mods, "part"))
        captioned = next(((k, v) for k, v in numbers.items() if k.startswith("caption:")), None)
        if captioned:
            part = Part(number=f"{captioned[0][len('caption:') :]} {captioned[1]}".strip())
    publisher, places, date, edition = _origin(mods)
    host, serial_host, book_host = _host(mods)
    relations, series = _relations(mods)
    access, urls = _access(mods)
    idents = _identifiers(mods)
    for url in urls:
        if re.search(r"doi\.org/10\.", url, re.I):
            doi = idn.doi(url)
            if doi and all(i.value != doi.value for i in idents):
                idents.append(doi)
    medium, evidence = _medium(mods, urls)
    extents: list[str] = []
    pages: int | None = None
    for pd in _all(mods, "physicalDescription"):
        for ext in _all(pd, "extent"):
            value = text_of(ext)
            if not value:
                continue
            unit = _attr(ext, "unit")
            extents.append(f"{value} {unit}" if unit else value)
            if unit and unit.lower().rstrip(".") in _PAGE_UNITS and value.isdigit():
                pages = pages or int(value)
    extent = "; ".join(extents) or None
    return Record(
        id=record_id,
        source=envelope.source,
        source_id=source_id,
        source_format=envelope.format,
        type=_type(mods, serial_host, book_host),
        medium=medium,
        medium_evidence=evidence,
        title=title,
        title_nonfiling=nonfiling,
        subtitle=subtitle,
        part=part,
        title_variants=variants,
        contributors=_contributors(mods),
        publisher=publisher,
        place=places[0] if places else None,
        places=places,
        date=date,
        year=ov.year(date),
        edition=edition,
        language=_languages(mods),
        identifiers=idents,
        host=host,
        relations=relations,
        subjects=_subjects(mods),
        abstract=first(texts(_all(mods, "abstract"))),
        extent=extent,
        page_count=pages or ov.page_count(extent),
        series=series,
        access=access,
        datestamp=datestamp,
        harvested_at=envelope.fetched_at,
        raw_ref=raw_ref(envelope),
    )


def _mods_root(metadata: Element) -> Element:
    ns = namespace(metadata)
    if ns not in (MODS_NS, ""):
        raise RecordError(
            f"metadata is {describe(metadata)}, not MODS ({MODS_NS}): set this source's "
            "format to the metadata format the repository actually sends"
        )
    name = localname(metadata)
    if name == "modsCollection":
        inner = _all(metadata, "mods")
        if len(inner) != 1:
            raise RecordError(
                f"modsCollection holds {len(inner)} mods records; one envelope must carry "
                "one record (split the collection before harvesting it)"
            )
        return inner[0]
    if name != "mods":
        raise RecordError(
            f"metadata is {describe(metadata)}, not a MODS <mods> or <modsCollection> record"
        )
    return metadata


MODS_RECORDS = XmlRecords(
    targets=frozenset({f"{{{MODS_NS}}}mods"}),
    local="mods",
    label="MODS <mods>",
    expect=f"MODS records are <mods> elements in namespace '{MODS_NS}'",
    containers=frozenset({("modsCollection", MODS_NS)}),
)
register_framer(
    "mods", sniff=looks_like_xml, description="MODS (a modsCollection, a record, or an OAI-PMH "
    "response)"
)(MODS_RECORDS)  # fmt: skip


@register("mods", framers=("mods",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One OAI-PMH ``<record>`` (or a bare ``mods``) to one record or a tombstone."""
    oai = read_envelope(envelope)
    if oai.deleted or envelope.deleted:
        return [tombstone(envelope, oai)]
    if oai.metadata is None:
        raise RecordError(
            "OAI record has no metadata and is not marked deleted: the repository sent an "
            "empty <metadata> element (re-harvest the record, or report it to the repository)"
        )
    mods = _mods_root(oai.metadata)
    record = map_mods(envelope, oai, mods)
    if not record.title and not record.identifiers and not record.contributors:
        raise RecordError(
            "MODS record has no title, identifier or name: nothing to catalog it by "
            "(check the record in the repository)"
        )
    return [record]
