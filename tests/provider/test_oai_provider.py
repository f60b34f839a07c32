"""``serve-oai``: the catalog served over OAI-PMH 2.0, on a real HTTP server over a real
DuckDB catalog, checked against the protocol's XSD and harvested by sickle,
oaipmh-scythe and unioncat's own harvester."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlencode

import pytest
from lxml import etree

from tests.support.builders import write_pipeline
from tests.support.catalogs import serving, writing
from tests.support.dedupe_records import rec
from unioncat.catalog import Catalog, PageWrite
from unioncat.config import PipelineConfig
from unioncat.dedupe.plan import CLUSTER_PREFIX
from unioncat.dedupe.settings import MatchSettings
from unioncat.dedupe.stage import dedupe_catalog
from unioncat.provider import native
from unioncat.provider.settings import ProviderSettings
from unioncat.xmlsafe import secure_xml_parser

XSD = Path(__file__).parents[1] / "support" / "xsd"
OAI = "{http://www.openarchives.org/OAI/2.0/}"
PAGE = 3  # small pages, so every list is split and resumed

PRINT = rec("p1", "Tidal estuaries of West Africa", isbn=["9780198812357"], page_count=318)
EBOOK = rec("e1", "Tidal estuaries of West Africa", source="vendor", medium="electronic",
            authors=["Adaeze Okafor"], other_format_isbn=["9780198812357"])  # fmt: skip
OTHERS = [
    rec(f"o{i}", f"Salt roads volume {word}", authors=["Moreau, Ines"], year=1980 + i,
        source="catalog" if i % 2 else "vendor")
    for i, word in enumerate(["one", "two", "three", "four", "five", "six"])
]  # fmt: skip
HOSTILE = rec("x1", "A <script>alert('&')</script> title\x07 with a bell")
GONE = rec("g1", "A withdrawn pamphlet", type="book")


@dataclass
class Provider:
    url: str
    catalog: Path
    config: PipelineConfig

    def get(self, **params: str) -> etree._Element:
        with urllib.request.urlopen(f"{self.url}?{urlencode(params)}", timeout=30) as reply:
            assert reply.headers["Content-Type"].startswith("text/xml")
            body = reply.read()
        return etree.fromstring(body, secure_xml_parser())

    def raw(self, query: str) -> bytes:
        with urllib.request.urlopen(f"{self.url}?{query}", timeout=30) as reply:
            data: bytes = reply.read()
            return data


@pytest.fixture
def provider(tmp_path: Path) -> Iterator[Provider]:
    path = tmp_path / "catalog.duckdb"
    build_catalog(path)
    config = PipelineConfig(path=tmp_path / "p.yaml", catalog=path, export=tmp_path / "export")
    settings = ProviderSettings(page_size=PAGE)
    with serving(config, settings, "/oai") as url:
        yield Provider(url, path, config)


@pytest.fixture
def schema(provider: Provider, tmp_path: Path) -> etree.XMLSchema:
    """The OAI-PMH XSD with oai_dc's and the native format's, the last as served."""
    folder = tmp_path / "xsd"
    folder.mkdir()
    for xsd in XSD.glob("*.xsd"):
        (folder / xsd.name).write_bytes(xsd.read_bytes())
    with urllib.request.urlopen(f"{provider.url}/{native.XSD_NAME}", timeout=30) as reply:
        (folder / native.XSD_NAME).write_bytes(reply.read())
    return etree.XMLSchema(etree.parse(str(folder / "responses.xsd")))


def valid(schema: etree.XMLSchema, doc: etree._Element) -> etree._Element:
    assert schema.validate(doc), "\n".join(str(e) for e in schema.error_log)
    return doc


def build_catalog(path: Path) -> None:
    with writing(path, "r1") as catalog:
        catalog.write(PageWrite("r1", records=[PRINT, EBOOK, *OTHERS, HOSTILE, GONE]))
        dedupe_catalog(catalog, "r1", MatchSettings())
        catalog.write(PageWrite("r2", records=[replace(GONE, deleted=True)]))
        dedupe_catalog(catalog, "r2", MatchSettings())


def live_items(path: Path) -> tuple[set[str], set[str]]:
    """(live ids, deleted ids) of records and clusters, as the catalog holds them."""
    catalog = Catalog(path, read_only=True)
    try:
        rows = catalog.query(
            "SELECT id, deleted FROM records UNION ALL SELECT cluster_id, deleted FROM clusters "
            "UNION ALL SELECT retired_id, true FROM merged_ids"
        )
    finally:
        catalog.close()
    return {str(i) for i, d in rows if not d}, {str(i) for i, d in rows if d}


def harvest(provider: Provider, verb: str, **params: str) -> list[etree._Element]:
    """Every page of a list, following resumption tokens."""
    pages = [provider.get(verb=verb, **params)]
    while True:
        token = pages[-1].find(f".//{OAI}resumptionToken")
        if token is None or not (token.text or "").strip():
            return pages
        pages.append(provider.get(verb=verb, resumptionToken=token.text.strip()))


def identifiers(pages: list[etree._Element]) -> list[str]:
    return [h.findtext(f"{OAI}identifier") or "" for p in pages for h in p.iter(f"{OAI}header")]


def test_every_verb_answers_as_the_schema_says(provider: Provider, schema: etree.XMLSchema) -> None:
    identify = valid(schema, provider.get(verb="Identify"))
    assert identify.findtext(f".//{OAI}deletedRecord") == "persistent"
    assert identify.findtext(f".//{OAI}granularity") == "YYYY-MM-DDThh:mm:ssZ"
    assert identify.findtext(f".//{OAI}baseURL") == provider.url
    formats = valid(schema, provider.get(verb="ListMetadataFormats"))
    prefixes = {e.text for e in formats.iter(f"{OAI}metadataPrefix")}
    assert {"oai_dc", "unioncat"} <= prefixes
    sets = valid(schema, provider.get(verb="ListSets"))
    specs = {e.text for e in sets.iter(f"{OAI}setSpec")}
    assert {"records", "clusters", "source:catalog", "source:vendor", "medium:electronic"} <= specs
    for prefix in prefixes:
        for verb in ("ListRecords", "ListIdentifiers"):
            for page in harvest(provider, verb, metadataPrefix=prefix):
                valid(schema, page)
    some = identifiers(harvest(provider, "ListIdentifiers", metadataPrefix="oai_dc"))
    for identifier in some:
        for prefix in prefixes:
            valid(
                schema, provider.get(verb="GetRecord", identifier=identifier, metadataPrefix=prefix)
            )


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Harvest"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "color": "red"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01T00:00:00Z",
          "until": "2021-01-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2021-01-02",
          "until": "2021-01-01"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "yesterday"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "set": "colour:red"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "1990-01-01"},
         "noRecordsMatch"),
        ({"verb": "ListRecords", "resumptionToken": "not-a-token"}, "badResumptionToken"),
        ({"verb": "ListRecords", "resumptionToken": "x", "metadataPrefix": "oai_dc"},
         "badArgument"),
        ({"verb": "GetRecord", "identifier": "oai:elsewhere:1", "metadataPrefix": "oai_dc"},
         "idDoesNotExist"),
        ({"verb": "GetRecord", "identifier": "oai:unioncat.local:uc-none",
          "metadataPrefix": "oai_dc"}, "idDoesNotExist"),
    ],
)  # fmt: skip
def test_errors_are_the_protocols_own_codes(
    provider: Provider, schema: etree.XMLSchema, query: dict[str, str], code: str
) -> None:
    doc = valid(schema, provider.get(**query))
    error = doc.find(f"{OAI}error")
    assert error is not None and error.get("code") == code
    assert (error.text or "").strip(), "an error says what was wrong"
    if code in ("badVerb", "badArgument"):
        assert not doc.find(f"{OAI}request").attrib  # section 3.2: no attributes then


def test_a_repeated_argument_is_refused(provider: Provider) -> None:
    body = provider.raw("verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=unioncat")
    doc = etree.fromstring(body, secure_xml_parser())
    assert doc.find(f"{OAI}error").get("code") == "badArgument"
    assert b"repeated" in body


def test_a_full_list_is_every_item_once_with_tombstones(provider: Provider) -> None:
    pages = harvest(provider, "ListIdentifiers", metadataPrefix="oai_dc")
    served = identifiers(pages)
    assert len(served) == len(set(served)), "an item was served twice"
    live, deleted = live_items(provider.catalog)
    prefix = "oai:unioncat.local:"
    assert {s.removeprefix(prefix) for s in served} == live | deleted
    gone = {
        (h.findtext(f"{OAI}identifier") or "").removeprefix(prefix)
        for p in pages for h in p.iter(f"{OAI}header") if h.get("status") == "deleted"
    }  # fmt: skip
    assert gone == deleted and GONE.id in gone
    tokens = [p.find(f".//{OAI}resumptionToken") for p in pages]
    assert all(t is not None for t in tokens)
    assert {t.get("completeListSize") for t in tokens} == {str(len(served))}
    assert [int(t.get("cursor")) for t in tokens] == list(range(0, len(served), PAGE))
    assert tokens[0].get("expirationDate")
    assert not (tokens[-1].text or "").strip(), "the last page ends the list with an empty token"


def test_sets_select_records_clusters_sources_and_media(provider: Provider) -> None:
    prefix = "oai:unioncat.local:"
    clusters = identifiers(harvest(provider, "ListIdentifiers", metadataPrefix="oai_dc",
                                   set="clusters"))  # fmt: skip
    assert clusters and all(c.removeprefix(prefix).startswith(CLUSTER_PREFIX) for c in clusters)
    vendor = identifiers(harvest(provider, "ListIdentifiers", metadataPrefix="oai_dc",
                                 set="source:vendor"))  # fmt: skip
    assert EBOOK.id in {v.removeprefix(prefix) for v in vendor}
    assert PRINT.id not in {v.removeprefix(prefix) for v in vendor}
    electronic = identifiers(harvest(provider, "ListIdentifiers", metadataPrefix="oai_dc",
                                     set="medium:electronic"))  # fmt: skip
    ids = {e.removeprefix(prefix) for e in electronic}
    assert EBOOK.id in ids and any(i.startswith(CLUSTER_PREFIX) for i in ids)  # its cluster too


def test_a_cluster_is_served_with_its_members(provider: Provider) -> None:
    doc = provider.get(verb="ListRecords", metadataPrefix="unioncat", set="clusters")
    records = [
        json.loads(r.text)
        for r in doc.iter("{urn:unioncat:record:1}record")
        if r.get("kind") == "cluster"
    ]
    joined = [c for c in records if {m["id"] for m in c["members"]} == {PRINT.id, EBOOK.id}]
    assert joined, "the print book and its e-book are one cluster, served with both"
    assert joined[0]["provenance"]


def test_record_content_is_text_never_markup(provider: Provider) -> None:
    doc = provider.get(verb="GetRecord", identifier=f"oai:unioncat.local:{HOSTILE.id}",
                       metadataPrefix="oai_dc")  # fmt: skip
    titles = [e.text for e in doc.iter("{http://purl.org/dc/elements/1.1/}title")]
    assert titles == ["A <script>alert('&')</script> title with a bell"]
    assert not list(doc.iter("script"))


def test_from_and_until_select_by_datestamp(provider: Provider) -> None:
    served = identifiers(harvest(provider, "ListIdentifiers", metadataPrefix="oai_dc"))
    stamps = [
        h.findtext(f"{OAI}datestamp")
        for p in harvest(provider, "ListIdentifiers", metadataPrefix="oai_dc")
        for h in p.iter(f"{OAI}header")
    ]
    assert stamps == sorted(stamps)
    last = stamps[-1]
    since = identifiers(
        harvest(provider, "ListIdentifiers", metadataPrefix="oai_dc", **{"from": last})
    )
    assert since and set(since) <= set(served)
    assert len(since) == sum(1 for s in stamps if s >= last)
    upto = identifiers(harvest(provider, "ListIdentifiers", metadataPrefix="oai_dc", until=last))
    assert len(upto) == len(served)  # until is inclusive at the second


def test_a_harvest_resumed_while_the_catalog_changes_misses_nothing(provider: Provider) -> None:
    first = provider.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.find(f".//{OAI}resumptionToken").text
    seen = identifiers([first])
    prefix = "oai:unioncat.local:"
    before, _ = live_items(provider.catalog)
    # between two requests a run changes a record already served and one not yet
    # served, and adds one
    served_id = seen[0].removeprefix(prefix)
    with writing(provider.catalog, "r3") as catalog:
        rows = catalog.query(
            "SELECT id FROM records WHERE NOT deleted ORDER BY updated_at DESC, id DESC"
        )
        later = str(rows[0][0])
        changed = [r for r in [PRINT, EBOOK, *OTHERS, HOSTILE] if r.id in (served_id, later)]
        new = rec("n1", "A book catalogued during the harvest")
        catalog.write(PageWrite("r3", records=[replace(r, edition=f"{r.id} revised")
                                               for r in changed] + [new]))  # fmt: skip
    pages = [first]
    while token:
        page = provider.get(verb="ListIdentifiers", resumptionToken=token)
        pages.append(page)
        token = (page.find(f".//{OAI}resumptionToken").text or "").strip() or None
    got = [s.removeprefix(prefix) for s in identifiers(pages)]
    assert set(got) >= before | {new.id}, "an item was lost"
    repeated = {i for i in got if got.count(i) > 1}
    assert repeated <= {served_id}, "only the item changed after it was served comes again"


def harvested(
    provider: Provider, mirror: Path, cli: Callable[..., tuple[int, str, str]], prefix: str
) -> tuple[Path, str]:
    """A second catalog that harvested the provider's records in ``prefix`` with
    unioncat's own oai-pmh source: its folder and pipeline file."""
    mirror.mkdir()
    cfg = str(write_pipeline(mirror, [{
        "name": "union", "kind": "oai-pmh", "url": provider.url, "metadata_prefix": prefix,
        "sets": ["records"], "backoff": 0.01,
    }], dedupe={"enabled": False}))  # fmt: skip
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out + err
    return mirror, cfg


def test_unioncat_harvests_itself_incrementally(
    provider: Provider, tmp_path: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    mirror, cfg = harvested(provider, tmp_path / "mirror", cli, "oai_dc")
    live, deleted = live_items(provider.catalog)
    records_live = {i for i in live if not i.startswith(CLUSTER_PREFIX)}
    got = Catalog(mirror / "catalog.duckdb", read_only=True)
    try:
        count = got.query("SELECT count(*) FROM records WHERE NOT deleted")[0][0]
    finally:
        got.close()
    assert count == len(records_live)
    # a record changes and one is deleted at the provider: the next harvest gets those
    with writing(provider.catalog, "r3") as catalog:
        catalog.write(PageWrite("r3", records=[replace(OTHERS[0], title="Salt roads, revised"),
                                               replace(OTHERS[1], deleted=True)]))  # fmt: skip
    code, out, err = cli("--config", cfg, "run")
    assert code == 0, out + err
    assert "1 new or changed, 1 deleted" in out, out
    got = Catalog(mirror / "catalog.duckdb", read_only=True)
    try:
        titles = {str(t) for (t,) in got.query("SELECT title FROM records WHERE NOT deleted")}
    finally:
        got.close()
    assert "Salt roads, revised" in titles


def test_marc21_harvested_by_unioncat_gives_the_same_records(
    provider: Provider, tmp_path: Path, cli: Callable[..., tuple[int, str, str]]
) -> None:
    mirror, _ = harvested(provider, tmp_path / "marc-mirror", cli, "marc21")
    # (a control character in a title cannot travel in XML at all: the provider drops it)
    query = (
        "SELECT regexp_replace(title, '[\\x00-\\x1f]', '', 'g') AS t, subtitle, year, type, "
        "medium, list_sort([i.value FOR i IN identifiers]) "
        "FROM records WHERE NOT deleted AND host.id IS NULL ORDER BY t, year"
    )
    got = Catalog(mirror / "catalog.duckdb", read_only=True)
    try:
        mirrored = got.query(query)
    finally:
        got.close()
    source = Catalog(provider.catalog, read_only=True)
    try:
        original = source.query(query)
    finally:
        source.close()
    assert mirrored == original


def test_sickle_harvests_every_record(provider: Provider) -> None:
    sickle = pytest.importorskip("sickle", reason="sickle is in the test extra")
    client = sickle.Sickle(provider.url, max_retries=0)
    headers = list(client.ListIdentifiers(metadataPrefix="oai_dc", ignore_deleted=False))
    live, deleted = live_items(provider.catalog)
    assert len(headers) == len(live | deleted)
    assert sum(1 for h in headers if h.deleted) == len(deleted)
    records = list(client.ListRecords(metadataPrefix="oai_dc", ignore_deleted=True))
    assert len(records) == len(live)
    titles = {t for r in records for t in r.metadata.get("title", [])}
    assert PRINT.title in titles


def test_oaipmh_scythe_harvests_every_record(provider: Provider) -> None:
    scythe = pytest.importorskip("oaipmh_scythe", reason="oaipmh-scythe is in the test extra")
    live, deleted = live_items(provider.catalog)
    with scythe.Scythe(provider.url) as client:
        headers = list(client.list_identifiers(metadata_prefix="oai_dc", ignore_deleted=False))
        records = list(client.list_records(metadata_prefix="oai_dc", ignore_deleted=True))
    assert len(headers) == len(live | deleted)
    assert len(records) == len(live)


def test_served_while_a_run_holds_the_catalog(provider: Provider) -> None:
    from unioncat.read_service import ReadService

    provider.get(verb="Identify")  # the provider has the catalog open: the run waits
    with writing(provider.catalog, "r9") as catalog, ReadService(catalog, provider.config):
        doc = provider.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    assert doc.find(f"{OAI}ListIdentifiers") is not None
    assert identifiers([doc])


def test_settings_are_checked() -> None:
    from unioncat.errors import ConfigError

    with pytest.raises(ConfigError, match="e-mail"):
        ProviderSettings.from_mapping({"admin_email": "nobody"})
    with pytest.raises(ConfigError, match="domain name"):
        ProviderSettings.from_mapping({"repository_identifier": "my repo"})
    with pytest.raises(ConfigError, match="page_size"):
        ProviderSettings.from_mapping({"page_size": 0})
    with pytest.raises(ConfigError, match="unknown"):
        ProviderSettings.from_mapping({"colour": "red"})
    assert ProviderSettings.from_mapping({"page_size": 50}).page_size == 50


def test_the_next_page_is_made_while_the_harvester_reads_this_one(provider: Provider) -> None:
    import time

    from tests.support.catalogs import SERVERS

    ahead = SERVERS[-1].catalog_access.next_pages
    first = provider.get(verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.find(f".//{OAI}resumptionToken").text
    deadline = time.monotonic() + 10
    while not len(ahead) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(ahead) == 1, "the next page was not made ahead"
    second = provider.get(verb="ListIdentifiers", resumptionToken=token)
    # the page made ahead is the one asked for: it follows the first without a gap
    served = identifiers([first, second])
    assert len(served) == 2 * PAGE and len(set(served)) == 2 * PAGE
    # a repeated request for the same token is answered again, not from the page ahead
    again = provider.get(verb="ListIdentifiers", resumptionToken=token)
    assert identifiers([again]) == identifiers([second])
