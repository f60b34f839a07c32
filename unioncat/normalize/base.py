"""The normalize stage: protocol and registry.

A normalizer is a pure function from one envelope to records: no I/O, no clock, no
globals, so the same code runs in a test, in ``renormalize`` and on a cluster.  A
record it cannot map raises :class:`~unioncat.errors.RecordError` with a reason a
cataloger can act on; the catalog quarantines that envelope and the batch goes on.
"""

from __future__ import annotations

from collections.abc import Callable

from unioncat.harvest.base import RawEnvelope
from unioncat.schemas.record import Record

Normalizer = Callable[[RawEnvelope], list[Record]]

NORMALIZERS: dict[str, Normalizer] = {}


def register(name: str) -> Callable[[Normalizer], Normalizer]:
    def deco(fn: Normalizer) -> Normalizer:
        NORMALIZERS[name] = fn
        return fn

    return deco
