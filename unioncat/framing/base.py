"""The framer registry: which framers exist, and which ones each format is read with.

A framer turns the bytes of a file into record payloads, one :class:`Frame` each, and
knows nothing else about the format (RecordManager's record splitters, pymarc's
readers before they parse).  A format declares the framers its files can come in, the
primary one first (``marc``: ISO 2709, then MARCXML, MARC-in-JSON and MARCMaker); a
file is read with the first of them whose ``sniff`` recognises its first bytes, or with
the primary one, whose error then says what the file is not.  The framer's name is
the wire format written on every envelope it frames, so the normalizer knows what it
holds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from unioncat.errors import ConfigError

# The most one record may cost, in any framing: past it a record is quarantined with
# its first RECORD_LIMIT bytes (and its position, to find the rest in the file), so one
# damaged or hostile record cannot hold the run's memory.
RECORD_LIMIT = 16 << 20


@dataclass(slots=True)
class Frame:
    """One framed record: its bytes, its ordinal in the file, or why it could not be read."""

    payload: bytes
    position: int
    error: str | None = None
    note: str | None = None  # what was mended to read it (an HTML entity, say)


FrameFunction = Callable[[IO[bytes]], Iterator[Frame]]
Sniff = Callable[[bytes], bool]


@dataclass(frozen=True, slots=True)
class Framer:
    name: str
    frame: FrameFunction
    sniff: Sniff
    description: str


FRAMERS: dict[str, Framer] = {}
FORMAT_FRAMERS: dict[str, tuple[str, ...]] = {}
# Formats declare their framers when their module is loaded; the normalize stage, which
# loads a format when it is first asked for, lends framing its loaders (framing never
# imports the formats): (load one format by name, load them all).
_LOADERS: list[tuple[Callable[[str], bool], Callable[[], None]]] = []


def lend_format_loaders(load: Callable[[str], bool], load_all: Callable[[], None]) -> None:
    _LOADERS[:] = [(load, load_all)]


def register_framer(
    name: str, *, sniff: Sniff, description: str
) -> Callable[[FrameFunction], FrameFunction]:
    """Register a framer under ``name`` (the wire format of the envelopes it makes)."""

    def deco(fn: FrameFunction) -> FrameFunction:
        FRAMERS[name] = Framer(name, fn, sniff, description)
        return fn

    return deco


def declare_format(fmt: str, framers: tuple[str, ...]) -> None:
    """Say which framers files of format ``fmt`` are read with, the primary one first."""
    unknown = [f for f in framers if f not in FRAMERS]
    if unknown:
        raise ValueError(f"format {fmt!r} names unregistered framers: {', '.join(unknown)}")
    FORMAT_FRAMERS[fmt] = framers


def framers_for(fmt: str) -> list[Framer]:
    """The framers of a format; a format read only over a protocol has none."""
    if fmt not in FORMAT_FRAMERS:
        for load, _ in _LOADERS:
            load(fmt)
    return [FRAMERS[name] for name in FORMAT_FRAMERS.get(fmt, ())]


def file_formats() -> list[str]:
    for _, load_all in _LOADERS:
        load_all()
    return sorted(FORMAT_FRAMERS)


def check_file_format(fmt: str, where: str) -> None:
    """Refuse, before any work, a format that files cannot be read in."""
    if not framers_for(fmt):
        raise ConfigError(
            f"{where}: format {fmt!r} cannot be read from files (it has no framer); "
            f"formats files can be read in: {', '.join(file_formats())}",
            stage="config",
        )


def pick(fmt: str, head: bytes) -> Framer:
    """The framer for a file of format ``fmt`` whose first bytes are ``head``."""
    framers = framers_for(fmt)
    if not framers:
        raise ConfigError(
            f"format {fmt!r} has no framer (formats register theirs when unioncat.normalize "
            "is imported)",
            stage="framing",
        )
    for framer in framers:
        if framer.sniff(head):
            return framer
    return framers[0]
