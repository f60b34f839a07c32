"""Ctrl-C and SIGTERM stop a run at the next safe point: what committed is kept and
reported, nothing is blamed on a source, the exit code is 128 plus the signal, and the
next run goes on without losing or doubling a record."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.builders import marc_record, unioncat_process, write_marc, write_pipeline

Cli = Callable[..., tuple[int, str, str]]
BIG = 12_000


@pytest.fixture(scope="module")
def big_drop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("interrupt")
    recs = [marc_record(control=f"s{i:06d}", title=f"Signal record {i}") for i in range(BIG)]
    return write_marc(folder / "big.mrc", recs)


def _pipeline(folder: Path, drop: Path, **top: object) -> Path:
    source = {"name": "big", "kind": "files", "format": "marc", "paths": [str(drop)],
              "page_size": 300}  # fmt: skip
    return write_pipeline(folder, [source], **top)


def _q(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_at_the_commits_stops_the_run_at_a_safe_point(
    tmp_path: Path, big_drop: Path, signum: int, code: int
) -> None:
    cfg = _pipeline(tmp_path, big_drop, workers=2)
    proc = unioncat_process("--config", str(cfg), "-v", "run")
    assert proc.stderr is not None
    lines = []
    committed = 0
    for line in proc.stderr:
        lines.append(line)
        if '"page.committed"' in line:
            committed += 1
            if committed == 4:
                proc.send_signal(signum)
                break
    out, rest = proc.communicate(timeout=120)
    err = "".join(lines) + rest
    assert proc.returncode == code, err[-3000:]
    for line in err.splitlines():
        json.loads(line)  # one JSON object per line, even while stopping
    assert "could not be committed" not in err and "Traceback" not in err
    assert "leaked semaphore" not in err
    assert "INTERRUPTED" in out and "big: interrupted" in out, out
    ((status, message),) = _q(tmp_path, "SELECT status, message FROM runs")
    assert status == "interrupted" and signal.Signals(signum).name in message
    ((records,),) = _q(tmp_path, "SELECT count(*) FROM records")
    ((envelopes,),) = _q(tmp_path, "SELECT count(*) FROM raw")
    assert 0 < records == envelopes < BIG  # whole pages only: records and their raw bytes
    assert not (tmp_path / "export" / "manifest.json").exists()  # no export of a half run

    shown = unioncat_process("--config", str(cfg), "status")
    text, _ = shown.communicate(timeout=60)
    assert "(run): interrupted" in text, text

    again = unioncat_process("--config", str(cfg), "run")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err[-2000:]
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT source_id) FROM records") == [(BIG, BIG)]
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT envelope_id) FROM raw") == [(BIG, BIG)]
    upserts = _q(tmp_path, "SELECT count(*), count(DISTINCT id) FROM changes "
                           "WHERE op = 'upsert' AND entity = 'record'")  # fmt: skip
    assert upserts == [(BIG, BIG)]
    assert [s for (s,) in _q(tmp_path, "SELECT status FROM runs ORDER BY started_at")] == [
        "interrupted", "ok"
    ]  # fmt: skip


def _signal_after(calls: int, signum: int = signal.SIGINT) -> Callable[..., Any]:
    """A wrapper that sends this process a real signal after ``calls`` calls."""
    seen = {"n": 0}

    def wrap(fn: Callable[..., Any]) -> Callable[..., Any]:
        def inner(*args: Any, **kw: Any) -> Any:
            result = fn(*args, **kw)
            seen["n"] += 1
            if seen["n"] == calls:
                os.kill(os.getpid(), signum)
            return result

        return inner

    return wrap


def test_a_signal_while_matching_rolls_the_matching_back(
    default_pipeline: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unioncat.dedupe import stage

    cfg = str(default_pipeline)
    monkeypatch.setattr(stage, "_round", _signal_after(1)(stage._round))
    code, out, _err = cli("--config", cfg, "run")
    assert code == 130
    assert "INTERRUPTED while matching" in out
    folder = default_pipeline.parent
    assert _q(folder, "SELECT count(*) FROM clusters") == [(0,)]  # the stage rolled back
    ((records,),) = _q(folder, "SELECT count(*) FROM records")
    assert records > 0  # the harvest before it is kept
    assert _q(folder, "SELECT status FROM runs") == [("interrupted",)]
    monkeypatch.undo()
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out + err
    ((clusters,),) = _q(folder, "SELECT count(DISTINCT cluster_id) FROM clusters")
    assert clusters > 0


def test_a_signal_while_exporting_keeps_the_previous_export(
    default_pipeline: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unioncat.catalog import export

    cfg = str(default_pipeline)
    assert cli("--config", cfg, "run")[0] == 0
    manifest = default_pipeline.parent / "export" / "manifest.json"
    before = manifest.read_bytes()
    monkeypatch.setattr(export, "_write_named", _signal_after(1, signal.SIGTERM)(
        export._write_named))  # fmt: skip
    code, out, _ = cli("--config", cfg, "export")
    assert code == 143
    assert manifest.read_bytes() == before
    for entry in json.loads(before)["files"]:
        assert (manifest.parent / entry["path"]).exists()


def test_a_signal_while_converting_leaves_no_half_output(
    tmp_path: Path, big_drop: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    from unioncat import convert

    original = convert._chunks

    def chunks(*args: Any) -> Iterator[Any]:
        for n, chunk in enumerate(original(*args)):
            if n == 1:
                os.kill(os.getpid(), signal.SIGINT)
            yield chunk

    monkeypatch.setattr(convert, "_chunks", chunks)
    out = tmp_path / "out.parquet"
    code, _stdout, err = cli("convert", str(big_drop), "--format", "marc", "-o", str(out),
                             "--workers", "1")  # fmt: skip
    assert code == 130 and "stopped by SIGINT" in err
    assert not out.exists() and not list(tmp_path.glob(".out.parquet*"))
