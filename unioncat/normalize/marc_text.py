"""Text helpers shared by the MARC mapping modules: ISBD punctuation and subfields.

Only the reader API subset documented in :mod:`unioncat.normalize.marc` is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from unioncat.compiled import MARC_CORE

if TYPE_CHECKING:
    import pymarc

_TRAILING = " /:;,=+"
# Abbreviations of one to three letters whose final period is part of the text.
_ABBREVIATIONS = frozenset(
    """ed eds inc co ltd pub jr sr st dr mr mrs ms etc al bro cie no nos vol pt pts ser
    rev enl cop ca pp ill col cm mm ff hr min sec izd off bd nr jg hft str éd tip
    ont me del ind pa md vic va vt ga ky wis fla ore mo ala ark kan mex que""".split()
)
_INITIALS = re.compile(r"(?:[^\W\d_]\.)+")
# Library of Congress pre-MARC headings carry this marker; it is never part of a name.
_OLD_CATALOG = re.compile(r"\s*\[from old catalog\]", re.I)


def _clean(text: str | None) -> str | None:
    """Strip ISBD punctuation and whitespace at the ends; keep a final period only after
    an initial or abbreviation (``Jr.``, ``J.``, ``N.Y.``, ``2nd ed.``), where it is part
    of the text.

    The period used to be kept after any word of one to three letters, so "Cole, Tim."
    and "The law." kept it while "Jarrett, Keith." lost it.  Square brackets that ISBD
    opened in one subfield and closed in another ("$b [s.n., $c 1949?]") are dropped, and
    so is the Library of Congress marker "[from old catalog]".
    """
    if text is None:
        return None
    t = " ".join(text.split())
    if "old catalog" in t:
        t = _OLD_CATALOG.sub("", t)
    t = t.strip(_TRAILING).strip()
    if t.endswith("."):
        t = _drop_final_period(t)
    if "[" in t or "]" in t:
        if t.count("[") != t.count("]"):
            t = t.replace("[", "").replace("]", "").strip(_TRAILING).strip()
        if t.startswith("[") and t.endswith("]") and t.count("[") == 1:
            t = t[1:-1].strip()
    if t.endswith("."):
        t = _drop_final_period(t)
    return t or None


def _drop_final_period(t: str) -> str:
    if not t.endswith(".") or t.endswith(".."):
        return t
    last = t.rsplit(" ", 1)[-1].lstrip("([")
    if _INITIALS.fullmatch(last) or last[:-1].lower() in _ABBREVIATIONS:
        return t
    return t[:-1].rstrip(_TRAILING)


def _sub(field: pymarc.Field, *codes: str) -> list[str]:
    """Non-blank values of the subfields ``codes``, in field order.  Reads
    ``field.subfields`` itself: this runs a hundred times per record, and going through
    ``get_subfields`` cost a tenth of the mapping."""
    if len(codes) == 1:
        code = codes[0]
        return [s.value for s in field.subfields if s.code == code and s.value.strip()]
    return [s.value for s in field.subfields if s.code in codes and s.value.strip()]


def _first_sub(field: pymarc.Field, code: str) -> str | None:
    vals = _sub(field, code)
    return vals[0] if vals else None


# The compiled core's versions of the three when it is built (the same results: see
# unioncat.compiled); these definitions are the reference.
clean: Callable[[str | None], str | None] = MARC_CORE.clean if MARC_CORE else _clean
sub: Callable[..., list[str]] = MARC_CORE.sub if MARC_CORE else _sub
first_sub: Callable[[pymarc.Field, str], str | None] = (
    MARC_CORE.first_sub if MARC_CORE else _first_sub
)


def joined(field: pymarc.Field, *codes: str) -> str | None:
    """The subfields ``codes`` joined as written (their ISBD punctuation kept), cleaned.

    "$a Gwynedd (Wales). $b Education Department." gives "Gwynedd (Wales). Education
    Department": the period between the parts of a hierarchy is part of the name.
    """
    return clean(" ".join(sub(field, *codes)))
