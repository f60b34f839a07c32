"""Finding a record: by any identifier as people type it, by words, and while a run writes."""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.builders import marc_record, unioncat_process, write_marc, write_pipeline
from unioncat.read_service import socket_path

Cli = Callable[..., tuple[int, str, str]]


@pytest.fixture
def catalog_folder(tmp_path: Path, cli: Cli) -> Path:
    records = [
        marc_record(control="ocm12345678", title="The river archives", fields=[
            ("003", "  ", []),
            ("020", "  ", ["a", "0198812353", "q", "hardback"]),
            ("010", "  ", ["a", "  2001012345 "]),
            ("100", "1 ", ["a", "Okafor, Adaeze,", "e", "author."]),
            ("246", "30", ["a", "Estuaries of memory"]),
        ]),
        marc_record(control="j1", title="Salt roads", fields=[
            ("022", "  ", ["a", "0317-8471"]),
            ("024", "7 ", ["a", "10.1234/SALT.5", "2", "doi"]),
            ("035", "  ", ["a", "(OCoLC)987654"]),
            ("100", "1 ", ["a", "Moreau, Inès"]),
        ]),
        marc_record(control="x1", title="Roads of the river delta"),
    ]  # fmt: skip
    for r in records:
        r.remove_fields("003")
    write_marc(tmp_path / "a.mrc", records)
    cfg = write_pipeline(
        tmp_path, [{"name": "lib", "kind": "files", "format": "marc", "paths": ["a.mrc"]}]
    )
    assert cli("--config", str(cfg), "run")[0] == 0
    return tmp_path


def _find(cli: Cli, folder: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    code, out, err = cli("--config", str(folder / "pipelines.yaml"), "find", *args)
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("9780198812357", "The river archives"),  # ISBN-13
        ("0-19-881235-3", "The river archives"),  # ISBN-10 as typed
        ("ocm12345678", "The river archives"),  # the 001
        ("2001012345", "The river archives"),  # LCCN
        ("0317-8471", "Salt roads"),  # ISSN
        ("03178471", "Salt roads"),
        ("https://doi.org/10.1234/salt.5", "Salt roads"),  # DOI in any case, with resolver
        ("(OCoLC)987654", "Salt roads"),
        ("987654", "Salt roads"),  # an OCLC number bare
    ],
)
def test_an_identifier_finds_its_record(
    catalog_folder: Path, cli: Cli, query: str, title: str
) -> None:
    code, found, _ = _find(cli, catalog_folder, query)
    assert code == 0 and [f["title"] for f in found] == [title]
    assert found[0]["found_by"] == "identifier"


def test_words_of_titles_and_names_must_all_match(catalog_folder: Path, cli: Cli) -> None:
    _, found, _ = _find(cli, catalog_folder, "river")
    assert sorted(f["title"] for f in found) == ["Roads of the river delta", "The river archives"]
    _, found, _ = _find(cli, catalog_folder, "River", "Okafor")
    assert [f["title"] for f in found] == ["The river archives"]
    _, found, _ = _find(cli, catalog_folder, "ines")  # accents and case folded
    assert [f["title"] for f in found] == ["Salt roads"]
    _, found, _ = _find(cli, catalog_folder, "estuaries")  # other titles count
    assert [f["found_by"] for f in found] == ["words"]


def test_filters_limit_and_nothing_found(catalog_folder: Path, cli: Cli) -> None:
    _, found, _ = _find(cli, catalog_folder, "river", "--limit", "1")
    assert len(found) == 1
    code, found, err = _find(cli, catalog_folder, "river", "--source", "elsewhere")
    assert code == 1 and found == [] and "nothing found" in err
    code, found, _ = _find(cli, catalog_folder, "river", "--type", "book")
    assert code == 0 and len(found) == 2


def test_find_prints_a_table_when_asked(catalog_folder: Path, cli: Cli) -> None:
    code, out, _ = cli("--config", str(catalog_folder / "pipelines.yaml"), "find", "salt",
                       "--table")  # fmt: skip
    assert code == 0 and out.splitlines()[0].startswith("id ")
    assert "Salt roads / Moreau, Inès" in out and "found by words" in out


def test_show_text_reads_like_a_catalog_record(catalog_folder: Path, cli: Cli) -> None:
    cfg = str(catalog_folder / "pipelines.yaml")
    code, out, _ = cli("--config", cfg, "show", "lib:ocm12345678", "--text")
    assert code == 0
    lines = out.splitlines()
    assert any(line.startswith("title:") and line.endswith("The river archives") for line in lines)
    assert any(line.startswith("isbn:") and "9780198812357 (hardback)" in line for line in lines)
    assert any(line.startswith("name:") and "Okafor, Adaeze (author)" in line for line in lines)
    assert any(line.startswith("history:") and "upsert" in line for line in lines)
    cluster = next(line for line in lines if line.startswith("work (cluster):")).split()[-1]
    code, out, _ = cli("--config", cfg, "show", cluster, "--text")
    assert code == 0 and out.startswith(f"work {cluster}")
    assert "1 member(s):" in out and "The river archives" in out and "no match found" in out


def test_reads_are_answered_while_a_run_writes(tmp_path: Path) -> None:
    recs = [marc_record(control=f"w{i:05d}", title=f"Wave record {i}") for i in range(6000)]
    write_marc(tmp_path / "big.mrc", recs)
    cfg = str(write_pipeline(
        tmp_path, [{"name": "big", "kind": "files", "format": "marc", "paths": ["big.mrc"],
                    "page_size": 200}], workers=1,
    ))  # fmt: skip
    run = unioncat_process("--config", cfg, "run")
    sock = socket_path(tmp_path / "catalog.duckdb")
    try:
        deadline = time.monotonic() + 60
        while not sock.exists() and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.02)
        assert sock.exists(), "the run should listen for reads"
        assert stat.S_IMODE(sock.stat().st_mode) == 0o600
        answers = {}
        for args in (("status",), ("find", "Wave", "record", "--json"), ("quarantine",)):
            reader = unioncat_process("--config", cfg, *args)
            out, err = reader.communicate(timeout=60)
            answers[args[0]] = (reader.returncode, out, err)
        running = run.poll() is None
    finally:
        run.communicate(timeout=300)
    assert run.returncode == 0
    assert answers["status"][0] == 0, answers["status"][2]
    assert answers["quarantine"][:2] == (0, "nothing is quarantined\n")
    # find sees what was committed so far (nothing yet is fine: exit 1 says "nothing found")
    assert answers["find"][0] in (0, 1) and "Traceback" not in answers["find"][2]
    if running:
        assert "(run): running" in answers["status"][1]
    assert not sock.exists(), "the socket goes with the run"


def test_the_read_service_ends_with_the_run_not_with_its_accept_timeout(tmp_path: Path) -> None:
    """A run's last act must not wait out the service's accept: the socket is shut down,
    which wakes the thread blocked in it (here blocked for good, without a timeout)."""
    import sys

    from unioncat.catalog import Catalog
    from unioncat.config import load_config
    from unioncat.read_service import ReadService

    if not sys.platform.startswith("linux"):
        pytest.skip("only Linux wakes an accept() by shutdown(); elsewhere the timeout ends it")
    pipeline = write_pipeline(tmp_path, [])
    catalog = Catalog(tmp_path / "catalog.duckdb")
    try:
        service = ReadService(catalog, load_config(pipeline)).__enter__()
        assert service._sock is not None and service._thread is not None
        service._sock.settimeout(None)
        time.sleep(0.5)  # the thread's next accept() blocks without a timeout
        service.__exit__(None, None, None)
        assert not service._thread.is_alive()
        assert not service.path.exists()
    finally:
        catalog.close()
