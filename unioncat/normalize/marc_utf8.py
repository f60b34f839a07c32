"""A fast reader for UTF-8 ISO 2709 records that gives the same pymarc objects.

pymarc's reader builds every field through ``Field.__init__`` and answers
``get_fields(tag)`` by scanning all fields, which is most of the cost of mapping a
record.  This reader walks the directory once, decodes each field's bytes in one go,
builds pymarc ``Field`` objects without re-validating them, and indexes fields by tag.
It accepts only what it can read exactly as pymarc does (UTF-8 records with ASCII
indicators and subfield codes); anything else returns ``None`` and the caller uses
pymarc, the reference and the fallback for MARC-8 and odd records.  A test compares the
two readers on every shared MARC file.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pymarc
from pymarc import Field, Subfield
from pymarc.field import Indicators

from unioncat.compiled import MARC_CORE

_FT = 0x1E  # field terminator
_SF = "\x1f"  # subfield delimiter


_NO_FIELDS: list[Field] = []


class IndexedRecord(pymarc.Record):
    """A pymarc Record whose ``get_fields`` looks tags up in an index."""

    def __init__(self, leader: str, fields: list[Field]) -> None:
        self.leader = pymarc.Leader(leader)
        self.fields = fields
        self.pos = 0
        self.force_utf8 = True
        self.to_unicode = True
        index: dict[str, list[Field]] = {}
        for f in fields:
            index.setdefault(f.tag, []).append(f)
        self._index = index

    def get_fields(self, *tags: str) -> list[Field]:  # type: ignore[override]
        """Fields with these tags, in record order.  For one tag the index's own list is
        returned (mapping only reads it; copying it for every lookup cost a tenth of
        the mapping time)."""
        if not tags:
            return self.fields
        if len(tags) == 1:
            return self._index.get(tags[0], _NO_FIELDS)
        wanted = set(tags)
        return [f for f in self.fields if f.tag in wanted]

    def add_field(self, *fields: Field) -> None:
        for f in fields:
            self.fields.append(f)
            self._index.setdefault(f.tag, []).append(f)


def _control(tag: str, data: str) -> Field:
    f = Field.__new__(Field)
    f.tag = tag
    f.data = data
    f._indicators = None
    f.subfields = []
    f.control_field = True
    return f


_new_tuple = tuple.__new__  # a Subfield without namedtuple's Python-level __new__


def _data(tag: str, ind: Indicators, subfields: list[Subfield]) -> Field:
    f = Field.__new__(Field)
    f.tag = tag
    f.data = None
    f._indicators = ind
    f.subfields = subfields
    f.control_field = False
    return f


_BLANKS = Indicators(" ", " ")


def _read_utf8(data: bytes) -> IndexedRecord | None:
    """The record, or ``None`` when only pymarc can say what it holds."""
    if len(data) < 25 or data[9:10] != b"a":
        return None
    try:
        leader = data[:24].decode("ascii")
        # int() strips whitespace (a form feed too) where the standard wants five
        # digits; only digits are numbers here, as in pymarc's path.
        if not (data[:5].isdigit() and data[12:17].isdigit()):
            return None
        base = int(data[12:17])
        if base <= 24 or base >= len(data) or int(data[:5]) > len(data):
            return None
        directory = data[24 : base - 1].decode("ascii")
        if len(directory) % 12:
            return None
        fields: list[Field] = []
        for i in range(0, len(directory), 12):
            tag = directory[i : i + 3]
            if not directory[i + 3 : i + 12].isdigit():
                return None
            length = int(directory[i + 3 : i + 7])
            start = base + int(directory[i + 7 : i + 12])
            raw = data[start : start + length - 1]
            if tag < "010" and tag.isdigit():
                fields.append(_control(tag, raw.decode("utf-8")))
                continue
            text = raw.decode("utf-8")
            parts = text.split(_SF)
            head = parts[0]
            if len(head) == 2 and head.isascii():
                ind = Indicators(head[0], head[1]) if head != "  " else _BLANKS
            else:
                return None  # missing, extra or non-ASCII indicators: pymarc's way
            subfields = []
            for part in parts[1:]:
                if not part:
                    continue
                code = part[0]
                if not code.isascii():
                    return None
                subfields.append(_new_tuple(Subfield, (code, part[1:])))
            fields.append(_data(tag, ind, subfields))
    except (UnicodeDecodeError, ValueError):
        return None
    if not fields:
        return None
    return IndexedRecord(leader, fields)


# The compiled core's reader when it is built: the same records accepted and refused,
# its fields offering the same reader API (``unioncat.marc_core``).
read_utf8: Callable[[bytes], Any] = MARC_CORE.read_utf8 if MARC_CORE else _read_utf8
read_utf8_pure = _read_utf8
# What the mapping takes as already indexed by tag.
INDEXED: tuple[type, ...] = (IndexedRecord, MARC_CORE.MarcRecord) if MARC_CORE else (IndexedRecord,)
