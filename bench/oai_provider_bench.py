"""OAI-PMH serving throughput: ``unioncat serve-oai`` against oaipmh's own server.

Both serve the same records (title, creator, date, a link, a language; 500 per page)
in ``oai_dc`` from their own process, each harvested from 127.0.0.1 by the same client
(sickle's ListRecords), in the same run.  The anchor is oaipmh 4.0.0's BatchingServer
over an in-memory repository (the project's test peer); unioncat reads a DuckDB catalog
file, opening it for each request, as it does beside the nightly runs.  Building the
catalog is not timed.  Run from the project root:

    python bench/oai_provider_bench.py --records 100000 --rounds 3
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from unioncat.catalog import Catalog, PageWrite  # noqa: E402
from unioncat.ids import mint_id  # noqa: E402
from unioncat.schemas.record import Access, Contributor, Record  # noqa: E402

PEER = """
import sys
sys.path.insert(0, {root!r})
from tests.support.oai_peer import start_peer, make_items
peer = start_peer(make_items({n}), batch_size={page})
print(peer.url, flush=True)
sys.stdin.read()
"""


def build_catalog(path: Path, n: int) -> float:
    """The records make_items gives the peer, as unioncat records."""
    started = time.perf_counter()
    catalog = Catalog(path)
    try:
        batch: list[Record] = []
        for i in range(1, n + 1):
            batch.append(
                Record(
                    id=mint_id("bench", f"{i:06d}"), source="bench", source_id=f"{i:06d}",
                    source_format="oai_dc", type="book", medium="print",
                    title=f"Record {i}", contributors=[Contributor(f"Author {i}, A.")],
                    date=str(2000 + i % 25), year=2000 + i % 25, language=["eng"],
                    access=[Access(url=f"https://peer.test/records/{i}")],
                )
            )  # fmt: skip
            if len(batch) == 5000:
                catalog.write(PageWrite("bench", records=batch))
                batch = []
        if batch:
            catalog.write(PageWrite("bench", records=batch))
    finally:
        catalog.close()
    return time.perf_counter() - started


def start_unioncat(folder: Path, page: int) -> tuple[subprocess.Popen[str], str]:
    config = folder / "pipelines.yaml"
    config.write_text(
        f"catalog: {folder / 'catalog.duckdb'}\nsources: []\noai_provider:\n  page_size: {page}\n",
        encoding="utf-8",
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "unioncat.cli", "--config", str(config), "serve-oai",
         "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=str(ROOT),
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if entry.get("event") == "oai.serving":
            return proc, f"http://127.0.0.1:{entry['port']}/oai"
    raise RuntimeError("serve-oai did not start")


def start_peer(n: int, page: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", PEER.format(root=str(ROOT), n=n, page=page)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stdout is not None
    return proc, proc.stdout.readline().strip()


def harvest(url: str) -> tuple[int, float]:
    from sickle import Sickle

    started = time.perf_counter()
    count = sum(1 for _ in Sickle(url, max_retries=3).ListRecords(metadataPrefix="oai_dc"))
    return count, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--page", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        built = build_catalog(folder / "catalog.duckdb", args.records)
        print(f"catalog of {args.records:,} records built in {built:.1f} s (not timed below)")
        ours, ours_url = start_unioncat(folder, args.page)
        peer, peer_url = start_peer(args.records, args.page)
        try:
            rates: dict[str, list[float]] = {"unioncat serve-oai": [], "oaipmh BatchingServer": []}
            for _ in range(args.rounds):
                for name, url in (("unioncat serve-oai", ours_url),
                                  ("oaipmh BatchingServer", peer_url)):  # fmt: skip
                    count, seconds = harvest(url)
                    assert count == args.records, f"{name} served {count} of {args.records}"
                    rates[name].append(count / seconds)
        finally:
            for proc in (ours, peer):
                if proc.stdin:
                    proc.stdin.close()
                proc.terminate()
                proc.wait(timeout=30)
    print(f"sickle ListRecords oai_dc, {args.records:,} records, {args.page} per page, "
          f"median of {args.rounds} rounds")  # fmt: skip
    for name, values in rates.items():
        print(f"{name:24} {statistics.median(values):10,.0f} records/s  "
              f"(rounds: {', '.join(f'{v:,.0f}' for v in values)})")  # fmt: skip
    ratio = statistics.median(rates["unioncat serve-oai"]) / statistics.median(
        rates["oaipmh BatchingServer"]
    )
    print(f"unioncat serves {ratio:.2f}x the anchor's rate")


if __name__ == "__main__":
    main()
