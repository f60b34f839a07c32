"""Vendor feeds: Crossref works and KBART lists to records, and the Crossref harvest.

Three measures, each with its anchors in the same run:

1. Crossref JSON Lines to records.  ``--works`` works are made from the real ones in
   ../shared/data/vendor/crossref (every recorded shape, each copy with its own DOI and
   title) and written to a file; ``unioncat convert --format crossref`` maps it to
   Parquet on both cores, as a process of its own whose peak memory (its own and its
   mapping workers') is read from the kernel.  The floor is a plain ``json.loads`` loop
   over the same lines; commonmeta-py (``Metadata(work, via="crossref")``, the network
   refused, in an interpreter of its own: ``python3 -m venv bench/.commonmeta &&
   bench/.commonmeta/bin/pip install commonmeta-py``) reads a sample of ``--sample``
   works, its rate carried over (it is some
   hundred times slower: the whole file would take it most of an hour).  The run at a
   quarter of the works shows whether memory grows with the file.
2. KBART to records: the shared 72,056-row list (or ``--kbart-rows`` generated rows),
   rows/s and peak memory, against a floor that splits every row on its tabs.
3. Harvest: a local server that answers /works as Crossref does (tests/support), in a
   process of its own, serving ``--harvest`` works at rows=1000; unioncat's ``run`` of a
   crossref source (every page archived, mapped and committed with its checkpoint)
   against a minimal cursor loop with requests that only reads each page's JSON.

Run from the project root:

    python bench/vendor_bench.py --works 200000 --sample 2000 --harvest 50000
"""

from __future__ import annotations

import argparse
import copy
import gzip
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MEASURE = """
import os, resource, runpy, sys, threading, time

def tree_rss():
    # the resident memory of this process and every descendant (the forkserver and
    # its mapping workers are not children that RUSAGE_CHILDREN would count)
    kids, rss = {}, {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        kids.setdefault(int(fields[1]), []).append(int(pid))
        rss[int(pid)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
    total, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += kids.get(pid, [])
    return total

peak = [0]
done = threading.Event()
def sample():
    while not done.wait(0.05):
        peak[0] = max(peak[0], tree_rss())
threading.Thread(target=sample, daemon=True).start()
sys.argv = ["unioncat"] + ARGS
t = time.perf_counter()
try:
    runpy.run_module("unioncat.cli", run_name="__main__")
except SystemExit as exc:
    code = exc.code
print("SECONDS", time.perf_counter() - t, file=sys.stderr)
done.set()
print("PEAK_KB", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, peak[0] // 1024,
      file=sys.stderr)
"""


def make_works(path: Path, n: int) -> int:
    """``n`` works from every recorded shape, each its own DOI and title; bytes written."""
    from tests.support.crossref_server import recorded_works

    templates = recorded_works()
    written = 0
    with path.open("w", encoding="utf-8") as out:
        for i in range(n):
            work = copy.deepcopy(templates[i % len(templates)])
            work["DOI"] = f"10.5555/bench.{i:08d}"
            title = (work.get("title") or ["Untitled"])[0]
            work["title"] = [f"{title} ({i})"]
            line = json.dumps(work, ensure_ascii=False) + "\n"
            written += len(line)
            out.write(line)
    return written


def convert(path: Path, fmt: str, out: Path) -> tuple[float, int, int]:
    """(seconds, peak KB of the process, peak KB of it and all its workers together)."""
    args = ["convert", "--format", fmt, str(path), "-o", str(out)]
    proc = subprocess.run(
        [sys.executable, "-c", MEASURE.replace("ARGS", repr(args))],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    import re

    # the CLI may log its stderr as JSON lines: the figures are found inside them
    found_secs = re.search(r"SECONDS ([0-9.]+)", proc.stderr)
    found_peak = re.search(r"PEAK_KB (\d+) (\d+)", proc.stderr)
    seconds = float(found_secs.group(1)) if found_secs else 0.0
    peak, kids = (int(found_peak.group(1)), int(found_peak.group(2))) if found_peak else (0, 0)
    if not seconds:
        raise SystemExit(f"convert failed: {proc.stderr[-2000:]}")
    return float(seconds), peak, kids


def floor_json(path: Path) -> float:
    t = time.perf_counter()
    n = 0
    with path.open("rb") as f:
        for line in f:
            if json.loads(line):
                n += 1
    return n / (time.perf_counter() - t)


COMMONMETA = """
import socket, sys, time
from commonmeta import Metadata

def refused(*_a, **_k):
    raise OSError("the network is refused in the benchmark")

socket.socket.connect = refused
with open(sys.argv[1], encoding="utf-8") as f:
    lines = [next(f) for _ in range(int(sys.argv[2]))]
t = time.perf_counter()
read = sum(1 for line in lines if Metadata(line, via="crossref").id)
print(read / (time.perf_counter() - t))
"""


def anchor_commonmeta(path: Path, sample: int, python: Path) -> float | None:
    """commonmeta-py's rate, read in an interpreter of its own: it pins bibtexparser 1,
    which cannot live beside the bibtexparser 2 unioncat reads BibTeX with."""
    if not python.is_file():
        print(
            f"commonmeta-py's interpreter {python} is missing: its rate is left out "
            f"(python3 -m venv {python.parents[1]} && {python.parent}/pip install commonmeta-py)"
        )
        return None
    done = subprocess.run(
        [str(python), "-c", COMMONMETA, str(path), str(sample)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"commonmeta-py failed: {done.stderr.strip().splitlines()[-1:]}")
        return None
    return float(done.stdout.strip())


def crossref_part(args: argparse.Namespace, tmp: Path) -> None:
    works = tmp / "works.jsonl"
    size = make_works(works, args.works)
    quarter = tmp / "quarter.jsonl"
    make_works(quarter, args.works // 4)
    print(f"crossref: {args.works} works, {size / 1e6:.0f} MB of JSON Lines", flush=True)
    secs, peak, kids = convert(works, "crossref", tmp / "works.parquet")
    ours = args.works / secs
    qsecs, qpeak, qkids = convert(quarter, "crossref", tmp / "quarter.parquet")
    floor = floor_json(works)
    theirs = anchor_commonmeta(works, args.sample, args.commonmeta_python)
    print(f"  unioncat convert   {ours:9.0f} works/s  ({secs:.1f} s, both cores, whole process)")
    print(f"  json.loads floor   {floor:9.0f} works/s  (one core, parse only)")
    if theirs:
        print(f"  commonmeta-py      {theirs:9.0f} works/s  (one core, {args.sample} works)")
        print(f"  unioncat / commonmeta-py: {ours / theirs:.1f}x")
    print(f"  floor / unioncat: {floor / ours:.2f}x")
    print(
        f"  peak memory: {peak / 1024:.0f} MB in the main process, {kids / 1024:.0f} MB with "
        f"its mapping workers, for {args.works} works; {qpeak / 1024:.0f} MB and "
        f"{qkids / 1024:.0f} MB for {args.works // 4}"
    )


def kbart_part(args: argparse.Namespace, tmp: Path) -> None:
    shared = ROOT.parent / "shared" / "data" / "vendor" / "kbart" / "kbart.txt.gz"
    path = tmp / "Provider_Global_Bench_2026-12-01.txt"
    if shared.is_file() and not args.kbart_rows:
        path.write_bytes(gzip.decompress(shared.read_bytes()))
    else:
        from unioncat.normalize.kbart import STANDARD

        rows = ["\t".join(STANDARD)]
        for i in range(args.kbart_rows or 72_056):
            values = {
                "publication_title": f"Journal {i}",
                "title_id": f"T{i}",
                "date_first_issue_online": "1990-01-01",
                "title_url": f"https://x.example/{i}",
                "embargo_info": "R1Y" if i % 3 else "",
                "coverage_depth": "fulltext",
                "publication_type": "serial",
                "access_type": "P",
            }
            rows.append("\t".join(values.get(c, "") for c in STANDARD))
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    lines = path.read_bytes().count(b"\n") - 1
    secs, peak, kids = convert(path, "kbart", tmp / "kbart.parquet")
    t = time.perf_counter()
    with path.open(encoding="utf-8") as f:
        split = sum(1 for line in f if line.split("\t"))
    floor = split / (time.perf_counter() - t)
    print(f"kbart: {lines} rows")
    print(f"  unioncat convert   {lines / secs:9.0f} rows/s  ({secs:.1f} s, whole process)")
    print(f"  split floor        {floor:9.0f} rows/s")
    print(
        f"  peak memory: {peak / 1024:.0f} MB in the main process, "
        f"{kids / 1024:.0f} MB with its mapping workers"
    )


def _export_files(tmp: Path, copies: int) -> dict[str, Path]:
    """One file a format, made of the shared samples (and the tests' own for the
    formats with none) copied ``copies`` times, each BibTeX entry with its own key."""
    import re as _re

    data = ROOT.parent / "shared" / "data" / "vendor"
    own = ROOT / "tests" / "support" / "exports"
    ris = [p for p in sorted((data / "ris").glob("*.ris")) if "bug" not in p.name]
    sources: dict[str, list[Path]] = {
        "ris": ris + [data / "crossref" / "fixtures" / "crossref.ris"],
        "bibtex": [
            data / "crossref" / "fixtures" / "crossref.bib",
            data / "crossref" / "fixtures" / "pure.bib",
        ]
        + sorted((data / "cnki" / "nameyear").glob("*.bib")),
        "medline": [own / "pubmed.nbib"],
        "wos": sorted((data / "wos").glob("*.txt")),
        "noteexpress": sorted((data / "cnki").glob("*.net")),
        "estudy": [own / "cnki.estudy.txt"],
    }
    out: dict[str, Path] = {}
    for fmt, paths in sources.items():
        texts = [
            p.read_text(encoding="utf-8-sig").replace("\r\n", "\n") for p in paths if p.is_file()
        ]
        if fmt == "wos":  # one header, the records repeated, one end
            body = "\n".join(t.split("VR 1.0\n", 1)[-1].rsplit("\nEF", 1)[0] for t in texts)
            whole = (
                "FN Clarivate Analytics Web of Science\nVR 1.0\n"
                + "\n".join([body] * copies)
                + "\nEF\n"
            )
        elif fmt == "bibtex":
            whole = "\n".join(
                _re.sub(
                    r"(@\w+\s*\{)([^,\s]+),", lambda m, i=i: f"{m.group(1)}{m.group(2)}-{i},", t
                )
                for i in range(copies)
                for t in texts
            )
        else:
            whole = "\n\n".join(t.strip() + "\n" for _ in range(copies) for t in texts)
        path = tmp / f"bench.{fmt}"
        path.write_text(whole, encoding="utf-8")
        out[fmt] = path
    return out


def _ours(fmt: str, blob: bytes) -> tuple[int, float]:
    """Records read in this process, one core: framing and the format's full mapping (a
    record the mapping quarantines, such as a sample's record without a title, counts as
    read, as the bare parser counts it)."""
    import io
    from datetime import UTC, datetime

    import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
    from unioncat.contracts import RawEnvelope
    from unioncat.errors import RecordError
    from unioncat.framing import frame_file
    from unioncat.normalize import NORMALIZERS

    normalize = NORMALIZERS[fmt]
    now = datetime.now(UTC)
    t = time.perf_counter()
    wire, frames = frame_file(io.BytesIO(blob), fmt)
    n = 0
    for f in frames:
        if f.error:
            continue
        n += 1  # a record read, whether mapped or quarantined, as the parser reads it
        try:
            normalize(RawEnvelope(fmt, f"bench#{f.position}", wire, f.payload, now))
        except RecordError:
            pass  # a sample's record without a title: quarantined, and counted as read
    return n, time.perf_counter() - t


def _anchor(fmt: str, blob: bytes) -> tuple[str, int, float]:
    text = blob.decode("utf-8")
    t = time.perf_counter()
    if fmt == "ris":
        import rispy

        n = len(rispy.loads(text))
        return "rispy.loads", n, time.perf_counter() - t
    if fmt == "bibtex":
        import bibtexparser

        n = len(bibtexparser.parse_string(text).entries)
        return "bibtexparser.parse_string", n, time.perf_counter() - t
    if fmt == "bibtex-decoded":  # the same parse with the work unioncat's mapping does
        import bibtexparser
        from bibtexparser import middlewares as mw

        layers = [  # after the default stack (string references, enclosing braces)
            mw.LatexDecodingMiddleware(True),
            mw.SeparateCoAuthors(True),
            mw.SplitNameParts(True),
        ]
        n = len(bibtexparser.parse_string(text, append_middleware=layers).entries)
        return "bibtexparser with LaTeX decoding and names", n, time.perf_counter() - t
    # no library reads these: the floor splits every line at its tag and counts the
    # records by the tag that opens them
    opener = {"medline": "PMID-", "wos": "PT ", "noteexpress": "{Reference Type}",
              "estudy": "DataType"}[fmt]  # fmt: skip
    n = 0
    for line in text.splitlines():
        tag, _, _value = line.partition(" ")
        n += line.startswith(opener)
    return "split lines at their tags", n, time.perf_counter() - t


def exports_part(args: argparse.Namespace, tmp: Path) -> None:
    files = _export_files(tmp, args.copies)
    print(
        f"exports: each format's samples copied {args.copies} times; unioncat in process on "
        "one core (framing and the full mapping), and `convert` to Parquet on both cores "
        "(whole process); the anchor in process on one core"
    )
    for fmt, path in files.items():
        blob = path.read_bytes()
        best_ours = best_theirs = float("inf")
        n = m = 0
        label = ""
        for _ in range(args.rounds):
            n, secs = _ours(fmt, blob)
            best_ours = min(best_ours, secs)
            label, m, secs = _anchor(fmt, blob)
            best_theirs = min(best_theirs, secs)
        ours, theirs = n / best_ours, m / best_theirs
        secs, _peak, kids = convert(path, fmt, tmp / f"{fmt}.parquet")
        both = n / secs
        line = (
            f"  {fmt:12s} {n} records, {len(blob) / 1e6:.1f} MB: unioncat {ours:7.0f}/s one "
            f"core, convert {both:7.0f}/s both cores ({kids / 1024:.0f} MB); "
            f"{label} {theirs:7.0f}/s"
        )
        if fmt == "bibtex":
            label2, m2, secs2 = _anchor("bibtex-decoded", blob[: len(blob) // 50])
            line += f"; {label2} {m2 / secs2:7.0f}/s (a fiftieth of the file)"
        if fmt in ("ris", "bibtex"):
            line += (
                f"; unioncat / {label.split('.')[0]}: {ours / theirs:.2f}x one core, "
                f"{both / theirs:.2f}x convert (target 0.7x)"
            )
        print(line, flush=True)


SERVE = """
import sys
sys.path.insert(0, {root!r})
from tests.support.crossref_server import CrossrefServer, generate_works, recorded_works
server = CrossrefServer(generate_works(recorded_works(), {n}), rate_limit=100000)
print(server.url, flush=True)
sys.stdin.read()
"""


def harvest_part(args: argparse.Namespace, tmp: Path) -> None:
    import logging

    import requests

    from tests.support.builders import write_pipeline
    from unioncat.cli import main as unioncat_main

    logging.disable(logging.INFO)
    # imported before any clock starts, as in harvest_bench.py: pyarrow imports pandas on
    # its first list conversion, a one-off cost of the import, not of the harvest
    import duckdb
    import pyarrow as pa

    pa.array(["warm"])

    def serve() -> tuple[subprocess.Popen[str], str]:
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE.format(root=str(ROOT), n=args.harvest)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        return proc, proc.stdout.readline().strip()

    def minimal(url: str) -> int:
        got, cursor = 0, "*"
        with requests.Session() as s:
            while True:
                page = s.get(f"{url}/works", params={"rows": "1000", "cursor": cursor}).json()
                items = page["message"]["items"]
                got += len(items)
                if len(items) < 1000:
                    return got
                cursor = page["message"]["next-cursor"]

    def ours(url: str, folder: Path) -> int:
        source = {"name": "xref", "kind": "crossref", "url": url, "rows": 1000}
        folder.mkdir(parents=True, exist_ok=True)
        cfg = write_pipeline(folder, [source])
        if unioncat_main(["--config", str(cfg), "harvest"]) != 0:
            raise SystemExit("unioncat harvest failed")
        with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
            return int(con.execute("SELECT count(*) FROM raw").fetchone()[0])  # type: ignore[index]

    results: dict[str, list[float]] = {"minimal": [], "unioncat": []}
    for round_no in range(args.rounds):
        for name in ("minimal", "unioncat"):
            proc, url = serve()
            try:
                t = time.perf_counter()
                n = minimal(url) if name == "minimal" else ours(url, tmp / f"h{round_no}")
                results[name].append(n / (time.perf_counter() - t))
            finally:
                proc.communicate("", timeout=60)
        print(
            f"  round {round_no + 1}: minimal {results['minimal'][-1]:.0f} works/s, "
            f"unioncat harvest {results['unioncat'][-1]:.0f} works/s",
            flush=True,
        )
    import statistics

    a, b = statistics.median(results["minimal"]), statistics.median(results["unioncat"])
    print(f"harvest: {args.harvest} works at rows=1000 from the local server")
    print(f"  minimal cursor loop {a:8.0f} works/s (median)")
    print(f"  unioncat harvest    {b:8.0f} works/s (median; archived, checkpoint per page)")
    print(f"  unioncat / minimal: {b / a:.2f}x")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--works", type=int, default=200_000)
    ap.add_argument("--sample", type=int, default=2_000, help="works commonmeta-py reads")
    ap.add_argument(
        "--commonmeta-python",
        type=Path,
        default=ROOT / "bench" / ".commonmeta" / "bin" / "python",
        help="an interpreter with commonmeta-py installed",
    )
    ap.add_argument("--kbart-rows", type=int, default=0, help="generate rows (default: shared)")
    ap.add_argument("--harvest", type=int, default=50_000, help="works the server holds")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--copies", type=int, default=200, help="copies of each export sample")
    ap.add_argument("--only", choices=("crossref", "kbart", "harvest", "exports"))
    args = ap.parse_args()
    print(
        f"cores: {len(__import__('os').sched_getaffinity(0))}; "
        f"max RSS so far {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB"
    )
    with tempfile.TemporaryDirectory() as tmp:
        if args.only in (None, "crossref"):
            crossref_part(args, Path(tmp))
        if args.only in (None, "kbart"):
            kbart_part(args, Path(tmp))
        if args.only in (None, "harvest"):
            harvest_part(args, Path(tmp))
        if args.only in (None, "exports"):
            exports_part(args, Path(tmp))


if __name__ == "__main__":
    main()
