"""The harvest stage: protocol, envelopes, pages and the registry of source kinds.

A harvester speaks one protocol and never parses metadata.  It yields pages; each page
carries the checkpoint that becomes true once the page is committed, so the catalog can
commit the page's envelopes, records and harvest state in one transaction (state kept
beside the data it describes).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Protocol

from unioncat.contracts import Page, RawEnvelope, SourceSpec
from unioncat.harvest.kinds import load, load_all
from unioncat.registry import Registry

__all__ = ["HARVESTERS", "Harvester", "Page", "RawEnvelope", "register"]


class Harvester(Protocol):
    """Yields pages for one source, resuming from the committed ``state`` (the
    checkpoints it wrote before, by key).

    ``check_format`` refuses, before any work starts, a format the harvester cannot
    deliver (a file format without a framer)."""

    kind: ClassVar[str]
    options: ClassVar[type]

    @staticmethod
    def check_format(fmt: str, where: str) -> None: ...

    def harvest(
        self, spec: SourceSpec, state: Mapping[str, Mapping[str, Any]]
    ) -> Iterator[Page]: ...


HARVESTERS: Registry[type[Harvester]] = Registry(load, load_all)


def register(cls: type[Harvester]) -> type[Harvester]:
    HARVESTERS[cls.kind] = cls
    return cls
