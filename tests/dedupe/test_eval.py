"""``unioncat eval dedupe``: the stable JSON line, small files built here, and DBLP-ACM."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.builders import SHARED_DATA as _SHARED

SHARED = _SHARED / "dedupe"
KEYS = {"precision", "recall", "f1", "candidate_pairs", "blocking_recall", "seconds", "peak_mb"}

CLI = Callable[..., tuple[int, str, str]]


def _csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_two_tables_with_a_known_answer(tmp_path: Path, cli: CLI) -> None:
    header = ["id", "title", "authors", "year", "isbn", "medium", "edition"]
    left = _csv(tmp_path / "l.csv", header, [
        ["p1", "The river archives", "Okafor, Adaeze", "2019", "9780198812357", "print", ""],
        ["p2", "Salt roads", "Moreau, Ines", "1987", "", "print", ""],
        ["p3", "Handbook of estuaries", "Haddad, Samir", "2001", "", "print", "2nd ed."],
    ])  # fmt: skip
    right = _csv(tmp_path / "r.csv", header, [
        ["e1", "River archives", "Adaeze Okafor", "2019", "9780198812364", "electronic", ""],
        ["e2", "Salt roads : a novel", "Ines Moreau", "1987", "", "electronic", ""],
        ["e3", "Handbook of estuaries", "Samir Haddad", "2001", "", "electronic", "3rd ed."],
    ])  # fmt: skip
    gold = _csv(tmp_path / "g.csv", ["left_id", "right_id"], [["p1", "e1"], ["p2", "e2"]])
    code, out, _ = cli("eval", "dedupe", "--left", str(left), "--right", str(right),
                       "--gold", str(gold))  # fmt: skip
    assert code == 0
    result = json.loads(out)
    assert set(result) == KEYS
    # the third pair differs in edition: the guard keeps it out, so nothing is wrong
    assert result["precision"] == 1.0 and result["recall"] == 1.0
    assert result["blocking_recall"] == 1.0


def test_one_table_finds_duplicates_within_it(tmp_path: Path, cli: CLI) -> None:
    table = _csv(tmp_path / "t.csv", ["id", "title", "authors", "venue", "year"], [
        ["1", "Query optimization at the crossroads", "Surajit Chaudhuri", "SIGMOD", "1997"],
        ["2", "Query Optimization at the Crossroads (panel)", "Chaudhuri, S.", "", "1997"],
        ["3", "Query optimization in the crossroads era", "Jane Doe", "VLDB", "2010"],
    ])  # fmt: skip
    gold = _csv(tmp_path / "g.csv", ["left_id", "right_id"], [["2", "1"]])
    code, out, _ = cli("eval", "dedupe", "--left", str(table), "--gold", str(gold))
    assert code == 0
    result = json.loads(out)
    assert result["f1"] == 1.0


def test_a_file_without_an_id_column_is_a_usage_error(tmp_path: Path, cli: CLI) -> None:
    bad = _csv(tmp_path / "bad.csv", ["key", "title"], [["1", "x"]])
    gold = _csv(tmp_path / "g.csv", ["left_id", "right_id"], [])
    code, _, err = cli("eval", "dedupe", "--left", str(bad), "--gold", str(gold))
    assert code == 2 and "no 'id' column" in err
    code, _, err = cli("eval", "dedupe", "--left", str(tmp_path / "nope.csv"), "--gold", str(gold))
    assert code == 2 and "does not exist" in err


def _magellan_gold(tmp_path: Path) -> Path:
    rows = []
    for split in ("train", "valid", "test"):
        with (SHARED / "dblp_acm" / f"{split}.csv").open(newline="") as handle:
            rows += [
                [r["ltable_id"], r["rtable_id"]]
                for r in csv.DictReader(handle)
                if r["label"] == "1"
            ]
    return _csv(tmp_path / "gold.csv", ["left_id", "right_id"], rows)


@pytest.mark.skipif(
    not SHARED.is_dir(), reason=f"needs the DBLP-ACM benchmark in {SHARED} (../shared/data)"
)
@pytest.mark.parametrize("version", ["dblp_acm", "dblp_acm_leipzig"])
def test_dblp_acm_unsupervised_f1(version: str, tmp_path: Path, cli: CLI) -> None:
    if version == "dblp_acm":
        left, right = SHARED / version / "tableA.csv", SHARED / version / "tableB.csv"
        gold = _magellan_gold(tmp_path)
        expected_gold = 2220
    else:
        left, right = SHARED / version / "dblp.csv", SHARED / version / "acm.csv"
        gold = SHARED / version / "gt.csv"
        expected_gold = 2224
    code, out, _ = cli("eval", "dedupe", "--left", str(left), "--right", str(right),
                       "--gold", str(gold))  # fmt: skip
    assert code == 0
    result = json.loads(out)
    assert result["f1"] >= 0.985, result
    assert result["blocking_recall"] >= 0.995, result
    # the gold file is read whole: recall is measured against every gold pair
    from unioncat.dedupe.evaluate import read_gold

    assert len(read_gold(gold)) == expected_gold


def _two_small_tables(tmp_path: Path) -> tuple[Path, Path]:
    header = ["id", "title", "authors", "year"]
    left = _csv(tmp_path / "l.csv", header, [
        ["p1", "The river archives", "Okafor, Adaeze", "2019"],
        ["p2", "Salt roads", "Moreau, Ines", "1987"],
    ])  # fmt: skip
    right = _csv(tmp_path / "r.csv", header, [
        ["e1", "River archives", "Adaeze Okafor", "2019"],
        ["e2", "Salt roads", "Ines Moreau", "1987"],
    ])  # fmt: skip
    return left, right


def test_several_gold_files_are_used_together(tmp_path: Path, cli: CLI) -> None:
    left, right = _two_small_tables(tmp_path)
    one = _csv(tmp_path / "g1.csv", ["ltable_id", "rtable_id", "label"],
               [["p1", "e1", "1"], ["p1", "e2", "0"]])  # fmt: skip
    two = _csv(tmp_path / "g2.csv", ["ltable_id", "rtable_id", "label"], [["p2", "e2", "1"]])
    code, out, _ = cli("eval", "dedupe", "--left", str(left), "--right", str(right),
                       "--gold", str(one), "--gold", str(two))  # fmt: skip
    result = json.loads(out)
    assert code == 0 and result["recall"] == 1.0 and result["precision"] == 1.0


def test_a_gold_file_that_names_no_id_of_the_tables_is_refused(tmp_path: Path, cli: CLI) -> None:
    left, right = _two_small_tables(tmp_path)
    wrong = _csv(tmp_path / "g.csv", ["title", "year"], [["The river archives", "2019"]])
    code, _, err = cli("eval", "dedupe", "--left", str(left), "--right", str(right),
                       "--gold", str(wrong))  # fmt: skip
    assert code == 2 and "names no pair of ids of the tables" in err
    swapped = _csv(tmp_path / "s.csv", ["left_id", "right_id"], [["e1", "p1"]])
    code, _, err = cli("eval", "dedupe", "--left", str(left), "--right", str(right),
                       "--gold", str(swapped))  # fmt: skip
    assert code == 2 and "in that order" in err


def test_a_label_column_must_hold_zeros_and_ones(tmp_path: Path, cli: CLI) -> None:
    left, right = _two_small_tables(tmp_path)
    bad = _csv(tmp_path / "g.csv", ["ltable_id", "rtable_id", "label"], [["p1", "e1", "yes"]])
    code, _, err = cli("eval", "dedupe", "--left", str(left), "--right", str(right),
                       "--gold", str(bad))  # fmt: skip
    assert code == 2 and "label column" in err


@pytest.mark.parametrize(
    ("written", "families"),
    [
        ("M. Kearns, Y. Mansour, and A. Ng", "kearns mansour ng"),  # a reference list
        ("Kearns, M. and Mansour, Y.", "kearns mansour"),  # BibTeX
        ("Kearns, M., Mansour, Y., & Ng, A.", "kearns mansour ng"),  # APA
        ("Kearns M, Mansour Y", "kearns mansour"),  # MEDLINE
        ("Kearns M et al.", "kearns"),  # the list cut: "al" is nobody's name
        ("Smith J and others", "smith"),
        ("Eric Burdon and the Animals", "animals"),  # one name, not Burdon and Animals
    ],
)
def test_an_author_list_is_read_in_the_forms_citations_write(written: str, families: str) -> None:
    from unioncat.dedupe.features import build_features, from_csv_row

    row = {"id": "x", "title": "t", "authors": written}
    features = build_features([from_csv_row(row, "left")])
    assert sorted(features.authors[0].split()) == sorted(families.split())


@pytest.mark.parametrize(
    "written", ["Kearns, M. and Mansour, Y.", "M. Kearns and Y. Mansour", "Kearns M & Mansour Y"]
)
def test_each_name_of_a_list_joined_with_and_keeps_its_own_initials(written: str) -> None:
    from unioncat.dedupe.features import build_features, from_csv_row

    features = build_features([from_csv_row({"id": "x", "title": "t", "authors": written}, "l")])
    assert features.initials[0] == {"kearns": {"m"}, "mansour": {"y"}}


@pytest.mark.parametrize(
    ("written", "year"),
    [("1996", 1996), ("(1996)", 1996), ("1996.0", 1996), ("Spring 1996", 1996), ("n.d.", 0)],
)
def test_a_year_is_read_as_citations_write_it(written: str, year: int) -> None:
    from unioncat.dedupe.features import build_features, from_csv_row

    features = build_features([from_csv_row({"id": "x", "title": "t", "year": written}, "l")])
    assert features.year[0] == year
