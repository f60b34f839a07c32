"""A new version of a file withdraws the records it no longer gives, and only those."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from tests.support.builders import marc_record, write_marc, write_pipeline


def _q(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _setup(tmp_path: Path, **options: Any) -> tuple[Path, Path]:
    drop = tmp_path / "drops" / "vendor.mrc"
    source = {"name": "lib", "kind": "files", "format": "marc", "paths": ["drops/*.mrc"]}
    cfg = write_pipeline(tmp_path, [{**source, **options}], dedupe={"enabled": False})
    return drop, cfg


def _run(cli: Any, cfg: Path, expect: int = 0) -> str:
    """One `unioncat run`; returns what it printed (stdout, then stderr)."""
    code, out, err = cli("--config", str(cfg), "run")
    assert code == expect, out + err
    return str(out) + str(err)


def _records(n: int) -> list[Any]:
    return [marc_record(control=f"v{i:03d}", title=f"Title {i}") for i in range(n)]


def _first_run(tmp_path: Path, cli: Any, n: int = 10) -> tuple[Path, Path, list[Any]]:
    """A catalog built from one file of ``n`` records: (the file, the pipeline, records)."""
    drop, cfg = _setup(tmp_path)
    recs = _records(n)
    write_marc(drop, recs)
    _run(cli, cfg)
    return drop, cfg, recs


def _with_broken(recs: list[Any], broken: int) -> bytes:
    """The records as one file, the one at ``broken`` cut short after 40 bytes."""
    return b"".join(
        r.as_marc()[:40] + b"\x1d" if i == broken else r.as_marc() for i, r in enumerate(recs)
    )


def test_a_record_left_out_of_a_new_version_of_its_file_is_withdrawn(
    tmp_path: Path, cli: Any
) -> None:
    drop, cfg, recs = _first_run(tmp_path, cli)
    before = _q(tmp_path, "SELECT max(seq) FROM changes")[0][0]
    # the vendor re-sends the file without v002
    write_marc(drop, recs[:2] + recs[3:])
    out = _run(cli, cfg)
    assert "1 deleted" in out, out
    assert _q(tmp_path, "SELECT source_id FROM records WHERE deleted") == [("v002",)]
    ops = _q(
        tmp_path,
        f"SELECT op, id FROM changes WHERE seq > {before} AND entity = 'record' ORDER BY seq",
    )
    assert [op for op, _ in ops].count("delete") == 1
    # running again changes nothing
    top = _q(tmp_path, "SELECT max(seq) FROM changes")[0][0]
    _run(cli, cfg)
    assert _q(tmp_path, "SELECT max(seq) FROM changes")[0][0] == top
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE NOT deleted") == [(9,)]


def test_a_record_that_moved_to_another_file_is_not_withdrawn(tmp_path: Path, cli: Any) -> None:
    drop, cfg, recs = _first_run(tmp_path, cli)
    write_marc(drop.with_name("later.mrc"), [recs[4]])
    write_marc(drop, recs[:4] + recs[5:])
    _run(cli, cfg)
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(0,)]
    assert _q(tmp_path, "SELECT count(*) FROM records") == [(10,)]


def test_nothing_is_withdrawn_while_a_record_of_the_file_is_in_quarantine(
    tmp_path: Path, cli: Any
) -> None:
    drop, cfg, recs = _first_run(tmp_path, cli)
    # v005 comes back broken: it may be the record that seems to be missing
    drop.write_bytes(_with_broken(recs, 5))
    out = _run(cli, cfg, 1)  # the run says a record was quarantined
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(0,)]
    assert "in quarantine" in out


def test_a_file_cut_short_withdraws_nothing_past_the_limit(tmp_path: Path, cli: Any) -> None:
    drop, cfg, recs = _first_run(tmp_path, cli)
    write_marc(drop, recs[:6])
    out = _run(cli, cfg, 1)
    assert "4 of the 10 records that came from drops/vendor.mrc" in out, out
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(0,)]
    _, cfg = _setup(tmp_path, sweep_max_fraction=0.5)
    _run(cli, cfg)
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(4,)]


def test_a_quarantined_record_goes_from_the_quarantine_with_the_file_version_it_was_in(
    tmp_path: Path, cli: Any
) -> None:
    drop, cfg = _setup(tmp_path)
    recs = _records(6)
    drop.parent.mkdir(parents=True, exist_ok=True)
    drop.write_bytes(_with_broken(recs, 5))
    _run(cli, cfg, 1)
    assert _q(tmp_path, "SELECT envelope_id FROM quarantine") == [("drops/vendor.mrc#5",)]
    write_marc(drop, recs[:5])  # the vendor sends the file again without the broken one
    _run(cli, cfg)
    assert _q(tmp_path, "SELECT count(*) FROM quarantine") == [(0,)]


def test_a_page_count_of_twenty_digits_is_no_page_count_and_the_record_lands(
    tmp_path: Path, cli: Any
) -> None:
    drop, cfg = _setup(tmp_path)
    typo = marc_record(
        control="v-typo", fields=[("300", "  ", ["a", "xii, 10000000000000000000 p. ;"])]
    )
    write_marc(drop, [*_records(2), typo])
    _run(cli, cfg)
    assert _q(tmp_path, "SELECT page_count, extent FROM records WHERE source_id = 'v-typo'") == [
        (None, "xii, 10000000000000000000 p.")
    ]


def test_convert_removes_a_quarantine_file_left_by_an_earlier_conversion(
    tmp_path: Path, cli: Any
) -> None:
    recs = _records(3)
    bad = tmp_path / "bad.mrc"
    bad.write_bytes(_with_broken(recs[:2], 1))
    good = write_marc(tmp_path / "good.mrc", recs)
    out = tmp_path / "out.parquet"
    cli("convert", str(bad), "--format", "marc", "-o", str(out))
    stale = tmp_path / "out.parquet.quarantine.jsonl"
    assert stale.exists()
    code, text, err = cli("convert", str(good), "--format", "marc", "-o", str(out))
    assert code == 0, text + err
    assert not stale.exists()


def test_harvest_then_normalize_withdraws_as_run_does(tmp_path: Path, cli: Any) -> None:
    drop, cfg, recs = _first_run(tmp_path, cli)
    write_marc(drop, recs[:2] + recs[3:])  # the new version leaves v002 out
    code, out, _ = cli("--config", str(cfg), "harvest")
    assert code == 0
    assert _q(tmp_path, "SELECT deleted FROM records WHERE source_id = 'v002'") == [(False,)]
    code, out, err = cli("--config", str(cfg), "normalize")
    assert code == 0, out + err
    assert "1 deleted" in out
    assert _q(tmp_path, "SELECT deleted FROM records WHERE source_id = 'v002'") == [(True,)]
    live = _q(tmp_path, "SELECT count(*) FROM records WHERE NOT deleted")
    assert live == [(9,)]
