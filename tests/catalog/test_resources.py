"""When the machine refuses: a full disk, a file-size limit, a read-only catalog, a file
that is not a DuckDB database, a damaged one, memory running out.

Each must end in a message that names the file, the cause and the fix, with exit code
5, nothing lost, and ``status`` telling the truth about the run.  The full and read-only
disks are real: small tmpfs mounts (which need root; CI runs as root), and the
file-size limit is the kernel's own (``RLIMIT_FSIZE``), which needs nothing.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import duckdb
import pytest

from tests.support.builders import ROOT, marc_record, write_marc, write_pipeline
from unioncat.catalog import Catalog, CatalogLock, read_export
from unioncat.catalog.db import connect
from unioncat.catalog.resources import explain
from unioncat.errors import ResourceError

Cli = Callable[..., tuple[int, str, str]]
RECORDS = 6000
PAGE = 500


def _pipeline(folder: Path, catalog: Path | None = None, export: Path | None = None) -> Path:
    source = folder / "data" / "books.mrc"
    if not source.exists():
        write_marc(
            source,
            [
                marc_record(
                    f"b{i}",
                    f"Title number {i} of a long series about the history of things",
                    fields=[("100", "1 ", ["a", f"Author {i}"]), ("650", " 0", ["a", "History"])],
                )
                for i in range(RECORDS)
            ],
        )
    return write_pipeline(
        folder,
        [{"name": "books", "kind": "files", "format": "marc", "paths": [str(source)],
          "page_size": PAGE}],
        catalog=str(catalog or folder / "catalog.duckdb"),
        export=str(export or folder / "export"),
        dedupe={"enabled": False},
    )  # fmt: skip


def _records(catalog: Path) -> tuple[int, int]:
    with duckdb.connect(str(catalog), read_only=True) as con:
        row = con.execute(
            "SELECT count(*), count(DISTINCT source_id) FROM records WHERE NOT deleted"
        ).fetchone()
        upserts = con.execute("SELECT count(*) FROM changes WHERE op = 'upsert'").fetchone()
    assert row is not None and upserts is not None
    # nothing doubled: one record per source id, and one upsert change per record
    assert row[0] == row[1] == upserts[0], (row, upserts)
    return row[0], upserts[0]


def _runs(catalog: Path) -> list[tuple[str, str | None]]:
    with duckdb.connect(str(catalog), read_only=True) as con:
        return con.execute("SELECT status, message FROM runs ORDER BY started_at").fetchall()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], Path]]:
    """A real file system of a given size, mounted in the test's folder."""
    mounted: list[Path] = []

    def mount(size: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a small tmpfs (a real full disk) needs root; CI runs as root")
        folder = tmp_path / f"disk{len(mounted)}"
        folder.mkdir()
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
            capture_output=True,
            text=True,
        )
        if done.returncode:
            pytest.skip(f"this machine refuses a tmpfs mount: {done.stderr.strip()}")
        mounted.append(folder)
        return folder

    yield mount
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _remount(folder: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(folder)], check=True)


# -- files that are not a catalog -------------------------------------------------------------


def test_a_file_that_is_not_a_duckdb_database_is_named_and_left_alone(
    tmp_path: Path, cli: Cli
) -> None:
    catalog = tmp_path / "catalog.duckdb"
    catalog.write_text("Title,Author\nA book,Someone\n")
    config = _pipeline(tmp_path, catalog)
    for command in ("run", "status"):
        code, _out, err = cli("--config", str(config), command)
        assert code == 5, err
        assert str(catalog) in err and "is not a DuckDB database" in err and "fix:" in err
        assert "Traceback" not in err
    assert catalog.read_text() == "Title,Author\nA book,Someone\n"


def test_a_sqlite_file_is_refused_without_reaching_for_an_extension(
    tmp_path: Path, cli: Cli
) -> None:
    catalog = tmp_path / "catalog.duckdb"
    with sqlite3.connect(catalog) as con:
        con.execute("CREATE TABLE t (x)")
    before = catalog.read_bytes()
    code, _out, err = cli("--config", str(_pipeline(tmp_path, catalog)), "run")
    assert code == 5
    assert "is a SQLite database, not a DuckDB one" in err and str(catalog) in err
    assert "extension" not in err.lower()
    assert catalog.read_bytes() == before
    # and the catalog connection itself never installs DuckDB's sqlite extension
    with pytest.raises(duckdb.Error, match="(?i)install"):
        connect(catalog)


def test_a_damaged_catalog_says_so_and_how_to_recover(tmp_path: Path, cli: Cli) -> None:
    config = _pipeline(tmp_path)
    assert cli("--config", str(config), "run")[0] == 0
    catalog = tmp_path / "catalog.duckdb"
    size = catalog.stat().st_size
    with catalog.open("r+b") as f:
        for offset in range(16384, size, 8192):
            f.seek(offset)
            f.write(b"\x5a" * 512)
    for command in ("run", "status"):
        code, _out, err = cli("--config", str(config), command)
        assert code == 5, err
        assert f"catalog {catalog} is damaged" in err and "backup" in err
        assert "Traceback" not in err


def test_a_cut_short_catalog_is_damaged_too(tmp_path: Path, cli: Cli) -> None:
    config = _pipeline(tmp_path)
    assert cli("--config", str(config), "run")[0] == 0
    catalog = tmp_path / "catalog.duckdb"
    os.truncate(catalog, catalog.stat().st_size // 3)
    code, _out, err = cli("--config", str(config), "status")
    assert code == 5 and "is damaged" in err, err


# -- disks that refuse to be written -----------------------------------------------------------


def test_a_full_disk_stops_the_run_keeps_what_committed_and_the_next_run_finishes(
    tmp_path: Path, cli: Cli, small_disk: Callable[[str], Path]
) -> None:
    disk = small_disk("2m")
    catalog = disk / "catalog.duckdb"
    config = _pipeline(tmp_path, catalog)
    code, out, err = cli("--config", str(config), "run")
    assert code == 5, out + err
    assert f"the disk holding {catalog}" in err and "is full" in err and "fix: free space" in err
    assert "Traceback" not in err
    assert "STOPPED:" in out
    kept, _ = _records(catalog)
    assert kept % PAGE == 0 and kept < RECORDS  # whole pages, nothing half-written
    if kept:
        assert f"committed before the failure: {kept} read" in out
    assert "export:" not in out  # the run stopped: no export from a half-harvested catalog
    code, status, _err = cli("--config", str(config), "status")
    assert code == 0
    assert "failed" in status.splitlines()[1] and "is full" in status
    assert "killed" not in status

    _remount(disk, "size=256m")
    code, out, err = cli("--config", str(config), "run")
    assert code == 0, out + err
    assert _records(catalog) == (RECORDS, RECORDS)
    statuses = [s for s, _m in _runs(catalog)]
    assert statuses == ["failed", "ok"]


def test_the_file_size_limit_is_a_clear_error_too(tmp_path: Path) -> None:
    config = _pipeline(tmp_path)
    limit = 1_500_000

    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "unioncat.cli", "--config", str(config), "run"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        preexec_fn=limited,
        timeout=300,
    )
    assert done.returncode == 5, done.stdout + done.stderr
    assert "the file-size limit was reached writing" in done.stderr
    assert "ulimit -f" in done.stderr
    last = json.loads(done.stderr.strip().splitlines()[-1])
    assert last["exit_code"] == 5 and last["stage"] == "catalog"
    catalog = tmp_path / "catalog.duckdb"
    assert _runs(catalog)[-1][0] == "failed"
    kept, _ = _records(catalog)
    assert kept % PAGE == 0 and kept < RECORDS
    done = subprocess.run(
        [sys.executable, "-m", "unioncat.cli", "--config", str(config), "run"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert _records(catalog) == (RECORDS, RECORDS)


def test_a_read_only_catalog_refuses_runs_and_still_answers_status(
    tmp_path: Path, cli: Cli, small_disk: Callable[[str], Path]
) -> None:
    disk = small_disk("64m")
    catalog = disk / "catalog.duckdb"
    config = _pipeline(tmp_path, catalog)
    assert cli("--config", str(config), "run")[0] == 0
    _remount(disk, "ro")
    code, _out, err = cli("--config", str(config), "run")
    assert code == 5, err
    assert "is on a read-only file system" in err and str(disk) in err
    assert "`status`, `show` and `find` still read" in err
    code, status, _err = cli("--config", str(config), "status")
    assert code == 0 and f"records: {RECORDS}" in status


def test_an_export_to_a_full_disk_names_the_export_and_keeps_the_previous_one(
    tmp_path: Path, cli: Cli, small_disk: Callable[[str], Path]
) -> None:
    disk = small_disk("64m")
    out = disk / "export"
    config = _pipeline(tmp_path, export=out)
    assert cli("--config", str(config), "run")[0] == 0
    manifest = (out / "manifest.json").read_bytes()
    # fill the disk but a few kilobytes: too little for another generation
    filler = disk / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass  # the disk is full: exactly what this test needs
    code, stdout, err = cli("--config", str(config), "export")
    assert code == 5, stdout + err
    assert f"[export]: the disk holding {out} is full" in err
    assert (out / "manifest.json").read_bytes() == manifest
    assert read_export(out).num_rows == RECORDS  # the previous generation still reads
    assert not list(out.rglob("*.tmp"))
    filler.unlink()
    assert cli("--config", str(config), "export")[0] == 0
    assert read_export(out).num_rows == RECORDS


# -- endings the catalog cannot take, and memory --------------------------------------------------


def test_an_ending_the_catalog_could_not_take_is_read_from_beside_it(tmp_path: Path) -> None:
    path = tmp_path / "catalog.duckdb"
    with CatalogLock(path, "run", "r1") as lock:
        catalog = Catalog(path)
        catalog.start_run("r1", "run", lock.previous_ending)
        catalog.close()
        # the disk was full: finishing the run in the catalog failed, the note did not
        lock.note_ending("failed", "the disk holding x is full")
    from unioncat.catalog.lock import noted_ending

    noted = noted_ending(path)
    assert noted is not None
    assert (noted["run_id"], noted["ended"], noted["message"]) == (
        "r1",
        "failed",
        "the disk holding x is full",
    )
    with CatalogLock(path, "run", "r2") as lock:
        assert lock.previous_ending is not None and lock.previous_ending["run_id"] == "r1"
        catalog = Catalog(path)
        catalog.start_run("r2", "run", lock.previous_ending)
        rows = catalog.query("SELECT run_id, status, message FROM runs ORDER BY run_id")
        catalog.close()
    assert rows[0] == ("r1", "failed", "the disk holding x is full")
    assert rows[1][:2] == ("r2", "running")
    with CatalogLock(path, "run", "r3") as lock:
        assert lock.previous_ending is None  # r2 released normally: nothing noted


def test_duckdb_running_out_of_memory_is_explained_with_the_limit() -> None:
    con = duckdb.connect(config={"memory_limit": "10MB", "threads": 1})
    with pytest.raises(duckdb.Error) as caught:
        con.execute(
            "SELECT string_agg(x::VARCHAR, ',') FROM range(5000000) t(x) GROUP BY x % 3"
        ).fetchall()
    explained = explain(caught.value, Path("/srv/catalog.duckdb"), memory_limit="10MB")
    assert isinstance(explained, ResourceError) and explained.exit_code == 5
    assert "ran out of memory (memory_limit 10MB)" in str(explained)
    assert "/srv/catalog.duckdb" in str(explained) and "raise `memory_limit`" in str(explained)


def test_errors_that_are_not_the_machines_are_left_to_surface() -> None:
    assert explain(ValueError("bad record"), Path("x")) is None
    con = duckdb.connect()
    with pytest.raises(duckdb.Error) as caught:
        con.execute("SELECT * FROM no_such_table")
    assert explain(caught.value, Path("x")) is None


def test_convert_to_a_full_disk_names_its_output(
    tmp_path: Path, cli: Cli, small_disk: Callable[[str], Path]
) -> None:
    _pipeline(tmp_path)  # writes the MARC file
    disk = small_disk("64k")
    out = disk / "records.jsonl"
    code, _out, err = cli("convert", str(tmp_path / "data" / "books.mrc"), "--format", "marc",
                          "-o", str(out))  # fmt: skip
    assert code == 5, err
    assert "[convert]: the disk holding" in err and str(disk) in err and "is full" in err
    assert "Traceback" not in err
