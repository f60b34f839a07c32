"""The DuckDB catalog: the only code that writes.

:class:`Catalog` opens the file (creating or migrating it), and is the public face of
the catalog's modules: runs and sources (:mod:`~unioncat.catalog.runs`), the page
commit (:mod:`~unioncat.catalog.pages`), the raw archive, the cluster store used by
the dedupe stage (:mod:`~unioncat.catalog.clusters`) and read-only queries for
reports.  Open it for writing only while holding :class:`~unioncat.catalog.lock.CatalogLock`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from unioncat.catalog import resources, runs
from unioncat.catalog.db import Db, connect
from unioncat.contracts import RawEnvelope, RunStatus, SourceStatus
from unioncat.errors import ConfigError, LockHeld, ResourceError, TerminalError

if TYPE_CHECKING:
    # the writing modules (and Arrow with them) are imported by the methods that write:
    # ``status``, ``find`` and ``show`` open the catalog read-only and need none of them
    import pyarrow as pa

    from unioncat.catalog import pages
    from unioncat.catalog.clusters import ClusterStore
    from unioncat.catalog.deletion_guard import DeletionGuard


def _is_lock_error(exc: duckdb.Error) -> bool:
    return "lock" in str(exc).lower()


class Catalog:
    def __init__(
        self, path: Path, *, read_only: bool = False, memory_limit: str | None = None
    ) -> None:
        self.path = path
        if read_only and not path.exists():
            raise TerminalError(
                f"no catalog at {path}",
                stage="catalog",
                hint="run `unioncat run` first",
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise resources.explain(exc, path.parent) or exc from exc
        resources.check_signature(path)
        try:
            con = connect(path, read_only=read_only)
        except duckdb.IOException as exc:
            if _is_lock_error(exc):
                raise LockHeld(
                    f"catalog {path} is open in another process: {exc}",
                    stage="catalog",
                    hint="wait for the running job to finish",
                ) from exc
            raise resources.explain(exc, path) or exc from exc
        except duckdb.Error as exc:
            raise resources.explain(exc, path) or exc from exc
        self.db = Db(con)
        self.memory_limit = memory_limit
        if memory_limit:
            # past the limit DuckDB spills to disk instead of growing (a big first dedupe)
            try:
                self.db.execute(f"SET memory_limit = '{memory_limit}'")
            except duckdb.Error as exc:
                self.db.close()
                raise ConfigError(
                    f"memory_limit {memory_limit!r} is not a size DuckDB understands: {exc}",
                    stage="config",
                    hint="write it like 4GB or 512MB",
                ) from exc
        if not read_only:
            from unioncat.catalog.migrate import ensure_schema

            try:
                ensure_schema(self.db, path)
            except duckdb.Error as exc:
                self.db.close()
                raise resources.explain(exc, path) or exc from exc

    def close(self) -> None:
        self.db.close()

    def explain(self, exc: BaseException) -> ResourceError | None:
        """``exc`` as a failure of this catalog's disk or memory, if it is one."""
        return resources.explain(exc, self.path, memory_limit=self.memory_limit)

    def reader(self) -> Catalog:
        """A read-only view on its own cursor, for another thread of this process: it sees
        the catalog as of the last commit, whatever this connection is in the middle of."""
        view = Catalog.__new__(Catalog)
        view.path = self.path
        view.memory_limit = self.memory_limit
        view.db = Db(self.db.con.cursor())
        return view

    @cached_property
    def clusters(self) -> ClusterStore:
        """The dedupe stage's store, made when first asked for (its module needs Arrow)."""
        from unioncat.catalog.clusters import ClusterStore, blocking_memory

        return ClusterStore(self.db, None if self.memory_limit else blocking_memory())

    # -- runs and sources ---------------------------------------------------------------

    def start_run(
        self, run_id: str, command: str, previous_ending: dict[str, Any] | None = None
    ) -> None:
        runs.start_run(self.db, run_id, command, previous_ending)

    def finish_run(
        self, run_id: str, status: RunStatus, counts: dict[str, Any], message: str | None
    ) -> None:
        runs.finish_run(self.db, run_id, status, counts, message)

    def register_source(self, name: str, kind: str, fmt: str, holder: str | None = None) -> None:
        runs.register_source(self.db, name, kind, fmt, holder)

    def source_outcome(
        self, name: str, run_id: str, status: SourceStatus, error: str | None
    ) -> None:
        runs.source_outcome(self.db, name, run_id, status, error)

    def harvest_state(self, source: str) -> dict[str, dict[str, Any]]:
        return runs.harvest_state(self.db, source)

    # -- writing and reading pages ------------------------------------------------------

    def write(self, page: pages.PageWrite) -> pages.WriteCounts:
        """Commit one page atomically; returns what changed."""
        from unioncat.catalog import pages

        return pages.commit(self.db, page)

    def withdraw_file(
        self,
        source: str,
        name: str,
        limit: float | None,
        run_id: str,
        guard: DeletionGuard | None = None,
    ) -> int:
        """Withdraw what file ``name`` no longer gives, once it is read to its end and
        all its archived envelopes are mapped (``harvest`` then ``normalize``)."""
        state = runs.harvest_state(self.db, source).get(f"file:{name}") or {}
        if not state.get("complete"):
            return 0
        pending = self.db.scalar(
            "SELECT count(*) FROM raw WHERE source = ? AND batch = ? AND status = 'pending'",
            [source, name],
        )
        if pending:
            return 0
        from unioncat.catalog import deletions

        now = datetime.now(UTC)
        with self.db.transaction():
            n = deletions.withdraw_from_file(self.db, source, name, limit, run_id, now)
            if n and guard is not None:
                deletions.check_window(self.db, source, guard, run_id, now)
            return n

    def iter_raw(
        self, *, source: str | None = None, pending_only: bool = True, chunk: int = 2000
    ) -> Iterator[list[RawEnvelope]]:
        """Archived envelopes in commit-sized chunks, for ``normalize`` and ``renormalize``."""
        from unioncat.catalog import raw

        return raw.iter_archived(self.db, source=source, pending_only=pending_only, chunk=chunk)

    def copy_raw(self, path: str, *, source: str | None = None, pending_only: bool = True) -> int:
        """The envelopes ``iter_raw`` gives, as one Parquet file (for the Spark engine)."""
        from unioncat.catalog import raw

        return raw.copy_archived(self.db, path, source=source, pending_only=pending_only)

    def source_names(self) -> list[str]:
        """Every source the catalog has seen, configured now or not."""
        return [str(n) for n in self.db.column("SELECT name FROM sources ORDER BY name")]

    def tidy(self) -> None:
        """Upkeep after a writer's work: keep the find index sorted (see catalog/find.py)."""
        from unioncat.catalog import find

        find.tidy(self.db)

    def record_count(self, source: str) -> int:
        """Records (live or deleted) the source has given."""
        return int(self.db.scalar("SELECT count(*) FROM records WHERE source = ?", [source]) or 0)

    def standing_quarantine(self, source: str, run_id: str) -> tuple[int, datetime | None]:
        """Records of the source quarantined before run ``run_id`` that still are, and
        when the first of them was."""
        row = self.db.first(
            "SELECT count(*), min(first_at) FROM quarantine WHERE source = ? "
            "AND run_id IS DISTINCT FROM ?",
            [source, run_id],
        )
        return (int(row[0]), row[1]) if row else (0, None)

    # -- queries for reports ----------------------------------------------------------

    def has_table(self, name: str) -> bool:
        """Whether the catalog has this table (a catalog written by an older unioncat and
        opened read-only may not have the newer ones yet)."""
        return name in self._tables

    def has_column(self, table: str, column: str) -> bool:
        if table not in self._columns:
            found = self.db.column(
                "SELECT column_name FROM duckdb_columns() WHERE table_name = ?", [table]
            )
            self._columns[table] = frozenset(str(c) for c in found)
        return column in self._columns[table]

    @cached_property
    def _tables(self) -> frozenset[str]:
        # read once: every table is made when the catalog is opened (ensure_schema); the
        # catalog functions answer in a fraction of information_schema's time, which is
        # felt in a command as short as ``status``
        names = self.db.column(
            "SELECT table_name FROM duckdb_tables() "
            "UNION ALL SELECT view_name FROM duckdb_views() WHERE NOT internal"
        )
        return frozenset(str(n) for n in names)

    @cached_property
    def _columns(self) -> dict[str, frozenset[str]]:
        return {}

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.rows(sql, params)

    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        return self.db.arrow(sql, params)

    def stream(
        self, sql: str, params: Sequence[Any] = (), chunk: int = 1000
    ) -> Iterator[list[dict[str, Any]]]:
        """The rows of a query as dicts, ``chunk`` at a time, on a cursor of their own:
        an export of millions of records never holds them all."""
        cur = self.db.cursor()
        try:
            cur.execute(sql, list(params))
            names = [d[0] for d in cur.description or []]
            while rows := cur.fetchmany(chunk):
                yield [dict(zip(names, row, strict=True)) for row in rows]
        finally:
            cur.close()

    def meta(self, key: str) -> str | None:
        """A value of ``catalog_meta`` (what a stage keeps about itself)."""
        rows = self.db.rows("SELECT value FROM catalog_meta WHERE key = ?", [key])
        return str(rows[0][0]) if rows and rows[0][0] is not None else None

    def set_meta(self, key: str, value: str) -> None:
        self.db.execute("INSERT OR REPLACE INTO catalog_meta VALUES (?, ?)", [key, value])
