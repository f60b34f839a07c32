"""`unioncat convert --format kbart --check`: a KBART file held against the standard."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from unioncat.normalize.kbart import STANDARD
from unioncat.normalize.kbart_check import check_kbart

Cli = Callable[..., tuple[int, str, str]]
HEADER = "\t".join(STANDARD)


def _row(**values: str) -> str:
    base = {
        "publication_title": "Coastal morphology review",
        "print_identifier": "2049-3630",
        "online_identifier": "1756-9125",
        "date_first_issue_online": "2000-01-01",
        "title_url": "https://tideway.example/cmr",
        "title_id": "CMR",
        "coverage_depth": "fulltext",
        "publication_type": "serial",
        "access_type": "P",
    }
    base.update(values)
    return "\t".join(base.get(c, "") for c in STANDARD)


def _found(rows: list[str], name: str = "Tideway_Global_Coastal_2026-11-01.txt") -> set[str]:
    data = ("\n".join([HEADER, *rows]) + "\n").encode()
    return {str(f) for f in check_kbart(data, name)}


def test_a_good_file_has_no_finding() -> None:
    assert _found([_row(), _row(date_first_issue_online="2006", embargo_info="R6M")]) == set()


@pytest.mark.parametrize(
    ("values", "finding"),
    [
        ({"publication_title": ""}, "row 2, publication_title: error: Mandatory field is missing"),
        ({"print_identifier": "", "online_identifier": "", "title_id": ""},
         "row 2: error: At least one identifier must be provided"),
        ({"print_identifier": "2049-3631"},
         "row 2, print_identifier: error: '2049-3631' is not an ISSN"),
        ({"publication_type": "monograph", "online_identifier": "9780198812357",
          "print_identifier": "9780198812358"},
         "row 2, print_identifier: error: '9780198812358' is not an ISBN"),
        ({"date_first_issue_online": "2000-13-01"},
         "row 2, date_first_issue_online: error: '2000-13-01' is not a valid date"),
        ({"date_last_issue_online": "1999-12-31"},
         "row 2, date_last_issue_online: error: the last issue online is before the first"),
        ({"embargo_info": "1Y"}, "row 2, embargo_info: error: embargo '1Y' is not KBART's form"),
        ({"title_url": "https://ezproxy.univ.example/login?url=https://tideway.example/cmr"},
         "row 2, title_url: error: must be universally valid, not an institution-specific"),
        ({"title_url": "https://tideway-example.idm.oclc.org/cmr"},
         "row 2, title_url: error: must be universally valid"),
        ({"title_url": "/ezeit/local_resource.phtml"},
         "row 2, title_url: error: '/ezeit/local_resource.phtml' is not an http(s) URL"),
        ({"title_url": ""}, "row 2, title_url: error: Mandatory field is missing"),
        ({"access_type": "free"}, "row 2, access_type: error: 'free' is neither F (free) nor P"),
        ({"coverage_depth": "Volltext"}, "row 2, coverage_depth: warning: 'Volltext' is not one"),
    ],
)  # fmt: skip
def test_each_breach_is_named_with_its_row_and_column(values: dict[str, str], finding: str) -> None:
    found = _found([_row(**values)])
    assert any(f.startswith(finding) for f in found), found


def test_file_level_findings() -> None:
    short = "\t".join(c for c in STANDARD if c != "notes")
    data = (short + "\n" + "\t".join("x" for _ in STANDARD[:-1]) + "\n").encode()
    found = {str(f) for f in check_kbart(data, "holdings.txt")}
    assert "file: warning: The file name must correspond to the standard: " \
           "Provider_Region_Package_YYYY-MM-DD.txt" in found  # fmt: skip
    assert any(f.startswith("row 1: error: All column headers must exist") and "notes" in f
               for f in found)  # fmt: skip
    latin1 = (HEADER + "\n" + _row(publication_title="Revue d'\xe9tudes")).encode("latin-1")
    assert any("The character encoding must be UTF-8" in str(f) for f in check_kbart(latin1, "x"))


def test_check_from_the_command_line_exits_1_on_an_error(tmp_path: Path, cli: Cli) -> None:
    good = tmp_path / "Tideway_Global_Coastal_2026-11-01.txt"
    good.write_text(HEADER + "\n" + _row() + "\n", encoding="utf-8")
    code, out, _ = cli("convert", "--format", "kbart", "--check", str(good))
    assert code == 0 and "1 file(s) checked: 0 error(s), 0 warning(s)" in out
    bad = tmp_path / "Tideway_Global_Coastal_2026-11-02.txt"
    bad.write_text(HEADER + "\n" + _row() + "\n" + _row(embargo_info="R1") + "\n", encoding="utf-8")
    code, out, _ = cli("convert", "--format", "kbart", "--check", str(good), str(bad))
    assert code == 1
    assert f"{bad}: row 3, embargo_info: error:" in out
    assert "2 file(s) checked: 1 error(s), 0 warning(s)" in out
    code, _, err = cli("convert", "--format", "marc", "--check", str(good))
    assert code == 2 and "no checker for format 'marc'" in err


def test_the_shared_lists_are_checked_row_by_row(shared_data: Path) -> None:
    kbart = shared_data / "vendor" / "kbart"
    import gzip

    ezb = [
        f for f in check_kbart(gzip.decompress((kbart / "kbart.txt.gz").read_bytes()), "kbart.txt")
    ]
    relative = [f for f in ezb if f.column == "title_url" and "not an http(s) URL" in f.message]
    assert relative and all(f.row > 1 for f in relative)
    assert sum(f.column == "coverage_depth" for f in ezb) == 72_056  # "Volltext", every row
    nyu = check_kbart((kbart / "nyu_global_awdl_2022-05-23.txt").read_bytes(),
                      "nyu_global_awdl_2022-05-23.txt")  # fmt: skip
    assert {f.message for f in nyu if f.column == "access_type"} == {
        "'free' is neither F (free) nor P (paid)"
    }
