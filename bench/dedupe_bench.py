"""Dedupe benchmark: accuracy and speed against Splink, and scaling to a million records.

(a) DBLP-ACM (both versions in ../shared/data/dedupe): unioncat's matcher and Splink 5
    (unsupervised, DuckDB; see splink_anchor.py) in the same run; F1 and seconds of both.
(a2) CDDB (one table of CDs with duplicates inside it), unioncat and a Splink 5
    ``dedupe_only`` model on the same table.
(a3) Noisy citations generated from DBLP (bench/noisy_citations.py), two tables and one
    table with long clusters; Splink on the two-table set.
(b) A synthetic union catalog with known truth (synthetic_catalog.py) at each size asked
    for, each in its own process so that peak memory is that size's own: seconds, peak
    memory, precision, recall, F1, blocking recall; then the time ratio between sizes.

    pip install -e '.[bench]'          # splink, for part (a)
    python bench/dedupe_bench.py                       # both parts, 100k and 1M
    python bench/dedupe_bench.py --skip-splink --sizes 100000
    python bench/dedupe_bench.py --skip-dblp --sizes --catalog 100000   # (c) only

(c) With --catalog: the dedupe stage over a real catalog: the first run over every
    record, then a night that adds 1% new records and matches only those.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from bench.synthetic_catalog import as_record, stream_synthetic  # noqa: E402
from unioncat.catalog import Catalog, PageWrite  # noqa: E402
from unioncat.dedupe.evaluate import evaluate, read_gold  # noqa: E402
from unioncat.dedupe.features import MatchRecord, build_features  # noqa: E402
from unioncat.dedupe.matcher import match  # noqa: E402
from unioncat.dedupe.settings import MatchSettings  # noqa: E402
from unioncat.dedupe.stage import dedupe_catalog  # noqa: E402

DATA = HERE.parent.parent / "shared" / "data" / "dedupe"


# The same matcher with its level weights learned from each set's own candidate pairs
# (dedupe.learn_weights: true; eval dedupe --learn).
LEARNED = replace(MatchSettings(), learn_weights=True)


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _prf(predicted: set[tuple[str, str]], gold: set[tuple[str, str]]) -> tuple[float, ...]:
    hit = len(predicted & gold)
    p = hit / len(predicted) if predicted else 0.0
    r = hit / len(gold) if gold else 0.0
    return p, r, 2 * p * r / (p + r) if p + r else 0.0


def dblp_acm(skip_splink: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        magellan_gold = Path(tmp) / "gold.csv"
        rows = []
        for split in ("train", "valid", "test"):
            with (DATA / "dblp_acm" / f"{split}.csv").open(newline="") as handle:
                rows += [(r["ltable_id"], r["rtable_id"]) for r in csv.DictReader(handle)
                         if r["label"] == "1"]  # fmt: skip
        magellan_gold.write_text(
            "left_id,right_id\n" + "".join(f"{a},{b}\n" for a, b in rows), encoding="utf-8"
        )
        versions = [
            ("dblp_acm", DATA / "dblp_acm" / "tableA.csv", DATA / "dblp_acm" / "tableB.csv",
             magellan_gold),
            ("dblp_acm_leipzig", DATA / "dblp_acm_leipzig" / "dblp.csv",
             DATA / "dblp_acm_leipzig" / "acm.csv", DATA / "dblp_acm_leipzig" / "gt.csv"),
        ]  # fmt: skip
        print("(a) DBLP-ACM, unsupervised, full tables")
        print(f"{'version':18} {'tool':22} {'P':>6} {'R':>6} {'F1':>6} {'seconds':>8}")
        for name, left, right, gold_path in versions:
            ours = evaluate(left, right, gold_path)
            print(f"{name:18} {'unioncat':22} {ours.precision:6.3f} {ours.recall:6.3f} "
                  f"{ours.f1:6.4f} {ours.seconds:8.2f}")  # fmt: skip
            learned = evaluate(left, right, gold_path, LEARNED)
            print(f"{name:18} {'unioncat, learned':22} {learned.precision:6.3f} "
                  f"{learned.recall:6.3f} {learned.f1:6.4f} {learned.seconds:8.2f}")  # fmt: skip
            if skip_splink:
                continue
            from bench.splink_anchor import run_splink

            gold = read_gold(gold_path)
            splink = run_splink(left, right)
            for label, p, r, f1 in _splink_rows(splink, gold):
                print(f"{name:18} {label:22} {p:6.3f} {r:6.3f} {f1:6.4f} {splink.seconds:8.2f}")
            print(f"{name:18} unioncat is {splink.seconds / ours.seconds:.1f}x faster, "
                  f"F1 {ours.f1 - _prf(splink.one_to_one, gold)[2]:+.4f} against one-to-one "
                  "Splink")  # fmt: skip


def cddb(skip_splink: bool) -> None:
    """One table of CDs with duplicates inside it: artist as the names, the track list as
    the contents (``eval dedupe --map artist=authors,tracks=contents``)."""
    table, gold_path = DATA / "cddb" / "cddb.csv", DATA / "cddb" / "gt.csv"
    if not table.is_file():
        print("(a2) CDDB: skipped, ../shared/data/dedupe/cddb is absent")
        return
    print("(a2) CDDB, one table, duplicates within it")
    print(f"{'tool':22} {'P':>6} {'R':>6} {'F1':>6} {'blocking':>8} {'seconds':>8}")
    columns = {"artist": "authors", "tracks": "contents"}
    ours = evaluate(table, None, gold_path, column_map=columns)
    print(f"{'unioncat':22} {ours.precision:6.3f} {ours.recall:6.3f} {ours.f1:6.4f} "
          f"{ours.blocking_recall:8.3f} {ours.seconds:8.2f}")  # fmt: skip
    learned = evaluate(table, None, gold_path, LEARNED, column_map=columns)
    print(f"{'unioncat, learned':22} {learned.precision:6.3f} {learned.recall:6.3f} "
          f"{learned.f1:6.4f} {learned.blocking_recall:8.3f} {learned.seconds:8.2f}")  # fmt: skip
    if skip_splink:
        return
    from bench.splink_anchor import run_splink_cddb

    gold = {(min(a, b), max(a, b)) for a, b in read_gold(gold_path)}
    splink = run_splink_cddb(table)
    p, r, f1 = _prf(splink.pairs, gold)
    print(f"{'splink p>=0.9':22} {p:6.3f} {r:6.3f} {f1:6.4f} {'':>8} {splink.seconds:8.2f}")
    print(f"unioncat is {splink.seconds / ours.seconds:.1f}x faster, F1 {ours.f1 - f1:+.4f}")


def noisy(skip_splink: bool) -> None:
    """Noisy citations generated from DBLP (bench/noisy_citations.py): truncated and
    run-on titles, abbreviated venues, initials, et al., missing and wrong years."""
    from bench.noisy_citations import DBLP, heavy_table, one_table, two_tables

    if not DBLP.is_file():
        print("(a3) noisy citations: skipped, ../shared/data/dedupe/dblp_acm is absent")
        return
    print("(a3) noisy citations made from DBLP, seeded")
    print(f"{'set':34} {'tool':18} {'P':>6} {'R':>6} {'F1':>6} {'blocking':>8} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        left, right, gold_path = two_tables(Path(tmp))
        table, gold_one = one_table(Path(tmp))
        heavy, gold_heavy = heavy_table(Path(tmp))
        runs = [
            ("two tables", left, right, gold_path, None),
            ("two tables, --within right", left, right, gold_path, ["right"]),
            ("one table, long clusters", table, None, gold_one, None),
            ("one table, most cited 190 times", heavy, None, gold_heavy, None),
        ]
        for name, a, b, g, within in runs:
            for tool, settings in (("unioncat", None), ("unioncat, learned", LEARNED)):
                ours = evaluate(a, b, g, settings, within=within)
                print(f"{name:34} {tool:18} {ours.precision:6.3f} {ours.recall:6.3f} "
                      f"{ours.f1:6.4f} {ours.blocking_recall:8.3f} "
                      f"{ours.seconds:8.2f}")  # fmt: skip
        if skip_splink:
            return
        from bench.splink_anchor import run_splink, run_splink_dedupe

        gold = read_gold(gold_path)
        splink = run_splink(left, right)
        for label, p, r, f1 in _splink_rows(splink, gold):
            print(f"{'two tables':34} {label:18} {p:6.3f} {r:6.3f} {f1:6.4f} {'':>8} "
                  f"{splink.seconds:8.2f}")  # fmt: skip
        for name, path, one_gold in (
            ("one table, long clusters", table, gold_one),
            ("one table, most cited 190 times", heavy, gold_heavy),
        ):
            gold = {(min(a, b), max(a, b)) for a, b in read_gold(one_gold)}
            splink = run_splink_dedupe(path)
            for label, pairs in (("splink p>=0.9", splink.pairs),
                                 ("splink clusters", splink.one_to_one)):  # fmt: skip
                p, r, f1 = _prf(pairs, gold)
                print(f"{name:34} {label:18} {p:6.3f} {r:6.3f} {f1:6.4f} {'':>8} "
                      f"{splink.seconds:8.2f}")  # fmt: skip


def _splink_rows(splink: Any, gold: set[tuple[str, str]]) -> list[tuple[str, float, float, float]]:
    """(label, precision, recall, F1) of Splink's predictions and of their one-to-one
    reduction."""
    rows = []
    for label, pairs in (
        ("splink p>=0.9", splink.pairs),
        ("splink + one-to-one", splink.one_to_one),
    ):
        p, r, f1 = _prf(pairs, gold)
        rows.append((label, p, r, f1))
    return rows


def _pair_codes(groups: list[list[int]], n: int) -> np.ndarray:
    codes: list[int] = []
    for members in groups:
        if len(members) < 2:
            continue
        ordered = sorted(members)
        for i, a in enumerate(ordered):
            codes.extend(a * n + b for b in ordered[i + 1 :])
    return np.unique(np.asarray(codes, dtype=np.int64))


def synthetic_one(size: int, learn: bool = False) -> dict[str, float]:
    """One size, measured in this process (the parent runs each size in a child)."""
    stream, truth = stream_synthetic(size)
    spent = [0.0]

    def timed(records: Iterator[MatchRecord]) -> Iterator[MatchRecord]:
        # generation runs inside the stream; its time is not the matcher's
        while True:
            start = time.perf_counter()
            try:
                record = next(records)
            except StopIteration:
                spent[0] += time.perf_counter() - start
                return
            spent[0] += time.perf_counter() - start
            yield record

    started = time.perf_counter()
    features = build_features(timed(stream))
    features_seconds = time.perf_counter() - started - spent[0]
    result = match(features, LEARNED if learn else MatchSettings())
    seconds = time.perf_counter() - started - spent[0]
    n = len(features)
    by_truth: dict[int, list[int]] = {}
    for index, manifestation in enumerate(truth):
        by_truth.setdefault(manifestation, []).append(index)
    gold = _pair_codes(list(by_truth.values()), n)
    predicted = _pair_codes(result.clustering.groups(), n)
    candidates = np.unique(result.candidates[0] * n + result.candidates[1])
    hit = int(np.isin(predicted, gold, assume_unique=True).sum())
    precision = hit / len(predicted) if len(predicted) else 0.0
    recall = hit / len(gold)
    return {
        "records": n,
        "seconds": round(seconds, 1),
        "generate_seconds": round(spent[0], 1),
        "steps": {"features": round(features_seconds, 1)}
        | {k: round(v, 1) for k, v in result.timings.items()},
        "peak_mb": round(_peak_mb()),
        "candidate_pairs": int(len(candidates)),
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / (precision + recall), 4),
        "blocking_recall": round(float(np.isin(gold, candidates).mean()), 4),
    }


def catalog_one(size: int) -> dict[str, float]:
    """The catalog stage: a first dedupe of 99% of ``size`` records, then the last 1%."""
    stream, _ = stream_synthetic(size)
    records = [as_record(m) for m in stream]
    # the night brings 1% of the records, scattered: many are e-books of works the
    # catalog already holds
    random.Random(3).shuffle(records)
    later, first = records[: size // 100], records[size // 100 :]
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Catalog(Path(tmp) / "catalog.duckdb")
        for start in range(0, len(first), 50_000):
            catalog.write(PageWrite("load", records=first[start : start + 50_000]))
        started = time.perf_counter()
        counts = dedupe_catalog(catalog, "first", MatchSettings())
        first_seconds = time.perf_counter() - started
        catalog.write(PageWrite("night", records=later))
        started = time.perf_counter()
        nightly = dedupe_catalog(catalog, "night", MatchSettings())
        night_seconds = time.perf_counter() - started
        catalog.close()
    return {
        "records": size,
        "first_seconds": round(first_seconds, 1),
        "clusters": counts.clusters_created,
        "night_records": nightly.records,
        "night_seconds": round(night_seconds, 1),
        "night_joined": nightly.clusters_changed,
        "peak_mb": round(_peak_mb()),
    }


def catalog_stage(sizes: list[int]) -> None:
    print("(c) the catalog stage: first dedupe, then 1% new records the next night")
    for size in sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--catalog-one", str(size)],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{r['records']:>9} records: first dedupe {r['first_seconds']} s "
              f"({r['clusters']} clusters); next night {r['night_records']} new records in "
              f"{r['night_seconds']} s ({r['night_joined']} clusters grew); "
              f"peak {r['peak_mb']} MB")  # fmt: skip


def synthetic(sizes: list[int]) -> None:
    print("(b) synthetic union catalog (print/e-book pairs, editions and volumes as traps)")
    print(f"{'records':>9} {'seconds':>8} {'peak MB':>8} {'cand/rec':>8} {'P':>6} {'R':>6} "
          f"{'F1':>6} {'block R':>7}")  # fmt: skip
    results = []
    # the smallest size once more with weights learned from its candidate pairs
    runs = [(size, False) for size in sizes] + [(min(sizes), True)]
    for size, learn in runs:
        out = subprocess.run(
            [sys.executable, __file__, "--synthetic-one", str(size)]
            + (["--learn"] if learn else []),
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        r = json.loads(out.stdout.strip().splitlines()[-1])
        if not learn:
            results.append(r)
        print(f"{r['records']:>9} {r['seconds']:>8} {r['peak_mb']:>8} "
              f"{r['candidate_pairs'] / r['records']:>8.1f} {r['precision']:>6} "
              f"{r['recall']:>6} {r['f1']:>6} {r['blocking_recall']:>7}  {r['steps']}"
              + ("  (weights learned)" if learn else ""))  # fmt: skip
    for small, large in zip(results, results[1:], strict=False):
        ratio = large["seconds"] / small["seconds"]
        growth = large["records"] / small["records"]
        print(f"time at {large['records']:,} is {ratio:.1f}x the time at {small['records']:,} "
              f"({growth:.0f}x the records)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--skip-splink", action="store_true")
    parser.add_argument("--skip-dblp", action="store_true")
    parser.add_argument(
        "--catalog", type=int, nargs="*", default=[], help="also time the catalog stage"
    )
    parser.add_argument("--synthetic-one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--catalog-one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--learn", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.synthetic_one:
        print(json.dumps(synthetic_one(args.synthetic_one, args.learn)))
        return
    if args.catalog_one:
        print(json.dumps(catalog_one(args.catalog_one)))
        return
    if not args.skip_dblp:
        if DATA.is_dir():
            dblp_acm(args.skip_splink)
            cddb(args.skip_splink)
            noisy(args.skip_splink)
        else:
            print(f"(a) skipped: no DBLP-ACM data in {DATA}")
    if args.sizes:
        synthetic(args.sizes)
    if args.catalog:
        catalog_stage(args.catalog)


if __name__ == "__main__":
    main()
