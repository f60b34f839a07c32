"""A catalog a cataloger would open the workbench on: a print book and its e-book in
one work, a borderline pair waiting for review, a journal with holdings, a record whose
title is markup, a record archived with its raw bytes, and a quarantined record."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.catalogs import writing
from tests.support.dedupe_records import rec
from unioncat.catalog import PageWrite
from unioncat.config import PipelineConfig
from unioncat.contracts import Quarantined, RawEnvelope
from unioncat.dedupe.settings import MatchSettings
from unioncat.dedupe.stage import dedupe_catalog
from unioncat.schemas.record import Access, Holding, Identifier

PRINT = rec("p1", "Rivers of the north", source="library", isbn=["9780306406157"],
            authors=["Okafor, Adaeze"])  # fmt: skip
EBOOK = rec("e1", "Rivers of the north", source="vendor", medium="electronic",
            isbn=["9780306406157"], authors=["Okafor, Adaeze"])  # fmt: skip
BORDER_A = rec("a", "Estuary dynamics and sediment", source="library",
               authors=["Haddad, Samir"], year=1990)  # fmt: skip
BORDER_B = rec("b", "Estuarine dynamics and sediments", source="vendor",
               authors=["Haddad, S."], year=1991)  # fmt: skip
HOSTILE = replace(
    rec("h", '<script>document.title="owned"</script><b>Bold</b> claims', source="vendor",
        medium="electronic", authors=["<img src=x onerror=alert(1)>"], year=2001),
    access=[Access("javascript:alert(1)"), Access("https://example.org/ok", kind="open")],
)  # fmt: skip
JOURNAL = replace(
    rec("j", "Hearing research", source="library", type="journal", authors=[], year=1979),
    identifiers=[Identifier("issn", "0378-5955")],
    holdings=[Holding(form="print", holder="LIB", location="Stacks", start_date="1979",
                      end_date="2001", coverage="v.1(1979)-v.160(2001)")],
)  # fmt: skip
RAW_PAYLOAD = b"00042nam a2200037 a 4500\x1e001\x1fraw-1\x1e\x1d"
ARCHIVED = rec("raw-1", "A record with its bytes", source="library", authors=["Ng, Wei"])
QUARANTINED_PAYLOAD = b"\x00\x01 not a record <at all>"


@dataclass(frozen=True)
class Bench:
    config: PipelineConfig
    catalog: Path


def build_catalog(folder: Path) -> Bench:
    path = folder / "catalog.duckdb"
    now = datetime.now(UTC)
    envelope = RawEnvelope("library", "library.mrc#1", "marc", RAW_PAYLOAD, now,
                           batch="library.mrc", position=1)  # fmt: skip
    bad = RawEnvelope("vendor", "vendor.mrc#7", "marc", QUARANTINED_PAYLOAD, now,
                      batch="vendor.mrc", position=7)  # fmt: skip
    with writing(path, "r1") as catalog:
        for name in ("library", "vendor"):
            catalog.register_source(name, "files", "marc")
        catalog.write(PageWrite("r1", envelopes=[envelope], records=[ARCHIVED],
                                record_envelopes=[envelope.envelope_id],
                                envelope_status={envelope.envelope_id: "mapped"}))  # fmt: skip
        catalog.write(PageWrite(
            "r1", records=[PRINT, EBOOK, BORDER_A, BORDER_B, HOSTILE, JOURNAL],
            quarantined=[Quarantined(bad, "marc: leader is not 24 bytes (record 7 of vendor.mrc)")],
        ))  # fmt: skip
        counts = dedupe_catalog(catalog, "r1", MatchSettings())
        assert counts.review_open == 1, "the borderline pair must wait for review"
    config = PipelineConfig(path=folder / "p.yaml", catalog=path, export=folder / "export")
    return Bench(config, path)


@pytest.fixture
def bench(tmp_path: Path) -> Bench:
    return build_catalog(tmp_path)
