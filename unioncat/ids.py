"""Catalog ids: stable, opaque, minted from where a record came from.

An id depends only on ``(source, source_id)`` so re-harvesting the same record always
lands on the same row, and an id is never reused for another record.  Ids are ``uc1-``
and 20 hex digits (80 bits of BLAKE2b): collisions are out of reach for any catalog.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

ID_PREFIX = "uc1"


def mint_id(source: str, source_id: str) -> str:
    digest = hashlib.blake2b(f"{source}\x1f{source_id}".encode(), digest_size=10)
    return f"{ID_PREFIX}-{digest.hexdigest()}"


def mint_part_id(host_id: str, position: int) -> str:
    """Id of a component (a chapter from a contents note) derived from its host and place."""
    digest = hashlib.blake2b(f"{host_id}\x1f{position}".encode(), digest_size=10)
    return f"{ID_PREFIX}-{digest.hexdigest()}"


def new_run_id() -> str:
    """A run's id: when it started (sorts by time), and a few random bytes."""
    return f"{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"
