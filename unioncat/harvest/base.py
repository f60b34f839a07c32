"""The harvest stage: protocol, envelopes, pages and the registry of source kinds.

A harvester speaks one protocol and never parses metadata.  It yields pages; each page
carries the checkpoint that becomes true once the page is committed, so the catalog can
commit the page's envelopes, records and harvest state in one transaction (state kept
beside the data it describes).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Protocol

from unioncat.errors import ConfigError


@dataclass(slots=True)
class RawEnvelope:
    """One record as fetched, before any mapping.

    ``source_id`` identifies the envelope within its source (the OAI identifier, or
    ``file#position`` for a file drop); ``batch`` is the file or page it came from.
    ``record_id`` is the source's own name for the record when the protocol gives one
    (the OAI identifier): records are then keyed by it, and a deleted envelope becomes a
    tombstone for that key without being normalized.  File drops leave it ``None`` and
    the content decides (the MARC 001).
    ``error`` is set when the harvester could not even frame the bytes as a record:
    the catalog then quarantines the payload without normalizing it.
    """

    source: str
    source_id: str
    format: str
    payload: bytes
    fetched_at: datetime
    datestamp: str | None = None
    deleted: bool = False
    batch: str | None = None
    position: int | None = None
    error: str | None = None
    record_id: str | None = None


@dataclass(slots=True)
class Page:
    """Envelopes that commit together, and the harvest state that is true after them."""

    envelopes: list[RawEnvelope]
    state_key: str
    state: dict[str, Any]
    replaces_batch: str | None = None
    label: str = ""
    notes: list[str] = field(default_factory=list)
    # every record id the source holds now (a deletion sweep): the source's other
    # records are tombstoned when this page commits
    present_ids: list[str] | None = None
    # the largest share of the source's live records one sweep may tombstone: a server
    # that ends a list early, without saying how long it was, must not empty the catalog
    sweep_limit: float | None = None
    # the file this page comes from, and whether it is the file's last page: a file read
    # to its end withdraws the records its earlier version gave and this one does not
    file: str | None = None
    file_complete: bool = False


def check_sweep_fraction(value: float) -> None:
    """``sweep_max_fraction`` is a share of a source's (or a file's) records."""
    if not 0 < value <= 1:
        raise ConfigError(
            f"sweep_max_fraction must be above 0 and at most 1, not {value}", stage="config"
        )


class Harvester(Protocol):
    """Yields pages for one source, resuming from the committed ``state``."""

    kind: ClassVar[str]
    options: ClassVar[type]

    def harvest(
        self, source: str, options: Any, state: Mapping[str, dict[str, Any]]
    ) -> Iterator[Page]: ...


HARVESTERS: dict[str, type[Harvester]] = {}


def register(cls: type[Harvester]) -> type[Harvester]:
    HARVESTERS[cls.kind] = cls
    return cls
