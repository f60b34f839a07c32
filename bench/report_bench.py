"""The collection report on a large catalog: seconds, the page's size, peak memory.

The catalog holds the 72,056 KBART rows of ``../shared/data/vendor/kbart/kbart.txt.gz``
(real packages, which overlap and carry embargoes) when the file is there, and synthetic
records up to ``--records`` in all, spread over twelve sources and four holders: print
books with LCSH and LCC subjects and print runs, their e-books from vendors, articles
from three article sources (a third of them in two), with invalid identifiers and empty
fields in the proportions real feeds have.  Building it is not timed; ``unioncat report``
is, whole-process, as a collection manager runs it.  Run from the project root:

    python bench/report_bench.py --records 1000000

The issue's target: a page under 5 MB for a 1M-record catalog.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.resolve_bench import KBART, kbart_records  # noqa: E402
from unioncat.catalog import Catalog, PageWrite  # noqa: E402
from unioncat.dedupe.settings import MatchSettings  # noqa: E402
from unioncat.dedupe.stage import dedupe_catalog  # noqa: E402
from unioncat.ids import mint_id  # noqa: E402
from unioncat.schemas.record import (  # noqa: E402
    Contributor,
    Holding,
    Host,
    Identifier,
    Record,
    Subject,
)

PRINT_SOURCES = ("main-library", "law-library", "medical-library", "music-library")
VENDORS = ("vendor-a", "vendor-b", "vendor-c", "vendor-d", "vendor-e")
ARTICLE_SOURCES = ("crossref", "pubmed", "repository")
LCC = "ABCDEFGHJKLMNPQRSTUVZ"
HEADINGS = ("Rivers", "Estuaries", "Coast changes", "Libraries", "Music", "Law", "Medicine",
            "History", "Sediment transport", "Climate", "Poetry", "Economics")  # fmt: skip


def synthetic(n: int, seed: int = 7) -> list[Record]:
    rng = random.Random(seed)
    out: list[Record] = []
    i = 0
    while len(out) < n:
        i += 1
        year = rng.randrange(1900, 2026)
        title = f"Study {i} of {rng.choice(HEADINGS).lower()}"
        names = [Contributor(f"Author{i % 5000}, {chr(65 + i % 26)}.")]
        if rng.random() < 0.6:
            src = rng.choice(PRINT_SOURCES)
            isbn = Identifier("isbn", f"978{i:010d}"[:13],
                              status="invalid" if rng.random() < 0.02 else "valid")  # fmt: skip
            holder = f"LIB-{PRINT_SOURCES.index(src)}"
            out.append(Record(
                id=mint_id(src, f"b{i}"), source=src, source_id=f"b{i}", source_format="marc",
                type="book", medium="print", title=title, contributors=names, year=year,
                identifiers=[isbn],
                publisher=None if rng.random() < 0.2 else "A Press",
                subjects=[Subject(f"{rng.choice(HEADINGS)} -- History", "lcsh"),
                          Subject(f"{rng.choice(LCC)}{rng.randrange(1, 999)}", "lcc")],
                holdings=[Holding(form="print", holder=holder, location="Stacks")],
            ))  # fmt: skip
            if rng.random() < 0.4 and len(out) < n:
                vendor = rng.choice(VENDORS)
                out.append(Record(
                    id=mint_id(vendor, f"e{i}"), source=vendor, source_id=f"e{i}",
                    source_format="marc", type="book", medium="electronic", title=title,
                    contributors=names, year=year, identifiers=[isbn],
                ))  # fmt: skip
        else:
            doi = f"10.9999/bench.{i}"
            host = Host(title=f"Journal {i % 3000}", volume=str(year - 1899), first_page="1")
            for src in rng.sample(ARTICLE_SOURCES, 2 if rng.random() < 0.33 else 1):
                if len(out) >= n:
                    break
                out.append(Record(
                    id=mint_id(src, doi), source=src, source_id=doi, source_format="crossref",
                    type="journal_article", medium="electronic", title=title,
                    contributors=names, year=year, identifiers=[Identifier("doi", doi)],
                    host=host if src != "repository" else None,
                ))  # fmt: skip
    return out


def build(path: Path, total: int, dedupe: bool) -> int:
    journals = kbart_records()[0] if KBART.exists() else []
    catalog = Catalog(path)
    try:
        for start in range(0, len(journals), 5000):
            catalog.write(PageWrite("bench", records=journals[start : start + 5000]))
        books = synthetic(max(0, total - len(journals)))
        for start in range(0, len(books), 20000):
            catalog.write(PageWrite("bench", records=books[start : start + 20000]))
        if dedupe:
            dedupe_catalog(catalog, "bench", MatchSettings())
        count = int(catalog.query("SELECT count(*) FROM records")[0][0])
    finally:
        catalog.close()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--no-dedupe", action="store_true", help="leave every record its own work")
    parser.add_argument("--keep", metavar="DIR", help="build the catalog here, or reuse it")
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        if args.build_only:
            build(folder / "catalog.duckdb", args.records, not args.no_dedupe)
            return
        started = time.perf_counter()
        if not (folder / "catalog.duckdb").exists():
            # built by a process of its own: a child forked from a process that holds a
            # million records would count them in its own peak memory until it execs
            subprocess.run(
                [sys.executable, __file__, "--build-only", "--keep", str(folder),
                 "--records", str(args.records), *(["--no-dedupe"] if args.no_dedupe else [])],
                check=True,
            )  # fmt: skip
        catalog = Catalog(folder / "catalog.duckdb", read_only=True)
        count = int(catalog.query("SELECT count(*) FROM records")[0][0])
        catalog.close()
        print(f"catalog: {count:,} records, built in {time.perf_counter() - started:.0f} s "
              f"(KBART rows {'included' if KBART.exists() else 'absent'})", flush=True)  # fmt: skip
        (folder / "pipelines.yaml").write_text("catalog: catalog.duckdb\nexport: export\n")
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-m", "unioncat.cli", "--config", str(folder / "pipelines.yaml"),
             "report", "--out", str(folder / "report")],
            env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )  # fmt: skip
        _, status, usage = os.wait4(child.pid, 0)  # this child's own peak, not the build's
        seconds = time.perf_counter() - started
        if status != 0:
            raise SystemExit(f"unioncat report failed: status {status}")
        peak = usage.ru_maxrss / 1024
        page = (folder / "report" / "report.html").stat().st_size
        tables = sum(p.stat().st_size for p in (folder / "report" / "tables").iterdir())
        print(f"report: {seconds:.1f} s whole-process, page {page / 1e6:.2f} MB "
              f"(target < 5 MB), tables {tables / 1e6:.1f} MB, peak {peak:,.0f} MB, "
              f"{count / seconds:,.0f} records/s")  # fmt: skip


if __name__ == "__main__":
    main()
