"""Catalogs written by older versions open and are brought up to date step by step."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from unioncat.catalog import Catalog, PageWrite
from unioncat.catalog.migrate import CATALOG_VERSION, STEPS
from unioncat.harvest.oai_errors import OAI_ERRORS, BadResumptionToken, OaiError, oai_error
from unioncat.harvest.oai_state import STATE_VERSION, WindowState
from unioncat.ids import mint_id
from unioncat.schemas.record import Record


def _record(source_id: str) -> Record:
    return Record(
        id=mint_id("s", source_id), source="s", source_id=source_id, source_format="marc21",
        title=f"T {source_id}", raw_ref=f"s|f.mrc#{source_id}",
        harvested_at=datetime.now(UTC),
    )  # fmt: skip


def test_a_catalog_from_before_envelope_ids_gets_them_from_raw_ref(tmp_path: Path) -> None:
    path = tmp_path / "c.duckdb"
    c = Catalog(path)
    c.write(PageWrite("r1", records=[_record("1"), _record("2")],
                      record_envelopes=["f.mrc#1", "f.mrc#2"]))  # fmt: skip
    # what an older unioncat left: no envelope column, no catalog version
    c.db.execute("ALTER TABLE records DROP COLUMN envelope_id")
    c.db.execute("DELETE FROM catalog_meta WHERE key = 'catalog_version'")
    changes = c.query("SELECT count(*) FROM changes")[0][0]
    c.close()
    c = Catalog(path)
    try:
        assert c.query("SELECT id, envelope_id FROM records ORDER BY id") == sorted(
            [(mint_id("s", "1"), "f.mrc#1"), (mint_id("s", "2"), "f.mrc#2")]
        )
        assert c.query("SELECT value FROM catalog_meta WHERE key = 'catalog_version'") == [
            (str(CATALOG_VERSION),)
        ]
        assert c.query("SELECT count(*) FROM changes")[0][0] == changes  # nothing re-logged
        # and writing the same records again changes nothing
        again = c.write(PageWrite("r2", records=[_record("1"), _record("2")],
                                  record_envelopes=["f.mrc#1", "f.mrc#2"]))  # fmt: skip
        assert again.upserted == 0
    finally:
        c.close()


def test_a_new_catalog_is_made_at_the_newest_version_and_steps_are_in_order(
    tmp_path: Path,
) -> None:
    assert [v for v, _, _ in STEPS] == list(range(1, CATALOG_VERSION + 1))
    c = Catalog(tmp_path / "new.duckdb")
    try:
        version = c.query("SELECT value FROM catalog_meta WHERE key = 'catalog_version'")
        assert version == [(str(CATALOG_VERSION),)]
    finally:
        c.close()


def test_an_oai_checkpoint_without_a_version_is_migrated() -> None:
    old = {"granularity": "YYYY-MM-DDThh:mm:ssZ", "token": "t1", "complete": False,
           "window_from": "2026-01-01", "pages": 3, "high_water": None}  # fmt: skip
    state = WindowState.from_json(old)
    assert state.version == STATE_VERSION
    assert (state.token, state.pages, state.boundary, state.boundary_next) == ("t1", 3, [], [])
    assert state.resumable
    assert WindowState.from_json(state.to_json()) == state


def test_each_oai_error_code_has_its_class() -> None:
    assert set(OAI_ERRORS) == {
        "badArgument", "badResumptionToken", "badVerb", "cannotDisseminateFormat",
        "idDoesNotExist", "noMetadataFormats", "noSetHierarchy",
    }  # fmt: skip
    err = oai_error("badResumptionToken", "http://x/oai", "expired", "repo")
    assert isinstance(err, BadResumptionToken) and "expired" in str(err)
    unknown = oai_error("somethingElse", "http://x/oai", None, "repo")
    assert type(unknown) is OaiError and "OAI error somethingElse" in str(unknown)
