"""The workbench's pages and its one write, through its real WSGI app on a real catalog
(Flask's test client speaks HTTP to the app in process; the browser tests drive the same
pages in Chromium)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import html

from tests.support.catalogs import writing
from tests.workbench.conftest import (
    ARCHIVED,
    BORDER_A,
    BORDER_B,
    EBOOK,
    HOSTILE,
    PRINT,
    QUARANTINED_PAYLOAD,
    RAW_PAYLOAD,
    Bench,
)  # fmt: skip
from unioncat.catalog import Catalog
from unioncat.catalog_access import CatalogAccess
from unioncat.dedupe.settings import MatchSettings
from unioncat.dedupe.stage import dedupe_catalog
from unioncat.errors import ConfigError
from unioncat.workbench.app import NO_SCRIPT, SESSION_COOKIE, make_app
from unioncat.workbench.server import workbench_token

TOKEN = "a-token-long-enough-for-the-check"


@pytest.fixture
def access(bench: Bench) -> Iterator[CatalogAccess]:
    shared = CatalogAccess(bench.config)
    yield shared
    shared.close()


@pytest.fixture
def client(access: CatalogAccess) -> FlaskClient:
    return make_app(access).test_client()


def _doc(response: object) -> html.HtmlElement:
    return html.fromstring(response.get_data(as_text=True))  # type: ignore[attr-defined]


def _csrf(client: FlaskClient) -> str:
    token = _doc(client.get("/review")).xpath("//input[@name='csrf']/@value")
    assert token, "the review form carries this server's token"
    return str(token[0])


def _review_status(bench: Bench) -> dict[frozenset[str], tuple[str, str | None]]:
    catalog = Catalog(bench.catalog, read_only=True)
    try:
        rows = catalog.query("SELECT record_a, record_b, status, note FROM match_review")
    finally:
        catalog.close()
    return {frozenset((a, b)): (status, note) for a, b, status, note in rows}


def test_search_finds_by_title_words_and_identifier(client: FlaskClient) -> None:
    doc = _doc(client.get("/?q=rivers north"))
    titles = doc.xpath("//table[@id='results']//td[1]/a/text()")
    assert titles.count("Rivers of the north") == 2
    by_isbn = _doc(client.get("/?q=978-0-306-40615-7"))
    links = set(by_isbn.xpath("//table[@id='results']//td[1]/a/@href"))
    assert links == {f"/record/{PRINT.id}", f"/record/{EBOOK.id}"}
    nothing = _doc(client.get("/?q=zzyzx"))
    assert "nothing found" in nothing.xpath("string(//p[@id='message'])")


def test_record_page_labels_fields_and_links_its_work(client: FlaskClient) -> None:
    doc = _doc(client.get(f"/record/{PRINT.id}"))
    rows = {
        r.xpath("string(th)"): r.xpath("string(td)") for r in doc.xpath("//table[@id='fields']//tr")
    }
    assert rows["Title"] == "Rivers of the north"
    assert "isbn: 9780306406157" in rows["Identifiers"]
    assert rows["Contributors"].startswith("Okafor, Adaeze")
    work = doc.xpath("//a[starts-with(@href, '/cluster/')]/@href")
    assert work and doc.xpath("//table[@id='history']//td[2]/text()") == ["upsert"]


def test_record_page_by_source_id_and_unknown_ids(client: FlaskClient) -> None:
    assert client.get("/record/library:p1").status_code == 200
    missing = client.get("/record/uc1-nothing-here")
    assert missing.status_code == 404
    assert "no record or cluster" in missing.get_data(as_text=True)


def test_raw_record_on_demand(client: FlaskClient) -> None:
    doc = _doc(client.get(f"/record/{ARCHIVED.id}/raw"))
    shown = doc.xpath("string(//pre[@id='raw'])")
    assert "001␟raw-1␞" in shown and shown.startswith("00042nam")
    download = client.get(f"/record/{ARCHIVED.id}/raw.bin")
    assert download.data == RAW_PAYLOAD
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert client.get(f"/record/{PRINT.id}/raw").status_code == 404  # written with no envelope


def test_cluster_page_shows_merged_fields_with_their_member_and_the_reasons(
    client: FlaskClient,
) -> None:
    record = _doc(client.get(f"/record/{EBOOK.id}"))
    (work,) = record.xpath("//a[starts-with(@href, '/cluster/')]/@href")
    doc = _doc(client.get(work))
    members = doc.xpath("//table[@id='members']/thead//a/text()")
    assert set(members) == {PRINT.id, EBOOK.id}
    merged = {
        r.xpath("string(th)"): r.xpath("string(td[2])")
        for r in doc.xpath("//table[@id='merged']/tbody/tr")
    }
    assert merged["title"] in (PRINT.id, EBOOK.id)
    medium = doc.xpath("//table[@id='members']//tr[th='Medium']")[0]
    assert medium.get("class") == "differs"
    assert {t.strip() for t in medium.xpath("td//text()") if t.strip()} == {"print", "electronic"}
    assert doc.xpath("//table[@id='members']//tr[th='Title']/@class") == []
    reasons = doc.xpath("//table[@id='members']//ul[@class='reasons']/li/text()")
    assert any("isbn" in r.lower() for r in reasons), reasons
    # a record id asked as a cluster goes to the record, and the other way round
    assert client.get(f"/cluster/{PRINT.id}").status_code == 302
    assert client.get(work.replace("/cluster/", "/record/")).status_code == 302


def test_review_queue_shows_the_pair_side_by_side_and_accepts(
    client: FlaskClient, bench: Bench, access: CatalogAccess
) -> None:
    doc = _doc(client.get("/review"))
    (pair,) = doc.xpath("//section[@class='pair']")
    heads = pair.xpath(".//thead//a/text()")
    assert set(heads) == {BORDER_A.id, BORDER_B.id}
    titles = pair.xpath(".//tr[th='Title']/td/div/text()")
    assert set(titles) == {BORDER_A.title, BORDER_B.title}
    assert pair.xpath(".//tr[th='Title']/@class") == ["differs"]
    assert pair.xpath(".//tr[th='Language']/@class") == []
    response = client.post("/review/decide", data={
        "csrf": _csrf(client), "record_a": BORDER_B.id, "record_b": BORDER_A.id,
        "decision": "accept", "note": "same report, two printings",
    })  # fmt: skip
    assert response.status_code == 302
    assert _review_status(bench)[frozenset((BORDER_A.id, BORDER_B.id))] == (
        "accepted", "same report, two printings",
    )  # fmt: skip
    after = _doc(client.get(response.headers["Location"]))
    assert "accepted" in after.xpath("string(//p[@id='message'])")
    # the next dedupe applies it, as it applies `unioncat review accept`
    access.close()
    with writing(bench.catalog, "r2") as catalog:
        dedupe_catalog(catalog, "r2", MatchSettings())
        ((works,),) = catalog.query(
            "SELECT count(DISTINCT cluster_id) FROM records WHERE id IN (?, ?)",
            [BORDER_A.id, BORDER_B.id],
        )
    assert works == 1


def test_a_decision_without_this_servers_token_or_from_another_site_is_refused(
    client: FlaskClient, bench: Bench
) -> None:
    form = {"record_a": BORDER_A.id, "record_b": BORDER_B.id, "decision": "reject"}
    assert client.post("/review/decide", data=form).status_code == 403
    assert client.post("/review/decide", data={**form, "csrf": "guess"}).status_code == 403
    crossed = client.post("/review/decide", data={**form, "csrf": _csrf(client)},
                          headers={"Origin": "https://elsewhere.example"})  # fmt: skip
    assert crossed.status_code == 403
    assert _review_status(bench)[frozenset((BORDER_A.id, BORDER_B.id))][0] == "open"


def test_a_bad_decision_says_why(client: FlaskClient) -> None:
    response = client.post("/review/decide", data={
        "csrf": _csrf(client), "record_a": BORDER_A.id, "record_b": "uc1-gone",
        "decision": "accept",
    })  # fmt: skip
    assert response.status_code == 400
    doc = _doc(response)
    assert doc.xpath("string(//p[@id='message'])") == "review: no live record 'uc1-gone'"
    assert "unioncat review" in doc.xpath("string(//p[@class='hint'])")


def test_a_decision_while_a_run_writes_is_not_recorded_and_says_so(
    client: FlaskClient, bench: Bench
) -> None:
    from unioncat.read_service import ReadService

    csrf = _csrf(client)
    with writing(bench.catalog, "r9") as catalog, ReadService(catalog, bench.config):
        # reads are answered by the run ...
        doc = _doc(client.get("/review"))
        assert len(doc.xpath("//section[@class='pair']")) == 1
        # ... a decision waits for no run: it is refused, and nothing is written
        response = client.post("/review/decide", data={
            "csrf": csrf, "record_a": BORDER_A.id, "record_b": BORDER_B.id,
            "decision": "reject",
        })  # fmt: skip
        assert response.status_code == 409
        assert "not recorded" in response.get_data(as_text=True)
    assert _review_status(bench)[frozenset((BORDER_A.id, BORDER_B.id))][0] == "open"


def test_quarantine_lists_reasons_and_gives_the_raw_bytes(client: FlaskClient) -> None:
    doc = _doc(client.get("/quarantine"))
    (row,) = doc.xpath("//table[@id='quarantined']/tbody/tr")
    assert "leader is not 24 bytes" in row.xpath("string(td[@class='reason'])")
    (link,) = row.xpath("td[2]/a/@href")
    raw = _doc(client.get(link))
    assert "not a record <at all>" in raw.xpath("string(//pre[@id='raw'])")
    (download,) = raw.xpath("//a[text()='download the bytes']/@href")
    assert client.get(download).data == QUARANTINED_PAYLOAD
    assert len(_doc(client.get("/quarantine?source=vendor")).xpath("//tbody/tr")) == 1
    unknown = client.get("/quarantine?source=nowhere")
    assert unknown.status_code == 400
    assert "no source named 'nowhere'" in _doc(unknown).xpath("string(//p[@id='message'])")


def _figure(doc: html.HtmlElement, name: str) -> str:
    (figure,) = doc.xpath(f"//div[@class='figure'][contains(., '{name}')]/b/text()")
    return str(figure)


def test_report_page_is_served_and_made_again_when_the_catalog_changes(
    client: FlaskClient,
) -> None:
    doc = _doc(client.get("/report"))
    assert doc.xpath("//h1/text()") == ["Collection report"]
    assert doc.xpath("//svg") and not doc.xpath("//script")
    assert _figure(doc, "review open") == "1"
    again = client.get("/report").get_data()
    assert again == client.get("/report").get_data()  # the same state: the same page
    client.post("/review/decide", data={
        "csrf": _csrf(client), "record_a": BORDER_A.id, "record_b": BORDER_B.id,
        "decision": "reject",
    })  # fmt: skip
    assert _figure(_doc(client.get("/report")), "review open") == "0"


def test_the_report_read_gives_no_page_for_a_state_the_asker_has(bench: Bench) -> None:
    from unioncat.reads import collection_report

    catalog = Catalog(bench.catalog, read_only=True)
    try:
        first = collection_report(catalog, bench.config, {"page_only": True})
        same = collection_report(catalog, bench.config,
                                 {"page_only": True, "unless_state": first.out})  # fmt: skip
        stale = {"page_only": True, "unless_state": "2000-01-01:0:0:0:0"}
        other = collection_report(catalog, bench.config, stale)
    finally:
        catalog.close()
    assert "report.html" in first.files and same.files == {} and same.out == first.out
    assert other.files["report.html"]


def test_record_content_is_never_markup(client: FlaskClient) -> None:
    page = client.get(f"/record/{HOSTILE.id}")
    text = page.get_data(as_text=True)
    assert "<script>" not in text and "<img src=x" not in text and "<b>Bold</b>" not in text
    assert "&lt;script&gt;" in text
    doc = html.fromstring(text)
    assert not doc.xpath("//script") and not doc.xpath("//img")
    hrefs = doc.xpath("//a/@href")
    assert "https://example.org/ok" in hrefs
    assert not [h for h in hrefs if h.lower().startswith("javascript")]
    assert page.headers["Content-Security-Policy"] == NO_SCRIPT
    assert "script-src" not in NO_SCRIPT and "default-src 'none'" in NO_SCRIPT
    found = client.get("/?q=bold claims").get_data(as_text=True)
    assert "&lt;b&gt;Bold&lt;/b&gt; claims" in found and "<script>" not in found
    assert not html.fromstring(found).xpath("//script | //b")
    asked = client.get("/?q=<b>x</b>").get_data(as_text=True)
    assert "<b>x</b>" not in asked and "&lt;b&gt;x&lt;/b&gt;" in asked


def test_with_a_token_every_page_asks_for_it_once(access: CatalogAccess) -> None:
    client = make_app(access, TOKEN).test_client()
    first = client.get("/review")
    assert first.status_code == 302 and "/login" in first.headers["Location"]
    wrong = client.post("/login", data={"token": "not-it", "next": "/review"})
    assert "not the token" in wrong.get_data(as_text=True)
    right = client.post("/login", data={"token": TOKEN, "next": "/review"})
    assert right.status_code == 302 and right.headers["Location"] == "/review"
    cookie = right.headers["Set-Cookie"]
    assert TOKEN not in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/review").status_code == 200
    assert client.get_cookie(SESSION_COOKIE) is not None
    away = client.post("/login", data={"token": TOKEN, "next": "//evil.example/"})
    assert away.headers["Location"] == "/"


def test_only_this_machine_unless_said_and_with_a_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UNIONCAT_WORKBENCH_TOKEN", raising=False)
    assert workbench_token("127.0.0.1", False) is None
    with pytest.raises(ConfigError, match="--allow-remote"):
        workbench_token("0.0.0.0", False)
    with pytest.raises(ConfigError, match="needs a token"):
        workbench_token("0.0.0.0", True)
    monkeypatch.setenv("UNIONCAT_WORKBENCH_TOKEN", "short")
    with pytest.raises(ConfigError, match="shorter"):
        workbench_token("127.0.0.1", False)
    monkeypatch.setenv("UNIONCAT_WORKBENCH_TOKEN", TOKEN)
    assert workbench_token("0.0.0.0", True) == TOKEN


def test_serve_refuses_the_network_without_allow_remote(tmp_path: Path, bench: Bench) -> None:
    from tests.support.builders import write_pipeline
    from unioncat.cli import main

    pipeline = write_pipeline(tmp_path, [], catalog=str(bench.catalog))
    assert main(["--config", str(pipeline), "serve", "--host", "0.0.0.0", "--port", "0"]) == 2


def test_unioncat_serve_as_a_process_serves_and_stops_on_sigterm(
    tmp_path: Path, bench: Bench
) -> None:
    import json
    import signal
    import urllib.request

    from tests.support.builders import unioncat_process, write_pipeline

    pipeline = write_pipeline(tmp_path, [], catalog=str(bench.catalog))
    server = unioncat_process("--config", str(pipeline), "serve", "--port", "0")
    try:
        assert server.stderr is not None
        url = None
        for line in server.stderr:
            event = json.loads(line)
            if event.get("event") == "serve.serving":
                url = f"http://127.0.0.1:{event['port']}/"
                break
        assert url is not None, "the workbench never said where it listens"
        with urllib.request.urlopen(url + "?q=rivers+north", timeout=30) as response:
            page = response.read().decode()
        assert "Rivers of the north" in page
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=30) == 0
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
