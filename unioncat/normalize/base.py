"""The normalize stage: protocol and registry.

A normalizer is a pure function from one envelope to records: no I/O, no clock, no
globals, so the same code runs in a test, in ``renormalize`` and on a cluster.  A
record it cannot map raises :class:`~unioncat.errors.RecordError` with a reason a
cataloger can act on; the catalog quarantines that envelope and the page goes on.

A format registers its normalizer under its name and, when its records can come in
files, the framers that cut those files into records (:mod:`unioncat.framing`), the
primary one first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from unioncat.contracts import RawEnvelope
from unioncat.framing import declare_format
from unioncat.schemas.record import Record

Normalizer = Callable[[RawEnvelope], list[Record]]

NORMALIZERS: dict[str, Normalizer] = {}


def register(name: str, *, framers: tuple[str, ...] = ()) -> Callable[[Normalizer], Normalizer]:
    """Register format ``name``: its normalizer, and the framers of its files."""

    def deco(fn: Normalizer) -> Normalizer:
        NORMALIZERS[name] = fn
        if framers:
            declare_format(name, framers)
        return fn

    return deco


# A format's checker holds a whole file against the format's standard, for
# `convert --check`: findings by row and column, worded for the provider who must fix them.
Checker = Callable[[bytes, str], list[Any]]
CHECKERS: dict[str, Checker] = {}


def register_check(name: str) -> Callable[[Checker], Checker]:
    def deco(fn: Checker) -> Checker:
        CHECKERS[name] = fn
        return fn

    return deco
