"""A full dedupe on Spark gives the clusters DuckDB gives: blocking, scoring and
clustering on a real Spark (``local[2]``), against the in-process matcher, on the public
matching sets and on a catalog; the same members, the same cluster ids, the same review
list.  Skips, saying how to install them, without PySpark or Java."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from tests.spark.support import require_spark, with_engine
from tests.support.builders import SHARED_DATA
from unioncat.catalog import Catalog, PageWrite
from unioncat.dedupe.settings import MatchSettings

pytestmark = pytest.mark.spark

require_spark()

Cli = Callable[..., tuple[int, str, str]]
DEDUPE = SHARED_DATA / "dedupe"


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from unioncat.engine import SparkSettings
    from unioncat.spark_engine import spark_session

    session = spark_session(SparkSettings(conf={"spark.sql.shuffle.partitions": "2"}))
    session.sparkContext.setLogLevel("ERROR")
    yield session


def _engine(spark: Any, folder: Path) -> Any:
    from unioncat.dedupe.on_spark import SparkDedupe

    return SparkDedupe(spark, folder)


@pytest.mark.parametrize("name", ["dblp_acm", "cddb"])
def test_matching_on_spark_gives_the_candidates_scores_and_clusters_of_duckdb(
    name: str, spark: Any, tmp_path: Path
) -> None:
    from unioncat.dedupe.evaluate import LEFT, RIGHT, read_table
    from unioncat.dedupe.features import build_features
    from unioncat.dedupe.matcher import match

    if not (DEDUPE / name).is_dir():
        pytest.skip(f"{DEDUPE / name} is absent (the shared matching sets)")
    if name == "cddb":
        records = read_table(DEDUPE / "cddb" / "cddb.csv", LEFT,
                             {"artist": "authors", "tracks": "contents"})  # fmt: skip
        within, two = frozenset([LEFT]), False
    else:
        records = read_table(DEDUPE / name / "tableA.csv", LEFT, {})
        records += read_table(DEDUPE / name / "tableB.csv", RIGHT, {})
        within, two = frozenset(), True
    for rec in records:
        rec.id = f"{rec.source}:{rec.id}"
    features = build_features(records)
    here = match(features, MatchSettings(), cross_sources_only=two, within=within)
    engine = _engine(spark, tmp_path / "spark")
    there = match(features, MatchSettings(), cross_sources_only=two, within=within, spark=engine)
    # the clustering read the feature rows the scoring wrote: every matched pair was scored
    assert len(list(engine.folder.glob("features-*.parquet"))) == 1
    engine.close()
    for ours, theirs in zip(here.candidates, there.candidates, strict=True):
        assert np.array_equal(ours, theirs)
    assert np.array_equal(here.scored.a, there.scored.a)
    assert np.array_equal(here.scored.b, there.scored.b)
    assert np.array_equal(here.scored.weight, there.scored.weight)
    assert np.array_equal(here.scored.guards, there.scored.guards)
    for comparison, levels in here.scored.levels.items():
        assert np.array_equal(levels, there.scored.levels[comparison]), comparison
    assert sorted(here.clustering.groups()) == sorted(there.clustering.groups())
    assert sum(len(g) > 1 for g in here.clustering.groups()) > 100  # clusters were formed
    assert engine.done == ["blocked", "scored", "clustered"]
    assert not engine.folder.exists()


CLUSTERS = "SELECT cluster_id, record_id FROM cluster_members ORDER BY ALL"
CLUSTER_ROWS = "SELECT cluster_id, deleted, members, title FROM clusters ORDER BY cluster_id"
REVIEW = "SELECT record_a, record_b, weight, status FROM match_review ORDER BY ALL"


def _state(path: Path) -> dict[str, list[tuple[object, ...]]]:
    catalog = Catalog(path, read_only=True)
    try:
        return {
            sql: catalog.query(sql)
            for sql in (CLUSTERS, CLUSTER_ROWS, REVIEW, "SELECT id, cluster_id FROM records")
        }
    finally:
        catalog.close()


def test_a_full_dedupe_of_a_catalog_on_spark_gives_the_same_clusters_and_ids(
    spark: Any, tmp_path: Path
) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from bench.synthetic_catalog import as_record, stream_synthetic
    from unioncat.dedupe.stage import dedupe_catalog

    stream, _truth = stream_synthetic(3000, seed=5)
    records = [as_record(m) for m in stream]
    first = tmp_path / "first.duckdb"
    catalog = Catalog(first)
    catalog.write(PageWrite("load", records=records))
    # clusters that exist before: a full run must keep their ids whichever engine runs
    dedupe_catalog(catalog, "first", MatchSettings())
    catalog.close()
    here, there = tmp_path / "here.duckdb", tmp_path / "there.duckdb"
    shutil.copy(first, here)
    shutil.copy(first, there)

    catalog = Catalog(here)
    counts_here = dedupe_catalog(catalog, "full", MatchSettings(), full=True)
    catalog.close()
    catalog = Catalog(there)
    engine = _engine(spark, tmp_path / "warehouse")
    counts_there = dedupe_catalog(catalog, "full", MatchSettings(), full=True, spark=engine)
    engine.close()
    catalog.close()
    # both rounds (whole records, then parts) blocked, scored and clustered on Spark
    assert engine.done.count("clustered") >= 1
    assert engine.done.count("blocked") == engine.done.count("scored") >= 1

    assert counts_there.as_dict() == counts_here.as_dict()
    assert counts_here.clusters_multi > 300
    ours, theirs = _state(here), _state(there)
    for sql, rows in ours.items():
        assert theirs[sql] == rows, sql


def test_dedupe_full_with_engine_spark_from_the_command_line(
    default_pipeline: Path, tmp_path: Path, cli: Cli
) -> None:
    code, out, err = cli("--config", str(default_pipeline), "run")
    assert code in (0, 1), out + err
    copies = {}
    for engine in ("duckdb", "spark"):
        folder = tmp_path / engine
        code, out, err = cli(
            "--config", str(with_engine(default_pipeline, folder, engine)), "dedupe", "--full"
        )
        assert code == 0, out + err
        copies[engine] = (folder, out)
        assert ("matched on Spark" in out) == (engine == "spark"), out
    catalog_name = yaml.safe_load(default_pipeline.read_text())["catalog"]
    ours = _state(copies["duckdb"][0] / catalog_name)
    theirs = _state(copies["spark"][0] / catalog_name)
    assert ours == theirs
    assert any(len(rows) for rows in ours.values())
    assert not list((copies["spark"][0] / "warehouse").glob("*/dedupe"))
