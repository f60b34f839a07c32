"""``unioncat resolve`` and the server's /resolve: OpenURLs answered from KBART coverage,
print runs and embargoes, on a real DuckDB catalog and a real HTTP server."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from tests.support.builders import write_pipeline
from tests.support.catalogs import serving, write_run
from tests.support.dedupe_records import rec
from unioncat.config import load_config
from unioncat.openurl import parse_kev
from unioncat.provider.settings import ProviderSettings
from unioncat.schemas.record import Access, Holding, Host, Identifier

Cli = Callable[..., tuple[int, str, str]]
ISSN, EISSN = "2049-3630", "1756-9125"
PRINT_RUN = replace(
    rec("j1", "Journal of coastal margins", type="journal", isbn=(), year=1995),
    identifiers=[Identifier("issn", ISSN)],
    holdings=[Holding(form="print", holder="XX-Main", coverage="v.1(1995)-v.20(2014)",
                      start_date="1995", end_date="2014")],
)  # fmt: skip
PACKAGE = replace(
    rec("k1", "Journal of coastal margins", source="kbart", medium="electronic",
        type="journal", year=2000),
    identifiers=[Identifier("issn", ISSN), Identifier("issn", EISSN)],
    holdings=[
        # a moving wall: the last six months are not yet online
        Holding(form="electronic", holder="XX-Main", coverage="2006 to date",
                start_date="2006-01-01", embargo="R6M", url="https://tideway.example/cmr",
                package="Tideway"),
        Holding(form="electronic", holder="XX-Main", coverage="2000 to 2003",
                start_date="2000-01-01", end_date="2003-12-31", url="https://tideway.example/cmr",
                package="Tideway backfile"),
    ],
)  # fmt: skip
RECENT_ONLY = replace(
    rec("k2", "Annals of tides", source="kbart", medium="electronic", type="journal"),
    identifiers=[Identifier("issn", "0028-0836")],
    holdings=[Holding(form="electronic", holder="XX-Main", coverage="the last year",
                      start_date="1990-01-01", embargo="P1Y", url="https://annals.example/")],
)  # fmt: skip
BY_VOLUME = replace(
    rec("k3", "Tidal letters", source="kbart", medium="electronic", type="journal"),
    identifiers=[Identifier("issn", "0317-8471")],
    holdings=[Holding(form="electronic", holder="XX-Main", coverage="v.5 to v.9",
                      start_volume="5", end_volume="9", url="https://letters.example/")],
)  # fmt: skip
ARTICLE = replace(
    rec("a1", "Salt marsh accretion", type="journal_article", year=2012, source="crossref",
        doi="10.1234/marsh.2012"),
    host=Host(title="Journal of coastal margins", identifiers=[Identifier("issn", ISSN)],
              volume="18", issue="2", first_page="101"),
)  # fmt: skip
OPEN = replace(
    rec("a2", "Open estuaries", type="journal_article", year=2026, source="crossref",
        doi="10.1234/open.2026"),
    host=Host(title="Journal of coastal margins", identifiers=[Identifier("issn", ISSN)]),
    access=[Access("https://repository.example/open-estuaries", kind="open")],
)  # fmt: skip
TODAY = "2026-12-03"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_run(tmp_path / "catalog.duckdb", "r1",
              PRINT_RUN, PACKAGE, RECENT_ONLY, BY_VOLUME, ARTICLE, OPEN)  # fmt: skip
    write_pipeline(tmp_path, [])
    return tmp_path


def resolve(cli: Cli, folder: Path, kev: str, day: str = TODAY) -> dict[str, object]:
    code, out, err = cli("--config", str(folder / "pipelines.yaml"), "resolve", kev,
                         "--date", day)  # fmt: skip
    assert code == 0, out + err
    result: dict[str, object] = json.loads(out)
    return result


@pytest.mark.parametrize(
    ("kev", "available", "online", "answer"),
    [
        # inside the backfile's range
        (f"rft.issn={ISSN}&rft.date=2002&rft.volume=8", True, True, "yes, online"),
        # between the backfile and the current range: the print run has it
        (f"rft.issn={ISSN}&rft.date=2005", True, False, "in print only"),
        # after the print run stopped, before the moving wall: online
        (f"rft.issn={ISSN}&rft.date=2019-03", True, True, "yes, online"),
        # inside the moving wall of six months: not yet
        (f"rft.eissn={EISSN}&rft.date=2026-10", False, False, "not yet"),
        # before anything the library has
        (f"rft.issn={ISSN}&rft.date=1990", False, False, "no:"),
        # P1Y: only the last year is online
        ("rft.issn=0028-0836&rft.date=2026-06", True, True, "yes, online"),
        ("rft.issn=0028-0836&rft.date=2020", False, False, "no:"),
        # coverage by volume only
        ("rft.issn=0317-8471&rft.volume=7", True, True, "yes, online"),
        ("rft.issn=0317-8471&rft.volume=12", False, False, "no:"),
        # a journal the catalog does not know
        ("rft.issn=9999-9999&rft.date=2010", False, False, "unknown"),
    ],
)  # fmt: skip
def test_kbart_ranges_and_embargoes_decide(
    folder: Path, cli: Cli, kev: str, available: bool, online: bool, answer: str
) -> None:
    result = resolve(cli, folder, kev)
    assert result["available"] is available, result
    assert result["online"] is online, result
    assert str(result["answer"]).startswith(answer), result
    if online:
        assert str(result["link"]).startswith("https://")


def test_the_moving_wall_moves_with_the_day(folder: Path, cli: Cli) -> None:
    kev = f"rft.issn={ISSN}&rft.date=2026-05"
    assert resolve(cli, folder, kev, "2026-10-15")["available"] is False
    assert resolve(cli, folder, kev, "2026-12-03")["available"] is True


def test_a_doi_the_catalog_knows_gives_the_articles_own_record(folder: Path, cli: Cli) -> None:
    result = resolve(cli, folder, "url_ver=Z39.88-2004&rft_id=info:doi/10.1234/MARSH.2012")
    assert result["record"] == ARTICLE.id and result["doi"] == "10.1234/marsh.2012"
    assert result["online"] is True  # its host and year come from the record
    opened = resolve(cli, folder, "rft_id=info:doi/10.1234/open.2026")
    assert opened["answer"] == "yes, open access: https://repository.example/open-estuaries"
    assert opened["link"] == "https://repository.example/open-estuaries"


def test_kev_of_openurl_0_1_and_1_0() -> None:
    assert parse_kev("issn=1234-5678&volume=3&id=doi:10.1/x&sid=vendor") == {
        "issn": ["1234-5678"], "volume": ["3"], "id": ["doi:10.1/x"],
    }  # fmt: skip
    assert parse_kev("ctx_ver=Z39.88-2004&rft.atitle=A%20title&rft.spage=5") == {
        "atitle": ["A title"], "spage": ["5"],
    }  # fmt: skip


@pytest.fixture
def server(folder: Path) -> Iterator[str]:
    config = load_config(str(folder / "pipelines.yaml"))
    with serving(config, ProviderSettings(), "/resolve") as url:
        yield url


def test_the_http_endpoint_answers_json_and_a_page_with_nothing_executable(server: str) -> None:
    request = urllib.request.Request(f"{server}?rft.issn={ISSN}&rft.date=2002",
                                     headers={"Accept": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as reply:
        assert reply.headers["Content-Type"] == "application/json"
        assert json.loads(reply.read())["online"] is True
    hostile = "%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    with urllib.request.urlopen(f"{server}?rft.atitle={hostile}&rft.issn={ISSN}&rft.date=2002",
                                timeout=30) as reply:  # fmt: skip
        page = reply.read().decode()
        assert reply.headers["Content-Type"].startswith("text/html")
        assert "script-src" not in reply.headers["Content-Security-Policy"]
        assert "default-src 'none'" in reply.headers["Content-Security-Policy"]
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert 'href="https://tideway.example/cmr"' in page


def test_the_link_goes_through_the_librarys_proxy_where_it_must(folder: Path, cli: Cli) -> None:
    write_pipeline(folder, [], access={
        "proxy": "https://login.ezproxy.lib.example.edu/login?qurl={url}",
        "packages": ["Tideway"],
    })  # fmt: skip
    licensed = resolve(cli, folder, f"rft.issn={ISSN}&rft.date=2019-03")
    assert licensed["link"] == (
        "https://login.ezproxy.lib.example.edu/login?qurl=https%3A%2F%2Ftideway.example%2Fcmr"
    )
    assert licensed["authentication"] == "proxy"
    # a package the proxy is not told of is reached directly (inside the network)
    direct = resolve(cli, folder, "rft.issn=0317-8471&rft.volume=7")
    assert direct["link"] == "https://letters.example/" and direct["authentication"] == "direct"
    # an open copy never goes through the proxy
    opened = resolve(cli, folder, "rft_id=info:doi/10.1234/open.2026")
    assert opened["authentication"] == "open"
    assert opened["link"] == "https://repository.example/open-estuaries"


def test_reader_links_and_their_settings() -> None:
    from unioncat.errors import ConfigError
    from unioncat.reader_links import AccessSettings, reader_link

    athens = AccessSettings.from_mapping(
        {"proxy": "https://go.openathens.net/redirector/lib.example.edu?url={url}",
         "hosts": ["*.sagepub.com"]}
    )  # fmt: skip
    assert reader_link("https://journals.sagepub.com/doi/10.1/x", athens) == (
        "https://go.openathens.net/redirector/lib.example.edu?url="
        "https%3A%2F%2Fjournals.sagepub.com%2Fdoi%2F10.1%2Fx", "proxy",
    )  # fmt: skip
    assert reader_link("https://other.example/x", athens) == ("https://other.example/x", "direct")
    assert reader_link("javascript:alert(1)", athens) == (None, "direct")
    wayf = AccessSettings.from_mapping({
        "proxy": "https://{host}/wayf?entityID={entity_id}&target={url}",
        "entity_id": "https://idp.lib.example.edu/idp/shibboleth",
    })  # fmt: skip
    link, how = reader_link("https://tideway.example/cmr", wayf)
    assert how == "proxy" and link is not None
    assert link.startswith("https://tideway.example/wayf?entityID=https%3A%2F%2Fidp.lib")
    for bad in ({"proxy": "https://proxy.example/login"}, {"proxy": "ftp://x/{url}"},
                {"colour": "red"}, {"proxy": "https://x/{url}{entity_id}"},
                {"hosts": "tideway.example"}):  # fmt: skip
        with pytest.raises(ConfigError):
            AccessSettings.from_mapping(bad)


def test_the_librarys_resolver_takes_what_the_catalog_cannot_answer(folder: Path, cli: Cli) -> None:
    write_pipeline(folder, [], access={
        "resolver": "https://resolver.lib.example.edu/openurl", "open_access": "proxy",
        "proxy": "https://login.ezproxy.lib.example.edu/login?qurl={url}",
    })  # fmt: skip
    unknown = resolve(cli, folder, "rft.issn=9999-9999&rft.date=2010")
    assert unknown["authentication"] == "resolver"
    assert unknown["link"] == (
        "https://resolver.lib.example.edu/openurl?url_ver=Z39.88-2004&rft.issn=9999-9999"
        "&rft.date=2010"
    )
    # open_access: proxy sends open copies through the proxy too
    opened = resolve(cli, folder, "rft_id=info:doi/10.1234/open.2026")
    assert opened["authentication"] == "proxy"
    assert str(opened["link"]).startswith("https://login.ezproxy.lib.example.edu/")
