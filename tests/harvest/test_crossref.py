"""The crossref harvester against a local server that answers /works as Crossref does,
over the recorded real works of ../shared/data/vendor/crossref and works made from them."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests.support.builders import unioncat_process, write_pipeline
from tests.support.crossref_server import (
    CROSSREF_DATA,
    CrossrefServer,
    generate_works,
    recorded_works,
)
from unioncat.errors import ConfigError
from unioncat.harvest.crossref import plan
from unioncat.harvest.crossref_options import CrossrefOptions
from unioncat.harvest.crossref_state import CrossrefState

Cli = Callable[..., tuple[int, str, str]]
ISSN = "0000-0019"
UPSERTS = (
    "SELECT count(*), count(DISTINCT id) FROM changes WHERE op = 'upsert' AND entity = 'record'"
)


@pytest.fixture(scope="module")
def templates() -> list[dict[str, Any]]:
    if not CROSSREF_DATA.is_dir():
        pytest.skip(f"needs the recorded Crossref works in {CROSSREF_DATA} (../shared/data)")
    return recorded_works()


@pytest.fixture
def server(templates: list[dict[str, Any]]) -> Iterator[CrossrefServer]:
    srv = CrossrefServer([*templates, *generate_works(templates, 450)])
    try:
        yield srv
    finally:
        srv.close()


def _source(url: str, **kw: Any) -> dict[str, Any]:
    return {
        "name": "xref",
        "kind": "crossref",
        "url": url,
        "filters": {"issn": ISSN},
        "rows": 50,
        "mailto": "catalog@library.example",
        "backoff": 0.01,
        "max_retries": 3,
        **kw,
    }


def _pipeline(folder: Path, *sources: dict[str, Any]) -> str:
    return str(write_pipeline(folder, list(sources)))


def _q(folder: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(folder / "catalog.duckdb"), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _state(folder: Path) -> dict[str, Any]:
    (row,) = _q(folder, "SELECT value FROM harvest_state WHERE source = 'xref'")
    return dict(json.loads(row[0]))


def _set_state(folder: Path, **changes: Any) -> None:
    state = {**_state(folder), **changes}
    with duckdb.connect(str(folder / "catalog.duckdb")) as con:
        con.execute("UPDATE harvest_state SET value = ? WHERE source = 'xref'", [json.dumps(state)])


def _selected(server: CrossrefServer) -> set[str]:
    return {d for d, w in server.works.items() if ISSN in (w.get("ISSN") or [])}


def _filter_of(params: dict[str, str]) -> dict[str, str]:
    return dict(p.split(":", 1) for p in params.get("filter", "").split(",") if p)


def test_the_first_harvest_walks_the_selection_in_one_cursor_pass(
    server: CrossrefServer, tmp_path: Path, cli: Cli
) -> None:
    want = _selected(server)
    assert len(want) == 150
    code, out, err = cli("--config", _pipeline(tmp_path, _source(server.url)), "run")
    assert code == 0, out + err
    got = {r[0] for r in _q(tmp_path, "SELECT source_id FROM records WHERE source = 'xref'")}
    assert got == want
    served = [s for s in server.log if s.status == 200]
    # 150 works at 50 a page: three full pages, then one that is empty
    assert [s.items for s in served] == [50, 50, 50, 0]
    assert served[0].params["cursor"] == "*"
    # each later cursor is one the server minted (with + / = in it): sent URL-encoded
    assert all("+" in s.params["cursor"] for s in served[1:])
    first = _filter_of(served[0].params)
    assert first == {"issn": ISSN}  # no from-index-date: everything the filters select
    assert served[0].params["mailto"] == "catalog@library.example"
    assert "mailto:catalog@library.example" in served[0].headers["user_agent"]
    state = _state(tmp_path)
    assert state["complete"] and state["cursor"] is None
    assert state["high_water"] == datetime.now(UTC).date().isoformat()
    assert state["total"] == 150 and state["distinct"] == 150 and state["warning"] is None
    article = _q(
        tmp_path,
        "SELECT type, host.title, [i.value FOR i IN host.identifiers] FROM records "
        "WHERE source_id = '10.5555/gen.0000000'",
    )
    assert article[0][0] == "journal_article" and ISSN in article[0][2]


def test_a_later_run_asks_from_the_last_window_less_the_overlap_and_gets_the_changes(
    server: CrossrefServer, tmp_path: Path, cli: Cli
) -> None:
    cfg = _pipeline(tmp_path, _source(server.url))
    assert cli("--config", cfg, "run")[0] == 0
    changes = _q(tmp_path, "SELECT count(*) FROM changes WHERE entity = 'record'")[0][0]
    today = datetime.now(UTC)
    server.touch("10.5555/gen.0000003", today, title=["A corrected title"])
    server.log.clear()
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out + err
    (asked,) = [_filter_of(s.params) for s in server.log if s.params.get("cursor") == "*"]
    assert asked["from-index-date"] == (today.date() - timedelta(days=1)).isoformat()
    assert "until-index-date" not in asked
    assert _q(tmp_path, "SELECT title FROM records WHERE source_id = '10.5555/gen.0000003'") == [
        ("A corrected title",)
    ]
    # only the work that changed was written again
    after = _q(tmp_path, "SELECT count(*) FROM changes WHERE entity = 'record'")[0][0]
    assert after == changes + 1


def test_a_long_gap_is_cut_into_windows_of_window_days(
    server: CrossrefServer, tmp_path: Path, cli: Cli
) -> None:
    cfg = _pipeline(tmp_path, _source(server.url, window_days=7))
    assert cli("--config", cfg, "run")[0] == 0
    today = datetime.now(UTC).date()
    _set_state(tmp_path, high_water=(today - timedelta(days=20)).isoformat())
    server.log.clear()
    assert cli("--config", cfg, "run")[0] == 0
    windows = [_filter_of(s.params) for s in server.log if s.params.get("cursor") == "*"]
    start = today - timedelta(days=21)
    assert [(w.get("from-index-date"), w.get("until-index-date")) for w in windows] == [
        (start.isoformat(), (start + timedelta(days=6)).isoformat()),
        ((start + timedelta(days=7)).isoformat(), (start + timedelta(days=13)).isoformat()),
        ((start + timedelta(days=14)).isoformat(), (start + timedelta(days=20)).isoformat()),
        (today.isoformat(), None),
    ]
    assert _state(tmp_path)["high_water"] == today.isoformat()


def test_windows_are_planned_oldest_first_and_the_first_harvest_is_one_pass() -> None:
    options = CrossrefOptions(filters={"type": "journal-article"}, window_days=3, overlap_days=1)
    today = date(2026, 12, 2)
    assert plan(CrossrefState(), options, today) == [(None, None)]
    options.from_date = "1990-01-01"
    assert plan(CrossrefState(), options, today) == [("1990-01-01", None)]
    assert plan(CrossrefState(high_water="2026-11-26"), options, today) == [
        ("2026-11-25", "2026-11-27"),
        ("2026-11-28", "2026-11-30"),
        ("2026-12-01", None),
    ]
    assert plan(CrossrefState(high_water="2026-12-02"), options, today) == [("2026-12-01", None)]


@pytest.mark.parametrize(
    ("filters", "words"),
    [
        ({"isn": "1234-5678"}, "filters.isn is not a Crossref /works filter"),
        ({"from_pub_date": "2020"}, "did you mean from-pub-date?"),
        ({"from-index-date": "2020-01-01"}, "is set by the harvester"),
        ({"issn": "1234-5678,8765-4321"}, "write several values as a list"),
        ({"issn": None}, "needs a value"),
    ],
)
def test_unknown_filters_are_refused_before_any_request(
    server: CrossrefServer, tmp_path: Path, cli: Cli, filters: dict[str, Any], words: str
) -> None:
    code, out, err = cli(
        "--config", _pipeline(tmp_path, _source(server.url, filters=filters)), "run"
    )
    assert code == 2, out + err
    assert words in err
    assert server.log == []


def test_a_list_of_values_is_ored_and_a_bad_format_is_refused() -> None:
    options = CrossrefOptions(filters={"issn": ["1234-5678", "8765-4321"], "has-orcid": True})
    assert options.filter_pairs() == [
        ("has-orcid", "true"),
        ("issn", "1234-5678"),
        ("issn", "8765-4321"),
    ]
    from unioncat.harvest.crossref import CrossrefHarvester

    with pytest.raises(ConfigError, match="its format is crossref, not 'marc'"):
        CrossrefHarvester.check_format("marc", "source 'x'")


def test_what_crossref_refuses_fails_the_source_in_its_own_words(
    server: CrossrefServer, tmp_path: Path, cli: Cli
) -> None:
    # a name Crossref has but the server does not serve: a 400 validation-failure
    cfg = _pipeline(tmp_path, _source(server.url, filters={"has-orcid": True}))
    code, out, err = cli("--config", cfg, "run")
    assert code == 1
    assert "the test server does not serve filter has-orcid" in out + err


def test_429_and_5xx_are_retried_and_a_cut_body_is_asked_for_again(
    server: CrossrefServer, tmp_path: Path, cli: Cli
) -> None:
    server.fail(429, retry_after="0")
    server.fail(503, on_cursor=True)
    server.truncate(on_cursor=True)
    code, out, err = cli("--config", _pipeline(tmp_path, _source(server.url)), "-v", "run")
    assert code == 0, out + err
    assert err.count('"crossref.retry"') == 3
    assert [s.status for s in server.log].count(429) == 1
    assert _q(tmp_path, "SELECT count(DISTINCT source_id), count(*) FROM records") == [(150, 150)]
    assert _state(tmp_path)["warning"] is None


def test_an_expired_cursor_restarts_its_window_and_nothing_is_doubled(
    server: CrossrefServer, tmp_path: Path, cli: Cli
) -> None:
    server.expire_at_next_page()
    code, out, err = cli("--config", _pipeline(tmp_path, _source(server.url)), "-v", "run")
    assert code == 0, out + err
    assert '"crossref.cursor_expired"' in err
    assert [s.params["cursor"] for s in server.log if s.status == 200].count("*") == 2
    assert [s.status for s in server.log].count(404) == 1
    assert _q(tmp_path, "SELECT count(DISTINCT source_id), count(*) FROM records") == [(150, 150)]
    upserts = _q(
        tmp_path,
        UPSERTS,
    )
    assert upserts == [(150, 150)]


def test_a_window_short_of_its_total_is_logged_and_shown_in_status(
    server: CrossrefServer, tmp_path: Path, cli: Cli
) -> None:
    server.short_page()  # the second page gives 25 of its 50: the walk stops there
    cfg = _pipeline(tmp_path, _source(server.url))
    code, out, err = cli("--config", cfg, "-v", "run")
    assert code == 0, out + err
    assert '"crossref.shortfall"' in err
    state = _state(tmp_path)
    assert state["distinct"] == 75 and state["total"] == 150
    code, out, _ = cli("--config", cfg, "status")
    assert "warning: window the beginning to now: 75 distinct DOIs fetched of the 150" in out


def test_requests_keep_to_the_pace_crossref_announces(
    templates: list[dict[str, Any]], tmp_path: Path, cli: Cli
) -> None:
    with CrossrefServer(generate_works(templates, 240), rate_limit=4, concurrency=1) as srv:
        code, out, err = cli("--config", _pipeline(tmp_path, _source(srv.url, rows=10)), "run")
        assert code == 0, out + err
        assert srv.rate_limited == 0  # never faster than 4 a second, so never a 429
        assert srv.max_in_flight == 1  # one request at a time
        times = [s.at for s in srv.log]
        assert len(times) == 9 and times[-1] - times[0] >= 8 * 0.25 * 0.9


def test_the_plus_token_is_sent_as_a_header_and_written_nowhere(
    server: CrossrefServer, tmp_path: Path, cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = "plus-6c1f0e2a9b7d4e38"
    monkeypatch.setenv("CROSSREF_PLUS_API_TOKEN", token)
    server.fail(500)
    code, out, err = cli("--config", _pipeline(tmp_path, _source(server.url)), "-v", "run")
    assert code == 0, out + err
    assert all(s.headers.get("crossref_plus_api_token") == f"Bearer {token}" for s in server.log)
    assert all(token not in json.dumps(s.params) for s in server.log)
    assert token not in out + err
    with duckdb.connect(str(tmp_path / "catalog.duckdb"), read_only=True) as con:
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            dump = json.dumps(con.execute(f'SELECT * FROM "{table}"').fetchall(), default=str)
            assert token not in dump, table


def test_kill_9_mid_window_resumes_from_the_cursor_or_restarts_when_it_expired(
    templates: list[dict[str, Any]], tmp_path: Path
) -> None:
    with CrossrefServer(generate_works(templates, 600)) as srv:
        want = {d for d, w in srv.works.items() if ISSN in w["ISSN"]}
        for expire in (False, True):
            folder = tmp_path / ("expired" if expire else "live")
            folder.mkdir()
            cfg = _pipeline(folder, _source(srv.url, rows=20, page_delay=0.05))
            proc = unioncat_process("--config", cfg, "-v", "run")
            assert proc.stderr is not None
            committed = 0
            for line in proc.stderr:
                if '"page.committed"' in line:
                    committed += 1
                    if committed == 3:
                        os.kill(proc.pid, signal.SIGKILL)
                        break
            proc.wait(timeout=60)
            state = _state(folder)
            assert state["cursor"] and not state["complete"]
            srv.log.clear()
            if expire:
                srv.expire_cursors()
            again = unioncat_process("--config", cfg, "run")
            _out, err = again.communicate(timeout=120)
            assert again.returncode == 0, err[-2000:]
            first = srv.log[0].params["cursor"]
            assert first == state["cursor"]  # resumed where the commit left it
            if expire:
                assert srv.log[0].status == 404
                assert srv.log[1].params["cursor"] == "*"  # the window began again
            got = _q(folder, "SELECT source_id FROM records")
            assert {r[0] for r in got} == want and len(got) == len(want)
            upserts = _q(
                folder,
                UPSERTS,
            )
            assert upserts == [(len(want), len(want))]


def _fetched(body: bytes, status: int = 200) -> Any:
    from unioncat.harvest.http import Fetched

    return Fetched(url="http://127.0.0.1/works", status=status, body=body, attempts=1)


def test_a_page_keeps_each_works_bytes_and_reads_only_its_doi() -> None:
    from unioncat.harvest.crossref_client import CrossrefError, read_page

    works = [
        '{"DOI": "10.5555/Ä.1", "title": ["Küstenlinien"], "funder": [{"DOI": "10.13039/x"}]}',
        '{"title": ["no DOI"]}',
        "17",
    ]
    body = (
        '{"status": "ok", "message-type": "work-list", "message": {"total-results": 3,\n'
        ' "items": [ ' + " ,\n  ".join(works) + ' ], "next-cursor": "AoJ+/="}}'
    ).encode()
    page = read_page(_fetched(body))
    assert page.payloads == [w.encode() for w in works]  # byte for byte, spaces and all
    assert page.dois == ["10.5555/Ä.1", "", ""]  # the work's own DOI, not its funder's
    assert (page.total, page.next_cursor) == (3, "AoJ+/=")
    said = json.dumps({"status": "failed", "message-type": "validation-failure",
                       "message": [{"type": "cursor", "message": "cursor expired"}]})  # fmt: skip
    with pytest.raises(CrossrefError, match="cursor expired"):
        read_page(_fetched(said.encode(), status=400))
    with pytest.raises(CrossrefError, match="not JSON"):
        read_page(_fetched(body[:-30]))
    with pytest.raises(CrossrefError, match="status 'failed'"):
        read_page(_fetched(body.replace(b'"ok"', b'"failed"')))
