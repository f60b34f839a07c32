"""KBART embargoes in their calendar meaning, on fixed days (no clock is read)."""

from __future__ import annotations

from datetime import date

import pytest

from unioncat.embargo import EmbargoError, parse_embargo

TODAY = date(2026, 12, 2)


def _reachable(value: str, published: date, today: date = TODAY) -> bool:
    embargo = parse_embargo(value)
    assert embargo is not None
    return embargo.reachable(published, today)


def test_r1y_is_the_current_calendar_year_not_365_days() -> None:
    # 2026-01-05 is 331 days back: a year of fixed length would let it through
    assert not _reachable("R1Y", date(2026, 1, 5))
    assert _reachable("R1Y", date(2025, 12, 31))
    assert not _reachable("R2Y", date(2025, 12, 31))
    assert _reachable("R2Y", date(2024, 12, 31))
    # on New Year's day the wall moves a whole year at once
    assert _reachable("R1Y", date(2026, 6, 1), today=date(2027, 1, 1))


def test_p_keeps_only_the_most_recent_stretch() -> None:
    assert _reachable("P1Y", date(2026, 1, 1)) and not _reachable("P1Y", date(2025, 12, 31))
    assert _reachable("P5Y", date(2022, 1, 1)) and not _reachable("P5Y", date(2021, 12, 31))


def test_months_and_days_count_the_current_one_as_the_first() -> None:
    assert not _reachable("R6M", date(2026, 7, 1)) and _reachable("R6M", date(2026, 6, 30))
    assert _reachable("P3M", date(2026, 10, 1)) and not _reachable("P3M", date(2026, 9, 30))
    # a wall across a year boundary
    assert not _reachable("R12M", date(2026, 1, 1)) and _reachable("R12M", date(2025, 12, 31))
    assert not _reachable("R30D", date(2026, 11, 3)) and _reachable("R30D", date(2026, 11, 2))


def test_two_statements_must_both_let_an_item_through() -> None:
    # this calendar year and last, except the last 30 days
    assert _reachable("P2Y;R30D", date(2025, 3, 1))
    assert not _reachable("P2Y;R30D", date(2026, 11, 20))
    assert not _reachable("P2Y;R30D", date(2024, 12, 31))
    assert str(parse_embargo(" p2y ; r30d ")) == "P2Y;R30D"


def test_described_in_words() -> None:
    described = {v: parse_embargo(v).describe() for v in ("R1Y", "R3Y", "P6M", "R1D", "P2Y;R30D")}  # type: ignore[union-attr]
    assert described == {
        "R1Y": "the current calendar year not available",
        "R3Y": "the current calendar year and the 2 calendar years before it not available",
        "P6M": "only the current calendar month and the 5 calendar months before it",
        "R1D": "today not available",
        "P2Y;R30D": "only the current calendar year and the 1 calendar year before it; "
        "the last 30 days not available",
    }


def test_empty_is_no_embargo() -> None:
    assert parse_embargo("") is None and parse_embargo(None) is None and parse_embargo(" ") is None


@pytest.mark.parametrize(
    ("value", "why"),
    [("1Y", "not KBART's form"), ("R1W", "not KBART's form"), ("R", "not KBART's form"),
     ("P-1Y", "not KBART's form"), ("R0Y", "counts 0"), ("R1Y;R2Y", "two R statements"),
     ("R1Y;P2Y;R3D", "at most two")],
)  # fmt: skip
def test_what_kbart_does_not_allow_is_refused_with_the_reason(value: str, why: str) -> None:
    with pytest.raises(EmbargoError, match=why):
        parse_embargo(value)
