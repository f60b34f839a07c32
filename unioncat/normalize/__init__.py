"""Normalizers, one module per format; importing this package registers them all."""

from unioncat.normalize import bibframe as _bibframe  # noqa: F401  (registers "bibframe")
from unioncat.normalize import bibtex as _bibtex  # noqa: F401  (registers "bibtex")
from unioncat.normalize import crossref as _crossref  # noqa: F401  (registers "crossref")
from unioncat.normalize import estudy as _estudy  # noqa: F401  (registers "estudy")
from unioncat.normalize import jats as _jats  # noqa: F401  (registers "jats")
from unioncat.normalize import jsonld as _jsonld  # noqa: F401  (registers "jsonld")
from unioncat.normalize import kbart as _kbart  # noqa: F401  (registers "kbart")
from unioncat.normalize import kbart_check as _kbart_check  # noqa: F401  (checks "kbart")
from unioncat.normalize import marc as _marc  # noqa: F401  (registers "marc")
from unioncat.normalize import medline as _medline  # noqa: F401  (registers "medline")
from unioncat.normalize import mods as _mods  # noqa: F401  (registers "mods")
from unioncat.normalize import noteexpress as _noteexpress  # noqa: F401  (registers "noteexpress")
from unioncat.normalize import oai_dc as _oai_dc  # noqa: F401  (registers "oai_dc")
from unioncat.normalize import onix as _onix  # noqa: F401  (registers "onix")
from unioncat.normalize import ris as _ris  # noqa: F401  (registers "ris")
from unioncat.normalize import wos as _wos  # noqa: F401  (registers "wos")
from unioncat.normalize.base import CHECKERS, NORMALIZERS, Normalizer

__all__ = ["CHECKERS", "NORMALIZERS", "Normalizer"]
