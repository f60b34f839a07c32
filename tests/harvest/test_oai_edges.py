"""Edge cases of OAI-PMH harvesting that lose, duplicate or invent records when
handled carelessly, each against the real peer."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.harvest.test_oai import _pipeline, _q, _source, _state
from tests.support.oai_peer import DAY, OAIPeer, make_items

Cli = Callable[..., tuple[int, str, str]]


def _dc(url: str, **kw: Any) -> dict[str, Any]:
    """An oai_dc source with one retry (the harvester tests' source otherwise)."""
    return _source(url, **{"metadata_prefix": "oai_dc", "format": "oai_dc", "max_retries": 1, **kw})


def test_an_identifier_listed_twice_in_a_page(oai_peer: OAIPeer, tmp_path: Path, cli: Cli) -> None:
    oai_peer.repo.extend(make_items(5))
    oai_peer.repo.extend(make_items(1, start=datetime(2024, 1, 1, 8, 30)))  # 0001 again
    code, out, err = cli("--config", _pipeline(tmp_path, _dc(oai_peer.url)), "run")
    assert code == 0, out + err
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT id) FROM records") == [(5, 5)]


def test_a_value_arrow_cannot_store_costs_one_record(
    oai_peer_factory: Callable[..., OAIPeer], tmp_path: Path, cli: Cli
) -> None:
    bad = oai_peer_factory(make_items(3))
    bad.repo.add(
        "oai:peer.test:0100",
        metadata={"title": ["x"], "format": ["99999999999999999999 pages"]},
    )
    good = oai_peer_factory(make_items(30))
    cfg = _pipeline(tmp_path, _dc(bad.url, name="bad"), _dc(good.url, name="good"))
    code, out, _ = cli("--config", cfg, "run")
    assert code == 1
    assert "good: ok: 30 read" in out and "bad: partial: 4 read" in out
    (reason,) = _q(tmp_path, "SELECT reason FROM quarantine")[0]
    assert "cannot be stored" in reason
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE source = 'bad'") == [(3,)]


def test_an_unreadable_page_keeps_the_last_checkpoint(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(45))
    seen: list[str] = []

    def third_page(r: Any) -> bool:
        if r.verb != "ListRecords" or not r.token:
            return False
        if r.token not in seen:
            seen.append(r.token)
        return len(seen) > 1 and r.token == seen[1]

    oai_peer.faults.truncate(mode="xml", times=None, when=third_page)
    cfg = _pipeline(tmp_path, _dc(oai_peer.url))
    assert cli("--config", cfg, "run")[0] == 1
    (state,) = _state(tmp_path).values()
    assert state["token"] == seen[1] and state["pages"] == 2
    oai_peer.faults.clear()
    oai_peer.requests.clear()
    assert cli("--config", cfg, "run")[0] == 0
    assert oai_peer.requests.with_verb("ListRecords")[0].token == seen[1]
    assert _q(tmp_path, "SELECT count(*), count(DISTINCT id) FROM records") == [(45, 45)]


def test_renormalize_keeps_harvest_errors_in_quarantine(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    headerless = (
        b'<record><metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/'
        b'oai_dc/" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>Headerless'
        b"</dc:title></oai_dc:dc></metadata></record>"
    )
    oai_peer.repo.extend(make_items(3))
    oai_peer.faults.inject(headerless, at=b"<ListRecords>", verb="ListRecords")
    cfg = _pipeline(tmp_path, _dc(oai_peer.url))
    assert cli("--config", cfg, "run")[0] == 1
    assert cli("--config", cfg, "renormalize")[0] == 1
    assert _q(tmp_path, "SELECT count(*) FROM records") == [(3,)]
    (reason,) = _q(tmp_path, "SELECT reason FROM quarantine")[0]
    assert "without a header" in reason


def test_day_granularity_boundary_drops_only_what_cannot_have_changed_unseen(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.granularity = DAY
    today = datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    oai_peer.repo.extend(make_items(3, start=yesterday, step=timedelta(seconds=0)))
    oai_peer.repo.extend(make_items(2, start=today, step=timedelta(seconds=0), first=4))
    # a two-day overlap: the next window starts the day before yesterday
    cfg = _pipeline(tmp_path, {**_dc(oai_peer.url), "overlap_seconds": 2 * 86_400})
    assert cli("--config", cfg, "run")[0] == 0
    # changed later the same day: its datestamp, a day, stays the same
    revised = {"title": "Record 4, revised", "creator": ["Author 4, A."]}
    oai_peer.repo.touch("oai:peer.test:0004", today, metadata=revised)
    oai_peer.requests.clear()
    code, out, _ = cli("--config", cfg, "run")
    (listing,) = oai_peer.requests.with_verb("ListRecords")
    assert listing.params["from"] == (today - timedelta(days=2)).strftime("%Y-%m-%d")
    # yesterday's records, seen after their day had ended, are dropped at the boundary;
    # today's are read again, and the one that changed is caught
    assert code == 0 and "repo: ok: 2 read, 1 new or changed" in out, out
    titles = {t for (t,) in _q(tmp_path, "SELECT title FROM records")}
    assert "Record 4, revised" in titles


def test_entities_and_noncharacters_are_repaired(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(4))
    oai_peer.faults.inject(
        b"AT&T &nbsp;&eacute; \xef\xbf\xbe&#xFFFF;", at=b"<dc:title>", verb="ListRecords"
    )
    code, out, err = cli("--config", _pipeline(tmp_path, _dc(oai_peer.url)), "run")
    assert code == 0, out + err
    assert _q(tmp_path, "SELECT count(*) FROM records") == [(4,)]
    titles = [t for (t,) in _q(tmp_path, "SELECT title FROM records")]
    assert "AT&T \u00e9 Record 1" in titles  # entities resolved, noncharacters gone
    assert '"oai.repaired"' in err


def test_get_record_of_a_removed_item_is_a_tombstone(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(5))
    cfg = _pipeline(tmp_path, _dc(oai_peer.url, mode="identifiers_then_get"))
    assert cli("--config", cfg, "run")[0] == 0
    oai_peer.repo.touch("oai:peer.test:0002", metadata={"title": ["changed"]})
    oai_peer.repo.deleted_record = "no"
    done: list[int] = []

    def remove_before_get(r: Any) -> bool:
        if r.verb == "GetRecord" and not done:
            done.append(1)
            oai_peer.repo.remove("oai:peer.test:0002")
        return False

    oai_peer.faults.server_error(times=None, when=remove_before_get)
    assert cli("--config", cfg, "run")[0] == 0
    assert _q(tmp_path, "SELECT deleted FROM records WHERE source_id = 'oai:peer.test:0002'") == [
        (True,)
    ]


def test_a_sweep_that_sees_nothing_or_a_shifting_list_deletes_nothing(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(25))
    oai_peer.repo.deleted_record = "no"
    cfg = _pipeline(tmp_path, _dc(oai_peer.url, deletion_sweep=True))
    assert cli("--config", cfg, "run")[0] == 0
    oai_peer.faults.oai_error("noRecordsMatch", verb="ListIdentifiers")
    code, out, _ = cli("--config", cfg, "run")
    assert code == 1 and "listed no identifiers" in out
    done: list[int] = []

    def touch_once(r: Any) -> bool:  # a cataloger edits a record in the middle of the sweep
        if r.verb == "ListIdentifiers" and r.token and not done:
            done.append(1)
            oai_peer.repo.touch("oai:peer.test:0003", metadata={"title": ["edited"]})
        return False

    oai_peer.faults.server_error(times=None, when=touch_once)
    code, out, _ = cli("--config", cfg, "run")
    assert code == 1 and "announced 25 identifiers" in out
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(0,)]


def test_ctrl_c_does_not_wait_out_a_retry_after(oai_peer: OAIPeer, tmp_path: Path) -> None:
    import signal
    import subprocess
    import time

    from tests.support.builders import unioncat_process

    oai_peer.repo.extend(make_items(5))
    oai_peer.faults.unavailable(retry_after=600, times=None, verb="ListRecords")
    cfg = _pipeline(tmp_path, _dc(oai_peer.url, max_retries=3, retry_after_max=600))
    proc = unioncat_process("--config", cfg, "run")
    deadline = time.monotonic() + 30
    while not oai_peer.requests.with_verb("ListRecords") and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    try:
        _out, err = proc.communicate(timeout=30)  # a hang would sleep 600 s per retry
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the run kept sleeping after Ctrl-C") from None
    assert proc.returncode == 130, err[-1000:]
    (status,) = _q(tmp_path, "SELECT status FROM runs")[0]
    assert status == "interrupted"


def test_a_sweep_that_would_tombstone_too_much_is_refused_until_the_limit_is_raised(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    # a server that ends its ListIdentifiers early and announces no completeListSize looks
    # exactly like one that dropped most of its records: above the limit, nothing goes
    oai_peer.repo.extend(make_items(20))
    oai_peer.repo.deleted_record = "no"
    cfg = _pipeline(tmp_path, _dc(oai_peer.url, deletion_sweep=True))
    assert cli("--config", cfg, "run")[0] == 0
    for n in range(1, 9):
        oai_peer.repo.remove(f"oai:peer.test:{n:04d}")
    code, out, err = cli("--config", cfg, "run")
    assert code == 1, out + err
    assert "deletion sweep refused" in out and "8 of the 20" in out, out + err
    assert "sweep_max_fraction" in out
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(0,)]
    # the records the server still has were harvested all the same
    assert _q(tmp_path, "SELECT count(*) FROM records") == [(20,)]
    cfg = _pipeline(tmp_path, _dc(oai_peer.url, deletion_sweep=True, sweep_max_fraction=0.5))
    code, out, _ = cli("--config", cfg, "run")
    assert code == 0, out
    assert _q(tmp_path, "SELECT count(*) FROM records WHERE deleted") == [(8,)]


def test_sweep_max_fraction_must_be_a_share(oai_peer: OAIPeer, tmp_path: Path, cli: Cli) -> None:
    cfg = _pipeline(tmp_path, _dc(oai_peer.url, deletion_sweep=True, sweep_max_fraction=20))
    code, out, err = cli("--config", cfg, "run")
    assert code == 2 and "sweep_max_fraction is 20" in out + err and "above 0 to 1" in out + err


def test_a_record_lands_alike_over_oai_pmh_and_from_a_saved_file(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    """HTML entities and bare ampersands: a repository's page is repaired, and the same
    record in a MARCXML file is repaired the same way instead of being quarantined."""
    import requests

    oai_peer.repo.extend(make_items(3))
    oai_peer.faults.inject(
        b"AT&T &nbsp;&eacute; &bogus; ", at=b">Record ", verb="ListRecords", times=None
    )
    body = requests.get(
        oai_peer.url, params={"verb": "ListRecords", "metadataPrefix": "marc21"}, timeout=30
    ).content
    assert b"&bogus;" in body
    (tmp_path / "drop.xml").write_bytes(body)
    files = {"name": "drop", "kind": "files", "format": "marc", "paths": ["drop.xml"]}
    cfg = _pipeline(tmp_path, _source(oai_peer.url), files)
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out + err
    assert _q(tmp_path, "SELECT count(*) FROM quarantine") == [(0,)]
    by_source = _q(
        tmp_path,
        "SELECT source, list(title ORDER BY title) FROM records GROUP BY source ORDER BY 1",
    )
    assert [s for s, _ in by_source] == ["drop", "repo"]
    assert by_source[0][1] == by_source[1][1]
    assert any("AT&T \u00e9 &bogus;" in t for t in by_source[0][1]), by_source
    assert '"framing.repaired"' in err and '"oai.repaired"' in err


def test_a_response_over_max_response_bytes_is_refused_with_its_url(
    oai_peer: OAIPeer, tmp_path: Path, cli: Cli
) -> None:
    oai_peer.repo.extend(make_items(25))
    cfg = _pipeline(tmp_path, _dc(oai_peer.url, max_response_bytes=2048))
    code, out, err = cli("--config", cfg, "run")
    assert code == 1, out + err
    assert "larger than max_response_bytes (2048 bytes; its Content-Length is" in out
    assert oai_peer.url.split("?")[0] in out and "raise max_response_bytes" in out
    assert _q(tmp_path, "SELECT count(*) FROM records") == [(0,)]
    # without a Content-Length the body is counted as it arrives, and cut off there
    oai_peer.faults.unannounced(verb="ListRecords", times=None)
    code, out, err = cli("--config", cfg, "run")
    assert code == 1, out + err
    assert "larger than max_response_bytes (2048 bytes; " in out, out
    assert "bytes had arrived" in out, out
    oai_peer.faults.clear()
    code, out, err = cli("--config", _pipeline(tmp_path, _dc(oai_peer.url)), "run")
    assert code == 0, out + err
    assert _q(tmp_path, "SELECT count(*) FROM records") == [(25,)]


def test_max_response_bytes_has_a_range(oai_peer: OAIPeer, tmp_path: Path, cli: Cli) -> None:
    code, _out, err = cli("--config", _pipeline(tmp_path, _dc(oai_peer.url,
                          max_response_bytes=0)), "run")  # fmt: skip
    assert code == 2 and "max_response_bytes" in err
