"""The standing fault suite: try to make unioncat lose, double or leak, and count.

Run by hand (it takes a few minutes; bounded by ``--minutes``), everything on
127.0.0.1:

    .venv/bin/python bench/faults.py [--kills 24] [--signals 6] [--mutants 20000]

1. **kill -9** of ``unioncat run`` at random moments and right after random page
   commits, over a catalog fed by three MARC files and a real OAI-PMH server; then one
   run to the end.  Counted: records lost, records doubled (a second row, or a second
   upsert for one record), raw envelopes doubled, manifests naming missing files.
2. **SIGINT and SIGTERM** after a random page commit: the exit code must be 130 or 143,
   the run ``interrupted``, and the same counts must hold after the next run.
3. **Hostile XML** in every XML path (MARCXML, MODS and OAI-PMH files through
   ``convert`` and a ``files`` source, and an OAI-PMH harvest): external entities to a
   local secret file and to a canary server, billion laughs, parameter entities, an
   external DTD, XInclude, 100,000 levels of nesting, a 200 MB text node.  Counted: the
   secret seen anywhere, requests reaching the canary, crashes, hangs, the peak memory.
4. **A MARC fuzzer** (Hypothesis): each mutant record sits between good neighbours; it
   is framed and mapped as ``convert`` would.  Counted: crashes, neighbours lost.
5. **Secrets**: credentials in an OAI-PMH URL and in a files URL, with the servers
   failing half the time; every table, the export, the logs and every command's output
   are searched for them.

Prints one line per part and a JSON summary; exits 1 when anything was lost, doubled,
leaked, crashed or hung.
"""

from __future__ import annotations

import argparse
import hashlib
import http.server
import io
import json
import logging
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.builders import marc_record, write_marc  # noqa: E402
from tests.support.oai_peer import OAIPeer, Repository, make_items  # noqa: E402

MARC_FILES, MARC_PER_FILE, OAI_ITEMS = 3, 1500, 600
EXPECTED = MARC_FILES * MARC_PER_FILE + OAI_ITEMS


def _cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, **kw: Any
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "unioncat.cli", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


def _wait(proc: subprocess.Popen[str], timeout: float) -> tuple[int, str, str, int]:
    """Exit code, output, and the child's own peak memory (MB), from wait4."""
    out, err = proc.communicate(timeout=timeout)
    # communicate reaped it; the peak is read from RUSAGE_CHILDREN's high-water mark
    return proc.returncode, out, err, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024


# ------------------------------------------------------------------------------ 1, 2


def _catalog_folder(root: Path, peer: OAIPeer) -> Path:
    folder = Path(tempfile.mkdtemp(dir=root))
    for f in range(MARC_FILES):
        write_marc(
            folder / "drop" / f"part{f}.mrc",
            [
                marc_record(
                    f"f{f}-{i}",
                    f"A history of things, part {f}, volume {i}",
                    fields=[
                        ("100", "1 ", ["a", f"Writer, {i % 97}"]),
                        ("650", " 0", ["a", f"Subject {i % 41}"]),
                    ],
                )
                for i in range(MARC_PER_FILE)
            ],
        )
    doc = {
        "catalog": "catalog.duckdb",
        "export": "export",
        "workers": 2,
        "sources": [
            {
                "name": "print",
                "kind": "files",
                "format": "marc",
                "paths": ["drop/*.mrc"],
                "page_size": 100,
            },
            {
                "name": "repo",
                "kind": "oai-pmh",
                "url": peer.url,
                "format": "oai_dc",
                "metadata_prefix": "oai_dc",
                "max_retries": 2,
                "backoff": 0.05,
            },
        ],
    }
    (folder / "pipelines.yaml").write_text(yaml.safe_dump(doc, sort_keys=False))
    return folder


def _invariants(folder: Path) -> dict[str, int]:
    """What the catalog and the export say after the final run."""
    with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
        n, distinct = con.execute(
            "SELECT count(*), count(DISTINCT source || ':' || source_id) FROM records "
            "WHERE NOT deleted"
        ).fetchone() or (0, 0)
        ups, ups_distinct = con.execute(
            "SELECT count(*), count(DISTINCT id) FROM changes "
            "WHERE op = 'upsert' AND entity = 'record'"
        ).fetchone() or (0, 0)
        raw, raw_distinct = con.execute(
            "SELECT count(*), count(DISTINCT source || envelope_id) FROM raw"
        ).fetchone() or (0, 0)
    return {
        "lost": EXPECTED - distinct,
        "doubled": (n - distinct) + (ups - ups_distinct) + (raw - raw_distinct),
        "bad_manifests": _manifest_faults(folder / "export"),
    }


def _manifest_faults(export: Path) -> int:
    manifest = export / "manifest.json"
    if not manifest.exists():
        return 0
    doc = json.loads(manifest.read_text())
    faults = 0
    rows: dict[str, int] = {}
    for f in doc["files"]:
        path = export / f["path"]
        if not path.exists():
            faults += 1
            continue
        rows[f["entity"]] = rows.get(f["entity"], 0) + pq.read_metadata(path).num_rows
    return faults + sum(1 for k, v in doc["row_counts"].items() if rows.get(k, 0) != v)


def _until_commit(proc: subprocess.Popen[str], commits: int) -> bool:
    """Read the log until the ``commits``-th page commit; False when the run ended first."""
    assert proc.stderr is not None
    seen = 0
    for line in proc.stderr:
        if '"page.committed"' in line:
            seen += 1
            if seen >= commits:
                return True
    return False


def kills(root: Path, count: int, budget: float) -> dict[str, Any]:
    """Cycles of a new catalog built by runs that are killed until one finishes: each
    killed run leaves work for the next, so the kills land in harvesting, mapping,
    matching and exporting alike.  Each cycle's catalog is checked when it is whole."""
    rng = random.Random(11)
    totals = {
        "kills": 0,
        "cycles": 0,
        "lost": 0,
        "doubled": 0,
        "bad_manifests": 0,
        "final_exit": 0,
        "at_commit": 0,
        "at_random_moment": 0,
    }
    with OAIPeer(Repository(make_items(OAI_ITEMS), batch_size=50)) as peer:
        folder = _catalog_folder(root, peer)
        started = time.monotonic()
        first = _cli("--config", "pipelines.yaml", "-v", "run", cwd=folder)
        assert first.stderr is not None
        commits = sum(1 for line in first.stderr if '"page.committed"' in line)
        first.communicate(timeout=600)
        clean = time.monotonic() - started  # how long a whole first run takes
        deadline = time.monotonic() + budget
        while totals["kills"] < count and time.monotonic() < deadline:
            shutil_rm(folder / "catalog.duckdb", folder / "catalog.duckdb.wal", folder / "export")
            totals["cycles"] += 1
            while totals["kills"] < count:
                proc = _cli("--config", "pipelines.yaml", "-v", "run", cwd=folder)
                at_commit = rng.random() < 0.5
                if at_commit:
                    reached = _until_commit(proc, rng.randint(1, commits))
                else:
                    time.sleep(rng.uniform(0.1, clean))
                    reached = proc.poll() is None
                if not (reached and proc.poll() is None):
                    proc.communicate(timeout=600)
                    break  # this run finished: the cycle's catalog is whole
                proc.send_signal(signal.SIGKILL)
                proc.communicate(timeout=120)
                totals["kills"] += 1
                totals["at_commit" if at_commit else "at_random_moment"] += 1
                totals["bad_manifests"] += _manifest_faults(folder / "export")
            final = _cli("--config", "pipelines.yaml", "run", cwd=folder)
            code, _out, err, _mb = _wait(final, 600)
            found = _invariants(folder)
            for key in ("lost", "doubled", "bad_manifests"):
                totals[key] += found[key]
            if code != 0:
                totals["final_exit"] = code
                print(f"  final run of cycle {totals['cycles']} exited {code}: {err[-400:]}")
    return totals


def signals(root: Path, count: int) -> dict[str, Any]:
    rng = random.Random(13)
    wrong_codes = 0
    sent = 0
    with OAIPeer(Repository(make_items(OAI_ITEMS), batch_size=50)) as peer:
        folder = _catalog_folder(root, peer)
        for k in range(count):
            sig = (signal.SIGINT, signal.SIGTERM)[k % 2]
            proc = _cli("--config", "pipelines.yaml", "-v", "run", cwd=folder)
            if _until_commit(proc, rng.randint(1, 12)) and proc.poll() is None:
                proc.send_signal(sig)
                sent += 1
                proc.communicate(timeout=120)
                if proc.returncode not in (128 + sig, 0):
                    wrong_codes += 1
            else:
                proc.communicate(timeout=120)
        final = _cli("--config", "pipelines.yaml", "run", cwd=folder)
        code, *_ = _wait(final, 600)
        with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
            interrupted = con.execute(
                "SELECT count(*) FROM runs WHERE status = 'interrupted'"
            ).fetchone()
        return {
            "signals": sent,
            "wrong_exit_codes": wrong_codes,
            "final_exit": code,
            "runs_interrupted": interrupted[0] if interrupted else 0,
            **_invariants(folder),
        }


def shutil_rm(*paths: Path) -> None:
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


# ------------------------------------------------------------------------------ 3


class _Canary(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        _Canary.hits.append(self.path)
        body = b'<!ENTITY leak "CANARY-REACHED">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return


class _Page(http.server.BaseHTTPRequestHandler):
    """An OAI-PMH server whose ListRecords answer is the hostile page."""

    page: Path | None = None  # the hostile page, on disk: the bench holds no big bytes

    def do_GET(self) -> None:
        if "verb=Identify" not in self.path and _Page.page is not None:
            self.send_response(200)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(_Page.page.stat().st_size))
            self.end_headers()
            with _Page.page.open("rb") as f:
                shutil.copyfileobj(f, self.wfile, 1 << 20)
            return
        if "verb=Identify" in self.path:
            payload = (
                b'<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
                b"<responseDate>2026-01-01T00:00:00Z</responseDate><request>x</request>"
                b"<Identify><repositoryName>hostile</repositoryName><baseURL>x</baseURL>"
                b"<protocolVersion>2.0</protocolVersion><earliestDatestamp>2000-01-01"
                b"</earliestDatestamp><deletedRecord>no</deletedRecord><granularity>"
                b"YYYY-MM-DD</granularity></Identify></OAI-PMH>"
            )
        else:
            payload = _Page.body
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return


@contextmanager
def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[int]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


MARK = b"\x00INJECT\x00"


def _hostile(secret: Path, canary: str, big_mb: int) -> dict[str, tuple[bytes, bytes | int]]:
    """Name: (DOCTYPE or b"", text put where a title goes, or a number of MiB of text).

    The huge text is written to disk in pieces, never held: a child process forked from
    a bench holding hundreds of megabytes would report them as its own peak."""
    lol = b'<!ENTITY lol0 "lol">' + b"".join(
        b'<!ENTITY lol%d "' % i + (b"&lol%d;" % (i - 1)) * 10 + b'">' for i in range(1, 10)
    )
    nest = 100_000
    return {
        "xxe-file": (
            b'<!DOCTYPE r [<!ENTITY x SYSTEM "file://%s">]>' % str(secret).encode(),
            b"&x;",
        ),
        "xxe-http": (b'<!DOCTYPE r [<!ENTITY x SYSTEM "%s/xxe">]>' % canary.encode(), b"&x;"),
        "billion-laughs": (b"<!DOCTYPE r [" + lol + b"]>", b"&lol9;"),
        "parameter-entity": (
            b'<!DOCTYPE r [<!ENTITY %% p SYSTEM "%s/dtd"> %%p;]>' % canary.encode(),
            b"&leak;",
        ),
        "external-dtd": (b'<!DOCTYPE r SYSTEM "%s/ext.dtd">' % canary.encode(), b"&leak;"),
        "xinclude": (
            b"",
            b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file://'
            + str(secret).encode()
            + b'" parse="text"/>',
        ),
        "deep-nesting": (b"", b"<a>" * nest + b"x" + b"</a>" * nest),
        "huge-text": (b"", big_mb),
    }


def _write(path: Path, template: bytes, inject: bytes | int) -> None:
    """The document with the hostile text where ``MARK`` stands."""
    before, after = template.split(MARK)
    with path.open("wb") as f:
        f.write(before)
        if isinstance(inject, int):
            piece = b"x" * (1 << 20)
            for _ in range(inject):
                f.write(piece)
        else:
            f.write(inject)
        f.write(after)


def _documents(doctype: bytes, inject: bytes = MARK) -> dict[str, tuple[str, bytes]]:
    """Path name: (format, document with ``MARK`` where the hostile text goes), each
    with a good record after the hostile one."""
    marc = (
        b'<record><leader>00000cam a2200000 a 4500</leader><controlfield tag="001">%s'
        b'</controlfield><datafield tag="245" ind1="1" ind2="0"><subfield code="a">%s'
        b"</subfield></datafield></record>"
    )
    mods = (
        b"<mods><recordInfo><recordIdentifier>%s</recordIdentifier></recordInfo>"
        b"<titleInfo><title>%s</title></titleInfo></mods>"
    )
    dc = (
        b"<record><header><identifier>oai:h:%s</identifier><datestamp>2020-01-01</datestamp>"
        b'</header><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>%s</dc:title></oai_dc:dc>'
        b"</metadata></record>"
    )
    head = b'<?xml version="1.0" encoding="UTF-8"?>' + doctype
    oai = (
        head + b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>'
        b"2026-01-01T00:00:00Z</responseDate><request>x</request><ListRecords>"
        + dc % (b"bad", inject)
        + dc % (b"good", b"A good neighbour")
        + b"</ListRecords></OAI-PMH>"
    )
    return {
        "marcxml": (
            "marc",
            head
            + b'<collection xmlns="http://www.loc.gov/MARC21/slim">'
            + marc % (b"bad", inject)
            + marc % (b"good", b"A good neighbour")
            + b"</collection>",
        ),
        "mods": (
            "mods",
            head
            + b'<modsCollection xmlns="http://www.loc.gov/mods/v3">'
            + mods % (b"bad", inject)
            + mods % (b"good", b"A good neighbour")
            + b"</modsCollection>",
        ),
        "oai-file": ("oai_dc", oai),
        "oai-harvest": ("oai_dc", oai),
    }


def hostile_xml(root: Path, big_mb: int) -> dict[str, Any]:
    secret_text = "TOP-SECRET-" + hashlib.sha256(os.urandom(8)).hexdigest()[:12]
    secret = root / "secret.txt"
    secret.write_text(secret_text)
    tried = runs = leaks = crashes = hangs = good_lost = refused = 0
    peak_run = ""
    peak = 0
    _Canary.hits.clear()
    with _serve(_Canary) as canary_port, _serve(_Page) as page_port:
        canary = f"http://127.0.0.1:{canary_port}"
        for name, (doctype, inject) in _hostile(secret, canary, big_mb).items():
            for path, (fmt, template) in _documents(doctype).items():
                folder = Path(tempfile.mkdtemp(dir=root))
                tried += 1
                for mode in ("convert", "files") if path != "oai-harvest" else ("harvest",):
                    if mode == "convert":
                        _write(folder / "in.xml", template, inject)
                        args = ["convert", "in.xml", "--format", fmt, "-o", "out.jsonl"]
                    else:
                        if mode == "files":
                            _write(folder / "in.xml", template, inject)
                            source = {
                                "name": "h",
                                "kind": "files",
                                "format": fmt,
                                "paths": ["in.xml"],
                            }
                        else:
                            _write(folder / "page.xml", template, inject)
                            _Page.page = folder / "page.xml"
                            source = {
                                "name": "h",
                                "kind": "oai-pmh",
                                "format": fmt,
                                "url": f"http://127.0.0.1:{page_port}/oai",
                                "metadata_prefix": "oai_dc",
                                "max_retries": 0,
                            }
                        doc = {"catalog": "c.duckdb", "export": "export", "sources": [source]}
                        (folder / "p.yaml").write_text(yaml.safe_dump(doc))
                        args = ["--config", "p.yaml", "run"]
                    proc = _cli(*args, cwd=folder)
                    runs += 1
                    try:
                        out, err = proc.communicate(timeout=300)
                        code = proc.returncode
                    except subprocess.TimeoutExpired:
                        proc.kill()
                        proc.communicate()
                        hangs += 1
                        continue
                    high = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
                    if high > peak:  # this run set the children's high-water mark
                        peak, peak_run = high, f"{name} via {path} ({mode})"
                    if code not in (0, 1) or '"event": "crash"' in err:
                        crashes += 1
                        print(f"  crash: {name} via {path} ({mode}): exit {code} {err[-300:]}")
                    seen = out + err + _everything(folder)
                    if secret_text in seen or "CANARY-REACHED" in seen:
                        leaks += 1
                        print(f"  LEAK: {name} via {path} ({mode})")
                    if "larger than max_response_bytes" in seen:
                        refused += 1  # the whole page refused by design, with its URL
                    elif "A good neighbour" not in seen:
                        good_lost += 1
                        print(f"  neighbour lost: {name} via {path} ({mode})")
                shutil_rm(folder)
    return {
        "hostile_inputs": tried,
        "runs": runs,
        "leaks": leaks,
        "canary_requests": len(_Canary.hits),
        "crashes": crashes,
        "hangs": hangs,
        "good_neighbours_lost": good_lost,
        "peak_mb": peak,
        "peak_run": peak_run,
        "pages_refused_by_max_response_bytes": refused,
    }


def _everything(folder: Path) -> str:
    """Every byte a run or a convert left in the folder, as text (Parquet decoded)."""
    texts = []
    for p in folder.rglob("*"):
        if not p.is_file() or p.name in ("in.xml", "page.xml"):  # the inputs themselves
            continue
        if p.suffix == ".parquet":
            texts.append(repr(pq.read_table(p).to_pylist()))
        elif p.suffix == ".duckdb":
            with duckdb.connect(str(p), read_only=True) as con:
                for (t,) in con.execute(
                    "SELECT table_name FROM information_schema.tables"
                ).fetchall():
                    rows = con.execute(f'SELECT * FROM "{t}"').fetchall()
                    texts.append(repr(rows))
                    texts.append(
                        b"".join(v for r in rows for v in r if isinstance(v, bytes)).decode(
                            "utf-8", "replace"
                        )
                    )
        elif p.suffix in (".jsonl", ".json"):
            text = p.read_text(errors="replace")
            texts.append(text)
            lines = text.splitlines() if p.suffix == ".jsonl" else []
            for line in lines:  # convert's quarantine keeps bytes as hex
                hexed = json.loads(line).get("raw_hex")
                if hexed:
                    texts.append(bytes.fromhex(hexed).decode("utf-8", "replace"))
    return "\n".join(texts)


# ------------------------------------------------------------------------------ 4


def fuzz(mutants: int) -> dict[str, Any]:
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
    from unioncat.contracts import RawEnvelope
    from unioncat.framing import frame_file
    from unioncat.parallel import map_page

    pool = [
        marc_record(
            f"fz{i}",
            f"Fuzzing the record reader, part {i}",
            fields=[
                ("020", "  ", ["a", "9780306406157"]),
                ("100", "1 ", ["a", f"Tester, {i}"]),
                ("260", "  ", ["a", "Berlin :", "b", "Verlag,", "c", "1999."]),
                ("650", " 0", ["a", "Software testing", "x", "Faults."]),
            ],
        ).as_marc()
        for i in range(8)
    ]
    shared = ROOT.parent / "shared" / "data" / "marc"
    for path in sorted(shared.rglob("*.mrc"))[:6] if shared.exists() else []:
        data = path.read_bytes()
        pool.extend(r + b"\x1d" for r in data.split(b"\x1d")[:20] if len(r) > 30)
    before, after = pool[0], pool[1] + pool[2]
    counts = {"mutants": 0, "crashes": 0, "neighbours_lost": 0, "slow": 0}
    example: list[bytes] = []
    specials = [b"\x1d", b"\x1e", b"\x1f", b"\x0c", b"\x00", b"0", b"9", b" ", b"\xff", b"<"]
    op = st.one_of(
        st.tuples(st.just("flip"), st.integers(0, 1 << 20), st.integers(0, 255)),
        st.tuples(st.just("cut_end"), st.integers(1, 64)),
        st.tuples(st.just("insert"), st.integers(0, 1 << 20), st.sampled_from(specials)),
        st.tuples(st.just("delete"), st.integers(0, 1 << 20), st.integers(1, 40)),
        st.tuples(st.just("leader"), st.integers(0, 23), st.sampled_from(specials)),
    )

    def mutate(record: bytes, ops: list[tuple[Any, ...]]) -> bytes:
        b = bytearray(record)
        for kind, *args in ops:
            if not b:
                break
            if kind == "flip":
                b[args[0] % len(b)] = args[1]
            elif kind == "cut_end":
                del b[-min(args[0], len(b)) :]
            elif kind == "insert":
                b[args[0] % (len(b) + 1) : args[0] % (len(b) + 1)] = args[1]
            elif kind == "delete":
                at = args[0] % len(b)
                del b[at : at + args[1]]
            elif kind == "leader" and len(b) > args[0]:
                b[args[0] : args[0] + 1] = args[1]
        return bytes(b)

    @settings(
        max_examples=mutants,
        deadline=None,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.integers(0, len(pool) - 1), st.lists(op, min_size=1, max_size=4))
    def one(which: int, ops: list[tuple[Any, ...]]) -> None:
        counts["mutants"] += 1
        mutant = mutate(pool[which], ops)
        blob = before + mutant + after
        started = time.perf_counter()
        try:
            wire, frames = frame_file(io.BytesIO(blob), "marc")
            frames = list(frames)
            now = datetime.now(UTC)
            envs = [
                RawEnvelope(
                    source="fuzz",
                    envelope_id=f"f#{f.position}",
                    format=wire,
                    payload=f.payload,
                    fetched_at=now,
                    batch="f",
                    position=f.position,
                    error=f.error,
                )
                for f in frames
            ]
            map_page(envs, "marc", False)
        except Exception as exc:  # noqa: BLE001  (counted and shown: the point of a fuzzer)
            counts["crashes"] += 1
            if len(example) < 3:
                example.append(mutant)
                print(f"  crash: {type(exc).__name__}: {exc}")
            return
        if time.perf_counter() - started > 2.0:
            counts["slow"] += 1
        good = {f.payload for f in frames if f.error is None}
        lost = sum(1 for r in (pool[0], pool[1], pool[2]) if r not in good)
        counts["neighbours_lost"] += lost
        if lost and len(example) < 3:
            example.append(mutant)
            print(f"  neighbour lost after mutant {mutant[:40]!r}... ({ops})")

    logging.disable(logging.WARNING)  # pymarc's complaints about each mutant: expected
    try:
        one()
    finally:
        logging.disable(logging.NOTSET)
    return counts


# ------------------------------------------------------------------------------ 5


class _Flaky(http.server.SimpleHTTPRequestHandler):
    """Serves the drop folder, failing every other request with a 503."""

    turn = 0

    def do_GET(self) -> None:
        _Flaky.turn += 1
        if _Flaky.turn % 2:
            self.send_error(503)
            return
        super().do_GET()

    def log_message(self, format: str, *args: Any) -> None:
        return


def secrets(root: Path) -> dict[str, Any]:
    folder = Path(tempfile.mkdtemp(dir=root))
    password, key = "pw-" + os.urandom(6).hex(), "key-" + os.urandom(6).hex()
    write_marc(
        folder / "served" / "drop.mrc",
        [marc_record(f"s{i}", f"Kept secret {i}") for i in range(50)],
    )
    found = 0
    with (
        OAIPeer(Repository(make_items(40), batch_size=10)) as peer,
        _serve(
            partial(_Flaky, directory=str(folder / "served"))  # type: ignore[arg-type]
        ) as port,
    ):
        peer.faults.server_error(times=3)
        host = peer.url.removeprefix("http://")
        env = {
            "OAI_URL": f"http://harvester:{password}@{host}?apikey={key}",
            "DROP_URL": f"http://u:{password}@127.0.0.1:{port}/drop.mrc?token={key}",
        }
        doc = {
            "catalog": "catalog.duckdb",
            "export": "export",
            "sources": [
                {
                    "name": "repo",
                    "kind": "oai-pmh",
                    "url": "${OAI_URL}",
                    "format": "oai_dc",
                    "metadata_prefix": "oai_dc",
                    "max_retries": 1,
                    "backoff": 0.05,
                },
                {"name": "drop", "kind": "files", "format": "marc", "paths": ["${DROP_URL}"]},
            ],
        }
        (folder / "pipelines.yaml").write_text(yaml.safe_dump(doc))
        outputs = []
        for args in (
            ["run"],
            ["run"],
            ["-v", "run"],
            ["status"],
            ["quarantine"],
            ["show", "drop:s1"],
            ["find", "secret"],
        ):
            proc = _cli("--config", "pipelines.yaml", *args, cwd=folder, env=env)
            out, err = proc.communicate(timeout=300)
            outputs += [out, err]
        everything = "\n".join(outputs) + _everything(folder)
        found = everything.count(password) + everything.count(key)
    shutil_rm(folder)
    return {"secret_occurrences": found, "places_searched": "tables, export, logs, 7 commands"}


# ------------------------------------------------------------------------------ main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--kills", type=int, default=24)
    ap.add_argument("--signals", type=int, default=6)
    ap.add_argument("--mutants", type=int, default=20_000)
    ap.add_argument("--big-mb", type=int, default=200, help="size of the huge text node")
    ap.add_argument("--minutes", type=float, default=20.0, help="budget for the kill loop")
    ap.add_argument("--only", nargs="*", default=["kills", "signals", "xml", "fuzz", "secrets"])
    args = ap.parse_args()
    summary: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="unioncat-faults-") as tmp:
        root = Path(tmp)
        steps = {
            "kills": lambda: kills(root, args.kills, args.minutes * 60),
            "signals": lambda: signals(root, args.signals),
            "xml": lambda: hostile_xml(root, args.big_mb),
            "fuzz": lambda: fuzz(args.mutants),
            "secrets": lambda: secrets(root),
        }
        for name in args.only:
            started = time.monotonic()
            summary[name] = steps[name]()
            summary[name]["seconds"] = round(time.monotonic() - started, 1)
            print(f"{name}: {json.dumps(summary[name])}", flush=True)
    bad = 0
    for part in summary.values():
        for key in (
            "lost",
            "doubled",
            "bad_manifests",
            "leaks",
            "canary_requests",
            "crashes",
            "hangs",
            "neighbours_lost",
            "good_neighbours_lost",
            "secret_occurrences",
            "wrong_exit_codes",
            "slow",
        ):
            bad += int(part.get(key, 0))
        bad += int(part.get("final_exit", 0) not in (0,))
    print(json.dumps({"faults": summary, "failures": bad}))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
