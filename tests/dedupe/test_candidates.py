"""Candidate pairs as numbers give the pairs, filters and order that pairs of record
ids gave: the round weighs the same pairs in the same order."""

from __future__ import annotations

import random

import numpy as np
import pyarrow as pa
import pytest

from unioncat.dedupe.candidates import CandidatePairs


def _pairs(seed: int, records: int = 60, count: int = 400) -> list[tuple[str, str, bool]]:
    draw = random.Random(seed)
    ids = [f"r{n:03d}" for n in range(records)]
    out = []
    for _ in range(count):
        x, y = draw.sample(ids, 2)
        out.append((x, y, draw.random() < 0.3))
    return out


def _by_tuples(
    pairs: list[tuple[str, str, bool]], probing: set[str] | None, skip: set[str],
    position: dict[str, int],
) -> list[tuple[int, int, bool]]:  # fmt: skip
    """What the round did with pairs of record ids: the reference."""
    kept = [
        p for p in pairs
        if (probing is None or p[0] in probing or p[1] in probing)
        and p[0] not in skip and p[1] not in skip
    ]  # fmt: skip
    return sorted(
        (min(position[x], position[y]), max(position[x], position[y]), by)
        for x, y, by in kept
        if x in position and y in position
    )


@pytest.mark.parametrize("seed", range(8))
def test_numbers_give_the_pairs_filters_and_order_of_record_ids(seed: int) -> None:
    pairs = _pairs(seed)
    draw = random.Random(seed + 100)
    ids = sorted({x for p in pairs for x in p[:2]})
    probing = set(draw.sample(ids, 15)) if seed % 2 else None
    skip = set(draw.sample(ids, 6))
    # a round's universe: most records, in an order of its own
    universe = draw.sample(ids, len(ids) - 5)
    position = {rid: n for n, rid in enumerate(universe)}
    expected = _by_tuples(pairs, probing, skip, position)
    assert expected  # the draw left pairs to weigh

    numbered = sorted(ids)  # as the blocking query numbers them: by id, from 1
    number = {rid: n + 1 for n, rid in enumerate(numbered)}
    table = pa.table({
        "a": pa.array([number[x] for x, _, _ in pairs], pa.int64()),
        "b": pa.array([number[y] for _, y, _ in pairs], pa.int64()),
        "by_id": pa.array([by for _, _, by in pairs], pa.bool_()),
    })  # fmt: skip
    for candidates in (CandidatePairs.of_ids(pairs), CandidatePairs.of_numbers(table, numbered)):
        chosen = candidates.among(probing, skip)
        a, b, by_id = chosen.positions(position)
        assert list(zip(a.tolist(), b.tolist(), by_id.tolist(), strict=True)) == expected
        assert len(chosen) == sum(
            1 for x, y, _ in pairs
            if (probing is None or x in probing or y in probing) and x not in skip
            and y not in skip
        )  # fmt: skip
        assert chosen.partners() == {x for p in pairs for x in p[:2]
                                     if (probing is None or p[0] in probing or p[1] in probing)
                                     and p[0] not in skip and p[1] not in skip}  # fmt: skip


def test_no_pairs_give_empty_arrays() -> None:
    empty = CandidatePairs.of_ids([])
    assert len(empty) == 0 and empty.partners() == set()
    a, b, by_id = empty.among({"x"}, {"y"}).positions({"x": 0})
    assert a.dtype == np.int64 and len(a) == len(b) == len(by_id) == 0
