"""The catalog's one DuckDB connection, and the few ways anything talks to it.

Every statement the catalog runs goes through :class:`Db`: transactions (re-entrant,
so a stage that commits once can call writers that would commit alone), temporary
tables with names minted by a counter (two helpers can never clobber each other's),
Arrow tables registered for the length of a ``with`` block, and results read to their
end.  The connection never installs or loads DuckDB extensions on its own: a catalog
path that names some other kind of database must fail, not reach the network.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from unioncat.log import event

if TYPE_CHECKING:
    import pyarrow as pa

_NO_EXTENSIONS = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


# DuckDB checkpoints (writes the logged changes into the database file) when its
# write-ahead log reaches this size, and each checkpoint writes every index whole
# (duckdb/duckdb#24848), so its cost grows with the catalog.  A renormalize of 100,000
# envelopes took 51 s at DuckDB's 16 MB, 43 s at 256 MB and 38 s here; the changes
# wait in memory until the next checkpoint (up to this much), and a crash loses
# nothing either way (the log is replayed on the next open, which takes that longer).
CHECKPOINT_THRESHOLD = "1GB"


def connect(path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    config: dict[str, Any] = dict(_NO_EXTENSIONS)
    if not read_only:
        config["checkpoint_threshold"] = CHECKPOINT_THRESHOLD
    return duckdb.connect(str(path), read_only=read_only, config=config)


class Db:
    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._names = itertools.count(1)
        self._depth = 0
        # statements a failed transaction refused, run once it is rolled back
        self._after_rollback: list[str] = []

    # -- statements and results ----------------------------------------------------------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, list(params)).fetchall()

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def first(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        """The first row, reading the result to its end: ``fetchone()`` can leave a
        streamed result open, and DuckDB then refuses other work on the connection."""
        rows = self.rows(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.first(sql, params)
        return row[0] if row else None

    def column(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return [r[0] for r in self.rows(sql, params)]

    def arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        """Result as an Arrow table (DuckDB 2 renamed ``fetch_arrow_table``)."""
        rel = self.con.sql(sql, params=list(params))
        fetch = getattr(rel, "to_arrow_table", None) or rel.arrow
        table: pa.Table = fetch()
        return table

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()

    # -- transactions ----------------------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction around the block; inside another, the outer one commits."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.con.execute("BEGIN TRANSACTION")
        self._depth = 1
        try:
            yield
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        self.con.execute("COMMIT")

    def _rollback(self) -> None:
        """Roll back after a failure; DuckDB may have ended the transaction itself (an
        interrupted statement), and that must not hide the failure being raised."""
        try:
            self.con.execute("ROLLBACK")
        except duckdb.Error as exc:
            event(
                "catalog.rollback",
                f"the transaction had already ended when it was rolled back ({exc})",
                logging.DEBUG,
            )
        waiting, self._after_rollback = self._after_rollback, []
        for stmt in waiting:
            try:
                self.execute(stmt)
            except duckdb.Error as exc:  # the failure being raised is the one to tell
                event("catalog.rollback", f"{stmt} failed after the rollback: {exc}",
                      logging.WARNING)  # fmt: skip

    # -- temporary tables --------------------------------------------------------------------

    def temp_name(self, stem: str) -> str:
        """A temporary table name no other helper of this connection is using."""
        return f"_uc_{stem}_{next(self._names)}"

    @contextmanager
    def registered(self, table: pa.Table, stem: str = "arrow") -> Iterator[str]:
        """``table`` visible to SQL under a fresh name for the length of the block."""
        name = self.temp_name(stem)
        self.con.register(name, table)
        try:
            yield name
        finally:
            self._quietly(lambda: self.con.unregister(name))

    @contextmanager
    def temp_table(self, select: str, params: Sequence[Any] = (), stem: str = "t") -> Iterator[str]:
        """A temporary table made from ``select``, dropped after the block."""
        name = self.temp_name(stem)
        self.execute(f"CREATE TEMP TABLE {name} AS {select}", params)
        try:
            yield name
        finally:
            self._quietly(lambda: self.execute(f"DROP TABLE IF EXISTS {name}"))

    @contextmanager
    def id_table(self, ids: Iterable[str], stem: str = "ids") -> Iterator[str]:
        """A temporary table of distinct ids (column ``id``), for joins and IN lists."""
        name = self.temp_name(stem)
        self.execute(f"CREATE TEMP TABLE {name} (id VARCHAR PRIMARY KEY)")
        try:
            import pyarrow as pa

            values = pa.table({"id": pa.array(sorted(set(ids)), pa.string())})
            with self.registered(values, "ids_in") as source:
                self.execute(f"INSERT INTO {name} SELECT id FROM {source}")
            yield name
        finally:
            self._quietly(lambda: self.execute(f"DROP TABLE IF EXISTS {name}"))

    @contextmanager
    def setting(self, name: str, value: str) -> Iterator[None]:
        """A DuckDB setting (``memory_limit``) for the length of the block.  A rollback
        does not undo a setting, and a transaction the block failed in refuses the reset
        until it is rolled back: the reset then runs after the rollback."""
        self.execute(f"SET {name} = '{value}'")
        try:
            yield
        finally:
            try:
                self.execute(f"RESET {name}")
            except duckdb.Error as exc:
                if not self._depth:
                    raise
                self._after_rollback.append(f"RESET {name}")
                event("catalog.cleanup", f"{name} is reset after the rollback: {exc}",
                      logging.DEBUG)  # fmt: skip

    def _quietly(self, cleanup: Callable[[], object]) -> None:
        """Clean up after a block; when the block failed inside a transaction, DuckDB
        refuses everything until the rollback (which undoes the temporary objects too),
        and that refusal must not hide the failure itself."""
        try:
            cleanup()
        except duckdb.Error as exc:
            if not self._depth:
                raise
            event("catalog.cleanup", f"cleanup waits for the rollback: {exc}", logging.DEBUG)

    def close(self) -> None:
        self.con.close()
