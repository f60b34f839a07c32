"""The one way unioncat parses XML it did not write: nothing in it can reach out.

Harvested XML is hostile until proven otherwise.  Every parser and every ``iterparse``
in the package takes these settings: no entity resolution (no XXE, no billion laughs),
no network, no DTD loading, no unbounded trees.  The XML namespaces the formats use are
named here once, so that a framer and the normalizer of its format agree on them.
"""

from __future__ import annotations

import html.entities
import re
from typing import Any

from lxml import etree

MARCXML_NS = "http://www.loc.gov/MARC21/slim"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
MODS_NS = "http://www.loc.gov/mods/v3"
XLINK_NS = "http://www.w3.org/1999/xlink"

# For etree.XMLParser and etree.iterparse alike.
SAFE_XML: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}


def secure_xml_parser(**kwargs: bool) -> etree.XMLParser:
    """An lxml parser that never resolves entities or touches the network (no XXE)."""
    return etree.XMLParser(**SAFE_XML, **kwargs)


# C0 controls but tab, LF, CR, deleted with bytes.translate (a regular expression over
# a whole page cost a quarter of its parse); and U+FFFE, U+FFFF, which XML 1.0 forbids too
_C0 = bytes(b for b in range(0x20) if b not in b"\t\n\r")
_NONCHARACTER = re.compile(rb"\xef\xbf[\xbe\xbf]")
_FORBIDDEN_REF = re.compile(
    rb"&#(?:x0*(?:[0-8bcef]|1[0-9a-f]|d[89a-f][0-9a-f]{2}|fff[ef])"
    rb"|0*(?:[0-8]|1[124-9]|2[0-9]|3[01]|5[5-7]\d{3}|655(?:34|35)));",
    re.I,
)
# an ampersand that starts no reference ("AT&T"), or a named reference XML does not
# predefine (HTML's "&nbsp;", which only a DTD we never load could declare)
_LOOSE_AMP = re.compile(rb"&(?!(?:#\d+|#x[0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)")
_NAMED_REF = re.compile(rb"&([A-Za-z][A-Za-z0-9]*);")
_XML_NAMED = frozenset({b"amp", b"lt", b"gt", b"quot", b"apos"})


def repair_xml(body: bytes, *, utf8: bool = True) -> tuple[bytes, list[str]]:
    """Mend what real repositories and exports get wrong, and say what was mended.

    One forbidden character or HTML entity makes a whole OAI-PMH page, or a record cut
    out of a file, unreadable; both paths mend it the same way so that one record lands
    alike however it came.  Characters XML 1.0 forbids are removed (tab, LF, CR kept);
    an ampersand that starts no reference is escaped; an HTML named reference becomes
    the character, written as a numeric reference so it is right in any encoding; a
    name HTML does not know either stays as literal text.  Bytes that are not UTF-8
    are replaced only when the text says it is UTF-8 (``utf8``): a Latin-1 file is no
    damaged UTF-8 one.
    """
    notes = []
    cleaned, n = body, 0
    if utf8 and b"\xef\xbf" in body:  # before the controls, as one pass would see them
        cleaned, n = _NONCHARACTER.subn(b"", body)
    kept = len(cleaned)
    cleaned = cleaned.translate(None, _C0)
    n += kept - len(cleaned)
    m = 0
    if b"&#" in cleaned:
        cleaned, m = _FORBIDDEN_REF.subn(b"", cleaned)
    if n + m:
        notes.append(f"removed {n + m} characters that XML forbids")
    if b"&" in cleaned:
        escaped = _NAMED_REF.sub(_named_ref, _LOOSE_AMP.sub(b"&amp;", cleaned))
        if escaped != cleaned:
            notes.append("escaped ampersands and entity references that XML does not know")
            cleaned = escaped
    if utf8:
        try:
            cleaned.decode("utf-8")
        except UnicodeDecodeError as exc:
            cleaned = cleaned.decode("utf-8", "replace").encode("utf-8")
            notes.append(
                f"replaced bytes that are not UTF-8 (first at byte {exc.start}) with U+FFFD"
            )
    return cleaned, notes


def _named_ref(m: re.Match[bytes]) -> bytes:
    name = m.group(1)
    if name in _XML_NAMED:
        return m.group(0)
    chars = html.entities.html5.get(name.decode("ascii") + ";")
    if not chars:
        return b"&amp;" + name + b";"
    return b"".join(b"&#x%X;" % ord(c) for c in chars)
