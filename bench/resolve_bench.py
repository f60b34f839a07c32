"""OpenURL resolution: decisions per second and latency against a large catalog.

The catalog holds the 72,056 KBART rows of ``../shared/data/vendor/kbart/kbart.txt.gz``
(real packages, with embargoes), mapped by unioncat's KBART normalizer and matched into
journals, plus synthetic books up to ``--records`` in all.  Citations are drawn, seeded,
from the KBART titles: an ISSN with a date inside, before or after its coverage, some by
volume, a tenth of them for journals the catalog lacks.  Building the catalog is not
timed; each resolution is, one after another, on the open catalog, as ``/resolve``
answers.  Run from the project root:

    python bench/resolve_bench.py --records 1000000 --queries 2000
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from unioncat.catalog import Catalog, PageWrite  # noqa: E402
from unioncat.contracts import RawEnvelope  # noqa: E402
from unioncat.dedupe.settings import MatchSettings  # noqa: E402
from unioncat.dedupe.stage import dedupe_catalog  # noqa: E402
from unioncat.ids import mint_id  # noqa: E402
from unioncat.openurl import resolve  # noqa: E402
from unioncat.schemas.record import Contributor, Record  # noqa: E402

KBART = ROOT.parent / "shared" / "data" / "vendor" / "kbart" / "kbart.txt.gz"


def kbart_records() -> tuple[list[Record], list[dict[str, str]]]:
    """The KBART file framed and mapped as a ``files`` source would: one record per title."""
    import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
    from unioncat.errors import RecordError
    from unioncat.framing import frame_file
    from unioncat.normalize import NORMALIZERS

    blob = gzip.decompress(KBART.read_bytes())
    wire, frames = frame_file(io.BytesIO(blob), "kbart")
    records: list[Record] = []
    for f in frames:
        if f.error:
            continue
        envelope = RawEnvelope("kbart", f"kbart#{f.position}", wire, f.payload,
                               datetime.now(UTC), batch="kbart.txt")  # fmt: skip
        try:
            records += NORMALIZERS["kbart"](envelope)
        except RecordError:
            continue  # a title the normalizer refuses is left out of the bench
    text = blob.decode("utf-8", "replace")
    table = list(csv.DictReader(io.StringIO(text), delimiter="\t"))
    return records, table


def build(path: Path, total: int) -> int:
    journals, _ = kbart_records()
    catalog = Catalog(path)
    try:
        for start in range(0, len(journals), 5000):
            catalog.write(PageWrite("bench", records=journals[start : start + 5000]))
        batch: list[Record] = []
        for i in range(max(0, total - len(journals))):
            batch.append(Record(
                id=mint_id("books", f"{i:07d}"), source="books", source_id=f"{i:07d}",
                source_format="test", type="book", medium="print",
                title=f"Monograph {i} on estuaries", contributors=[Contributor(f"Author {i}, A.")],
                year=1950 + i % 70,
            ))  # fmt: skip
            if len(batch) == 10000:
                catalog.write(PageWrite("bench", records=batch))
                batch = []
        if batch:
            catalog.write(PageWrite("bench", records=batch))
        dedupe_catalog(catalog, "bench", MatchSettings())
        count = int(catalog.query("SELECT count(*) FROM records")[0][0])
    finally:
        catalog.close()
    return count


def citations(n: int, seed: int = 7) -> list[str]:
    _, table = kbart_records()
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        row = rng.choice(table)
        issn = (row.get("print_identifier") or row.get("online_identifier") or "").strip()
        if rng.random() < 0.1 or not issn:
            issn = f"{rng.randrange(1000, 9999)}-{rng.randrange(1000, 9999)}"
        year = rng.randrange(1950, 2026)
        kev = f"rft.issn={issn}&rft.date={year}"
        if rng.random() < 0.3:
            kev += f"&rft.volume={rng.randrange(1, 80)}"
        out.append(kev)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    if not KBART.is_file():
        print(f"skipped: {KBART} is absent")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "catalog.duckdb"
        started = time.perf_counter()
        count = build(path, args.records)
        print(f"catalog of {count:,} records built in {time.perf_counter() - started:.0f} s "
              "(not timed below)")  # fmt: skip
        queries = citations(args.queries)
        catalog = Catalog(path, read_only=True)
        try:
            resolve(catalog, queries[0], date(2026, 12, 3))  # warm
            times, available = [], 0
            began = time.perf_counter()
            for kev in queries:
                t = time.perf_counter()
                available += bool(resolve(catalog, kev, date(2026, 12, 3))["available"])
                times.append((time.perf_counter() - t) * 1000)
            seconds = time.perf_counter() - began
        finally:
            catalog.close()
    times.sort()
    p50 = statistics.median(times)
    p99 = times[int(len(times) * 0.99) - 1]
    print(f"{len(queries):,} resolutions: {len(queries) / seconds:,.0f}/s, p50 {p50:.1f} ms, "
          f"p99 {p99:.1f} ms (target: p99 under 50 ms); {available:,} available")  # fmt: skip


if __name__ == "__main__":
    main()
