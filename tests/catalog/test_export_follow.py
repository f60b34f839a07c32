"""A consumer of the Parquet export that keeps a copy and follows ``changes/`` ends with
exactly the next full snapshot: records and clusters, tombstones and merges included."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from tests.support.dedupe_records import rec
from unioncat.catalog import Catalog, PageWrite, read_export
from unioncat.catalog.export import export_records
from unioncat.dedupe.settings import MatchSettings
from unioncat.dedupe.stage import dedupe_catalog

PRINT = rec("p1", "Tidal estuaries of West Africa", isbn=["9780198812357"])
EBOOK = rec("e1", "Tidal estuaries of West Africa", source="vendor", medium="electronic",
            other_format_isbn=["9780198812357"])  # fmt: skip
OTHER = rec("o1", "Salt roads", authors=["Moreau, Ines"], year=1987)
GONE = rec("g1", "A withdrawn pamphlet")


def _rows(out: Path, entity: str, key: str) -> dict[str, dict[str, Any]]:
    return {str(r[key]): r for r in read_export(out, entity).to_pylist()}


def test_following_changes_from_one_export_gives_the_next_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "export"
    catalog = Catalog(tmp_path / "c.duckdb")
    try:
        # the e-book is first described apart (its own cluster); corrected, it joins the
        # print book, and one of the two clusters is retired into the other
        apart = replace(EBOOK, title="Coastal field notes", relations=[], year=1960)
        catalog.write(PageWrite("r1", records=[PRINT, OTHER, GONE, apart]))
        dedupe_catalog(catalog, "r1", MatchSettings())
        export_records(catalog, out, "r1")
        records = _rows(out, "records", "id")
        clusters = _rows(out, "clusters", "cluster_id")
        seen = max(int(c["seq"]) for c in read_export(out, "changes").to_pylist())

        catalog.write(PageWrite("r2", records=[
            replace(OTHER, title="Salt roads, revised"), replace(GONE, deleted=True), EBOOK,
            rec("n1", "A book catalogued since"),
        ]))  # fmt: skip
        dedupe_catalog(catalog, "r2", MatchSettings())
        export_records(catalog, out, "r2")
    finally:
        catalog.close()

    now_records = _rows(out, "records", "id")
    now_clusters = _rows(out, "clusters", "cluster_id")
    changes = sorted(
        (c for c in read_export(out, "changes").to_pylist() if int(c["seq"]) > seen),
        key=lambda c: int(c["seq"]),
    )
    assert {c["op"] for c in changes} >= {"upsert", "delete", "merge"}
    for change in changes:
        key = str(change["id"])
        if change["entity"] == "record":
            records[key] = now_records[key]  # a tombstone is a row too (deleted = true)
        elif change["op"] == "merge":
            clusters.pop(key, None)  # the retired id lives on in merged_ids
        else:
            clusters[key] = now_clusters[key]
    assert records == now_records
    assert clusters == now_clusters
    retired = {str(m["retired_id"]) for m in read_export(out, "merged_ids").to_pylist()}
    assert retired and not retired & set(now_clusters)
