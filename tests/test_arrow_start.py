"""pandas stays out of the processes unioncat owns, and pyarrow converts as before.

Each check runs in a fresh interpreter: the test process has imported everything."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.builders import EXAMPLES, write_pipeline

HAVE_PANDAS = importlib.util.find_spec("pandas") is not None
needs_pandas = pytest.mark.skipif(
    not HAVE_PANDAS,
    reason="pandas is not installed (the spark extra brings it): there is nothing to keep out",
)


EXAMPLE_FILES = (
    ("marc", "marc/print-books.mrc"), ("marc", "marc/vendor-ebooks.xml"),
    ("kbart", "journal/Tideway_Global_CoastalCollection_2026-11-01.txt"),
    ("crossref", "journal/crossref-works.jsonl"), ("jats", "journal/jats-article.xml"),
    ("noteexpress", "exports/cnki-export.net"), ("medline", "exports/pubmed-export.nbib"),
)  # fmt: skip


def _run(code: str, cwd: Path | None = None) -> dict[str, object]:
    """Runs ``code`` in a fresh interpreter; it ends by printing one JSON line."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=cwd)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@needs_pandas
def test_a_harvest_and_a_run_of_the_program_never_import_pandas(tmp_path: Path) -> None:
    pipeline = write_pipeline(tmp_path, [
        {"name": "print", "kind": "files", "format": "marc",
         "paths": [str(EXAMPLES / "marc" / "print-books.mrc")]},
        {"name": "cnki", "kind": "files", "format": "noteexpress",
         "paths": [str(EXAMPLES / "exports" / "cnki-export.net")]},
    ])  # fmt: skip
    for command in ("harvest", "run"):
        out = _run(
            "import json, sys\nfrom unioncat.cli import run\n"
            f"code = run(['--config', {str(pipeline)!r}, {command!r}])\n"
            "print(json.dumps({'code': code, 'pyarrow': 'pyarrow' in sys.modules,"
            " 'pandas': 'pandas' in sys.modules}))"
        )
        assert out["code"] == 0 and out["pyarrow"], out  # it did convert with Arrow
        assert not out["pandas"], f"unioncat {command} imported pandas"


@needs_pandas
def test_a_worker_maps_a_page_without_pandas() -> None:
    out = _run(
        "import json, os, sys\n"
        "from datetime import datetime, timezone\n"
        "from unioncat.framing import frame_file\n"
        "from unioncat.harvest.files import frame_envelope\n"
        "from unioncat.parallel import map_page, start_worker\n"
        "start_worker(os.getpid(), False, False)\n"
        f"with open({str(EXAMPLES / 'marc' / 'print-books.mrc')!r}, 'rb') as raw:\n"
        "    wire, frames = frame_file(raw, 'marc')\n"
        "    at = datetime(2026, 1, 1, tzinfo=timezone.utc)\n"
        "    envs = [frame_envelope('s', 'b.mrc', wire, f, at) for f in frames]\n"
        "page = map_page(envs, 'marc', True)\n"
        "print(json.dumps({'rows': page.table.num_rows, 'pandas': 'pandas' in sys.modules}))"
    )
    assert isinstance(out["rows"], int) and out["rows"] > 0
    assert out["pandas"] is False


def test_a_table_built_without_pandas_is_the_table_built_with_it() -> None:
    """The catalog table of the example records of every format, in a process that kept
    pandas out and in one that imported it first: the same Arrow, byte for byte."""
    build = (
        "import hashlib, json, sys\n{prelude}\n"
        "from datetime import datetime, timezone\n"
        "import pyarrow as pa\n"
        "from tests.support.builders import EXAMPLES\n"
        "from unioncat.framing import frame_file\n"
        "from unioncat.harvest.files import frame_envelope\n"
        "from unioncat.mapping import normalize_envelopes\n"
        "from unioncat.schemas.generate import records_to_table\n"
        "at = datetime(2026, 1, 1, tzinfo=timezone.utc)\n"
        "rows = 0; digest = hashlib.sha256()\n"
        f"for fmt, name in {EXAMPLE_FILES!r}:\n"
        "    with open(EXAMPLES / name, 'rb') as raw:\n"
        "        wire, frames = frame_file(raw, fmt)\n"
        "        envs = [frame_envelope('s', name, wire, f, at) for f in frames]\n"
        "    t = records_to_table(normalize_envelopes(envs, fmt).records)\n"
        "    rows += t.num_rows\n"
        "    sink = pa.BufferOutputStream()\n"
        "    with pa.ipc.new_stream(sink, t.schema) as w:\n"
        "        w.write_table(t)\n"
        "    digest.update(sink.getvalue().to_pybytes())\n"
        "print(json.dumps({{'rows': rows, 'digest': digest.hexdigest(),"
        " 'pandas': 'pandas' in sys.modules}}))"
    )
    root = Path(__file__).resolve().parents[1]
    kept_out = _run(build.format(prelude="from unioncat.arrow_start import keep_pandas_out\n"
                                         "keep_pandas_out()"), cwd=root)  # fmt: skip
    plain = _run(build.format(prelude="try:\n    import pandas\nexcept ImportError:\n    pass"),
                 cwd=root)  # fmt: skip
    assert isinstance(kept_out["rows"], int) and kept_out["rows"] >= len(EXAMPLE_FILES)
    assert kept_out["pandas"] is False
    assert plain["pandas"] is HAVE_PANDAS
    assert (kept_out["rows"], kept_out["digest"]) == (plain["rows"], plain["digest"])


@needs_pandas
def test_pandas_asked_for_by_name_still_works_after() -> None:
    out = _run(
        "import json, sys\n"
        "from unioncat.arrow_start import keep_pandas_out\n"
        "keep_pandas_out()\n"
        "import pyarrow as pa\n"
        "before = 'pandas' in sys.modules\n"
        "t = pa.table({'x': [1, None], 's': ['a', None]})\n"
        "df = t.to_pandas()\n"
        "back = pa.Table.from_pandas(df, preserve_index=False)\n"
        "print(json.dumps({'before': before, 'rows': back.to_pylist(),"
        " 'nulls': int(df['s'].isna().sum())}))"
    )
    assert out["before"] is False
    assert out["rows"] == [{"x": 1.0, "s": "a"}, {"x": None, "s": None}]
    assert out["nulls"] == 1


@needs_pandas
def test_importing_unioncat_as_a_library_leaves_pyarrow_alone() -> None:
    out = _run(
        "import json, sys\n"
        "import unioncat.cli, unioncat.catalog, unioncat.parallel\n"
        "import pyarrow as pa\n"
        "pa.array([1])\n"
        "print(json.dumps({'pandas': 'pandas' in sys.modules}))"
    )
    assert out == {"pandas": True}  # pyarrow's own behaviour, untouched


def test_the_hook_waits_for_pyarrow_and_then_leaves_the_import_system_as_it_was() -> None:
    out = _run(
        "import json, sys\n"
        "from unioncat.arrow_start import keep_pandas_out_of_pyarrow\n"
        "finders = list(sys.meta_path)\n"
        "keep_pandas_out_of_pyarrow()\n"
        "keep_pandas_out_of_pyarrow()  # twice: still one hook\n"
        "hooked = len(sys.meta_path) - len(finders)\n"
        "waiting = 'pyarrow' not in sys.modules\n"
        "import pyarrow\n"
        "print(json.dumps({'hooked': hooked, 'waiting': waiting,"
        " 'restored': sys.meta_path == finders,"
        " 'loader': type(pyarrow.__loader__).__name__,"
        " 'spec_loader': type(pyarrow.__spec__.loader).__name__,"
        " 'pandas': 'pandas' in sys.modules,"
        " 'empty_left': sys.modules.get('pandas') is not None and"
        " not hasattr(sys.modules.get('pandas'), 'DataFrame')}))"
    )
    assert out["hooked"] == 1 and out["waiting"] is True
    assert out["restored"] is True
    assert out["loader"] == out["spec_loader"] == "SourceFileLoader"
    assert out["pandas"] is False and out["empty_left"] is False


@needs_pandas
def test_main_called_in_someone_elses_process_leaves_pyarrow_alone(tmp_path: Path) -> None:
    """An application that runs a command through ``cli.main`` keeps pyarrow as it was:
    pandas' NA is still a null to it."""
    pipeline = write_pipeline(tmp_path, [
        {"name": "print", "kind": "files", "format": "marc",
         "paths": [str(EXAMPLES / "marc" / "print-books.mrc")]},
    ])  # fmt: skip
    out = _run(
        "import json, sys\nfrom unioncat.cli import main\n"
        f"code = main(['--config', {str(pipeline)!r}, 'harvest'])\n"
        "import pandas as pd, pyarrow as pa\n"
        "nulls = pa.array([pd.NA, 1], from_pandas=True).null_count\n"
        "print(json.dumps({'code': code, 'nulls': nulls}))"
    )
    assert out == {"code": 0, "nulls": 1}


def test_a_spark_engine_pipeline_leaves_pyarrow_alone(tmp_path: Path) -> None:
    """The hook waits for pyarrow in a ``status`` (which never imports it) of a DuckDB
    pipeline, and is not set at all for a Spark one."""
    hooked = {}
    for engine in ("duckdb", "spark"):
        folder = tmp_path / engine
        folder.mkdir()
        pipeline = write_pipeline(folder, [
            {"name": "print", "kind": "files", "format": "marc",
             "paths": [str(EXAMPLES / "marc" / "print-books.mrc")]},
        ])  # fmt: skip
        text = pipeline.read_text(encoding="utf-8")
        pipeline.write_text(f"engine: {engine}\n{text}", encoding="utf-8")
        out = _run(
            "import json, sys\nfrom unioncat.cli import run\n"
            f"run(['--config', {str(pipeline)!r}, 'status'])\n"
            "print(json.dumps({'hooked': any(type(f).__name__ == '_AfterPyarrow'"
            " for f in sys.meta_path)}))"
        )
        hooked[engine] = out["hooked"]
    assert hooked == {"duckdb": True, "spark": False}


@needs_pandas
def test_looking_pyarrow_up_does_not_use_the_hook_up() -> None:
    out = _run(
        "import importlib.util, json, sys\n"
        "from unioncat.arrow_start import keep_pandas_out_of_pyarrow\n"
        "keep_pandas_out_of_pyarrow()\n"
        "found = importlib.util.find_spec('pyarrow') is not None\n"
        "import pyarrow.parquet\n"
        "import pyarrow as pa\n"
        "pa.array(['x'])\n"
        "print(json.dumps({'found': found, 'pandas': 'pandas' in sys.modules}))"
    )
    assert out == {"found": True, "pandas": False}


def test_a_pyarrow_that_looks_another_way_costs_the_import_and_nothing_else() -> None:
    """Should pyarrow's conversion fail while pandas is kept out, the process goes on
    with the import system as it was."""
    out = _run(
        "import json, sys\n"
        "import pyarrow as pa\n"
        "from unioncat import arrow_start\n"
        "finders = list(sys.meta_path)\n"
        "real = pa.array\n"
        "def looks_otherwise(*args, **kw):\n"
        "    raise AttributeError(\"module 'pandas' has no attribute '__version__'\")\n"
        "pa.array = looks_otherwise\n"
        "arrow_start.keep_pandas_out()\n"
        "pa.array = real\n"
        "print(json.dumps({'restored': sys.meta_path == finders,"
        " 'left': 'pandas' in sys.modules and sys.modules['pandas'] is not None"
        " and not hasattr(sys.modules['pandas'], 'DataFrame'),"
        " 'works': pa.array([1, None]).null_count}))"
    )
    assert out == {"restored": True, "left": False, "works": 1}
