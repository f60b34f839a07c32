"""engine: spark gives the records DuckDB gives: the same archive renormalized on a real
Spark (``local[2]``) and in this process, compared field by field, with the quarantine
and each source's counts.  Skips, saying how to install them, without PySpark or Java."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.spark.support import require_spark, with_engine
from tests.support.builders import marc_record
from unioncat.catalog import Catalog

pytestmark = pytest.mark.spark

require_spark()

Cli = Callable[..., tuple[int, str, str]]


def _rows(catalog_path: Path, sql: str) -> list[tuple[object, ...]]:
    catalog = Catalog(catalog_path, read_only=True)
    try:
        return catalog.query(sql)
    finally:
        catalog.close()


RECORDS = "SELECT * EXCLUDE (updated_at, run_id) FROM records ORDER BY id"
QUARANTINE = "SELECT source, envelope_id, stage, reason, payload FROM quarantine ORDER BY ALL"


def test_renormalize_on_spark_gives_the_records_duckdb_gives(
    default_pipeline: Path, tmp_path: Path, cli: Cli
) -> None:
    # a source whose file holds a record that cannot be read, beside good ones
    broken = default_pipeline.parent / "examples" / "broken.mrc"
    garbled = bytearray(marc_record(control="bad1").as_marc())
    garbled[12:17] = b"xx9zz"  # base address of data no longer numeric
    truncated = marc_record(control="bad2").as_marc()[:-30]
    broken.write_bytes(
        marc_record(control="g0", title="Good 0").as_marc() + bytes(garbled)
        + truncated[:-1] + b"\x1d" + marc_record(control="g1", title="Good 1").as_marc()
    )  # fmt: skip
    doc = yaml.safe_load(default_pipeline.read_text())
    doc["sources"].append({"name": "broken", "kind": "files", "format": "marc",
                           "paths": ["examples/broken.mrc"]})  # fmt: skip
    default_pipeline.write_text(yaml.safe_dump(doc, sort_keys=False))
    code, out, err = cli("--config", str(default_pipeline), "run")
    assert code in (0, 1), out + err

    here = with_engine(default_pipeline, tmp_path / "duckdb", "duckdb")
    there = with_engine(default_pipeline, tmp_path / "spark", "spark")
    code_here, out_here, _ = cli("--config", str(here), "renormalize")
    code_there, out_there, err_there = cli("--config", str(there), "renormalize")
    assert code_there == code_here, out_there + err_there
    assert "mapped on Spark" in out_there and "mapped on Spark" not in out_here
    counts = [line.split(": ", 1)[1] for line in out_here.splitlines() if ": ok:" in line
              or ": FAILED" in line]  # fmt: skip
    assert counts and counts == [
        line.split(": ", 1)[1] for line in out_there.splitlines()
        if ": ok:" in line or ": FAILED" in line
    ]  # fmt: skip
    records_here = _rows(here.parent / "catalog.duckdb", RECORDS)
    records_there = _rows(there.parent / "catalog.duckdb", RECORDS)
    assert len(records_here) > 20
    assert records_there == records_here
    quarantined = _rows(there.parent / "catalog.duckdb", QUARANTINE)
    assert quarantined == _rows(here.parent / "catalog.duckdb", QUARANTINE)
    assert sum(q[0] == "broken" for q in quarantined) == 2, "the broken records are quarantined"
    assert not (there.parent / "warehouse").exists() or not any(
        (there.parent / "warehouse").iterdir()
    ), "the run's folder in the warehouse is removed once its pages are committed"


def test_engine_spark_without_its_parts_says_how_to_get_them(tmp_path: Path) -> None:
    from unioncat.engine import SparkSettings
    from unioncat.errors import ConfigError

    with pytest.raises(ConfigError, match="spark.\\*"):
        SparkSettings.from_mapping({"conf": {"executor.memory": "4g"}}, tmp_path)
    with pytest.raises(ConfigError, match="unknown setting"):
        SparkSettings.from_mapping({"masters": "local"}, tmp_path)
    settings = SparkSettings.from_mapping({"warehouse": "wh"}, tmp_path)
    assert settings.warehouse == tmp_path / "wh" and settings.master == "local[2]"


def test_shared_marc_files_give_the_same_records_on_spark(tmp_path: Path, cli: Cli) -> None:
    from tests.support.builders import SHARED_DATA, write_pipeline

    marc = SHARED_DATA / "marc"
    if not marc.is_dir():
        pytest.skip(f"the shared MARC files are not here ({marc}): they come with ../shared")
    sources = [
        {"name": "catmandu", "kind": "files", "format": "marc",
         "paths": [str(marc / "catmandu" / "*.mrc"), str(marc / "catmandu" / "broken.xml")]},
        {"name": "dnb", "kind": "files", "format": "marc", "paths": [str(marc / "dnb" / "*.xml")]},
        {"name": "evergreen", "kind": "files", "format": "marc",
         "paths": [str(marc / "evergreen" / "*.mrc"), str(marc / "evergreen" / "*.xml"),
                   str(marc / "evergreen" / "RDA" / "*.mrc")]},
    ]  # fmt: skip
    (tmp_path / "first").mkdir()
    pipeline = write_pipeline(tmp_path / "first", sources, dedupe={"enabled": False})
    code, out, err = cli("--config", str(pipeline), "run")
    assert code in (0, 1), out + err
    here = with_engine(pipeline, tmp_path / "duckdb", "duckdb")
    there = with_engine(pipeline, tmp_path / "spark", "spark")
    assert (
        cli("--config", str(here), "renormalize")[0]
        == cli("--config", str(there), "renormalize")[0]
    )
    records = _rows(there.parent / "catalog.duckdb", RECORDS)
    assert len(records) > 1000
    assert records == _rows(here.parent / "catalog.duckdb", RECORDS)
    assert _rows(there.parent / "catalog.duckdb", QUARANTINE) == _rows(
        here.parent / "catalog.duckdb", QUARANTINE
    )
