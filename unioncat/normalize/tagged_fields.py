"""The fields of one tagged-export record, in file order, continuation lines joined.

MEDLINE and Web of Science write a record as lines that begin with a tag and lines
that continue the value above them (indented six spaces in MEDLINE, three in Web of
Science).  Whether a continuation extends the value or starts a new one depends on the
tag: in Web of Science each continuation of ``AU`` is another author while one of ``TI``
is the rest of the title.  So :func:`read_fields` keeps each value's lines apart and the
format joins them (:func:`joined`) or takes them one by one.

The Chinese databases' exports (NoteExpress's ``{Field}: value``, E-Study's ``Key-名:
value``) do not indent a continuation: any line that opens no field continues the one
above, and :func:`keyed_fields` reads them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from unioncat.errors import RecordError


@dataclass(slots=True)
class TaggedField:
    tag: str
    lines: list[str] = field(default_factory=list)

    @property
    def value(self) -> str:
        return joined(self.lines)


def joined(lines: list[str]) -> str:
    return " ".join(line.strip() for line in lines if line.strip())


def read_fields(text: str, tag_line: re.Pattern[str], indent: int, what: str) -> list[TaggedField]:
    """The fields of ``text``: a line ``tag_line`` matches (groups: tag, value) opens a
    field; a line indented ``indent`` spaces continues it.  Any other non-blank line is
    damage, reported with its line number."""
    fields: list[TaggedField] = []
    pad = " " * indent
    for number, line in enumerate(text.split("\n"), start=1):
        if line.startswith(pad) and fields:  # first: most lines of a long record are
            fields[-1].lines.append(line[indent:])  # continuations (cited references)
            continue
        if not line.strip():
            continue
        m = tag_line.match(line)
        if m:
            fields.append(TaggedField(m.group(1), [m.group(2)]))
        else:
            shown = line if len(line) <= 60 else line[:57] + "..."
            raise RecordError(
                f"{what}: line {number} of the record is neither a tagged line nor the "
                f"continuation of one: {shown!r}"
            )
    return fields


def keyed_fields(
    text: str, field_line: re.Pattern[str], key: Callable[[re.Match[str]], str]
) -> dict[str, list[str]]:
    """Each field's values in file order, by ``key(match)`` of the line that opens it
    (its value is the expression's last group); a non-blank line that opens no field
    is joined, after a space, to the value above."""
    out: dict[str, list[str]] = {}
    last: list[str] | None = None
    for line in text.split("\n"):
        m = field_line.match(line)
        if m:
            last = out.setdefault(key(m), [])
            last.append(m.group(m.re.groups))
        elif line.strip() and last is not None:
            last[-1] += " " + line.strip()
    return out
