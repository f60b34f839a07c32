"""The catalog the tests of this folder write into: a new file, one run begun."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from unioncat.catalog import Catalog


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    c = Catalog(tmp_path / "c.duckdb")
    c.start_run("r1", "test")
    yield c
    c.close()
