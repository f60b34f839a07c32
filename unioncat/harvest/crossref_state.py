"""The checkpoint of a ``crossref`` source's walk, typed and versioned.

Stored as JSON in ``harvest_state`` under ``crossref:<filters>`` and committed with each
page.  ``high_water`` is the day the next run asks from (less the overlap); a window
under way keeps its bounds and the cursor of its next page, so a run killed mid-window
resumes there while the cursor lives and restarts the window when it has expired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

STATE_VERSION = 1


@dataclass(slots=True)
class CrossrefState:
    """Where the walk of one filter selection stands.

    ``window_from``/``window_until`` bound the window under way (None: open on that
    side); ``started`` is the day it began by the server's clock, the high-water mark
    once an open window completes; ``cursor`` is the next page's (None once complete);
    ``total`` is Crossref's ``total-results`` at the window's first page, ``distinct``
    the DOIs fetched in it; ``shortfall`` says how far the last completed window fell
    short of its total, for ``status``."""

    high_water: str | None = None
    window_from: str | None = None
    window_until: str | None = None
    started: str | None = None
    cursor: str | None = None
    complete: bool = True
    pages: int = 0
    fetched: int = 0
    distinct: int = 0
    total: int | None = None
    shortfall: str | None = None
    version: int = STATE_VERSION

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> CrossrefState:
        if not data:
            return cls()
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        # status shows any checkpoint's `warning`, whatever the harvester
        out["warning"] = self.shortfall
        return out

    @property
    def under_way(self) -> bool:
        """A window was begun and not finished: the next run picks it up first."""
        return not self.complete and self.cursor is not None
