"""Reading a record as the catalog holds it (a dict per row, structs as dicts): what
every writer of it asks the same way."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def items(value: Any) -> list[Mapping[str, Any]]:
    """The structs of a list column (contributors, identifiers...), none when empty."""
    return [v for v in (value or []) if isinstance(v, Mapping)]


def full_title(row: Mapping[str, Any]) -> str | None:
    """Title and subtitle as a display title: ``Title : subtitle``."""
    title, subtitle = row.get("title"), row.get("subtitle")
    if title and subtitle:
        return f"{title} : {subtitle}"
    return title or subtitle
