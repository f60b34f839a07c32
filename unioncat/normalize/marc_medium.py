"""Type and medium of a MARC record, with the evidence that decided them.

Type.  Leader/06 names the class of material; each class has its type
(:data:`~unioncat.schemas.record.RECORD_TYPES`).  For language material (a, t) the type
says the level as well: leader/07 (a part, a serial), leader/19 (a set), 008 contents
and conference codes; a manuscript (t, and the obsolete b) is a ``manuscript`` unless it
is a thesis.  For a computer file (m), 008/26 and the 336 content type: a numeric
dataset ("cod", "computer dataset") is a ``dataset``, a text ("txt", or 008/26 = d, the
pre-2008 e-book) a ``book``, anything else a ``computer_file``.  A monograph whose 773
names a serial (an ISSN in ``$x``) and an enumeration (``$g``) is a ``journal_issue``.

Medium is the carrier, by what it takes to read it (see ``MEDIA``).  The order of
trust: 008 form of item (position 23, or 29 for maps and visual materials), then 007,
then the 338 carrier and 337 media types, then the 533 reproduction note, then 245
``$h``, 020 ``$q``, the 300 extent ("1 online resource", "1 audio disc", "[10] p. ;
30 cm"), an 856 link to the resource itself.  The first that speaks decides and
``medium_evidence`` says what it was.  Within 007, 338 and 337, a record often names
two carriers (a Blu-ray with a computer disc of extras, a score with its CDs): the one
that fits the record's class of material is taken (the videodisc of a video, the
volume of a score), else the first.  A digital sound disc is ``audio``, not
``electronic``: electronic means a computer is needed.  The 300 extent is the weakest
evidence before the link: pages and centimetres are what a printed book is measured
in, but a catalog may describe a reproduction by its original.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from unioncat.compiled import MARC_CORE

if TYPE_CHECKING:
    import pymarc


# 008 form of item sits at 29 for maps and visual materials, at 23 for the rest.
_FORM_AT_29 = set("efgkor")
_FORM = {
    "o": "electronic",
    "q": "electronic",
    "s": "electronic",
    "a": "microform",
    "b": "microform",
    "c": "microform",
    "r": "print",
    "d": "print",
    "f": "print",
}
# 007/00 category of material
_007 = {
    "a": "print",  # map
    "c": "electronic",
    "d": "other",  # globe
    "f": "print",  # tactile material (braille)
    "g": "projected",  # projected graphic (slides, filmstrips)
    "h": "microform",
    "k": "print",  # nonprojected graphic
    "m": "projected",  # motion picture (film)
    "o": "other",  # kit
    "q": "print",  # notated music
    "s": "audio",
    "t": "print",  # text
    "v": "video",
}
# RDA carrier codes by their first letter; of the unmediated n* carriers only the
# flat ones are print (not "nr" object, "nz" other).
_338_PREFIX = {
    "c": "electronic",
    "h": "microform",
    "s": "audio",
    "v": "video",
    "g": "projected",
    "m": "projected",
}
_338_FLAT = {"na", "nb", "nc", "nn", "no"}
_337 = {
    "c": "electronic",
    "h": "microform",
    "n": "print",
    "s": "audio",
    "v": "video",
    "g": "projected",
}
_337_TERMS = {
    "computer": "electronic",
    "microform": "microform",
    "unmediated": "print",
    "audio": "audio",
    "video": "video",
    "projected": "projected",
}
# 533 $a opens with the type of reproduction; "Digital reproduction of a microfilm"
# is electronic, so only the start of the note is read.
_533 = (
    ("micro", "microform"),
    ("mikro", "microform"),
    ("electronic", "electronic"),
    ("digit", "electronic"),
    ("online", "electronic"),
    ("reproduction électronique", "electronic"),
    ("reproduction numérique", "electronic"),
    ("photocop", "print"),
    ("photoreproduction", "print"),
    ("facsimile", "print"),
)
_336_DATASET = {"cod", "computer dataset", "crd", "cartographic dataset"}
_336_TEXT = {"txt", "text"}
_EQUALIFIER = re.compile(r"\b(e-?book|electronic|online|pdf|epub|ebk|e-isbn|kindle|mobi)\b", re.I)
_PQUALIFIER = re.compile(r"\b(pbk|paperback|hardback|hardcover|hbk|cloth|print|paper)\b", re.I)
# Words without which _EQUALIFIER cannot match ASCII text, looked for in it lowered: most
# 020s name a binding or nothing ("(pbk. : alk. paper)"), and saying so costs the
# expression more than the rest of the 020.  Text with any other character goes to the
# expression itself (re.I takes the Kelvin sign for "k", "ı" and "İ" for "i").
_EWORDS = ("book", "electronic", "online", "pdf", "epub", "ebk", "isbn", "kindle", "mobi")


def _electronic_qualifier(text: str) -> bool:
    if text.isascii():
        low = text.lower()
        if not any(word in low for word in _EWORDS):
            return False
    return _EQUALIFIER.search(text) is not None


# leader/06 classes other than language material and computer files
_CLASS_TYPES = {
    "b": "manuscript",
    "c": "notated_music",
    "d": "manuscript_notated_music",
    "e": "cartographic_material",
    "f": "manuscript_cartographic_material",
    "g": "projected_medium",
    "i": "nonmusical_sound_recording",
    "j": "musical_sound_recording",
    "k": "still_image",
    "o": "kit",
    "p": "mixed_materials",
    "r": "object",
}
# The carrier a class of material naturally comes on, when the record names several.
_NATURAL = {
    "a": "print", "t": "print", "b": "print", "c": "print", "d": "print", "e": "print",
    "f": "print", "k": "print", "i": "audio", "j": "audio", "g": "video", "m": "electronic",
}  # fmt: skip
# Classes whose unmediated carrier is paper (an object or a kit is "other").
_FLAT_CLASSES = frozenset("atbcdefk")
# 300 extent: what the carrier is called, and what a printed volume is measured in
# (a term may follow its count without a space: "5sound discs")
_W = r"(?<![^\W\d_])"
_EXTENT_TERMS = (
    (re.compile(rf"{_W}online resource|{_W}remote\b|{_W}digital file\b", re.I), "electronic"),
    (re.compile(rf"{_W}(?:audio|sound) ?(?:disc|cassette|cartridge|tape)s?\b", re.I), "audio"),
    (re.compile(rf"{_W}video ?(?:disc|cassette|cartridge|tape)s?\b|{_W}dvds?\b|{_W}blu-?ray",
                re.I), "video"),
    (re.compile(rf"{_W}computer (?:disc|disk|file|chip|cartridge)s?\b|{_W}cd-?roms?\b", re.I),
     "electronic"),
    (re.compile(rf"{_W}micro(?:fiche|film|opaque)s?\b", re.I), "microform"),
    (re.compile(rf"{_W}(?:film ?reels?|filmstrips?|slides?)\b", re.I), "projected"),
)  # fmt: skip
# Words without which none of the carrier terms can match, looked for in the case-folded
# extent: most extents name no carrier ("xii, 320 p. ; 24 cm") and the six expressions
# (a lookbehind at every position) cost twenty times this to say so.  A case-insensitive
# expression takes "ı" and "İ" for "i" where case folding does not, so either sends the
# extent to the expressions too.
_CARRIER_WORDS = re.compile(
    "online resource|remote|digital file|audio|sound|video|dvd|blu|computer|cd|micro|film"
    "|slide|\u0131|\u0307"
)


def may_name_carrier(extent: str) -> bool:
    return _CARRIER_WORDS.search(extent.casefold()) is not None


_PAGES = re.compile(r"\d+\]?\s*(?:p\b|pp\b|pages?\b|leaves|s\.|ff?\.)|\bv\.|\bvolumes?\b", re.I)
_CM = re.compile(r"\d\s*cm\b", re.I)


def _first(record: pymarc.Record, tag: str) -> pymarc.Field | None:
    fields = record.get_fields(tag)
    return fields[0] if fields else None


def _data008(record: pymarc.Record) -> str:
    f008 = _first(record, "008")
    return f008.data if f008 is not None and f008.data else ""


def record_type(record: pymarc.Record, leader: str) -> str:
    """What the record describes (see the module docstring)."""
    if MARC_CORE is not None:  # the compiled twin of record_type_pure
        found: str = MARC_CORE.record_type(record, str(leader), CORE_TYPE_SPEC)
        return found
    return record_type_pure(record, leader)


def record_type_pure(record: pymarc.Record, leader: str) -> str:
    """The reference of the compiled core's ``record_type``."""
    rtype = leader[6:7]
    level = leader[7:8]
    data008 = _data008(record)
    textual = rtype in ("a", "t")
    if rtype in _CLASS_TYPES:
        return _CLASS_TYPES[rtype]
    if rtype == "m":
        return _computer_file_type(record, data008[26:27])
    if not textual:
        return "other"
    if level == "a":
        return "book_chapter"
    if level == "b":
        return "journal_article"
    if level in ("s", "i"):
        return "journal"
    if leader[19:20] == "a":
        return "book_set"
    if level == "m" and _issue_of_serial(record):
        return "journal_issue"
    contents = data008[24:28]
    if "m" in contents or record.get_fields("502"):
        return "thesis"
    if rtype == "t":
        return "manuscript"
    if data008[29:30] == "1" or record.get_fields("111") or record.get_fields("711"):
        return "proceedings"
    if "t" in contents:
        return "report"
    return "book"


def _content_types(record: pymarc.Record) -> set[str]:
    return {
        v.strip().lower()
        for f in record.get_fields("336")
        for v in f.get_subfields("a", "b")
        if v and v.strip()
    }


def _computer_file_type(record: pymarc.Record, file_type: str) -> str:
    if file_type == "a":
        return "dataset"
    if file_type == "d":
        return "book"
    content = _content_types(record)
    if content & _336_DATASET:
        return "dataset"
    if content & _336_TEXT:
        return "book"
    return "computer_file"


def _issue_of_serial(record: pymarc.Record) -> bool:
    return any(f.get_subfields("x") and f.get_subfields("g") for f in record.get_fields("773"))


def _choose(found: list[tuple[str, str]], rtype: str) -> tuple[str, list[str]] | None:
    """Of the carriers one field names, the one that fits the class, else the first."""
    if not found:
        return None
    natural = _NATURAL.get(rtype)
    for medium, evidence in found:
        if medium == natural:
            return medium, [evidence]
    return found[0][0], [found[0][1]]


def _unmediated(rtype: str) -> str:
    """What an unmediated carrier is for this class: paper, or some other object."""
    return "print" if rtype in _FLAT_CLASSES else "other"


def medium(record: pymarc.Record, leader: str) -> tuple[str, list[str]]:
    """The carrier and the evidence that decided it (see the module docstring)."""
    if MARC_CORE is not None:  # the compiled twin of medium_pure
        found: tuple[str, list[str]] = MARC_CORE.medium(record, str(leader), CORE_SPEC)
        return found
    return medium_pure(record, leader)


def medium_pure(record: pymarc.Record, leader: str) -> tuple[str, list[str]]:
    """The reference of the compiled core's ``medium``."""
    rtype = leader[6:7]
    data008 = _data008(record)
    pos = 29 if rtype in _FORM_AT_29 else 23
    form = data008[pos : pos + 1]
    if form in _FORM:
        return _FORM[form], [f"008/{pos}={form}"]
    for decide in (_from_007, _from_338, _from_337):
        decided = decide(record, rtype)
        if decided is not None:
            return decided
    for f in record.get_fields("533"):
        for a in f.get_subfields("a"):
            note = a.strip().strip(" .:;,").lower()
            for start, found in _533:
                if note.startswith(start):
                    return found, [f"533$a={note}"]
    for f in record.get_fields("245"):
        for h in f.get_subfields("h"):
            low = h.lower()
            if "electronic" in low or "online" in low:
                return "electronic", ["245$h"]
            if "microform" in low or "microfiche" in low or "microfilm" in low:
                return "microform", ["245$h"]
            if "sound recording" in low:
                return "audio", ["245$h"]
            if "videorecording" in low:
                return "video", ["245$h"]
    for f in record.get_fields("020"):
        text = " ".join(f.get_subfields("q", "a"))
        if _electronic_qualifier(text):
            return "electronic", ["020$q"]
        if _PQUALIFIER.search(text):
            return "print", ["020$q"]
    from_extent = _from_300(record, rtype)
    if from_extent is not None:
        return from_extent
    for f in record.get_fields("856"):
        if f.indicator2 == "0":
            return "electronic", ["856 ind2=0"]
    if rtype == "m":
        # A computer file (leader/06=m) whose 008/23 is blank (usual before 2008) and
        # with no 007 or 33X is still electronic; DESIGN.md lists leader/06 as evidence.
        return "electronic", ["leader/06=m"]
    if rtype in _FLAT_CLASSES and form == " ":
        # blank form of item: "none of the following", i.e. regular print
        return "print", [f"008/{pos}=blank"]
    return "unknown", []


def _from_007(record: pymarc.Record, rtype: str) -> tuple[str, list[str]] | None:
    found = []
    for f in record.get_fields("007"):
        code = (f.data or "")[:1]
        if code in _007:
            found.append((_007[code], f"007/00={code}"))
    return _choose(found, rtype)


def _from_338(record: pymarc.Record, rtype: str) -> tuple[str, list[str]] | None:
    found = []
    for f in record.get_fields("338"):
        for code in f.get_subfields("b"):
            c = code.strip().lower()
            if len(c) != 2:
                continue
            if c in _338_FLAT:
                found.append((_unmediated(rtype), f"338$b={c}"))
            elif c == "nr":
                found.append(("other", f"338$b={c}"))
            elif c[:1] in _338_PREFIX:
                found.append((_338_PREFIX[c[:1]], f"338$b={c}"))
    return _choose(found, rtype)


def _from_337(record: pymarc.Record, rtype: str) -> tuple[str, list[str]] | None:
    found = []
    for f in record.get_fields("337"):
        codes = [c.strip() for c in f.get_subfields("b")]
        terms = [t.strip().lower() for t in f.get_subfields("a")]
        for c in codes:
            if c in _337:
                medium = _337[c] if c != "n" else _unmediated(rtype)
                found.append((medium, f"337$b={c}"))
        if not codes:
            for t in terms:
                if t in _337_TERMS:
                    medium = _337_TERMS[t] if t != "unmediated" else _unmediated(rtype)
                    found.append((medium, f"337$a={t}"))
    return _choose(found, rtype)


def _from_300(record: pymarc.Record, rtype: str) -> tuple[str, list[str]] | None:
    """The 300 extent: the carrier's name, or pages and centimetres for print."""
    for f in record.get_fields("300"):
        extent = " ".join(f.get_subfields("a", "b", "c", "e"))
        carrier = " ".join(f.get_subfields("a"))
        found = []
        if may_name_carrier(carrier):
            found = [(m, f"300={p.pattern}") for p, m in _EXTENT_TERMS if p.search(carrier)]
        choice = _choose(found, rtype)
        if choice is not None:
            medium, _ = choice
            return medium, [f"300$a names the carrier ({medium})"]
        if rtype in _FLAT_CLASSES and _PAGES.search(extent) and _CM.search(extent):
            return "print", ["300 pages and cm (weaker than the coded fields)"]
    return None


# what the compiled core's twins read, in their order: the tables and expressions above
CORE_SPEC = (
    frozenset(_FORM_AT_29), _FORM, _007, _338_PREFIX, frozenset(_338_FLAT), _337, _337_TERMS,
    _533, _electronic_qualifier, _NATURAL, _FLAT_CLASSES, may_name_carrier, _EXTENT_TERMS,
    _PQUALIFIER.search, _PAGES.search, _CM.search,
)  # fmt: skip
CORE_TYPE_SPEC = (_CLASS_TYPES, frozenset(_336_DATASET), frozenset(_336_TEXT))
