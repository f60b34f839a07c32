"""Matched pairs become clusters, strongest evidence first, one member per source slot.

A cluster holds one work across media, so its slots are (source, medium): a catalog
may give a print and an electronic record of the same book, but two print records from
one source that only look alike are two copies of a title the source itself keeps
apart, or two editions.  Only an identifier the two records share lets a cluster take
a second member in a slot it has filled, unless the source is one whose records repeat
(``dedupe_within``: a catalog loaded twice, a list of citations): there a pair of its
records joins on a weight of at least :attr:`Within.weight`, stronger evidence than
across sources asks, since a source seldom holds one item twice.  Transitive chains are
checked too: clusters never join when any two of their members were vetoed by a guard.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

# Member pairs checked by guards when two clusters join through a third record.
MAX_CHAIN_CHECKS = 2500


@dataclass(slots=True)
class Edge:
    a: int
    b: int
    weight: float
    by_identifier: bool = False


@dataclass(frozen=True, slots=True)
class Within:
    """The sources whose own records may join one cluster, and the weight it takes."""

    sources: frozenset[str] = frozenset()
    weight: float = float("inf")

    def allows(self, shared: set[tuple[str, str]], edge: Edge) -> bool:
        return edge.weight >= self.weight and all(s in self.sources for s, _ in shared)


NO_WITHIN = Within()


@dataclass(slots=True)
class Clustering:
    """Union-find over record positions, with each root's members and slots."""

    slots_of: Sequence[tuple[str, str]]
    within: Within = NO_WITHIN
    parent: list[int] = field(default_factory=list)
    members: dict[int, list[int]] = field(default_factory=dict)
    slots: dict[int, set[tuple[str, str]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.slots_of)
        self.parent = list(range(n))
        self.members = {i: [i] for i in range(n)}
        self.slots = {i: {self.slots_of[i]} for i in range(n)}

    def find(self, i: int) -> int:
        root = i
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[i] != root:
            self.parent[i], i = root, self.parent[i]
        return root

    def join(self, a: int, b: int) -> int:
        """Join the clusters of a and b unconditionally; returns the new root."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if len(self.members[ra]) < len(self.members[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.members[ra].extend(self.members.pop(rb))
        self.slots[ra] |= self.slots.pop(rb)
        return ra

    def may_join(
        self,
        edge: Edge,
        vetoed: set[tuple[int, int]],
        forbids: Callable[[int, int], bool] | None = None,
    ) -> bool:
        ra, rb = self.find(edge.a), self.find(edge.b)
        if ra == rb:
            return False
        shared = self.slots[ra] & self.slots[rb]
        if shared and not edge.by_identifier and not self.within.allows(shared, edge):
            return False
        small, large = sorted((self.members[ra], self.members[rb]), key=len)
        # Pairs never compared (their titles share no rare word) are checked now, unless
        # the clusters are so large that only the recorded vetoes can be afforded.
        check = forbids if forbids and len(small) * len(large) <= MAX_CHAIN_CHECKS else None
        edge_pair = (min(edge.a, edge.b), max(edge.a, edge.b))
        for x in small:
            for y in large:
                pair = (min(x, y), max(x, y))
                if pair in vetoed:
                    return False
                if check is not None and pair != edge_pair and check(*pair):
                    return False
        return True

    def groups(self) -> list[list[int]]:
        return [sorted(m) for m in self.members.values()]


def cluster(
    slots_of: Sequence[tuple[str, str]],
    edges: Iterable[Edge],
    *,
    vetoed: set[tuple[int, int]] | None = None,
    forced: Iterable[tuple[int, int]] = (),
    start: Iterable[Sequence[int]] = (),
    forbids: Callable[[int, int], bool] | None = None,
    within: Within = NO_WITHIN,
) -> Clustering:
    """Greedy best-first clustering.

    ``start`` groups records that are already together (existing clusters), ``forced``
    pairs were accepted by a cataloger and join first, then ``edges`` join in order of
    weight where slots and vetoes allow.  ``forbids(a, b)`` (a < b) runs the guards on a
    pair that was never scored, so a chain cannot join what a guard keeps apart.
    """
    clustering = Clustering(slots_of, within)
    for group in start:
        for other in group[1:]:
            clustering.join(group[0], other)
    for a, b in forced:
        clustering.join(a, b)
    veto = vetoed or set()
    for edge in sorted(edges, key=lambda e: (-e.weight, e.a, e.b)):
        if clustering.may_join(edge, veto, forbids):
            clustering.join(edge.a, edge.b)
    return clustering
