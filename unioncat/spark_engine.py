"""Spark as the engine of ``normalize`` and ``renormalize`` (``engine: spark``).

The raw archive to map is written to Parquet in the warehouse, Spark maps it with the
same normalizers (pure functions) through ``mapInArrow``, each envelope exactly as the
in-process pool maps it (``parallel.map_page``: the same records, content hashes,
quarantine reasons and Arrow fallback), and writes records and outcomes back as
Parquet.  The pipeline then commits them page by page, in the same transactions as
with the in-process pool, through :class:`SparkMapped`, which answers each page from
what Spark wrote: so file withdrawals, deletion guards, counts and the nightly run are
unchanged.

Harvesting stays where it is (network-bound, checkpointed in the catalog), and so do
``run``'s mapping of what it harvests and every other command.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow as pa

from unioncat.catalog import Catalog
from unioncat.catalog.records import INCOMING_SCHEMA
from unioncat.config import PipelineConfig
from unioncat.contracts import Quarantined, RawEnvelope
from unioncat.engine import SparkSettings
from unioncat.errors import ConfigError, SourceError
from unioncat.log import event
from unioncat.normalize.base import FormatSettings
from unioncat.parallel import MappedPage

# what each output row is: a record, an envelope's outcome, or a quarantined envelope
_EXTRA = [
    ("_kind", pa.string()), ("_rec", pa.int64()), ("_status", pa.string()),
    ("_reason", pa.string()), ("_stage", pa.string()),
]  # fmt: skip
OUT_SCHEMA = pa.schema(list(INCOMING_SCHEMA) + [pa.field(n, t) for n, t in _EXTRA])
RECORD_COLUMNS = INCOMING_SCHEMA.names


def spark_session(settings: SparkSettings) -> Any:
    """A session on ``settings.master``; PySpark and Java are checked first, with the fix
    in the message."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            "engine: spark needs PySpark, which is not installed",
            stage="config",
            hint="pip install -e '.[spark]' (and Java 17 or newer)",
        ) from exc
    if not (os.environ.get("JAVA_HOME") or shutil.which("java")):
        raise ConfigError(
            "engine: spark needs Java 17 or newer, and none is on PATH or in JAVA_HOME",
            stage="config",
            hint="apt-get install openjdk-17-jre-headless, or set JAVA_HOME",
        )
    # Spark's Python workers run this interpreter, where unioncat is installed
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    conf = {
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.execution.arrow.maxRecordsPerBatch": "2000",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    }
    if settings.master.startswith("local"):  # this machine only
        conf |= {"spark.driver.host": "127.0.0.1", "spark.driver.bindAddress": "127.0.0.1"}
    builder = SparkSession.builder.master(settings.master).appName(settings.app_name)
    for key, value in (conf | settings.conf).items():
        builder = builder.config(key, value)
    return builder.getOrCreate()


def _envelope(row: Mapping[str, Any]) -> RawEnvelope:
    return RawEnvelope(
        source=row["source"], envelope_id=row["envelope_id"], format=row["format"],
        payload=bytes(row["payload"]), fetched_at=row["fetched_at"],
        datestamp=row["datestamp"], deleted=bool(row["deleted"]), batch=row["batch"],
        position=row["position"], record_id=row["record_id"], error=row["error"],
    )  # fmt: skip


def _outcomes(
    envelopes: Sequence[RawEnvelope], status: Mapping[str, str], quarantined: Sequence[Quarantined]
) -> pa.Table:
    """What became of each envelope, and why those quarantined were."""
    rows: list[dict[str, Any]] = [
        {"source": env.source, "envelope_id": env.envelope_id, "_kind": "status",
         "_status": status[env.envelope_id]}
        for env in envelopes if env.envelope_id in status
    ]  # fmt: skip
    rows += [
        {"source": q.envelope.source, "envelope_id": q.envelope.envelope_id,
         "_kind": "quarantine", "_reason": q.reason, "_stage": q.stage}
        for q in quarantined
    ]  # fmt: skip
    return pa.Table.from_pylist(rows, schema=OUT_SCHEMA)


def map_batches(formats: Mapping[str, str], settings: Mapping[str, FormatSettings | None]) -> Any:
    """The function Spark runs on each Arrow batch of the archive: each source's
    envelopes mapped by ``mapping.normalize_envelopes`` and each record made a catalog
    row by the functions ``incoming_table`` uses, but no record dropped for a later one
    of the same id (the page pool does that, for the page the pipeline commits).  A
    batch whose rows Arrow cannot store is mapped again envelope by envelope, as the
    in-process pool does (``parallel.map_page``), so that the envelope at fault alone is
    quarantined."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            by_source: dict[str, list[RawEnvelope]] = {}
            for row in batch.to_pylist():
                env = _envelope(row)
                by_source.setdefault(env.source, []).append(env)
            for source, envelopes in by_source.items():
                yield from _mapped(envelopes, formats[source], settings.get(source)).to_batches()

    return run


def _mapped(envelopes: list[RawEnvelope], fmt: str, settings: FormatSettings | None) -> pa.Table:
    from unioncat.catalog.records import content_hash
    from unioncat.mapping import normalize_envelopes
    from unioncat.parallel import map_page
    from unioncat.schemas.generate import record_to_row

    normalized = normalize_envelopes(envelopes, fmt, settings)
    rows: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for record, envelope_id in zip(normalized.records, normalized.envelope_ids, strict=True):
        row = record_to_row(record)
        row["content_hash"] = content_hash(row)
        row["envelope_id"] = envelope_id
        row["_kind"] = "record"
        row["_rec"] = seen[envelope_id] = seen.get(envelope_id, -1) + 1
        rows.append(row)
    try:
        records = pa.Table.from_pylist(rows, schema=OUT_SCHEMA)
    except (pa.ArrowException, OverflowError, TypeError, ValueError):
        parts = [_one(env, map_page([env], fmt, True, settings)) for env in envelopes]
        return pa.concat_tables(parts)
    return pa.concat_tables(
        [records, _outcomes(envelopes, normalized.status, normalized.quarantined)]
    )


def _one(env: RawEnvelope, page: MappedPage) -> pa.Table:
    records = page.table
    n = records.num_rows
    records = records.append_column("_kind", pa.array(["record"] * n, pa.string()))
    records = records.append_column("_rec", pa.array(range(n), pa.int64()))
    for name in ("_status", "_reason", "_stage"):
        records = records.append_column(name, pa.nulls(n, pa.string()))
    return pa.concat_tables([records, _outcomes([env], page.status, page.quarantined)])


class SparkMapped:
    """A page pool (as ``parallel.MapPool``) that answers each page from what Spark
    mapped: the records of its envelopes in their order, a later record with the same
    id winning as in one page (``catalog.records.incoming_table``)."""

    in_flight_limit = 1

    def __init__(self, mapped: Path, database: Path) -> None:
        import duckdb

        self._con = duckdb.connect(str(database))
        glob = str(mapped / "*.parquet").replace("'", "''")
        self._con.execute(
            f"CREATE OR REPLACE TABLE mapped AS SELECT * FROM read_parquet('{glob}') "
            "ORDER BY source, envelope_id, _kind, _rec"
        )

    def submit(
        self, envelopes: Sequence[RawEnvelope], fmt: str, *, for_catalog: bool = True,
        settings: FormatSettings | None = None,
    ) -> Future[MappedPage]:  # fmt: skip
        done: Future[MappedPage] = Future()
        try:
            done.set_result(self._page(envelopes))
        except Exception as exc:  # noqa: BLE001  (handed to the caller, as a worker's would be)
            done.set_exception(exc)
        return done

    def _page(self, envelopes: Sequence[RawEnvelope]) -> MappedPage:
        asked = pa.table({
            "source": [e.source for e in envelopes],
            "envelope_id": [e.envelope_id for e in envelopes],
            "_at": list(range(len(envelopes))),
        })  # fmt: skip
        self._con.register("asked", asked)
        try:
            found = self._con.execute(
                "SELECT m.*, a._at FROM mapped m JOIN asked a USING (source, envelope_id) "
                "ORDER BY a._at, m._kind, m._rec"
            ).to_arrow_table()
        finally:
            self._con.unregister("asked")
        assert found is not None
        rows: pa.Table = found
        by_id = {e.envelope_id: e for e in envelopes}
        kinds = rows.column("_kind").to_pylist()
        envelope_ids = rows.column("envelope_id").to_pylist()
        status: dict[str, Any] = {}
        quarantined: list[Quarantined] = []
        keep: dict[str, int] = {}  # record id -> row of its latest record, first position
        ids = rows.column("id").to_pylist()
        reasons = rows.column("_reason").to_pylist()
        stages = rows.column("_stage").to_pylist()
        statuses = rows.column("_status").to_pylist()
        for i, kind in enumerate(kinds):
            if kind == "record":
                keep[ids[i]] = i
            elif kind == "status":
                status[envelope_ids[i]] = statuses[i]
            else:
                quarantined.append(Quarantined(by_id[envelope_ids[i]], reasons[i], stages[i]))
        missing = [e.envelope_id for e in envelopes if e.envelope_id not in status]
        if missing:
            raise SourceError(
                f"Spark gave no outcome for {len(missing)} archived envelope(s) of "
                f"{envelopes[0].source} (the first: {missing[0]}); they stay pending",
                source=envelopes[0].source,
                hint="run the same command again",
            )
        table = rows.take(pa.array(list(keep.values()), pa.int64())).select(RECORD_COLUMNS)
        return MappedPage(table.cast(INCOMING_SCHEMA), status, quarantined)

    def close(self) -> None:
        self._con.close()


@contextmanager
def mapped_on_spark(
    catalog: Catalog, config: PipelineConfig, run_id: str, *, pending_only: bool,
    only: str | None,
) -> Iterator[SparkMapped]:  # fmt: skip
    """Map the archive on Spark; yields the pool the pipeline commits its pages from.
    The run's folder in the warehouse is removed once the pages are committed."""
    from pyspark.sql.pandas.types import from_arrow_schema

    folder = config.spark.warehouse / run_id
    folder.mkdir(parents=True, exist_ok=True)
    try:
        archive = folder / "raw.parquet"
        count = catalog.copy_raw(str(archive), source=only, pending_only=pending_only)
        event("spark.archive", f"spark: {count} archived envelopes written for Spark",
              envelopes=count)  # fmt: skip
        formats = {s.name: s.format for s in config.sources}
        settings = {s.name: s.format_settings for s in config.sources}
        # the sources the archive holds, read here: a Spark job for it would read it twice
        import duckdb

        with duckdb.connect() as con:
            held = con.execute("SELECT DISTINCT source FROM read_parquet(?)", [str(archive)])
            unknown = sorted({str(r[0]) for r in held.fetchall()} - set(formats))
        if unknown:
            raise ConfigError(
                f"archived envelopes belong to source {unknown[0]!r}, which is no longer in "
                "the pipeline file",
                hint="add it back to map them",
            )
        spark = spark_session(config.spark)
        # one Parquet file reads as few partitions: spread it over every core Spark has
        # (the rows' order does not matter; the page pool puts each page back in order)
        frame = spark.read.parquet(str(archive))
        frame = frame.repartition(max(2 * spark.sparkContext.defaultParallelism, 2))
        frame.mapInArrow(map_batches(formats, settings), from_arrow_schema(OUT_SCHEMA)).write.mode(
            "overwrite"
        ).parquet(str(folder / "mapped"))
        event("spark.mapped", f"spark: {count} archived envelopes mapped on {config.spark.master}")
        pool = SparkMapped(folder / "mapped", folder / "mapped.duckdb")
        try:
            yield pool
        finally:
            pool.close()
    finally:
        try:
            shutil.rmtree(folder)
        except OSError as exc:  # the pages are committed: a leftover folder is only space
            event("spark.cleanup", f"spark: could not remove {folder}: {exc}", level=30,
                  folder=str(folder))  # fmt: skip
