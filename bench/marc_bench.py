"""MARC to Parquet throughput against the anchors, in one run.

Times, on the same file and record count:
  * pymarc ``MARCReader`` reading title, author and ISBN (the bare-read anchor),
  * marctable converting to Parquet (if installed: ``pip install marctable``),
  * ``unioncat convert`` (framing, full mapping to schema v1, Parquet writing).
Each runs in its own process so its peak memory (max RSS) is its own.

The Library of Congress file ships in pymarc's source distribution; see
``../shared/data/README.md``:

    pip download --no-deps --no-binary :all: pymarc==5.4.0 -d /tmp/pymarc-sdist
    tar -xzf /tmp/pymarc-sdist/pymarc-5.4.0.tar.gz -C /tmp/pymarc-sdist
    python bench/marc_bench.py --limit 50000
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_FILE = "/tmp/pymarc-sdist/pymarc-5.4.0/BooksAll.2016.part01.utf8"


def _cut(src: Path, limit: int, dest: Path) -> int:
    """Copy the first ``limit`` records (split on the record terminator)."""
    n = 0
    with src.open("rb") as f, dest.open("wb") as out:
        buf = b""
        while n < limit:
            chunk = f.read(1 << 20)
            if not chunk:
                break
            buf += chunk
            parts = buf.split(b"\x1d")
            buf = parts.pop()
            for p in parts:
                if n >= limit:
                    break
                out.write(p + b"\x1d")
                n += 1
    return n


def run_pymarc(path: str) -> dict[str, float]:
    import pymarc

    n = 0
    t = time.perf_counter()
    with open(path, "rb") as f:
        for rec in pymarc.MARCReader(f, to_unicode=True, force_utf8=True, utf8_handling="replace"):
            if rec is None:
                continue
            _ = (rec.title, rec.author, rec.isbn)
            n += 1
    return {"records": n, "seconds": time.perf_counter() - t}


def run_marctable(path: str) -> dict[str, float]:
    from marctable.utils import to_parquet  # type: ignore[import-not-found]

    out = tempfile.mktemp(suffix=".parquet")
    t = time.perf_counter()
    with open(path, "rb") as f, open(out, "wb") as o:
        to_parquet(f, o)
    secs = time.perf_counter() - t
    import pyarrow.parquet as pq

    return {"records": pq.read_metadata(out).num_rows, "seconds": secs}


def run_unioncat(path: str) -> dict[str, float]:
    from unioncat.convert import convert_files

    out = Path(tempfile.mkdtemp()) / "out.parquet"
    t = time.perf_counter()
    result = convert_files([path], "marc", out)
    return {
        "records": result.envelopes,  # input records; rows add the 505 chapters
        "rows": result.records,
        "quarantined": len(result.quarantined),
        "seconds": time.perf_counter() - t,
        "mapper_peak_mb": result.worker_peak_mb,
    }


RUNNERS = {"pymarc": run_pymarc, "marctable": run_marctable, "unioncat": run_unioncat}


def child(name: str, path: str) -> None:
    result = RUNNERS[name](path)
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=os.environ.get("UNIONCAT_LOC_FILE", DEFAULT_FILE))
    ap.add_argument("--limit", type=int, default=50_000, help="records; 0 for the whole file")
    ap.add_argument("--child", nargs=2, metavar=("NAME", "PATH"))
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    src = Path(args.file)
    if not src.is_file():
        sys.exit(f"benchmark file not found: {src} (see this script's docstring)")
    with tempfile.TemporaryDirectory() as tmp:
        sample = Path(tmp) / "sample.mrc"
        n = _cut(src, args.limit or 10**9, sample)
        print(f"{n} records from {src.name}")
        results: dict[str, dict[str, float]] = {}
        for name in RUNNERS:
            proc = subprocess.run(
                [sys.executable, __file__, "--child", name, str(sample)],
                capture_output=True,
                text=True,
                check=False,
            )
            if proc.returncode != 0:
                last = (proc.stderr.strip().splitlines() or ["?"])[-1]
                print(f"{name:<10} skipped: {last}")
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            r["rate"] = r["records"] / r["seconds"]
            results[name] = r
            mappers = r.get("mapper_peak_mb", 0)
            workers = f" (mapping processes: {mappers:.0f} MB each)" if mappers else ""
            print(
                f"{name:<10} {r['records']:>8.0f} records {r['seconds']:7.2f} s "
                f"{r['rate']:9.0f} rec/s  peak {r['peak_mb']:6.0f} MB{workers}"
            )
        ours = results.get("unioncat")
        for anchor in ("pymarc", "marctable"):
            if ours and anchor in results:
                print(f"unioncat / {anchor}: {ours['rate'] / results[anchor]['rate']:.2f}x")


if __name__ == "__main__":
    main()
