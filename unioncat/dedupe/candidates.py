"""A dedupe round's candidate pairs, as numbers into one list of record ids.

A full run's blocking finds every record's pairs at once: some twelve per record on a
union catalog, millions for a million records.  As Python tuples of two record ids
they cost more memory than the records' folded match fields (about 220 bytes a pair
against 17 here), and sorting them into position order took longer than scoring them.
The blocking query numbers the records already (:meth:`ClusterStore.numbered_pairs`,
and :meth:`ClusterStore.copy_keys` for Spark); its pairs stay numbers until the round
turns them into the positions of its own records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray


@dataclass(frozen=True, slots=True)
class CandidatePairs:
    """Pairs ``(names[a[n]], names[b[n]])``; ``by_id[n]`` tells that the two met in an
    identifier block (only they can share an identifier)."""

    names: Sequence[str]
    a: NDArray[np.int64]
    b: NDArray[np.int64]
    by_id: NDArray[np.bool_]

    @classmethod
    def of_ids(cls, pairs: Iterable[tuple[str, str, bool]]) -> CandidatePairs:
        """From (record id, record id, by_id) rows: a nightly run's few pairs."""
        number: dict[str, int] = {}
        a: list[int] = []
        b: list[int] = []
        by_id: list[bool] = []
        for x, y, by in pairs:
            a.append(number.setdefault(x, len(number)))
            b.append(number.setdefault(y, len(number)))
            by_id.append(by)
        return cls(
            list(number),
            np.array(a, dtype=np.int64),
            np.array(b, dtype=np.int64),
            np.array(by_id, dtype=bool),
        )

    @classmethod
    def of_numbers(cls, table: pa.Table, numbered: Sequence[str]) -> CandidatePairs:
        """From the blocking query's (a, b, by_id) over records numbered from 1, the
        record id of number n at n - 1 of ``numbered``."""
        return cls(
            numbered,
            table.column("a").to_numpy().astype(np.int64) - 1,
            table.column("b").to_numpy().astype(np.int64) - 1,
            np.asarray(table.column("by_id").to_numpy(zero_copy_only=False), dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.a)

    def _marks(self, ids: set[str]) -> NDArray[np.bool_]:
        return np.fromiter((n in ids for n in self.names), dtype=bool, count=len(self.names))

    def among(self, probing: set[str] | None, skip: set[str]) -> CandidatePairs:
        """The pairs with a record of ``probing`` (any, for None) and none of ``skip``
        (records left for a later round)."""
        keep = np.ones(len(self.a), dtype=bool)
        if probing is not None:
            probe = self._marks(probing)
            keep &= probe[self.a] | probe[self.b]
        if skip:
            skipped = self._marks(skip)
            keep &= ~skipped[self.a] & ~skipped[self.b]
        return CandidatePairs(self.names, self.a[keep], self.b[keep], self.by_id[keep])

    def partners(self) -> set[str]:
        """Every record in a pair."""
        used = np.unique(np.concatenate([self.a, self.b]))
        return {self.names[n] for n in used.tolist()}

    def positions(
        self, position: Mapping[str, int]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]]:
        """(a, b, by_id) as the positions ``position`` gives, a < b, sorted: the pairs
        are weighed, and weights learned from them, in one order whichever engine
        found them.  Pairs with a record ``position`` lacks are left out."""
        where = np.fromiter(
            (position.get(n, -1) for n in self.names), dtype=np.int64, count=len(self.names)
        )
        x, y = where[self.a], where[self.b]
        keep = (x >= 0) & (y >= 0)
        x, y, by_id = x[keep], y[keep], self.by_id[keep]
        low, high = np.minimum(x, y), np.maximum(x, y)
        order = np.lexsort((by_id, high, low))
        return low[order], high[order], by_id[order]
