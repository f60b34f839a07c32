"""The cluster-level check: a cluster held together by one weak link is split there.

Best-first clustering joins on pairs; with noisy citations and duplicates inside one
source, a chain can form in which each link is a match but the two ends have little in
common (A is like B, B is like C, A is not like C).  The guards between every two
members catch chains that join what is known to differ; this catches chains that join
what is merely unalike.  For each cluster formed in this run, the strongest links that
span it are found (a maximum spanning tree of its matched pairs), and at its weakest link
the two sides are compared pair by pair: when most of those pairs would not even go to
review, the link is the only thing holding the sides together, and they are parted.
Each side is checked again in turn.

Clusters that existed before the run, and pairs a cataloger accepted, are never split
here: their members need no link of this run to be together.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from unioncat.dedupe.cluster import Clustering, Edge
from unioncat.dedupe.features import Features
from unioncat.dedupe.scoring import score_pairs
from unioncat.dedupe.settings import MatchSettings

# Pairs compared across a weak link at most; a larger cluster is left as it is (its
# links were each strong enough, and comparing everything would cost quadratic time).
MAX_CROSS_PAIRS = 2500


def split_weak_links(
    clustering: Clustering,
    edges: Iterable[Edge],
    features: Features,
    settings: MatchSettings,
    keep: Iterable[Sequence[int]] = (),
) -> tuple[Clustering, int]:
    """The clustering with every weakly held cluster split; and how many splits."""
    held = {i for group in keep for i in group}
    by_root: dict[int, list[Edge]] = {}
    for edge in edges:
        root = clustering.find(edge.a)
        if root == clustering.find(edge.b):
            by_root.setdefault(root, []).append(edge)
    groups: list[list[int]] = []
    splits = 0
    # the first cut of every cluster is weighed in one vectorised call: most clusters are
    # small and whole, and one call each would cost more than the matching did
    cuts: list[tuple[list[int], list[int], list[int], list[Edge]]] = []
    for group in clustering.groups():
        if len(group) < 3 or any(i in held for i in group):
            groups.append(group)
            continue
        own = by_root.get(clustering.find(group[0]), [])
        cut = _cut(group, own)
        if cut is None:
            groups.append(group)
        else:
            cuts.append((group, *cut, own))
    weak = _held_by_one_link_many([(left, right) for _g, left, right, _e in cuts], features,
                                  settings)  # fmt: skip
    for (group, left, right, own), parted in zip(cuts, weak, strict=True):
        if not parted:
            groups.append(group)
            continue
        parts = _split_part(left, own, features, settings)
        parts += _split_part(right, own, features, settings)
        splits += len(parts) - 1
        groups.extend(parts)
    if not splits:
        return clustering, 0
    rebuilt = Clustering(clustering.slots_of, clustering.within)
    for group in groups:
        for other in group[1:]:
            rebuilt.join(group[0], other)
    return rebuilt, splits


def _spanning_tree(group: list[int], edges: list[Edge]) -> list[Edge] | None:
    """The strongest links that connect the group (Kruskal); None when its links do not
    connect it (members joined otherwise, and not this check's to part)."""
    parent = {i: i for i in group}

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    tree: list[Edge] = []
    for edge in sorted(edges, key=lambda e: (-e.weight, e.a, e.b)):
        ra, rb = find(edge.a), find(edge.b)
        if ra != rb:
            parent[rb] = ra
            tree.append(edge)
    return tree if len(tree) == len(group) - 1 else None


def _sides(group: list[int], tree: list[Edge], cut: Edge) -> tuple[list[int], list[int]]:
    links: dict[int, list[int]] = {i: [] for i in group}
    for edge in tree:
        if edge is not cut:
            links[edge.a].append(edge.b)
            links[edge.b].append(edge.a)
    seen = {cut.a}
    todo = [cut.a]
    while todo:
        for j in links[todo.pop()]:
            if j not in seen:
                seen.add(j)
                todo.append(j)
    return sorted(seen), sorted(i for i in group if i not in seen)


def _cut(group: list[int], edges: list[Edge]) -> tuple[list[int], list[int]] | None:
    """The two sides of the group's weakest spanning link, when it has one to weigh."""
    tree = _spanning_tree(group, edges)
    if tree is None:
        return None
    weakest = min(
        (e for e in tree if not e.by_identifier), key=lambda e: (e.weight, e.a, e.b), default=None
    )
    if weakest is None:
        return None
    left, right = _sides(group, tree, weakest)
    if len(left) * len(right) > MAX_CROSS_PAIRS or len(left) * len(right) < 2:
        return None
    return left, right


def _split(
    group: list[int], edges: list[Edge], features: Features, settings: MatchSettings
) -> list[list[int]]:
    cut = _cut(group, edges)
    if cut is None or not _held_by_one_link_many([cut], features, settings)[0]:
        return [group]
    left, right = cut
    return _split_part(left, edges, features, settings) + _split_part(
        right, edges, features, settings
    )


def _split_part(
    part: list[int], edges: list[Edge], features: Features, settings: MatchSettings
) -> list[list[int]]:
    if len(part) < 3:
        return [part]
    members = set(part)
    return _split(part, [e for e in edges if e.a in members and e.b in members], features,
                  settings)  # fmt: skip


def _held_by_one_link_many(
    cuts: list[tuple[list[int], list[int]]], features: Features, settings: MatchSettings
) -> list[bool]:
    """For each cut, whether most pairs across it would not even go to review."""
    if not cuts:
        return []
    across = [[(min(x, y), max(x, y)) for x in left for y in right] for left, right in cuts]
    a = [x for pairs in across for x, _ in pairs]
    b = [y for pairs in across for _, y in pairs]
    scored = score_pairs(features, a, b, settings)
    # pairs the scorer dropped (titles too far apart to weigh) are weak by definition
    hit = (scored.weight >= settings.review_weight) & (scored.guards == 0)
    strong = set(zip(scored.a[hit].tolist(), scored.b[hit].tolist(), strict=True))
    return [sum(1 for p in pairs if p in strong) * 2 < len(pairs) for pairs in across]
