"""The checkpoint of one OAI-PMH window, typed and versioned.

It is stored as JSON in ``harvest_state`` under ``oai:<prefix>:<set>`` and committed
with each page.  A checkpoint written by an older unioncat is read through
:func:`WindowState.from_json`, which migrates it step by step (version 0 is the free
dict written before checkpoints had a version).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

STATE_VERSION = 1
BOUNDARY_CAP = 10_000  # boundary records kept at most (identifier|datestamp)


@dataclass(slots=True)
class WindowState:
    """Where one window of one set stands.

    ``window_from`` is what the window asked ``from``; ``window_started`` the server's
    clock when it started (the next window's high-water mark once it completes);
    ``token`` the resumption token of the next page (None when the window is complete);
    ``boundary`` the records met at the end of the last complete window (dropped when
    met again unchanged), ``boundary_next`` those collected so far for the next one.
    """

    granularity: str = "YYYY-MM-DD"
    window_from: str | None = None
    window_started: str | None = None
    token: str | None = None
    complete: bool = False
    pages: int = 0
    high_water: str | None = None
    boundary: list[str] = field(default_factory=list)
    boundary_next: list[str] = field(default_factory=list)
    list_size: str | None = None
    version: int = STATE_VERSION

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> WindowState:
        if not data:
            return cls()
        values = dict(data)
        for step in _MIGRATIONS[int(values.get("version", 0)) :]:
            values = step(values)
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def resumable(self) -> bool:
        """An unfinished window with a token to resume from."""
        return bool(self.token) and not self.complete


def _v0_to_v1(values: dict[str, Any]) -> dict[str, Any]:
    """Version 0 had the same keys, without ``version``; lists may be missing."""
    values.setdefault("boundary", [])
    values.setdefault("boundary_next", [])
    values["version"] = 1
    return values


_MIGRATIONS = (_v0_to_v1,)


@dataclass(frozen=True, slots=True)
class SweepState:
    """The checkpoint of a deletion sweep: when it ran and how many ids were listed."""

    swept_at: str
    present: int

    @classmethod
    def now(cls, present: int) -> SweepState:
        return cls(datetime.now(UTC).isoformat(timespec="seconds"), present)

    def to_json(self) -> dict[str, Any]:
        return {"swept_at": self.swept_at, "present": self.present}
