"""Normalizers, one module per format; importing this package registers them all."""

from unioncat.normalize import marc as _marc  # noqa: F401  (registers "marc")
from unioncat.normalize.base import NORMALIZERS, Normalizer

__all__ = ["NORMALIZERS", "Normalizer"]
