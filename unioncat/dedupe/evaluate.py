"""``unioncat eval dedupe``: the catalog's matcher scored against gold pairs.

The matcher sees no labels: gold pairs are read only to count what it got right.  The
printed JSON line is a stable interface that scripts and benchmark tables parse.
"""

from __future__ import annotations

import csv
import itertools
import resource
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from unioncat.dedupe.confusion import Explainer, PairNote
from unioncat.dedupe.features import CSV_COLUMNS, MatchRecord, build_features, from_csv_row
from unioncat.dedupe.learn import LearnedWeights, describe_learned
from unioncat.dedupe.matcher import MatchResult, match
from unioncat.dedupe.settings import MatchSettings
from unioncat.errors import ConfigError

LEFT, RIGHT = "left", "right"


@dataclass(slots=True)
class Evaluation:
    precision: float
    recall: float
    f1: float
    candidate_pairs: int
    blocking_recall: float
    seconds: float
    peak_mb: float
    true_positives: int
    predicted: int
    gold: int
    # the strongest false matches and the weakest missed pairs, with their reasons
    false_positives: list[PairNote] = field(default_factory=list)
    missed: list[PairNote] = field(default_factory=list)
    learned: LearnedWeights | None = None

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "candidate_pairs": self.candidate_pairs,
            "blocking_recall": round(self.blocking_recall, 4),
            "seconds": round(self.seconds, 3),
            "peak_mb": round(self.peak_mb, 1),
        }

    def summary(self) -> str:
        """The confusion summary people read (the JSON line is for scripts)."""
        lines = [
            f"{self.true_positives} of {self.gold} gold pairs found, "
            f"{self.predicted - self.true_positives} false matches among {self.predicted} "
            f"predicted; blocking kept {self.blocking_recall:.1%} of the gold pairs",
        ]
        if self.learned is not None:
            lines += describe_learned(self.learned)
        if self.false_positives:
            lines.append(f"the {len(self.false_positives)} strongest false matches:")
            lines += [n.as_text() for n in self.false_positives]
        if self.missed:
            lines.append(f"the {len(self.missed)} weakest missed pairs:")
            lines += [n.as_text() for n in self.missed]
        return "\n".join(lines)


def _sniff(path: Path) -> csv.Dialect | type[csv.Dialect]:
    with path.open(newline="", encoding="utf-8") as handle:
        head = handle.readline()
    for delimiter in (",", "%", "\t", ";", "|"):
        if delimiter in head:

            class Dialect(csv.excel):
                pass

            Dialect.delimiter = delimiter
            return Dialect
    return csv.excel


def parse_column_map(specs: Sequence[str]) -> dict[str, str]:
    """``artist=authors,tracks=contents`` (repeatable): a table's column for each of the
    matcher's; every name checked, so a typing slip is an error rather than a column
    silently left out."""
    known = ("id", *CSV_COLUMNS)
    out: dict[str, str] = {}
    for spec in specs:
        for item in spec.split(","):
            if not item.strip():
                continue
            column, sep, target = (x.strip() for x in item.partition("="))
            if not sep or not column or not target:
                raise ConfigError(
                    f"eval dedupe: --map {item!r} is not COLUMN=FIELD",
                    hint="e.g. --map artist=authors,tracks=contents",
                )
            if target not in known:
                raise ConfigError(
                    f"eval dedupe: --map {item!r}: the matcher has no field {target!r}",
                    hint=f"fields: {', '.join(known)}",
                )
            if target in out.values():
                raise ConfigError(f"eval dedupe: --map gives {target!r} two columns")
            out[column] = target
    return out


def read_table(
    path: Path, source: str, column_map: Mapping[str, str] | None = None
) -> list[MatchRecord]:
    """Rows of an evaluation file; the delimiter is the one its header uses, and
    ``column_map`` renames its columns to the matcher's fields."""
    if not path.is_file():
        raise ConfigError(f"eval dedupe: {path} does not exist", hint="check the path")
    dialect = _sniff(path)
    renames = dict(column_map or {})
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, dialect=dialect)
        header = reader.fieldnames or []
        absent = [c for c in renames if c not in header]
        if absent:
            raise ConfigError(
                f"eval dedupe: {path} has no column {', '.join(map(repr, absent))} to map",
                hint=f"its columns: {', '.join(header)}",
            )
        if "id" not in header and "id" not in renames.values():
            raise ConfigError(
                f"eval dedupe: {path} has no 'id' column in its header",
                hint="the first line must name the columns: id,title,authors,... "
                "(or map one: --map key=id)",
            )
        if not renames:
            return [from_csv_row(row, source) for row in reader]
        mapped = set(renames.values())
        return [
            from_csv_row(
                {
                    **{k: v for k, v in row.items() if k not in mapped and k not in renames},
                    **{renames[k]: v for k, v in row.items() if k in renames},
                },
                source,
            )
            for row in reader
        ]


def read_gold(path: Path) -> set[tuple[str, str]]:
    """The matching pairs of a gold file: its first two columns, the pairs labelled 1
    when it has a ``label`` column (Magellan's train/valid/test files)."""
    if not path.is_file():
        raise ConfigError(f"eval dedupe: {path} does not exist", hint="check the path")
    dialect = _sniff(path)
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle, dialect=dialect))
    if not rows:
        raise ConfigError(f"eval dedupe: gold file {path} is empty")
    header = [c.strip().lower() for c in rows[0]]
    body = rows[1:] if not all(c.strip().isdigit() for c in rows[0][:2]) else rows
    if len(header) < 2:
        raise ConfigError(
            f"eval dedupe: gold file {path} has one column; it needs two ids per line",
            hint="left_id,right_id (or ltable_id,rtable_id,label)",
        )
    if "label" in header:
        label = header.index("label")
        labels = {r[label].strip() for r in body if len(r) > label}
        if not labels <= {"0", "1"}:
            raise ConfigError(
                f"eval dedupe: gold file {path} has a label column with values other than "
                f"0 and 1 ({', '.join(sorted(labels - {'0', '1'})[:3])})"
            )
        body = [r for r in body if len(r) > label and r[label].strip() == "1"]
    return {(r[0].strip(), r[1].strip()) for r in body if len(r) >= 2}


def read_golds(paths: Sequence[Path], left: set[str], right: set[str]) -> set[tuple[str, str]]:
    """Every gold file's pairs together (DBLP-ACM's train, valid and test files are its
    whole gold); a file none of whose pairs names ids of the tables is refused, since it
    would score the matcher 0 and say nothing."""
    gold: set[tuple[str, str]] = set()
    for path in paths:
        pairs = read_gold(path)
        known = {p for p in pairs if p[0] in left and p[1] in right}
        if pairs and not known:
            sample = ", ".join(f"{a}-{b}" for a, b in sorted(pairs)[:3])
            raise ConfigError(
                f"eval dedupe: gold file {path} names no pair of ids of the tables "
                f"(its first pairs: {sample})",
                hint="its first two columns must be the ids of --left and --right (or of "
                "two rows of --left), in that order",
            )
        gold |= pairs
    return gold


def predicted_pairs(groups: list[list[str]], two_tables: bool) -> set[tuple[str, str]]:
    """Pairs a clustering asserts: left-right pairs, or every pair of a one-table file."""
    out: set[tuple[str, str]] = set()
    for group in groups:
        if len(group) < 2:
            continue
        if two_tables:
            lefts = [g[2:] for g in group if g.startswith("L:")]
            rights = [g[2:] for g in group if g.startswith("R:")]
            out.update(itertools.product(lefts, rights))
        else:
            ids = sorted(g[2:] for g in group)
            out.update(itertools.combinations(ids, 2))
    return out


def evaluate(
    left: Path,
    right: Path | None,
    gold_path: Path | Sequence[Path],
    settings: MatchSettings | None = None,
    column_map: Mapping[str, str] | None = None,
    within: Sequence[str] | None = None,
) -> Evaluation:
    """Match the table(s) and count against the gold pairs.  One table is one source
    whose records repeat (``dedupe_within``), matched as the catalog matches such a
    source; two tables are two sources, and only pairs across them count.  ``within``
    names the tables (``left``, ``right``) whose own records may be duplicates; by
    default the one table, and neither of two (each holds a work once, as a curated
    bibliography or a catalog does)."""
    if within is None:
        within = () if right is not None else (LEFT,)
    unknown = sorted(set(within) - {LEFT, RIGHT})
    if unknown or (right is None and RIGHT in within):
        raise ConfigError(
            f"eval dedupe: --within names {', '.join(unknown) or RIGHT}, which is no table",
            hint="--within left, right or left,right (right only with --right)",
        )
    settings = settings or MatchSettings()
    started = time.perf_counter()
    records = read_table(left, LEFT, column_map)
    left_ids = {rec.id for rec in records}
    right_ids = left_ids
    for rec in records:
        rec.id = f"L:{rec.id}"
    if right is not None:
        rights = read_table(right, RIGHT, column_map)
        right_ids = {rec.id for rec in rights}
        for rec in rights:
            rec.id = f"R:{rec.id}"
        records.extend(rights)
    features = build_features(records)
    result = match(
        features,
        settings,
        cross_sources_only=right is not None,
        within=frozenset(within),
    )
    ids = features.ids
    groups = [[ids[i] for i in g] for g in result.clustering.groups()]
    predicted = predicted_pairs(groups, right is not None)
    seconds = time.perf_counter() - started

    paths = [gold_path] if isinstance(gold_path, Path) else list(gold_path)
    gold = read_golds(paths, left_ids, right_ids)
    if right is None:
        gold = {tuple(sorted(p)) for p in gold}  # type: ignore[misc]
    blocked = _blocked(result, right is not None)
    found = len(predicted & gold)
    precision = found / len(predicted) if predicted else 0.0
    recall = found / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    blocking_recall = len(blocked & gold) / len(gold) if gold else 0.0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if sys.platform == "darwin":
        peak /= 1024
    explainer = Explainer(result, result.settings or settings, right is not None)
    # a gold pair naming an id the tables lack is missed, but has no records to explain
    missed = {p for p in gold - predicted if p[0] in left_ids and p[1] in right_ids}
    return Evaluation(
        precision, recall, f1, result.candidate_count, blocking_recall, seconds, peak,
        found, len(predicted), len(gold),
        false_positives=explainer.strongest(predicted - gold),
        missed=explainer.weakest(missed),
        learned=result.learned,
    )  # fmt: skip


def _blocked(result: MatchResult, two_tables: bool) -> set[tuple[str, str]]:
    """Candidate pairs in the gold file's terms: (left id, right id) or sorted ids."""
    ids = result.features.ids
    out: set[tuple[str, str]] = set()
    for a, b in zip(result.candidates[0].tolist(), result.candidates[1].tolist(), strict=True):
        x, y = ids[a], ids[b]
        if two_tables and x.startswith("R:"):
            x, y = y, x
        pair = (x[2:], y[2:])
        out.add(pair if two_tables else (min(pair), max(pair)))
    return out
