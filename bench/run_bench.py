"""``unioncat run`` on the first N records of the Library of Congress file, whole
process: a new catalog (raw archive, records, changes, the find index), dedupe and the
export, then the same run again (the unchanged file is skipped).  Each run is a fresh
``unioncat`` process timed from outside, imports included, as a cron job runs it; peak
memory is the run's own (mapping workers have their own, reported by the run).  Run
from the project root:

    python bench/run_bench.py --limit 50000
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.marc_bench import DEFAULT_FILE, _cut  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=os.environ.get("UNIONCAT_LOC_FILE", DEFAULT_FILE))
    ap.add_argument("--limit", type=int, default=50_000)
    args = ap.parse_args()
    if not Path(args.file).is_file():
        raise SystemExit(f"{args.file} not found: see bench/marc_bench.py for where to get it")
    folder = Path(tempfile.mkdtemp(prefix="unioncat-run-"))
    drop = folder / "loc.mrc"
    n = _cut(Path(args.file), args.limit, drop)
    (folder / "pipelines.yaml").write_text(
        "catalog: catalog.duckdb\nexport: export\nsources:\n"
        f"  - name: loc\n    kind: files\n    format: marc\n    paths: [{drop}]\n",
        encoding="utf-8",
    )
    script = Path(sys.executable).with_name("unioncat")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "unioncat.cli"]
    for label in ("first run (new catalog)", "second run (unchanged file)"):
        t = time.perf_counter()
        done = subprocess.run([*command, "run"], cwd=folder, capture_output=True, text=True)
        secs = time.perf_counter() - t
        if done.returncode != 0:
            raise SystemExit(f"unioncat run exited {done.returncode}:\n{done.stderr[-2000:]}")
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"unioncat run, {label}: {n} records {secs:6.2f} s {n / secs:7.0f} rec/s "
              f"(largest process so far {peak:.0f} MB)", flush=True)  # fmt: skip
    print(f"catalog {(folder / 'catalog.duckdb').stat().st_size / 2**20:.0f} MB in {folder}")


if __name__ == "__main__":
    main()
