from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.builders import write_pipeline
from unioncat.config import load_config
from unioncat.errors import ConfigError


def _source(**kw: object) -> dict[str, object]:
    return {"name": "s1", "kind": "files", "format": "marc", "paths": ["x.mrc"], **kw}


def test_loads_typed_sources_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    cfg = load_config(write_pipeline(tmp_path, [_source(page_size=10)]))
    assert cfg.catalog == tmp_path / "catalog.duckdb"
    assert cfg.export == tmp_path / "export"
    (src,) = cfg.sources
    assert (src.name, src.kind, src.format) == ("s1", "files", "marc")
    assert src.options.paths == ["x.mrc"]
    assert src.options.page_size == 10
    assert Path(src.options.base_dir) == tmp_path.resolve()


def test_batch_size_is_still_read_as_page_size(tmp_path: Path) -> None:
    cfg = load_config(write_pipeline(tmp_path, [_source(batch_size=7)]))
    assert cfg.sources[0].options.page_size == 7


@pytest.mark.parametrize(
    ("source", "top", "words"),
    [
        (_source(colour="red"), {}, ["'colour'", "valid keys", "paths", "page_size"]),
        (_source(kind="ftp"), {}, ["unknown kind 'ftp'", "files"]),
        (_source(format="dublin"), {}, ["unknown format 'dublin'", "marc"]),
        (_source(batch_size="many"), {}, ["batch_size", "whole number"]),
        (_source(page_size="many"), {}, ["page_size", "whole number"]),
        (
            _source(),
            {"catalogue": "x"},
            ["'catalogue'", "catalog, dedupe, engine, export, memory_limit, oai_provider, "
             "parallel_sources, sources, spark"],
        ),
    ],
)
def test_rejects_unknown_keys_naming_the_key_and_the_choices(
    tmp_path: Path, source: dict[str, object], top: dict[str, object], words: list[str]
) -> None:
    path = write_pipeline(tmp_path, [source], **top)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    for w in words:
        assert w in str(err.value)


def test_duplicate_source_names_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="used twice"):
        load_config(write_pipeline(tmp_path, [_source(), _source()]))


def test_secrets_come_from_environment_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_pipeline(tmp_path, [_source(paths=["${UNIONCAT_TEST_PATH}"])])
    with pytest.raises(ConfigError, match="UNIONCAT_TEST_PATH"):
        load_config(path)
    monkeypatch.setenv("UNIONCAT_TEST_PATH", "/data/drop.mrc")
    assert load_config(path).sources[0].options.paths == ["/data/drop.mrc"]


def test_cli_exits_2_on_bad_config(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = write_pipeline(tmp_path, [_source(kind="ftp")])
    code, _out, err = cli("--config", str(path), "run")
    assert code == 2
    assert "unknown kind 'ftp'" in err and "files" in err
    code, _out, err = cli("--config", str(tmp_path / "nope.yaml"), "run")
    assert code == 2
    assert "pipeline file not found" in err


@pytest.mark.parametrize(
    ("prefix", "fmt"),
    [("oai_dc", "oai_dc"), ("mods", "mods"), ("marc21", "marc"), ("MARCXML", "marc")],
)
def test_oai_sources_are_routed_by_metadata_prefix(tmp_path: Path, prefix: str, fmt: str) -> None:
    src = {
        "name": "r",
        "kind": "oai-pmh",
        "url": "https://repo.example/oai",
        "metadata_prefix": prefix,
    }
    (source,) = load_config(write_pipeline(tmp_path, [src])).sources
    assert source.format == fmt
    assert source.options.from_date is None


def test_oai_options_are_checked(tmp_path: Path) -> None:
    base = {"name": "r", "kind": "oai-pmh", "format": "oai_dc", "url": "https://repo.example/oai"}
    cfg = load_config(write_pipeline(tmp_path, [{**base, "from": "2024-01-01"}]))
    assert cfg.sources[0].options.from_date == "2024-01-01"
    with pytest.raises(ConfigError, match="mode 'fast' is unknown; valid modes are"):
        load_config(write_pipeline(tmp_path, [{**base, "mode": "fast"}]))
    with pytest.raises(ConfigError, match="http"):
        load_config(write_pipeline(tmp_path, [{**base, "url": "ftp://x"}]))


def test_memory_limit_is_a_size_and_reaches_the_catalog(tmp_path: Path) -> None:
    from unioncat.catalog import Catalog

    path = write_pipeline(tmp_path, [], memory_limit="512MB")
    config = load_config(path)
    assert config.memory_limit == "512MB"
    catalog = Catalog(tmp_path / "c.duckdb", memory_limit=config.memory_limit)
    try:
        (limit,) = catalog.query("SELECT current_setting('memory_limit')")[0]
    finally:
        catalog.close()
    assert limit.replace(" ", "").upper().startswith(("488", "512")), limit
    bad = write_pipeline(tmp_path, [], memory_limit="lots'; DROP TABLE records; --")
    with pytest.raises(ConfigError, match="memory_limit"):
        load_config(bad)


_OAI = {"name": "r", "kind": "oai-pmh", "format": "oai_dc", "url": "https://repo.example/oai"}


@pytest.mark.parametrize(
    ("source", "top", "words"),
    [
        (_source(batch_size=0), {}, ["batch_size is 0", "from 1 to 1000000 records"]),
        (_source(batch_size=-5), {}, ["batch_size is -5", "from 1"]),
        (_source(page_size=0), {}, ["page_size is 0"]),
        (_source(timeout=0), {}, ["timeout is 0.0", "above 0 to 3600 seconds"]),
        (_source(sweep_max_fraction=0), {}, ["sweep_max_fraction", "above 0 to 1"]),
        ({**_OAI, "overlap_seconds": -1_000_000_000}, {}, ["overlap_seconds", "from 0"]),
        ({**_OAI, "overlap_seconds": 10**12}, {}, ["overlap_seconds", "31622400 seconds"]),
        ({**_OAI, "timeout": -5}, {}, ["timeout is -5.0", "above 0"]),
        ({**_OAI, "max_retries": -1}, {}, ["max_retries is -1", "from 0 to 100 retries"]),
        ({**_OAI, "deadline": 0}, {}, ["deadline"]),
        ({**_OAI, "backoff": float("nan")}, {}, ["backoff"]),
        ({**_OAI, "page_delay": float("inf")}, {}, ["page_delay"]),
        (_source(), {"workers": -1}, ["workers is -1", "from 0 to 1024"]),
        (_source(), {"parallel_sources": 0}, ["parallel_sources is 0", "from 1 to 64"]),
        (_source(), {"memory_limit": "1KB"}, ["memory_limit 1KB is too small", "256MB"]),
        (_source(), {"memory_limit": "100MiB"}, ["too small"]),
        (_source(), {"dedupe": {"max_block": 0}}, ["dedupe.max_block is 0", "from 2"]),
        (_source(), {"dedupe": {"probe_tokens": 2.5}}, ["probe_tokens must be a whole"]),
        (_source(), {"dedupe": {"match_weight": 1e9}}, ["match_weight", "bits"]),
        (_source(), {"dedupe": {"review_weight": 5}}, ["review_weight (5.0) is above"]),
        (_source(), {"dedupe": {"title_levels": [[90, 2], [95, 3]]}}, ["highest similarity"]),
        (_source(), {"dedupe": {"title_levels": [[190, 2]]}}, ["out of range"]),
        (_source(), {"dedupe": {"title_levels": "high"}}, ["list of [similarity"]),
    ],
)
def test_every_numeric_option_has_a_range_checked_before_work(
    tmp_path: Path, source: dict[str, object], top: dict[str, object], words: list[str]
) -> None:
    path = write_pipeline(tmp_path, [source], **top)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    for w in words:
        assert w in str(err.value), str(err.value)


def test_values_at_the_ends_of_their_ranges_are_accepted(tmp_path: Path) -> None:
    src = {**_OAI, "overlap_seconds": 0, "max_retries": 0, "timeout": 0.5, "page_delay": 0}
    path = write_pipeline(
        tmp_path,
        [src, _source(name="f", page_size=1, sweep_max_fraction=1)],
        memory_limit="256MB",
        workers=0,
        parallel_sources=1,
        dedupe={"max_year_gap": 0, "review_weight": 3.2},
    )
    cfg = load_config(path)
    assert cfg.sources[0].options.overlap_seconds == 0
    assert cfg.sources[1].options.page_size == 1
    assert cfg.dedupe.review_weight == cfg.dedupe.match_weight


def test_an_out_of_range_value_exits_2_before_the_catalog_is_touched(tmp_path: Path, cli) -> None:  # type: ignore[no-untyped-def]
    path = write_pipeline(tmp_path, [_source(batch_size=0)])
    code, _out, err = cli("--config", str(path), "run")
    assert code == 2
    assert "batch_size is 0" in err and "Traceback" not in err
    assert not (tmp_path / "catalog.duckdb").exists()


def test_the_engine_is_duckdb_unless_the_pipeline_says_spark(tmp_path: Path) -> None:
    plain = write_pipeline(tmp_path, [])
    assert load_config(plain).engine == "duckdb"
    spark = write_pipeline(tmp_path, [], engine="spark", spark={"master": "local[4]"})
    config = load_config(spark)
    assert config.engine == "spark" and config.spark.master == "local[4]"
    assert config.spark.warehouse == tmp_path / "spark-warehouse"
    wrong = write_pipeline(tmp_path, [], engine="polars")
    with pytest.raises(ConfigError, match="unknown engine 'polars'; valid engines are: duckdb"):
        load_config(wrong)
