"""Contributors from MARC 1XX and 7XX: names, relators, identifiers, original script.

- **Name.** A person is ``$a $b $c`` (name, numeration, titles such as "duc d'Otrante"
  or "Sir"), without ``$d`` dates and ``$q`` fuller form; ``family`` and ``given`` come
  from ``$a`` alone.  An organization is ``$a $b`` and a meeting ``$a $n $d $c``, each
  joined as written, so the period that separates the levels of a hierarchy stays
  ("Gwynedd (Wales). Education Department").
- **Role.** ``$e`` relator terms and ``$4`` relator codes (or their id.loc.gov URIs)
  become one list of terms: codes are spelled out ("edt" -> "editor"), the common
  abbreviations of older records are expanded ("ed." -> "editor", "tr. [and] ed." ->
  "translator; editor"), and a term said twice ("$e editor $4 edt") is kept once.  A
  1XX person with no relator is the author; an added entry without one has no role.
- **Identifiers.** ``$0`` and ``$1``: ORCID and ISNI (URI or "(orcid)"/"(isni)"
  prefix) by scheme, other URIs as ``uri``, the rest as ``local`` ("(DE-588)118540238").
- **Original script.** The 880 paired with a field through ``$6`` gives
  ``name_original_script``, built from the same subfields as the romanized name.
- **Name/title added entries** (7XX with ``$t``) name a work.  With indicator 2 = 2
  (analytical entry) that work is contained in the item, so its author is a contributor
  (Coleridge for the poems in an annual); with any other indicator 2 the work is only
  related (a translation's original, a work commented on) and its author is not.
- **Repeats.** An added entry that repeats a name already listed (the 700 analytical
  entry of the 100 author, the 711 that repeats the 111 meeting with its date) is kept
  once: meetings compare their ``$a``, the others their whole heading with dates and
  fuller name (two John Smiths with different dates stay two).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from unioncat.compiled import MARC_CORE
from unioncat.normalize.marc_880 import Script880
from unioncat.normalize.marc_text import clean, joined, sub
from unioncat.schemas.record import Contributor, Identifier

if TYPE_CHECKING:
    import pymarc

MAIN_TAGS = {"100": "person", "110": "organization", "111": "meeting"}
ADDED_TAGS = {"700": "person", "710": "organization", "711": "meeting"}
_NAME_CODES = {
    "person": ("a", "b", "c"),
    "organization": ("a", "b"),
    "meeting": ("a", "n", "d", "c"),
}
_RELATOR_PUNCT = " ,.;:"

# MARC Code List for Relators: the codes met in bibliographic records most often.
RELATOR_CODES = {
    "adp": "adapter",
    "aft": "author of afterword",
    "ann": "annotator",
    "arr": "arranger",
    "art": "artist",
    "aui": "author of introduction",
    "aut": "author",
    "ccp": "conceptor",
    "chr": "choreographer",
    "cmp": "composer",
    "cnd": "conductor",
    "com": "compiler",
    "cre": "creator",
    "ctb": "contributor",
    "ctg": "cartographer",
    "cur": "curator",
    "cwt": "commentator for written text",
    "dgg": "degree granting institution",
    "dgs": "degree supervisor",
    "drt": "director",
    "dte": "dedicatee",
    "dis": "dissertant",
    "dnr": "donor",
    "edc": "editor of compilation",
    "edt": "editor",
    "fmo": "former owner",
    "fnd": "funder",
    "his": "host institution",
    "hst": "host",
    "ill": "illustrator",
    "ilu": "illuminator",
    "isb": "issuing body",
    "itr": "instrumentalist",
    "ive": "interviewee",
    "ivr": "interviewer",
    "lbt": "librettist",
    "lyr": "lyricist",
    "mus": "musician",
    "nrt": "narrator",
    "orm": "organizer",
    "oth": "other",
    "own": "owner",
    "pbl": "publisher",
    "pht": "photographer",
    "prf": "performer",
    "pro": "producer",
    "prt": "printer",
    "red": "redaktor",
    "rev": "reviewer",
    "sad": "scientific advisor",
    "sng": "singer",
    "spn": "sponsor",
    "ths": "thesis advisor",
    "trc": "transcriber",
    "trl": "translator",
    "win": "writer of introduction",
    "wpr": "writer of preface",
    "wst": "writer of supplementary textual content",
}
# Abbreviated relator terms of pre-RDA records.
_TERM_ABBREVIATIONS = {
    "comp": "compiler",
    "comps": "compiler",
    "ed": "editor",
    "eds": "editor",
    "edt": "editor",
    "ill": "illustrator",
    "illus": "illustrator",
    "joint ed": "joint editor",
    "tr": "translator",
    "trans": "translator",
    "transl": "translator",
}
_TERM_SPLIT = re.compile(r"\s*(?:\[and\]|&|\band\b|,)\s*")


# expressions compiled once (a module-level ``re`` call looks its pattern up each time)
_PUNCTUATION = re.compile(r"[^\w\s]")
_ORCID_PREFIX = re.compile(r"^\(orcid\)", re.I)
_NOT_ISNI = re.compile(r"[^\dX]")


def _key(text: str) -> str:
    return " ".join(_PUNCTUATION.sub(" ", text.casefold()).split())


def relator_terms(field: pymarc.Field) -> list[str]:
    """The roles of a name field as terms, codes spelled out, each once."""
    out: dict[str, str] = {}
    for raw in sub(field, "e"):
        for part in _TERM_SPLIT.split(raw):
            term = part.strip(_RELATOR_PUNCT + "[]")
            if term:
                term = _TERM_ABBREVIATIONS.get(term.lower(), term)
                out.setdefault(term.lower(), term)
    for raw in sub(field, "4"):
        code = raw.strip(_RELATOR_PUNCT).rsplit("/", 1)[-1].lower()
        if code:
            term = RELATOR_CODES.get(code, code)
            out.setdefault(term.lower(), term)
    return list(out.values())


def name_identifiers(field: pymarc.Field) -> list[Identifier]:
    out = []
    for raw in sub(field, "0", "1"):
        text = raw.strip()
        low = text.lower()
        if "orcid.org/" in low or low.startswith("(orcid)"):
            value = _ORCID_PREFIX.sub("", text.rsplit("/", 1)[-1]).strip()
            out.append(Identifier("orcid", value.upper(), None, "valid", raw))
        elif "isni" in low:
            # keep the check character: an ISNI ends in a digit or X (ISO 27729)
            isni = _NOT_ISNI.sub("", text.rsplit("/", 1)[-1].upper())
            out.append(Identifier("isni", isni, None, "valid", raw))
        elif low.startswith("http"):
            out.append(Identifier("uri", text, None, "valid", raw))
        elif low.startswith("(uri)"):
            out.append(Identifier("uri", text[5:].strip(), None, "valid", raw))
        else:
            out.append(Identifier("local", text, None, "valid", raw))
    return out


def _name(field: pymarc.Field, kind: str) -> str | None:
    return joined(field, *_NAME_CODES[kind])


def contributor(
    field: pymarc.Field, kind: str, script: Script880 | None = None
) -> Contributor | None:
    """One 1XX/7XX field as a contributor, or None when it names nobody (no ``$a``)."""
    if not sub(field, "a"):
        return None  # "$b ROBA $c 1" (a shelf mark typed into a 100) names nobody
    name = _name(field, kind)
    if not name:
        return None
    family = given = None
    if kind == "person":
        personal = clean(" ".join(sub(field, "a")))
        if personal and field.indicator1 == "1" and "," in personal:
            family, _, given = personal.partition(",")
            family, given = family.strip(), given.strip() or None
        elif personal and field.indicator1 == "0":
            given = personal
    roles = relator_terms(field)
    if not roles and field.tag.startswith("1") and kind == "person":
        roles = ["author"]
    original = None
    pair = script.pair(field) if script is not None else None
    if pair is not None:
        original = _name(pair, kind)
    return Contributor(
        name=name,
        family=family,
        given=given,
        role="; ".join(roles) or None,
        kind=kind,
        identifiers=name_identifiers(field),
        name_original_script=original,
        affiliations=[a for v in sub(field, "u") if (a := (clean(v) or "").rstrip(" .,;"))],
    )


# a meeting repeated with its number or date is still the same meeting; two persons of
# one name are told apart by their dates and fuller names
_KEY_CODES = {"person": ("a", "b", "c", "d", "q"), "organization": ("a", "b", "c", "d", "q"),
              "meeting": ("a",)}  # fmt: skip
# what the compiled core's twin of contributors reads: (tag, kind, name codes, key codes,
# main entry) in the order of the fields' kinds, then the classes, tables and expressions
CORE_SPEC = (
    tuple(
        (tag, kind, _NAME_CODES[kind], _KEY_CODES[kind], tags is MAIN_TAGS)
        for tags in (MAIN_TAGS, ADDED_TAGS)
        for tag, kind in tags.items()
    ),
    Contributor, Identifier, RELATOR_CODES, _TERM_ABBREVIATIONS, _TERM_SPLIT.split,
    _ORCID_PREFIX.sub, _NOT_ISNI.sub, _RELATOR_PUNCT,
)  # fmt: skip


def contributors(record: pymarc.Record, script: Script880 | None = None) -> list[Contributor]:
    """The 1XX and 7XX names as contributors, each once (see the module docstring)."""
    if MARC_CORE is not None:  # the compiled twin of contributors_pure
        found: list[Contributor] = MARC_CORE.contributors(record, script, CORE_SPEC)
        return found
    return contributors_pure(record, script)


def contributors_pure(record: pymarc.Record, script: Script880 | None = None) -> list[Contributor]:
    """The reference of the compiled core's ``contributors``."""
    out: list[Contributor] = []
    seen: set[tuple[str, str]] = set()
    for tags in (MAIN_TAGS, ADDED_TAGS):
        for tag, kind in tags.items():
            for f in record.get_fields(tag):
                if tag.startswith("7") and sub(f, "t") and f.indicator2 != "2":
                    continue  # names a related work, not one this item contains
                c = contributor(f, kind, script)
                if c is None:
                    continue
                key = (kind, _key(" ".join(sub(f, *_KEY_CODES[kind]))))
                if key in seen:
                    continue
                seen.add(key)
                out.append(c)
    return out


_RESPONSIBILITY_SPLIT = re.compile(r"\s*(?:;|,?\s+and\s+|,?\s+&\s+|,)\s*")
_NAME_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv|et al|\[et al\.?\])\.?$", re.I)
# "Wollstonecraft, Mary, 1759-1797": one word (with its particles) before the comma
_INVERTED = re.compile(
    r"^([^\s,]+(?:\s+(?:de|van|von|der|den|la|le|du|da|al))*),\s*([^,]+?)(?:,\s*[\d?\-. ]+)?$"
)
_BY = re.compile(r"^\[?(?:(?:[a-z][\w.]*\s+)*?)by\]?\s+", re.I)


def responsibility_names(statement: str | None) -> list[Contributor]:
    """Names in a statement of responsibility as written in a contents note.

    "Michael F. Goodchild and Donald G. Janelle" gives two persons; "Wollstonecraft,
    Mary, 1759-1797" (a heading, surname first) gives one, with family and given.  The
    names stay as written: a statement does not say which part is the family name.
    """
    text = clean(statement)
    if not text:
        return []
    if "by" in text.casefold():  # as the expression reads it (re.I takes no other b or y)
        text = _BY.sub("", text)
    inverted = _INVERTED.match(text)
    if inverted and " and " not in text and ";" not in text:
        family, given = inverted.group(1), clean(inverted.group(2))
        return [Contributor(name=f"{family}, {given}", family=family, given=given)]
    names: list[str] = []
    for part in _RESPONSIBILITY_SPLIT.split(text):
        part = clean(part) or ""
        if not part:
            continue
        if _NAME_SUFFIX.match(part) and names:
            if "et al" not in part.lower():
                names[-1] = f"{names[-1]}, {part}"
            continue
        names.append(part)
    return [Contributor(name=n) for n in names]
