"""Deletions must not erode the catalog: a sweep revives what the server lists again,
every tombstone of a source counts against one guard over a rolling window, and a
refused withdrawal of a re-sent file keeps the raw bytes of the records it keeps."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from tests.support.builders import marc_record, write_marc, write_pipeline
from tests.support.oai_peer import OAIPeer, make_items

Cli = Callable[..., tuple[int, str, str]]


def _q(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _live(folder: Path) -> int:
    return int(_q(folder, "SELECT count(*) FROM records WHERE NOT deleted")[0][0])


def _repo(url: str, **kw: Any) -> dict[str, Any]:
    return {"name": "repo", "kind": "oai-pmh", "url": url, "metadata_prefix": "oai_dc",
            "format": "oai_dc", "max_retries": 1, "backoff": 0.01, **kw}  # fmt: skip


def test_a_sweep_revives_records_the_server_lists_again(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(100))
    cfg = str(write_pipeline(tmp_path, [_repo(oai_peer.url, deletion_sweep=True)]))
    assert cli("--config", cfg, "run")[0] == 0
    hidden = [oai_peer.repo.remove(f"oai:peer.test:{i:04d}") for i in range(1, 16)]
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out + err
    assert _live(tmp_path) == 85
    oai_peer.repo.extend(hidden)  # back, with the same datestamps
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out + err
    assert _live(tmp_path) == 100
    assert '"sweep.revived"' in err
    titles = {t for (t,) in _q(tmp_path, "SELECT title FROM records WHERE NOT deleted")}
    assert "Record 1" in titles and "Record 15" in titles


def test_deletions_the_server_reports_are_guarded_too(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(100))
    cfg = str(write_pipeline(tmp_path, [_repo(oai_peer.url)]))
    assert cli("--config", cfg, "run")[0] == 0
    for i in range(1, 101):
        oai_peer.repo.delete(f"oai:peer.test:{i:04d}")
    code, out, err = cli("--config", cfg, "run")
    assert code == 1, out + err
    assert "deletion refused" in out and "--allow-deletions repo" in out
    assert _live(tmp_path) >= 80  # pages before the guard's limit may commit; never all
    code, out, err = cli("--config", cfg, "run")  # the same refusal, night after night
    assert code == 1 and _live(tmp_path) >= 80
    code, out, err = cli("--config", cfg, "run", "--allow-deletions", "repo")
    assert code == 0, out + err
    assert _live(tmp_path) == 0


def test_small_sweeps_cannot_add_up_to_an_emptied_source(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(100))
    cfg = str(write_pipeline(tmp_path, [_repo(oai_peer.url, deletion_sweep=True)]))
    assert cli("--config", cfg, "run")[0] == 0
    removed = 0
    codes, outs = [], []
    for share in (15, 14, 14):
        for _ in range(share):
            removed += 1
            oai_peer.repo.remove(f"oai:peer.test:{removed:04d}")
        code, out, _ = cli("--config", cfg, "run")
        codes.append(code)
        outs.append(out)
    assert codes == [0, 1, 1]  # 15% passes; 29% within the window does not
    assert "within 7 day(s)" in outs[1] and "--allow-deletions repo" in outs[1]
    assert _live(tmp_path) == 85
    (error,) = _q(tmp_path, "SELECT last_error FROM sources WHERE name = 'repo'")[0]
    assert "--allow-deletions repo" in error
    # a window of 0 days counts one run at a time, as the sweep alone did
    cfg = str(
        write_pipeline(
            tmp_path,
            [
                _repo(
                    oai_peer.url,
                    deletion_sweep=True,
                    deletion_window_days=0,
                    sweep_max_fraction=0.5,
                )
            ],
        )
    )
    assert cli("--config", cfg, "run")[0] == 0
    assert _live(tmp_path) == 100 - removed


def _drop(folder: Path, n: int) -> Path:
    return write_marc(folder / "drop.mrc", [
        marc_record(control=f"w{i:05d}", title=f"Withdrawal test {i}") for i in range(n)
    ])  # fmt: skip


def test_a_refused_withdrawal_keeps_the_raw_bytes_of_every_record_it_keeps(
    tmp_path: Path, cli: Cli
) -> None:
    _drop(tmp_path, 1150)
    src = {"name": "vendor", "kind": "files", "format": "marc", "paths": ["drop.mrc"],
           "page_size": 300}  # fmt: skip
    cfg = str(write_pipeline(tmp_path, [src]))
    assert cli("--config", cfg, "run")[0] == 0
    _drop(tmp_path, 650)  # cut short: 500 of 1,150 would go
    code, out, _ = cli("--config", cfg, "run")
    assert code == 1 and "refused" in out
    assert _live(tmp_path) == 1150
    # a re-map from the archive (what a record schema change does) keeps all of them
    code, out, err = cli("--config", cfg, "renormalize")
    assert code in (0, 1), out + err
    assert _live(tmp_path) == 1150
    assert _q(tmp_path, "SELECT count(*) FROM changes WHERE op = 'delete'") == [(0,)]
    alive = _q(tmp_path, "SELECT count(*) FROM records r WHERE NOT r.deleted AND NOT EXISTS "
                         "(SELECT 1 FROM raw w WHERE w.source = r.source "
                         "AND w.envelope_id = r.envelope_id)")  # fmt: skip
    assert alive == [(0,)]  # every live record names an archived envelope
    code, out, err = cli("--config", cfg, "run", "--allow-deletions", "vendor")
    assert code == 0, out + err
    assert _live(tmp_path) == 650
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT batch) FROM raw") == [(650, 1)]
    deletes = "SELECT count(*) FROM changes WHERE op = 'delete' AND entity = 'record'"
    assert _q(tmp_path, deletes) == [(500,)]
