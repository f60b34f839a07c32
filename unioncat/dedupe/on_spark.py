"""A full dedupe's heavy steps on Spark (``engine: spark``), with the same results.

Blocking runs the very query the catalog runs in DuckDB (:func:`blocking.candidate_steps`
in Spark's dialect), each step a view Spark materialises before the next reads it (Spark
would otherwise compute a step again for every step that reads it).  Scoring runs the
same :func:`scoring.score_pairs` over Arrow batches of the candidate pairs, each pair
joined to the folded records of its two sides (as Splink joins its comparison columns):
a worker holds the records of its own batch, never the whole catalog's, and every pair
is weighed alone, so the batches give what one call gives.  The matched pairs are split
into connected components in Spark, and each component is clustered by the same greedy
clustering and cohesion check in a Python worker, with the folded records of that
component joined to it: a cluster never reaches beyond its component, and what the
clustering decides inside one component depends on nothing outside it, so the clusters
are the ones the in-process engine makes.  Cluster ids, the plan and the writes stay in
the stage, in the same transaction as ever.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from unioncat.dedupe.blocking import SPARK, candidate_steps
from unioncat.dedupe.cluster import Clustering, Edge, Within
from unioncat.dedupe.features import Features, feature_rows, features_of_rows
from unioncat.dedupe.matcher import clusters_of, slots
from unioncat.dedupe.scoring import COMPARISONS, ScoredPairs, score_pairs
from unioncat.dedupe.settings import MatchSettings
from unioncat.log import event

# one Arrow batch of candidate pairs scored at a time in a worker
SCORE_BATCH = 20_000
# label propagation rounds allowed: pointer jumping halves the distance to a
# component's smallest record each round, so 64 settle any chain of matched pairs; a
# component cut short would be clustered in pieces, so not settling is an error
MAX_ROUNDS = 64

_SCALARS = (
    ("a", pa.int64()), ("b", pa.int64()), ("weight", pa.float64()), ("title", pa.float64()),
    ("authors", pa.float64()), ("ids", pa.int8()), ("guards", pa.int32()),
    ("given_differ", pa.bool_()), ("contents", pa.float64()), ("fixed", pa.float64()),
)  # fmt: skip
SCORED_SCHEMA = pa.schema(
    [pa.field(n, t) for n, t in _SCALARS] + [pa.field(f"level_{c}", pa.int8()) for c in COMPARISONS]
)
GROUP_SCHEMA = pa.schema([("position", pa.int64()), ("group", pa.int64()), ("splits", pa.int64())])
# each record's folded match fields as one row (features.feature_rows), for the joins
FEATURE_ROW_SCHEMA = pa.schema([("position", pa.int64()), ("row", pa.binary())])
# records written to the feature rows' file at a time, so the driver never holds them all
FEATURE_CHUNK = 50_000


@dataclass(slots=True)
class SparkDedupe:
    """Blocking, scoring and clustering of one dedupe run on a Spark session; the
    run's Parquet files live in ``folder``, removed by :meth:`close`."""

    spark: Any
    folder: Path
    # what ran on Spark, step by step ("blocked", "scored", "clustered"), for the summary
    done: list[str] = field(default_factory=list)
    # the feature rows last written: the Features they were of, the positions, the file
    _rows: tuple[Features, np.ndarray, str] | None = None

    def __post_init__(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)

    def close(self) -> None:
        try:
            shutil.rmtree(self.folder)
        except FileNotFoundError:
            return
        except OSError as exc:  # the clusters are written: a leftover folder is only space
            event("spark.cleanup", f"spark: could not remove {self.folder}: {exc}", level=30,
                  folder=str(self.folder))  # fmt: skip

    # ----------------------------------------------------------------- blocking

    def candidate_pairs(self, postings: str, settings: MatchSettings) -> pa.Table:
        """(a, b, by_id) of the blocking query over the Parquet file of every record's
        keys, every record probing (a full run's)."""
        spark = self.spark
        spark.read.parquet(postings).createOrReplaceTempView("postings")
        steps, final = candidate_steps("postings", "postings", settings, everyone=True, sql=SPARK)
        views = []
        for name, body in steps:
            frame = spark.sql(body).localCheckpoint()
            frame.createOrReplaceTempView(name)
            views.append(name)
        out = self.folder / "candidates"
        spark.sql(final).write.mode("overwrite").parquet(str(out))
        for name in views:
            spark.catalog.dropTempView(name)
        table = pq.read_table(out)
        event("spark.blocked", f"spark: {table.num_rows} candidate pairs", pairs=table.num_rows)
        self.done.append("blocked")
        return table

    def block_keys(self, keys: pa.Table, settings: MatchSettings) -> pa.Table:
        """:meth:`candidate_pairs` of an in-memory keys table, every record probing."""
        path = self.folder / "keys.parquet"
        pq.write_table(keys, path)
        return self.candidate_pairs(str(path), settings)

    # ------------------------------------------------------------------ scoring

    def score(
        self,
        features: Features,
        a: Sequence[int] | np.ndarray,
        b: Sequence[int] | np.ndarray,
        settings: MatchSettings,
        by_identifier: np.ndarray,
    ) -> ScoredPairs:
        """:func:`score_pairs` of the pairs, computed on the workers, in the order of
        the pairs given."""
        from pyspark.sql import functions as F
        from pyspark.sql.pandas.types import from_arrow_schema

        a_ = np.asarray(a, dtype=np.int64)
        b_ = np.asarray(b, dtype=np.int64)
        pairs = pa.table({
            "a": pa.array(a_),
            "b": pa.array(b_),
            "by_id": pa.array(np.asarray(by_identifier, dtype=bool)),
            "n": pa.array(np.arange(len(a_), dtype=np.int64)),
        })  # fmt: skip
        source = self.folder / "pairs.parquet"
        pq.write_table(pairs, source)
        rows = self.spark.read.parquet(self._feature_rows(features, np.union1d(a_, b_)))
        side_a = rows.select(F.col("position").alias("a"), F.col("row").alias("row_a"))
        side_b = rows.select(F.col("position").alias("b"), F.col("row").alias("row_b"))
        parts = max(2 * self.spark.sparkContext.defaultParallelism, 2)
        frame = (
            self.spark.read.parquet(str(source)).join(side_a, "a").join(side_b, "b")
            .repartition(parts)
        )  # fmt: skip
        schema = pa.schema([*SCORED_SCHEMA, pa.field("n", pa.int64())])
        out = self.folder / "scored"
        frame.mapInArrow(_score_batches(settings), from_arrow_schema(schema)).write.mode(
            "overwrite"
        ).parquet(str(out))
        table = pq.read_table(out).sort_by("n")
        self.done.append("scored")
        return _scored_of(table)

    def _feature_rows(self, features: Features, positions: np.ndarray) -> str:
        """A Parquet file of the feature rows of the records at ``positions``, written
        a chunk at a time; a new name each call (a run scores several rounds).  The
        clustering of a round needs the rows of records its scoring wrote already (a
        matched pair is a scored one): those are read again, not pickled again."""
        if self._rows is not None:
            written, where, known = self._rows
            if written is features and np.isin(positions, where).all():
                return known
        path = self.folder / f"features-{len(list(self.folder.glob('features-*')))}.parquet"
        with pq.ParquetWriter(path, FEATURE_ROW_SCHEMA) as writer:
            for start in range(0, len(positions), FEATURE_CHUNK):
                chunk = positions[start : start + FEATURE_CHUNK].tolist()
                writer.write_table(pa.table({
                    "position": pa.array(chunk, pa.int64()),
                    "row": pa.array(feature_rows(features, chunk), pa.binary()),
                }, schema=FEATURE_ROW_SCHEMA))  # fmt: skip
        self._rows = (features, positions, str(path))
        return str(path)

    # --------------------------------------------------------------- clustering

    def cluster(
        self,
        features: Features,
        edges: Sequence[Edge],
        *,
        vetoed: set[tuple[int, int]],
        forced: Sequence[tuple[int, int]],
        within: Within,
        settings: MatchSettings,
    ) -> tuple[Clustering, int]:
        """What :func:`matcher.clusters_of` makes of the pairs, component by component:
        the components of the matched and forced pairs found by label propagation in
        Spark, each clustered in a worker with its own pairs."""
        from pyspark.sql import functions as F
        from pyspark.sql.pandas.types import from_arrow_schema

        spark = self.spark
        links = pa.table({
            "a": pa.array([e.a for e in edges] + [x for x, _ in forced], pa.int64()),
            "b": pa.array([e.b for e in edges] + [y for _, y in forced], pa.int64()),
        })  # fmt: skip
        slots_of = slots(features)
        if links.num_rows == 0:
            return Clustering(slots_of), 0
        labels = spark.read.parquet(str(self._components(links)))
        veto = sorted(vetoed)
        rows = pa.table({
            "kind": pa.array(["edge"] * len(edges) + ["forced"] * len(forced)
                             + ["veto"] * len(veto), pa.string()),
            "a": pa.array([e.a for e in edges] + [x for x, _ in forced] + [x for x, _ in veto],
                          pa.int64()),
            "b": pa.array([e.b for e in edges] + [y for _, y in forced] + [y for _, y in veto],
                          pa.int64()),
            "weight": pa.array([e.weight for e in edges] + [0.0] * (len(forced) + len(veto)),
                               pa.float64()),
            "by_id": pa.array([e.by_identifier for e in edges]
                              + [False] * (len(forced) + len(veto)), pa.bool_()),
        })  # fmt: skip
        source = self.folder / "links_all.parquet"
        pq.write_table(rows, source)
        pairs = spark.read.parquet(str(source))
        la = labels.select(F.col("position").alias("pa"), F.col("label"))
        lb = labels.select(F.col("position").alias("pb"), F.col("label").alias("label_b"))
        # a pair belongs to the component of both its records (a veto across two
        # components can never be asked: no cluster spans them)
        inside = (
            pairs.join(la, pairs.a == la.pa).join(lb, pairs.b == lb.pb)
            .where(F.col("label") == F.col("label_b"))
            .select("label", "kind", "a", "b", "weight", "by_id")
        )  # fmt: skip
        touched = np.union1d(links.column("a").to_numpy(), links.column("b").to_numpy())
        rows = spark.read.parquet(self._feature_rows(features, touched))
        self._rows = None  # the round's last reader: its Features need not outlive it
        nodes = labels.join(rows, "position").select(
            "label", F.lit("node").alias("kind"), F.col("position").alias("a"),
            F.col("position").alias("b"), F.lit(0.0).alias("weight"), F.lit(False).alias("by_id"),
            "row",
        )  # fmt: skip
        inside = inside.withColumn("row", F.lit(None).cast("binary"))
        out = self.folder / "groups"
        inside.unionByName(nodes).groupBy("label").applyInArrow(
            _cluster_component(within, settings), from_arrow_schema(GROUP_SCHEMA)
        ).write.mode("overwrite").parquet(str(out))
        groups = pq.read_table(out)
        clustering = Clustering(slots_of)
        firsts: dict[int, int] = {}
        for position, group in zip(
            groups.column("position").to_pylist(), groups.column("group").to_pylist(), strict=True
        ):
            first = firsts.setdefault(group, position)
            if first != position:
                clustering.join(first, position)
        splits = int(pc.sum(groups.column("splits")).as_py() or 0)
        event("spark.clustered", f"spark: {len(firsts)} components clustered")
        self.done.append("clustered")
        return clustering, splits

    def _components(self, links: pa.Table) -> Path:
        """(position, label) of every record a link touches, ``label`` the smallest
        position of its connected component (min-label propagation with pointer
        jumping, each round one join)."""
        from pyspark.sql import functions as F

        spark = self.spark
        source = self.folder / "links.parquet"
        pq.write_table(links, source)
        both = spark.read.parquet(str(source))
        edges = both.union(both.select(F.col("b").alias("a"), F.col("a").alias("b")))
        edges = edges.localCheckpoint()
        labels = edges.groupBy("a").agg(F.least(F.min("b"), F.col("a")).alias("label"))
        labels = labels.withColumnRenamed("a", "position").localCheckpoint()
        for _round in range(MAX_ROUNDS):
            # each record takes the smallest label among its neighbours', then the label
            # of the record its label names (which halves the distance to the root)
            near = labels.select(F.col("position").alias("b"), F.col("label").alias("seen"))
            hop = (
                edges.join(near, "b").groupBy("a").agg(F.min("seen").alias("near"))
                .withColumnRenamed("a", "position")
            )  # fmt: skip
            step = labels.join(hop, "position", "left").select(
                "position", F.least("label", F.coalesce("near", "label")).alias("label")
            )
            root = step.select(F.col("position").alias("label"), F.col("label").alias("up"))
            step = step.join(root, "label", "left").select(
                "position", F.least("label", F.coalesce("up", "label")).alias("label")
            ).localCheckpoint()  # fmt: skip
            before = labels.select("position", F.col("label").alias("before"))
            changed = step.join(before, "position").where(F.col("label") != F.col("before")).count()
            labels = step
            if changed == 0:
                break
        else:
            raise RuntimeError(
                f"spark: the components of the matched pairs did not settle in {MAX_ROUNDS} "
                "rounds of label propagation"
            )
        out = self.folder / "components"
        labels.write.mode("overwrite").parquet(str(out))
        return out


def _score_batches(settings: MatchSettings) -> Any:
    """The function Spark runs on each partition of the pairs joined to their records:
    each batch's records numbered in the order of their positions (so every comparison
    sees them as the whole catalog's order would), scored, and given back by position."""

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for start in range(0, batch.num_rows, SCORE_BATCH):
                part = batch.slice(start, SCORE_BATCH)
                a = part.column("a").to_numpy()
                b = part.column("b").to_numpy()
                by_id = part.column("by_id").to_numpy(zero_copy_only=False).astype(bool)
                positions, first, local = np.unique(
                    np.concatenate([a, b]), return_index=True, return_inverse=True
                )
                rows = pa.concat_arrays([part.column("row_a"), part.column("row_b")])
                features = features_of_rows(rows.take(pa.array(first)).to_pylist())
                la, lb = local[: len(a)], local[len(a) :]
                scored = score_pairs(features, la, lb, settings, by_id)
                yield _batch_of(scored, part.column("n").to_numpy(), la, lb, positions)

    return run


def _batch_of(
    scored: ScoredPairs, n: np.ndarray, a: np.ndarray, b: np.ndarray, positions: np.ndarray
) -> pa.RecordBatch:
    """The scored pairs as one Arrow batch, each with its place in the input and its
    records by position (``a`` and ``b`` number them within the batch): scoring keeps
    the pairs it does not drop in their order, so one pass finds each one's."""
    places = np.empty(len(scored), dtype=np.int64)
    at = 0
    for k, (x, y) in enumerate(zip(scored.a.tolist(), scored.b.tolist(), strict=True)):
        while a[at] != x or b[at] != y:
            at += 1
        places[k] = n[at]
        at += 1
    assert scored.fixed is not None and scored.contents is not None
    assert scored.given_differ is not None
    columns = {
        "a": positions[scored.a], "b": positions[scored.b], "weight": scored.weight,
        "title": scored.title, "authors": scored.authors, "ids": scored.ids,
        "guards": scored.guards, "given_differ": scored.given_differ,
        "contents": scored.contents, "fixed": scored.fixed,
        **{f"level_{c}": scored.levels[c] for c in COMPARISONS},
        "n": places,
    }  # fmt: skip
    schema = pa.schema([*SCORED_SCHEMA, pa.field("n", pa.int64())])
    return pa.RecordBatch.from_pydict(
        {name: pa.array(columns[name], type=schema.field(name).type) for name in schema.names},
        schema=schema,
    )


def _scored_of(table: pa.Table) -> ScoredPairs:
    def col(name: str, dtype: Any) -> np.ndarray:
        return np.asarray(table.column(name).to_numpy(zero_copy_only=False), dtype=dtype)

    return ScoredPairs(
        col("a", np.int64), col("b", np.int64), col("weight", np.float64),
        col("title", np.float64), col("authors", np.float64), col("ids", np.int8),
        col("guards", np.int32), col("given_differ", bool), col("contents", np.float64),
        {c: col(f"level_{c}", np.int8) for c in COMPARISONS}, col("fixed", np.float64),
    )  # fmt: skip


def _cluster_component(within: Within, settings: MatchSettings) -> Any:
    """The function Spark runs on each component: its records numbered in the order of
    their positions (so every tie the clustering breaks by position breaks the same
    way), clustered and checked as the in-process engine does, and each record's
    group given back as the position of the group's first record."""

    def run(table: pa.Table) -> pa.Table:
        kinds = table.column("kind").to_pylist()
        xs, ys = table.column("a").to_pylist(), table.column("b").to_pylist()
        weights, by_id = table.column("weight").to_pylist(), table.column("by_id").to_pylist()
        row_of = {x: row for k, x, row in zip(kinds, xs, table.column("row").to_pylist(),
                                              strict=True) if k == "node"}  # fmt: skip
        positions = sorted(row_of)
        local = {p: n for n, p in enumerate(positions)}
        edges, forced, vetoed = [], [], set()
        for kind, x, y, w, i in zip(kinds, xs, ys, weights, by_id, strict=True):
            if kind == "edge":
                edges.append(Edge(local[x], local[y], w, i))
            elif kind == "forced":
                forced.append((local[x], local[y]))
            elif kind == "veto":
                vetoed.add((local[x], local[y]))
        clustering, splits = clusters_of(
            features_of_rows([row_of[p] for p in positions]), edges, settings, vetoed=vetoed,
            forced=forced, start=(), within=within,
        )  # fmt: skip
        first: dict[int, int] = {}
        for group in clustering.groups():
            for n in group:
                first[n] = positions[group[0]]
        return pa.table(
            {
                "position": positions,
                "group": [first[n] for n in range(len(positions))],
                "splits": [splits] + [0] * (len(positions) - 1),
            },
            schema=GROUP_SCHEMA,
        )

    return run
