"""The OAI-PMH test peer, its faults and the replay server, checked with clients that are
not unioncat: sickle, requests and raw sockets."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import pytest
import requests
import yaml
from lxml import etree
from pymarc import Field, Leader, Record, Subfield
from sickle import Sickle, oaiexceptions

from tests.support.oai_peer import CONTROL_CHARS, DAY, INVALID_UTF8, OAI_DATA, Item, make_items

pytest_plugins = ["tests.support.oai_fixtures"]

OAI = "{http://www.openarchives.org/OAI/2.0/}"
M = "{http://www.loc.gov/MARC21/slim}"


def get(url: str, timeout: float = 5, **params: str) -> requests.Response:
    return requests.get(url, params=params, timeout=timeout)


def root(resp: requests.Response) -> etree._Element:
    return etree.fromstring(resp.content)


def error_code(resp: requests.Response) -> str | None:
    err = root(resp).find(f"{OAI}error")
    return None if err is None else err.get("code")


def ids(page: etree._Element) -> list[str]:
    return [e.text for e in page.iter(f"{OAI}identifier") if e.getparent().tag == f"{OAI}header"]


def pages(url: str, verb: str = "ListRecords", **params: str) -> list[etree._Element]:
    """Every page of a list, following resumption tokens with plain requests."""
    out = [root(get(url, verb=verb, **params))]
    while (tok := out[-1].find(f".//{OAI}resumptionToken")) is not None and tok.text:
        out.append(root(get(url, verb=verb, resumptionToken=tok.text)))
        assert len(out) < 100, "the peer loops"
    return out


# --------------------------------------------------------------------------- protocol


def test_sickle_harvests_every_item_exactly_once_over_several_pages(oai_peer):
    oai_peer.repo.batch_size = 4
    oai_peer.repo.extend(make_items(23))
    records = list(Sickle(oai_peer.url, timeout=5).ListRecords(metadataPrefix="oai_dc"))
    got = [r.header.identifier for r in records]
    assert got == [f"oai:peer.test:{i:04d}" for i in range(1, 24)]
    assert records[4].metadata["title"] == ["Record 5"]
    assert records[4].header.datestamp == "2024-01-01T12:00:00Z"
    listing = oai_peer.requests.with_verb("ListRecords")
    assert len(listing) == 6  # ceil(23 / 4)
    assert listing[0].token is None and all(r.token for r in listing[1:])
    assert len({r.token for r in listing[1:]}) == 5
    assert [r.status for r in listing] == [200] * 6


def test_tokens_carry_cursor_and_size_and_the_last_page_has_an_empty_token(oai_peer):
    oai_peer.repo.batch_size = 4
    oai_peer.repo.extend(make_items(10))
    got = pages(oai_peer.url, metadataPrefix="oai_dc")
    tokens = [p.find(f".//{OAI}resumptionToken") for p in got]
    assert [len(ids(p)) for p in got] == [4, 4, 2]
    assert [t.get("cursor") for t in tokens] == ["0", "4", "8"]
    assert {t.get("completeListSize") for t in tokens} == {"10"}
    assert tokens[-1].text is None and tokens[0].text
    assert tokens[0].get("expirationDate") is None
    # one page only: no token at all
    assert (
        root(
            get(
                oai_peer.url,
                verb="ListIdentifiers",
                metadataPrefix="oai_dc",
                until="2024-01-01T09:00:00Z",
            )
        ).find(f".//{OAI}resumptionToken")
        is None
    )


def test_token_lifetime_gives_an_expiration_date_and_is_enforced(oai_peer):
    oai_peer.repo.batch_size = 2
    oai_peer.repo.extend(make_items(5))
    oai_peer.repo.token_lifetime = timedelta(hours=1)
    tok = root(get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc")).find(
        f".//{OAI}resumptionToken"
    )
    expires = datetime.strptime(tok.get("expirationDate"), "%Y-%m-%dT%H:%M:%SZ")
    assert (
        timedelta(minutes=59)
        < expires - datetime.now(UTC).replace(tzinfo=None)
        <= timedelta(hours=1)
    )
    assert error_code(get(oai_peer.url, verb="ListRecords", resumptionToken=tok.text)) is None
    oai_peer.repo.token_lifetime = timedelta(seconds=-5)  # born expired
    tok = root(get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc")).find(
        f".//{OAI}resumptionToken"
    )
    assert error_code(get(oai_peer.url, verb="ListRecords", resumptionToken=tok.text)) == (
        "badResumptionToken"
    )


def test_expired_tokens_answer_bad_resumption_token(oai_peer):
    oai_peer.repo.batch_size = 3
    oai_peer.repo.extend(make_items(7))
    first = root(get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc"))
    token = first.find(f".//{OAI}resumptionToken").text
    oai_peer.repo.expire_tokens()
    resp = get(oai_peer.url, verb="ListRecords", resumptionToken=token)
    assert resp.status_code == 200 and error_code(resp) == "badResumptionToken"
    # sickle sees the same error; a fresh list works again
    records = Sickle(oai_peer.url, timeout=5).ListRecords(metadataPrefix="oai_dc")
    assert len([next(records) for _ in range(3)]) == 3
    oai_peer.repo.expire_tokens()
    with pytest.raises(oaiexceptions.BadResumptionToken):
        next(records)
    assert len(list(Sickle(oai_peer.url, timeout=5).ListIdentifiers(metadataPrefix="oai_dc"))) == 7


def test_from_until_windows_are_inclusive_and_empty_windows_say_no_records_match(oai_peer):
    oai_peer.repo.extend(make_items(10))  # 08:00 .. 17:00
    window = list(
        Sickle(oai_peer.url, timeout=5).ListIdentifiers(
            metadataPrefix="oai_dc",
            **{"from": "2024-01-01T10:00:00Z", "until": "2024-01-01T12:00:00Z"},
        )
    )
    assert [h.identifier for h in window] == [f"oai:peer.test:{i:04d}" for i in (3, 4, 5)]
    later = get(
        oai_peer.url,
        verb="ListRecords",
        metadataPrefix="oai_dc",
        **{"from": "2024-01-01T16:00:01Z"},
    )
    assert ids(root(later)) == ["oai:peer.test:0010"]
    day = get(
        oai_peer.url, verb="ListIdentifiers", metadataPrefix="oai_dc", until="2024-01-01"
    )  # a day until covers the whole day
    assert len(ids(root(day))) == 10
    empty = get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2025-01-01"})
    assert empty.status_code == 200 and error_code(empty) == "noRecordsMatch"
    with pytest.raises(oaiexceptions.NoRecordsMatch):
        list(
            Sickle(oai_peer.url, timeout=5).ListRecords(metadataPrefix="oai_dc", until="2023-12-31")
        )


def test_day_granularity(oai_peer_factory):
    peer = oai_peer_factory(
        make_items(4, step=timedelta(days=1)),
        granularity=DAY,
        earliest_datestamp=datetime(2020, 5, 6, 7, 8, 9),
    )
    ident = root(get(peer.url, verb="Identify"))
    assert ident.findtext(f".//{OAI}granularity") == "YYYY-MM-DD"
    assert ident.findtext(f".//{OAI}earliestDatestamp") == "2020-05-06"
    page = root(
        get(
            peer.url,
            verb="ListRecords",
            metadataPrefix="oai_dc",
            **{"from": "2024-01-02", "until": "2024-01-03"},
        )
    )
    assert [d.text for d in page.iter(f"{OAI}datestamp")] == ["2024-01-02", "2024-01-03"]
    finer = get(
        peer.url, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2024-01-02T00:00:00Z"}
    )
    assert error_code(finer) == "badArgument"


def test_deleted_records_show_status_deleted_and_removed_ones_vanish(oai_peer):
    repo = oai_peer.repo
    repo.extend(make_items(4))
    repo.delete("oai:peer.test:0002", datetime(2024, 2, 1))
    repo.remove("oai:peer.test:0003")
    records = list(Sickle(oai_peer.url, timeout=5).ListRecords(metadataPrefix="oai_dc"))
    by_id = {r.header.identifier: r for r in records}
    assert list(by_id) == ["oai:peer.test:0001", "oai:peer.test:0004", "oai:peer.test:0002"]
    gone_record = by_id["oai:peer.test:0002"]
    assert gone_record.deleted and gone_record.xml.find(f".//{OAI}metadata") is None
    assert not by_id["oai:peer.test:0001"].deleted
    raw = root(
        get(
            oai_peer.url, verb="GetRecord", metadataPrefix="oai_dc", identifier="oai:peer.test:0002"
        )
    )
    header = raw.find(f".//{OAI}header")
    assert header.get("status") == "deleted"
    assert header.findtext(f"{OAI}datestamp") == "2024-02-01T00:00:00Z"
    assert raw.find(f".//{OAI}metadata") is None
    gone = get(
        oai_peer.url, verb="GetRecord", metadataPrefix="oai_dc", identifier="oai:peer.test:0003"
    )
    assert error_code(gone) == "idDoesNotExist"
    repo.deleted_record = "no"
    assert "oai:peer.test:0002" not in ids(
        root(get(oai_peer.url, verb="ListIdentifiers", metadataPrefix="oai_dc"))
    )


def test_repository_changes_between_harvests_are_seen_incrementally(oai_peer):
    repo = oai_peer.repo
    repo.extend(make_items(5))
    first = list(Sickle(oai_peer.url, timeout=5).ListIdentifiers(metadataPrefix="oai_dc"))
    assert len(first) == 5
    repo.touch("oai:peer.test:0001", datetime(2024, 3, 1), metadata={"title": "Changed"})
    repo.add("oai:peer.test:0099", datetime(2024, 3, 2), metadata={"title": "New"})
    repo.get("oai:peer.test:0004").datestamp = datetime(2024, 3, 3)  # direct edit works too
    since = list(
        Sickle(oai_peer.url, timeout=5).ListRecords(
            metadataPrefix="oai_dc", **{"from": "2024-02-01T00:00:00Z"}
        )
    )
    assert [(r.header.identifier, r.metadata["title"]) for r in since] == [
        ("oai:peer.test:0001", ["Changed"]),
        ("oai:peer.test:0099", ["New"]),
        ("oai:peer.test:0004", ["Record 4"]),
    ]
    with pytest.raises(ValueError):
        repo.add("oai:peer.test:0099")


def test_sets_are_listed_and_filter_hierarchically(oai_peer):
    repo = oai_peer.repo
    with pytest.raises(oaiexceptions.NoSetHierarchy):
        list(Sickle(oai_peer.url, timeout=5).ListSets())
    repo.extend(make_items(3, sets=["books:print"]))
    repo.extend(make_items(2, first=10, sets=["articles"]))
    repo.set_names["books"] = "All books"
    sets = {s.setSpec: s.setName for s in Sickle(oai_peer.url, timeout=5).ListSets()}
    assert sets == {"articles": "articles", "books": "All books", "books:print": "books:print"}
    books = ids(
        root(get(oai_peer.url, verb="ListIdentifiers", metadataPrefix="oai_dc", set="books"))
    )
    assert books == [f"oai:peer.test:{i:04d}" for i in (1, 2, 3)]
    head = root(
        get(oai_peer.url, verb="ListIdentifiers", metadataPrefix="oai_dc", set="articles")
    ).find(f".//{OAI}header")
    assert head.findtext(f"{OAI}setSpec") == "articles"
    unknown = get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc", set="maps")
    assert error_code(unknown) == "noRecordsMatch"


def test_marc21_records_are_marcxml_record_elements(oai_peer):
    repo = oai_peer.repo
    repo.extend(make_items(1))
    rec = Record(force_utf8=True)
    rec.leader = Leader("00000cam a2200000 a 4500")
    rec.add_field(Field(tag="001", data="ctl-42"))
    rec.add_field(Field(tag="245", indicators=["1", "0"], subfields=[Subfield("a", "Über MARC")]))
    repo.add("oai:peer.test:pymarc", datetime(2024, 5, 1), marc=rec)
    repo.add(
        "oai:peer.test:xml",
        datetime(2024, 5, 2),
        marc=(
            '<collection xmlns="http://www.loc.gov/MARC21/slim"><record><leader>00000nam a2200000 '
            'a 4500</leader><controlfield tag="001">x-1</controlfield></record></collection>'
        ),
    )
    formats = root(get(oai_peer.url, verb="ListMetadataFormats", identifier="oai:peer.test:xml"))
    assert [e.text for e in formats.iter(f"{OAI}metadataPrefix")] == ["oai_dc", "marc21"]
    page = root(get(oai_peer.url, verb="ListRecords", metadataPrefix="marc21"))
    marc = [m[0] for m in page.iter(f"{OAI}metadata")]
    assert [m.tag for m in marc] == [f"{M}record"] * 3
    controls = [m.findtext(f"{M}controlfield[@tag='001']") for m in marc]
    assert controls == ["0001", "ctl-42", "x-1"]
    assert marc[0].findtext(f"{M}datafield[@tag='245']/{M}subfield[@code='a']") == "Record 1"
    assert marc[1].findtext(f"{M}datafield[@tag='245']/{M}subfield[@code='a']") == "Über MARC"
    bad = get(oai_peer.url, verb="ListRecords", metadataPrefix="mods")
    assert error_code(bad) == "cannotDisseminateFormat"


def test_protocol_errors_and_post(oai_peer):
    oai_peer.repo.batch_size = 2
    oai_peer.repo.extend(make_items(3))
    assert error_code(get(oai_peer.url, verb="Frobnicate")) == "badVerb"
    assert error_code(get(oai_peer.url, verb="GetMetadata")) == "badVerb"
    assert (
        error_code(
            get(oai_peer.url, verb="GetRecord", metadataPrefix="oai_dc", identifier="oai:nowhere:1")
        )
        == "idDoesNotExist"
    )
    assert error_code(get(oai_peer.url, verb="ListRecords")) == "badArgument"
    repeated = requests.get(
        oai_peer.url + "?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=marc21", timeout=5
    )
    assert error_code(repeated) == "badArgument"
    assert error_code(get(oai_peer.url, verb="ListRecords", resumptionToken="garbage")) == (
        "badResumptionToken"
    )
    tok = (
        root(get(oai_peer.url, verb="ListIdentifiers", metadataPrefix="oai_dc"))
        .find(f".//{OAI}resumptionToken")
        .text
    )
    assert error_code(get(oai_peer.url, verb="ListRecords", resumptionToken=tok)) == (
        "badResumptionToken"
    )  # a ListIdentifiers token is not a ListRecords token
    posted = requests.post(
        oai_peer.url, data={"verb": "ListIdentifiers", "resumptionToken": tok}, timeout=5
    )
    assert ids(root(posted)) == ["oai:peer.test:0003"]
    assert requests.get(oai_peer.root + "/elsewhere", timeout=5).status_code == 404


# --------------------------------------------------------------------------- faults


def test_503_with_retry_after_seconds_then_recovers(oai_peer):
    oai_peer.repo.extend(make_items(2))
    oai_peer.faults.unavailable(retry_after=7)
    first = get(oai_peer.url, verb="Identify")
    assert first.status_code == 503 and first.headers["Retry-After"] == "7"
    second = get(oai_peer.url, verb="Identify")
    assert second.status_code == 200 and error_code(second) is None
    assert [(r.fault, r.status) for r in oai_peer.requests] == [("http", 503), (None, 200)]


def test_retry_after_as_http_date(oai_peer):
    when = datetime(2031, 2, 3, 4, 5, 6, tzinfo=UTC)
    oai_peer.faults.unavailable(retry_after=when)
    oai_peer.faults.too_many_requests(retry_after=timedelta(seconds=30))
    fixed = get(oai_peer.url, verb="Identify")
    assert fixed.status_code == 503
    assert fixed.headers["Retry-After"] == "Mon, 03 Feb 2031 04:05:06 GMT"
    relative = get(oai_peer.url, verb="Identify")
    assert relative.status_code == 429
    wait = parsedate_to_datetime(relative.headers["Retry-After"]) - datetime.now(UTC)
    assert timedelta(seconds=25) < wait <= timedelta(seconds=31)


def test_429_and_500_and_a_canned_html_page(oai_peer):
    oai_peer.faults.too_many_requests(retry_after=None)
    oai_peer.faults.server_error()
    oai_peer.faults.respond(b"<html><body>Please log in</body></html>")
    r429, r500, html = (get(oai_peer.url, verb="Identify") for _ in range(3))
    assert r429.status_code == 429 and "Retry-After" not in r429.headers
    assert r500.status_code == 500
    assert html.status_code == 200 and html.headers["Content-Type"].startswith("text/html")
    assert html.content == b"<html><body>Please log in</body></html>"
    assert len(oai_peer.faults) == 0


def test_faults_match_verb_token_and_count(oai_peer):
    oai_peer.repo.batch_size = 2
    oai_peer.repo.extend(make_items(5))
    oai_peer.faults.server_error(verb="ListRecords", token=True, times=2)
    assert get(oai_peer.url, verb="Identify").status_code == 200
    first = get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc")
    assert first.status_code == 200
    tok = root(first).find(f".//{OAI}resumptionToken").text
    assert [
        get(oai_peer.url, verb="ListRecords", resumptionToken=tok).status_code for _ in range(3)
    ] == [500, 500, 200]
    forever = oai_peer.faults.unavailable(times=None, token=tok)
    assert [
        get(oai_peer.url, verb="ListRecords", resumptionToken=tok).status_code for _ in range(3)
    ] == [503, 503, 503]
    assert forever.applied == 3 and oai_peer.faults.pending == [forever]
    oai_peer.faults.clear()
    assert get(oai_peer.url, verb="ListRecords", resumptionToken=tok).status_code == 200


@pytest.mark.parametrize("reset", [False, True])
def test_dropped_connection(oai_peer, reset):
    oai_peer.faults.drop(reset=reset)
    with pytest.raises(requests.ConnectionError):
        get(oai_peer.url, verb="Identify")
    assert get(oai_peer.url, verb="Identify").status_code == 200
    dropped, ok = oai_peer.requests
    assert (dropped.fault, dropped.status, dropped.verb) == ("drop", None, "Identify")
    assert (ok.fault, ok.status) == (None, 200)


def _raw_get(root_url: str, target: str) -> tuple[dict[str, str], bytes]:
    u = urlsplit(root_url)
    with socket.create_connection((u.hostname, u.port), timeout=5) as s:
        s.sendall(
            f"GET {target} HTTP/1.1\r\nHost: {u.netloc}\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    headers[":status"] = lines[0].split()[1]
    return headers, body


def test_truncated_body_against_content_length(oai_peer):
    oai_peer.repo.extend(make_items(6))
    oai_peer.faults.truncate(mode="length", times=2)
    headers, body = _raw_get(oai_peer.root, "/oai?verb=ListRecords&metadataPrefix=oai_dc")
    assert headers[":status"] == "200"
    assert int(headers["content-length"]) > len(body) > 100
    with pytest.raises(requests.RequestException):
        get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc")


def test_truncated_xml_with_a_consistent_200(oai_peer):
    oai_peer.repo.extend(make_items(6))
    whole = get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc").content
    oai_peer.faults.truncate(mode="xml", fraction=0.5)
    cut = get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc")
    assert cut.status_code == 200
    assert abs(len(cut.content) - len(whole) // 2) <= 2
    assert b"</OAI-PMH>" not in cut.content
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(cut.content)


def test_forbidden_xml_characters_in_a_good_body(oai_peer):
    oai_peer.repo.extend(make_items(3))
    oai_peer.faults.control_chars(occurrence=2)  # inside the second record's title
    resp = get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc")
    assert resp.status_code == 200
    assert CONTROL_CHARS.encode() in resp.content
    assert b"<dc:title>" + CONTROL_CHARS.encode() + b"Record 2</dc:title>" in resp.content
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(resp.content)
    cleaned = resp.content.replace(CONTROL_CHARS.encode(), b"")
    assert len(ids(etree.fromstring(cleaned))) == 3


def test_invalid_utf8_in_a_good_body(oai_peer):
    oai_peer.repo.extend(make_items(3))
    oai_peer.faults.invalid_utf8(at=b"<dc:creator>")
    resp = get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc")
    assert resp.status_code == 200 and INVALID_UTF8 in resp.content
    with pytest.raises(UnicodeDecodeError):
        resp.content.decode("utf-8")
    cleaned = resp.content.replace(INVALID_UTF8, b"")
    cleaned.decode("utf-8")
    assert len(ids(etree.fromstring(cleaned))) == 3


def test_slow_answers_time_the_client_out(oai_peer):
    oai_peer.faults.slow(30)
    with pytest.raises(requests.Timeout):
        get(oai_peer.url, timeout=0.2, verb="Identify")
    assert get(oai_peer.url, verb="Identify").status_code == 200  # other requests unaffected
    oai_peer.faults.slow(30, stall_body=True)
    with pytest.raises(requests.RequestException):  # headers came, the body stalls
        get(oai_peer.url, timeout=0.2, verb="Identify")
    assert [r.fault for r in oai_peer.requests] == ["slow", None, "slow"]


def test_422_with_an_oai_no_records_match_body_as_zenodo_sends(oai_peer):
    oai_peer.repo.extend(make_items(3))
    oai_peer.faults.oai_error("noRecordsMatch", status=422, retry_after=48)
    resp = get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc")
    assert resp.status_code == 422 and resp.headers["Retry-After"] == "48"
    assert resp.headers["Content-Type"].startswith("text/xml")
    assert error_code(resp) == "noRecordsMatch"


def test_looping_token(oai_peer):
    oai_peer.repo.batch_size = 2
    oai_peer.repo.extend(make_items(6))
    tok = (
        root(get(oai_peer.url, verb="ListRecords", metadataPrefix="oai_dc"))
        .find(f".//{OAI}resumptionToken")
        .text
    )
    oai_peer.faults.loop_token(times=2)
    assert get(oai_peer.url, verb="Identify").status_code == 200  # no token: not looped
    for _ in range(2):
        page = root(get(oai_peer.url, verb="ListRecords", resumptionToken=tok))
        assert page.find(f".//{OAI}resumptionToken").text == tok
        assert ids(page) == ["oai:peer.test:0003", "oai:peer.test:0004"]
    nxt = root(get(oai_peer.url, verb="ListRecords", resumptionToken=tok))
    assert nxt.find(f".//{OAI}resumptionToken").text not in (tok, None)


def test_sickle_retries_a_503_and_the_log_shows_it(oai_peer):
    oai_peer.repo.batch_size = 3
    oai_peer.repo.extend(make_items(7))
    oai_peer.faults.unavailable(retry_after=0, token=True)
    client = Sickle(oai_peer.url, max_retries=2, timeout=5)
    assert len(list(client.ListRecords(metadataPrefix="oai_dc"))) == 7
    log = oai_peer.requests.snapshot()
    assert [(r.status, r.token is not None) for r in log] == [
        (200, False),
        (503, True),
        (200, True),
        (200, True),
    ]
    assert log[1].token == log[2].token  # resumed from the same token
    assert log[0].params == {"verb": "ListRecords", "metadataPrefix": "oai_dc"}
    assert [r.seq for r in log] == [0, 1, 2, 3]
    assert all(a.time <= b.time for a, b in zip(log, log[1:], strict=False))
    assert all(r.wall.tzinfo is UTC and r.method == "GET" and r.path == "/oai" for r in log)


def test_items_can_be_given_as_mappings_and_tuples(oai_peer_factory):
    peer = oai_peer_factory(
        [
            {
                "identifier": "oai:x:1",
                "datestamp": datetime(2024, 1, 1, tzinfo=UTC),
                "metadata": {"title": "One"},
            },
            ("oai:x:2", datetime(2024, 1, 2), ["s"], True),
            Item("oai:x:3", datetime(2024, 1, 3, 12, 0, 0, 999)),
        ]
    )
    headers = root(get(peer.url, verb="ListIdentifiers", metadataPrefix="oai_dc"))
    got = [
        (h.findtext(f"{OAI}identifier"), h.findtext(f"{OAI}datestamp"), h.get("status"))
        for h in headers.iter(f"{OAI}header")
    ]
    assert got == [
        ("oai:x:1", "2024-01-01T00:00:00Z", None),
        ("oai:x:2", "2024-01-02T00:00:00Z", "deleted"),
        ("oai:x:3", "2024-01-03T12:00:00Z", None),
    ]


# --------------------------------------------------------------------------- replay


def _cassette(name: str, query_part: str) -> dict:
    doc = yaml.safe_load((OAI_DATA / "zenodo_cassettes" / name).read_text(encoding="utf-8"))
    found = [i for i in doc["interactions"] if query_part in i["request"]["uri"]]
    assert len(found) == 1
    return found[0]["response"]


def test_replay_serves_the_sickle_list_records_chain_byte_for_byte(oai_replay):
    folder = OAI_DATA / "sickle"
    chain = []
    resp = get(oai_replay.sickle_url, verb="ListRecords", metadataPrefix="oai_dc")
    while True:
        assert resp.status_code == 200
        chain.append(resp.content)
        tok = re.search(rb"<resumptionToken[^>]*>([^<]+)</resumptionToken>", resp.content)
        if not tok:
            break
        resp = get(oai_replay.sickle_url, verb="ListRecords", resumptionToken=tok.group(1).decode())
    names = ["ListRecords.xml", "ListRecords2.xml", "ListRecords3.xml", "ListRecords4.xml"]
    assert chain == [(folder / n).read_bytes() for n in names]
    assert [r.token for r in oai_replay.requests] == [None, *names[1:]]
    broken = get(oai_replay.file_url("sickle/ListRecordsBroken.xml"))
    assert broken.content == (folder / "ListRecordsBroken.xml").read_bytes()


def test_replay_zenodo_422_no_records_match_unchanged(oai_replay):
    recorded = _cassette("list_records.yaml", "from=2030-01-01")
    resp = get(
        oai_replay.zenodo_url, verb="ListRecords", metadataPrefix="oai_dc", **{"from": "2030-01-01"}
    )
    assert resp.status_code == recorded["status"] == 422
    assert resp.content == recorded["body"]["content"].encode("utf-8")
    assert error_code(resp) == "noRecordsMatch"
    assert resp.headers["Retry-After"] == recorded["headers"]["retry-after"][0] == "48"
    assert resp.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert oai_replay.recording(resp.url).body == resp.content


def test_replay_zenodo_pages_through_sickle(oai_replay):
    records = list(Sickle(oai_replay.zenodo_url, timeout=5).ListRecords(metadataPrefix="oai_dc"))
    assert len(records) == 9 and len({r.header.identifier for r in records}) == 9
    assert all(r.header.identifier.startswith("oai:zenodo.org:") for r in records)
    assert [r.status for r in oai_replay.requests] == [200, 200, 200]
    page = get(oai_replay.zenodo_url, verb="ListRecords", metadataPrefix="oai_dc")
    recorded = oai_replay.recording(
        "https://zenodo.org/oai2d?verb=ListRecords&metadataPrefix=oai_dc"
    )
    assert page.content == recorded.body and b"completeListSize" in page.content


def test_replay_unknown_requests_404_and_faults_apply(oai_replay):
    miss = get(oai_replay.zenodo_url, verb="ListRecords", metadataPrefix="oai_dc", set="maps")
    assert miss.status_code == 404 and b"/zenodo.org/oai2d" in miss.content
    oai_replay.faults.unavailable(retry_after=3)
    busy = get(oai_replay.zenodo_url, verb="Identify")
    assert busy.status_code == 503 and busy.headers["Retry-After"] == "3"
    ident = get(oai_replay.zenodo_url, verb="Identify")
    assert ident.status_code == 200
    assert ident.content == _cassette("identify.yaml", "zenodo.org")["body"]["content"].encode()
