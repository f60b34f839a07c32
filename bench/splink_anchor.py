"""Splink 5 unsupervised baseline on DBLP-ACM, the anchor the dedupe benchmark compares against.

The dedupe benchmark reports its own figures next to a standard, label-free Splink model
(DuckDB backend, ``link_only``): comparisons on title, authors, venue and year; u estimated
by random sampling; m by expectation maximisation on two blocking rules; predictions kept at
a match-probability threshold. No gold labels are used to fit or tune the model; they are
only read by the ``__main__`` block, which scores both copies of the dataset.
"""

from __future__ import annotations

import csv
import html
import logging
import re
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on

FIELDS: tuple[str, ...] = ("title", "authors", "venue", "year")
LEFT_NAME = "source_left"
RIGHT_NAME = "source_right"
# ../shared/data beside the project, as the tests read it
DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "dedupe"

_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
# the separators of an author list: "a, b", "a; b", "a, b, and c", "a & b"
_NAMES = re.compile(r"[,;&]|\band\b")


@dataclass
class SplinkResult:
    """Predicted cross-source links and the wall time of the Splink job."""

    pairs: set[tuple[str, str]]
    one_to_one: set[tuple[str, str]]
    seconds: float


def _delimiter(path: Path) -> str:
    """Pick the delimiter from the header line (``%`` for the Leipzig files, else ``,``)."""
    with path.open(encoding="utf-8", newline="") as fh:
        header = fh.readline()
    for candidate in ("%", "\t", ";", "|", ","):
        if candidate in header:
            return candidate
    return ","


def _normalise(value: str | None) -> str | None:
    """Decode HTML entities, lower-case and collapse whitespace; empty becomes null."""
    if value is None:
        return None
    text = _SPACE.sub(" ", html.unescape(value)).strip().lower()
    return text or None


def _surnames(authors: str | None) -> list[str] | None:
    """Sorted distinct last words of the comma-separated author names (order-free key)."""
    if authors is None:
        return None
    names = {words[-1] for name in _NAMES.split(authors) if (words := _WORD.findall(name))}
    return sorted(names) or None


def load_table(path: Path) -> dict[str, list[Any]]:
    """Read one source into column lists; ``id`` is kept verbatim as a string."""
    columns: dict[str, list[Any]] = {"unique_id": [], **{f: [] for f in FIELDS}}
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter=_delimiter(path)):
            columns["unique_id"].append(row["id"])
            for field in FIELDS:
                columns[field].append(_normalise(row.get(field)))
    columns["author_surnames"] = [_surnames(authors) for authors in columns["authors"]]
    return columns


def _authors_comparison() -> cl.CustomComparison:
    """Authors compared as a set of surnames, since the two sources list them in any order."""
    return cl.CustomComparison(
        comparison_levels=[
            cll.NullLevel("author_surnames"),
            cll.ExactMatchLevel("authors"),
            cll.ExactMatchLevel("author_surnames"),
            cll.ArrayIntersectLevel("author_surnames", min_intersection=2),
            cll.ArrayIntersectLevel("author_surnames", min_intersection=1),
            cll.ElseLevel(),
        ],
        output_column_name="authors",
        comparison_description="exact, same surname set, 2+ or 1 shared surnames, else",
    )


def _settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="link_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("title", [0.95, 0.88, 0.75]),
            _authors_comparison(),
            cl.JaroWinklerAtThresholds("venue", [0.9, 0.7]),
            cl.ExactMatch("year"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("year"),
            block_on("substr(title, 1, 10)"),
            block_on("substr(authors, 1, 8)"),
        ],
        retain_matching_columns=False,
    )


def greedy_one_to_one(scored: Iterable[tuple[str, str, float]]) -> set[tuple[str, str]]:
    """Keep pairs by descending probability while neither side has been used yet."""
    used_left: set[str] = set()
    used_right: set[str] = set()
    kept: set[tuple[str, str]] = set()
    for left, right, _ in sorted(scored, key=lambda item: (-item[2], item[0], item[1])):
        if left in used_left or right in used_right:
            continue
        used_left.add(left)
        used_right.add(right)
        kept.add((left, right))
    return kept


def _oriented(record: dict[str, Any]) -> tuple[str, str, float]:
    """Return (left_id, right_id, probability) whichever side Splink put each record on."""
    prob = float(record["match_probability"])
    if record["source_dataset_l"] == LEFT_NAME:
        return str(record["unique_id_l"]), str(record["unique_id_r"]), prob
    return str(record["unique_id_r"]), str(record["unique_id_l"]), prob


def _train(linker: Linker, deterministic: tuple[str, ...], *em_blocks: str) -> None:
    """Splink's unsupervised training, the same for every anchor: the match share from a
    deterministic rule, u by random sampling (seeded), m by EM on each blocking rule."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on(*deterministic)], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
    for rule in em_blocks:
        linker.training.estimate_parameters_using_expectation_maximisation(block_on(rule))


def run_splink(left_csv: Path, right_csv: Path, threshold: float = 0.9) -> SplinkResult:
    """Train an unsupervised Splink model on the two files and predict links."""
    start = time.perf_counter()
    db_api = DuckDBAPI()
    left = db_api.register(load_table(Path(left_csv)), dataset_display_name=LEFT_NAME)
    right = db_api.register(load_table(Path(right_csv)), dataset_display_name=RIGHT_NAME)
    linker = Linker([left, right], _settings(), log_level=logging.ERROR)
    _train(linker, ("title", "year"), "year", "substr(title, 1, 10)")
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    scored = [_oriented(record) for record in predictions.as_record_list()]
    seconds = time.perf_counter() - start

    return SplinkResult(
        pairs={(left_id, right_id) for left_id, right_id, _ in scored},
        one_to_one=greedy_one_to_one(scored),
        seconds=seconds,
    )


def run_splink_cddb(path: Path, threshold: float = 0.9) -> SplinkResult:
    """An unsupervised Splink ``dedupe_only`` model of the CDDB table (one table of CDs):
    artist, title, the track list (its first 200 characters) and year, trained the way
    :func:`run_splink` trains its model."""
    start = time.perf_counter()
    columns: dict[str, list[Any]] = {
        "unique_id": [], "artist": [], "title": [], "tracks": [], "year": []
    }  # fmt: skip
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            columns["unique_id"].append(row["id"])
            for field in ("artist", "title", "year"):
                columns[field].append(_normalise(row.get(field)))
            tracks = _normalise(row.get("tracks"))
            columns["tracks"].append(tracks[:200] if tracks else None)
    db_api = DuckDBAPI()
    table = db_api.register(columns, dataset_display_name="cddb")
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.JaroWinklerAtThresholds("title", [0.95, 0.88, 0.75]),
            cl.JaroWinklerAtThresholds("artist", [0.95, 0.88, 0.75]),
            cl.JaroWinklerAtThresholds("tracks", [0.95, 0.88, 0.75]),
            cl.ExactMatch("year"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("artist"),
            block_on("substr(title, 1, 8)"),
            block_on("substr(tracks, 1, 12)"),
        ],
        retain_matching_columns=False,
    )
    linker = Linker(table, settings, log_level=logging.ERROR)
    _train(linker, ("title", "artist"), "artist", "substr(title, 1, 8)")
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    pairs = _pairs_of(predictions)
    return SplinkResult(pairs=pairs, one_to_one=pairs, seconds=time.perf_counter() - start)


def _pairs_of(predictions: Any) -> set[tuple[str, str]]:
    """A ``dedupe_only`` model's predicted pairs, each (smaller id, larger id)."""
    pairs = set()
    for record in predictions.as_record_list():
        a, b = str(record["unique_id_l"]), str(record["unique_id_r"])
        pairs.add((min(a, b), max(a, b)))
    return pairs


def run_splink_dedupe(path: Path, threshold: float = 0.9) -> SplinkResult:
    """An unsupervised Splink ``dedupe_only`` model of one table of citations, with the
    comparisons and blocking rules of :func:`run_splink`, trained the same way.
    ``pairs`` are its pairwise predictions; ``one_to_one`` here holds the pairs of the
    clusters Splink makes of them at the same threshold (its connected components),
    which is what a one-table evaluation counts."""
    start = time.perf_counter()
    db_api = DuckDBAPI()
    table = db_api.register(load_table(Path(path)), dataset_display_name="citations")
    settings = _settings()
    settings.link_type = "dedupe_only"
    linker = Linker(table, settings, log_level=logging.ERROR)
    _train(linker, ("title", "year"), "year", "substr(title, 1, 10)")
    predictions = linker.inference.predict(threshold_match_probability=threshold)
    pairs = _pairs_of(predictions)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=threshold
    )
    members: dict[str, list[str]] = {}
    for record in clusters.as_record_list():
        members.setdefault(str(record["cluster_id"]), []).append(str(record["unique_id"]))
    clustered = {
        (min(a, b), max(a, b))
        for ids in members.values()
        for i, a in enumerate(ids)
        for b in ids[i + 1 :]
    }
    return SplinkResult(pairs=pairs, one_to_one=clustered, seconds=time.perf_counter() - start)


def _read_pairs(path: Path, left_col: str, right_col: str, label: bool) -> set[tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter=_delimiter(path))
        return {
            (row[left_col].strip(), row[right_col].strip())
            for row in reader
            if not label or row["label"].strip() == "1"
        }


def gold_dblp_acm() -> set[tuple[str, str]]:
    """Positive pairs of the train, valid and test splits."""
    gold: set[tuple[str, str]] = set()
    for split in ("train", "valid", "test"):
        path = DATA_DIR / "dblp_acm" / f"{split}.csv"
        gold |= _read_pairs(path, "ltable_id", "rtable_id", label=True)
    return gold


def gold_leipzig() -> set[tuple[str, str]]:
    """The Leipzig perfect mapping (DBLP id, ACM id)."""
    return _read_pairs(DATA_DIR / "dblp_acm_leipzig" / "gt.csv", "D1", "D2", label=False)


def scores(
    predicted: set[tuple[str, str]], gold: set[tuple[str, str]]
) -> tuple[float, float, float]:
    """Precision, recall and F1 of predicted pairs against the gold pairs."""
    hits = len(predicted & gold)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def main() -> int:
    runs = [
        (
            "dblp_acm",
            DATA_DIR / "dblp_acm" / "tableA.csv",
            DATA_DIR / "dblp_acm" / "tableB.csv",
            gold_dblp_acm(),
        ),
        (
            "dblp_acm_leipzig",
            DATA_DIR / "dblp_acm_leipzig" / "dblp.csv",
            DATA_DIR / "dblp_acm_leipzig" / "acm.csv",
            gold_leipzig(),
        ),
    ]
    for name, left_csv, right_csv, gold in runs:
        result = run_splink(left_csv, right_csv)
        print(f"{name}: {len(result.pairs)} pairs, {result.seconds:.1f} s, gold {len(gold)}")
        for label, predicted in (("threshold", result.pairs), ("one-to-one", result.one_to_one)):
            precision, recall, f1 = scores(predicted, gold)
            print(
                f"  {label:<10} n={len(predicted):>5}  P={precision:.3f}  "
                f"R={recall:.3f}  F1={f1:.3f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
