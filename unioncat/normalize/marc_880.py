"""880 alternate graphic representation: pairing original-script fields with their
romanized counterparts.

A field in the record's main script carries ``$6 880-NN`` and its original-script form
is the 880 whose ``$6`` reads ``TAG-NN`` (``$6 100-01/$1``, or ``100-01 /(2/r`` with a
blank before the script code, as some vendors write it).  Occurrence ``00`` marks an
880 with no romanized counterpart: the only form of that field the record has.

Only the reader API subset of :mod:`unioncat.normalize.marc` is used (``get_fields``,
``get_subfields``, ``tag``), so any reader that offers it works.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pymarc


_LINK = re.compile(r"^\s*(\d{3})-(\d{2})")


def _link(field: pymarc.Field) -> tuple[str, str] | None:
    for value in field.get_subfields("6"):
        m = _LINK.match(value or "")
        if m:
            return m.group(1), m.group(2)
    return None


class Script880:
    """The 880 fields of one record, indexed by the field and occurrence they pair with."""

    __slots__ = ("_paired", "_unlinked")

    def __init__(self, record: pymarc.Record) -> None:
        self._paired: dict[tuple[str, str], pymarc.Field] = {}
        self._unlinked: dict[str, list[pymarc.Field]] = {}
        for f in record.get_fields("880"):
            link = _link(f)
            if link is None:
                continue
            tag, occurrence = link
            if occurrence == "00":
                self._unlinked.setdefault(tag, []).append(f)
            else:
                self._paired.setdefault((tag, occurrence), f)

    def pair(self, field: pymarc.Field) -> pymarc.Field | None:
        """The 880 holding the original-script form of ``field``, if it has one."""
        if not self._paired:
            return None
        link = _link(field)
        if link is None or link[0] != "880":
            return None
        return self._paired.get((field.tag, link[1]))

    def first_pair_for(self, tag: str) -> pymarc.Field | None:
        """The first 880 paired with a field of ``tag`` (for non-repeatable fields)."""
        for (t, _occ), f in self._paired.items():
            if t == tag:
                return f
        return None

    def unlinked(self, tag: str) -> list[pymarc.Field]:
        """880s for ``tag`` with occurrence 00: original script with no romanized field."""
        return self._unlinked.get(tag, [])
