"""What the matcher looks at: one flat view per record, and the same views as columns.

A :class:`MatchRecord` is built from a catalog :class:`~unioncat.schemas.record.Record`
or from a row of an evaluation CSV file, so the catalog and ``unioncat eval dedupe``
run the very same matcher.  :class:`Features` folds every text once and keeps the
results column by column, because scoring works on millions of pairs at a time.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from unioncat import identifiers as ids
from unioncat.dedupe.text import (
    ET_AL,
    compact,
    edition_number,
    fold,
    given_initials,
    has_cjk,
    name_key,
    number_of,
    page_range,
    title_key,
    title_numbers,
    unescape,
    venue_words,
)
from unioncat.schemas.generate import record_to_row
from unioncat.schemas.record import Record

# Identifier schemes that name one manifestation: sharing one is strong evidence.
# ISSN names a journal, not an article, so it never links two articles on its own.
WORK_ID_SCHEMES = ("isbn", "doi", "lccn", "oclc", "ismn", "ean")
# A journal is named by its ISSNs: the print and the online one, and the ISSN-L that
# links them (MARC 022 $l; a KBART row and a Crossref issn-type pair them by giving both;
# a 776 $x names the other format's).  An article's ISSNs are its host's, never its own.
SERIAL_TYPES = frozenset({"journal"})
SERIAL_ID_SCHEMES = (*WORK_ID_SCHEMES, "issn", "issn_l")
LINK_RELATIONS = ("other_format", "reproduction_of")

PART_TYPES = frozenset(
    {"book_chapter", "journal_article", "proceedings_paper", "newspaper_article"}
)
WHOLE_TYPES = frozenset({"book", "book_set", "journal", "journal_issue", "proceedings"})

# The kind of material each type is: two records of different kinds are never one work
# manifested, whatever they share (a book and its audiobook, a score and its recording).
# Types not listed here ("other", kits, mixed materials) may hold anything.
KINDS: dict[str, str] = {
    **{t: "text" for t in (
        "book", "book_chapter", "book_set", "journal", "journal_issue", "journal_article",
        "proceedings", "proceedings_paper", "thesis", "report", "manuscript",
        "newspaper_article", "patent", "standard",
    )},
    "notated_music": "score",
    "manuscript_notated_music": "score",
    "musical_sound_recording": "sound recording",
    "nonmusical_sound_recording": "sound recording",
    "sound_recording": "sound recording",
    "projected_medium": "moving image",
    "cartographic_material": "map",
    "manuscript_cartographic_material": "map",
    "still_image": "image",
    "object": "object",
    "dataset": "data",
    "computer_file": "software",
}  # fmt: skip


# A carrier that says what kind a record is whatever its type says (an audiobook coded
# as language material, the CD of a play-along score cataloged as notated music).
MEDIUM_KINDS = {"audio": "sound recording", "video": "moving image"}


def kind_of(rtype: str | None, medium: str | None) -> str:
    """The kind of material a record is ("" when nothing says)."""
    return MEDIUM_KINDS.get(medium or "") or KINDS.get(rtype or "", "")


def is_component(rtype: str | None, host_id: str | None, host_title: str | None) -> bool:
    """Whether a record is a part of another: a chapter or an article, or any other kind
    of material that names its host (a track of a recording, a piece in a score)."""
    if rtype in PART_TYPES:
        return True
    return KINDS.get(rtype or "") not in (None, "text") and bool(host_id or host_title)


# Titles shared by countless unrelated items: they never match on the title alone.
GENERIC_TITLES = frozenset(
    {
        "book review", "book reviews", "review", "reviews", "editorial", "editorials",
        "frontmatter", "front matter", "backmatter", "back matter", "index", "indexes",
        "contents", "table of contents", "preface", "foreword", "introduction",
        "conclusion", "conclusions", "letter to the editor", "letters to the editor",
        "letters", "correspondence", "errata", "erratum", "corrigendum", "corrigenda",
        "news", "obituary", "in memoriam", "announcements", "title page", "cover",
        "editor s note", "editors note", "from the editor", "acknowledgments",
        "acknowledgements", "bibliography", "references", "appendix", "abstracts",
        "untitled", "miscellany", "notes", "proceedings", "panel", "keynote",
    }
)  # fmt: skip


# Words that dress a generic title up without making it specific: "Book review column".
_GENERIC_DRESSING = frozenset(
    {"column", "section", "corner", "department", "s", "of", "the", "and", "to", "from", "new"}
)


def is_generic_title(folded_title: str) -> bool:
    if folded_title in GENERIC_TITLES or not folded_title:
        return True
    words = [w for w in folded_title.split() if w not in _GENERIC_DRESSING and not w.isdigit()]
    # single letters only ("a a a", what is left of a title in a script an export
    # mangled) tell nothing either
    telling = [w for w in words if len(w) > 1 or not w.isascii()]
    return " ".join(words) in GENERIC_TITLES or not telling


@dataclass(slots=True)
class MatchRecord:
    """The fields of a record that bear on whether it is the same work as another."""

    id: str
    source: str = ""
    title: str | None = None
    subtitle: str | None = None
    title_nonfiling: int = 0
    part_number: str | None = None
    part_name: str | None = None
    authors: list[str] = field(default_factory=list)
    year: int | None = None
    publisher: str | None = None
    venue: str | None = None
    identifiers: list[tuple[str, str]] = field(default_factory=list)
    linked_identifiers: list[tuple[str, str]] = field(default_factory=list)
    host_id: str | None = None
    host_key: str | None = None  # what identifies the host for matching (its cluster)
    # the ISBNs of a book host named without an id (a Crossref chapter's isbn-type)
    host_isbns: list[str] = field(default_factory=list)
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    page_count: int | None = None
    edition: str | None = None
    medium: str = "unknown"
    type: str = "other"
    language: list[str] = field(default_factory=list)
    series: list[tuple[str, str]] = field(default_factory=list)
    # what the item lists: the titles of its tracks, chapters or pieces (505, a CD's
    # track list), in order
    contents: list[str] = field(default_factory=list)


def from_record(record: Record) -> MatchRecord:
    """A record in the matcher's view, through the same path as a catalog row."""
    return from_row(record_to_row(record))


CSV_COLUMNS = (
    "title", "authors", "venue", "year", "publisher", "isbn", "issn", "doi",
    "pages", "volume", "edition", "medium", "contents",
)  # fmt: skip
# A contents cell lists its items split by " -- " (as a 505 does), ";" or "|"; a cell
# with none of them is one run of words (CDDB's track lists), compared as such.
_CONTENTS_SPLIT = re.compile(r"\s+--\s+|\s*[;|]\s*")


# "A and B", "A, B, and C", "A, B & C": how citations and BibTeX join the last name on;
# not the "and" of one name ("Eric Burdon and the Animals", "Goodman and his Orchestra").
_AND = re.compile(
    r"(?:(?:\s*,\s*|\s+)(?:and|&)\s+|\s+&\s*|^(?:and|&)\s+)(?!\s*(?:the|his|her|their)\b)", re.I
)


_TRAILING_ET_AL = re.compile(r"[\s,;]*\b(et\.?\s*al\.?|u\.\s*a\.)\s*$", re.I)


def _split_authors(value: str) -> list[str]:
    # Evaluation files list people as "A. Smith , B. Jones", "Smith, A.; Jones, B." or
    # "A. Smith and B. Jones".  Entities first: the ";" of "Ren&#233;e" is not a separator.
    value = unescape(value)
    # "Ioannidis YE et al.": the list was cut, and "al" is nobody's family name
    cut = _TRAILING_ET_AL.search(value)
    tail = [cut.group(1)] if cut else []
    if cut:
        value = value[: cut.start()]
    if ";" in value:
        return [a.strip() for a in value.split(";") if a.strip()] + tail
    out: list[str] = []
    for chunk in _AND.split(value):
        out.extend(_split_commas(chunk))
    return out + tail


def _split_commas(value: str) -> list[str]:
    parts = [a.strip() for a in value.split(",") if a.strip()]
    # "Smith, A., Jones, B." alternates family and initials: pair them back up.
    if len(parts) > 1 and all(len(p.replace(".", "").replace(" ", "")) <= 3 for p in parts[1::2]):
        return [f"{parts[i]}, {parts[i + 1]}" for i in range(0, len(parts) - 1, 2)]
    return parts


def _split_title(title: str | None) -> tuple[str | None, str | None]:
    """Title proper and subtitle of a one-column title, at ISBD's " : " or a colon."""
    if not title or ":" not in title:
        return title, None
    proper, _, rest = title.partition(":")
    if not proper.strip() or not rest.strip():
        return title, None
    return proper.strip(), rest.strip()


# A year as citations write it: "1996", "(1996)", "1996.", "1996.0" (a spreadsheet's),
# "Spring 1996", "1996-97".
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def _year(value: str | None) -> int | None:
    found = _YEAR.search(value) if value else None
    return int(found.group(1)) if found else None


def from_csv_row(row: Mapping[str, str | None], source: str) -> MatchRecord:
    """A row of an evaluation file: ``id`` plus any of :data:`CSV_COLUMNS`."""

    def get(name: str) -> str | None:
        value = row.get(name)
        return value.strip() if value and value.strip() else None

    identifiers: list[tuple[str, str]] = []
    for scheme in ("isbn", "issn", "doi"):
        value = get(scheme)
        if value:
            for one in value.replace(";", " ").split():
                identifiers.append((scheme, _normal_id(scheme, one)))
    authors = get("authors")
    title, subtitle = _split_title(get("title"))
    return MatchRecord(
        id=str(row["id"]),
        source=source,
        title=title,
        subtitle=subtitle,
        authors=_split_authors(authors) if authors else [],
        year=_year(get("year")),
        publisher=get("publisher"),
        venue=get("venue"),
        identifiers=identifiers,
        pages=get("pages"),
        volume=get("volume"),
        edition=get("edition"),
        medium=get("medium") or "unknown",
        contents=[c for c in _CONTENTS_SPLIT.split(get("contents") or "") if c.strip()],
    )


def _id_key(scheme: str, value: str) -> str:
    """``scheme:value``; an ISSN-L is an ISSN (it is one of the serial's ISSNs)."""
    return f"issn:{value}" if scheme == "issn_l" else f"{scheme}:{value}"


def _normal_id(scheme: str, value: str) -> str:
    # Evaluation files hold identifiers as people type them; match them as the catalog
    # stores them (ISBN-13 digits, DOI lower case, ISSN with hyphen).
    parsed = {"isbn": ids.isbn, "doi": ids.doi, "issn": ids.issn}[scheme](value)
    return parsed.value if parsed else value.strip().lower()


@dataclass(slots=True)
class Features:
    """Folded match fields of many records, one list per field, aligned by position."""

    ids: list[str]
    sources: list[str]
    title: list[str]  # folded title, subtitle and part: compared with token order free
    title_main: list[str]  # folded title proper, without article
    # the title without the name of its first author or artist before it ("james taylor
    # greatest hits"), "" when it has none
    title_bare: list[str]
    authors: list[str]  # family names, sorted, space separated
    year: list[int]  # 0 when unknown
    venue: list[str]
    venue_words: list[tuple[str, ...]]  # the words that name the venue (text.venue_words)
    publisher: list[str]
    work_ids: list[frozenset[str]]  # "isbn:978…" of the record itself
    linked_ids: list[frozenset[str]]  # identifiers of its other formats (776, 533)
    issn: list[frozenset[str]]
    edition: list[str]
    part: list[str]
    volume: list[str]
    issue: list[str]
    first_page: list[str]
    last_page: list[str]
    page_count: list[int]  # 0 when unknown
    medium: list[str]
    type: list[str]
    language: list[frozenset[str]]
    series: list[dict[str, str] | None]
    kind: list[str]  # "" when the type says nothing about the kind of material
    # the numbers written in the title ("concert, Dec. 9, 1999" gives 9 and 1999)
    title_numbers: list[frozenset[str] | None]
    component: list[bool]
    # initials of each family name, where the record gives them ({"chambers": {"j"}})
    initials: list[dict[str, frozenset[str]] | None]
    host_id: list[str]
    host_key: list[str]
    host_isbns: list[frozenset[str]]
    generic: list[bool]
    # the folded words of what the item lists (its tracks or chapters), in order, and
    # how many; "" and 0 when it lists nothing
    contents: list[str]
    contents_words: list[int]
    # arrays derived from the lists above, built on first use by the scorer
    cache: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)


_NONE: frozenset[str] = frozenset()  # the one empty set of identifiers every record shares
# Contents are compared on their first characters only: a box set's hundreds of tracks
# would make every comparison slow, and their beginning tells as much.
CONTENTS_CHARS = 1500


def _authors_string(keys: Iterable[tuple[str, str]]) -> str:
    # a family name of one letter is what is left of a mangled name, not a name
    return " ".join(sorted(f for f, _ in keys if len(f) > 1 or (f and not f.isascii())))


def _without_name(folded_title: str, name: str) -> str:
    """The title with the name leading it taken off (in either order of the name's
    words), when a title is left; "" otherwise."""
    words = fold(name).split()
    title = folded_title.split()
    if not words or len(title) <= len(words) or set(title[: len(words)]) != set(words):
        return ""
    return " ".join(title[len(words) :])


def build_features(records: Iterable[MatchRecord]) -> Features:
    """Fold every record once.  ``records`` may be a generator: only the folded forms
    are kept, so a million records need not all be held twice."""
    from unioncat.gc_pause import gc_paused

    with gc_paused():
        return _build_features(records)


def _build_features(records: Iterable[MatchRecord]) -> Features:
    cols: dict[str, list[object]] = {name: [] for name in Features.__slots__ if name != "cache"}
    # One object per value that many records share (a source's name, a medium, a year,
    # a set of languages or initials), and one empty set: a million records each with
    # its own copies would hold twice the memory their folded fields need.
    shared: dict[Any, Any] = {}
    one = shared.setdefault
    for rec in records:
        main = title_key(rec.title, rec.title_nonfiling)
        full = " ".join(
            part
            for part in (main, fold(rec.subtitle), fold(rec.part_number), fold(rec.part_name))
            if part
        )
        if has_cjk(full):
            main, full = compact(main), compact(full)
        people = [a for a in rec.authors[:12] if not ET_AL.match(a)]
        keys = frozenset(k for k in (name_key(a) for a in people) if k[0])
        schemes = SERIAL_ID_SCHEMES if rec.type in SERIAL_TYPES else WORK_ID_SCHEMES
        work = frozenset(_id_key(s, v) for s, v in rec.identifiers if s in schemes) or _NONE
        linked = (
            frozenset(_id_key(s, v) for s, v in rec.linked_identifiers if s in schemes) or _NONE
        )
        first, last = page_range(rec.pages)
        cols["ids"].append(rec.id)
        cols["sources"].append(one(rec.source, rec.source))
        cols["title"].append(full)
        cols["title_main"].append(main)
        cols["title_bare"].append(_without_name(full, rec.authors[0]) if rec.authors else "")
        cols["authors"].append(_authors_string(keys))
        year = rec.year or 0
        cols["year"].append(one(year, year))
        venue = fold(rec.venue)
        cols["venue"].append(venue)
        cols["venue_words"].append(venue_words(venue))
        cols["publisher"].append(fold(rec.publisher))
        cols["work_ids"].append(work)
        cols["linked_ids"].append(linked)
        cols["issn"].append(
            frozenset(v for s, v in rec.identifiers if s in ("issn", "issn_l")) or _NONE
        )
        cols["edition"].append(edition_number(rec.edition))
        cols["part"].append(number_of(rec.part_number))
        cols["volume"].append(number_of(rec.volume))
        cols["issue"].append(number_of(rec.issue))
        cols["first_page"].append(first)
        cols["last_page"].append(last)
        pages = rec.page_count or 0
        cols["page_count"].append(one(pages, pages))
        medium, rtype = rec.medium or "unknown", rec.type or "other"
        cols["medium"].append(one(medium, medium))
        cols["type"].append(one(rtype, rtype))
        language = frozenset(rec.language)
        cols["language"].append(one(language, language))
        numbered = {fold(title): number_of(number) for title, number in rec.series if number}
        cols["series"].append(numbered or None)
        kind = kind_of(rec.type, rec.medium)
        cols["kind"].append(one(kind, kind))
        cols["title_numbers"].append(title_numbers(full) or None)
        cols["component"].append(is_component(rec.type, rec.host_id, rec.venue))
        given: dict[str, set[str]] = {}
        for author in people:
            initials = given_initials(author)
            if initials:
                given.setdefault(name_key(author)[0], set()).update(initials)
        cols["initials"].append(
            {f: one(k, k) for f, i in given.items() if (k := frozenset(i))} or None
        )
        cols["host_id"].append(rec.host_id or "")
        isbns = frozenset(rec.host_isbns) if rec.host_isbns and not rec.host_id else _NONE
        cols["host_isbns"].append(isbns)
        # until the ISBN resolves to the host's cluster, the ISBN itself names the host
        named = f"isbn:{min(isbns)}" if isbns else ""
        cols["host_key"].append(rec.host_key or rec.host_id or named)
        cols["generic"].append(is_generic_title(full))
        listed = fold(" ".join(rec.contents))[:CONTENTS_CHARS] if rec.contents else ""
        cols["contents"].append(listed)
        # words of two letters or more: single letters say nothing of which item it is
        cols["contents_words"].append(sum(1 for w in listed.split() if len(w) > 1))
    return Features(**cols)  # type: ignore[arg-type]


# Catalog columns a MatchRecord is read from (see :func:`from_row`).
ROW_COLUMNS = (
    "id", "source", "title", "subtitle", "title_nonfiling", "part", "contributors", "year",
    "publisher", "host", "identifiers", "relations", "page_count", "edition", "medium",
    "type", "language", "series", "contents",
)  # fmt: skip


def from_row(row: Mapping[str, Any]) -> MatchRecord:
    """A catalog ``records`` row (as DuckDB or Arrow gives it) in the matcher's view."""
    host = row.get("host") or {}
    part = row.get("part") or {}
    contributors = row.get("contributors") or []
    people = [c["name"] for c in contributors if c.get("kind") == "person" and c.get("name")]
    first, last = host.get("first_page"), host.get("last_page")
    linked = [
        (i["scheme"], i["value"])
        for rel in row.get("relations") or []
        if rel.get("type") in LINK_RELATIONS
        for i in rel.get("identifiers") or []
    ]
    return MatchRecord(
        id=row["id"],
        source=row.get("source") or "",
        title=row.get("title"),
        subtitle=row.get("subtitle"),
        title_nonfiling=row.get("title_nonfiling") or 0,
        part_number=part.get("number"),
        part_name=part.get("name"),
        authors=people or [c["name"] for c in contributors if c.get("name")],
        year=row.get("year"),
        publisher=row.get("publisher"),
        venue=host.get("title"),
        identifiers=[
            (i["scheme"], i["value"])
            for i in row.get("identifiers") or []
            if i.get("status", "valid") == "valid"
        ],
        linked_identifiers=linked,
        host_id=host.get("id"),
        host_isbns=[i["value"] for i in host.get("identifiers") or [] if i.get("scheme") == "isbn"],
        volume=host.get("volume"),
        issue=host.get("issue"),
        pages=f"{first}-{last}" if first and last else first,
        page_count=row.get("page_count"),
        edition=row.get("edition"),
        medium=row.get("medium") or "unknown",
        type=row.get("type") or "other",
        language=list(row.get("language") or []),
        series=[(s["title"], s.get("number") or "") for s in row.get("series") or []],
        contents=[t for t in row.get("contents") or [] if t],
    )


# the per-record lists of Features, in the order of its fields
_FIELDS = tuple(name for name in Features.__slots__ if name != "cache")


def feature_rows(features: Features, positions: Sequence[int]) -> list[bytes]:
    """The features of the records at ``positions``, each record's as one row of bytes,
    for an engine that joins them to the pairs that need them (Spark): a worker then
    holds the records of its own pairs, not the whole catalog's.  Pickled, as Spark
    pickles what it sends its Python workers: the values are unioncat's own (strings,
    numbers, sets), made from the catalog, and read back by its own workers only."""
    columns = [getattr(features, name) for name in _FIELDS]
    return [pickle.dumps(tuple(column[p] for column in columns), protocol=5) for p in positions]


def features_of_rows(rows: Sequence[bytes]) -> Features:
    """The features :func:`feature_rows` wrote, in the order of ``rows``."""
    values = [pickle.loads(row) for row in rows]
    columns: dict[str, Any] = {name: [v[i] for v in values] for i, name in enumerate(_FIELDS)}
    return Features(**columns)


def take_features(features: Features, positions: Sequence[int]) -> Features:
    """The features of the records at ``positions``, in that order."""
    cols: dict[str, Any] = {
        name: [getattr(features, name)[i] for i in positions] for name in _FIELDS
    }
    return Features(**cols)


def concat_features(first: Features, second: Features) -> Features:
    cols: dict[str, Any] = {name: getattr(first, name) + getattr(second, name) for name in _FIELDS}
    return Features(**cols)
