"""Framing: a file's bytes cut into record payloads, by a framer its format names.

``frame_file`` is what the ``files`` harvester and ``convert`` call: it undoes gzip,
reads the first bytes, picks the framer (:func:`unioncat.framing.base.pick`) and returns
the framer's name (the envelopes' wire format) with the frames.  Formats register
their framers with :func:`register_framer` and :func:`declare_format`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import IO

from unioncat.framing.base import (
    FORMAT_FRAMERS,
    FRAMERS,
    Frame,
    Framer,
    check_file_format,
    declare_format,
    file_formats,
    framers_for,
    lend_format_loaders,
    pick,
    register_framer,
)
from unioncat.framing.stream import GZIP_ERRORS, HeadStream, gzip_fault, open_maybe_gzip
from unioncat.log import event

__all__ = [
    "FORMAT_FRAMERS",
    "FRAMERS",
    "Frame",
    "Framer",
    "check_file_format",
    "declare_format",
    "file_formats",
    "frame_file",
    "framers_for",
    "lend_format_loaders",
    "noting_repairs",
    "open_maybe_gzip",
    "pick",
    "register_framer",
]


def frame_file(raw: IO[bytes], fmt: str) -> tuple[str, Iterator[Frame]]:
    """The wire format and the frames of a file of format ``fmt`` (plain or gzip).

    A gzip stream too damaged to read its first bytes gives one error frame (named by
    the format's primary framer) instead of an exception."""
    try:
        stream = HeadStream(open_maybe_gzip(raw))
    except GZIP_ERRORS as exc:
        return framers_for(fmt)[0].name, iter([Frame(b"", 0, error=gzip_fault(exc))])
    framer = pick(fmt, stream.head)
    return framer.name, framer.frame(stream)  # type: ignore[arg-type]


def noting_repairs(frames: Iterator[Frame], source: str, name: str) -> Iterator[Frame]:
    """The frames unchanged; at the end of the file, one log line says which records
    had to be mended to be read (how many, the first few, and how)."""
    count = 0
    first: list[str] = []
    for frame in frames:
        if frame.note:
            count += 1
            if len(first) < 5:
                first.append(f"record {frame.position} ({frame.note})")
        yield frame
    if count:
        event(
            "framing.repaired",
            f"{source}: {name}: {count} record(s) mended to be read: {'; '.join(first)}"
            + (" ..." if count > len(first) else ""),
            logging.WARNING,
            source=source,
            file=name,
            repaired=count,
        )
