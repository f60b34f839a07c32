"""Identifier normalisation shared by every format.

Checksums come from python-stdnum, which knows the ISBN, ISSN and ISMN rules better
than code we would write; what is ours is the mapping into :class:`Identifier`: the
normalised ``value`` used for matching, the ``raw`` text, and a ``status`` that keeps an
invalid or cancelled number instead of dropping it.
"""

from __future__ import annotations

import functools
import re
from types import ModuleType

from unioncat.compiled import MARC_CORE
from unioncat.schemas.record import Identifier


class _Stdnum:
    """python-stdnum's modules, imported when a number is first checked: a command that
    checks none (``status``, ``find`` by words) does not pay for them."""

    isbn: ModuleType
    ismn: ModuleType
    issn: ModuleType
    ValidationError: type[Exception]

    def __getattr__(self, name: str) -> object:
        if name not in ("isbn", "ismn", "issn", "ValidationError"):
            raise AttributeError(name)
        from stdnum import isbn, ismn, issn
        from stdnum.exceptions import ValidationError

        self.isbn, self.ismn, self.issn = isbn, ismn, issn
        self.ValidationError = ValidationError
        return getattr(self, name)


_stdnum = _Stdnum()

_ISBN_CANDIDATE = re.compile(r"(97[89][\d\- ]{10,14}|[\dXx][\d\- ]{8,12}[\dXx])")
# A Standard Book Number (UK, before 1970) is nine digits: an ISBN-10 without its
# leading 0.  Only a bare nine-digit number is read as one.
_SBN = re.compile(r"^\s*(\d{8}[\dXx])(?=\s|$|\s*[(:;])")
_QUALIFIER = re.compile(r"\(([^)]*)\)")
_ISSN_CANDIDATE = re.compile(r"(\d{4})\s*-?\s*(\d{3}[\dXx])")
_DOI = re.compile(r"(10\.\d{4,9}/\S+)")
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_ORCID = re.compile(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", re.I)
_OCLC = re.compile(r"^\s*(?:\(OCoLC\)|\(OCLC\))?\s*(?:ocm|ocn|on)?\s*0*(\d+)\s*$", re.I)
# compiled here rather than written as ``re.sub(pattern, ...)`` where they are used: each
# such call looks its pattern up in re's cache, which a record pays some forty times
_SEPARATORS = re.compile(r"[\- ]")
_SPACES = re.compile(r"\s+")
_LCCN_CHARS = re.compile(r"[A-Za-z0-9\-/]*")
_NOT_LCCN_CHARS = re.compile(r"[^A-Za-z0-9\-/]")
_LCCN = re.compile(r"[a-z]{0,3}(?:\d{8}|\d{10})")
_OCLC_PREFIX = re.compile(r"^\s*\((OCoLC|OCLC)\)", re.I)


def _clean_qualifier(text: str) -> str | None:
    q = text.strip(" :;,.()[]").strip()
    return q or None


def _isbn(raw: str, *, status: str = "valid", qualifier: str | None = None) -> Identifier | None:
    """ISBN-10 or -13 to 13 digits; a bad checksum keeps the number with status invalid.

    The reference for the compiled core's ``isbn_parts``, which reads the usual 020 (ASCII,
    an ISBN in it) at a fifth of the cost and leaves the rest to this function."""
    text = raw.strip()
    m = _ISBN_CANDIDATE.search(text)
    sbn = _SBN.match(text) if m is None else None
    if sbn is not None and _stdnum.isbn.is_valid("0" + sbn.group(1)):
        m = sbn
    if not m:
        return None
    digits = _SEPARATORS.sub("", m.group(1)).upper()
    if len(digits) == 9:
        digits = "0" + digits
    rest = (text[: m.start()] + text[m.end() :]).strip()
    quals = [q for q in (_clean_qualifier(x) for x in _QUALIFIER.findall(rest)) if q]
    if not quals and rest:
        extra = _clean_qualifier(rest)
        if extra:
            quals.append(extra)
    if qualifier:
        # The caller's qualifier (020 $q) gets the same cleaning as one written in $a, so
        # "$q (pbk.)", "$q pbk." and "$a ... (pbk.)" all give "pbk".
        given = [q for q in (_clean_qualifier(x) for x in qualifier.split(";")) if q]
        quals[:0] = given
    qual = "; ".join(dict.fromkeys(quals)) or None
    value = isbn13(digits)
    if not value:
        if status == "valid":
            status = "invalid"
        value = digits
    return Identifier("isbn", value, qual, status, raw)


def _isbn_compiled(
    raw: str, *, status: str = "valid", qualifier: str | None = None
) -> Identifier | None:
    found: Identifier | None = MARC_CORE.isbn_identifier(raw, qualifier, status, Identifier, _isbn)
    return found


isbn = _isbn if MARC_CORE is None else _isbn_compiled
isbn_reference = _isbn  # what the compiled core leaves to Python


def _isbn13(digits: str) -> str:
    """The ISBN-13 of bare ISBN digits, ``""`` when they are no valid ISBN: python-stdnum's
    rules, the reference the compiled core's ``isbn13`` is tested against."""
    try:
        return str(_stdnum.isbn.to_isbn13(_stdnum.isbn.validate(digits))).replace("-", "")
    except _stdnum.ValidationError:
        return ""


def _isbn13_compiled(digits: str) -> str:
    found: str | None = MARC_CORE.isbn13(digits)
    return _isbn13(digits) if found is None else found


isbn13 = _isbn13 if MARC_CORE is None else _isbn13_compiled


def issn(raw: str, *, scheme: str = "issn", status: str = "valid") -> Identifier | None:
    m = _ISSN_CANDIDATE.search(raw)
    if not m:
        return None
    value = f"{m.group(1)}-{m.group(2).upper()}"
    if status == "valid" and not _issn_checks(value):
        status = "invalid"
    return Identifier(scheme, value, None, status, raw)


@functools.lru_cache(maxsize=1 << 16)
def _issn_checks(value: str) -> bool:
    """Whether the check digit holds.  A feed names the same few journals thousands of
    times (every article of a Crossref page carries its journal's ISSNs), and stdnum's
    validation costs more than the rest of reading one."""
    try:
        _stdnum.issn.validate(value)
    except _stdnum.ValidationError:
        return False
    return True


def ismn(raw: str, *, status: str = "valid") -> Identifier | None:
    text = raw.strip().split(" ")[0]
    try:
        value = _stdnum.ismn.to_ismn13(_stdnum.ismn.validate(text)).replace("-", "")
    except _stdnum.ValidationError:
        value = _SEPARATORS.sub("", text)
        if status == "valid":
            status = "invalid"
    return Identifier("ismn", value, None, status, raw) if value else None


def doi(raw: str) -> Identifier | None:
    """DOI in lower case without resolver prefix (DOIs are case-insensitive)."""
    text = _DOI_PREFIX.sub("", raw.strip())
    m = _DOI.search(text)
    if not m:
        return None
    value = _strip_doi_tail(m.group(1)).lower()
    return Identifier("doi", value, None, "valid", raw)


def orcid(raw: str) -> Identifier | None:
    """ORCID iD in its bare form (upper-case X), from a URI or as written."""
    m = _ORCID.search(raw)
    return Identifier("orcid", m.group(1).upper(), None, "valid", raw) if m else None


def _strip_doi_tail(value: str) -> str:
    """Drop punctuation that ends the sentence, not the DOI.

    A closing parenthesis belongs to the DOI when it closes one opened inside it
    (``10.1016/S0140-6736(09)61965-6``, ``10.1234/abc(1)``); only an unmatched one, as in
    "(doi:10.1234/abc)", is trailing punctuation.
    """
    while value and value[-1] in ".,;)":
        if value[-1] == ")" and value.count("(") >= value.count(")"):
            break
        value = value[:-1]
    return value


def _lccn(raw: str, *, status: str = "valid") -> Identifier | None:
    """LCCN normalised by the Library of Congress rule (info:lccn/ normalisation).

    Remove blanks, cut at a slash, and if a hyphen is present, left-pad the part after
    it with zeros to six digits.  The reference of the compiled core's ``_lccn_parts``.
    """
    text = _SPACES.sub("", raw)
    if not _LCCN_CHARS.fullmatch(text):
        # a stray character ("\u02b9  75002321" in a real 010) is dropped from the value
        # used for matching, and the number is flagged: the raw text keeps what was there
        text = _NOT_LCCN_CHARS.sub("", text)
        if status == "valid":
            status = "invalid"
    text = text.split("/")[0]
    if "-" in text:
        left, right = text.split("-", 1)
        if right.isdigit():
            text = left + right.zfill(6)
        else:
            text = left + right
    text = text.lower()
    # A normalised LCCN is a prefix of up to three letters and either 8 digits (2-digit
    # year + 6-digit serial) or 10 digits (4-digit year from 2001 + serial); 9 is neither.
    if not text or not _LCCN.fullmatch(text):
        if not text:
            return None
        status = "invalid" if status == "valid" else status
    return Identifier("lccn", text, None, status, raw)


def _lccn_compiled(raw: str, *, status: str = "valid") -> Identifier | None:
    found: Identifier | None = MARC_CORE.lccn_identifier(raw, status, Identifier, _lccn)
    return found


lccn = _lccn if MARC_CORE is None else _lccn_compiled
lccn_reference = _lccn


def oclc(raw: str) -> Identifier | None:
    m = _OCLC.match(raw)
    if not m:
        return None
    return Identifier("oclc", m.group(1), None, "valid", raw)


def is_oclc_prefixed(raw: str) -> bool:
    return bool(_OCLC_PREFIX.match(raw))
