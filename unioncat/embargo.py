"""KBART embargoes: what ``embargo_info`` says, and whether an item falls behind it.

A statement is a type, a number and a unit (KBART Phase II, ``embargo_info``):

- ``R`` (range): the most recent stretch is *not* available; an item becomes reachable
  once the moving wall has passed it ("access starts at the wall").
- ``P`` (period): *only* the most recent stretch is available; an item stops being
  reachable once the wall passes it ("access ends there").
- Units are ``D``, ``M`` and ``Y`` in their calendar meaning: the unit that holds today
  counts as the first, so ``R1Y`` is the current calendar year (not the last 365 days,
  the mistake of counting a year as a fixed number of hours), ``R2Y`` this year and
  last, ``P6M`` this month and the five before it, ``R30D`` today and the 29 days
  before.

Two statements may be joined by ``;`` (``P1Y;R30D``: this year, but not its last 30
days); an item is reachable when every statement lets it through.  Pure functions, so
that the normalizer, the catalog's access answer and a report agree on every date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_STATEMENT = re.compile(r"^([RP])(\d{1,4})([DMY])$")
UNIT_WORDS = {"D": "day", "M": "calendar month", "Y": "calendar year"}


class EmbargoError(ValueError):
    """An ``embargo_info`` value KBART does not allow; the message says what it expects."""


@dataclass(frozen=True, slots=True)
class Statement:
    kind: str  # "R" or "P"
    amount: int
    unit: str  # "D", "M" or "Y"

    def wall(self, today: date) -> date:
        """The first day of the most recent stretch: ``amount`` units, today's included."""
        n = self.amount - 1
        if self.unit == "D":
            return today - timedelta(days=n)
        if self.unit == "M":
            months = today.year * 12 + (today.month - 1) - n
            return date(months // 12, months % 12 + 1, 1)
        return date(today.year - n, 1, 1)

    def lets_through(self, published: date, today: date) -> bool:
        wall = self.wall(today)
        return published < wall if self.kind == "R" else published >= wall

    def __str__(self) -> str:
        return f"{self.kind}{self.amount}{self.unit}"


@dataclass(frozen=True, slots=True)
class Embargo:
    statements: tuple[Statement, ...]

    def reachable(self, published: date, today: date) -> bool:
        """Whether an item published on ``published`` is behind none of the walls."""
        return all(s.lets_through(published, today) for s in self.statements)

    def describe(self) -> str:
        """In words, for a cataloger and for the access answer."""
        parts = []
        for s in self.statements:
            word = UNIT_WORDS[s.unit]
            if s.unit == "D":
                stretch = "today" if s.amount == 1 else f"the last {s.amount} days"
            elif s.amount == 1:
                stretch = f"the current {word}"
            else:
                before = f"{s.amount - 1} {word}" + ("s" if s.amount > 2 else "")
                stretch = f"the current {word} and the {before} before it"
            parts.append(f"{stretch} not available" if s.kind == "R" else f"only {stretch}")
        return "; ".join(parts)

    def __str__(self) -> str:
        return ";".join(str(s) for s in self.statements)


def parse_embargo(text: str | None) -> Embargo | None:
    """``embargo_info`` as written in a KBART row; None when the field is empty.

    Raises :class:`EmbargoError` naming the value and the form KBART expects."""
    value = (text or "").strip()
    if not value:
        return None
    statements = []
    for piece in value.split(";"):
        found = _STATEMENT.match(piece.strip().upper())
        if found is None:
            raise EmbargoError(
                f"embargo {value!r} is not KBART's form: R or P, a number and D, M or Y "
                "(R1Y, P6M, R30D), two statements joined by ';'"
            )
        kind, amount, unit = found.group(1), int(found.group(2)), found.group(3)
        if amount == 0:
            raise EmbargoError(f"embargo {value!r} counts 0 {UNIT_WORDS[unit]}s: leave it "
                               "empty when there is no embargo")  # fmt: skip
        statements.append(Statement(kind, amount, unit))
    if len(statements) > 2:
        raise EmbargoError(f"embargo {value!r} has {len(statements)} statements; KBART "
                           "allows at most two (one R and one P)")  # fmt: skip
    if len(statements) == 2 and statements[0].kind == statements[1].kind:
        raise EmbargoError(f"embargo {value!r} joins two {statements[0].kind} statements; "
                           "KBART joins one R and one P")  # fmt: skip
    return Embargo(tuple(statements))
