"""Type and medium of a MARC record, with the evidence that decided them.

Order of trust for the medium: 008 form of item (position 23 or 29 by record type),
then 007, then 338/337 carrier and media types, then the 533 reproduction note
("Microfilm.", "Electronic reproduction."), then 245 $h, then 020 $q, then an 856
link to the resource itself.  The first source that speaks decides; ``medium_evidence``
lists what decided so a cataloger can check a surprising merge.  The 533 comes after
the coded fields (they describe the same reproduction, and say it in codes) and before
the weaker guesses: a record of a microfilm whose 008/23 was left blank says so only
in its 533.

Type: leader/07 (part, serial), leader/19 (set), 008 contents and conference codes,
then for a computer file (leader/06 = m) 008/26 and the 336 content type: a numeric
dataset ("cod", "computer dataset") is a ``dataset``, a text ("txt", or 008/26 = d,
a document: the pre-2008 e-book) a ``book``.  A monograph whose 773 names a serial
(an ISSN in ``$x``) and an enumeration (``$g``) is an issue of it: ``journal_issue``.
"""

from __future__ import annotations

import re

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
_007 = {"c": "electronic", "h": "microform", "t": "print"}
# RDA carrier codes: every c* is a computer carrier and every h* a microform (before, a
# microfiche "he" or an online "cz" fell through to weaker evidence); of the unmediated
# n* carriers only the paper ones are print (not "nr" object, "nz" other).
_338 = {"na": "print", "nb": "print", "nc": "print", "nn": "print", "no": "print"}
_338_PREFIX = {"c": "electronic", "h": "microform"}
_337 = {"c": "electronic", "h": "microform", "n": "print"}
_337_TERMS = {"computer": "electronic", "microform": "microform", "unmediated": "print"}
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


def _first(record: pymarc.Record, tag: str) -> pymarc.Field | None:
    fields = record.get_fields(tag)
    return fields[0] if fields else None


def record_type(record: pymarc.Record, leader: str) -> str:
    rtype = leader[6:7]
    level = leader[7:8]
    f008 = _first(record, "008")
    data008 = f008.data if f008 is not None and f008.data else ""
    textual = rtype in ("a", "t")
    if level == "a":
        return "book_chapter"
    if level == "b":
        return "journal_article"
    if level in ("s", "i") and textual:
        return "journal"
    if rtype == "m":
        return _computer_file_type(record, data008[26:27])
    if not textual:
        return "other"
    if leader[19:20] == "a":
        return "book_set"
    if level == "m" and _issue_of_serial(record):
        return "journal_issue"
    contents = data008[24:28]
    if "m" in contents or record.get_fields("502"):
        return "thesis"
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
    return "other"


def _issue_of_serial(record: pymarc.Record) -> bool:
    return any(f.get_subfields("x") and f.get_subfields("g") for f in record.get_fields("773"))


def medium(record: pymarc.Record, leader: str) -> tuple[str, list[str]]:
    rtype = leader[6:7]
    f008 = _first(record, "008")
    data008 = f008.data if f008 is not None and f008.data else ""
    pos = 29 if rtype in _FORM_AT_29 else 23
    form = data008[pos : pos + 1]
    if form in _FORM:
        return _FORM[form], [f"008/{pos}={form}"]
    for f in record.get_fields("007"):
        code = (f.data or "")[:1]
        if code in _007:
            return _007[code], [f"007/00={code}"]
    for f in record.get_fields("338"):
        for code in f.get_subfields("b"):
            c = code.strip().lower()
            found = _338.get(c) or (_338_PREFIX.get(c[:1]) if len(c) == 2 else None)
            if found:
                return found, [f"338$b={c}"]
    for f in record.get_fields("337"):
        for code in f.get_subfields("b"):
            if code.strip() in _337:
                return _337[code.strip()], [f"337$b={code.strip()}"]
        for term in f.get_subfields("a"):
            t = term.strip().lower()
            if t in _337_TERMS:
                return _337_TERMS[t], [f"337$a={t}"]
    for f in record.get_fields("533"):
        for a in f.get_subfields("a"):
            note = a.strip().strip(" .:;,").lower()
            for start, form in _533:
                if note.startswith(start):
                    return form, [f"533$a={note}"]
    for f in record.get_fields("245"):
        for h in f.get_subfields("h"):
            low = h.lower()
            if "electronic" in low or "online" in low:
                return "electronic", ["245$h"]
            if "microform" in low or "microfiche" in low or "microfilm" in low:
                return "microform", ["245$h"]
    for f in record.get_fields("020"):
        text = " ".join(f.get_subfields("q", "a"))
        if _EQUALIFIER.search(text):
            return "electronic", ["020$q"]
        if _PQUALIFIER.search(text):
            return "print", ["020$q"]
    for f in record.get_fields("856"):
        if f.indicator2 == "0":
            return "electronic", ["856 ind2=0"]
    if rtype == "m":
        # A computer file (leader/06=m) whose 008/23 is blank (usual before 2008) and
        # with no 007 or 33X is still electronic; DESIGN.md lists leader/06 as evidence.
        return "electronic", ["leader/06=m"]
    if rtype in ("a", "t") and form == " ":
        return "print", [f"008/{pos}=blank"]
    return "unknown", []
