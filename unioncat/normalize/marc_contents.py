"""505 formatted contents note -> component records: chapters, papers, articles, volumes.

Decisions (the mapping-depth issue, item 4):

- **Which hosts.** A ``book``, ``book_set``, ``thesis``, ``report`` or ``manuscript``
  gives ``book_chapter``, a ``proceedings`` gives ``proceedings_paper`` and a
  ``journal_issue`` gives ``journal_article``.  A sound recording, a score or a video
  lists the works or tracks on it: each part takes the host's own type (a track of a
  musical sound recording is one too) and says it is a part by its ``host``; a
  duration written with the item ("(3:45)") is kept as its ``extent``.  A 505 on a
  journal as a whole (unless it lists volumes), or on a record that is itself a part,
  gives no records: its items are not bibliographic units we can match.
- **Items.** The enhanced note (``$g $t $r``) gives one item per ``$t``: ``$t`` the
  title (a " : " splits off the subtitle), ``$r`` the statement of responsibility
  (its names become contributors), ``$g`` a page range (to ``host.first_page`` and
  ``last_page``) or a number (to ``part.number``).  An item ends at a subfield that
  ends with " --" or at a ``$t`` that follows a ``$r`` or ``$g``; a ``$t`` right after
  a ``$t`` continues its title (``$tOverview :$tthe rebellion from below`` is one title
  with its subtitle).  The basic note (``$a``) is split on " -- "
  (also the "- -" and ".-  " of older records); a note without any of them that lists
  works separated by ";" is split there.  Within one segment, several "Title / names."
  runs in a row (a section of a book listed without " -- " between its chapters) are
  cut after each statement of responsibility.  A leading "Contents:" typed into the
  note is dropped, a leading "1." or "Chapter 1." becomes ``part.number``, and empty
  segments, and chapter titles without a letter ("1948. 8", a date range the note's
  " -- " cut in two), are skipped without taking a position.
- **Volumes.** When every item starts with a volume designation ("v. 1.", "Vol. 2,
  pt. 1,", "T. 3", "Bd. 4") the note lists the volumes of a multivolume set, not
  chapters, whatever the host was typed (a set cataloged as a serial included): the
  parts are volumes (type ``book``, or the host's type for a thesis, report,
  proceedings or a non-text material) with the designation as ``part.number``, and a
  host typed ``book`` becomes ``book_set``.
- **Incomplete and partial contents** (indicator 1 = 1 or 2) still give their items:
  they are real parts, only not all of them.  Indicator 1 = 8 changes nothing.
- **Ids.** A part's position is its place among the items of all 505 fields of the
  record, counted from 1; its id is ``mint_part_id(book id, position)`` and its
  ``source_id`` ``"<book source_id>#505-<position>"``, so the same note always gives
  the same ids and a re-harvest updates the same rows.
- **What a part carries.** ``host`` = the book's id, title and ISBNs (with pages when
  ``$g`` gives them); source, format, medium and its evidence, language, year, date,
  publisher, place, provenance and ``deleted`` are the book's.  A part has no
  identifiers of its own: the book's ISBN identifies the book.
- **No has_part on the book.** The link is kept once, upward (``host.id``), as for
  articles from a 773; listing every chapter again in the book's ``relations`` would
  copy the note (356 songs in one songbook) into the book's row.
- **880.** When the note has a paired 880 with the same number of items, each item's
  title in the original script becomes the part's ``title_original_script``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from unioncat.ids import mint_part_id
from unioncat.normalize.marc_880 import Script880
from unioncat.normalize.marc_names import responsibility_names
from unioncat.normalize.marc_text import clean
from unioncat.schemas.record import Contributor, Host, Identifier, Part, Record

if TYPE_CHECKING:
    import pymarc

# Works on a recording, a score or a video are of the host's own kind.
SAME_KIND_PARTS = frozenset(
    {
        "notated_music", "manuscript_notated_music", "musical_sound_recording",
        "nonmusical_sound_recording", "sound_recording", "projected_medium",
    }
)  # fmt: skip
PART_TYPES = {
    "book": "book_chapter",
    "book_set": "book_chapter",
    "thesis": "book_chapter",
    "report": "book_chapter",
    "manuscript": "book_chapter",
    "proceedings": "proceedings_paper",
    "journal_issue": "journal_article",
    **{t: t for t in SAME_KIND_PARTS},
}
_VOLUME_TYPES = {
    "book": "book",
    "book_set": "book",
    "journal": "book",
    "thesis": "thesis",
    "report": "report",
    "proceedings": "proceedings",
    "manuscript": "manuscript",
    **{t: t for t in SAME_KIND_PARTS},
}

_SEPARATOR = re.compile(r"\s*(?:--|- -)\s*|(?<=\.)-\s+")
_CAPTION = re.compile(
    r"^\s*(?:contents|table of contents|inhalt|inhaltsverzeichnis|sommaire|"
    r"table des mati[eè]res|contenido|[ií]ndice)\s*[:.\-]\s*",
    re.I,
)
# "v. 1", "Vol. 2, pt. 1", "T. 3", "Bd. 4", "v.1", "Band 5"; not "V2 rockets"
_DESIGNATION = (
    r"(?:v|vol|volume|t|tome|bd|band|teil|deel)(?:\.\s*|\s+)\d+[a-z]?"
    r"(?:\s*[-\u2013]\s*\d+)?(?:\s*,\s*(?:pt|part|t|th|teil|heft|no)\.?\s*\d+[a-z]?)?"
)
_VOLUME = re.compile(rf"^\s*({_DESIGNATION})(?=[\s.,:;]|$)[\s.,:;]*", re.I)
_VOLUME_ONLY = re.compile(rf"^\s*{_DESIGNATION}\s*$", re.I)
_NUMBER = re.compile(
    r"^\s*(?:(?:chapter|ch\.|kapitel|chapitre)\s*)?(\d{1,3}[a-z]?)[.:)]\s+(?=\S)", re.I
)
_PAGES = re.compile(r"^\(?\s*(?:p\.?|pp\.?|S\.|pages?)\s*(\d+)\s*(?:[-\u2013]\s*(\d+))?", re.I)
# A statement of responsibility ends at a period that closes a word which is not an
# initial or an honorific, before the next title (capital letter, digit, quote).
_STATEMENT_END = re.compile(r"\.\s+(?=[\"'\u201c\u2018(\[]?(?:\d|[^\W\d_]))")
_LETTER = re.compile(r"[^\W\d_]")
# a playing time written with an item: "So what (9:22)", "(1:02:15)"
_DURATION = re.compile(r"\s*\(?\s*(\d{1,3}:\d{2}(?::\d{2})?)\s*\)?\s*\.?\s*$")
_HONORIFICS = frozenset({"dr", "mr", "mrs", "ms", "st", "prof", "rev", "hon", "mme", "mlle"})


# expressions compiled once (a module-level ``re`` call looks its pattern up each time)
_LAST_WORD = re.compile(r"(\S+)$")
_SEMICOLONS = re.compile(r"\s*;\s*")


@dataclass(slots=True)
class Item:
    """One entry of a contents note, before it becomes a record."""

    title: str | None
    subtitle: str | None = None
    number: str | None = None
    statement: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    original_title: str | None = None
    duration: str | None = None
    contributors: list[Contributor] = field(default_factory=list)


def _title_and_subtitle(text: str) -> tuple[str | None, str | None]:
    title, sep, subtitle = text.partition(" : ")
    return clean(title), clean(subtitle) if sep else None


def _item_from_text(text: str) -> Item | None:
    """One basic-note segment: "[v. 1. | 1.] Title : subtitle / statement"."""
    text = text.strip()
    number = None
    m = _VOLUME.match(text)
    if m:
        number, text = clean(m.group(1)), text[m.end() :]
    else:
        m = _NUMBER.match(text)
        if m:
            number, text = m.group(1), text[m.end() :]
    body, sep, statement = text.partition(" / ")
    title, subtitle = _title_and_subtitle(body)
    statement_text = clean(statement) if sep else None
    if not title and not number:
        return None
    return Item(
        title=title,
        subtitle=subtitle,
        number=number,
        statement=statement_text,
        contributors=responsibility_names(statement_text),
    )


def _statement_end(text: str) -> int | None:
    for m in _STATEMENT_END.finditer(text):
        word = _LAST_WORD.search(text[: m.start()])
        token = word.group(1).strip("([\"'") if word else ""
        if len(token) <= 1 or token.lower() in _HONORIFICS:
            continue  # "Emilio F. Moran", "Dr. Smith"
        return m.start()
    return None


def _runs(segment: str) -> list[str]:
    """Cut "A / names. B / names. C / names" into its three entries."""
    pieces = segment.split(" / ")
    if len(pieces) <= 2:
        return [segment]
    out: list[str] = []
    current = pieces[0]
    for middle in pieces[1:-1]:
        end = _statement_end(middle)
        if end is None:
            current = f"{current} / {middle}"
            continue
        out.append(f"{current} / {middle[:end]}")
        current = middle[end + 1 :].strip()
    out.append(f"{current} / {pieces[-1]}")
    return out


def _basic_items(text: str, first: bool) -> list[Item]:
    if first:
        text = _CAPTION.sub("", text, count=1)
    segments = [s for s in _SEPARATOR.split(text) if s and s.strip()]
    if len(segments) == 1 and ";" in text and " / " not in text:
        segments = [s for s in _SEMICOLONS.split(text) if s.strip()]
    items = []
    for segment in segments:
        for run in _runs(segment):
            item = _item_from_text(run)
            if item is not None:
                items.append(item)
    return items


def _apply_g(item: Item, values: list[str]) -> None:
    for value in values:
        pages = _PAGES.match(value.strip())
        duration = _DURATION.fullmatch(value.strip())
        if pages:
            item.first_page, item.last_page = pages.group(1), pages.group(2)
        elif duration:
            item.duration = duration.group(1)
        elif item.number is None:
            item.number = clean(value)


def _take_duration(item: Item) -> Item:
    """A playing time at the end of a title or a statement is the item's duration."""
    for attr in ("statement", "subtitle", "title"):
        text = getattr(item, attr)
        if not text or ":" not in text:
            continue  # a playing time has its colon; the expression would look everywhere
        m = _DURATION.search(text)
        if m and m.start() > 0:
            item.duration = item.duration or m.group(1)
            setattr(item, attr, clean(text[: m.start()]))
            if attr == "statement":
                item.contributors = responsibility_names(item.statement)
            break
    return item


def _enhanced_items(f: pymarc.Field) -> list[Item]:
    items: list[Item] = []
    g: list[str] = []
    t: str | None = None
    r: list[str] = []
    previous = ""  # the code of the subfield before, while its item is open

    def flush() -> None:
        nonlocal g, t, r
        if t is not None or g or r:
            title, subtitle = _title_and_subtitle(t or "")
            statement = clean(" ".join(r)) if r else None
            item = Item(
                title=title,
                subtitle=subtitle,
                statement=statement,
                contributors=responsibility_names(statement),
            )
            _apply_g(item, g)
            if item.title or item.number:
                items.append(item)
        g, t, r = [], None, []

    for sf in f.subfields:
        code, value = sf.code, (sf.value or "").strip()
        if code == "a":
            flush()
            previous = ""
            items.extend(_basic_items(value, first=not items))
            continue
        if code not in ("g", "t", "r"):
            continue
        ends = value.endswith("--")
        if ends:
            value = value[:-2].strip()
        if code == "t":
            if t is not None and previous == "t":
                t = f"{t} {value}"  # the title goes on: "Overview :" "the rebellion..."
            else:
                if t is not None:
                    flush()
                t = value
        elif code == "g":
            g.append(value)
        else:
            r.append(value)
        previous = code
        if ends:
            flush()
            previous = ""
    flush()
    return [_take_duration(i) for i in items]


def field_items(f: pymarc.Field, first: bool = True) -> list[Item]:
    """The items of one 505 field, enhanced or basic."""
    if f.get_subfields("t"):
        return _enhanced_items(f)
    items: list[Item] = []
    for value in f.get_subfields("a"):
        if value and value.strip():
            items.extend(_basic_items(value, first=first and not items))
    return [_take_duration(i) for i in items]


def contents_items(record: pymarc.Record, script: Script880 | None = None) -> list[Item]:
    """The items of every 505 of the record, in order, with their original script."""
    out: list[Item] = []
    for f in record.get_fields("505"):
        items = field_items(f, first=not out)
        pair = script.pair(f) if script is not None else None
        if pair is not None:
            originals = field_items(pair)
            if len(originals) == len(items):
                for item, original in zip(items, originals, strict=True):
                    item.original_title = original.title
        out.extend(items)
    return out


def is_volume_list(items: list[Item]) -> bool:
    return bool(items) and all(i.number and _VOLUME_ONLY.match(i.number) for i in items)


def _copy(i: Identifier) -> Identifier:
    """A copy each part owns (``dataclasses.replace`` does the same at eight times the
    cost: it looks the fields up on every call)."""
    return Identifier(i.scheme, i.value, i.qualifier, i.status, i.raw)


def part_records(
    record: pymarc.Record, book: Record, script: Script880 | None = None
) -> tuple[list[Record], bool]:
    """The parts listed in the record's 505 notes, and whether they are volumes."""
    if (book.type not in PART_TYPES and book.type not in _VOLUME_TYPES) or not record.get_fields(
        "505"
    ):
        return [], False
    items = contents_items(record, script)
    volumes = is_volume_list(items)
    if volumes:
        part_type = _VOLUME_TYPES.get(book.type, "book")
    elif book.type not in PART_TYPES:
        return [], False
    else:
        # a chapter needs a title with a letter in it: "1948. 8" is a date range the
        # note's " -- " cut in two, not a chapter
        items = [i for i in items if i.title and _LETTER.search(i.title)]
        part_type = PART_TYPES[book.type]
    isbns = [_copy(i) for i in book.identifiers if i.scheme == "isbn"]
    parts = []
    for position, item in enumerate(items, start=1):
        # positional, in the fields' order (tests/test_schema.py holds it): a class
        # called with keywords gets them as a dict, which cost 2 us a part more
        host = Host(book.id, book.title, [_copy(i) for i in isbns], None, None,
                    item.first_page, item.last_page)  # fmt: skip
        parts.append(
            Record(
                mint_part_id(book.id, position),  # id
                book.source,  # source
                f"{book.source_id}#505-{position}",  # source_id
                book.source_format,  # source_format
                part_type,  # type
                book.medium,  # medium
                list(book.medium_evidence),  # medium_evidence
                None,  # cluster_id
                item.title,  # title
                0,  # title_nonfiling
                item.subtitle,  # subtitle
                Part(item.number) if item.number else None,  # part
                [],  # title_variants
                item.original_title,  # title_original_script
                item.contributors,  # contributors
                book.publisher,  # publisher
                book.place,  # place
                list(book.places),  # places
                book.date,  # date
                book.year,  # year
                None,  # edition
                list(book.language),  # language
                [],  # identifiers
                host,  # host
                [],  # relations
                [],  # subjects
                None,  # abstract
                item.duration,  # extent
                None,  # page_count
                [],  # series
                [],  # access
                [],  # holdings
                book.deleted,  # deleted
                book.datestamp,  # datestamp
                book.harvested_at,  # harvested_at
                book.raw_ref,  # raw_ref
            )
        )
    return parts, volumes
