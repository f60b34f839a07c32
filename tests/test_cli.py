"""End to end through the command line, on the bundled pipeline and on pipelines built here."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.support.builders import marc_record, unioncat_process, write_marc, write_pipeline
from unioncat.catalog import read_export
from unioncat.schemas import RECORD_ARROW_SCHEMA

Cli = Callable[..., tuple[int, str, str]]


def _db(path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(path), read_only=True)


def test_default_pipeline_runs_exports_and_is_idempotent(default_pipeline: Path, cli: Cli) -> None:
    folder = default_pipeline.parent
    code, out, _err = cli("--config", str(default_pipeline), "run")
    assert code == 0, out
    assert (folder / "catalog.duckdb").is_file()
    manifest = json.loads((folder / "export" / "manifest.json").read_text())
    table = read_export(folder / "export")
    assert set(RECORD_ARROW_SCHEMA.names) <= set(table.schema.names)
    # examples/marc: 3 print books, 2 e-books, a serial and its article; examples/journal:
    # a print serial and a branch's holdings record, a KBART title, 4 Crossref works, a
    # JATS article; examples/exports: a print journal, 3 NoteExpress and 2 MEDLINE records
    assert table.num_rows == manifest["row_counts"]["records"] == 21
    media = sorted(table.column("medium").to_pylist())
    assert media == ["electronic"] * 9 + ["microform"] + ["print"] * 6 + ["unknown"] * 5
    assert manifest["row_counts"]["holdings"] == 5
    with _db(folder / "catalog.duckdb") as con:
        before = con.execute("SELECT id, content_hash FROM records ORDER BY id").fetchall()
        changes = con.execute("SELECT count(*) FROM changes").fetchone()
    code, out, _err = cli("--config", str(default_pipeline), "run")
    assert code == 0
    assert "0 new or changed" in out
    with _db(folder / "catalog.duckdb") as con:
        assert con.execute("SELECT id, content_hash FROM records ORDER BY id").fetchall() == before
        assert con.execute("SELECT count(*) FROM changes").fetchone() == changes
        runs = con.execute(
            "SELECT command, status, counts FROM runs ORDER BY started_at"
        ).fetchall()
    assert [(r[0], r[1]) for r in runs] == [("run", "ok"), ("run", "ok")]
    assert json.loads(runs[0][2])["sources"][0]["upserted"] == 3


def test_status_show_and_convert(default_pipeline: Path, cli: Cli, tmp_path: Path) -> None:
    cfg = str(default_pipeline)
    assert cli("--config", cfg, "run")[0] == 0
    code, out, _ = cli("--config", cfg, "status")
    assert code == 0
    assert "library-print: ok, 3 records, 0 quarantined" in out
    code, out, _ = cli("--config", cfg, "show", "library-print:ex-p-0001")
    assert code == 0
    shown = json.loads(out)
    assert shown["record"]["title"] == "The river archives"
    assert shown["history"][0]["op"] == "upsert"
    assert cli("--config", cfg, "show", shown["record"]["id"])[0] == 0
    assert cli("--config", cfg, "show", "uc1-nothing")[0] == 1
    examples = default_pipeline.parent / "examples" / "marc"
    out_pq = tmp_path / "conv" / "out.parquet"
    code, out, _ = cli(
        "convert",
        str(examples / "print-books.mrc"),
        str(examples / "vendor-ebooks.xml"),
        "--format",
        "marc",
        "-o",
        str(out_pq),
    )
    assert code == 0 and "5 records" in out
    assert pq.read_table(out_pq).num_rows == 5
    out_jl = tmp_path / "conv" / "out.jsonl"
    assert (
        cli("convert", str(examples / "serials.mrc.gz"), "--format", "marc", "-o", str(out_jl))[0]
        == 0
    )
    rows = [json.loads(line) for line in out_jl.read_text().splitlines()]
    assert [r["type"] for r in rows] == ["journal", "journal_article"]


def test_harvest_then_normalize_then_renormalize(default_pipeline: Path, cli: Cli) -> None:
    cfg = str(default_pipeline)
    db = default_pipeline.parent / "catalog.duckdb"
    assert cli("--config", cfg, "harvest", "--source", "journals")[0] == 0
    with _db(db) as con:
        assert con.execute("SELECT count(*), min(status) FROM raw").fetchone() == (2, "pending")
        assert con.execute("SELECT count(*) FROM records").fetchone() == (0,)
    assert cli("--config", cfg, "normalize")[0] == 0
    with _db(db) as con:
        assert con.execute("SELECT count(*) FROM records").fetchone() == (2,)
        assert con.execute("SELECT min(status) FROM raw").fetchone() == ("normalized",)
        changes = con.execute("SELECT count(*) FROM changes").fetchone()
    code, out, _ = cli("--config", cfg, "renormalize")
    assert code == 0 and "2 unchanged" in out
    with _db(db) as con:
        assert con.execute("SELECT count(*) FROM changes").fetchone() == changes
    assert cli("--config", cfg, "export")[0] == 0
    assert (default_pipeline.parent / "export" / "manifest.json").is_file()


def test_bad_records_are_quarantined_and_the_rest_lands(tmp_path: Path, cli: Cli) -> None:
    good = [marc_record(control=f"g{i}", title=f"Good {i}") for i in range(4)]
    garbled = bytearray(marc_record(control="bad1").as_marc())
    garbled[12:17] = b"xx9zz"  # base address of data no longer numeric
    truncated = marc_record(control="bad2").as_marc()[:-30]
    blob = good[0].as_marc() + bytes(garbled) + good[1].as_marc() + good[2].as_marc()
    blob += truncated[:-1] + b"\x1d" + good[3].as_marc()
    (tmp_path / "drop.mrc").write_bytes(blob)
    cfg = write_pipeline(
        tmp_path, [{"name": "drop", "kind": "files", "format": "marc", "paths": ["drop.mrc"]}]
    )
    code, out, _err = cli("--config", str(cfg), "run")
    assert code == 1
    assert "2 quarantined" in out
    with _db(tmp_path / "catalog.duckdb") as con:
        titles = sorted(t for (t,) in con.execute("SELECT title FROM records").fetchall())
        q = con.execute(
            "SELECT envelope_id, reason, octet_length(payload) FROM quarantine ORDER BY position"
        ).fetchall()
        status = con.execute("SELECT status FROM runs").fetchone()
    assert titles == ["Good 0", "Good 1", "Good 2", "Good 3"]
    assert [e for e, _, _ in q] == ["drop.mrc#1", "drop.mrc#4"]
    assert all(reason and n > 0 for _, reason, n in q)
    assert status == ("partial",)
    code, out, _ = cli("--config", str(cfg), "status")
    assert "2 records are quarantined" in out and "unioncat quarantine" in out
    code, out, _ = cli("--config", str(cfg), "quarantine", "--dump", str(tmp_path / "q"))
    assert "drop.mrc#1" in out and len(list((tmp_path / "q").iterdir())) == 2


def test_a_missing_file_fails_its_source_only(tmp_path: Path, cli: Cli) -> None:
    write_marc(tmp_path / "ok.mrc", [marc_record(control="ok")])
    cfg = write_pipeline(
        tmp_path,
        [
            {"name": "gone", "kind": "files", "format": "marc", "paths": ["missing.mrc"]},
            {"name": "fine", "kind": "files", "format": "marc", "paths": ["ok.mrc"]},
        ],
    )
    code, out, _ = cli("--config", str(cfg), "run")
    assert code == 1
    assert "gone: FAILED" in out and "missing.mrc" in out
    assert "fine: ok: 1 read" in out
    _, out, _ = cli("--config", str(cfg), "status")
    assert "gone: failed" in out and "input file not found" in out


# -- real processes: the lock and a run killed mid-way ---------------------------------

BIG = 12_000


@pytest.fixture(scope="module")
def big_drop(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    recs = [
        marc_record(
            control=f"big{i:06d}",
            title=f"Record number {i}",
            fields=[("020", "  ", ["a", "9780198812357"]), ("650", " 0", ["a", f"Topic {i % 97}"])],
        )
        for i in range(BIG)
    ]
    return write_marc(folder / "big.mrc", recs)


def _big_pipeline(folder: Path, drop: Path) -> Path:
    return write_pipeline(
        folder,
        [
            {
                "name": "big",
                "kind": "files",
                "format": "marc",
                "paths": [str(drop)],
                "batch_size": 300,
            }
        ],
    )


def _wait_for(pred: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)


def test_a_second_concurrent_run_exits_3_naming_the_holder(tmp_path: Path, big_drop: Path) -> None:
    cfg = _big_pipeline(tmp_path, big_drop)
    lock = tmp_path / "catalog.duckdb.lock"
    first = unioncat_process("--config", str(cfg), "run")
    try:
        _wait_for(lambda: lock.exists() and lock.read_text().strip() != "")
        second = unioncat_process("--config", str(cfg), "run")
        _out, err = second.communicate(timeout=60)
        assert second.returncode == 3
        assert f"pid {first.pid}" in err
        # reads are answered by the running run itself, from its last committed page
        status = unioncat_process("--config", str(cfg), "status")
        out, err = status.communicate(timeout=60)
        assert status.returncode == 0, err
        assert "(run): running" in out
        assert first.poll() is None, "the first run should still be working"
    finally:
        out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err[-2000:]


def test_sigkill_mid_run_then_rerun_loses_and_duplicates_nothing(
    tmp_path: Path, big_drop: Path
) -> None:
    cfg = _big_pipeline(tmp_path, big_drop)
    proc = unioncat_process("--config", str(cfg), "-v", "run")
    committed = 0
    assert proc.stderr is not None
    for line in proc.stderr:
        if '"page.committed"' in line:
            committed += 1
            if committed == 5:
                os.kill(proc.pid, signal.SIGKILL)
                break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    with _db(tmp_path / "catalog.duckdb") as con:
        partial = con.execute("SELECT count(*) FROM records").fetchone()[0]
    assert 0 < partial < BIG, "the kill should land mid-way"
    # status holds the readers' lock, so it knows no writer is alive
    shown = unioncat_process("--config", str(cfg), "status")
    text, _ = shown.communicate(timeout=60)
    assert "): killed, started" in text and "(killed or crashed)" in text, text
    again = unioncat_process("--config", str(cfg), "run")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err[-2000:]
    with _db(tmp_path / "catalog.duckdb") as con:
        n, distinct = con.execute(
            "SELECT count(*), count(DISTINCT source_id) FROM records"
        ).fetchone()
        upserts = con.execute(
            "SELECT count(*), count(DISTINCT id) FROM changes "
            "WHERE op = 'upsert' AND entity = 'record'"
        ).fetchone()
        raw = con.execute("SELECT count(*), count(DISTINCT envelope_id) FROM raw").fetchone()
        runs = con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()
    assert n == distinct == BIG
    assert upserts == (BIG, BIG)
    assert raw == (BIG, BIG)
    assert runs == [("killed",), ("ok",)]
    assert read_export(tmp_path / "export").num_rows == BIG


def test_run_maps_what_an_earlier_harvest_archived(default_pipeline: Path, cli: Cli) -> None:
    cfg = str(default_pipeline)
    assert cli("--config", cfg, "harvest")[0] == 0
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0
    assert out.count("library-print:") == 1 and "3 new or changed" in out
    with _db(default_pipeline.parent / "catalog.duckdb") as con:
        assert con.execute("SELECT count(*) FROM records").fetchone() == (21,)
        assert con.execute("SELECT count(*) FROM raw WHERE status = 'pending'").fetchone() == (0,)


def test_log_is_json_lines_off_a_terminal(default_pipeline: Path) -> None:
    proc = unioncat_process("--config", str(default_pipeline), "run")
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0
    events = [json.loads(line) for line in err.splitlines()]
    assert {"run.start", "source.done", "run.finish"} <= {e["event"] for e in events}
    done = [e for e in events if e["event"] == "source.done"]
    assert {e["source"] for e in done} == {
        "library-print", "vendor-ebooks", "journals",
        "print-serials", "tideway-kbart", "crossref-works", "jats", "library-journals",
        "cnki", "pubmed",
    }  # fmt: skip


def test_progress_bar_on_a_terminal(default_pipeline: Path) -> None:
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    proc = unioncat_process("--config", str(default_pipeline), "run", stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    proc.wait(timeout=120)
    os.close(master)
    screen = b"".join(chunks).decode(errors="replace")
    assert proc.returncode == 0
    # one bar per source, counting the bytes of its files out of their total
    assert re.search(r"harvest library-print: 100%\|.*\| ?[\d.]+k?/[\d.]+k? \[", screen)
    assert "B/s" in screen
    # log lines are written above the bars, each on a line of its own
    assert re.search(r"\r?\n[^\n]*?library-print: 3 envelopes, 3 new or changed", screen)
    assert '"event"' not in screen  # readable lines, not JSON, on a terminal


def _wait_until_it_opens(process: subprocess.Popen[str], path: Path) -> None:
    """Until ``process`` has ``path`` open (it is then trying the lock), so that a
    test does not mistake a slow start for waiting."""
    deadline = time.monotonic() + 60
    fds = Path(f"/proc/{process.pid}/fd")
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if any(os.path.realpath(fd) == str(path.resolve()) for fd in fds.iterdir()):
                return
        except OSError:
            pass  # a descriptor closed while we looked: look again
        time.sleep(0.02)
    raise AssertionError(f"the process never opened {path} (exit {process.poll()})")


def test_a_writer_waits_for_a_reader_instead_of_failing(default_pipeline: Path, cli: Cli) -> None:
    from unioncat.catalog.lock import ReaderLock, lock_path

    assert cli("--config", str(default_pipeline), "run")[0] == 0
    db = default_pipeline.parent / "catalog.duckdb"
    with ReaderLock(db):
        reader = _db(db)
        writer = unioncat_process("--config", str(default_pipeline), "run")
        _wait_until_it_opens(writer, lock_path(db))
        time.sleep(0.5)
        assert writer.poll() is None, "the writer should wait while status is reading"
        reader.close()
    _out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err[-2000:]


def test_a_killed_writers_holder_text_does_not_block_the_next_writer(
    default_pipeline: Path, cli: Cli
) -> None:
    """A SIGKILLed run leaves its JSON in the lock file; while a reader holds the lock
    shared, the next writer must wait for the reader, not exit 3 naming the dead pid."""
    import json

    from unioncat.catalog.lock import ReaderLock, lock_path

    assert cli("--config", str(default_pipeline), "run")[0] == 0
    db = default_pipeline.parent / "catalog.duckdb"
    victim = unioncat_process("--config", str(default_pipeline), "run")
    victim.kill()
    victim.communicate(timeout=30)
    dead = {"pid": victim.pid, "host": "here", "command": "run", "run_id": "gone",
            "started_at": "2026-01-01T00:00:00+00:00"}  # fmt: skip
    lock_path(db).write_text(json.dumps(dead), encoding="utf-8")
    with ReaderLock(db):
        writer = unioncat_process("--config", str(default_pipeline), "run")
        _wait_until_it_opens(writer, lock_path(db))
        time.sleep(0.5)
        assert writer.poll() is None, "the writer should wait for the reader"
    _out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err[-2000:]
    assert str(victim.pid) not in err
    assert json.loads(lock_path(db).read_text() or "{}") == {}  # released cleanly


def test_a_live_writer_is_still_named_and_refuses_the_second(
    default_pipeline: Path, cli: Cli
) -> None:
    from unioncat.catalog.lock import CatalogLock

    assert cli("--config", str(default_pipeline), "run")[0] == 0
    db = default_pipeline.parent / "catalog.duckdb"
    with CatalogLock(db, "run", "first-run"):
        code, _out, err = cli("--config", str(default_pipeline), "run")
    assert code == 3
    assert f"pid {os.getpid()}" in err and "first-run" in err


def test_parallel_mapping_gives_the_same_records(cli: Cli, tmp_path: Path) -> None:
    recs = [
        marc_record(
            control=f"p{i}", title=f"Parallel {i}", fields=[("020", "  ", ["a", "0198812353"])]
        )
        for i in range(1500)
    ]
    blob = b"".join(r.as_marc() for r in recs[:700]) + b"00042broken\x1d"
    blob += b"".join(r.as_marc() for r in recs[700:])
    (tmp_path / "in.mrc").write_bytes(blob)
    tables = {}
    for workers in ("1", "2"):
        out = tmp_path / f"w{workers}.parquet"
        code, stdout, _ = cli(
            "convert",
            str(tmp_path / "in.mrc"),
            "--format",
            "marc",
            "-o",
            str(out),
            "--workers",
            workers,
        )
        assert code == 1 and "1500 records from 1501 input records" in stdout
        tables[workers] = pq.read_table(out).drop_columns(["harvested_at"])
    assert tables["1"].equals(tables["2"])
    assert tables["2"].column("source_id").to_pylist() == [f"p{i}" for i in range(1500)]


def test_a_catalog_of_an_older_schema_is_remapped_from_the_raw_archive(
    default_pipeline: Path, cli: Cli
) -> None:
    cfg = str(default_pipeline)
    db = default_pipeline.parent / "catalog.duckdb"
    assert cli("--config", cfg, "run")[0] == 0
    with duckdb.connect(str(db)) as con:
        con.execute("UPDATE catalog_meta SET value = '0.9' WHERE key = 'schema_version'")
        con.execute("DELETE FROM records WHERE source = 'journals'")
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out + err
    assert "mapped again" in err
    with _db(db) as con:
        assert con.execute("SELECT count(*) FROM records").fetchone() == (21,)
        assert con.execute("SELECT count(*) FROM records_v0_9").fetchone() == (19,)
        assert con.execute("SELECT value FROM catalog_meta").fetchone() is not None


def test_the_default_pipeline_finds_one_article_in_two_exports(
    default_pipeline: Path, cli: Cli
) -> None:
    """examples/exports: the CNKI NoteExpress export (GB18030, CRLF) and the PubMed export
    both carry one article; it is one work, filed under the library's print journal."""
    cfg = str(default_pipeline)
    assert cli("--config", cfg, "run")[0] == 0
    with _db(default_pipeline.parent / "catalog.duckdb") as con:
        rows = con.execute(
            "SELECT source, cluster_id, source_id FROM records WHERE source IN ('cnki', 'pubmed')"
            " AND title LIKE 'Quiet study rooms%' ORDER BY source"
        ).fetchall()
        journal = con.execute(
            "SELECT cluster_id FROM records WHERE source = 'library-journals'"
        ).fetchone()
        chinese = con.execute(
            "SELECT title, contributors[1].name FROM records WHERE source = 'cnki'"
            " AND type = 'journal_article' AND title NOT LIKE 'Quiet%'"
        ).fetchone()
    assert [r[0] for r in rows] == ["cnki", "pubmed"]
    assert rows[0][1] == rows[1][1] is not None
    assert journal is not None
    for source, _cluster, key in rows:
        code, out, _err = cli("--config", cfg, "show", f"{source}:{key}")
        assert code == 0
        assert json.loads(out)["access"]["host_clusters"] == [journal[0]]
    assert chinese == ("高校图书馆联合目录建设的实践与思考", "王晓明")
