"""Normalizers, one module per format, loaded when a format is first asked for.

:mod:`unioncat.normalize.formats` names the module of each format; the registries here
(``NORMALIZERS``, ``CHECKERS``) load a format's module when it is looked up, and all of
them when they are listed.  ``load_all()`` loads every format at once (a framer lookup
by format name, in ``unioncat.framing``, finds only the formats loaded).
"""

from unioncat.normalize.base import CHECKERS, NORMALIZERS, Normalizer
from unioncat.normalize.formats import load, load_all

__all__ = ["CHECKERS", "NORMALIZERS", "Normalizer", "load", "load_all"]
