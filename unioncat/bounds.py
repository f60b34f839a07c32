"""The range of every numeric setting, declared beside the setting itself.

A value that passes its type check can still wreck a run: a page size of 0 commits one
record per transaction, a negative overlap moves the next OAI window into the future,
a timeout of 0 fails every request.  Each numeric option is therefore declared with
:func:`bounded`, and :func:`check_bounds` refuses, before any work starts, a value
outside its range with the range in the message.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from unioncat.errors import ConfigError

_KEY = "unioncat.range"


@dataclasses.dataclass(frozen=True, slots=True)
class Range:
    low: float
    high: float
    low_open: bool = False  # the low end itself is not allowed (a timeout of 0)
    unit: str = ""

    def admits(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        above = value > self.low if self.low_open else value >= self.low
        return above and value <= self.high

    def describe(self) -> str:
        unit = f" {self.unit}" if self.unit else ""
        low = f"above {_num(self.low)}" if self.low_open else f"from {_num(self.low)}"
        return f"{low} to {_num(self.high)}{unit}"


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def bounded(
    default: float,
    low: float,
    high: float,
    *,
    low_open: bool = False,
    unit: str = "",
) -> Any:
    """A dataclass field whose value must lie in [low, high] (or (low, high])."""
    return dataclasses.field(default=default, metadata={_KEY: Range(low, high, low_open, unit)})


def range_of(cls: type, name: str) -> Range | None:
    for f in dataclasses.fields(cls):
        if f.name == name:
            found = f.metadata.get(_KEY)
            return found if isinstance(found, Range) else None
    return None


def check_bounds(obj: Any, where: str = "", written: dict[str, str] | None = None) -> None:
    """Refuse the first field of ``obj`` outside its declared range.

    ``written`` maps a field name to the key as the user wrote it (an alias such as
    ``batch_size`` for ``page_size``), so the message names what is in the file."""
    for f in dataclasses.fields(obj):
        bound = f.metadata.get(_KEY)
        if not isinstance(bound, Range):
            continue
        value = getattr(obj, f.name)
        if value is None:
            continue
        if not bound.admits(float(value)):
            key = (written or {}).get(f.name, f.name)
            prefix = f"{where}." if where else ""
            raise ConfigError(
                f"{prefix}{key} is {value!r}, outside its range: it must be {bound.describe()}",
                stage="config",
                hint=f"set {key} within the range, or remove it to use the default "
                f"({_num(f.default)})",  # type: ignore[arg-type]
            )
