"""Volume, issue and pages of a host item's enumeration, as citations write them.

The MARC 773 ``$g`` ("Vol. 12, no. 3 (2004), p. 45-67", or the compact ``12:3<45``) and
the source statements of Dublin Core records say where an article sits in its journal
the same way; both mappings read them here, so that a harvest of ``oai_dc`` does not
load the MARC mapping to do it.
"""

from __future__ import annotations

import re

# \b before each caption: without it "Nov. 2004" read as "v. 2004", "Jan. 2004" as
# issue "n. 2004" and "Sept. 2004" as page "p. 2004".
_G_VOLUME = re.compile(r"\b(?:v(?:ol)?\.?|Bd\.?|t\.)\s*(\d+[a-z]?)", re.I)
_G_ISSUE = re.compile(r"\b(?:no\.?|n\.|issue|Heft|H\.|nr\.?)\s*(\d+[\-/]?\d*)", re.I)
_G_PAGES = re.compile(r"\b(?:p\.?|pp\.?|S\.)\s*(\d+)\s*(?:[-\u2013]\s*(\d+))?", re.I)
# The 773 $q / $g enumeration "12:3<45" has no closing ">" (MARC 21 773 $q).
_G_COMPACT = re.compile(r"^\s*(\d+)(?::(\d+))?(?:\s*\((\d{4})\))?(?:\s*<(\d+)>?)?")


def parse_related_parts(g: str) -> tuple[str | None, str | None, str | None, str | None]:
    """Volume, issue, first and last page from a 773 $g.

    Such as ``Vol. 12, no. 3 (2004), p. 45-67`` or the compact ``12:3<45``.
    """
    volume = issue = first = last = None
    m = _G_VOLUME.search(g)
    if m:
        volume = m.group(1)
    m = _G_ISSUE.search(g)
    if m:
        issue = m.group(1)
    m = _G_PAGES.search(g)
    if m:
        first, last = m.group(1), m.group(2)
    if volume is None:
        m = _G_COMPACT.match(g)
        if m:
            volume, issue = m.group(1), m.group(2) or issue
            first = m.group(4) or first
    return volume, issue, first, last
