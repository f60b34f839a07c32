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

from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, Protocol

from unioncat.contracts import RawEnvelope
from unioncat.framing import declare_format, lend_format_loaders
from unioncat.normalize.formats import MODULES, load, load_all, load_check
from unioncat.registry import Registry
from unioncat.schemas.record import Record

Normalizer = Callable[[RawEnvelope], list[Record]]
NORMALIZERS: Registry[Normalizer] = Registry(load, load_all, MODULES)
lend_format_loaders(load, load_all)  # a framer asked for by format name loads the format


class FormatSettings(Protocol):
    """What a source's ``format_options:`` say about how its records are written (which
    tag a library's ILS puts its items in, say).  Frozen and picklable: the settings
    travel with each page to the mapping workers, and ``renormalize`` reads them from
    the pipeline file again, so the same archive maps the same way."""

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], where: str) -> FormatSettings: ...


# The settings class of each format that takes ``format_options``.
FORMAT_SETTINGS: Registry[type[FormatSettings]] = Registry(load, load_all)


def register(
    name: str,
    *,
    framers: tuple[str, ...] = (),
    settings: type[FormatSettings] | None = None,
) -> Callable[[Normalizer], Normalizer]:
    """Register format ``name``: its normalizer, the framers of its files, and the class
    of its settings when it takes any (the normalizer then takes them as ``settings=``)."""

    def deco(fn: Normalizer) -> Normalizer:
        NORMALIZERS[name] = fn
        if framers:
            declare_format(name, framers)
        if settings is not None:
            FORMAT_SETTINGS[name] = settings
        return fn

    return deco


def normalizer_for(fmt: str, settings: FormatSettings | None = None) -> Normalizer:
    """The normalizer of ``fmt``, told the source's settings when it has any."""
    fn = NORMALIZERS[fmt]
    if settings is None:
        return fn
    configured: Callable[..., list[Record]] = fn
    return partial(configured, settings=settings)


# A format's checker holds a whole file against the format's standard, for
# `convert --check`: findings by row and column, worded for the provider who must fix them.
Checker = Callable[[bytes, str], list[Any]]
CHECKERS: Registry[Checker] = Registry(load_check, load_all)


def register_check(name: str) -> Callable[[Checker], Checker]:
    def deco(fn: Checker) -> Checker:
        CHECKERS[name] = fn
        return fn

    return deco
