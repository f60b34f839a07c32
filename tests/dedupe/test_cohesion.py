"""A cluster held together by one weak link is parted there; a cohesive one is not."""

from __future__ import annotations

from unioncat.dedupe.cluster import Edge, cluster
from unioncat.dedupe.cohesion import split_weak_links
from unioncat.dedupe.features import MatchRecord, build_features
from unioncat.dedupe.matcher import slots
from unioncat.dedupe.settings import MatchSettings

SETTINGS = MatchSettings()


def _features(*titles: str, authors: tuple[str, ...] = ("Okafor, Ada",)):
    return build_features(
        MatchRecord(id=f"r{n}", source=f"s{n}", title=t, authors=list(authors), year=2001)
        for n, t in enumerate(titles)
    )


def test_a_chain_whose_ends_are_unalike_is_parted_at_its_weakest_link() -> None:
    # each link a match by the chain's own evidence, the two ends two different works
    features = _features(
        "Sediment transport in West African estuaries",
        "Sediment transport in West African estuaries and deltas",
        "Mangrove loss along the Guinea coast",
        "Mangrove loss along the Guinea coast since 1950",
    )
    edges = [Edge(0, 1, 12.0), Edge(2, 3, 11.0), Edge(1, 2, 3.5)]
    joined = cluster(slots(features), edges)
    assert len(joined.groups()) == 1
    parted, splits = split_weak_links(joined, edges, features, SETTINGS)
    assert splits == 1 and sorted(parted.groups()) == [[0, 1], [2, 3]]


def test_a_cluster_whose_members_are_alike_stays_whole() -> None:
    features = _features(
        "Sediment transport in West African estuaries",
        "Sediment transport in West-African estuaries",
        "Sediment transport in west african estuaries ...",
    )
    edges = [Edge(0, 1, 12.0), Edge(1, 2, 3.5)]
    joined = cluster(slots(features), edges)
    kept, splits = split_weak_links(joined, edges, features, SETTINGS)
    assert splits == 0 and kept.groups() == [[0, 1, 2]]


def test_an_existing_cluster_and_an_accepted_pair_are_never_parted() -> None:
    features = _features(
        "Sediment transport in West African estuaries",
        "Sediment transport in West African estuaries and deltas",
        "Mangrove loss along the Guinea coast",
    )
    edges = [Edge(0, 1, 12.0), Edge(1, 2, 3.5)]
    joined = cluster(slots(features), edges)
    kept, splits = split_weak_links(joined, edges, features, SETTINGS, keep=[[1, 2]])
    assert splits == 0 and kept.groups() == [[0, 1, 2]]


def test_the_one_pair_title_similarity_agrees_with_the_vectorised_one() -> None:
    """The chain guard and the evaluation summary weigh one pair at a time with their
    own copy of the title rules; it must give what the scorer gives."""
    import numpy as np

    from unioncat.dedupe.scoring import _title_similarity_of, title_similarity

    titles = [
        "Zoo: a desktop experiment management environment",
        "Zoo: a desktop expeirment ...",
        "Zoo: a desktop experiment management environment. In: Proc. VLDB",
        "Greatest hits",
        "Okafor quartet greatest hits",
        "Database tuning, part I",
        "Database tuning, part II",
        "The river archives: a history",
        "River archives",
        "River archives: solutions manual",
    ]
    features = build_features(
        MatchRecord(id=f"r{n}", source=f"s{n}", title=t, authors=["Okafor quartet"])
        for n, t in enumerate(titles)
    )
    pairs = [(i, j) for i in range(len(titles)) for j in range(i + 1, len(titles))]
    a = np.array([i for i, _ in pairs], dtype=np.int64)
    b = np.array([j for _, j in pairs], dtype=np.int64)
    vectorised = title_similarity(features, a, b)
    one_by_one = [_title_similarity_of(features, i, j) for i, j in pairs]
    assert np.allclose(vectorised, one_by_one), [
        (titles[i], titles[j], v, o)
        for (i, j), v, o in zip(pairs, vectorised, one_by_one, strict=True)
        if abs(v - o) > 1e-6
    ]
