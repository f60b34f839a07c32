"""A fresh DuckDB catalog for each test of the dedupe stage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from unioncat.catalog import Catalog


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    c = Catalog(tmp_path / "c.duckdb")
    yield c
    c.close()
