"""A blocking query that fails inside the dedupe's transaction: the failure itself is
what reaches the caller (and its explanation: DuckDB out of memory, say), not a
complaint about the aborted transaction from the cleanup after it."""

from __future__ import annotations

import duckdb
import pytest

from unioncat.catalog import Catalog
from unioncat.catalog.clusters import ClusterStore

# fails while it runs, not while it is read: DuckDB then aborts the transaction
FAILING = "SELECT CAST('not a number' AS INTEGER) AS a, 2 AS b, true AS by_id"


@pytest.mark.parametrize("limit", [None, "512MB"])
def test_the_blocking_query_s_own_error_is_raised(catalog: Catalog, limit: str | None) -> None:
    store = ClusterStore(catalog.db, limit)
    before = catalog.db.scalar("SELECT current_setting('memory_limit')")
    with pytest.raises(duckdb.ConversionException), store.transaction():
        store.numbered_pairs(lambda postings: FAILING)
    with pytest.raises(duckdb.ConversionException), store.transaction():
        store.candidate_pairs(["x"], lambda postings, probes: FAILING)
    # and the connection works on: the temporary tables went with the rollback, and the
    # blocking query's memory limit (which a rollback does not undo) was put back
    assert catalog.db.scalar("SELECT count(*) FROM duckdb_tables() WHERE temporary") == 0
    assert catalog.db.scalar("SELECT current_setting('memory_limit')") == before
