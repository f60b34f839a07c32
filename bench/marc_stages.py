"""Per-record cost of each stage of a MARC conversion, on one core: reading, mapping,
and building the page's Arrow table (for a Parquet file, and for the catalog with the
content hashes), on the compiled core and on the pure Python path in the same run.

Microseconds per input record (a record with a 505 gives its chapters too: the
records count says how many came out), best of ``--rounds`` passes over the same
records, the cyclic collector paused as the mapping workers pause it.  Run from the
project root (the file is the one ``marc_bench.py`` reads):

    python bench/marc_stages.py --limit 20000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = "/tmp/pymarc-sdist/pymarc-5.4.0/BooksAll.2016.part01.utf8"


def measure(path: str, limit: int, rounds: int) -> dict[str, object]:
    sys.path.insert(0, str(ROOT))
    from unioncat.catalog.records import incoming_table
    from unioncat.convert import _chunks
    from unioncat.gc_pause import gc_paused
    from unioncat.mapping import normalize_envelopes
    from unioncat.normalize.marc_read import read_iso2709
    from unioncat.schemas.generate import records_to_table

    if (ROOT / "unioncat" / "compiled.py").exists():
        from unioncat.compiled import MARC_PATH
    else:  # a checkout from before the compiled core, measured for comparison
        MARC_PATH = "pure Python (a version without the compiled core)"
    envelopes = []
    for chunk in _chunks([path], "marc"):
        envelopes.extend(chunk)
        if len(envelopes) >= limit:
            break
    envelopes = envelopes[:limit]
    best: dict[str, float] = {}
    records = normalize_envelopes(envelopes[:500], "marc").records  # warm every path
    incoming_table(records)
    with gc_paused():
        for _ in range(rounds):
            t0 = time.perf_counter()
            for envelope in envelopes:
                read_iso2709(envelope.payload)
            t1 = time.perf_counter()
            mapped = normalize_envelopes(envelopes, "marc")
            t2 = time.perf_counter()
            records_to_table(mapped.records)
            t3 = time.perf_counter()
            incoming_table(mapped.records, mapped.envelope_ids)
            t4 = time.perf_counter()
            for name, secs in (("read", t1 - t0), ("read+map", t2 - t1),
                               ("arrow", t3 - t2), ("catalog table", t4 - t3)):  # fmt: skip
                us = secs / len(envelopes) * 1e6
                best[name] = min(best.get(name, us), us)
    best["map"] = best["read+map"] - best["read"]
    return {"path": MARC_PATH, "envelopes": len(envelopes),
            "records": len(mapped.records), **best}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--file", default=os.environ.get("UNIONCAT_LOC_FILE", DEFAULT_FILE))
    ap.add_argument("--limit", type=int, default=20_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.file, args.limit, args.rounds)))
        return
    if not Path(args.file).is_file():
        raise SystemExit(f"{args.file} not found: see bench/marc_bench.py for where to get it")
    for pure in (False, True):
        env = {**os.environ, "UNIONCAT_PURE_PYTHON": "1" if pure else "0"}
        out = subprocess.run(
            [sys.executable, __file__, "--child", "--file", args.file,
             "--limit", str(args.limit), "--rounds", str(args.rounds)],
            env=env, check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip
        r = json.loads(out.splitlines()[-1])
        print(
            f"{r['path']}: {r['envelopes']} records in ({r['records']} out), us per record: "
            f"read {r['read']:.1f}, map {r['map']:.1f}, Arrow {r['arrow']:.1f} "
            f"(catalog table with hashes {r['catalog table']:.1f}); "
            f"read+map+Arrow {r['read+map'] + r['arrow']:.1f}"
        )


if __name__ == "__main__":
    main()
