"""Text and attribute values written into XML by hand, safely.

The provider writes its responses as strings (an element tree per record costs more
than the whole response otherwise), so every value a record holds passes through here:
markup characters escaped, and characters XML 1.0 cannot carry at all (C0 controls
other than tab, newline and carriage return; lone surrogates; U+FFFE and U+FFFF)
dropped, since a harvester's parser would stop at the first one.
"""

from __future__ import annotations

import re

_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# anything text() must change; most values hold none of it, and one search says so
_TEXT_NEEDS = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ATTR_NEEDS = re.compile('[&<>"\t\n\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]')
_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTR = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;",
                       "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"})  # fmt: skip


def text(value: object) -> str:
    s = value if isinstance(value, str) else str(value)
    if not _TEXT_NEEDS.search(s):
        return s
    return _ILLEGAL.sub("", s).translate(_TEXT)


def attr(value: object) -> str:
    s = value if isinstance(value, str) else str(value)
    if not _ATTR_NEEDS.search(s):
        return s
    return _ILLEGAL.sub("", s).translate(_ATTR)


def element(name: str, value: object) -> str:
    return f"<{name}>{text(value)}</{name}>"
