"""A new version of a file withdraws the records it no longer gives, and only those."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from tests.conftest import marc_record, write_marc, write_pipeline


def _q(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _setup(tmp_path: Path, **options: Any) -> tuple[Path, Path]:
    drop = tmp_path / "drops" / "vendor.mrc"
    source = {"name": "lib", "kind": "files", "format": "marc", "paths": ["drops/*.mrc"]}
    cfg = write_pipeline(tmp_path, [{**source, **options}], dedupe={"enabled": False})
    return drop, cfg


def _records(n: int) -> list[Any]:
    return [marc_record(control=f"v{i:03d}", title=f"Title {i}") for i in range(n)]


def test_a_record_left_out_of_a_new_version_of_its_file_is_withdrawn(
    tmp_path: Path, cli: Any
) -> None:
    drop, cfg = _setup(tmp_path)
    recs = _records(10)
    write_marc(drop, recs)
    assert cli("--config", str(cfg), "run")[0] == 0
    before = _q(tmp_path, "SELECT max(seq) FROM changes")[0][0]
    # the vendor re-sends the file without v002
    write_marc(drop, recs[:2] + recs[3:])
    code, out, err = cli("--config", str(cfg), "run")
    assert code == 0, out + err
    assert "1 deleted" in out, out
    assert _q(tmp_path, "SELECT source_id FROM records WHERE deleted") == [("v002",)]
    ops = _q(
        tmp_path,
        f"SELECT op, id FROM changes WHERE seq > {before} AND entity = 'record' ORDER BY seq",
    )
    assert [op for op, _ in ops].count("delete") == 1
    # running again changes nothing
    top = _q(tmp_path, "SELECT max(seq) FROM changes")[0][0]
    assert cli("--config", str(cfg), "run")[0] == 0
    assert _q(tmp_path, "SELECT max(seq) FROM changes")[0][0] == top
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE NOT deleted") == [(9,)]


def test_a_record_that_moved_to_another_file_is_not_withdrawn(tmp_path: Path, cli: Any) -> None:
    drop, cfg = _setup(tmp_path)
    recs = _records(10)
    write_marc(drop, recs)
    assert cli("--config", str(cfg), "run")[0] == 0
    write_marc(drop.with_name("later.mrc"), [recs[4]])
    write_marc(drop, recs[:4] + recs[5:])
    code, out, err = cli("--config", str(cfg), "run")
    assert code == 0, out + err
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(0,)]
    assert _q(tmp_path, "SELECT count(*) FROM records") == [(10,)]


def test_nothing_is_withdrawn_while_a_record_of_the_file_is_in_quarantine(
    tmp_path: Path, cli: Any
) -> None:
    drop, cfg = _setup(tmp_path)
    recs = _records(10)
    write_marc(drop, recs)
    assert cli("--config", str(cfg), "run")[0] == 0
    # v005 comes back broken: it may be the record that seems to be missing
    body = b"".join(r.as_marc() for r in recs[:5]) + recs[5].as_marc()[:40] + b"\x1d"
    drop.write_bytes(body + b"".join(r.as_marc() for r in recs[6:]))
    code, out, err = cli("--config", str(cfg), "run")
    assert code == 1, out + err  # the run says a record was quarantined
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(0,)]
    assert "in quarantine" in err


def test_a_file_cut_short_withdraws_nothing_past_the_limit(tmp_path: Path, cli: Any) -> None:
    drop, cfg = _setup(tmp_path)
    recs = _records(10)
    write_marc(drop, recs)
    assert cli("--config", str(cfg), "run")[0] == 0
    write_marc(drop, recs[:6])
    code, out, err = cli("--config", str(cfg), "run")
    assert code == 1, out + err
    assert "4 of the 10 records that came from drops/vendor.mrc" in out, out
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(0,)]
    _, cfg = _setup(tmp_path, sweep_max_fraction=0.5)
    code, out, err = cli("--config", str(cfg), "run")
    assert code == 0, out + err
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(4,)]
