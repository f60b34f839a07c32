"""What a dedupe run did, and how it is said: light enough for the command line to
import without the matcher."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True)
class DedupeCounts:
    """What one dedupe run did.  ``matched_pairs`` are the pairs at or above the match
    weight (not all of them join: slots and guards may keep them apart);
    ``records_joined`` the records that went into a cluster of more than one record;
    ``clusters_multi`` how many clusters hold more than one record afterwards."""

    records: int = 0
    candidate_pairs: int = 0
    matched_pairs: int = 0
    records_joined: int = 0
    clusters_multi: int = 0
    clusters_created: int = 0
    clusters_changed: int = 0
    clusters_merged: int = 0
    clusters_deleted: int = 0
    review_open: int = 0
    # clusters parted at a link that alone held them together (dedupe.cohesion)
    weak_links_split: int = 0
    # levels whose weight this run learned away from the set one (dedupe.learn)
    weights_learned: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}


def describe_counts(c: DedupeCounts) -> str:
    """The counts in words, for the run summary and the log."""
    return (
        f"{c.records} records matched, {c.matched_pairs} pairs at or above the match weight, "
        f"{c.records_joined} records joined a cluster; clusters: {c.clusters_created} new, "
        f"{c.clusters_changed} changed, {c.clusters_merged} merged away, "
        f"{c.clusters_deleted} deleted, {c.clusters_multi} with more than one record; "
        f"{c.review_open} pair(s) open for review"
        + (f"; {c.weak_links_split} cluster(s) parted at a weak link" if c.weak_links_split else "")
        + (f"; {c.weights_learned} weight(s) learned" if c.weights_learned else "")
    )
