"""The ``crossref`` format: Crossref works, from the REST API or from files.

A work arrives in one of the shapes Crossref hands out: a ``/works`` response
(``message.items``), a single-work response (``message``), a bare work, a list of works
(``{"items": [...]}``), or JSON Lines of works (the Public Data File, ``crossref.ldj``).
The framer ``crossref-json`` cuts every one of them into one frame per work, so that one
broken work is quarantined alone.

- **Keys.** The DOI, lower-cased, is the source id; a work without one cannot be kept.
- **Type.** Crossref's ``type`` through :data:`TYPES` (``posted-content``, preprints and
  working papers, is a report; ``reference-entry`` a chapter of its reference work).
- **Host.** For a part (article, chapter, proceedings paper, entry) the first
  ``container-title`` is the host, with volume, issue and pages (``page`` "12-34", or
  the ``article-number``); its ISSNs and ISBNs are the host's, with their qualifier from
  ``issn-type``/``isbn-type`` (print and electronic both kept). For a journal or a book
  they are the work's own.
- **Contributors.** Authors, editors, translators and chairs with family and given
  names, or an organisation's ``name``; an ORCID is the contributor's identifier.
- **Date.** The earliest of ``published-print``, ``published-online`` and ``issued``.
- **Abstract.** JATS tags stripped, entities read, white space collapsed.
- **Access.** The full-text ``link`` URLs and the DOI's resolver URL: ``open`` when a
  licence is Creative Commons (or another open licence), else ``unknown``; the licence
  URL is the note.
- **Relations.** ``relation`` entries with a DOI, by their Crossref name (``is-part-of``
  is ``part_of``, versions and preprints are other editions, the rest related), and
  ``update-to`` (the corrections and retractions this work announces) as related, with
  the kind of update in the note.
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections.abc import Callable, Iterator
from typing import IO, Any

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing import register_framer
from unioncat.framing.base import Frame
from unioncat.framing.json import iter_json_lines, iter_json_objects, looks_like_json
from unioncat.identifiers import doi, isbn, issn, orcid
from unioncat.ids import mint_id
from unioncat.normalize.base import register
from unioncat.normalize.languages import language_codes
from unioncat.schemas.record import (
    Access,
    Contributor,
    Host,
    Identifier,
    Record,
    Relation,
    Subject,
)

TYPES = {
    "journal-article": "journal_article",
    "book-chapter": "book_chapter",
    "book-section": "book_chapter",
    "book-part": "book_chapter",
    "book-track": "book_chapter",
    "reference-entry": "book_chapter",
    "book": "book",
    "monograph": "book",
    "edited-book": "book",
    "reference-book": "book",
    "book-set": "book_set",
    "proceedings-article": "proceedings_paper",
    "proceedings": "proceedings",
    "posted-content": "report",
    "report": "report",
    "report-series": "report",
    "standard": "report",
    "dissertation": "thesis",
    "dataset": "dataset",
    "database": "dataset",
    "journal": "journal",
    "journal-issue": "journal_issue",
    "journal-volume": "journal_issue",
}
PARTS = frozenset({"journal_article", "book_chapter", "proceedings_paper", "journal_issue"})
_ROLES = (
    ("author", "author"),
    ("editor", "editor"),
    ("translator", "translator"),
    ("chair", "chair"),
)
_RELATIONS = {
    "is-part-of": "part_of",
    "has-part": "has_part",
    "is-preprint-of": "other_edition",
    "has-preprint": "other_edition",
    "is-version-of": "other_edition",
    "has-version": "other_edition",
    "is-manifestation-of": "other_format",
    "has-manifestation": "other_format",
    "is-translation-of": "other_edition",
    "has-translation": "other_edition",
}
_OPEN_LICENCE = re.compile(r"creativecommons\.org|opensource\.org|/publicdomain/", re.I)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


# -- framing ---------------------------------------------------------------------------------


def iter_crossref_works(stream: IO[bytes]) -> Iterator[Frame]:
    """One frame per work, whatever wraps the works in the file.

    JSON Lines (the Public Data File's shape, known by a first line that is a whole
    object) are cut at their line ends, and each work is parsed once, by the normalizer:
    a line that does not parse is quarantined alone.  Only a line that wraps works (a
    saved /works response, which names its ``message-type``) is parsed here, to cut it
    into its works.  Anything else (a /works response,
    an array, one pretty-printed work) goes through the brace counter of
    :mod:`unioncat.framing.json`; there a work that lost a closing brace would take the
    lines after it into one object that does not parse, and such an object is read again
    line by line, so the broken line is quarantined alone and the next works land."""
    head = getattr(stream, "head", b"")
    if _json_lines(head):
        yield from _iter_lines(stream)
        return
    position = 0
    for frame in iter_json_objects(stream):
        whole = _loads(frame.payload) if frame.error is None else (None, frame.error)
        if whole[1] is None:
            pieces = [(frame.payload, *whole)]
        elif b"\n" in frame.payload.strip():
            pieces = [(line, *_loads(line)) for line in frame.payload.splitlines() if line.strip()]
        else:
            pieces = [(frame.payload, *whole)]
        for piece, doc, problem in pieces:
            frames = _frames_of(piece, doc, problem, position, frame.error)
            yield from frames
            position += len(frames)


def _frames_of(
    piece: bytes, doc: Any, problem: str | None, position: int, error: str | None = None
) -> list[Frame]:
    """The frames of one parsed piece of a file: its works, or one error frame saying why
    it holds none."""
    if problem is not None:
        reason = error or f"Crossref work {position} is not JSON: {problem}"
        return [Frame(piece, position, error=reason)]
    return [
        Frame(piece if work is doc else json.dumps(work).encode(), position + n)
        for n, work in enumerate(_works_in(doc))
    ]


def _json_lines(head: bytes) -> bool:
    """Whether a file's first bytes are JSON Lines: a first line that is a whole object."""
    first, newline, _rest = head.lstrip(b"\xef\xbb\xbf \t\r\n").partition(b"\n")
    if not newline or not first.lstrip().startswith(b"{"):
        return False
    doc, problem = _loads(first)
    return problem is None and isinstance(doc, dict)


def _iter_lines(stream: IO[bytes]) -> Iterator[Frame]:
    return iter_json_lines(stream, "Crossref work", _unwrap)


def _unwrap(line: bytes, position: int) -> list[Frame] | None:
    """A saved /works page cut into its works; a work is left to the normalizer, which
    parses it once and quarantines it if it does not parse."""
    if _WRAPPED not in line:
        return None
    return _frames_of(line, *_loads(line), position)


# Only a line that may wrap works (a saved /works response) is parsed while framing: a
# response always says its "message-type", a work never does.
_WRAPPED = b'"message-type"'


def _loads(payload: bytes) -> tuple[Any, str | None]:
    """The JSON document and None, or None and why it does not parse."""
    try:
        return json.loads(payload), None
    except ValueError as exc:
        return None, str(exc)


def _works_in(doc: Any) -> list[Any]:
    if isinstance(doc, dict):
        message = doc.get("message")
        if isinstance(message, dict):
            doc = message
        items = doc.get("items")
        if isinstance(items, list) and "DOI" not in doc:
            return items
    return [doc]


register_framer(
    "crossref-json",
    sniff=looks_like_json,
    description="Crossref works (a /works response, one work, or JSON Lines of works)",
)(iter_crossref_works)


# -- mapping ---------------------------------------------------------------------------------


@register("crossref", framers=("crossref-json",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One Crossref work to one record."""
    work = _parse(envelope.payload)
    if not isinstance(work, dict):
        raise RecordError(f"not a Crossref work: a JSON {type(work).__name__}, not an object")
    found = doi(str(work.get("DOI") or ""))
    if found is None:
        raise RecordError(
            "a Crossref work without a DOI: nothing keys it (Crossref registers every work "
            "by its DOI; check the file is Crossref's)"
        )
    return [map_work(envelope, work, found)]


def _parse(payload: bytes) -> Any:
    """msgspec's decoder, faster than json's; what it refuses and json accepts
    (NaN, a lone surrogate escape) is read by json rather than lost."""
    decode, refused = _decoder()
    try:
        return decode(payload)
    except refused:
        return _parse_leniently(payload)  # not strict JSON: json says if it is JSON at all


@functools.cache
def _decoder() -> tuple[Callable[[bytes], Any], type[Exception]]:
    """msgspec's decoder and its error, made on first use: a pipeline that only names
    the format (``status``) does not import msgspec."""
    import msgspec

    return msgspec.json.Decoder().decode, msgspec.DecodeError


def _parse_leniently(payload: bytes) -> Any:
    try:
        return json.loads(payload)
    except ValueError as exc:
        raise RecordError(f"not a Crossref work: the JSON does not parse ({exc})") from exc


def map_work(envelope: RawEnvelope, work: dict[str, Any], own_doi: Identifier) -> Record:
    rtype = TYPES.get(str(work.get("type") or ""), "other")
    titles = _strings(work.get("title"))
    host_titles = _strings(work.get("container-title"))
    issns = _typed(work, "issn-type", "ISSN", issn)
    isbns = _typed(work, "isbn-type", "ISBN", isbn)
    own_ids = [own_doi]
    host: Host | None = None
    if rtype in PARTS:
        first_page, last_page = _pages(work)
        host = Host(
            title=host_titles[0] if host_titles else None,
            identifiers=issns + isbns,
            volume=_text(work.get("volume")),
            issue=_text(work.get("issue")),
            first_page=first_page,
            last_page=last_page,
        )
    else:
        own_ids += issns + isbns
    date = _earliest(work)
    licences = [str(lic.get("URL")) for lic in _dicts(work.get("license")) if lic.get("URL")]
    kind = "open" if any(_OPEN_LICENCE.search(u) for u in licences) else "unknown"
    note = licences[0] if licences else None
    urls = [str(link["URL"]) for link in _dicts(work.get("link")) if link.get("URL")]
    resolver = f"https://doi.org/{own_doi.value}"
    publisher = _text(work.get("publisher"))
    place = _text(work.get("publisher-location"))
    access = [
        Access(url=u, kind=kind, provider=publisher, note=note)
        for u in dict.fromkeys([resolver, *urls])
    ]
    return Record(
        id=mint_id(envelope.source, own_doi.value),
        source=envelope.source,
        source_id=own_doi.value,
        source_format=envelope.format,
        type=rtype,
        medium="electronic",
        medium_evidence=["crossref: a work registered by DOI"],
        title=titles[0] if titles else None,
        subtitle=next(iter(_strings(work.get("subtitle"))), None),
        title_variants=list(
            dict.fromkeys(
                t
                for t in [
                    *titles[1:],
                    *_strings(work.get("original-title")),
                    *_strings(work.get("short-title")),
                ]
                if t and t != (titles or [""])[0]
            )
        ),
        contributors=_contributors(work),
        publisher=publisher,
        place=place,
        places=[place] if place else [],
        date=date,
        year=int(date[:4]) if date else None,
        edition=_text(work.get("edition-number")),
        language=language_codes([str(work["language"])]) if work.get("language") else [],
        identifiers=own_ids,
        host=host,
        relations=_relations(work),
        subjects=[Subject(term=s) for s in _strings(work.get("subject"))],
        abstract=_abstract(work.get("abstract")),
        access=access,
        harvested_at=envelope.fetched_at,
        datestamp=_indexed(work),
        raw_ref=raw_ref(envelope),
    )


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value)
    if "&" in text:
        text = html.unescape(text)
    if not text.isprintable() or "  " in text:  # a tab, a line end, a no-break space...
        text = _SPACE.sub(" ", text)
    return text.strip() or None


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value] if value else []
    return [t for v in items if (t := _text(v))]


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _typed(work: dict[str, Any], typed_key: str, plain_key: str, make: Any) -> list[Identifier]:
    """ISSNs or ISBNs with print/electronic from the typed list, then any untyped one."""
    out: list[Identifier] = []
    seen: set[tuple[str, str | None]] = set()
    for entry in _dicts(work.get(typed_key)):
        ident = make(str(entry.get("value") or ""))
        if ident is not None:
            ident.qualifier = _text(entry.get("type"))
            if (ident.value, ident.qualifier) not in seen:
                seen.add((ident.value, ident.qualifier))
                out.append(ident)
    for raw in _strings(work.get(plain_key)):
        ident = make(raw)
        if ident is not None and not any(i.value == ident.value for i in out):
            out.append(ident)
    return out


def _pages(work: dict[str, Any]) -> tuple[str | None, str | None]:
    page = _text(work.get("page"))
    if page:
        first, _, last = page.partition("-")
        return first.strip() or None, last.strip() or None
    return _text(work.get("article-number")), None


def _date_of(value: Any) -> str | None:
    """``{"date-parts": [[2019, 5, 2]]}`` as ``2019-05-02`` (or ``2019-05``, ``2019``)."""
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    if not (isinstance(parts, list) and parts and isinstance(parts[0], list)):
        return None
    numbers = [p for p in parts[0] if type(p) is int][:3]
    if not numbers or not 1000 <= numbers[0] <= 9999:
        return None
    if len(numbers) == 1:
        return str(numbers[0])
    return f"{numbers[0]}-{numbers[1]:02d}" + (f"-{numbers[2]:02d}" if len(numbers) > 2 else "")


def _earliest(work: dict[str, Any]) -> str | None:
    dates = [
        d
        for d in (_date_of(work.get(k)) for k in ("published-print", "published-online", "issued"))
        if d
    ]
    # the earliest day; a date known only to its year or month yields to a fuller one
    # within it (a PMC "collection" year beside the day the article went online)
    return min(dates, key=lambda d: d + "-99-99"[len(d) - 4 :]) if dates else None


def _indexed(work: dict[str, Any]) -> str | None:
    indexed = work.get("indexed")
    return _text(indexed.get("date-time")) if isinstance(indexed, dict) else None


def _contributors(work: dict[str, Any]) -> list[Contributor]:
    out: list[Contributor] = []
    for key, role in _ROLES:
        for person in _dicts(work.get(key)):
            family, given = _text(person.get("family")), _text(person.get("given"))
            found = orcid(str(person.get("ORCID") or ""))
            ids = [found] if found is not None else []
            places = list(
                dict.fromkeys(
                    t for a in _dicts(person.get("affiliation")) if (t := _text(a.get("name")))
                )
            )
            if family:
                name = f"{family}, {given}" if given else family
                out.append(
                    Contributor(
                        name=name,
                        family=family,
                        given=given,
                        role=role,
                        identifiers=ids,
                        affiliations=places,
                    )  # fmt: skip
                )
            elif _text(person.get("name")):
                out.append(
                    Contributor(
                        name=str(_text(person.get("name"))),
                        role=role,
                        kind="organization",
                        identifiers=ids,
                        affiliations=places,
                    )
                )
    return out


def _relations(work: dict[str, Any]) -> list[Relation]:
    out: list[Relation] = []
    relation = work.get("relation")
    for name, targets in relation.items() if isinstance(relation, dict) else []:
        for target in _dicts(targets):
            if str(target.get("id-type", "")).lower() != "doi":
                continue
            found = doi(str(target.get("id") or ""))
            if found is not None:
                out.append(
                    Relation(
                        type=_RELATIONS.get(name, "related"),
                        identifiers=[found],
                        note=f"crossref: {name}",
                    )
                )
    for update in _dicts(work.get("update-to")):
        found = doi(str(update.get("DOI") or ""))
        if found is not None:
            when = _date_of(update.get("updated"))
            kind = _text(update.get("type")) or "update"
            out.append(
                Relation(
                    type="related",
                    identifiers=[found],
                    note=f"crossref: {kind} of this DOI" + (f" ({when})" if when else ""),
                )
            )
    return out


def _abstract(value: Any) -> str | None:
    if not value:
        return None
    return _text(_TAG.sub(" ", str(value)))
