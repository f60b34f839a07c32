"""What every citation export has in common: names, pages, dates, and a key.

RIS, BibTeX, MEDLINE, Web of Science, NoteExpress and E-Study are reference-manager
formats: a record is a citation, written by people and databases with their habits.
The same few things recur in each, and are read here the same way for all:

- **Names.** ``Family, Given`` is split at the comma; a name in Chinese, Japanese or
  Korean script is split only where the source separates it (``王 小明``), and kept
  whole otherwise (nothing tells the family name, and compound family names make
  guessing wrong), as is an organisation; a Western name written
  ``Given Family`` with no comma is split at its last space only when the format says
  that is its order.
- **Pages.** ``310-320``, ``e0123``, ``S12-S15``, en dashes, ``pp.``, and MEDLINE's
  abbreviated ends (``6913-7`` is 6913 to 6917).
- **Dates.** ``2016``, ``2016 Apr 5``, ``2016/04/05``, ``2016-04``, seasons, and ranges
  (``2015 Dec-2016 Jan``, whose start is the date); ISO 8601 out, as far as known.
- **Key.** A record with no identifier of its own (most CNKI exports) is keyed by a
  digest of what identifies the work (title, year, first author, host, first page), so
  that the same export delivered again updates its records instead of doubling them.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Mapping

from unioncat.schemas.record import Contributor

# ASCII white space and the no-break space; the ideographic space (U+3000) is part of
# how a Chinese title is written and is kept
_SPACE = re.compile(r"[ \t\r\n\f\v\u00a0]+")
CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
# Words that make a name an organisation's: in English and in Chinese (society,
# committee, association, institute, university, hospital, group, centre, ministry...)
_ORGANISATION = re.compile(
    r"\b(?:society|committee|association|institute|university|council|group|consortium|"
    r"organi[sz]ation|ministry|department|agency|foundation|collaboration|network|"
    r"academy|hospital|centre|center|office|board|federation|union|working party)\b"
    r"|(?:协会|学会|委员会|研究院|研究所|大学|学院|医院|中心|小组|协作组|部|局|办公室|联盟|基金会)$",
    re.I,
)
# "et al." and its Chinese "等" stand for the names a list left out: not a name.
_ET_AL = re.compile(r"^(?:et\.?\s*al\.?|and others|等|等人)$", re.I)
_INITIALS = re.compile(r"^[A-Z]{1,3}$")
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        (
            ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"),
            ("may",), ("jun", "june"), ("jul", "july"), ("aug", "august"),
            ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
            ("dec", "december"),
        )
    )
    for m in names
}  # fmt: skip
_SEASONS = {
    "spring": 3, "summer": 6, "fall": 9, "autumn": 9, "winter": 12,
    "spr": 3, "sum": 6, "fal": 9, "aut": 9, "win": 12,  # Web of Science's PD
}  # fmt: skip
_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")
_NUMERIC_DATE = re.compile(
    r"(?<!\d)(1[5-9]\d\d|20\d\d)\s*[-/.年]\s*(\d{1,2})(?:\s*[-/.月]\s*(\d{1,2}))?"
)
_WORD_DATE = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)\s+([A-Za-z]+)\.?(?:\s+(\d{1,2})(?!\d))?")
_PAGES = re.compile(
    r"^(?:pp?\.?\s*)?([A-Za-z]{0,3}\d+[A-Za-z]?)(?:\s*[-\u2010-\u2015~～]+\s*([A-Za-z]{0,3}\d+[A-Za-z]?))?"
    r"\s*(?:\+|,.*)?$"
)


def clean(value: str | None) -> str | None:
    """A value with its spaces collapsed and its ends trimmed; ``None`` when empty."""
    if not value:
        return None
    if "\u3000" in value:
        text = _SPACE.sub(" ", value).strip()
    else:
        text = " ".join(value.split())  # str.split is many times faster than a regex
    return text or None


def first_values(fields: Mapping[str, list[str]]) -> Callable[[str], str | None]:
    """``first(tag)``: the tag's first non-empty value, cleaned, worked out once a tag
    (a record asks for some tags several times)."""
    memo: dict[str, str | None] = {}

    def first(tag: str) -> str | None:
        if tag in memo:
            return memo[tag]
        found = next((v for v in (clean(x) for x in fields.get(tag, ())) if v), None)
        memo[tag] = found
        return found

    return first


def fold(text: str) -> str:
    """Text for comparison and keys: NFKC (full-width forms to ASCII), case folded."""
    return _SPACE.sub(" ", unicodedata.normalize("NFKC", text)).strip().casefold()


def is_cjk(text: str) -> bool:
    return CJK.search(text) is not None


def person(
    name: str,
    *,
    role: str | None = "author",
    given_first: bool = False,
    affiliations: list[str] | None = None,
) -> Contributor | None:
    """One name as a citation export writes it (see the module's note on names)."""
    text = clean(name.replace("\u00a0", " "))
    if not text:
        return None
    text = text.strip(" ;,")
    if not text or _ET_AL.match(text):
        return None
    affiliations = affiliations or []
    if _ORGANISATION.search(text):
        return Contributor(name=text, role=role, kind="organization", affiliations=affiliations)
    if is_cjk(text):
        # "王 小明" and "王,小明" say where the family name ends; "王小明" does not
        family, sep, given = text.replace("，", ",").replace(",", " ").partition(" ")
        if sep and given.strip() and " " not in given.strip():
            return Contributor(
                name=family + given.strip(), family=family, given=given.strip(), role=role,
                affiliations=affiliations,
            )  # fmt: skip
        return Contributor(name=text, role=role, affiliations=affiliations)
    if "," in text:
        family, _, given = text.partition(",")
        family, given = family.strip(), given.strip()
        return Contributor(
            name=f"{family}, {given}" if given else family,
            family=family or None,
            given=given or None,
            role=role,
            affiliations=affiliations,
        )
    family, _, initials = text.rpartition(" ")
    if family and _INITIALS.match(initials):  # "Smith JA", as MEDLINE's AU writes it
        return Contributor(
            name=f"{family}, {initials}", family=family, given=initials, role=role,
            affiliations=affiliations,
        )  # fmt: skip
    if given_first and " " in text:
        given, _, family = text.rpartition(" ")
        return Contributor(
            name=f"{family}, {given}", family=family, given=given, role=role,
            affiliations=affiliations,
        )  # fmt: skip
    return Contributor(name=text, role=role, affiliations=affiliations)


def page_range(text: str | None) -> tuple[str | None, str | None]:
    """First and last page; MEDLINE's shortened end (``6913-7``) written out."""
    value = clean(text)
    if not value:
        return None, None
    m = _PAGES.match(value)
    if not m:
        return value, None  # "A12, B4": kept whole as the first page
    first, last = m.group(1), m.group(2)
    if first and last and first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return first, last


def date_of(text: str | None) -> tuple[str | None, int | None]:
    """An ISO 8601 date as far as ``text`` tells it, and its year."""
    value = clean(text)
    if not value:
        return None, None
    m = _NUMERIC_DATE.search(value)
    if m:
        year, number, day = int(m.group(1)), int(m.group(2)), m.group(3)
        if 1 <= number <= 12:
            date = f"{year:04d}-{number:02d}"
            if day and 1 <= int(day) <= 31:
                date += f"-{int(day):02d}"
            return date, year
    m = _WORD_DATE.search(value)
    if m:
        year = int(m.group(1))
        word = m.group(2).lower()
        month = _MONTHS.get(word) or _SEASONS.get(word)
        if month:
            date = f"{year:04d}-{month:02d}"
            if m.group(3) and word in _MONTHS and 1 <= int(m.group(3)) <= 31:
                date += f"-{int(m.group(3)):02d}"
            return date, year
    y = _YEAR.search(value)
    if y:
        return y.group(1), int(y.group(1))
    return None, None


def content_key(
    title: str | None,
    year: int | None,
    names: list[str],
    host: str | None = None,
    first_page: str | None = None,
) -> str:
    """A source id for a record that has none: the same citation, the same key."""
    parts = [
        fold(title or ""),
        str(year or ""),
        fold(names[0]) if names else "",
        fold(host or ""),
        first_page or "",
    ]
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=12).hexdigest()
    return f"cite:{digest}"


def split_list(text: str | None, separators: str = ";；") -> list[str]:
    """The values of one field that lists several (keywords, authors on one line)."""
    value = clean(text)
    if not value:
        return []
    pattern = "[" + re.escape(separators) + "]+"
    return [v for v in (clean(p) for p in re.split(pattern, value)) if v]
