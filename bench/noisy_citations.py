"""Noisy citations with known truth, made from the DBLP side of DBLP-ACM.

The public matching sets are clean bibliographies; the records a union catalog gets from
reference lists, citation indexes and Chinese databases are not.  This writes the same
works as such sources cite them, with the faults they are known for, each drawn at its
own rate from a seeded generator (no two runs differ):

- titles cut short after a few words (with or without "..."), or run on into the venue
  ("... In: Proc. VLDB, 1996"), a typo, case and punctuation lost;
- venues abbreviated ("Proc. VLDB", "VLDB J.", "ACM TODS") or written out ("International
  Conference on Very Large Data Bases"), or missing;
- years missing, one off (an online year against a print year), or wrong;
- names as initials ("Ioannidis YE", "Y. E. Ioannidis"), lists cut to the first name and
  "et al.", joined with "and" as reference lists and BibTeX do, names missing.

Three sets: a two-table one (the clean table against 1-3 noisy citations of a third of
its works, among noisy citations of others), a one-table one (long clusters: some works
cited up to 25 times), and a one-table one whose counts fall off as a citation index's do
(the most cited work 190 times).  ``python bench/noisy_citations.py``
writes both to a folder and prints the gold pair counts.
"""

from __future__ import annotations

import argparse
import csv
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DBLP = HERE.parent.parent / "shared" / "data" / "dedupe" / "dblp_acm" / "tableA.csv"

# How each venue of the DBLP side is also written.
VENUES: dict[str, tuple[str, ...]] = {
    "vldb": (
        "Proc. VLDB", "VLDB", "Very Large Data Bases",
        "Proceedings of the International Conference on Very Large Data Bases",
        "Proc. Int. Conf. on Very Large Data Bases", "VLDB '{yy}",
    ),
    "sigmod conference": (
        "SIGMOD", "Proc. ACM SIGMOD", "SIGMOD Conf.",
        "Proceedings of the ACM SIGMOD International Conference on Management of Data",
        "ACM SIGMOD Int. Conf. Management of Data",
        "International Conference on Management of Data",
    ),
    "sigmod record": ("SIGMOD Rec.", "ACM SIGMOD Record", "SIGMOD Record"),
    "vldb j.": ("VLDB J.", "The VLDB Journal", "VLDB Journal"),
    "acm trans . database syst .": (
        "ACM TODS", "ACM Trans. Database Syst.", "ACM Transactions on Database Systems",
        "TODS",
    ),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Rates:
    truncate: float = 0.2
    run_on: float = 0.1
    typo: float = 0.2
    venue_missing: float = 0.15
    year_missing: float = 0.15
    year_off_by_one: float = 0.1
    year_wrong: float = 0.03
    initials: float = 0.5
    et_al: float = 0.3
    names_missing: float = 0.05
    and_joined: float = 0.4


def read_works(path: Path = DBLP) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _typo(rng: random.Random, text: str) -> str:
    if len(text) < 8:
        return text
    at = rng.randrange(1, len(text) - 1)
    kind = rng.random()
    if kind < 0.4:
        return text[:at] + text[at + 1 :]  # a letter dropped
    if kind < 0.7:
        return text[:at] + text[at + 1] + text[at] + text[at + 2 :]  # two swapped
    return text[:at] + rng.choice("aeinorst") + text[at:]  # one added


def _title(rng: random.Random, work: dict[str, str], venue: str, rates: Rates) -> str:
    title = work["title"]
    words = title.split()
    if len(words) >= 6 and rng.random() < rates.truncate:
        keep = rng.randint(max(4, len(words) // 2), len(words) - 1)
        title = " ".join(words[:keep]) + (" ..." if rng.random() < 0.5 else "")
    elif venue and rng.random() < rates.run_on:
        title = f"{title}. In: {venue}"
    if rng.random() < rates.typo:
        title = _typo(rng, title)
    if rng.random() < 0.5:
        title = title[:1].upper() + title[1:]
    return title


def _venue(rng: random.Random, work: dict[str, str], rates: Rates) -> str:
    if rng.random() < rates.venue_missing:
        return ""
    forms = VENUES.get(work["venue"], (work["venue"],))
    year = work["year"] or "00"
    return rng.choice(forms).replace("{yy}", year[-2:])


def _year(rng: random.Random, work: dict[str, str], rates: Rates) -> str:
    if not work["year"]:
        return ""
    draw = rng.random()
    if draw < rates.year_missing:
        return ""
    if draw < rates.year_missing + rates.year_off_by_one:
        return str(int(work["year"]) + rng.choice((-1, 1)))
    if draw < rates.year_missing + rates.year_off_by_one + rates.year_wrong:
        return str(int(work["year"]) + rng.choice((-7, -4, 3, 9)))
    return work["year"]


def _cited_name(rng: random.Random, name: str, initials: bool) -> str:
    words = [w for w in re.split(r"\s+", name.strip()) if w]
    if len(words) < 2 or not initials:
        return name.title()
    family = words[-1].title()
    given = "".join(w[0].upper() for w in words[:-1])
    return f"{family} {given}" if rng.random() < 0.5 else ". ".join(given) + f". {family}"


def _authors(rng: random.Random, work: dict[str, str], rates: Rates) -> str:
    names = [n.strip() for n in work["authors"].split(",") if n.strip()]
    if not names or rng.random() < rates.names_missing:
        return ""
    initials = rng.random() < rates.initials
    cited = [_cited_name(rng, n, initials) for n in names]
    if len(cited) >= 3 and rng.random() < rates.et_al:
        return f"{cited[0]}{rng.choice((', ', ' ', '; '))}et al."
    # joined as a database exports them, or as a reference list and BibTeX write them
    style = rng.random()
    if style < rates.and_joined / 2 and len(cited) >= 2:
        return " and ".join(cited)
    if style < rates.and_joined and len(cited) >= 2:
        return ", ".join(cited[:-1]) + (", and " if len(cited) > 2 else " and ") + cited[-1]
    return "; ".join(cited)


def cite(rng: random.Random, work: dict[str, str], rates: Rates) -> dict[str, str]:
    venue = _venue(rng, work, rates)
    return {
        "title": _title(rng, work, venue, rates),
        "authors": _authors(rng, work, rates),
        "venue": venue,
        "year": _year(rng, work, rates),
    }


def write_csv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["id", "title", "authors", "venue", "year"])
        writer.writeheader()
        writer.writerows(rows)


def two_tables(folder: Path, seed: int = 7, rates: Rates = Rates()) -> tuple[Path, Path, Path]:
    """The clean table, and noisy citations of a third of its works (1-3 each) among
    one noisy citation each of another third; gold: left id, right id."""
    rng = random.Random(seed)
    works = read_works()
    order = list(range(len(works)))
    rng.shuffle(order)
    third = len(order) // 3
    cited, others = order[:third], order[third : 2 * third]
    right: list[dict[str, str]] = []
    gold: list[tuple[str, str]] = []
    for n in cited:
        for _ in range(rng.choice((1, 1, 2, 3))):
            rid = f"c{len(right)}"
            right.append({"id": rid, **cite(rng, works[n], rates)})
            gold.append((works[n]["id"], rid))
    # citations of works the clean table does not hold: the clean table is cut to the
    # other two thirds' complement, so these have no partner
    held = set(order) - set(others)
    for n in others:
        right.append({"id": f"c{len(right)}", **cite(rng, works[n], rates)})
    left_rows = [works[n] for n in sorted(held)]
    rng.shuffle(right)
    left_path, right_path, gold_path = (
        folder / "noisy_left.csv", folder / "noisy_right.csv", folder / "noisy_gold.csv"
    )  # fmt: skip
    write_csv(left_path, [{k: w[k] for k in ("id", "title", "authors", "venue", "year")}
                          for w in left_rows])  # fmt: skip
    write_csv(right_path, right)
    gold_path.write_text(
        "left_id,right_id\n" + "".join(f"{a},{b}\n" for a, b in gold), encoding="utf-8"
    )
    return left_path, right_path, gold_path


def one_table(folder: Path, seed: int = 11, rates: Rates = Rates()) -> tuple[Path, Path]:
    """Noisy citations of 150 works, each cited 2 to 25 times (long clusters), among
    single citations of 1,500 others; gold: every pair of citations of one work."""
    rng = random.Random(seed)
    works = read_works()
    chosen = rng.sample(range(len(works)), 150 + 1500)
    return _cited(
        rng, [works[n] for n in chosen], lambda k: rng.randint(2, 25) if k < 150 else 1,
        "r", rates, folder / "noisy_one.csv", folder / "noisy_one_gold.csv",
    )  # fmt: skip


def heavy_table(folder: Path, seed: int = 13, rates: Rates = Rates()) -> tuple[Path, Path]:
    """Noisy citations of 112 works whose counts fall off as a citation index's do (the
    most cited 190 times, the next 100, ... the least twice), among single citations of
    1,500 others; gold: every pair of citations of one work.  A work cited this often
    makes every word of its title common, so blocking cannot pair its citations all with
    all, and must still chain them into one cluster."""
    rng = random.Random(seed)
    works = read_works()
    sizes = [max(2, int(190 / (k + 1) ** 0.9)) for k in range(112)] + [1] * 1500
    chosen = rng.sample(range(len(works)), len(sizes))
    return _cited(
        rng, [works[n] for n in chosen], lambda k: sizes[k], "h", rates,
        folder / "noisy_heavy.csv", folder / "noisy_heavy_gold.csv",
    )  # fmt: skip


def _cited(
    rng: random.Random,
    works: list[dict[str, str]],
    times_of: Callable[[int], int],
    prefix: str,
    rates: Rates,
    table: Path,
    gold_path: Path,
) -> tuple[Path, Path]:
    """One table citing the k-th work ``times_of(k)`` times, shuffled, and its gold
    pairs (every two citations of one work)."""
    rows: list[dict[str, str]] = []
    gold: list[tuple[str, str]] = []
    for k, work in enumerate(works):
        times = times_of(k)
        ids = []
        for _ in range(times):
            rid = f"{prefix}{len(rows)}"
            rows.append({"id": rid, **cite(rng, work, rates)})
            ids.append(rid)
        gold += [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    rng.shuffle(rows)
    write_csv(table, rows)
    gold_path.write_text("id1,id2\n" + "".join(f"{a},{b}\n" for a, b in gold), encoding="utf-8")
    return table, gold_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    _l, _r, gold = two_tables(args.folder)
    _t, gold_one = one_table(args.folder)
    _h, gold_heavy = heavy_table(args.folder)
    for path in (gold, gold_one, gold_heavy):
        print(f"{path}: {sum(1 for _ in path.open()) - 1} gold pairs")


if __name__ == "__main__":
    main()
