"""Credentials in a source's URL reach no log, no table, no export and no command's
output: they are masked wherever the URL names something, and scrubbed from every text
that leaves the process."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from functools import partial
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from tests.support.builders import marc_record, write_marc, write_pipeline
from tests.support.oai_peer import OAIPeer, make_items
from unioncat import redact

SECRETS = ("S3cret", "K3yValue123", "OaiPass99", "OaiKey777", "Tok3nInEnv")


@pytest.fixture
def drop_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    folder = tmp_path / "served"
    folder.mkdir()
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(folder))
    handler.log_message = lambda *a, **k: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], folder
    finally:
        server.shutdown()
        server.server_close()


def _unioncat(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "unioncat.cli", "--config", str(cwd / "pipelines.yaml"), *args],
        capture_output=True, text=True, timeout=300, env=env, cwd=cwd,
    )  # fmt: skip


def _everything_in_the_catalog(path: Path) -> str:
    texts = []
    with duckdb.connect(str(path), read_only=True) as con:
        tables = [
            t for (t,) in con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        ]
        for table in tables:
            texts.append(repr(con.execute(f'SELECT * FROM "{table}"').fetchall()))
    return "\n".join(texts)


def _everything_exported(folder: Path) -> str:
    texts = [repr(pq.read_table(p).to_pylist()) for p in sorted(folder.rglob("*.parquet"))]
    texts += [p.read_text() for p in folder.rglob("*.json")]
    return "\n".join(texts)


def test_url_credentials_leak_nowhere(
    tmp_path: Path, drop_server: tuple[int, Path], oai_peer: OAIPeer
) -> None:
    port, served = drop_server
    write_marc(served / "drop.mrc", [marc_record(control=f"sec{i}", title=f"Secret keeping {i}")
                                     for i in range(30)])  # fmt: skip
    oai_peer.repo.extend(make_items(3))
    peer = oai_peer.url.removeprefix("http://")
    env = dict(
        os.environ,
        FILE_URL=f"http://libuser:S3cret%2FPass%21@127.0.0.1:{port}/drop.mrc?apikey=K3yValue123",
        OAI_URL=f"http://harvester:OaiPass99@{peer}?apikey=OaiKey777",
        VENDOR_TOKEN="Tok3nInEnv",
    )
    write_pipeline(tmp_path, [
        {"name": "vendor", "kind": "files", "format": "marc", "paths": ["${FILE_URL}"]},
        {"name": "repo", "kind": "oai-pmh", "url": "${OAI_URL}", "metadata_prefix": "oai_dc",
         "max_retries": 0, "backoff": 0.01},
        {"name": "tokened", "kind": "files", "format": "marc",
         "paths": [f"http://127.0.0.1:{port}/missing.mrc?token=${{VENDOR_TOKEN}}"]},
    ])  # fmt: skip
    (tmp_path / "pipelines.yaml").write_text(
        (tmp_path / "pipelines.yaml").read_text().replace("${VENDOR_TOKEN}", "Tok3nInEnv")
    )
    outputs = []
    run = _unioncat(tmp_path, env, "run")
    outputs.append(run.stdout + run.stderr)
    assert run.returncode == 1, run.stdout + run.stderr  # the repository refuses the apikey
    assert "vendor: ok: 30 read" in run.stdout
    assert "repo: FAILED" in run.stdout and "tokened: FAILED" in run.stdout
    for args in (["status"], ["show", "vendor:sec1"], ["find", "Secret keeping"],
                 ["quarantine"], ["export"], ["harvest", "--source", "repo"]):  # fmt: skip
        done = _unioncat(tmp_path, env, *args)
        outputs.append(done.stdout + done.stderr)
        assert "Traceback" not in done.stderr, done.stderr
    assert "***@127.0.0.1" in _everything_in_the_catalog(tmp_path / "catalog.duckdb")
    places = {
        "command output": "\n".join(outputs),
        "catalog": _everything_in_the_catalog(tmp_path / "catalog.duckdb"),
        "export": _everything_exported(tmp_path / "export"),
        "lock file": (tmp_path / "catalog.duckdb.lock").read_text(),
    }
    for where, text in places.items():
        for secret in SECRETS:
            assert secret not in text, f"{secret} leaked into the {where}"
    assert "vendor" in places["export"] and "sec1" in places["export"]


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://u:p%40ss@host/x.mrc", "https://***@host/x.mrc"),
        ("https://token@host/x.mrc", "https://***@host/x.mrc"),
        ("https://host/oai?verb=Identify&apikey=abc&set=a", "https://host/oai?verb=Identify&apikey=***&set=a"),
        ("https://host/x?API_KEY=abc", "https://host/x?API_KEY=***"),
        ("https://host/x?resumptionToken=abc", "https://host/x?resumptionToken=abc"),
        ("https://host:8443/x.mrc", "https://host:8443/x.mrc"),
    ],
)  # fmt: skip
def test_redact_url_masks_userinfo_and_secret_parameters_only(url: str, shown: str) -> None:
    assert redact.redact_url(url) == shown


def test_scrub_masks_registered_secrets_in_any_text() -> None:
    redact.forget_all()
    try:
        redact.register_url("https://user:pa%2Fss%21word@host/x?token=T0ken123")
        text = "failed: pa/ss!word, pa%2Fss%21word and T0ken123 at ftp://a:b@c/ and ?key=zz"
        scrubbed = redact.scrub(text)
        for secret in ("pa/ss!word", "pa%2Fss%21word", "T0ken123", "a:b@", "key=zz"):
            assert secret not in scrubbed, scrubbed
        assert scrubbed.startswith("failed: ***, *** and ***")
        assert redact.scrub("a plain message") == "a plain message"
    finally:
        redact.forget_all()
