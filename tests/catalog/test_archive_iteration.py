"""Reading the raw archive back for ``normalize`` and ``renormalize``: in the archive's
order, chunk by chunk, with no snapshot held between chunks (DuckDB would keep every
version the run's writes replace in memory), and right when rows move or leave the
archive while it is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from unioncat.catalog import Catalog, PageWrite
from unioncat.contracts import RawEnvelope

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def _env(n: int, batch: str = "f.mrc", fetched: datetime = NOW, text: str = "") -> RawEnvelope:
    return RawEnvelope(
        "s", f"{batch}#{n}", "marc21", f"payload {batch} {n}{text}".encode(), fetched,
        batch=batch, position=n,
    )  # fmt: skip


def _archive(catalog: Catalog, envelopes: list[RawEnvelope]) -> None:
    catalog.write(PageWrite("r1", envelopes=envelopes))


def test_the_archive_comes_back_in_order_in_chunks_of_the_size_asked(catalog: Catalog) -> None:
    later = NOW + timedelta(days=1)
    # written out of order: a later fetch first, positions shuffled
    _archive(catalog, [_env(n, "b.mrc", later) for n in (4, 5, 3)])
    _archive(catalog, [_env(n, "a.mrc") for n in (2, 0, 1)])
    _archive(catalog, [_env(n, "b.mrc") for n in (1, 0)])
    chunks = list(catalog.iter_raw(pending_only=False, chunk=3))
    assert [len(c) for c in chunks] == [3, 3, 2]
    got = [(e.fetched_at, e.batch, e.position) for c in chunks for e in c]
    assert got == sorted(got)
    assert [e.envelope_id for c in chunks for e in c] == [
        "a.mrc#0", "a.mrc#1", "a.mrc#2", "b.mrc#0", "b.mrc#1", "b.mrc#3", "b.mrc#4", "b.mrc#5",
    ]  # fmt: skip
    assert all(e.payload == f"payload {e.batch} {e.position}".encode() for c in chunks for e in c)


def test_a_row_written_again_while_the_archive_is_read_is_still_given(catalog: Catalog) -> None:
    """Writing an envelope again gives its row a new row id; the chunk that holds it
    finds it again by its key, with what it holds now.  (One query streaming the whole
    archive would give the bytes of its start: its snapshot, which DuckDB keeps, with
    every version the run's writes replace, in memory to the end of the run.)"""
    _archive(catalog, [_env(n) for n in range(9)])
    given: list[RawEnvelope] = []
    for i, chunk in enumerate(catalog.iter_raw(pending_only=False, chunk=3)):
        given += chunk
        if i == 0:
            _archive(catalog, [_env(7, text=" again"), _env(4, text=" again")])
    assert [e.position for e in given] == list(range(9))
    assert given[7].payload == b"payload f.mrc 7 again"
    assert given[4].payload == b"payload f.mrc 4 again"


def test_a_row_that_left_the_archive_meanwhile_is_not_given(catalog: Catalog) -> None:
    _archive(catalog, [_env(n) for n in range(9)])
    given: list[int | None] = []
    for i, chunk in enumerate(catalog.iter_raw(pending_only=False, chunk=3)):
        given += [e.position for e in chunk]
        if i == 0:
            catalog.db.execute("DELETE FROM raw WHERE envelope_id IN ('f.mrc#5', 'f.mrc#8')")
    assert given == [0, 1, 2, 3, 4, 6, 7]


def test_pending_only_and_one_source(catalog: Catalog) -> None:
    e0, e1, e2 = _env(0), _env(1), _env(2)
    catalog.write(
        PageWrite("r1", envelopes=[e0, e1, e2], envelope_status={e1.envelope_id: "normalized"})
    )
    other = RawEnvelope("t", "x#0", "marc21", b"t", NOW, batch="x", position=0)
    _archive(catalog, [other])
    pending = [e.envelope_id for c in catalog.iter_raw(pending_only=True) for e in c]
    assert pending == ["f.mrc#0", "f.mrc#2", "x#0"]
    only_s = [e.envelope_id for c in catalog.iter_raw(source="s", pending_only=False) for e in c]
    assert only_s == ["f.mrc#0", "f.mrc#1", "f.mrc#2"]
    assert list(catalog.iter_raw(source="nobody", pending_only=False)) == []
    # the order's temporary table is gone once the iteration is
    leftovers = catalog.query(
        "SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name LIKE '%archive%'"
    )
    assert leftovers == []
