"""Harvesters, one module per source kind; importing this package registers them all."""

from unioncat.harvest import crossref as _crossref  # noqa: F401  (registers "crossref")
from unioncat.harvest import files as _files  # noqa: F401  (registers "files")
from unioncat.harvest import oai as _oai  # noqa: F401  (registers "oai-pmh")
from unioncat.harvest.base import HARVESTERS, Harvester, Page, RawEnvelope

__all__ = ["HARVESTERS", "Harvester", "Page", "RawEnvelope"]
