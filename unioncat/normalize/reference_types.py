"""What a reference manager's type says a citation is, in the record's types and media;
and the readings of names, dates and ISBNs that RIS and BibTeX repeat.

RIS (``TY``) and BibTeX/biblatex (``@article``) name the kind of a citation; a type
here is what a cataloger would call the thing described, and a medium only where the
type says it outright (``EJOUR`` is an electronic article, ``SOUND`` a recording); an
article in a journal is not said to be print because nothing says so.

The RIS table covers every type of the RIS specification (Research Information
Systems, 2011) and the older ones still written (``INPR``, ``UNPD``, ``WEB``), and the
type names EndNote writes in their place (``Journal Article``).  The choices that are
not obvious:

- ``JFULL`` (a whole journal) and ``ABST``, ``INPR``, ``MGZN``: journal articles, as
  Zotero reads them; ``SER`` (a serial publication) is a journal.
- ``CONF`` names proceedings; Zotero and EndNote also write a paper in proceedings as
  ``CONF``, so one that names its proceedings and its pages is a proceedings paper
  (:mod:`~unioncat.normalize.ris` tells them apart).  ``DICT`` and ``ENCYC`` are the
  book unless they name the book they are an entry of.
- Laws, cases, bills, hearings, grants and equations have no type of their own here:
  ``other``.  So are web pages, blogs and messages (``ELEC``, ``WEB``, ``BLOG``,
  ``ICOMM``), which are at least electronic.
- ``ADVS`` (audiovisual material), ``MPCT``, ``VIDEO`` and ``SLIDE`` are projected
  media; ``MUSIC`` is a score (notated music), ``SOUND`` a recording of either kind.
- ``PCOMM`` (a letter) and ``UNPB``/``MANSCPT`` are manuscripts.

BibTeX's and biblatex's entry types map the same way; ``@misc`` is ``other``, unless the
export says more (CNKI's source database, read as
:func:`unioncat.normalize.cnki.type_of_database` reads it for every Chinese export).
"""

from __future__ import annotations

from functools import lru_cache

from unioncat.identifiers import isbn
from unioncat.normalize.citation import date_of, person
from unioncat.schemas.record import Contributor, Identifier

# Types of a part: the item they are in is their host (journal, book, proceedings).
PARTS = frozenset({"journal_article", "newspaper_article", "book_chapter", "proceedings_paper"})

# RIS TY: (type, medium)
RIS_TYPES: dict[str, tuple[str, str]] = {
    "ABST": ("journal_article", "unknown"),
    "ADVS": ("projected_medium", "unknown"),
    "AGGR": ("dataset", "electronic"),
    "ANCIENT": ("book", "unknown"),
    "ART": ("still_image", "unknown"),
    "BILL": ("other", "unknown"),
    "BLOG": ("other", "electronic"),
    "BOOK": ("book", "unknown"),
    "CASE": ("other", "unknown"),
    "CHAP": ("book_chapter", "unknown"),
    "CHART": ("still_image", "unknown"),
    "CLSWK": ("book", "unknown"),
    "COMP": ("computer_file", "electronic"),
    "CONF": ("proceedings", "unknown"),
    "CPAPER": ("proceedings_paper", "unknown"),
    "CTLG": ("book", "unknown"),
    "DATA": ("dataset", "electronic"),
    "DBASE": ("dataset", "electronic"),
    "DICT": ("book", "unknown"),
    "EBOOK": ("book", "electronic"),
    "ECHAP": ("book_chapter", "electronic"),
    "EDBOOK": ("book", "unknown"),
    "EJOUR": ("journal_article", "electronic"),
    "ELEC": ("other", "electronic"),
    "ENCYC": ("book", "unknown"),
    "EQUA": ("other", "unknown"),
    "FIGURE": ("still_image", "unknown"),
    "GEN": ("other", "unknown"),
    "GOVDOC": ("report", "unknown"),
    "GRANT": ("other", "unknown"),
    "GRNT": ("other", "unknown"),
    "HEAR": ("other", "unknown"),
    "ICOMM": ("other", "electronic"),
    "INPR": ("journal_article", "unknown"),
    "JFULL": ("journal_article", "unknown"),
    "JOUR": ("journal_article", "unknown"),
    "LEGAL": ("other", "unknown"),
    "MANSCPT": ("manuscript", "unknown"),
    "MAP": ("cartographic_material", "unknown"),
    "MGZN": ("journal_article", "unknown"),
    "MPCT": ("projected_medium", "projected"),
    "MULTI": ("other", "electronic"),
    "MUSIC": ("notated_music", "unknown"),
    "NEWS": ("newspaper_article", "unknown"),
    "PAMP": ("book", "unknown"),
    "PAT": ("patent", "unknown"),
    "PCOMM": ("manuscript", "unknown"),
    "RPRT": ("report", "unknown"),
    "SER": ("journal", "unknown"),
    "SLIDE": ("projected_medium", "projected"),
    "SOUND": ("sound_recording", "audio"),
    "STAND": ("standard", "unknown"),
    "STAT": ("other", "unknown"),
    "THES": ("thesis", "unknown"),
    "UNBILL": ("other", "unknown"),
    "UNPB": ("manuscript", "unknown"),
    "UNPD": ("manuscript", "unknown"),
    "VIDEO": ("projected_medium", "video"),
    "WEB": ("other", "electronic"),
}

# The reference type names EndNote (and some databases) write in TY instead of the
# codes, folded to lower case.
RIS_NAMES: dict[str, str] = {
    "abstract": "ABST",
    "aggregated database": "AGGR",
    "ancient text": "ANCIENT",
    "artwork": "ART",
    "art work": "ART",
    "audiovisual material": "ADVS",
    "bill": "BILL",
    "blog": "BLOG",
    "book": "BOOK",
    "whole book": "BOOK",
    "book section": "CHAP",
    "book chapter": "CHAP",
    "case": "CASE",
    "catalog": "CTLG",
    "chart or table": "CHART",
    "chart": "CHART",
    "classical work": "CLSWK",
    "computer program": "COMP",
    "conference paper": "CPAPER",
    "conference proceedings": "CONF",
    "conference proceeding": "CONF",
    "dataset": "DATA",
    "data file": "DATA",
    "dictionary": "DICT",
    "edited book": "EDBOOK",
    "electronic article": "EJOUR",
    "electronic book": "EBOOK",
    "electronic book section": "ECHAP",
    "encyclopedia": "ENCYC",
    "equation": "EQUA",
    "figure": "FIGURE",
    "film or broadcast": "MPCT",
    "motion picture": "MPCT",
    "generic": "GEN",
    "government document": "GOVDOC",
    "grant": "GRANT",
    "hearing": "HEAR",
    "in press": "INPR",
    "internet communication": "ICOMM",
    "journal article": "JOUR",
    "journal": "JOUR",
    "journal (full)": "JFULL",
    "legal rule or regulation": "LEGAL",
    "magazine article": "MGZN",
    "manuscript": "MANSCPT",
    "map": "MAP",
    "music": "MUSIC",
    "music score": "MUSIC",
    "newspaper article": "NEWS",
    "newspaper": "NEWS",
    "online database": "DBASE",
    "online multimedia": "MULTI",
    "pamphlet": "PAMP",
    "patent": "PAT",
    "personal communication": "PCOMM",
    "report": "RPRT",
    "serial": "SER",
    "serial publication": "SER",
    "slide": "SLIDE",
    "sound recording": "SOUND",
    "standard": "STAND",
    "statute": "STAT",
    "thesis": "THES",
    "thesis/dissertation": "THES",
    "unpublished work": "UNPB",
    "video recording": "VIDEO",
    "web page": "ELEC",
}

# BibTeX and biblatex entry types (lower case): (type, medium)
BIBTEX_TYPES: dict[str, tuple[str, str]] = {
    "article": ("journal_article", "unknown"),
    "suppperiodical": ("journal_article", "unknown"),
    "review": ("journal_article", "unknown"),
    "periodical": ("journal", "unknown"),
    "book": ("book", "unknown"),
    "mvbook": ("book", "unknown"),
    "booklet": ("book", "unknown"),
    "collection": ("book", "unknown"),
    "mvcollection": ("book", "unknown"),
    "reference": ("book", "unknown"),
    "mvreference": ("book", "unknown"),
    "manual": ("book", "unknown"),
    "commentary": ("book", "unknown"),
    "inbook": ("book_chapter", "unknown"),
    "bookinbook": ("book_chapter", "unknown"),
    "incollection": ("book_chapter", "unknown"),
    "inreference": ("book_chapter", "unknown"),
    "suppbook": ("book_chapter", "unknown"),
    "suppcollection": ("book_chapter", "unknown"),
    "inproceedings": ("proceedings_paper", "unknown"),
    "conference": ("proceedings_paper", "unknown"),
    "proceedings": ("proceedings", "unknown"),
    "mvproceedings": ("proceedings", "unknown"),
    "phdthesis": ("thesis", "unknown"),
    "mastersthesis": ("thesis", "unknown"),
    "thesis": ("thesis", "unknown"),
    "techreport": ("report", "unknown"),
    "report": ("report", "unknown"),
    "patent": ("patent", "unknown"),
    "standard": ("standard", "unknown"),
    "dataset": ("dataset", "electronic"),
    "data": ("dataset", "electronic"),
    "software": ("computer_file", "electronic"),
    "online": ("other", "electronic"),
    "electronic": ("other", "electronic"),
    "www": ("other", "electronic"),
    "unpublished": ("manuscript", "unknown"),
    "letter": ("manuscript", "unknown"),
    "artwork": ("still_image", "unknown"),
    "image": ("still_image", "unknown"),
    "audio": ("sound_recording", "audio"),
    "music": ("musical_sound_recording", "audio"),
    "video": ("projected_medium", "video"),
    "movie": ("projected_medium", "projected"),
    "map": ("cartographic_material", "unknown"),
    "misc": ("other", "unknown"),
}

# -- readings both formats repeat ------------------------------------------------------------
#
# A bibliography names the same people, years and books again and again, and reading a
# name (organisation or person, which script) or checking an ISBN costs more than the
# rest of a citation; the answers are pure, so each is worked out once.  Each call still
# gets objects of its own: records never share a mutable part.


@lru_cache(maxsize=1 << 14)
def _person_parts(
    name: str, role: str | None, given_first: bool
) -> tuple[str, str | None, str | None, str] | None:
    found = person(name, role=role, given_first=given_first)
    return None if found is None else (found.name, found.family, found.given, found.kind)


def person_of(name: str, role: str | None, given_first: bool = False) -> Contributor | None:
    """:func:`~unioncat.normalize.citation.person`, remembered."""
    parts = _person_parts(name, role, given_first)
    if parts is None:
        return None
    return Contributor(name=parts[0], family=parts[1], given=parts[2], role=role, kind=parts[3])


date_in = lru_cache(maxsize=1 << 12)(date_of)


@lru_cache(maxsize=1 << 12)
def _isbn_parts(raw: str) -> tuple[str, str | None, str] | None:
    found = isbn(raw)
    return None if found is None else (found.value, found.qualifier, found.status)


def isbn_of(raw: str) -> Identifier | None:
    """:func:`~unioncat.identifiers.isbn` (whose checksum costs more than a citation's
    other fields together), remembered."""
    parts = _isbn_parts(raw)
    return None if parts is None else Identifier("isbn", parts[0], parts[1], parts[2], raw)
