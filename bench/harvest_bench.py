"""OAI-PMH harvest throughput: unioncat against plain sickle, same server, same run.

The server is the project's test peer (oaipmh 4.0.0's BatchingServer, installed with
the test extra) in its own process, so the clients do not share its interpreter.
sickle only iterates the records (it parses each page into Record objects); unioncat
also archives every raw record, maps it to schema v1 and commits every page with its
checkpoint in DuckDB.  Both libraries are imported before timing starts; the catalog
file is created inside the timed run.  Run from the project root:

    python bench/harvest_bench.py --records 20000 --page 500 --rounds 5

It then runs each client again as a cron job would, a fresh process timed from outside
with the interpreter's start and every import counted in.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SERVE = """
import sys, time
sys.path.insert(0, {root!r})
from tests.support.oai_peer import start_peer, make_items
peer = start_peer(make_items({n}), batch_size={page})
print(peer.url, flush=True)
sys.stdin.read()
"""


def serve(n: int, page: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVE.format(root=str(ROOT), n=n, page=page)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def run_sickle(url: str) -> int:
    from sickle import Sickle

    return sum(1 for _ in Sickle(url, max_retries=3).ListRecords(metadataPrefix="oai_dc"))


def run_unioncat(url: str, command: str) -> int:
    import duckdb

    from tests.support.builders import write_pipeline
    from unioncat.cli import main

    folder = Path(tempfile.mkdtemp())
    source = {"name": "peer", "kind": "oai-pmh", "format": "oai_dc", "url": url}
    cfg = write_pipeline(folder, [source])
    code = main(["--config", str(cfg), command])
    if code != 0:
        raise SystemExit(f"unioncat {command} exited {code}")
    with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
        row = con.execute("SELECT count(*) FROM raw").fetchone()
    return int(row[0]) if row else 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=20_000)
    ap.add_argument("--page", type=int, default=500, help="records per ListRecords page")
    ap.add_argument("--rounds", type=int, default=5, help="sickle/unioncat pairs to run")
    args = ap.parse_args()
    import logging

    logging.disable(logging.INFO)
    # Both clients are imported before any clock starts: records/s is a rate, and a
    # one-off import (duckdb and pyarrow weigh far more than sickle) is not part of it.
    # pyarrow's first conversion of a Python list is part of importing it, so it is done
    # here too, after what the command line does first so that it does not import
    # pandas (unioncat.arrow_start).  The import costs are measured apart, each in a
    # fresh interpreter, and printed below the rates.
    sys.path.insert(0, str(ROOT))
    import pyarrow as pa
    import sickle  # noqa: F401

    import tests.support.builders  # noqa: F401  (writes the pipeline file)
    import unioncat.cli
    import unioncat.commands
    import unioncat.harvest.oai  # noqa: F401
    from unioncat.arrow_start import keep_pandas_out

    keep_pandas_out()
    pa.array(["warm"])

    # Rounds alternate the two clients, so a slow spell of a shared machine hits both;
    # the ratio reported is the median of the rounds' ratios.
    ratios = []
    rates: dict[str, list[float]] = {"sickle": [], "unioncat harvest": []}
    for round_no in range(1, args.rounds + 1):
        theirs = timed("sickle", run_sickle, args)
        ours = timed("unioncat harvest", lambda u: run_unioncat(u, "harvest"), args)
        rates["sickle"].append(theirs)
        rates["unioncat harvest"].append(ours)
        ratios.append(ours / theirs)
        print(f"round {round_no}: unioncat harvest / sickle {ours / theirs:.2f}x", flush=True)
    whole = timed("unioncat run", lambda u: run_unioncat(u, "run"), args)
    sickle_rate = statistics.median(rates["sickle"])
    harvest_rate = statistics.median(rates["unioncat harvest"])
    print(
        f"unioncat harvest / sickle: median {statistics.median(ratios):.2f}x "
        f"(rounds {min(ratios):.2f}-{max(ratios):.2f}x)"
    )
    print(f"unioncat run / sickle: {whole / sickle_rate:.2f}x")
    ours_s, theirs_s = import_seconds(UNIONCAT_IMPORT), import_seconds("import sickle")
    print(f"one-off import: unioncat {ours_s:.2f} s, sickle {theirs_s:.2f} s")
    with_imports = (args.records / sickle_rate + theirs_s) / (args.records / harvest_rate + ours_s)
    print(f"unioncat harvest / sickle at the median rates, counting imports: {with_imports:.2f}x")
    whole_process(args)


# sickle's whole process: the interpreter, the import and the harvest, as a cron job runs it
SICKLE_PROCESS = """
import sys
from sickle import Sickle
print(sum(1 for _ in Sickle(sys.argv[1], max_retries=3).ListRecords(metadataPrefix="oai_dc")))
"""


def whole_process(args: argparse.Namespace) -> None:
    """Each client as a cron job runs it: a fresh process, imports and all, timed from
    outside; the same server and rounds alternating as above."""
    from tests.support.builders import write_pipeline

    script = Path(sys.executable).with_name("unioncat")
    ratios = []
    for round_no in range(1, args.rounds + 1):
        proc, url = serve(args.records, args.page)
        try:
            t = time.perf_counter()
            done = subprocess.run([sys.executable, "-c", SICKLE_PROCESS, url], check=True,
                                  capture_output=True, text=True)  # fmt: skip
            theirs = time.perf_counter() - t
        finally:
            proc.communicate("", timeout=30)
        n = int(done.stdout.strip())
        proc, url = serve(args.records, args.page)
        try:
            folder = Path(tempfile.mkdtemp())
            source = {"name": "peer", "kind": "oai-pmh", "format": "oai_dc", "url": url}
            cfg = write_pipeline(folder, [source])
            t = time.perf_counter()
            subprocess.run([str(script), "--config", str(cfg), "harvest"], check=True,
                           capture_output=True)  # fmt: skip
            ours = time.perf_counter() - t
        finally:
            proc.communicate("", timeout=30)
        ratios.append(theirs / ours)
        print(f"whole process, round {round_no}: sickle {n} records {theirs:.2f} s, "
              f"unioncat harvest {ours:.2f} s: {theirs / ours:.2f}x", flush=True)  # fmt: skip
    print(
        f"unioncat harvest / sickle, whole process: median {statistics.median(ratios):.2f}x "
        f"(rounds {min(ratios):.2f}-{max(ratios):.2f}x)"
    )


def timed(name: str, fn: Callable[[str], int], args: argparse.Namespace) -> float:
    """Records per second of one client against a fresh server."""
    proc, url = serve(args.records, args.page)
    try:
        t = time.perf_counter()
        n = fn(url)
        secs = time.perf_counter() - t
    finally:
        proc.communicate("", timeout=30)
    print(f"{name:<17} {n:>7} records {secs:7.2f} s {n / secs:8.0f} rec/s", flush=True)
    return n / secs


# what `unioncat harvest` of an oai_dc source imports: the command line, the commands,
# the OAI-PMH harvester and the format its pipeline names (formats and kinds load when
# asked for), and pyarrow's first conversion as the command line makes it
UNIONCAT_IMPORT = (
    "import unioncat.cli, unioncat.commands, unioncat.harvest.oai, unioncat.normalize.oai_dc, "
    "pyarrow, unioncat.arrow_start; unioncat.arrow_start.keep_pandas_out(); "
    "pyarrow.array(['warm'])"
)


def import_seconds(code: str, repeat: int = 3) -> float:
    """Best of a few fresh interpreters, less the bare interpreter's start."""

    def best(snippet: str) -> float:
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", snippet], check=True, cwd=ROOT)
            times.append(time.perf_counter() - t)
        return min(times)

    return max(0.0, best(code) - best("pass"))


if __name__ == "__main__":
    main()
