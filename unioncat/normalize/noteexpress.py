"""The ``noteexpress`` format: the NoteExpress export of CNKI, Wanfang and VIP (``.net``).

A record begins at ``{Reference Type}:``; every line is ``{Field}: value`` (the colon
may be full-width, the space may be missing) and a line that does not open with ``{``
continues the value above (CNKI breaks long addresses so).  Mapped:

- **Type.** ``{Reference Type}`` (Journal Article, Thesis, Conference Proceedings,
  Newspaper Article, Book, Book Section, Patent, Standard, Report), corrected by the
  source database (``{SrcDatabase}``, see :mod:`unioncat.normalize.cnki`).
- **Title.** ``{Title}``; ``{Translated Title}`` as a variant.
- **Names.** ``{Author}``: one line of names (CNKI, split as
  :func:`~unioncat.normalize.cnki.split_names` says) or one line a name (Wanfang);
  ``{Translated Author}`` paired in order as each name's variant;
  ``{Author Address}`` paired in order as affiliations (one address for all when
  there is one, none when the counts differ); ``{Secondary Author}`` editors,
  ``{Tertiary Author}`` a thesis's supervisor, ``{Subsidiary Author}`` a patent's
  holder or a conference's organiser.  A Chinese name is kept whole.
- **Host.** ``{Journal}`` (a newspaper's or conference's ``{Secondary Title}``, a
  proceedings volume's ``{Tertiary Title}``), ``{Volume}``, ``{Issue}``, ``{Pages}``;
  ``{ISBN/ISSN}`` (an ISSN on the host, an ISBN on a book) and the CN serial number
  in ``{Notes}``; a patent's number (``CN108722921A``) is a local identifier.
- **The rest.** ``{Year}`` or ``{Date}``, ``{Keywords}``, ``{Abstract}``, ``{DOI}``,
  ``{URL}`` as access through ``{Database Provider}`` (named in the evidence when
  there is no link), ``{Language}``, ``{Publisher}``, ``{Place Published}``,
  ``{Edition}``, a book's ``{ISBN}`` and CNKI's ``{图书印刷版ISBN}`` (print ISBN).

Not kept: ``{Translated Journal}`` (the host has one title, and its ISSN or CN names
it), a thesis's degree (``{Type of Work}``: the schema has no place for it), a
standard's trial date (``{TryDate}``) and a patent's claims (CNKI's ``{Subject}``).
A record with no identifier of its own is keyed by its citation
(:func:`~unioncat.normalize.citation.content_key`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing.tagged import TaggedBlocks
from unioncat.identifiers import doi, isbn, issn
from unioncat.ids import mint_id
from unioncat.normalize import cnki
from unioncat.normalize.base import register
from unioncat.normalize.citation import (
    clean,
    content_key,
    date_of,
    first_values,
    page_range,
    person,
)
from unioncat.normalize.languages import language_codes
from unioncat.normalize.tagged_fields import keyed_fields
from unioncat.schemas.record import (
    Access,
    Contributor,
    Host,
    Identifier,
    Record,
    Relation,
    Subject,
)

_OPENER = re.compile(rb"^\{Reference Type\}\s*(?::|\xef\xbc\x9a)")
NOTEEXPRESS_RECORDS = TaggedBlocks(_OPENER, "NoteExpress record ({Reference Type}: ...)")
NOTEEXPRESS_RECORDS.register(
    "noteexpress-tagged", "NoteExpress export of CNKI, Wanfang, VIP (.net)"
)

_FIELD = re.compile(r"^\{([^}]*)\}\s*[:：]\s*(.*)$")
REFERENCE_TYPES = {
    "journal article": "journal_article",
    "electronic article": "journal_article",
    "magazine article": "journal_article",
    "thesis": "thesis",
    "dissertation": "thesis",
    "conference proceedings": "proceedings_paper",
    "conference paper": "proceedings_paper",
    "newspaper article": "newspaper_article",
    "book": "book",
    "edited book": "book",
    "book section": "book_chapter",
    "patent": "patent",
    "standard": "standard",
    "report": "report",
}
_ROLES = {
    "Secondary Author": "editor",
    "Tertiary Author": "thesis advisor",
}


def read_fields(text: str) -> dict[str, list[str]]:
    """Each field's values in file order; continuation lines joined to the value above."""
    return keyed_fields(text, _FIELD, lambda m: m.group(1).strip(" ,;:"))


@register("noteexpress", framers=("noteexpress-tagged",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One NoteExpress record to one record."""
    fields = read_fields(envelope.payload.decode("utf-8"))

    first = first_values(fields)

    written = first("Reference Type") or ""
    database = first("SrcDatabase")
    rtype = cnki.type_of_database(database) or REFERENCE_TYPES.get(written.lower(), "other")
    title = first("Title")
    if not title:
        raise RecordError(
            f"a NoteExpress {written or 'record'} without a title ({{Title}}): nothing to catalog"
        )
    date, year = date_of(first("Date"))
    if year is None:
        date, year = date_of(first("Year"))
    contributors = _contributors(fields, rtype)
    ids, host = _identifiers_and_host(fields, rtype, first)
    provider = first("Database Provider")
    url = first("URL")
    names = [c.name for c in contributors]
    key = next((i.value for i in ids if i.scheme == "doi"), None) or content_key(
        title, year, names, host.title if host else None, host.first_page if host else None
    )
    evidence = [f"noteexpress: exported from {provider}"] if provider else []
    subjects = [Subject(term=t) for t in cnki.split_values(first("Keywords"))]
    if rtype != "patent":  # CNKI writes a patent's claims in {Subject}
        subjects += [Subject(term=t) for t in cnki.split_values(first("Subject"))]
    relations = []
    if rtype == "proceedings_paper" and first("Tertiary Title") and first("Secondary Title"):
        relations.append(
            Relation(type="related", title=first("Secondary Title"), note="conference")
        )
    return [
        Record(
            id=mint_id(envelope.source, key),
            source=envelope.source,
            source_id=key,
            source_format=envelope.format,
            type=rtype,
            medium="unknown",
            medium_evidence=evidence,
            title=title,
            title_variants=[t for t in (clean(v) for v in fields.get("Translated Title", [])) if t],
            contributors=contributors,
            publisher=first("Publisher") if rtype != "newspaper_article" else None,
            place=first("Place Published"),
            date=date,
            year=year,
            edition=first("Edition"),
            language=language_codes([v for v in fields.get("Language", []) if v.strip()]),
            identifiers=ids,
            host=host,
            relations=relations,
            subjects=subjects,
            abstract=cnki.abstract(first("Abstract")),
            access=[Access(url=url, provider=provider)] if url else [],
            harvested_at=envelope.fetched_at,
            raw_ref=raw_ref(envelope),
        )
    ]


def _contributors(fields: dict[str, list[str]], rtype: str) -> list[Contributor]:
    names = [n for line in fields.get("Author", []) for n in cnki.split_names(line)]
    translated = [n for line in fields.get("Translated Author", []) for n in cnki.split_names(line)]
    addresses = [
        cnki.address(a)
        for line in fields.get("Author Address", [])
        for a in cnki.split_values(line)
        if cnki.address(a)
    ]
    people = [c for c in (person(n, given_first=True) for n in names) if c is not None]
    if len(translated) == len(people):
        for who, other in zip(people, translated, strict=True):
            who.name_variants = [other]
    cnki.pair_affiliations(people, addresses)
    for field, role in _ROLES.items():
        for line in fields.get(field, []):
            people += [
                c
                for c in (person(n, role=role, given_first=True) for n in cnki.split_names(line))
                if c
            ]
    subsidiary = "patent holder" if rtype == "patent" else "organizer"
    for line in fields.get("Subsidiary Author", []):
        for name in re.split(r"[;；、]", line):
            if clean(name):
                people.append(
                    Contributor(name=clean(name) or "", role=subsidiary, kind="organization")
                )
    return people


def _identifiers_and_host(
    fields: dict[str, list[str]], rtype: str, get: Callable[[str], str | None]
) -> tuple[list[Identifier], Host | None]:
    ids: list[Identifier] = []
    found_doi = doi(get("DOI") or "") if get("DOI") else None
    if found_doi is not None:
        ids.append(found_doi)
    numbers = [clean(v) for v in fields.get("ISBN/ISSN", []) + fields.get("ISSN", [])]
    host_ids: list[Identifier] = []
    for number in (n for n in numbers if n):
        found = issn(number) if len(number.replace("-", "")) == 8 else None
        if found is not None:
            host_ids.append(found)
            continue
        made = isbn(number)
        if made is not None:
            (ids if rtype == "book" else host_ids).append(made)
    for name, qualifier in (("ISBN", None), ("图书印刷版ISBN", "print")):
        for value in fields.get(name, []):
            made = isbn(value, qualifier=qualifier)
            if made is not None:
                (ids if rtype == "book" else host_ids).append(made)
    for note in fields.get("Notes", []):
        serial = cnki.cn_number(note)
        if serial is not None:
            host_ids.append(serial)
        elif rtype == "patent" and clean(note):
            ids.append(Identifier("local", clean(note) or "", qualifier="patent number", raw=note))
    if rtype == "book":
        return ids, None
    host_title = get("Journal")
    if rtype in ("newspaper_article", "proceedings_paper"):
        host_title = get("Tertiary Title") or get("Secondary Title") or host_title
    elif rtype == "book_chapter":
        host_title = get("Secondary Title") or host_title
    first_page, last_page = page_range(get("Pages"))
    if not (host_title or host_ids or get("Volume") or get("Issue") or first_page):
        return ids, None
    return ids, Host(
        title=host_title,
        identifiers=host_ids,
        volume=get("Volume"),
        issue=get("Issue"),
        first_page=first_page,
        last_page=last_page,
    )
