"""Harvesters, one module per source kind (see :mod:`.kinds`), loaded when a kind is
first asked for."""

from unioncat.harvest.base import HARVESTERS, Harvester, Page, RawEnvelope

__all__ = ["HARVESTERS", "Harvester", "Page", "RawEnvelope"]
