"""The rolling-window deletion guard as settings: what the pipeline file says, kept apart
from the deletion rules (:mod:`~unioncat.catalog.deletions`) so that reading the
configuration does not load the catalog's writing code."""

from __future__ import annotations

from dataclasses import dataclass

# A source may always lose this many records within the window, whatever its size: a
# share of a small source is a handful of records.
DELETION_FLOOR = 10


@dataclass(frozen=True, slots=True)
class DeletionGuard:
    """At most ``fraction`` of a source's records may be tombstoned within the last
    ``window_days`` days (0: within one run), and always ``floor`` of them."""

    fraction: float
    window_days: float
    floor: int = DELETION_FLOOR
