"""``unioncat find`` on a large catalog, against scanning the records table in the same run.

Builds a catalog of synthetic records (bench/synthetic_catalog.py: books, e-books,
editions, sets), then times lookups through the ``find_keys`` index and, as the
anchor, the same questions asked by scanning ``records`` (``list_contains`` over the
identifiers, ``ILIKE`` over titles), the way one would without the index.  Each lookup
is timed warm, the median of five.

    python bench/find_bench.py --records 1000000
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.dedupe_bench import _as_record
from bench.synthetic_catalog import stream_synthetic
from unioncat.catalog import Catalog, PageWrite
from unioncat.catalog.find import find


def _median_ms(fn) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(5):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument(
        "--keep", metavar="DIR", help="build the catalog here and keep it (or reuse it)"
    )
    args = ap.parse_args()
    stream, _ = stream_synthetic(args.records)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        reuse = (folder / "catalog.duckdb").exists()
        catalog = Catalog(folder / "catalog.duckdb")
        started = time.perf_counter()
        page: list = []  # type: ignore[type-arg]
        sample = None
        for m in stream:
            record = _as_record(m)
            if sample is None and record.identifiers and record.contributors:
                sample = record
                if reuse:
                    break
            page.append(record)
            if len(page) >= 50_000:
                catalog.write(PageWrite("load", records=page))
                page = []
        if page and not reuse:
            catalog.write(PageWrite("load", records=page))
        load = time.perf_counter() - started
        started = time.perf_counter()
        catalog.tidy()  # what the end of a run does: the find keys sorted
        tidy = time.perf_counter() - started
        keys = catalog.query("SELECT count(*) FROM find_keys")[0][0]
        print(f"{args.records:,} records loaded in {load:.0f} s, find keys sorted in "
              f"{tidy:.1f} s ({keys:,} keys)")  # fmt: skip
        assert sample is not None and sample.title
        ident = sample.identifiers[0]
        words = " ".join(sample.title.split()[:2])
        family = sample.contributors[0].name.split(",")[0]
        cases = [
            (f"identifier {ident.scheme}:{ident.value}", ident.value,
             lambda: catalog.query(
                 "SELECT id FROM records WHERE list_contains("
                 "list_transform(identifiers, lambda i: i.value), ?)", [ident.value])),
            (f"two title words {words!r}", words,
             lambda: catalog.query(
                 "SELECT id FROM records WHERE title ILIKE ? AND title ILIKE ? LIMIT 20",
                 [f"%{words.split()[0]}%", f"%{words.split()[-1]}%"])),
            (f"title word and name {words.split()[0]!r} {family!r}",
             f"{words.split()[0]} {family}",
             lambda: catalog.query(
                 "SELECT id FROM records WHERE title ILIKE ? AND array_to_string("
                 "list_transform(contributors, lambda c: c.name), ' ') ILIKE ? LIMIT 20",
                 [f"%{words.split()[0]}%", f"%{family}%"])),
        ]  # fmt: skip
        # the rarest word of the sample's title: a scan must read the whole table for it
        rare = min(
            (w for w in sample.title.split() if len(w) > 3),
            key=lambda w: catalog.query(
                "SELECT count(*) FROM records WHERE title ILIKE ?", [f"%{w}%"])[0][0],
        )  # fmt: skip
        cases.append((f"a rare title word {rare!r}", rare, lambda: catalog.query(
            "SELECT id FROM records WHERE title ILIKE ? LIMIT 20", [f"%{rare}%"])))  # fmt: skip
        print(f"{'lookup':<48} {'find (ms)':>10} {'scan (ms)':>10} {'scan / find':>12}")
        for label, query, scan in cases:
            found = find(catalog.db, query)
            ours = _median_ms(lambda q=query: find(catalog.db, q))
            theirs = _median_ms(scan)
            print(f"{label[:48]:<48} {ours:>10.1f} {theirs:>10.1f} {theirs / ours:>11.1f}x"
                  f"  ({len(found)} found)")  # fmt: skip
        catalog.close()


if __name__ == "__main__":
    main()
