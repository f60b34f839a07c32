"""Nothing fails in silence: empty sources, standing quarantine, and the small ways the
command line used to say the wrong thing."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.support.builders import marc_record, write_marc, write_pipeline

Cli = Callable[..., tuple[int, str, str]]


def _files(paths: list[str], **kw: object) -> dict[str, object]:
    return {"name": "drop", "kind": "files", "format": "marc", "paths": paths, **kw}


def test_a_glob_that_matches_no_file_makes_the_source_empty(tmp_path: Path, cli: Cli) -> None:
    cfg = write_pipeline(tmp_path, [_files(["incoming/*.mrc"])])
    code, out, _ = cli("--config", str(cfg), "run")
    assert code == 1
    assert "drop: EMPTY: 0 read" in out and "incoming/*.mrc matches no file" in out
    code, out, _ = cli("--config", str(cfg), "status")
    assert "drop: empty" in out


def test_allow_empty_lets_an_empty_drop_folder_pass(tmp_path: Path, cli: Cli) -> None:
    cfg = write_pipeline(tmp_path, [_files(["incoming/*.mrc"], allow_empty=True)])
    code, out, _ = cli("--config", str(cfg), "run")
    assert code == 0 and "drop: ok: 0 read" in out
    assert "incoming/*.mrc matches no file" in out  # still said, just not a failure


def test_an_empty_file_makes_the_source_empty(tmp_path: Path, cli: Cli) -> None:
    (tmp_path / "a.mrc").write_bytes(b"")
    cfg = write_pipeline(tmp_path, [_files(["a.mrc"])])
    code, out, _ = cli("--config", str(cfg), "run")
    assert code == 1 and "a.mrc holds no record" in out


def test_unchanged_files_of_a_source_with_records_are_no_failure(tmp_path: Path, cli: Cli) -> None:
    write_marc(tmp_path / "a.mrc", [marc_record(control="a1")])
    cfg = write_pipeline(tmp_path, [_files(["a.mrc"])])
    assert cli("--config", str(cfg), "run")[0] == 0
    code, out, _ = cli("--config", str(cfg), "run")
    assert code == 0 and "drop: ok: 0 read" in out


def test_a_pipeline_without_sources_is_refused(tmp_path: Path, cli: Cli) -> None:
    cfg = write_pipeline(tmp_path, [])
    code, _, err = cli("--config", str(cfg), "run")
    assert code == 2 and "lists no enabled source" in err
    cfg = write_pipeline(tmp_path, [_files(["a.mrc"], enabled=False)])
    assert cli("--config", str(cfg), "harvest")[0] == 2


def test_records_quarantined_earlier_are_named_on_every_run_until_fixed(
    tmp_path: Path, cli: Cli
) -> None:
    good = marc_record(control="g1").as_marc()
    broken = bytearray(marc_record(control="b1").as_marc())
    broken[12:17] = b"xx9zz"
    (tmp_path / "a.mrc").write_bytes(good + bytes(broken))
    cfg = write_pipeline(tmp_path, [_files(["a.mrc"])])
    code, out, _ = cli("--config", str(cfg), "run")
    assert code == 1 and "1 quarantined" in out
    code, out, _ = cli("--config", str(cfg), "run")  # the file is unchanged: skipped
    assert code == 4
    assert "drop: ok: 0 read" in out and "1 record(s) still in quarantine since" in out
    code, out, _ = cli("--config", str(cfg), "status")
    assert "1 quarantined (the first since" in out
    (tmp_path / "a.mrc").write_bytes(good)  # the vendor sends a clean file
    code, out, _ = cli("--config", str(cfg), "run")
    assert code == 0 and "still in quarantine" not in out


def test_convert_with_a_missing_input_is_a_usage_error(tmp_path: Path, cli: Cli) -> None:
    code, _, err = cli("convert", str(tmp_path / "nope.mrc"), "--format", "marc", "-o",
                       str(tmp_path / "o.jsonl"))  # fmt: skip
    assert code == 2 and "input file not found" in err


def test_quarantine_of_an_unknown_source_says_so(default_pipeline: Path, cli: Cli) -> None:
    assert cli("--config", str(default_pipeline), "run")[0] == 0
    code, _, err = cli("--config", str(default_pipeline), "quarantine", "--source", "nosuch")
    assert code == 2 and "no source named 'nosuch'" in err and "library-print" in err


def test_a_source_name_with_a_space_is_named_in_the_message(tmp_path: Path, cli: Cli) -> None:
    cfg = write_pipeline(tmp_path, [{**_files(["a.mrc"]), "name": "my drop"}])
    code, _, err = cli("--config", str(cfg), "run")
    assert code == 2 and "source name 'my drop' is not allowed" in err


def test_the_fix_names_the_pipeline_file_in_use(tmp_path: Path, cli: Cli) -> None:
    cfg = write_pipeline(tmp_path, [_files(["missing.mrc"])])
    renamed = cfg.rename(tmp_path / "nightly.yaml")
    code, out, _ = cli("--config", str(renamed), "run")
    assert code == 1 and "correct the path in" in out and "nightly.yaml" in out


def test_status_into_a_pipe_that_closes_early_ends_quietly(default_pipeline: Path) -> None:
    folder = default_pipeline.parent
    subprocess.run([sys.executable, "-m", "unioncat.cli", "run"], cwd=folder, check=True,
                   capture_output=True)  # fmt: skip
    status = subprocess.Popen(
        [sys.executable, "-m", "unioncat.cli", "status"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert status.stdout is not None
    status.stdout.close()  # what `| head` does once it has read enough: before any write
    _, err = status.communicate(timeout=60)
    assert b"Traceback" not in err and b"BrokenPipe" not in err
    assert status.returncode == 0
