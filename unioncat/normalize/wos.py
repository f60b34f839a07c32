"""The ``wos`` format: Web of Science tagged plain text ("Other file format", full record).

A file opens with ``FN`` and ``VR``, each record runs from ``PT`` to ``ER``, and ``EF``
ends the file; a line is a two-character tag, a space and the value, and a line indented
three spaces continues the tag above.  For the name and address tags (``AU``, ``AF``,
``BA``, ``BF``, ``BE``, ``CA``, ``C1``, ``CR``) each continuation is another value; for the
others it is the rest of the value (the abstract keeps its paragraphs).  Mapped:

- **Key.** ``UT``, the accession number (``WOS:000424022700066``, or another index's
  prefix in an All Databases export), is the source id and a ``wos`` identifier; ``DI``
  the DOI, ``PM`` the PMID.
- **Type.** ``PT`` J (journal), B (book), S (series), P (patent) with ``DT`` (Article,
  Review, Proceedings Paper, Book Chapter, Book, Editorial Material...): a proceedings
  paper is one, a book chapter one, a ``B`` record without a chapter a book, a patent a
  patent, anything else a journal article.  ``DT`` is kept as a subject in the scheme
  ``wos-document-type``.
- **Names.** ``AF`` (full names) over ``AU``, paired in order; ``BF``/``BA`` the same for
  a book's authors, ``BE`` editors, ``CA`` group authors; ``C1`` addresses
  (``[Name; Name] Address``) as each named author's affiliations; ``OI`` ORCIDs by name.
- **Source.** ``SO`` is the journal, book or proceedings; ``SN`` its print ISSN, ``EI``
  its electronic one, ``BN`` an ISBN (the record's own when it is a book, its host's
  otherwise, as in a book series); ``VL``, ``IS`` (with ``SU`` supplement and ``SI``
  special issue when there is no issue), ``BP``/``EP`` pages, or the article number
  ``AR`` as the first page; ``SE`` the series; ``J9`` the abbreviation in ``Host.raw``.
- **The rest.** ``PY`` with ``PD`` (``JAN 15``, ``SPR``) the date, ``LA`` languages,
  ``DE`` author keywords, ``ID`` Keywords Plus (scheme ``keywords-plus``), ``WC``
  categories (``wos-category``), ``AB`` the abstract, ``PU`` publisher, ``PI`` its
  city, ``PG`` the page count.

Counts (``TC``, ``Z9``, ``U1``, ``U2``), funding (``FU``, ``FX``), cited references
(``CR``) and the open-access label ``OA`` (which names no copy to link to) are not kept.
"""

from __future__ import annotations

import re

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing.tagged import TaggedBlocks, sniff_opener
from unioncat.identifiers import doi, isbn, issn, orcid
from unioncat.ids import mint_id
from unioncat.normalize.base import register
from unioncat.normalize.citation import clean, date_of, first_values, fold, person, split_list
from unioncat.normalize.languages import language_codes
from unioncat.normalize.tagged_fields import TaggedField, joined, read_fields
from unioncat.schemas.record import Contributor, Host, Identifier, Record, Series, Subject

_OPENER = re.compile(rb"^PT ")
WOS_RECORDS = TaggedBlocks(
    _OPENER,
    "Web of Science record (PT ...)",
    end=re.compile(rb"^ER\s*$"),
    header=re.compile(rb"^(?:FN|VR)(?: |$)"),
    trailer=re.compile(rb"^EF\s*$"),
)
WOS_RECORDS.register(
    "wos-tagged",
    "Web of Science plain text (FN/VR header, PT ... ER records)",
    sniff=sniff_opener(re.compile(rb"^(?:\xef\xbb\xbf)?(?:FN |PT )")),
)

_TAG = re.compile(r"^([A-Z][A-Z0-9]) ?(.*)$")
# Tags whose continuation lines are further values, not the rest of one.
_LISTED = frozenset({"AU", "AF", "BA", "BF", "BE", "CA", "C1", "CR", "GP"})
_ADDRESS = re.compile(r"^\[(?P<names>[^\]]*)\]\s*(?P<address>.*)$")
_ORCID_BY_NAME = re.compile(r"([^;/]+)/(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", re.I)


@register("wos", framers=("wos-tagged",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One Web of Science record to one record."""
    fields = read_fields(envelope.payload.decode("utf-8"), _TAG, 3, "a Web of Science record")
    values = _values(fields)

    first = first_values(values)

    accession = first("UT")
    found_doi = doi(first("DI") or "") if first("DI") else None
    title = first("TI")
    if not title:
        raise RecordError(
            f"Web of Science record {accession or '(no UT)'} without a title (TI): "
            "nothing to catalog"
        )
    key = accession or (found_doi.value if found_doi else None)
    if key is None:
        raise RecordError(
            f"Web of Science record {title[:60]!r} has neither an accession number (UT) nor "
            "a DOI (DI): nothing keys it; export the full record"
        )
    pt = (first("PT") or "").upper()
    doctypes = split_list(first("DT"))
    words = {d.lower() for d in doctypes}
    source_title = first("SO")
    isbns = [i for i in (isbn(v) for v in split_list(first("BN"))) if i is not None]
    if pt == "P" or "patent" in words:
        rtype = "patent"
    elif "proceedings paper" in words:
        rtype = "proceedings_paper"
    elif "book chapter" in words or (pt == "B" and source_title and "book" not in words):
        rtype = "book_chapter"
    elif pt == "B":
        rtype = "book"
    else:
        rtype = "journal_article"
    book = rtype == "book"
    date, year = date_of(" ".join(v for v in (first("PY"), first("PD")) if v))
    if year is None and first("EA"):
        date, year = date_of(first("EA"))
    ids: list[Identifier] = []
    if accession:
        ids.append(Identifier("wos", accession, raw=accession))
    if found_doi is not None:
        ids.append(found_doi)
    pmid = first("PM")
    if pmid and pmid.isdigit():
        ids.append(Identifier("pmid", pmid, raw=pmid))
    host: Host | None = None
    if book:
        ids += isbns
    else:
        host_ids = _issns(first("SN"), first("EI")) + isbns
        book_doi = doi(first("D2") or "") if first("D2") else None
        if book_doi is not None:
            host_ids.append(book_doi)
        host = Host(
            title=source_title,
            identifiers=host_ids,
            volume=first("VL"),
            issue=first("IS") or first("SU") or first("SI"),
            first_page=first("BP") or first("AR"),
            last_page=first("EP"),
            raw=first("J9") or first("JI"),
        )
    subjects = [Subject(term=t) for t in split_list(first("DE"))]
    subjects += [Subject(term=t, scheme="keywords-plus") for t in split_list(first("ID"))]
    subjects += [Subject(term=t, scheme="wos-category") for t in split_list(first("WC"))]
    subjects += [Subject(term=t, scheme="wos-document-type") for t in doctypes]
    page_count = first("PG")
    series = first("SE")
    return [
        Record(
            id=mint_id(envelope.source, key),
            source=envelope.source,
            source_id=key,
            source_format=envelope.format,
            type=rtype,
            medium="unknown",
            title=title,
            contributors=_contributors(values),
            publisher=first("PU"),
            place=first("PI"),
            date=date,
            year=year,
            language=language_codes(split_list(first("LA"))),
            identifiers=ids,
            host=host,
            subjects=subjects,
            abstract=next((v.strip() for v in values.get("AB", ()) if v.strip()), None),
            page_count=int(page_count) if page_count and page_count.isdigit() else None,
            series=[Series(title=series, number=first("BS"))] if series else [],
            harvested_at=envelope.fetched_at,
            raw_ref=raw_ref(envelope),
        )
    ]


def _values(fields: list[TaggedField]) -> dict[str, list[str]]:
    """Each tag's values: one a line for the listed tags, else one a field."""
    out: dict[str, list[str]] = {}
    for f in fields:
        if f.tag in _LISTED:
            out.setdefault(f.tag, []).extend(v.strip() for v in f.lines if v.strip())
        elif f.tag == "AB":
            out.setdefault(f.tag, []).append("\n".join(v.strip() for v in f.lines if v.strip()))
        else:
            out.setdefault(f.tag, []).append(joined(f.lines))
    return out


def _contributors(values: dict[str, list[str]]) -> list[Contributor]:
    people: list[Contributor] = []
    for full_tag, short_tag, role in (("AF", "AU", "author"), ("BF", "BA", "author")):
        names = values.get(full_tag) or values.get(short_tag) or []
        people += [c for c in (person(n, role=role) for n in names) if c is not None]
    people += [c for c in (person(n, role="editor") for n in values.get("BE", [])) if c]
    _affiliate(people, values.get("C1", []))
    _orcids(people, " ".join(values.get("OI", [])))
    groups = [
        Contributor(name=n, role="author", kind="organization")
        for n in (clean(v) for v in values.get("CA", []) + values.get("GP", []))
        if n
    ]
    return people + groups


def _affiliate(people: list[Contributor], addresses: list[str]) -> None:
    """``[Family, Given; Family, Given] Address`` gives each named author the address."""
    by_name = {fold(c.name): c for c in people}
    for line in addresses:
        m = _ADDRESS.match(line)
        if not m:
            continue
        for name in m.group("names").split(";"):
            found = by_name.get(fold(name))
            if found is not None and m.group("address") not in found.affiliations:
                found.affiliations.append(m.group("address"))


def _name_key(name: str) -> str:
    """Family name and first given name: ``OI`` and ``RI`` write "Solomon, Anthony" for
    the author ``AF`` calls "Solomon, Anthony W."."""
    family, _, given = fold(name).partition(",")
    words = given.replace(".", " ").split()
    return f"{family.strip()},{words[0] if words else ''}"


def _orcids(people: list[Contributor], text: str) -> None:
    by_name: dict[str, Contributor | None] = {}
    for c in people:
        key = _name_key(c.name)
        by_name[key] = None if key in by_name else c  # two authors alike: neither
    for m in _ORCID_BY_NAME.finditer(text):
        found = by_name.get(_name_key(m.group(1)))
        made = orcid(m.group(2))
        if found is not None and made is not None and made not in found.identifiers:
            found.identifiers.append(made)


def _issns(print_issn: str | None, online_issn: str | None) -> list[Identifier]:
    out: list[Identifier] = []
    for raw, qualifier in ((print_issn, "print"), (online_issn, "electronic")):
        found = issn(raw) if raw else None
        if found is not None:
            found.qualifier = qualifier
            out.append(found)
    return out
