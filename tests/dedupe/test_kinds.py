"""Dedupe across kinds of material: a book is not its CD, a score is not its recording,
one Chambers is not another, and a concert of 1999 is not the concert of 1998."""

from __future__ import annotations

import re

import numpy as np
import pytest

from tests.support.dedupe_records import rec, run_matcher, together
from unioncat.dedupe.features import kind_of
from unioncat.dedupe.scoring import GUARD_TEXT, Guard, pair_reasons
from unioncat.dedupe.settings import MatchSettings
from unioncat.schemas.record import Host


def _guards(result, n: int = 0) -> Guard:  # type: ignore[no-untyped-def]
    return Guard(int(result.scored.guards[n]))


def test_milestones_the_biography_is_not_milestones_the_cd() -> None:
    book = rec("b", "Milestones", authors=["Chambers, Jack"], year=1998, medium="print")
    cd = rec("cd", "Milestones", source="vendor", type="musical_sound_recording", medium="audio",
             authors=["Davis, Miles", "Chambers, Paul", "Coltrane, John"], year=1998)  # fmt: skip
    features, result = run_matcher([book, cd])
    assert not together(result, 0, 1)
    assert Guard.KIND in _guards(result)
    reasons = pair_reasons(features, result.scored, 0, MatchSettings())
    assert f"guard: {GUARD_TEXT[Guard.KIND]}" in reasons
    assert any(r.startswith("family names alike, given names differ (chambers: j or p)")
               for r in reasons)  # fmt: skip


def test_a_shared_identifier_does_not_join_two_kinds() -> None:
    book = rec("b", "Jazz guitar method", isbn=["9780786600014"], page_count=128)
    cd = rec("cd", "Jazz guitar method", source="vendor", type="musical_sound_recording",
             medium="audio", isbn=["9780786600014"])  # fmt: skip
    _features, result = run_matcher([book, cd])
    assert not together(result, 0, 1)
    assert Guard.KIND in _guards(result)


def test_an_audiobook_coded_as_text_is_a_sound_recording_by_its_carrier() -> None:
    book = rec("b", "The river archives", medium="print")
    audio = rec("a", "The river archives", source="vendor", medium="audio")
    _features, result = run_matcher([book, audio])
    assert kind_of("book", "audio") == "sound recording"
    assert not together(result, 0, 1)


def test_an_ebook_and_a_print_book_are_one_kind() -> None:
    book = rec("b", "The river archives", medium="print")
    ebook = rec("e", "The river archives", source="vendor", medium="electronic")
    _features, result = run_matcher([book, ebook])
    assert together(result, 0, 1)


def test_kits_and_untyped_records_are_neutral() -> None:
    kit = rec("k", "The river archives", type="kit", medium="other")
    other = rec("o", "The river archives", source="vendor", type="other", medium="unknown")
    _features, result = run_matcher([kit, other])
    assert Guard.KIND not in _guards(result)


def test_a_track_is_never_its_album() -> None:
    album = rec("a", "Milestones", type="musical_sound_recording", medium="audio",
                authors=["Davis, Miles"], year=1958)  # fmt: skip
    track = rec("t", "Milestones", source="vendor", type="musical_sound_recording",
                medium="audio", authors=["Davis, Miles"], year=1958,
                host=Host(title="Milestones"))  # fmt: skip
    _features, result = run_matcher([album, track])
    assert not together(result, 0, 1)
    assert Guard.PART_AND_HOST in _guards(result)


def test_same_initials_and_short_given_names_still_match() -> None:
    a = rec("a", "Engines of the deep", authors=["Gerber, Robert H."])
    b = rec("b", "Engines of the deep", source="vendor", authors=["Bob Gerber"],
            medium="electronic")  # fmt: skip
    c = rec("c", "Engines of the deep", source="other", authors=["Gerber, R."], medium="microform")
    _features, result = run_matcher([a, b, c])
    assert together(result, 0, 1) and together(result, 0, 2)
    assert not result.scored.given_differ.any()


def test_two_concerts_a_year_apart_are_two_works() -> None:
    a = rec("a", "Huntington jazz student concert, Dec. 9, 1999", year=1999,
            type="musical_sound_recording", medium="audio")  # fmt: skip
    b = rec("b", "Huntington jazz student concert, Dec. 10, 1998", year=1998, source="vendor",
            type="musical_sound_recording", medium="audio")  # fmt: skip
    _features, result = run_matcher([a, b])
    assert not together(result, 0, 1)
    assert Guard.TITLE_NUMBERS in _guards(result)


def test_a_title_that_only_adds_a_number_may_still_be_the_same_work() -> None:
    a = rec("a", "Response to the March 1994 ODMG-93 commentary")
    b = rec("b", "Response to the ODMG-93 commentary", source="vendor", medium="electronic")
    _features, result = run_matcher([a, b])
    assert Guard.TITLE_NUMBERS not in _guards(result)


@pytest.mark.parametrize("title", ["The river archives", "Milestones"])
def test_the_reasons_add_up_to_the_weight(title: str) -> None:
    a = rec("a", title, year=2019, publisher="Riverbank")
    b = rec("b", title, source="vendor", medium="electronic", year=2020, publisher="Riverbank")
    features, result = run_matcher([a, b])
    reasons = pair_reasons(features, result.scored, 0, MatchSettings())
    assert reasons[0] == "prior (-6.0)"
    parts = [float(m) for r in reasons[:-1] for m in re.findall(r"\(([+-]\d+\.\d)\)", r)]
    weight = float(reasons[-1].split()[-1])
    assert np.isclose(sum(parts), weight)
    assert np.isclose(weight, float(result.scored.weight[0]))
