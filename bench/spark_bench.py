"""Renormalize on Spark against renormalize in process, the same archive, the same run.

The archive is MARC: the 1,000 records of ``../shared/data/marc/evergreen/jazz_1k.mrc``
(real library records) written again and again under new control numbers up to
``--records``, harvested once by a ``files`` source (raw archive only).  Then the same
catalog, copied, is renormalized twice, each whole-process and timed: with
``engine: duckdb`` (this machine's mapping workers) and with ``engine: spark`` on
``local[2]``.  Peak memory is the largest sum of the resident sizes of the command's
process and all its children (Spark's JVM and Python workers) seen while it ran; the
columns after it give the peak of each part alone: the command's own process, Spark's
JVM, and the workers (Spark's Python workers, or the mapping workers).
Run from the project root:

    python bench/spark_bench.py --records 100000 200000
    python bench/spark_bench.py --records --dedupe 100000 1000000

``--dedupe`` times ``unioncat dedupe --full`` of the dedupe bench's synthetic union
catalog the same way, on each engine.

Needs the ``spark`` extra and Java 17 or newer.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JAZZ = ROOT.parent / "shared" / "data" / "marc" / "evergreen" / "jazz_1k.mrc"


def write_archive(folder: Path, n: int) -> None:
    from pymarc import Field, MARCReader

    with JAZZ.open("rb") as handle:
        base = [r for r in MARCReader(handle, to_unicode=True, force_utf8=True) if r is not None]
    folder.mkdir(parents=True, exist_ok=True)
    per_file = 50_000
    for part in range(0, n, per_file):
        with (folder / f"part-{part // per_file:04d}.mrc").open("wb") as out:
            for i in range(part, min(n, part + per_file)):
                record = base[i % len(base)]
                record.remove_fields("001")
                record.add_ordered_field(Field(tag="001", data=f"bench-{i:09d}"))
                out.write(record.as_marc())


def _descendants(pid: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="utf-8") as stat:
                    parents[int(entry)] = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue  # a process that ended while we looked
    found, frontier = [pid], [pid]
    while frontier:
        children = [p for p, parent in parents.items() if parent in frontier]
        found += children
        frontier = children
    return found


def _rss_mb(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def _part(pid: int, command: int) -> str:
    """Which part of the run a process is: the command's own, Spark's JVM, or a worker
    (Spark's Python workers, the mapping workers)."""
    if pid == command:
        return "command"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            program = cmdline.read().split(b"\0", 1)[0]
    except OSError:
        return "worker"
    return "jvm" if program.endswith(b"java") else "worker"


PARTS = ("command", "jvm", "worker")


def timed(argv: list[str]) -> tuple[float, float, dict[str, float]]:
    """Seconds, peak memory (MB, the whole process tree) of one command, and the peak
    of each part of the tree (the command's process, Spark's JVM, the workers)."""
    started = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env=dict(os.environ, PYTHONPATH=str(ROOT)))  # fmt: skip
    peak = 0.0
    parts = dict.fromkeys(PARTS, 0.0)
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.wait(0.2):
            now = dict.fromkeys(PARTS, 0.0)
            for pid in _descendants(child.pid):
                now[_part(pid, child.pid)] += _rss_mb([pid])
            peak = max(peak, sum(now.values()))
            for name, mb in now.items():
                parts[name] = max(parts[name], mb)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    code = child.wait()
    done.set()
    watcher.join()
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(argv[-3:])} exited {code}")
    return time.perf_counter() - started, peak, parts


def pipeline(folder: Path, engine: str, *, dedupe: bool = False) -> Path:
    """The bench's pipeline file: the MARC archive's source with dedupe off, or (for
    ``dedupe``) a catalog whose records are written directly, with Spark's driver given
    room for the blocking steps."""
    conf = ", conf: {spark.driver.memory: 6g}" if dedupe else ""
    source = "catalog" if dedupe else "jazz"
    files = "none" if dedupe else "marc"
    path = folder / "pipelines.yaml"
    path.write_text(
        "catalog: catalog.duckdb\nexport: export\n"
        f"engine: {engine}\nspark: {{master: 'local[2]', warehouse: {folder / 'wh'}{conf}}}\n"
        + ("" if dedupe else "dedupe: {enabled: false}\n")
        + "sources:\n"
        f"  - {{name: {source}, kind: files, format: marc, paths: ['{folder}/{files}/*.mrc']}}\n",
        encoding="utf-8",
    )
    return path


def write_catalog(path: Path, n: int) -> None:
    """The synthetic union catalog of the dedupe bench (print and e-book records of one
    edition, repository copies, other editions and volumes as traps), ``n`` records."""
    sys.path.insert(0, str(ROOT))
    from bench.synthetic_catalog import as_record, stream_synthetic
    from unioncat.catalog import Catalog, PageWrite

    stream, _truth = stream_synthetic(n)
    catalog = Catalog(path)
    page: list = []
    for m in stream:
        page.append(as_record(m))
        if len(page) == 50_000:
            catalog.write(PageWrite("load", records=page))
            page = []
    if page:
        catalog.write(PageWrite("load", records=page))
    catalog.close()


# the peaks of the parts are each their own highest, not parts of the tree's peak
HEADER = (
    f"{'records':>9} {'engine':8} {'seconds':>8} {'records/s':>10} {'peak MB':>8} "
    f"{'command':>8} {'JVM':>8} {'workers':>8}"
)


def dedupe(sizes: list[int], cli: list[str], engines: Sequence[str]) -> None:
    """``unioncat dedupe --full`` of the same synthetic catalog, whole-process, on each
    engine."""
    print("dedupe --full of the synthetic union catalog")
    print(HEADER)
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp) / "base"
            base.mkdir()
            write_catalog(base / "catalog.duckdb", n)
            on_each_engine(n, base, Path(tmp), engines,
                           lambda folder, engine: [*cli, str(pipeline(folder, engine, dedupe=True)),
                                                   "dedupe", "--full"])  # fmt: skip


def on_each_engine(
    n: int, base: Path, tmp: Path, engines: Sequence[str], argv_of: Callable[[Path, str], list[str]]
) -> None:
    """The command ``argv_of(folder, engine)`` timed on a copy of ``base`` per engine."""
    for engine in engines:
        folder = tmp / engine
        shutil.copytree(base, folder)
        seconds, peak, parts = timed(argv_of(folder, engine))
        split = " ".join(f"{parts[name]:8,.0f}" for name in PARTS)
        print(f"{n:>9,} {engine:8} {seconds:8.1f} {n / seconds:10,.0f} {peak:8,.0f} {split}",
              flush=True)  # fmt: skip
        shutil.rmtree(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, nargs="*", default=[100_000])
    parser.add_argument("--dedupe", type=int, nargs="*", default=[],
                        help="also dedupe --full a synthetic catalog of these sizes")  # fmt: skip
    parser.add_argument("--engines", nargs="+", default=["duckdb", "spark"],
                        choices=["duckdb", "spark"],
                        help="the engines to time (default: both)")  # fmt: skip
    args = parser.parse_args()
    cli = [sys.executable, "-m", "unioncat.cli", "--config"]
    if args.dedupe:
        dedupe(args.dedupe, cli, args.engines)
    if not args.records:
        return
    if not JAZZ.is_file():
        raise SystemExit(f"{JAZZ} is absent: the bench maps real MARC records from ../shared")
    print("renormalize of real MARC records")
    print(HEADER)
    for n in args.records:
        with tempfile.TemporaryDirectory() as tmp:
            base = Path(tmp) / "base"
            write_archive(base / "marc", n)
            subprocess.run([*cli, str(pipeline(base, "duckdb")), "harvest"], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            on_each_engine(n, base, Path(tmp), args.engines,
                           lambda folder, engine: [*cli, str(pipeline(folder, engine)),
                                                   "renormalize"])  # fmt: skip


if __name__ == "__main__":
    main()
