"""Export files written whole or not at all."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path


def write_whole(path: Path, chunks: Iterable[bytes]) -> None:
    """Write ``chunks`` under a temporary name beside ``path``, flush them to the disk,
    and rename: a reader never finds half a file, and a failed export leaves none."""
    tmp = path.with_name(f".{path.name}.partial")
    with tmp.open("wb") as out:
        for chunk in chunks:
            out.write(chunk)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)
