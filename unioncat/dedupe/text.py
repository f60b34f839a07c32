"""Text folded for comparison, so that spelling noise never decides a match.

Catalogs and vendors write the same title with different case, diacritics, entities
(``Lud&#228;scher``), punctuation and initial articles, and the same person as
"Smith, J." or "John Smith".  Everything here maps such variants onto one form; nothing
here decides whether two records match.
"""

from __future__ import annotations

import html
import re
import unicodedata
from functools import lru_cache

# An entity some exports split off with spaces ("lud &#228; scher"): glue it back to
# the letters around it before unescaping, or the surname breaks into three tokens.
_SPACED_LETTER_ENTITY = re.compile(r"(\w) ?(&#\d{2,5};|&[a-zA-Z]{2,8};) ?(?=\w)")
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_DIGITS = re.compile(r"\d+")

# Initial articles dropped from titles that carry no non-filing count (every source
# but MARC 245): matching "The river archives" with "River archives" must not depend
# on which source had the count.  Kept short on purpose: only words that are articles
# whenever they open a title.
INITIAL_ARTICLES = frozenset(
    {
        "the", "a", "an",
        "le", "la", "les", "l", "un", "une",
        "der", "die", "das", "ein", "eine",
        "el", "los", "las", "il", "lo", "gli", "i", "uno",
        "de", "het", "een",
    }
)  # fmt: skip

# Scripts written without spaces between words: compared character by character.
_CJK_RANGES = (
    (0x3040, 0x30FF),  # hiragana, katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xAC00, 0xD7AF),  # hangul syllables
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x2FA1F),  # supplementary ideographs
)


def is_cjk(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def unescape(text: str) -> str:
    """HTML entities resolved, including those an export split off with spaces."""
    if "&" not in text:
        return text
    if " &" in text or "; " in text:
        text = _SPACED_LETTER_ENTITY.sub(r"\1\2", text)
    return html.unescape(text)


@lru_cache(maxsize=1 << 16)
def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


# UTF-8 read as Latin-1 or Windows-1252 ("dÃ³nde" for "dónde"): a lead byte written as
# Â-ß or â-ï, then its continuation bytes written as the characters of 0x80-0xBF.  Case
# folding on the way may have made the lead lower case ("dã³nde").
_CONTINUATION = (
    "\u0080-\u00bf"  # Latin-1's reading of 0x80-0xBF, and Windows-1252's of 0x80-0x9F:
    "\u20ac\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u017d"
    "\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
)
_MOJIBAKE = re.compile(
    f"[\u00e0-\u00ef][{_CONTINUATION}]{{2}}|[\u00c2-\u00df\u00e2\u00e3][{_CONTINUATION}]"
)
_MOJIBAKE_LEAD = re.compile("[\u00c0-\u00ff]")
# What is left of a character whose continuation bytes an export dropped ("ã ã ã"):
# nothing can be read back, and a lone "ã" is no word in any language.
_MOJIBAKE_RESIDUE = re.compile(f"(?<!\\w)[\u00e3\u00e2\u00c3\u00c2](?![\\w{_CONTINUATION}])")


def _bytes_back(chars: str) -> bytes | None:
    out = bytearray()
    for n, char in enumerate(chars):
        code = ord(char)
        if n == 0 and len(chars) == 2 and code in (0xE2, 0xE3):
            code -= 0x20  # Â or Ã, the commonest leads, made lower case by case folding
        if code < 0x100:
            out.append(code)
        else:
            try:
                out += char.encode("cp1252")
            except UnicodeEncodeError:
                return None
    return bytes(out)


def _read_back(match: re.Match[str]) -> str:
    raw = _bytes_back(match.group())
    if raw is None:
        return match.group()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return match.group()


# In a text that lost bytes, every character of 0x80-0xFF left over once the whole
# characters are read back is a piece of one that was lost: a kana's "ã" + 0x82 + 0xAA
# with its 0x82 dropped as a control is no "ê", and would make kana titles look alike.
_LATIN1_PIECE = re.compile(f"[{_CONTINUATION}\u00c0-\u00ff]")


def _read_back_whole(match: re.Match[str]) -> str:
    """A three-byte character read back; a two-character piece left as it is."""
    return _read_back(match) if len(match.group()) == 3 else match.group()


def unmangle(text: str) -> str:
    """Text whose UTF-8 was read as Latin-1 or Windows-1252, read back as it was meant;
    what is left of characters whose bytes an export lost ("ã ã ã", "ãª") removed,
    since it would make every such title look like every other."""
    if text.isascii() or _MOJIBAKE_LEAD.search(text) is None:
        return text
    if _MOJIBAKE_RESIDUE.search(text) is None:
        return _MOJIBAKE.sub(_read_back, text)
    # Bytes were lost: only whole three-byte characters can be read back.
    return _LATIN1_PIECE.sub("", _MOJIBAKE.sub(_read_back_whole, text))


def fold(text: str | None) -> str:
    """Lower case, no diacritics, no punctuation, single spaces: the comparison form."""
    if not text:
        return ""
    if text.isascii() and "&" not in text:
        # the common case, and the same result: ASCII is its own NFKC form, holds no
        # mojibake or entity, and folds as it lowers (matching folds millions of these)
        return _NON_WORD.sub(" ", text.lower()).strip()
    text = unicodedata.normalize("NFKC", unmangle(unescape(text))).casefold()
    if not text.isascii():
        text = _strip_marks(text)
        text = text.replace("ß", "ss").replace("æ", "ae").replace("œ", "oe").replace("ø", "o")
        text = text.replace("ı", "i").replace("ł", "l").replace("đ", "d").replace("þ", "th")
    return _NON_WORD.sub(" ", text).strip()


def strip_nonfiling(title: str, nonfiling: int) -> str:
    """Drop the characters MARC 245 indicator 2 says to skip ("The ", "L'")."""
    if 0 < nonfiling < len(title):
        return title[nonfiling:]
    return title


def title_key(title: str | None, nonfiling: int = 0) -> str:
    """The folded title without its initial article."""
    if not title:
        return ""
    folded = fold(strip_nonfiling(title, nonfiling))
    if nonfiling == 0:
        head, _, rest = folded.partition(" ")
        if rest and head in INITIAL_ARTICLES:
            return rest
    return folded


def tokens(folded: str) -> list[str]:
    """Words of a folded text; runs of CJK characters become overlapping bigrams.

    Whitespace tells nothing in Chinese or Japanese, so "数据库系统" is compared as
    数据 据库 库系 系统 rather than as one word that must match exactly.
    """
    out: list[str] = []
    for word in folded.split():
        if word.isascii() or not any(is_cjk(c) for c in word):
            out.append(word)
            continue
        run = ""
        for char in word + " ":
            if char != " " and is_cjk(char):
                run += char
                continue
            if run:
                out.extend(run[i : i + 2] for i in range(max(1, len(run) - 1)))
                run = ""
            if char != " ":
                out.append(char)
    return out


def compact(folded: str) -> str:
    """A CJK title without the spaces its source happened to put in it."""
    return folded.replace(" ", "") if has_cjk(folded) else folded


def has_cjk(text: str) -> bool:
    return not text.isascii() and any(is_cjk(c) for c in text)


_NAME_PARTICLES = frozenset({"van", "von", "der", "de", "da", "del", "di", "la", "le", "du", "ten"})
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv"})
# Words that make a name a body's, not a person's: it has no given name to compare.
_BODY_WORDS = frozenset(
    """group team committee corporate association consortium society institute
    university college council department inc ltd project organization organisation
    foundation office center centre laboratory board agency""".split()
)
# Short forms of given names, by the initial of the name they stand for: "Bob Gerber"
# may be "Robert H. Gerber".
_NICKNAMES = {
    "bob": "r", "bobby": "r", "rob": "r", "robbie": "r", "dick": "r", "rick": "r",
    "bill": "w", "billy": "w", "will": "w", "jim": "j", "jimmy": "j", "jack": "j",
    "peggy": "m", "meg": "m", "betty": "e", "beth": "e", "liz": "e", "bess": "e",
    "ted": "e", "ned": "e", "tony": "a", "sandy": "a", "chuck": "c", "hank": "h",
    "harry": "h", "larry": "l", "ken": "k", "dave": "d", "mike": "m", "tom": "t",
    "tim": "t", "joe": "j", "sam": "s", "steve": "s", "nick": "n", "pat": "p",
    "kate": "k", "kathy": "k", "cathy": "c", "sue": "s", "chris": "c", "andy": "a",
}  # fmt: skip


_CITED_INITIALS = re.compile(r"^[A-Z]{1,3}$")
# What stands for the names a list left out: no name of its own.
ET_AL = re.compile(r"^\s*(?:et\.?\s*al\.?|(?:and\s+)?others|u\.\s*a\.|et autres|等|等人)\s*$", re.I)


def _is_cited(written: list[str]) -> bool:
    """Whether a name is written "Smith JA", as MEDLINE, Web of Science and reference
    lists cite a person: family name first, the initials after it in capitals without
    points (and the family name not itself in capitals, which would make "WANG L" either
    way round)."""
    return (
        len(written) >= 2
        and _CITED_INITIALS.match(written[-1]) is not None
        and not written[0].isupper()
        and not any(_CITED_INITIALS.match(w) for w in written[:-1])
    )


def given_initials(name: str | None) -> frozenset[str]:
    """The initials a personal name's given name may stand for: its own, and the formal
    name's for a short form ("Bob" gives b and r).  None for a body's name."""
    family, initial = name_key(name)
    if not initial or not name or _BODY_WORDS & set(fold(name).split()):
        return frozenset()
    if _is_cited(name.split()):
        return frozenset({initial})  # "Smith JA": J, and no nickname to look up
    first = fold(name.partition(",")[2] if "," in name else name).split()
    nickname = _NICKNAMES.get(first[0]) if first else None
    return frozenset({initial, nickname}) if nickname else frozenset({initial})


def name_key(name: str | None) -> tuple[str, str]:
    """(family name, first initial) of a personal name in either order.

    "Smith, J.", "Smith, John" and "John Smith" all give ("smith", "j").  A name in a
    CJK script is kept whole as the family part: it has no initials to compare.
    """
    if not name:
        return ("", "")
    if "," in name:
        family_raw, _, given_raw = name.partition(",")
        rest = fold(given_raw).split()
        if rest and all(w in _NAME_SUFFIXES or w.isdigit() for w in rest):
            # "Martin Luther King, Jr." and "John Smith, 1950-": direct order after all
            return name_key(family_raw)
        family = fold(family_raw)
        given = fold(given_raw).split()
        given = [g for g in given if g not in _NAME_SUFFIXES and not g.isdigit()]
        return (family.replace(" ", ""), given[0][0] if given else "")
    written = name.split()
    if _is_cited(written):
        return (fold(" ".join(written[:-1])).replace(" ", ""), written[-1][0].lower())
    words = [w for w in fold(name).split() if w not in _NAME_SUFFIXES]
    if not words:
        return ("", "")
    if len(words) == 1:
        return (words[0], "")
    family_start = len(words) - 1
    while family_start > 1 and words[family_start - 1] in _NAME_PARTICLES:
        family_start -= 1
    return ("".join(words[family_start:]), words[0][0])


# Words that label a number ("v. 4", "Bd. IV", "part 2") rather than being it.
_NUMBER_LABELS = frozenset(
    {
        "v",
        "vol",
        "volume",
        "bd",
        "band",
        "t",
        "tome",
        "pt",
        "part",
        "teil",
        "no",
        "nr",
        "n",
        "heft",
        "livre",
        "book",
        "bk",
        "ser",
        "series",
        "reihe",
        "tomo",
        "parte",
        "th",
        "ch",
    }
)
_ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
_ROMAN_RE = re.compile(r"^[ivxlcdm]+$")
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6,
    "seventh": 7, "eighth": 8, "ninth": 9, "tenth": 10,
    "erste": 1, "zweite": 2, "dritte": 3, "vierte": 4, "funfte": 5,
    "premiere": 1, "deuxieme": 2, "troisieme": 3, "nouvelle": 0, "revised": 0, "rev": 0,
}  # fmt: skip


def roman_to_int(text: str) -> int | None:
    if not _ROMAN_RE.match(text):
        return None
    total = 0
    previous = 0
    for char in reversed(text):
        value = _ROMAN[char]
        total = total - value if value < previous else total + value
        previous = max(previous, value)
    return total


_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
    "eins": 1, "zwei": 2, "drei": 3, "un": 1, "deux": 2, "trois": 3, "uno": 1, "dos": 2,
}  # fmt: skip


def title_numbers(folded_title: str) -> frozenset[str]:
    """The numbers a title carries: its digits, and a roman numeral or a number word
    after a label ("part ii", "vol. iv", "book two"), so that "part i" and "part ii"
    are two works however alike the rest of their titles is."""
    words = folded_title.split()
    out: set[str] = set()
    for n, word in enumerate(words):
        if word.isdigit():
            out.add(word.lstrip("0") or "0")
        elif n and words[n - 1] in _NUMBER_LABELS:
            value = _NUMBER_WORDS.get(word) or roman_to_int(word)
            if value:
                out.add(str(value))
    return frozenset(out)


def number_of(text: str | None) -> str:
    """The numbers a volume, part or series statement carries, as one key:
    "v. IV", "Bd. 4" and "Part four" give "4"; "Bd. 2, Teil 1" gives "2.1".

    Returns "" when there is none, so that a missing number never counts as different.
    """
    folded = fold(text)
    if not folded:
        return ""
    words = folded.split()
    numbers: list[str] = []
    for n, word in enumerate(words):
        if word.isdigit():
            numbers.append(str(int(word)))
        elif word in _NUMBER_WORDS:
            numbers.append(str(_NUMBER_WORDS[word]))
        elif word not in _NUMBER_LABELS or (n == len(words) - 1 and n > 0):
            # "v" is a label in "v. 5" but the number in "v. V": a last word counts
            value = roman_to_int(word)
            if value:
                numbers.append(str(value))
    if numbers:
        return ".".join(numbers)
    return " ".join(w for w in words if w not in _NUMBER_LABELS)


def edition_number(text: str | None) -> str:
    """The edition an edition statement names: "2nd ed." → "2"; "Rev. ed." → "rev".

    A first edition and a missing statement both give "" because catalogs often leave
    out "1st ed.".
    """
    folded = fold(text)
    if not folded:
        return ""
    digits = _DIGITS.search(folded)
    if digits:
        value = int(digits.group())
        return "" if value == 1 else str(value)
    for word in folded.split():
        if word in _ORDINAL_WORDS:
            value = _ORDINAL_WORDS[word]
            if value == 0:
                return "rev"
            return "" if value == 1 else str(value)
    return ""


_PAGE_RANGE = re.compile(r"([a-z]*\d+)\s*(?:-+|–|—|\s)\s*([a-z]*\d+)", re.IGNORECASE)


def page_range(text: str | None) -> tuple[str, str]:
    """(first, last) page of "pp. 123-45" as written in full: ("123", "145")."""
    if not text:
        return ("", "")
    found = _PAGE_RANGE.search(text)
    if not found:
        single = _DIGITS.search(text)
        return (single.group(), "") if single else ("", "")
    first, last = found.group(1).lower(), found.group(2).lower()
    if first.isdigit() and last.isdigit() and len(last) < len(first):
        last = first[: len(first) - len(last)] + last
    return (first, last)


# Words every venue's name has in some form: they tell one venue from another no more
# than "The" does.  A word that begins one of the long ones ("proc", "int", "conf")
# is its abbreviation.
_VENUE_GENERIC = frozenset(
    """proceedings international conference journal symposium transactions annual
    workshop acm ieee the of on in and for a an th st nd rd intl letters""".split()
)
_VENUE_LONG = ("proceedings", "international", "conference", "journal", "symposium",
               "transactions", "annual", "workshop")  # fmt: skip


def _generic_venue_word(word: str) -> bool:
    if word in _VENUE_GENERIC or word.isdigit() or (len(word) == 1 and word != "j"):
        return True
    return any(long.startswith(word) for long in _VENUE_LONG)


def venue_words(folded_venue: str) -> tuple[str, ...]:
    """The words that name a venue, in order: "proc int conf very large data bases" and
    "vldb" keep "very large data bases" and "vldb"."""
    return tuple(w for w in folded_venue.split() if not _generic_venue_word(w))


def venues_alike(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    """Whether two venues' names (:func:`venue_words`) can be one venue: each word of
    the shorter name is a word of the longer or its abbreviation ("syst" and "systems";
    "coastal research" is not "coastal dynamics"), or one name is the other's acronym
    ("vldb" and "very large data bases", "tods" and "on database systems")."""
    if not a or not b:
        return False
    fewer, more = (a, b) if len(a) <= len(b) else (b, a)
    if all(any(_word_alike(x, y) for y in more) for x in fewer):
        return True
    return _acronym_of(a, b) or _acronym_of(b, a)


def _word_alike(x: str, y: str) -> bool:
    short, long = (x, y) if len(x) <= len(y) else (y, x)
    return short == long or (len(short) >= 3 and long.startswith(short))


def _acronym_of(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    if len(long) < 2:
        return False
    letters = "".join(w[0] for w in long)
    return any(w == letters or (len(w) >= 3 and w in letters) for w in short)
