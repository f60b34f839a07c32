"""The oai-pmh harvester against a real OAI-PMH server (oaipmh 4.0.0's BatchingServer)
with faults injected in front of it, and against recorded real responses."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb

from tests.support.builders import unioncat_process, write_pipeline
from tests.support.oai_peer import OAIPeer, make_items

Cli = Callable[..., tuple[int, str, str]]


def _source(peer_url: str, **kw: Any) -> dict[str, Any]:
    return {
        "name": "repo",
        "kind": "oai-pmh",
        "url": peer_url,
        "metadata_prefix": "marc21",
        "backoff": 0.01,
        "max_retries": 3,
        **kw,
    }


def _pipeline(folder: Path, *sources: dict[str, Any]) -> str:
    return str(write_pipeline(folder, list(sources)))


def _q(folder: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def _state(folder: Path) -> dict[str, Any]:
    rows = _q(folder, "SELECT key, value FROM harvest_state WHERE source = 'repo'")
    return {k: json.loads(v) for k, v in rows}


def test_full_then_incremental_harvest(oai_peer: OAIPeer, tmp_path: Path, cli: Cli) -> None:
    oai_peer.repo.extend(make_items(35))
    cfg = _pipeline(tmp_path, _source(oai_peer.url))
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out + err
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT source_id) FROM records") == [(35, 35)]
    assert _q(tmp_path, "SELECT min(source_id) FROM records") == [("oai:peer.test:0001",)]
    (state,) = _state(tmp_path).values()
    assert state["complete"] and state["token"] is None and state["pages"] == 4
    changes = _q(tmp_path, "SELECT count(*) FROM changes")[0][0]
    # nothing new: one empty window, exit 0, nothing written
    oai_peer.requests.clear()
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0 and "0 new or changed" in out
    lists = oai_peer.requests.with_verb("ListRecords")
    assert len(lists) == 1 and "from" in lists[0].params
    assert _q(tmp_path, "SELECT count(*) FROM changes")[0][0] == changes
    # one record changes, one is added, one is deleted: only they come back
    oai_peer.repo.touch("oai:peer.test:0003", metadata={"title": ["A new title"]})
    oai_peer.repo.add("oai:peer.test:0099", metadata={"title": ["Added"]})
    oai_peer.repo.delete("oai:peer.test:0007")
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0
    assert "3 read, 2 new or changed, 1 deleted" in out
    assert _q(tmp_path, "SELECT title FROM records WHERE source_id = 'oai:peer.test:0003'") == [
        ("A new title",)
    ]
    assert _q(tmp_path, "SELECT deleted FROM records WHERE source_id = 'oai:peer.test:0007'") == [
        (True,)
    ]
    deletes = _q(
        tmp_path,
        "SELECT r.source_id FROM changes c JOIN records r USING (id) WHERE c.op = 'delete'",
    )
    assert deletes == [("oai:peer.test:0007",)]


def test_kill_mid_list_resumes_from_the_stored_token(oai_peer: OAIPeer, tmp_path: Path) -> None:
    oai_peer.repo.extend(make_items(200))
    cfg = _pipeline(tmp_path, _source(oai_peer.url, page_delay=0.05))
    proc = unioncat_process("--config", cfg, "-v", "run")
    assert proc.stderr is not None
    committed = 0
    for line in proc.stderr:
        if '"page.committed"' in line:
            committed += 1
            if committed == 4:
                os.kill(proc.pid, signal.SIGKILL)
                break
    proc.wait(timeout=60)
    (state,) = _state(tmp_path).values()
    assert state["token"] and not state["complete"]
    token = state["token"]
    oai_peer.requests.clear()
    again = unioncat_process("--config", cfg, "run")
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err[-2000:]
    first_list = oai_peer.requests.with_verb("ListRecords")[0]
    assert first_list.token == token  # resumed, not restarted
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT id) FROM records") == [(200, 200)]
    upserts = _q(
        tmp_path, "SELECT count(*), count(DISTINCT id) FROM changes WHERE entity = 'record'"
    )
    assert upserts == [(200, 200)]


def test_expired_token_restarts_the_window(oai_peer: OAIPeer, tmp_path: Path, cli: Cli) -> None:
    oai_peer.repo.extend(make_items(30))
    cfg = _pipeline(tmp_path, _source(oai_peer.url))
    # the first run stops after two pages: every later page answers 500
    first: list[str] = []

    def later_pages(r: Any) -> bool:
        if r.verb != "ListRecords" or not r.token:
            return False
        if not first:
            first.append(r.token)
        return bool(r.token != first[0])

    oai_peer.faults.server_error(times=None, when=later_pages)
    code, out, _ = cli("--config", cfg, "run")
    assert code == 1 and "FAILED" in out
    (state,) = _state(tmp_path).values()
    assert state["token"] and not state["complete"]
    oai_peer.faults.clear()
    oai_peer.repo.expire_tokens()
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out
    assert "expired" in err
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT id) FROM records") == [(30, 30)]
    assert _q(tmp_path, "SELECT count(*) FROM changes WHERE entity = 'record'")[0][0] == 30


def test_transient_faults_are_retried(oai_peer: OAIPeer, tmp_path: Path, cli: Cli) -> None:
    oai_peer.repo.extend(make_items(25))
    f = oai_peer.faults
    faults = [
        f.unavailable(retry_after=0, verb="ListRecords"),
        f.unavailable(retry_after=timedelta(seconds=1), verb="ListRecords", token=True),
        f.too_many_requests(retry_after=0, verb="ListRecords", token=True),
        f.server_error(verb="ListRecords", token=True),
        f.drop(verb="ListRecords", token=True),
        f.truncate(mode="length", verb="ListRecords", token=True),
    ]
    cfg = _pipeline(tmp_path, _source(oai_peer.url, max_retries=6))
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out + err
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT id) FROM records") == [(25, 25)]
    assert [fault.applied for fault in faults] == [1, 1, 1, 1, 1, 1]
    assert err.count('"oai.retry"') == 6


def test_dirty_xml_is_repaired_and_said(oai_peer: OAIPeer, tmp_path: Path, cli: Cli) -> None:
    oai_peer.repo.extend(make_items(12))
    oai_peer.faults.control_chars(verb="ListRecords", token=False)
    oai_peer.faults.invalid_utf8(verb="ListRecords", token=True)
    cfg = _pipeline(tmp_path, _source(oai_peer.url))
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out + err
    assert _q(tmp_path, "SELECT count(*) FROM records") == [(12,)]
    repaired = [json.loads(x) for x in err.splitlines() if '"oai.repaired"' in x]
    assert len(repaired) == 2
    assert "forbids" in repaired[0]["msg"] and "UTF-8" in repaired[1]["msg"]


def test_unreadable_page_is_quarantined_and_the_next_run_resumes(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(25))
    oai_peer.faults.truncate(mode="xml", times=None, verb="ListRecords", token=True)
    cfg = _pipeline(tmp_path, _source(oai_peer.url, max_retries=1))
    code, out, _ = cli("--config", cfg, "run")
    assert code == 1
    assert "unreadable" in out and "resumptionToken" in out
    assert _q(tmp_path, "SELECT count(*) FROM records") == [(10,)]
    (q,) = _q(tmp_path, "SELECT stage, reason, octet_length(payload) FROM quarantine")
    assert q[0] == "harvest" and "unreadable OAI-PMH page" in q[1] and q[2] > 0
    oai_peer.faults.clear()
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT id) FROM records") == [(25, 25)]


def test_looping_token_and_oai_errors_fail_the_source_clearly(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(25))
    oai_peer.faults.loop_token()
    cfg = _pipeline(tmp_path, _source(oai_peer.url))
    code, out, _ = cli("--config", cfg, "run")
    assert code == 1 and "again" in out and "looping" in out
    cfg = _pipeline(tmp_path, _source(oai_peer.url, metadata_prefix="nonesuch", format="marc"))
    code, out, _ = cli("--config", cfg, "run")
    assert code == 1 and "cannotDisseminateFormat" in out and "ListMetadataFormats" in out


def test_no_records_match_with_http_422_is_an_empty_window(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.faults.oai_error("noRecordsMatch", status=422, retry_after=48, verb="ListRecords")
    cfg = _pipeline(tmp_path, _source(oai_peer.url, allow_empty=True))
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0 and "repo: ok: 0 read" in out
    (state,) = _state(tmp_path).values()
    assert state["complete"] and state["high_water"]


def test_a_repository_that_never_gave_a_record_is_empty_not_ok(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.faults.oai_error("noRecordsMatch", status=422, verb="ListRecords")
    cfg = _pipeline(tmp_path, _source(oai_peer.url))
    code, out, _ = cli("--config", cfg, "run")
    assert code == 1 and "repo: EMPTY: 0 read" in out and "given no record yet" in out
    # once it has records, a night with nothing new is no failure (stamped an hour ago,
    # before the second the last window started in, they are dropped at its boundary)
    an_hour_ago = datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=1)
    oai_peer.repo.extend(make_items(3, start=an_hour_ago, step=timedelta(seconds=1)))
    assert cli("--config", cfg, "run")[0] == 0
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0 and "repo: ok: 0 read" in out


def test_deletion_sweep_marks_what_the_server_no_longer_lists(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(15))
    oai_peer.repo.deleted_record = "no"
    cfg = _pipeline(tmp_path, _source(oai_peer.url, deletion_sweep=True))
    assert cli("--config", cfg, "run")[0] == 0
    oai_peer.repo.remove("oai:peer.test:0004")
    oai_peer.repo.remove("oai:peer.test:0011")
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0 and "2 deleted" in out
    gone = _q(tmp_path, "SELECT source_id FROM records WHERE deleted ORDER BY 1")
    assert gone == [("oai:peer.test:0004",), ("oai:peer.test:0011",)]


def test_identifiers_then_get_and_oai_ids_key_marc_records(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(12))
    cfg = _pipeline(tmp_path, _source(oai_peer.url, mode="identifiers_then_get"))
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0, out
    assert len(oai_peer.requests.with_verb("GetRecord")) == 12
    rows = _q(tmp_path, "SELECT source_id, source_format, title FROM records ORDER BY 1")
    assert rows[0][0] == "oai:peer.test:0001" and rows[0][1] == "marc21" and rows[0][2]


def test_one_failing_endpoint_does_not_stop_the_others(
    oai_peer_factory: Callable[..., OAIPeer], tmp_path: Path, cli: Cli
) -> None:
    good = oai_peer_factory(make_items(20))
    bad = oai_peer_factory(make_items(5))
    bad.faults.server_error(times=None)
    cfg = _pipeline(
        tmp_path,
        _source(good.url, name="good"),
        _source(bad.url, name="bad", max_retries=1),
    )
    code, out, _ = cli("--config", cfg, "run")
    assert code == 1
    assert "good: ok: 20 read" in out
    assert "bad: FAILED" in out and "HTTP 500" in out
    assert _q(tmp_path, "SELECT source, count(*) FROM records GROUP BY 1") == [("good", 20)]


def test_recorded_sickle_chain_with_deleted_records(
    oai_replay: Any, tmp_path: Path, cli: Cli
) -> None:
    cfg = _pipeline(
        tmp_path,
        _source(oai_replay.sickle_url, metadata_prefix="oai_dc", format="oai_dc", max_retries=0),
    )
    code, out, _ = cli("--config", cfg, "run")
    # four recorded pages of two records; the sample repeats two identifiers throughout,
    # and its last page holds a header without an identifier
    assert code == 1
    assert "repo: partial: 8 read" in out and "1 quarantined" in out
    tokens = [r.token for r in oai_replay.requests.with_verb("ListRecords")]
    assert tokens == [None, "ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml"]
    (reason,) = _q(tmp_path, "SELECT reason FROM quarantine")[0]
    assert "without an identifier" in reason
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(1,)]


def test_recorded_zenodo_no_records_match_is_empty(
    oai_replay: Any, tmp_path: Path, cli: Cli
) -> None:
    cfg = _pipeline(
        tmp_path,
        _source(
            oai_replay.zenodo_url,
            metadata_prefix="oai_dc",
            format="oai_dc",
            allow_empty=True,
            **{"from": "2030-01-01"},
        ),
    )
    code, out, err = cli("--config", cfg, "harvest")
    assert code == 0, out + err
    assert "repo: ok: 0 read" in out


def test_recorded_zenodo_pages_land_and_the_token_is_kept(
    oai_replay: Any, tmp_path: Path, cli: Cli
) -> None:
    cfg = _pipeline(
        tmp_path,
        _source(
            oai_replay.zenodo_url,
            metadata_prefix="oai_dc",
            format="oai_dc",
            max_retries=0,
            **{"from": "2026-04-01"},
        ),
    )
    code, out, _ = cli("--config", cfg, "run")
    # the recording holds the first page of the list only: it lands, the next page is
    # not recorded (HTTP 404 from the replay), and the token waits for the next run
    assert code == 1 and "HTTP 404" in out
    n, dois = _q(
        tmp_path,
        "SELECT count(*), count(*) FILTER (WHERE list_contains("
        "[i.scheme FOR i IN identifiers], 'doi')) FROM records",
    )[0]
    assert n == 50 and dois >= 45
    (state,) = _state(tmp_path).values()
    assert state["token"] and not state["complete"] and state["window_from"] == "2026-04-01"


def test_records_met_again_in_the_overlap_are_dropped(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    from datetime import UTC, datetime

    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    oai_peer.repo.extend(
        make_items(5, start=now - timedelta(seconds=20), step=timedelta(seconds=1))
    )
    cfg = _pipeline(tmp_path, _source(oai_peer.url, overlap_seconds=300))
    assert cli("--config", cfg, "run")[0] == 0
    oai_peer.requests.clear()
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0
    # the window reached back over all five (they are inside the overlap) ...
    (listing,) = oai_peer.requests.with_verb("ListRecords")
    assert listing.status == 200 and "from" in listing.params
    # ... and all five were dropped at the boundary, unchanged since the last window
    assert "repo: ok: 0 read" in out
    oai_peer.repo.touch("oai:peer.test:0002", metadata={"title": ["Changed"]})
    code, out, _ = cli("--config", cfg, "run")
    assert "repo: ok: 1 read, 1 new or changed" in out


def test_retry_after_is_capped(oai_peer: OAIPeer) -> None:
    import requests

    from unioncat.harvest.http import RetryPolicy, fetch, retry_after_seconds

    oai_peer.faults.unavailable(retry_after=3600)
    oai_peer.faults.unavailable(retry_after=timedelta(hours=2))
    waits: list[float] = []
    got = fetch(
        requests.Session(),
        oai_peer.url,
        {"verb": "Identify"},
        RetryPolicy(max_retries=3, retry_after_max=0.25),
        sleep=waits.append,
    )
    assert got.status == 200 and got.attempts == 3
    assert waits == [0.25, 0.25]
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("soon") is None


def test_the_next_page_is_asked_for_once_and_ahead_of_the_commit(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    # the harvester asks for page n+1 while page n is parsed and committed; the token it
    # reads ahead from the raw bytes must be the one the page really carries, or the
    # server would see wasted or repeated requests
    oai_peer.repo.extend(make_items(35))
    cfg = _pipeline(tmp_path, _source(oai_peer.url))
    oai_peer.requests.clear()
    code, out, err = cli("--config", cfg, "harvest")
    assert code == 0, out + err
    lists = oai_peer.requests.with_verb("ListRecords")
    tokens = [r.params.get("resumptionToken") for r in lists]
    assert len(lists) == 4 and tokens[0] is None
    assert len(set(tokens[1:])) == 3 and all(tokens[1:])
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT envelope_id) FROM raw") == [(35, 35)]


def test_a_trickling_answer_is_cut_off_at_the_deadline_and_asked_for_again(
    oai_peer: OAIPeer,
) -> None:
    # each piece arrives long before the read timeout, so only a deadline on the whole
    # answer stops a server that would otherwise hold the harvest for as long as it likes
    import requests

    from unioncat.harvest.http import RetryPolicy, fetch

    oai_peer.faults.trickle(size=64, every=0.05, verb="Identify")
    reasons: list[str] = []
    got = fetch(
        requests.Session(),
        oai_peer.url,
        {"verb": "Identify"},
        RetryPolicy(max_retries=2, timeout=5, deadline=0.5),
        sleep=lambda _s: None,
        on_retry=lambda why, _wait: reasons.append(why),
    )
    assert got.status == 200 and got.attempts == 2
    assert b"<repositoryName>" in got.body
    assert len(reasons) == 1 and "0.5 s deadline" in reasons[0], reasons
    assert [r.fault for r in oai_peer.requests.with_verb("Identify")] == ["trickle", None]


def test_a_server_that_always_trickles_fails_its_source_with_the_deadline_named(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(30))
    oai_peer.faults.trickle(size=64, every=0.05, times=None, verb="ListRecords", token=True)
    cfg = _pipeline(
        tmp_path, _source(oai_peer.url, max_retries=1, backoff=0.01, deadline=0.3, timeout=5)
    )
    code, out, err = cli("--config", cfg, "harvest")
    assert code != 0
    assert "deadline" in out + err, out + err
    # the first page was committed before the trickling began, and stays, with the
    # token the next run resumes from
    assert _q(tmp_path, "SELECT count(*) FROM raw") == [(10,)]
    (state,) = _state(tmp_path).values()
    assert state["token"] and not state["complete"]
    oai_peer.faults.clear()
    code, out, err = cli("--config", cfg, "harvest")
    assert code == 0, out + err
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT envelope_id) FROM raw") == [(30, 30)]


def test_a_repository_whose_index_lags_loses_no_record(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    """DSpace rebuilds its OAI index by a job: a record shows up hours after its
    datestamp.  The default overlap of a day still finds it."""
    now = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    oai_peer.repo.extend(make_items(3, start=now - timedelta(hours=5)))
    cfg = _pipeline(tmp_path, _source(oai_peer.url))
    assert cli("--config", cfg, "run")[0] == 0
    # indexed only now, with the datestamp it got three hours ago, before the last run
    oai_peer.repo.add("oai:peer.test:late", datestamp=now - timedelta(hours=3),
                      metadata={"title": ["Indexed late"]})  # fmt: skip
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0 and "repo: ok: 1 read, 1 new or changed" in out
    titles = _q(tmp_path, "SELECT title FROM records WHERE source_id = 'oai:peer.test:late'")
    assert titles == [("Indexed late",)]
    # with the old one-minute overlap it would have been lost
    (tmp_path / "short").mkdir()
    short = _pipeline(tmp_path / "short", _source(oai_peer.url, overlap_seconds=60))
    oai_peer.repo.remove("oai:peer.test:late")
    assert cli("--config", short, "run")[0] == 0
    oai_peer.repo.add("oai:peer.test:late", datestamp=now - timedelta(hours=3),
                      metadata={"title": ["Indexed late"]})  # fmt: skip
    code, out, _ = cli("--config", short, "run")
    assert "repo: ok: 0 read" in out
