"""The ``jats`` format: JATS 1.x journal articles (PMC ``.nxml``, publishers' JATS).

- **Host.** ``journal-meta``: the journal title (``journal-title-group``, or the NLM
  abbreviation when that is all there is), its ISSNs qualified print or electronic by
  ``pub-type`` (``ppub``, ``epub``) or ``publication-format``, the publisher; volume,
  issue, ``fpage``/``lpage`` or the ``elocation-id`` come from ``article-meta``.
- **Keys.** The DOI is the source id (PMC's own id, then the PMID, then the publisher's
  id when there is no DOI); every ``article-id`` is kept: DOI, PMID, PMCID (scheme
  ``pmcid``), the publisher's.
- **Article.** Title and subtitle, contributors by ``contrib-type`` (author, editor)
  with their ORCID (``contrib-id``), the earliest publication date, keywords as
  subjects, the abstract as plain text, the licence (``open`` when Creative Commons, or
  when PMC marks the article open access) as the access note; an ``article-type`` that
  names a book review, a correction or an editorial stays a journal article.
- **BITS.** A ``book-part`` (the BITS book tag set) is a chapter of its ``book-meta``.

Parsed as every XML record is (:func:`~unioncat.normalize.xml_util.parse`: no DTD, no
entities, no network): the ``DOCTYPE`` every PMC file carries is never fetched, and an
article that uses an entity of its own DTD is quarantined saying so.
"""

from __future__ import annotations

import re

from lxml import etree

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing import register_framer
from unioncat.framing.xml import XmlRecords, looks_like_xml
from unioncat.identifiers import doi, isbn, issn, orcid
from unioncat.ids import mint_id
from unioncat.normalize.base import register
from unioncat.normalize.languages import language_codes
from unioncat.normalize.xml_util import clean_text, parse, text_of
from unioncat.schemas.record import Access, Contributor, Host, Identifier, Record, Subject
from unioncat.xmlsafe import XLINK_NS

_OPEN = re.compile(r"creativecommons\.org|open[- ]access", re.I)
_PRINT = {"ppub", "print"}
_ONLINE = {"epub", "electronic", "epub-ppub", "online"}

JATS_RECORDS = XmlRecords(
    targets=frozenset({"article", "book-part"}),
    local="article",
    label="JATS <article>",
    expect="JATS articles are <article> elements in no namespace",
)
register_framer(
    "jats-xml", sniff=looks_like_xml, description="JATS articles (PMC .nxml), BITS book parts"
)(JATS_RECORDS)


def _first(root: etree._Element, path: str) -> str | None:
    return text_of(root.find(path))


@register("jats", framers=("jats-xml",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One JATS article (or BITS book part) to one record."""
    root = parse(envelope.payload)
    if root.tag not in ("article", "book-part"):
        raise RecordError(f"not a JATS article: the root element is <{root.tag}>")
    meta = root.find("front/article-meta")
    if meta is None:
        meta = root.find("book-part-meta")
    if meta is None:
        raise RecordError("a JATS article without <article-meta>: nothing describes it")
    ids = _article_ids(meta)
    key = next(
        (
            i
            for s in ("doi", "pmcid", "pmid", "publisher-id")
            for i in ids
            if (i.qualifier or i.scheme) == s or i.scheme == s
        ),
        None,
    )
    if key is None:
        raise RecordError(
            "a JATS article without any article-id (DOI, PMCID, PMID): nothing keys it"
        )
    chapter = root.tag == "book-part"
    title = _first(meta, "title-group/article-title") or _first(meta, "title-group/title")
    host = _book_host(root) if chapter else _journal_host(root, meta)
    date = _earliest(meta)
    licence = _licence(meta)
    open_access = bool(licence and _OPEN.search(licence)) or any(
        "open_access" in (pi.text or "") for pi in root.iter(etree.ProcessingInstruction)
    )
    links = [f"https://doi.org/{i.value}" for i in ids if i.scheme == "doi"]
    return [
        Record(
            id=mint_id(envelope.source, key.value),
            source=envelope.source,
            source_id=key.value,
            source_format=envelope.format,
            type="book_chapter" if chapter else "journal_article",
            medium="electronic",
            medium_evidence=["jats: a publisher's or PMC's article file"],
            title=title,
            subtitle=_first(meta, "title-group/subtitle"),
            title_variants=[
                t
                for t in (
                    text_of(e) for e in meta.iterfind("title-group/trans-title-group/trans-title")
                )
                if t
            ],
            contributors=_contributors(meta),
            publisher=_first(root, "front/journal-meta/publisher/publisher-name")
            or _first(root, "book-meta/publisher/publisher-name"),
            date=date,
            year=int(date[:4]) if date else None,
            language=language_codes([root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""])
            if root.get("{http://www.w3.org/XML/1998/namespace}lang")
            else [],
            identifiers=ids,
            host=host,
            subjects=[Subject(term=t) for t in (text_of(k) for k in meta.iterfind(".//kwd")) if t],
            abstract=text_of(meta.find("abstract")),
            access=[
                Access(url=u, kind="open" if open_access else "unknown", note=licence)
                for u in links
            ],
            harvested_at=envelope.fetched_at,
            raw_ref=raw_ref(envelope),
        )
    ]


def _article_ids(meta: etree._Element) -> list[Identifier]:
    out: list[Identifier] = []
    for el in (
        meta.iterfind("article-id") if meta.tag == "article-meta" else meta.iterfind("book-part-id")
    ):
        kind = (el.get("pub-id-type") or el.get("book-part-id-type") or "").lower()
        value = text_of(el)
        if not value:
            continue
        if kind == "doi":
            found = doi(value)
            if found is not None:
                out.append(found)
        elif kind == "pmid":
            out.append(Identifier("pmid", value, raw=value))
        elif kind in ("pmc", "pmcid"):
            number = value.upper().removeprefix("PMC")
            out.append(Identifier("pmcid", f"PMC{number}", raw=value))
        else:
            out.append(Identifier("local", value, qualifier=kind or None, raw=value))
    return out


def _journal_host(root: etree._Element, meta: etree._Element) -> Host:
    journal = root.find("front/journal-meta")
    ids: list[Identifier] = []
    title = None
    if journal is not None:
        title = (
            _first(journal, "journal-title-group/journal-title")
            or _first(journal, "journal-title")
            or _first(journal, "journal-id")
        )
        for el in journal.iterfind("issn"):
            found = issn(text_of(el) or "")
            if found is None:
                continue
            kind = (el.get("pub-type") or el.get("publication-format") or "").lower()
            found.qualifier = (
                "print" if kind in _PRINT else "electronic" if kind in _ONLINE else None
            )
            ids.append(found)
    first_page = _first(meta, "fpage") or _first(meta, "elocation-id")
    return Host(
        title=title,
        identifiers=ids,
        volume=_first(meta, "volume"),
        issue=_first(meta, "issue"),
        first_page=first_page,
        last_page=_first(meta, "lpage"),
    )


def _book_host(root: etree._Element) -> Host:
    book = root.find("book-meta")
    ids: list[Identifier] = []
    title = None
    if book is not None:
        title = _first(book, "book-title-group/book-title")
        for el in book.iterfind("isbn"):
            found = isbn(text_of(el) or "")
            if found is not None:
                kind = (el.get("publication-format") or el.get("content-type") or "").lower()
                found.qualifier = (
                    "print" if kind in _PRINT else "electronic" if kind in _ONLINE else None
                )
                ids.append(found)
    return Host(title=title, identifiers=ids)


def _affiliation(aff: etree._Element) -> str | None:
    """An <aff>'s words without its <label> (the "1" its xref points by)."""
    pieces = [aff.text or ""]
    for child in aff:
        if child.tag != "label":
            pieces.append("".join(child.itertext()))
        pieces.append(child.tail or "")
    text = clean_text("".join(pieces))
    return text.strip(" ,;") or None if text else None


def _affiliations(meta: etree._Element, contrib: etree._Element) -> list[str]:
    """A contributor's affiliations: the <aff>s inside it, and those its
    ``<xref ref-type="aff">`` points to, wherever the front matter keeps them."""
    found = list(contrib.iterfind("aff"))
    rids = [
        rid
        for x in contrib.iterfind("xref")
        if x.get("ref-type") == "aff"
        for rid in (x.get("rid") or "").split()
    ]
    if rids:
        by_id = {a.get("id"): a for a in meta.iter("aff") if a.get("id")}
        found += [by_id[r] for r in rids if r in by_id]
    return list(dict.fromkeys(t for a in found if (t := _affiliation(a))))


def _contributors(meta: etree._Element) -> list[Contributor]:
    out = []
    for contrib in meta.iterfind("contrib-group/contrib"):
        role = contrib.get("contrib-type") or "author"
        ids = []
        for cid in contrib.iterfind("contrib-id"):
            found = orcid(text_of(cid) or "")
            if found is not None and (cid.get("contrib-id-type") or "orcid").lower() == "orcid":
                ids.append(found)
        family = _first(contrib, "name/surname")
        given = _first(contrib, "name/given-names")
        if family:
            out.append(
                Contributor(
                    name=f"{family}, {given}" if given else family,
                    family=family,
                    given=given,
                    role=role,
                    identifiers=ids,
                    affiliations=_affiliations(meta, contrib),
                )
            )
        elif _first(contrib, "collab"):
            out.append(
                Contributor(
                    name=str(_first(contrib, "collab")),
                    role=role,
                    kind="organization",
                    identifiers=ids,
                    affiliations=_affiliations(meta, contrib),
                )
            )
    return out


def _earliest(meta: etree._Element) -> str | None:
    dates = []
    for el in meta.iterfind("pub-date"):
        year = _first(el, "year")
        if not year or not year[:4].isdigit():
            continue
        parts = [year[:4]]
        for part in ("month", "day"):
            value = _first(el, part)
            if not (value and value.isdigit()):
                break
            parts.append(f"{int(value):02d}")
        dates.append("-".join(parts))
    # the earliest day; a date known only to its year or month yields to a fuller one
    # within it (a PMC "collection" year beside the day the article went online)
    return min(dates, key=lambda d: d + "-99-99"[len(d) - 4 :]) if dates else None


def _licence(meta: etree._Element) -> str | None:
    lic = meta.find("permissions/license")
    if lic is None:
        return None
    link = lic.find(".//ext-link")
    for el in (lic, link):
        href = el.get(f"{{{XLINK_NS}}}href") if el is not None else None
        if href:
            return str(href)
    return text_of(lic)
