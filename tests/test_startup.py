"""What a command imports before it works: a nightly cron of many small sources pays it
on every run.  Checked in a fresh interpreter each time (the test process has loaded
everything already)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.builders import EXAMPLES, write_pipeline


def _loaded(code: str) -> set[str]:
    probe = code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", probe], check=True, capture_output=True,
                         text=True).stdout  # fmt: skip
    return set(json.loads(out.splitlines()[-1]))


def test_help_and_version_load_no_engine_and_no_format() -> None:
    for argv in (["--help"], ["--version"], ["status", "--help"]):
        loaded = _loaded(
            f"from unioncat.cli import main\ntry:\n    main({argv!r})\nexcept SystemExit:\n    pass"
        )
        heavy = loaded & {"duckdb", "pyarrow", "rdflib", "lxml", "requests", "pymarc", "numpy"}
        assert not heavy, f"unioncat {' '.join(argv)} imported {sorted(heavy)}"


def test_a_pipeline_loads_only_the_formats_and_kinds_it_uses(tmp_path: Path) -> None:
    pipeline = write_pipeline(tmp_path, [
        {"name": "print", "kind": "files", "format": "marc",
         "paths": [str(EXAMPLES / "marc" / "print-books.mrc")]},
    ])  # fmt: skip
    loaded = _loaded(f"from unioncat.config import load_config\nload_config({str(pipeline)!r})")
    assert "unioncat.normalize.marc" in loaded and "unioncat.harvest.files" in loaded
    assert not loaded & {"rdflib", "unioncat.normalize.bibframe", "unioncat.normalize.onix",
                         "unioncat.harvest.oai", "unioncat.harvest.crossref"}  # fmt: skip


def test_listing_the_formats_still_names_every_one() -> None:
    from unioncat.normalize import NORMALIZERS
    from unioncat.normalize.formats import MODULES

    assert set(MODULES) <= set(NORMALIZERS)
    assert "bibframe" in NORMALIZERS and "nothing-of-the-kind" not in NORMALIZERS


def test_version_is_on_stdout_and_names_the_marc_path() -> None:
    done = subprocess.run([sys.executable, "-m", "unioncat.cli", "--version"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert done.stdout.startswith("unioncat ") and "MARC path: " in done.stdout
    assert "compiled MARC core" in done.stdout or "pure Python" in done.stdout


def test_the_read_only_commands_load_no_arrow_and_no_http_client(tmp_path: Path) -> None:
    """``status``, ``find`` and ``show`` open the catalog read-only: the Arrow conversion
    (and pandas, numpy behind it), the harvesters' HTTP client and the formats' modules
    (the pipeline's formats are checked by name) are for the writers."""
    from unioncat.cli import main

    pipeline = write_pipeline(tmp_path, [
        {"name": "print", "kind": "files", "format": "marc",
         "paths": [str(EXAMPLES / "marc" / "print-books.mrc")]},
    ])  # fmt: skip
    assert main(["--config", str(pipeline), "run"]) == 0
    # sources of the other kinds, named but not harvested: their options are read, their
    # HTTP clients are not loaded
    write_pipeline(tmp_path, [
        {"name": "print", "kind": "files", "format": "marc",
         "paths": [str(EXAMPLES / "marc" / "print-books.mrc")]},
        {"name": "repo", "kind": "oai-pmh", "format": "oai_dc", "enabled": False,
         "url": "http://127.0.0.1:9/oai"},
        {"name": "works", "kind": "crossref", "enabled": False,
         "url": "http://127.0.0.1:9", "filters": {"type": "journal-article"}},
    ])  # fmt: skip
    for argv in (["status"], ["find", "history"], ["show", "print:nothing-of-the-kind"]):
        args = ["--config", str(pipeline), *argv]
        loaded = _loaded(
            f"from unioncat.cli import main\ncode = main({args!r})\nprint()\n"
            "assert code in (0, 1), code"
        )
        assert "duckdb" in loaded  # it did open the catalog
        assert {"unioncat.harvest.oai_options", "unioncat.harvest.crossref_options"} <= loaded
        heavy = loaded & {"pyarrow", "numpy", "pandas", "requests", "unioncat.pipeline",
                          "unioncat.normalize.marc", "unioncat.normalize.marc_framers",
                          "lxml", "msgspec"}
        assert not heavy, f"unioncat {' '.join(argv)} imported {sorted(heavy)}"


def test_an_oai_dc_harvest_loads_neither_the_marc_mapping_nor_convert(tmp_path: Path) -> None:
    """A cron job harvesting Dublin Core pays for what it maps: the enumeration rules it
    shares with the MARC mapping live apart from it, and ``convert`` (with its Parquet
    writer) loads only for ``unioncat convert``."""
    pipeline = write_pipeline(tmp_path, [
        {"name": "peer", "kind": "oai-pmh", "format": "oai_dc", "url": "http://127.0.0.1:9/oai"},
    ])  # fmt: skip
    loaded = _loaded(
        "from unioncat.config import load_config\n"
        "from unioncat.cli import _write_command\n"
        f"load_config({str(pipeline)!r})\n"
        "_write_command('harvest')\n"
        "import unioncat.normalize.oai_dc"
    )
    assert "unioncat.commands" in loaded and "unioncat.normalize.oai_values" in loaded
    assert not loaded & {"unioncat.normalize.marc", "unioncat.convert", "pymarc"}


def test_a_read_only_command_still_refuses_a_format_no_module_has(tmp_path: Path) -> None:
    from unioncat.cli import main

    pipeline = write_pipeline(tmp_path, [
        {"name": "print", "kind": "files", "format": "marcc",
         "paths": [str(EXAMPLES / "marc" / "print-books.mrc")]},
    ])  # fmt: skip
    assert main(["--config", str(pipeline), "status"]) == 2


def test_a_read_only_command_accepts_a_format_registered_by_the_library_s_user(
    tmp_path: Path,
) -> None:
    """A format registered in code (no module of the table) is a known name as well."""
    from unioncat.config import load_config
    from unioncat.normalize import NORMALIZERS
    from unioncat.normalize.base import register

    register("startup-probe-format")(lambda env: [])
    try:
        pipeline = write_pipeline(tmp_path, [
            {"name": "probe", "kind": "oai-pmh", "format": "startup-probe-format",
             "url": "http://127.0.0.1:9/oai"},
        ])  # fmt: skip
        config = load_config(pipeline, formats=False)
        assert config.sources[0].format == "startup-probe-format"
    finally:
        dict.pop(NORMALIZERS, "startup-probe-format", None)


def test_a_typo_in_the_pipeline_fails_before_a_writer_s_module_loads(tmp_path: Path) -> None:
    """A cron line with a broken pipeline file fails fast: the writer commands' module
    (the pipeline, Arrow) is loaded only once the file has been read."""
    (tmp_path / "pipelines.yaml").write_text("sources: [\n", encoding="utf-8")
    args = ["--config", str(tmp_path / "pipelines.yaml"), "run"]
    loaded = _loaded(f"from unioncat.cli import main\nassert main({args!r}) == 2\nprint()")
    assert "unioncat.config" in loaded
    assert not loaded & {"unioncat.commands", "unioncat.pipeline", "pyarrow"}
