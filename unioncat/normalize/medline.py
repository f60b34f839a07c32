"""The ``medline`` format: PubMed's MEDLINE display format (``.nbib``, ``.txt``).

Each citation begins at ``PMID-``; a line is a tag of up to four letters padded to four,
``- ``, and the value; a continuation is indented six spaces and extends the value above
it (NLM's MEDLINE/PubMed data element list).  Mapped:

- **Key.** ``PMID`` is the source id and a ``pmid`` identifier; ``PMC`` a ``pmcid``;
  ``LID`` and ``AID`` values tagged ``[doi]`` a DOI, ``[pii]`` a ``pii`` (the publisher's
  item id), ``[bookaccession]`` a local id qualified ``bookaccession``.
- **Type.** ``PT`` ``Book`` is a book, ``Book Chapter`` (or a ``BTI`` beside a ``TI``) a
  chapter of the book ``BTI`` names (its ``ISBN`` and ``PB``, ``PL`` and editors on the
  host); anything else is a journal article.  Every ``PT`` is kept as a subject in the
  scheme ``nlm-publication-type`` (Review, Randomized Controlled Trial...).
- **Title.** ``TI`` without its final full stop; a translated title (``[...]``, as
  MEDLINE writes the English of a title in another language) without its brackets,
  with the vernacular ``TT`` as a variant.
- **Names.** ``FAU`` (``Family, Given``) over ``AU`` (``Family Initials``), paired in
  order; the ``AD`` lines after a name are its affiliations, an ``AUID`` ``ORCID:`` its
  ORCID; ``FED``/``ED`` editors, ``CN`` a corporate author.
- **Journal.** ``JT`` (the title), ``TA`` kept in the source citation ``SO`` as
  ``Host.raw``; ``IS`` ISSNs by their type: ``(Print)``, ``(Electronic)``, ``(Linking)``
  the ISSN-L; ``VI``, ``IP``, and ``PG`` with its shortened end written out (``6913-7``
  is 6913-6917).
- **Dates.** ``DP`` (a MedlineDate range gives its start), ``LA`` languages, ``MH`` MeSH
  headings (scheme ``mesh``: the major-topic star dropped, qualifiers after ``/`` kept),
  ``OT`` keywords, ``AB`` the abstract, ``EN`` the edition.

The medium is left unknown: a PubMed citation describes the article, not the copy.
"""

from __future__ import annotations

import re

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing.tagged import TaggedBlocks
from unioncat.identifiers import doi, isbn, issn, orcid
from unioncat.ids import mint_id
from unioncat.normalize.base import register
from unioncat.normalize.citation import clean, date_of, first_values, page_range, person
from unioncat.normalize.languages import language_codes
from unioncat.normalize.tagged_fields import TaggedField, read_fields
from unioncat.schemas.record import Contributor, Host, Identifier, Record, Series, Subject

_OPENER = re.compile(rb"^PMID- ")
_TAG = re.compile(r"^([A-Z][A-Z0-9]{1,3}) *- ?(.*)$")
_TYPED = re.compile(r"^(.*?)\s*\[([a-z-]+)\]\s*$")
_ISSN_TYPE = re.compile(r"\((print|electronic|linking)\)", re.I)

MEDLINE_RECORDS = TaggedBlocks(_OPENER, "MEDLINE citation (PMID- ...)")
MEDLINE_RECORDS.register("medline-tagged", "PubMed MEDLINE display format (.nbib)")

# The tags after which an AD or AUID line belongs to the name above it.
_NAME_TAGS = frozenset({"FAU", "AU", "FED", "ED", "CN"})


@register("medline", framers=("medline-tagged",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One MEDLINE citation to one record."""
    fields = read_fields(envelope.payload.decode("utf-8"), _TAG, 6, "a MEDLINE citation")
    values: dict[str, list[str]] = {}
    for f in fields:
        values.setdefault(f.tag, []).append(f.value)

    first = first_values(values)

    pmid = first("PMID")
    if not pmid or not pmid.isdigit():
        raise RecordError(
            f"a MEDLINE citation without a PMID (PMID- {pmid or ''}): nothing keys it"
        )
    types = [v for v in (clean(x) for x in values.get("PT", ())) if v]
    book_title = first("BTI")
    chapter = "Book Chapter" in types or bool(book_title and first("TI"))
    book = not chapter and ("Book" in types or bool(book_title))
    title, variants = _title(first("TI") or (book_title if book else None), first("TT"))
    if not title:
        raise RecordError(f"MEDLINE citation PMID {pmid} without a title (TI): nothing to catalog")
    date, year = date_of(first("DP"))
    authors, editors = _names(fields)
    ids = [Identifier("pmid", pmid, raw=pmid)] + _article_ids(values)
    isbns = [i for i in (isbn(v) for v in values.get("ISBN", ())) if i is not None]
    first_page, last_page = page_range(first("PG"))
    if chapter:
        rtype = "book_chapter"
        host = Host(title=book_title, identifiers=isbns, first_page=first_page, last_page=last_page)
        contributors = authors + editors
    elif book:
        rtype, host, contributors = "book", None, authors + editors
        ids += isbns
    else:
        rtype = "journal_article"
        host = Host(
            title=first("JT") or first("TA"),
            identifiers=_issns(values.get("IS", [])),
            volume=first("VI"),
            issue=first("IP"),
            first_page=first_page,
            last_page=last_page,
            raw=first("SO"),
        )
        contributors = authors + editors
    subjects = [
        Subject(term=term.lstrip("*"), scheme="mesh")
        for term in (clean(v) for v in values.get("MH", []))
        if term
    ]
    subjects += [
        Subject(term=t, scheme=None) for t in (clean(v) for v in values.get("OT", ())) if t
    ]
    subjects += [Subject(term=t, scheme="nlm-publication-type") for t in types]
    return [
        Record(
            id=mint_id(envelope.source, pmid),
            source=envelope.source,
            source_id=pmid,
            source_format=envelope.format,
            type=rtype,
            medium="unknown",
            title=title,
            title_variants=variants,
            contributors=contributors,
            publisher=first("PB") if (book or chapter) else None,
            place=first("PL") if (book or chapter) else None,
            date=date,
            year=year,
            edition=first("EN"),
            language=language_codes(values.get("LA", [])),
            identifiers=ids,
            host=host,
            subjects=subjects,
            abstract=first("AB"),
            series=[Series(title=t) for t in (clean(v) for v in values.get("CTI", ())) if t],
            harvested_at=envelope.fetched_at,
            raw_ref=raw_ref(envelope),
        )
    ]


def _title(ti: str | None, tt: str | None) -> tuple[str | None, list[str]]:
    if not ti:
        return (clean(tt), []) if tt else (None, [])
    text = ti.strip()
    translated = text.startswith("[")
    if translated:
        text = text[1:]
        text = re.sub(r"\]\s*\.?$", "", text)
    text = text.removesuffix(".").strip()
    variants = [clean(tt)] if tt and clean(tt) else []
    return text or None, [v for v in variants if v]


def _names(fields: list[TaggedField]) -> tuple[list[Contributor], list[Contributor]]:
    """Authors and editors with their affiliations and ORCIDs; full names (FAU, FED)
    preferred, the short ones (AU, ED) used where the full one is missing."""
    full: dict[str, list[Contributor]] = {"FAU": [], "FED": []}
    short: dict[str, list[Contributor]] = {"AU": [], "ED": []}
    corporate: list[Contributor] = []
    last: Contributor | None = None
    for f in fields:
        tag = f.tag
        if tag in _NAME_TAGS:
            role = "editor" if tag in ("FED", "ED") else "author"
            if tag == "CN":
                made: Contributor | None = Contributor(name=f.value, role=role, kind="organization")
                if made is not None:
                    corporate.append(made)
            else:
                made = person(f.value, role=role)
                if made is not None:
                    (full if tag in full else short)[tag].append(made)
            last = made
        elif tag == "AD" and last is not None:
            last.affiliations.append(f.value)
        elif tag == "AUID" and last is not None:
            found = orcid(f.value) if "orcid" in f.value.lower() else None
            if found is not None:
                last.identifiers.append(found)
        else:
            last = None
    authors = _prefer(full["FAU"], short["AU"])
    editors = _prefer(full["FED"], short["ED"])
    return authors + corporate, editors


def _prefer(full: list[Contributor], short: list[Contributor]) -> list[Contributor]:
    """The full names, each given the affiliations and ORCIDs its short twin got."""
    if not full:
        return short
    for i, name in enumerate(full):
        if i < len(short):
            twin = short[i]
            if not name.affiliations:
                name.affiliations = twin.affiliations
            if not name.identifiers:
                name.identifiers = twin.identifiers
    return full


def _issns(values: list[str]) -> list[Identifier]:
    out: list[Identifier] = []
    for raw in values:
        kind = _ISSN_TYPE.search(raw)
        word = kind.group(1).lower() if kind else None
        found = issn(raw, scheme="issn_l" if word == "linking" else "issn")
        if found is None:
            continue
        found.qualifier = word if word in ("print", "electronic") else None
        if all((found.scheme, found.value) != (i.scheme, i.value) for i in out):
            out.append(found)
    return out


def _article_ids(values: dict[str, list[str]]) -> list[Identifier]:
    out: list[Identifier] = []
    seen: set[tuple[str, str]] = set()
    for raw in values.get("LID", []) + values.get("AID", []):
        m = _TYPED.match(raw)
        if not m:
            continue
        value, kind = m.group(1).strip(), m.group(2)
        made: Identifier | None = None
        if kind == "doi":
            made = doi(value)
        elif kind == "pii":
            made = Identifier("pii", value, raw=raw)
        elif kind == "pmc":
            made = Identifier("pmcid", value.upper(), raw=raw)
        elif value:
            made = Identifier("local", value, qualifier=kind, raw=raw)
        if made is not None and (made.scheme, made.value) not in seen:
            seen.add((made.scheme, made.value))
            out.append(made)
    for raw in values.get("PMC", []):
        value = raw.strip().upper()
        if value and ("pmcid", value) not in seen:
            seen.add(("pmcid", value))
            out.append(Identifier("pmcid", value, raw=raw))
    return out
