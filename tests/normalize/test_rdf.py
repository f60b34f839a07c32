"""The RDF formats: schema.org JSON-LD (``jsonld``) on the shared samples and on books,
chapters and articles written here, and BIBFRAME 2 RDF/XML (``bibframe``) as
marc2bibframe2 writes it (there is no shared BIBFRAME file: the descriptions below have
its shape)."""

from __future__ import annotations

import io
import json
import re
import socket
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import ROOT, read_as
from unioncat.contracts import RawEnvelope
from unioncat.errors import RecordError
from unioncat.framing import frame_file
from unioncat.ids import mint_id
from unioncat.normalize import bibframe, jsonld
from unioncat.schemas.record import Record

Cli = Callable[..., tuple[int, str, str]]
SAMPLES = ("vendor", "crossref", "fixtures")


def _jsonld(blob: bytes) -> tuple[list[Record], list[str]]:
    return read_as("jsonld", blob)


def _bibframe(blob: bytes) -> tuple[list[Record], list[str]]:
    return read_as("bibframe", blob)


def _sample(shared_data: Path, name: str) -> bytes:
    return shared_data.joinpath(*SAMPLES, name).read_bytes()


def _ids(rec: Record) -> list[tuple[str, str, str | None, str]]:
    return [(i.scheme, i.value, i.qualifier, i.status) for i in rec.identifiers]


def _names(rec: Record) -> list[tuple[str, str | None, str | None, str | None, str]]:
    return [(c.name, c.family, c.given, c.role, c.kind) for c in rec.contributors]


def _orcids(rec: Record) -> dict[str, list[str]]:
    return {c.name: [i.value for i in c.identifiers if i.scheme == "orcid"]
            for c in rec.contributors}  # fmt: skip


def _doc(**node: Any) -> bytes:
    return json.dumps({"@context": "https://schema.org", **node}).encode()


# -- the shared schema.org samples -----------------------------------------------------------

SHARED_TESTED = {
    "schema_org.json", "schema_org_front-matter.json", "schema_org_type_as_array.json",
    "schema_org_geolocation.json", "schema_org_geoshape.json", "schema_org_gtex.json",
    "schema_org_topmed.json", "schema_org_tdl_iodp_invalid_authors.json",
    "schema_org_list.json",
}  # fmt: skip


def test_every_shared_schema_org_sample_has_its_test(shared_data: Path) -> None:
    found = {p.name for p in shared_data.joinpath(*SAMPLES).glob("schema_org*.json")}
    assert found == SHARED_TESTED


def test_datacite_blog_posting(shared_data: Path) -> None:
    (rec,), failed = _jsonld(_sample(shared_data, "schema_org.json"))
    assert failed == []
    # a blog post is no journal article: "other", with its blog as the host
    assert (rec.type, rec.medium) == ("other", "electronic")
    assert rec.source_format == "jsonld-json"
    assert rec.source_id == "10.5438/4k3m-nyvg"
    assert rec.title == "Eating your own Dog Food"
    # alternateName ("MS-49-3632-5083") is DataCite's alternate identifier, not a title
    assert rec.title_variants == []
    assert _names(rec) == [("Fenner, Martin", "Fenner", "Martin", "author", "person")]
    assert _orcids(rec) == {"Fenner, Martin": ["0000-0003-1419-2405"]}
    assert (rec.publisher, rec.date, rec.year) == ("DataCite", "2016-12-20", 2016)
    assert rec.edition == "1.0"  # version
    assert rec.language == ["eng"]  # a Language node: alternateName "en"
    assert _ids(rec) == [("doi", "10.5438/4k3m-nyvg", None, "valid")]
    assert rec.host is not None and rec.host.title == "DataCite Blog"
    assert [(i.scheme, i.value) for i in rec.host.identifiers] == [("doi", "10.5438/0000-00ss")]
    assert [s.term for s in rec.subjects] == ["datacite", "doi", "metadata", "featured"]
    assert rec.abstract and rec.abstract.startswith("Eating your own dog food is a slang term")
    assert [(a.url, a.kind, a.relationship) for a in rec.access] == [
        ("https://doi.org/10.5438/4k3m-nyvg", "open", None),
        ("https://blog.datacite.org/eating-your-own-dog-food/", "open", None),
        # the encoding: a MediaObject named by its file's URL
        ("https://blog.datacite.org/eating-your-own-dog-food/eating-your-own-dog-food.xml",
         "open", "resource"),
    ]  # fmt: skip
    assert rec.access[0].note == "https://creativecommons.org/licenses/by/4.0/"
    assert rec.relations == []  # citation: references, not relations


def test_type_as_array_is_the_same_post_with_an_affiliation(shared_data: Path) -> None:
    (rec,), failed = _jsonld(_sample(shared_data, "schema_org_type_as_array.json"))
    (first,), _ = _jsonld(_sample(shared_data, "schema_org.json"))
    assert failed == []
    assert rec.id == first.id  # the DOI in another case keys the same record
    assert rec.title == "Eating your own Dog Food" and rec.type == "other"
    assert rec.contributors[0].name == "Fenner, Martin"
    assert rec.contributors[0].affiliations == ["DataCite"]
    assert _orcids(rec) == {"Fenner, Martin": ["0000-0003-1419-2405"]}
    assert rec.host is not None and rec.host.title == "DataCite Blog"
    assert (rec.publisher, rec.date, rec.edition) == ("DataCite", "2016-12-20", "1.0")
    assert rec.language == []  # no inLanguage here
    assert [s.term for s in rec.subjects] == ["datacite", "doi", "metadata", "featured"]
    # the relative "/images/..." image is not mapped; url and the DOI are the access
    assert [a.url for a in rec.access] == [
        "https://doi.org/10.5438/4k3m-nyvg",
        "https://blog.datacite.org/eating-your-own-dog-food/",
    ]


def test_front_matter_post_in_a_blog_with_an_issn(shared_data: Path) -> None:
    (rec,), failed = _jsonld(_sample(shared_data, "schema_org_front-matter.json"))
    assert failed == []
    assert rec.source_id == "10.53731/r9nqx6h-97aq74v-ag7bw"
    assert rec.title and rec.title.startswith("Editorial by more than 200 health journals")
    # headline repeats the name: no variant
    assert rec.title_variants == []
    # "name" only, written given name first
    assert _names(rec) == [("Fenner, Martin", "Fenner", "Martin", "author", "person")]
    assert _orcids(rec) == {"Fenner, Martin": ["0000-0003-1419-2405"]}
    assert rec.host is not None and rec.host.title == "Front Matter"
    assert [(i.scheme, i.value) for i in rec.host.identifiers] == [("issn", "2749-9952")]
    assert (rec.publisher, rec.date, rec.year) == ("Front Matter", "2021-09-06", 2021)
    assert rec.language == ["eng"] and [s.term for s in rec.subjects] == ["news"]
    assert rec.abstract and rec.abstract.startswith("More than 200 health journals")
    assert rec.access[0].kind == "open"
    assert rec.access[0].note == "https://creativecommons.org/licenses/by/4.0/legalcode"
    assert rec.access[1].url.startswith("https://blog.front-matter.io/posts/editorial-by")


def test_geolocation_dataset_with_six_authors_in_order(shared_data: Path) -> None:
    (rec,), failed = _jsonld(_sample(shared_data, "schema_org_geolocation.json"))
    assert failed == []
    assert (rec.type, rec.medium) == ("dataset", "electronic")
    assert rec.source_id == "10.6071/z7wc73"
    # the DOI of @id and of the identifier PropertyValue is one identifier
    assert _ids(rec) == [("doi", "10.6071/z7wc73", None, "valid")]
    assert rec.title and rec.title.startswith("Southern Sierra Critical Zone Observatory (SSCZO)")
    assert [(c.family, c.given) for c in rec.contributors] == [
        ("Bales", "Roger"), ("Meadows", "Matt"), ("Stacy", "Erin"), ("Conklin", "Martha"),
        ("Meng", "Xiande"),
        # the file calls the observatory a Person with a given and a family name: as stated
        ("Southern Sierra Critical Zone Observatory", "SSCZO"),
    ]  # fmt: skip
    assert _orcids(rec)["Stacy, Erin"] == ["0000-0002-8862-1404"]
    assert _orcids(rec)["Conklin, Martha"] == ["0000-0002-9627-2427"]
    assert _orcids(rec)["Bales, Roger"] == []
    assert (rec.publisher, rec.date, rec.year, rec.edition) == ("UC Merced", "2013", 2013, "2")
    assert rec.language == ["eng"]
    assert [s.term for s in rec.subjects] == [
        "Earth sciences", "soil moisture", "soil temperature", "snow depth", "air temperature",
        "water balance", "Nevada", "Sierra (mountain range)",
    ]  # fmt: skip
    assert rec.abstract and rec.abstract.startswith("Snow depth, soil moisture")
    assert [(a.url, a.kind) for a in rec.access] == [("https://doi.org/10.6071/z7wc73", "open")]
    assert rec.host is None


def test_geoshape_dataset_by_two_organisations(shared_data: Path) -> None:
    (rec,), failed = _jsonld(_sample(shared_data, "schema_org_geoshape.json"))
    assert failed == []
    assert (rec.type, rec.source_id) == ("dataset", "10.1594/pangaea.842237")
    assert rec.title == "Registry of all stations from the Tara Oceans Expedition (2009-2013)"
    assert _names(rec) == [
        ("Tara Oceans Consortium, Coordinators", None, None, "author", "organization"),
        ("Tara Oceans Expedition, Participants", None, None, "author", "organization"),
    ]
    assert (rec.publisher, rec.date, rec.year) == ("PANGAEA", "2015-02-03", 2015)
    assert rec.language == ["eng"] and rec.subjects == []
    assert [(a.url, a.relationship) for a in rec.access] == [
        ("https://doi.org/10.1594/pangaea.842237", None),
        ("https://doi.pangaea.de/10.1594/PANGAEA.842237", None),
        ("https://doi.pangaea.de/10.1594/PANGAEA.842237?format=html", "resource"),
        ("https://doi.pangaea.de/10.1594/PANGAEA.842237?format=textfile", "resource"),
    ]
    assert {a.kind for a in rec.access} == {"open"}
    # the cited article (a PublicationIssue in "citation") is a reference, not a record
    assert rec.relations == [] and rec.host is None


def test_gtex_dataset_with_a_file_and_no_licence(shared_data: Path) -> None:
    (rec,), failed = _jsonld(_sample(shared_data, "schema_org_gtex.json"))
    assert failed == []
    assert (rec.type, rec.source_id) == ("dataset", "10.25491/d50j-3083")
    assert _ids(rec) == [
        ("doi", "10.25491/d50j-3083", None, "valid"),
        ("local", "687610993", "md5", "valid"),
    ]
    assert _names(rec) == [("The GTEx Consortium", None, None, "author", "organization")]
    assert (rec.publisher, rec.date, rec.edition) == ("GTEx", "2017", "v7")
    assert [s.term for s in rec.subjects] == [
        "gtex", "annotation", "phenotype", "gene regulation", "transcriptomics",
    ]  # fmt: skip
    assert [(a.url, a.kind, a.relationship) for a in rec.access] == [
        ("https://doi.org/10.25491/d50j-3083", "unknown", None),
        ("https://ors.datacite.org/doi:/10.25491/d50j-3083", "unknown", None),
        ("https://storage.googleapis.com/gtex_analysis_v7/single_tissue_eqtl_data/"
         "GTEx_Analysis_v7_eQTL_expression_matrices.tar.gz", "unknown", "resource"),
    ]  # fmt: skip


def test_topmed_dataset_with_its_minid_and_guid(shared_data: Path) -> None:
    (rec,), failed = _jsonld(_sample(shared_data, "schema_org_topmed.json"))
    assert failed == []
    assert (rec.title, rec.source_id) == ("NWD165827.recab.cram", "10.23725/8na3-9s47")
    assert _ids(rec) == [
        ("doi", "10.23725/8na3-9s47", None, "valid"),
        ("local", "3b33f6b9338fccab0901b7d317577ea3", "md5", "valid"),
        ("local", "ark:/99999/fk41CrU4eszeLUDe", "minid", "valid"),
        ("local", "dg.4503/c3d66dc9-58da-411c-83c4-dd656aa3c4b7", "dataguid", "valid"),
    ]
    assert _names(rec) == [("TOPMed IRC", None, None, "author", "organization")]
    assert (rec.publisher, rec.date, rec.year) == ("TOPMed", "2017-11-30", 2017)
    assert [s.term for s in rec.subjects] == ["topmed", "whole genome sequencing"]
    # the s3:// and gs:// copies open in no browser: not access
    assert [a.url for a in rec.access] == [
        "https://doi.org/10.23725/8na3-9s47",
        "https://ors.datacite.org/doi:/10.23725/8na3-9s47",
    ]


def test_iodp_dataset_whose_authors_are_one_string(shared_data: Path) -> None:
    (rec,), failed = _jsonld(_sample(shared_data, "schema_org_tdl_iodp_invalid_authors.json"))
    assert failed == []
    # "DataSet" is DataCite's spelling of Dataset: types are matched without case
    assert (rec.type, rec.medium) == ("dataset", "electronic")
    assert rec.title == "Bulk density (GRA)"
    assert rec.source_id.startswith("cite:")  # no @id, no DOI: a content key
    names = [c.name for c in rec.contributors]
    assert len(names) == 33
    assert names[:3] == ["McNeill, L.C.", "Dugan, B.", "Petronotis, K.E."]
    assert names[-1] == "Zhao, X."  # "and Zhao, X." without its "and"
    assert "Guèrin, G." in names and all(c.role == "author" for c in rec.contributors)
    # the IODP series' ISSN, "World Wide Web: 2377-3189", on a dataset that is no part
    assert _ids(rec) == [("issn", "2377-3189", "electronic", "valid")]
    assert (rec.date, rec.year) == ("2019-04-10", 2019)  # "2019.04.10"
    assert rec.abstract == "Hole U1480A GRA - Bulk density (GRA) for Expedition 362 Hole U1480A"
    assert [s.term for s in rec.subjects][:3] == [
        "International Ocean Discovery Program", "IODP", "JOIDES Resolution",
    ]  # fmt: skip
    assert len(rec.subjects) == 8 and rec.access == [] and rec.publisher is None


def test_every_dataset_of_the_list_agrees_with_the_file(shared_data: Path) -> None:
    raw = _sample(shared_data, "schema_org_list.json")
    docs = json.loads(raw)
    records, failed = _jsonld(raw)
    assert failed == [] and len(records) == len(docs) == 214
    for doc, rec in zip(docs, records, strict=True):
        # an independent reading: the fields as written, in the simplest way
        own_doi = doc["@id"].lower().removeprefix("https://doi.org/")
        assert rec.source_id == own_doi and rec.type == "dataset", doc["@id"]
        assert rec.title == doc["name"]
        assert [c.name for c in rec.contributors] == [a["name"] for a in doc["author"]]
        assert {c.kind for c in rec.contributors} == {"organization"}
        assert (rec.date, rec.year) == (doc["datePublished"], int(doc["datePublished"][:4]))
        assert rec.publisher == doc["publisher"][0]["name"]
        assert [s.term for s in rec.subjects] == [k.strip() for k in doc["keywords"].split(",")]
        expected = [("doi", own_doi, None)] + [
            ("local", p["value"], p["propertyID"])
            for p in doc["identifier"] if p["propertyID"] != "doi"
        ]  # fmt: skip
        assert [(i.scheme, i.value, i.qualifier) for i in rec.identifiers] == expected
        assert [a.url for a in rec.access] == [f"https://doi.org/{own_doi}", doc["url"]]
        assert rec.abstract == " ".join(doc["description"].replace("<br/>", " ").split())


def test_convert_reads_the_shared_json_ld(shared_data: Path, cli: Cli, tmp_path: Path) -> None:
    paths = [str(p) for p in sorted(shared_data.joinpath(*SAMPLES).glob("schema_org*.json"))]
    out = tmp_path / "records.jsonl"
    code, stdout, _ = cli("convert", *paths, "--format", "jsonld", "-o", str(out))
    assert code == 0 and "222 records" in stdout  # 8 one-record files and the 214 list


# -- schema.org written here: books, chapters, articles --------------------------------------

BOOK_WITH_FORMATS = _doc(**{
    "@type": "Book", "@id": "https://example.org/works/river", "name": "The river archives",
    "author": {"@type": "Person", "@id": "https://orcid.org/0000-0002-1825-0097",
               "givenName": "Amara", "familyName": "Okafor",
               "affiliation": {"@type": "Organization", "name": "Tideway Institute"}},
    "inLanguage": "en", "datePublished": "2019-04",
    "publisher": {"@type": "Organization", "name": "Tideway Press"},
    "bookEdition": "2nd ed.", "numberOfPages": 312,
    "keywords": ["Hydrology", "Archives, local"], "about": {"@type": "Thing", "name": "Rivers"},
    "isPartOf": {"@type": "BookSeries", "name": "Tideway studies", "issn": "2049-3630"},
    "position": "7",
    "workExample": [
        {"@type": "Book", "bookFormat": "https://schema.org/Hardcover",
         "isbn": "978-0-306-40615-7", "name": "The river archives (hardcover)"},
        {"@type": "Book", "bookFormat": "EBook", "isbn": "9781566199094",
         "url": "https://books.example.org/river.epub"},
    ],
})  # fmt: skip


def test_a_book_with_its_formats_as_other_format_relations() -> None:
    (rec,), failed = _jsonld(BOOK_WITH_FORMATS)
    assert failed == []
    assert (rec.type, rec.title, rec.source_id) == (
        "book", "The river archives", "https://example.org/works/river",
    )  # fmt: skip
    # the work names two formats that disagree: its own medium is not known
    assert (rec.medium, rec.medium_evidence) == ("unknown", [])
    assert [(r.type, r.title, r.note, [(i.scheme, i.value) for i in r.identifiers])
            for r in rec.relations] == [
        ("other_format", "The river archives (hardcover)", "Hardcover",
         [("isbn", "9780306406157")]),
        ("other_format", None, "EBook", [("isbn", "9781566199094")]),
    ]  # fmt: skip
    assert _names(rec) == [("Okafor, Amara", "Okafor", "Amara", "author", "person")]
    assert rec.contributors[0].affiliations == ["Tideway Institute"]
    assert _orcids(rec) == {"Okafor, Amara": ["0000-0002-1825-0097"]}
    assert (rec.date, rec.year, rec.language) == ("2019-04", 2019, ["eng"])
    assert (rec.publisher, rec.edition, rec.page_count) == ("Tideway Press", "2nd ed.", 312)
    # a list of keywords is taken item by item ("Archives, local" is one)
    assert [s.term for s in rec.subjects] == ["Hydrology", "Archives, local", "Rivers"]
    assert [(s.title, s.number, s.issn) for s in rec.series] == [
        ("Tideway studies", "7", "2049-3630")
    ]
    assert rec.host is None
    assert _ids(rec) == [("uri", "https://example.org/works/river", None, "valid")]


def test_examples_that_agree_give_the_medium() -> None:
    blob = _doc(**{"@type": "Book", "name": "Atlas of tides", "workExample": [
        {"@type": "Book", "bookFormat": "Paperback", "isbn": "9780306406157"},
        {"@type": "Book", "bookFormat": "Hardcover"}]})  # fmt: skip
    (rec,), _ = _jsonld(blob)
    assert rec.medium == "print" and "Paperback" in rec.medium_evidence[0]
    (own,), _ = _jsonld(_doc(**{"@type": "Book", "name": "Atlas", "bookFormat": "EBook"}))
    assert (own.medium, own.medium_evidence) == ("electronic", ["schema.org bookFormat EBook"])
    (audio,), _ = _jsonld(_doc(**{"@type": "Audiobook", "name": "Tides read aloud",
                                  "bookFormat": "https://schema.org/AudiobookFormat"}))  # fmt: skip
    assert (audio.type, audio.medium) == ("nonmusical_sound_recording", "audio")


CHAPTER_GRAPH = json.dumps({"@context": "https://schema.org", "@graph": [
    {"@id": "#book", "@type": "Book", "name": "Estuaries of the North Sea",
     "isbn": "978-0-306-40615-7", "bookFormat": "Paperback", "datePublished": "2021",
     "editor": {"@type": "Person", "name": "Jan Visser"}},
    {"@type": "Chapter", "name": "Tidal marshes", "isPartOf": {"@id": "#book"},
     "author": [{"@type": "Person", "name": "Lena Brandt"},
                {"@type": "Person", "familyName": "Okoro", "givenName": "Chidi"}],
     "pageStart": "45", "pageEnd": "67",
     "identifier": {"@type": "PropertyValue", "propertyID": "DOI", "value": "10.5555/TIDAL.3"}},
]}).encode()  # fmt: skip


def test_a_graph_of_a_book_and_its_chapter() -> None:
    records, failed = _jsonld(CHAPTER_GRAPH)
    assert failed == []
    book, chapter = records
    # "#book" is relative: no key of its own, so the ISBN keys the book
    assert (book.type, book.source_id, book.medium) == ("book", "9780306406157", "print")
    assert _names(book) == [("Visser, Jan", "Visser", "Jan", "editor", "person")]
    assert (chapter.type, chapter.title, chapter.source_id) == (
        "book_chapter", "Tidal marshes", "10.5555/tidal.3",
    )  # fmt: skip
    assert [c.name for c in chapter.contributors] == ["Brandt, Lena", "Okoro, Chidi"]
    assert chapter.host is not None
    assert chapter.host.id == book.id == mint_id("jsonld", "9780306406157")
    assert chapter.host.title == "Estuaries of the North Sea"
    assert [(i.scheme, i.value) for i in chapter.host.identifiers] == [("isbn", "9780306406157")]
    assert (chapter.host.first_page, chapter.host.last_page) == ("45", "67")
    assert chapter.year == 2021  # the book's date


ARTICLE = json.dumps({
    "@context": "http://schema.org/", "@type": "ScholarlyArticle",
    "@id": "https://doi.org/10.5555/ESTUARY.2020.12", "headline": "Sediment in tidal channels",
    "alternativeHeadline": "How estuaries fill",
    "author": {"@list": [{"@type": "Person", "givenName": "Zoe", "familyName": "Zimmer"},
                         {"@type": "Person", "givenName": "Adam", "familyName": "Abel"}]},
    "datePublished": "2020-03-15", "pageStart": "101", "pageEnd": "118", "inLanguage": "de",
    "isPartOf": {"@type": "PublicationIssue", "issueNumber": "3", "isPartOf": {
        "@type": "PublicationVolume", "volumeNumber": "12", "isPartOf": {
            "@type": "Periodical", "name": "Journal of Estuarine Studies",
            "issn": ["0378-5955", "2049-3630"]}}},
    "sameAs": "https://www.example.org/articles/estuary-12-3",
    "license": "https://creativecommons.org/licenses/by/4.0/",
    "about": [{"@type": "DefinedTerm", "name": "Sediment transport",
               "inDefinedTermSet": {"@type": "DefinedTermSet", "name": "GeoRef"}}],
}).encode()  # fmt: skip


def test_a_scholarly_article_in_issue_volume_and_periodical() -> None:
    (rec,), failed = _jsonld(ARTICLE)
    assert failed == []
    assert (rec.type, rec.source_id) == ("journal_article", "10.5555/estuary.2020.12")
    assert rec.title == "Sediment in tidal channels"
    assert rec.title_variants == ["How estuaries fill"]
    # an @list keeps its order even where it is not alphabetical
    assert [c.name for c in rec.contributors] == ["Zimmer, Zoe", "Abel, Adam"]
    host = rec.host
    assert host is not None and host.title == "Journal of Estuarine Studies"
    assert (host.volume, host.issue, host.first_page, host.last_page) == ("12", "3", "101", "118")
    assert [(i.scheme, i.value) for i in host.identifiers] == [
        ("issn", "0378-5955"), ("issn", "2049-3630"),
    ]  # fmt: skip
    assert (rec.date, rec.year, rec.language) == ("2020-03-15", 2020, ["ger"])
    assert [(s.term, s.scheme) for s in rec.subjects] == [("Sediment transport", "GeoRef")]
    assert [(a.url, a.kind) for a in rec.access] == [
        ("https://doi.org/10.5555/estuary.2020.12", "open"),
        ("https://www.example.org/articles/estuary-12-3", "open"),
    ]


def test_an_issue_in_the_chain_is_not_a_record_but_the_journal_is() -> None:
    flat = json.dumps({"@context": "https://schema.org", "@graph": [
        {"@id": "https://example.org/jes", "@type": "Periodical",
         "name": "Journal of Estuarine Studies", "issn": "0378-5955"},
        {"@id": "https://example.org/jes/12/3", "@type": "PublicationIssue", "issueNumber": "3",
         "isPartOf": {"@id": "https://example.org/jes"}},
        {"@type": "ScholarlyArticle", "name": "Mudflats", "author": "Kim, Min-jun",
         "isPartOf": {"@id": "https://example.org/jes/12/3"}, "pagination": "e0123"},
    ]}).encode()  # fmt: skip
    records, failed = _jsonld(flat)
    assert failed == []
    journal, article = records
    assert (journal.type, journal.title) == ("journal", "Journal of Estuarine Studies")
    assert _ids(journal) == [("uri", "https://example.org/jes", None, "valid"),
                             ("issn", "0378-5955", None, "valid")]  # fmt: skip
    assert article.type == "journal_article" and article.host is not None
    assert (article.host.id, article.host.issue, article.host.first_page) == (
        journal.id, "3", "e0123",
    )  # fmt: skip
    assert _names(article) == [("Kim, Min-jun", "Kim", "Min-jun", "author", "person")]


@pytest.mark.parametrize(
    ("node", "rtype"),
    [({"@type": "Article", "name": "A"}, "other"),
     ({"@type": "Article", "name": "A", "isPartOf": {"@type": "Book", "name": "B"}},
      "book_chapter"),
     ({"@type": "NewsArticle", "name": "A"}, "newspaper_article"),
     ({"@type": "Thesis", "name": "A"}, "thesis"),
     ({"@type": "Report", "name": "A"}, "report"),
     ({"@type": "Periodical", "name": "A"}, "journal"),
     ({"@type": "Map", "name": "A"}, "cartographic_material"),
     ({"@type": "MusicRecording", "name": "A"}, "musical_sound_recording"),
     ({"@type": "Movie", "name": "A"}, "projected_medium"),
     ({"@type": "SoftwareSourceCode", "name": "A"}, "computer_file"),
     ({"@type": ["Book", "Atlas"], "name": "A"}, "cartographic_material"),
     ({"@type": "CreativeWork", "name": "A"}, "other")],
)  # fmt: skip
def test_types(node: dict[str, Any], rtype: str) -> None:
    (rec,), failed = _jsonld(_doc(**node))
    assert failed == [] and rec.type == rtype


def test_https_schema_org_iris_are_the_vocabulary_too() -> None:
    blob = json.dumps({"@context": {"@vocab": "https://schema.org/"}, "@type": "Thesis",
                       "name": "Salt marsh ecology", "author": "Kim, Min-jun",
                       "datePublished": "2018", "isbn": "9780306406157"}).encode()  # fmt: skip
    (rec,), failed = _jsonld(blob)
    assert failed == []
    assert (rec.type, rec.title, rec.year) == ("thesis", "Salt marsh ecology", 2018)
    assert rec.source_id == "9780306406157"  # no DOI, no @id: the ISBN


def test_dublin_core_terms_in_a_json_ld_graph() -> None:
    blob = json.dumps({
        "@context": {"dcterms": "http://purl.org/dc/terms/"},
        "@id": "urn:isbn:9780306406157", "dcterms:title": "Harbour records",
        "dcterms:creator": ["Okafor, Amara", "Tideway Historical Society"],
        "dcterms:date": "1998", "dcterms:publisher": "Tideway Press",
        "dcterms:subject": "Harbours", "dcterms:language": "en",
        "dcterms:description": "Records of the port.",
    }).encode()  # fmt: skip
    (rec,), failed = _jsonld(blob)
    assert failed == []
    assert (rec.title, rec.year, rec.publisher) == ("Harbour records", 1998, "Tideway Press")
    assert _names(rec) == [
        ("Okafor, Amara", "Okafor", "Amara", "author", "person"),
        ("Tideway Historical Society", None, None, "author", "organization"),
    ]
    assert _ids(rec)[0] == ("isbn", "9780306406157", None, "valid")
    assert rec.source_id == "urn:isbn:9780306406157"
    assert [s.term for s in rec.subjects] == ["Harbours"] and rec.language == ["eng"]
    assert rec.abstract == "Records of the port."


def test_arrays_and_json_lines_are_framed_per_document() -> None:
    one = json.loads(_doc(**{"@type": "Book", "name": "One", "isbn": "9780306406157"}))
    two = json.loads(_doc(**{"@type": "Book", "name": "Two", "isbn": "9781566199094"}))
    for blob in (json.dumps([one, two]).encode(),
                 (json.dumps(one) + "\n" + json.dumps(two) + "\n").encode()):  # fmt: skip
        wire, frames = frame_file(io.BytesIO(blob), "jsonld")
        assert wire == "jsonld-json" and len(list(frames)) == 2
        records, failed = _jsonld(blob)
        assert failed == [] and [r.title for r in records] == ["One", "Two"]


# -- no network ------------------------------------------------------------------------------


def test_the_bundled_schema_org_context_is_packaged() -> None:
    path = resources.files("unioncat.normalize").joinpath("contexts/schemaorg.jsonld")
    context = json.loads(path.read_text(encoding="utf-8"))["@context"]
    assert context["@vocab"] == "http://schema.org/" and len(context) > 2000
    assert context["url"] == {"@id": "schema:url", "@type": "@id"}
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert (
        "normalize/contexts/*.jsonld" in pyproject["tool"]["setuptools"]["package-data"]["unioncat"]
    )


def test_no_context_is_ever_fetched(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("a socket was opened while parsing JSON-LD")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    lines = [
        _doc(**{"@type": "Book", "name": "Schema.org by its short IRI"}),
        json.dumps({"@context": "http://schema.org/docs/jsonldcontext.jsonld",
                    "@type": "Book", "name": "By the context's own address"}).encode(),
        json.dumps({"@context": ["https://schema.org", {"ex": "https://example.org/ns#"}],
                    "@type": "Book", "name": "Schema.org and a local context",
                    "ex:shelf": "B12"}).encode(),
        json.dumps({"@context": "https://schema.org", "@type": "Book", "name": "Nested",
                    "author": {"@context": "https://w3id.org/remote/context.jsonld",
                               "name": "Anyone"}}).encode(),
        json.dumps({"@context": "https://example.org/context.jsonld", "@type": "Book",
                    "name": "Elsewhere"}).encode(),
        json.dumps({"@context": {"@import": "https://example.org/more.jsonld"},
                    "@type": "Book", "name": "Imported"}).encode(),
    ]  # fmt: skip
    records, failed = _jsonld(b"\n".join(lines) + b"\n")
    assert [r.title for r in records] == [
        "Schema.org by its short IRI", "By the context's own address",
        "Schema.org and a local context",
    ]  # fmt: skip
    assert len(failed) == 3
    assert "remote context 'https://w3id.org/remote/context.jsonld'" in failed[0]
    assert "remote context 'https://example.org/context.jsonld'" in failed[1]
    assert "imports 'https://example.org/more.jsonld'" in failed[2]


# -- broken JSON-LD --------------------------------------------------------------------------


def test_broken_documents_are_quarantined_and_their_neighbours_land() -> None:
    lines = [
        _doc(**{"@type": "Book", "name": "Before the damage", "isbn": "9780306406157"}),
        b'{"@context": "https://schema.org", "@type": "Book", "name": "Cut',
        b'{"@context": "https://schema.org", "@type": "Book", "name": "Caf\xe9 culture"}',
        _doc(**{"@type": "Book", "isbn": "9781566199094"}),
        _doc(**{"@type": "Book", "name": "A bad ISBN", "isbn": "9780306406150"}),
        _doc(**{"@type": "Person", "name": "Somebody"}),
        b'{"name": "No context at all"}',
        _doc(**{"@type": "Dataset", "name": "After the damage", "@id": "https://doi.org/10.5555/d"}),
    ]  # fmt: skip
    records, failed = _jsonld(b"\n".join(lines) + b"\n")
    assert [r.title for r in records] == ["Before the damage", "A bad ISBN", "After the damage"]
    # an ISBN whose check digit is wrong is kept, invalid, and does not key the record
    bad = records[1]
    assert _ids(bad) == [("isbn", "9780306406150", None, "invalid")]
    assert bad.source_id.startswith("cite:")
    assert len(failed) == 5
    assert "not JSON" in failed[0]
    assert "not UTF-8" in failed[1]
    assert "without a name" in failed[2] and "nothing to catalog" in failed[2]
    assert "describes no creative work: its top-level nodes are Person" in failed[3]
    assert "describes nothing as linked data" in failed[4]


def test_a_truncated_file_keeps_what_came_before() -> None:
    docs = [json.loads(_doc(**{"@type": "Book", "name": n})) for n in ("One", "Two")]
    blob = json.dumps(docs, indent=1).encode()
    records, failed = _jsonld(blob[: blob.rindex(b'"Two"') + 3])
    assert [r.title for r in records] == ["One"]
    assert len(failed) == 1 and "cut off" in failed[0]


def test_json_that_is_not_json_ld_is_quarantined() -> None:
    records, failed = _jsonld(b'{"@context": {"@vocab": 5}, "name": "x"}')
    assert records == [] and "not JSON-LD that can be read" in failed[0]


def test_names_in_one_string() -> None:
    assert jsonld.names_in("Smith, John") == ["Smith, John"]
    assert jsonld.names_in("Smith, J.; Jones, K.") == ["Smith, J.", "Jones, K."]
    assert jsonld.names_in("Smith, J., Jones, K., and Lee, M.-H.") == [
        "Smith, J.", "Jones, K.", "Lee, M.-H.",
    ]  # fmt: skip


# -- BIBFRAME --------------------------------------------------------------------------------

RDF_OPEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"\n'
    '         xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#"\n'
    '         xmlns:bf="http://id.loc.gov/ontologies/bibframe/"\n'
    '         xmlns:bflc="http://id.loc.gov/ontologies/bflc/"\n'
    '         xmlns:madsrdf="http://www.loc.gov/mads/rdf/v1#">\n'
)
RDF_CLOSE = "</rdf:RDF>\n"

# marc2bibframe2 2.x: the Work, its Instance and its Item side by side, linked by IRI
HUCK = """
  <bf:Work rdf:about="http://example.org/13600108#Work">
    <bf:adminMetadata><bf:AdminMetadata>
      <bf:identifiedBy><bf:Local><rdf:value>13600108</rdf:value>
        <bf:assigner><bf:Agent rdf:about="http://id.loc.gov/vocabulary/organizations/dlc"/>
          </bf:assigner>
      </bf:Local></bf:identifiedBy>
      <bf:generationProcess><bf:GenerationProcess>
        <rdfs:label>DLC marc2bibframe2 v2.5.0</rdfs:label></bf:GenerationProcess>
        </bf:generationProcess>
    </bf:AdminMetadata></bf:adminMetadata>
    <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Text"/>
    <bf:language><bf:Language rdf:about="http://id.loc.gov/vocabulary/languages/eng"/>
      </bf:language>
    <bf:content><bf:Content rdf:about="http://id.loc.gov/vocabulary/contentTypes/txt"/>
      </bf:content>
    <bf:contribution><bf:Contribution>
      <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/PrimaryContribution"/>
      <bf:agent><bf:Agent rdf:about="http://id.loc.gov/authorities/names/n79021164">
        <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Person"/>
        <rdfs:label>Twain, Mark, 1835-1910.</rdfs:label>
        <bflc:marcKey>1001 $aTwain, Mark,$d1835-1910.</bflc:marcKey>
      </bf:Agent></bf:agent>
      <bf:role><bf:Role rdf:about="http://id.loc.gov/vocabulary/relators/aut"/></bf:role>
    </bf:Contribution></bf:contribution>
    <bf:contribution><bf:Contribution>
      <bf:agent><bf:Agent rdf:about="http://example.org/13600108#Agent700-22">
        <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Person"/>
        <rdfs:label>Kemble, E. W., 1861-1933.</rdfs:label>
      </bf:Agent></bf:agent>
      <bf:role><bf:Role rdf:about="http://id.loc.gov/vocabulary/relators/ill">
        <rdfs:label>illustrator</rdfs:label></bf:Role></bf:role>
    </bf:Contribution></bf:contribution>
    <bf:contribution><bf:Contribution>
      <bf:agent><bf:Agent>
        <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Organization"/>
        <rdfs:label>Mark Twain Project.</rdfs:label>
      </bf:Agent></bf:agent>
    </bf:Contribution></bf:contribution>
    <bf:title><bf:Title><bf:mainTitle>Huckleberry Finn</bf:mainTitle></bf:Title></bf:title>
    <bf:subject>
      <bf:Topic rdf:about="http://id.loc.gov/authorities/subjects/sh85086079">
        <rdf:type rdf:resource="http://www.loc.gov/mads/rdf/v1#ComplexSubject"/>
        <rdfs:label>Mississippi River--Fiction.</rdfs:label>
        <bf:source><bf:Source rdf:about="http://id.loc.gov/vocabulary/subjectSchemes/lcsh"/>
          </bf:source>
      </bf:Topic>
    </bf:subject>
    <bf:subject><bf:Topic><rdfs:label>Boys--Fiction</rdfs:label>
      <bf:source><bf:Source><bf:code>fast</bf:code></bf:Source></bf:source></bf:Topic></bf:subject>
    <bf:genreForm><bf:GenreForm rdf:about="http://id.loc.gov/vocabulary/marcgt/fic">
      <rdfs:label>fiction</rdfs:label></bf:GenreForm></bf:genreForm>
    <bf:summary><bf:Summary>
      <rdfs:label>A boy and a runaway slave raft down the Mississippi.</rdfs:label></bf:Summary>
      </bf:summary>
    <bf:hasInstance rdf:resource="http://example.org/13600108#Instance"/>
  </bf:Work>
  <bf:Instance rdf:about="http://example.org/13600108#Instance">
    <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Print"/>
    <bf:issuance><bf:Issuance rdf:about="http://id.loc.gov/vocabulary/issuance/mono"/>
      </bf:issuance>
    <bf:identifiedBy><bf:Lccn><rdf:value>   85012345 </rdf:value></bf:Lccn></bf:identifiedBy>
    <bf:identifiedBy><bf:Isbn><rdf:value>0520033132</rdf:value><bf:qualifier>pbk.</bf:qualifier>
      </bf:Isbn></bf:identifiedBy>
    <bf:identifiedBy><bf:Isbn><rdf:value>0520033131</rdf:value>
      <bf:status><bf:Status rdf:about="http://id.loc.gov/vocabulary/mstatus/cancinv">
        <rdfs:label>canceled or invalid</rdfs:label></bf:Status></bf:status>
    </bf:Isbn></bf:identifiedBy>
    <bf:identifiedBy><bf:Local><rdf:value>(OCoLC)12345678</rdf:value>
      <bf:assigner><bf:Agent rdf:about="http://id.loc.gov/vocabulary/organizations/ocolc"/>
        </bf:assigner>
    </bf:Local></bf:identifiedBy>
    <bf:title><bf:Title>
      <bf:mainTitle>Adventures of Huckleberry Finn /</bf:mainTitle>
      <bf:subtitle>Tom Sawyer's comrade</bf:subtitle>
    </bf:Title></bf:title>
    <bf:title><bf:VariantTitle><bf:mainTitle>Huck Finn</bf:mainTitle></bf:VariantTitle></bf:title>
    <bf:responsibilityStatement>by Mark Twain ; illustrated by E.W. Kemble
    </bf:responsibilityStatement>
    <bf:editionStatement>1st ed.</bf:editionStatement>
    <bf:provisionActivity><bf:ProvisionActivity>
      <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Manufacture"/>
      <bf:place><bf:Place><rdfs:label>Ann Arbor</rdfs:label></bf:Place></bf:place>
      <bf:agent><bf:Agent><rdfs:label>Edwards Brothers</rdfs:label></bf:Agent></bf:agent>
    </bf:ProvisionActivity></bf:provisionActivity>
    <bf:provisionActivity><bf:ProvisionActivity>
      <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Publication"/>
      <bf:date rdf:datatype="http://id.loc.gov/datatypes/edtf">1985</bf:date>
      <bf:place><bf:Place rdf:about="http://id.loc.gov/vocabulary/countries/cau"/></bf:place>
      <bf:place><bf:Place><rdfs:label>Berkeley :</rdfs:label></bf:Place></bf:place>
      <bf:agent><bf:Agent><rdfs:label>University of California Press,</rdfs:label></bf:Agent>
        </bf:agent>
    </bf:ProvisionActivity></bf:provisionActivity>
    <bf:extent><bf:Extent><rdfs:label>xiv, 362 p. :</rdfs:label></bf:Extent></bf:extent>
    <bf:media><bf:Media rdf:about="http://id.loc.gov/vocabulary/mediaTypes/n"/></bf:media>
    <bf:carrier><bf:Carrier rdf:about="http://id.loc.gov/vocabulary/carriers/nc"/></bf:carrier>
    <bf:seriesStatement>The Mark Twain library</bf:seriesStatement>
    <bf:seriesEnumeration>v. 9</bf:seriesEnumeration>
    <bf:instanceOf rdf:resource="http://example.org/13600108#Work"/>
  </bf:Instance>
  <bf:Item rdf:about="http://example.org/13600108#Item050-11">
    <bf:heldBy><bf:Agent rdf:about="http://id.loc.gov/vocabulary/organizations/dlc"/></bf:heldBy>
    <bf:shelfMark><bf:ShelfMarkLcc><rdfs:label>PS1305 .A1 1985</rdfs:label></bf:ShelfMarkLcc>
      </bf:shelfMark>
    <bf:sublocation><bf:Sublocation><rdfs:label>Rare Book Reading Room</rdfs:label>
      </bf:Sublocation></bf:sublocation>
    <bf:itemOf rdf:resource="http://example.org/13600108#Instance"/>
  </bf:Item>
"""


def _rdf(*descriptions: str) -> bytes:
    return (RDF_OPEN + "".join(descriptions) + RDF_CLOSE).encode()


def test_a_marc2bibframe2_record() -> None:
    (rec,), failed = _bibframe(_rdf(HUCK))
    assert failed == []
    assert rec.source_format == "bibframe-rdfxml"
    # no bf:Local on the Instance (marc2bibframe2 puts the 001 in the Work's
    # adminMetadata): the Instance's IRI keys it
    assert rec.source_id == "http://example.org/13600108#Instance"
    assert (rec.type, rec.medium, rec.medium_evidence) == ("book", "print", ["bf:carrier nc"])
    assert (rec.title, rec.subtitle) == ("Adventures of Huckleberry Finn", "Tom Sawyer's comrade")
    assert rec.title_variants == ["Huck Finn", "Huckleberry Finn"]  # the variant, the Work's
    assert _names(rec) == [
        ("Twain, Mark", "Twain", "Mark", "author", "person"),
        ("Kemble, E. W.", "Kemble", "E. W.", "illustrator", "person"),
        ("Mark Twain Project", None, None, None, "organization"),
    ]
    assert [i.value for i in rec.contributors[0].identifiers] == [
        "http://id.loc.gov/authorities/names/n79021164"
    ]
    assert rec.contributors[1].identifiers == []  # an IRI minted for the record names nobody
    # the publication, not the manufacture
    assert (rec.publisher, rec.place, rec.places) == (
        "University of California Press", "Berkeley", ["Berkeley"],
    )  # fmt: skip
    assert (rec.date, rec.year, rec.edition) == ("1985", 1985, "1st ed.")
    assert rec.language == ["eng"]
    assert _ids(rec) == [
        ("lccn", "85012345", None, "valid"),
        ("isbn", "9780520033139", "pbk", "valid"),
        ("isbn", "0520033131", None, "cancelled"),
        ("oclc", "12345678", None, "valid"),
    ]
    assert [(s.term, s.scheme) for s in rec.subjects] == [
        ("Mississippi River -- Fiction", "lcsh"), ("Boys -- Fiction", "fast"),
    ]  # fmt: skip
    assert rec.abstract == "A boy and a runaway slave raft down the Mississippi."
    assert (rec.extent, rec.page_count) == ("xiv, 362 p.", 362)
    assert [(s.title, s.number) for s in rec.series] == [("The Mark Twain library", "v. 9")]
    (holding,) = rec.holdings
    assert (holding.holder, holding.call_number, holding.location, holding.form) == (
        "dlc", "PS1305 .A1 1985", "Rare Book Reading Room", "print",
    )  # fmt: skip


NESTED = """
  <bf:Work rdf:about="http://example.org/map1#Work">
    <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Cartography"/>
    <bf:title><bf:Title><bf:mainTitle>Tide chart of the Wadden Sea</bf:mainTitle></bf:Title>
      </bf:title>
    <bf:hasInstance>
      <bf:Instance rdf:about="http://example.org/map1#Instance">
        <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Electronic"/>
        <bf:identifiedBy><bf:Local><rdf:value>map1</rdf:value></bf:Local></bf:identifiedBy>
        <bf:provisionActivity><bf:Publication>
          <bflc:simplePlace>Den Helder</bflc:simplePlace>
            <bflc:simpleAgent>Hydrografische Dienst</bflc:simpleAgent>
          <bflc:simpleDate>2011.</bflc:simpleDate>
        </bf:Publication></bf:provisionActivity>
        <bf:electronicLocator rdf:resource="https://maps.example.org/wadden.pdf"/>
        <bf:hasItem>
          <bf:Item>
            <bf:heldBy><bf:Agent><rdfs:label>NL-HaKB</rdfs:label></bf:Agent></bf:heldBy>
            <bf:electronicLocator rdf:resource="https://kb.example.org/wadden"/>
          </bf:Item>
        </bf:hasItem>
      </bf:Instance>
    </bf:hasInstance>
  </bf:Work>
"""
SERIAL = """
  <bf:Instance rdf:about="http://example.org/nature#Instance">
    <bf:issuance><bf:Issuance><rdfs:label>serial</rdfs:label></bf:Issuance></bf:issuance>
    <bf:instanceOf>
      <bf:Work>
        <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Text"/>
        <bf:language><bf:Language><bf:code>eng</bf:code></bf:Language></bf:language>
      </bf:Work>
    </bf:instanceOf>
    <bf:title><bf:Title><bf:mainTitle>Nature.</bf:mainTitle></bf:Title></bf:title>
    <bf:identifiedBy><bf:Issn><rdf:value>0028-0836</rdf:value></bf:Issn></bf:identifiedBy>
    <bf:identifiedBy><bf:IssnL><rdf:value>0028-0836</rdf:value></bf:IssnL></bf:identifiedBy>
    <bf:carrier><bf:Carrier><rdfs:label>volume</rdfs:label></bf:Carrier></bf:carrier>
    <bf:hasItem><bf:Item>
      <bf:heldBy><bf:Agent rdf:about="http://id.loc.gov/vocabulary/organizations/nic"/></bf:heldBy>
      <bf:enumerationAndChronology>v.1(1869)-</bf:enumerationAndChronology>
    </bf:Item></bf:hasItem>
  </bf:Instance>
"""
ARTICLE_BF = """
  <bf:Work rdf:about="http://example.org/art7#Work">
    <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Text"/>
    <bf:title><bf:Title><bf:mainTitle>Mudflat erosion</bf:mainTitle></bf:Title></bf:title>
    <bf:relation><bf:Relation>
      <bf:relationship rdf:resource="http://id.loc.gov/vocabulary/relationship/partof"/>
      <bf:associatedResource><bf:Work>
        <bf:title><bf:Title><bf:mainTitle>Journal of Estuarine Studies</bf:mainTitle></bf:Title>
          </bf:title>
        <bf:hasInstance><bf:Instance>
          <bf:identifiedBy><bf:Issn><rdf:value>0378-5955</rdf:value></bf:Issn></bf:identifiedBy>
        </bf:Instance></bf:hasInstance>
      </bf:Work></bf:associatedResource>
      <bf:part>Vol. 12, no. 3 (2020), p. 101-118</bf:part>
    </bf:Relation></bf:relation>
    <bf:hasInstance rdf:resource="http://example.org/art7#Instance"/>
  </bf:Work>
  <bf:Instance rdf:about="http://example.org/art7#Instance">
    <bf:instanceOf rdf:resource="http://example.org/art7#Work"/>
    <bf:identifiedBy><bf:Doi><rdf:value>10.5555/MUD.7</rdf:value></bf:Doi></bf:identifiedBy>
  </bf:Instance>
"""
RECORDING = """
  <bf:Work rdf:nodeID="w5">
    <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/MusicAudio"/>
    <bf:title><bf:Title><bf:mainTitle>Songs of the tide</bf:mainTitle></bf:Title></bf:title>
  </bf:Work>
  <bf:Instance rdf:about="http://example.org/cd5#Instance">
    <bf:instanceOf rdf:nodeID="w5"/>
    <bf:carrier><bf:Carrier rdf:about="http://id.loc.gov/vocabulary/carriers/sd"/></bf:carrier>
    <bf:identifiedBy><bf:Ean><rdf:value>0724384960650</rdf:value></bf:Ean></bf:identifiedBy>
    <bf:otherPhysicalFormat><bf:Instance>
      <bf:title><bf:Title><bf:mainTitle>Songs of the tide (streaming)</bf:mainTitle></bf:Title>
        </bf:title>
      <bf:identifiedBy><bf:Local><rdf:value>stream-5</rdf:value></bf:Local></bf:identifiedBy>
    </bf:Instance></bf:otherPhysicalFormat>
  </bf:Instance>
  <bf:Agent rdf:about="http://example.org/cd5#Agent">
    <rdfs:label>Tideway Singers</rdfs:label>
  </bf:Agent>
"""
THESIS = """
  <bf:Instance rdf:about="http://example.org/th6#Instance">
    <rdf:type rdf:resource="http://id.loc.gov/ontologies/bibframe/Manuscript"/>
    <bf:title><bf:Title><bf:mainTitle>Salt marsh ecology</bf:mainTitle></bf:Title></bf:title>
    <bf:instanceOf><bf:Text>
      <bf:dissertation><bf:Dissertation><bf:degree>Ph.D.</bf:degree></bf:Dissertation>
        </bf:dissertation>
    </bf:Text></bf:instanceOf>
  </bf:Instance>
"""


def test_every_shape_and_kind_of_material() -> None:
    blob = _rdf(HUCK, NESTED, SERIAL, ARTICLE_BF, RECORDING, THESIS)
    wire, frames = frame_file(io.BytesIO(blob), "bibframe")
    assert wire == "bibframe-rdfxml"
    assert [f.error for f in frames] == [None] * 6  # one frame per record
    records, failed = _bibframe(blob)
    assert failed == []
    huck, chart, nature, article, songs, thesis = records
    assert huck.title == "Adventures of Huckleberry Finn"

    # nested as the brief describes: Work > hasInstance > Instance > hasItem > Item
    assert (chart.type, chart.medium) == ("cartographic_material", "electronic")
    assert (chart.source_id, chart.title) == ("map1", "Tide chart of the Wadden Sea")
    assert (chart.place, chart.publisher, chart.year) == (
        "Den Helder",
        "Hydrografische Dienst",
        2011,
    )
    assert [a.url for a in chart.access] == ["https://maps.example.org/wadden.pdf"]
    assert [(h.holder, h.url, h.form) for h in chart.holdings] == [
        ("NL-HaKB", "https://kb.example.org/wadden", "electronic"),
    ]  # fmt: skip

    # a top-level Instance with its Work inside it
    assert (nature.type, nature.title, nature.medium) == ("journal", "Nature", "print")
    assert _ids(nature) == [("issn", "0028-0836", None, "valid"),
                            ("issn_l", "0028-0836", None, "valid")]  # fmt: skip
    assert nature.language == ["eng"]
    (run,) = nature.holdings
    assert (run.holder, run.coverage, run.start_date, run.end_date) == (
        "nic", "v.1(1869)-", "1869", None,
    )  # fmt: skip

    # BIBFRAME 2.x's relation: part of a journal
    assert (article.type, article.title) == ("journal_article", "Mudflat erosion")
    assert article.source_id == "http://example.org/art7#Instance"
    assert _ids(article) == [("doi", "10.5555/mud.7", None, "valid")]
    host = article.host
    assert host is not None and host.title == "Journal of Estuarine Studies"
    assert [(i.scheme, i.value) for i in host.identifiers] == [("issn", "0378-5955")]
    assert (host.volume, host.issue, host.first_page, host.last_page) == ("12", "3", "101", "118")

    # a blank-node Work by rdf:nodeID; the Agent written after it joins its frame
    assert (songs.type, songs.medium) == ("musical_sound_recording", "audio")
    assert _ids(songs) == [("ean", "0724384960650", None, "valid")]
    assert [(r.type, r.title, [i.value for i in r.identifiers]) for r in songs.relations] == [
        ("other_format", "Songs of the tide (streaming)", ["stream-5"])
    ]

    assert (thesis.type, thesis.medium) == ("thesis", "print")


def test_one_rdf_document_per_record_inside_a_wrapper() -> None:
    one = _rdf(SERIAL).decode().split("?>", 1)[1]
    two = _rdf(THESIS).decode().split("?>", 1)[1]
    blob = f'<?xml version="1.0"?><collection>{one}{two}</collection>'.encode()
    records, failed = _bibframe(blob)
    assert failed == [] and [r.title for r in records] == ["Nature", "Salt marsh ecology"]


def test_a_document_that_is_one_instance() -> None:
    blob = (
        b'<bf:Instance xmlns:bf="http://id.loc.gov/ontologies/bibframe/" '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" rdf:about="http://example.org/x">'
        b"<bf:title><bf:Title><bf:mainTitle>Alone</bf:mainTitle></bf:Title></bf:title>"
        b"</bf:Instance>"
    )
    (rec,), failed = _bibframe(blob)
    assert failed == [] and (rec.title, rec.source_id) == ("Alone", "http://example.org/x")


def test_dublin_core_in_a_bibframe_graph() -> None:
    dc = """
  <rdf:Description rdf:about="urn:isbn:9780306406157" xmlns:dcterms="http://purl.org/dc/terms/">
    <dcterms:title>Harbour records</dcterms:title>
    <dcterms:creator>Okafor, Amara</dcterms:creator>
    <dcterms:date>1998</dcterms:date>
    <dcterms:identifier>urn:isbn:9780306406157</dcterms:identifier>
    <dcterms:publisher>Tideway Press</dcterms:publisher>
    <dcterms:subject>Harbours</dcterms:subject>
    <dcterms:language>en</dcterms:language>
    <dcterms:type>Dataset</dcterms:type>
  </rdf:Description>
  <bf:Instance rdf:about="http://example.org/dc2" xmlns:dcterms="http://purl.org/dc/terms/">
    <dcterms:title>Titled in Dublin Core only</dcterms:title>
    <dcterms:creator>Brandt, Lena</dcterms:creator>
  </bf:Instance>
"""
    records, failed = _bibframe(_rdf(dc))
    assert failed == []
    instance, described = sorted(records, key=lambda r: r.title or "", reverse=True)
    assert (described.title, described.year, described.publisher) == (
        "Harbour records", 1998, "Tideway Press",
    )  # fmt: skip
    assert (described.type, described.language) == ("dataset", ["eng"])
    assert _ids(described) == [("isbn", "9780306406157", None, "valid")]
    assert [c.name for c in described.contributors] == ["Okafor, Amara"]
    assert [s.term for s in described.subjects] == ["Harbours"]
    assert (instance.title, [c.name for c in instance.contributors]) == (
        "Titled in Dublin Core only", ["Brandt, Lena"],
    )  # fmt: skip


# -- broken BIBFRAME -------------------------------------------------------------------------


def _instance(about: str, title: str, extra: str = "") -> str:
    return (
        f'<bf:Instance rdf:about="http://example.org/{about}">'
        f"<bf:title><bf:Title><bf:mainTitle>{title}</bf:mainTitle></bf:Title></bf:title>"
        f"{extra}</bf:Instance>\n"
    )


def test_broken_descriptions_are_quarantined_and_their_neighbours_land() -> None:
    good = _instance("i1", "Before the damage")
    untitled = _instance("i2", "")
    latin1 = _instance("i3", "Caf\u00e9 culture")
    lone_work = (
        '<bf:Work rdf:about="http://example.org/w4"><bf:title><bf:Title>'
        "<bf:mainTitle>A work alone</bf:mainTitle></bf:Title></bf:title></bf:Work>\n"
    )
    bad_isbn = _instance(
        "i5", "A bad ISBN",
        "<bf:identifiedBy><bf:Isbn><rdf:value>9780306406150</rdf:value></bf:Isbn>"
        "</bf:identifiedBy>",
    )  # fmt: skip
    last = _instance("i6", "After the damage")
    blob = (
        RDF_OPEN.encode() + good.encode() + untitled.encode() + latin1.encode("latin-1")
        + lone_work.encode() + bad_isbn.encode() + last.encode() + RDF_CLOSE.encode()
    )  # fmt: skip
    records, failed = _bibframe(blob)
    assert [r.title for r in records] == ["Before the damage", "A bad ISBN", "After the damage"]
    assert _ids(records[1]) == [("isbn", "9780306406150", None, "invalid")]
    assert len(failed) == 3
    assert "bf:Instance without a title (http://example.org/i2)" in failed[0]
    assert "BIBFRAME description 3 is not in the file's encoding (UTF-8)" in failed[1]
    assert "bf:Work (A work alone) without a bf:Instance" in failed[2]


def test_a_truncated_file_keeps_the_records_before_the_cut() -> None:
    blob = _rdf(HUCK, SERIAL, THESIS)
    cut = blob[: blob.index(b"Salt marsh")]
    records, failed = _bibframe(cut)
    assert [r.title for r in records] == ["Adventures of Huckleberry Finn", "Nature"]
    assert len(failed) == 1 and "description" in failed[0] and "cut off" in failed[0]
    # cut between two descriptions: what came before lands, the loss is said
    between = blob[: blob.index(b'<bf:Instance rdf:about="http://example.org/nature')]
    records, failed = _bibframe(between)
    assert [r.title for r in records] == ["Adventures of Huckleberry Finn"]
    assert len(failed) == 1 and "ends before its rdf:RDF element is closed" in failed[0]


def test_a_file_that_is_not_bibframe() -> None:
    records, failed = _bibframe(b'<?xml version="1.0"?><mods xmlns="http://www.loc.gov/mods/v3"/>')
    assert records == [] and failed == [
        "no BIBFRAME description found: the root element is <mods>; BIBFRAME RDF/XML is an "
        "rdf:RDF element"
    ]
    records, failed = _bibframe(_rdf('<bf:Agent rdf:about="http://example.org/a"/>'))
    assert records == [] and "no bf:Instance and no dcterms:title" in failed[0]


def test_entities_are_never_expanded_and_dtds_never_fetched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(*_args: object, **_kw: object) -> None:
        raise AssertionError("a socket was opened while reading RDF/XML")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    secret = tmp_path / "secret.txt"
    secret.write_text("NOT-FOR-YOU")
    body = _rdf(_instance("x", "T &x;")).decode().split("?>", 1)[1]
    blob = f'<!DOCTYPE rdf:RDF [<!ENTITY x SYSTEM "file://{secret}">]>{body}'.encode()
    records, failed = _bibframe(blob)
    assert records == [] and "declares entities" in failed[0]
    assert "NOT-FOR-YOU" not in repr(records) + repr(failed)
    # the normalizer refuses one too, whoever framed it
    with pytest.raises(RecordError, match="entities"):
        bibframe.normalize(_envelope(blob.replace(b"T &x;", b"T")))
    # an external DTD is never loaded
    external = f'<!DOCTYPE rdf:RDF SYSTEM "http://example.org/rdf.dtd">{body.replace("&x;", "")}'
    records, failed = _bibframe(external.encode())
    assert failed == [] and [r.title for r in records] == ["T"]


def _envelope(payload: bytes) -> RawEnvelope:
    return RawEnvelope("bibframe", "file#0", "bibframe-rdfxml", payload, datetime.now(UTC))


def test_a_large_file_is_grouped_as_it_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bibframe, "RECORD_LIMIT", 1500)
    pairs = "".join(
        f'<bf:Work rdf:about="http://example.org/{n}#Work"><bf:title><bf:Title>'
        f"<bf:mainTitle>Title {n}</bf:mainTitle></bf:Title></bf:title>"
        f'<bf:hasInstance rdf:resource="http://example.org/{n}#Instance"/></bf:Work>\n'
        f'<bf:Instance rdf:about="http://example.org/{n}#Instance">'
        f'<bf:instanceOf rdf:resource="http://example.org/{n}#Work"/></bf:Instance>\n'
        for n in range(30)
    )
    late = (
        '<bf:Item rdf:about="http://example.org/0#Item">'
        '<bf:itemOf rdf:resource="http://example.org/0#Instance"/></bf:Item>\n'
    )
    blob = _rdf(pairs + late)
    assert len(blob) > 4 * 1500
    records, failed = _bibframe(blob)
    assert [r.title for r in records] == [f"Title {n}" for n in range(30)]
    # the Item of the first Instance comes long after it was framed: refused, saying why
    assert len(failed) == 1
    assert "belongs with http://example.org/0#Instance" in failed[0]
    assert "write each record's Work, Instances and Items together" in failed[0]


def test_an_oai_pmh_record_of_bibframe() -> None:
    oai = (
        b'<record xmlns="http://www.openarchives.org/OAI/2.0/"><header status="deleted">'
        b"<identifier>oai:example.org:13600108</identifier><datestamp>2024-01-02</datestamp>"
        b"</header></record>"
    )
    (rec,) = bibframe.normalize(_envelope(oai))
    assert rec.deleted and rec.source_id == "oai:example.org:13600108"


def test_convert_reads_bibframe(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "records.rdf"
    path.write_bytes(_rdf(HUCK, SERIAL))
    out = tmp_path / "records.jsonl"
    code, stdout, _ = cli("convert", str(path), "--format", "bibframe", "-o", str(out))
    assert code == 0 and "2 records" in stdout
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [line["title"] for line in lines] == ["Adventures of Huckleberry Finn", "Nature"]


def test_the_relative_base_never_leaks_into_a_record() -> None:
    (rec,), _ = _jsonld(_doc(**{"@type": "Book", "@id": "#b", "name": "B", "url": "/b.html"}))
    assert not re.search("unioncat.invalid", repr(rec))


def test_a_small_file_is_grouped_whatever_its_order() -> None:
    works = "".join(
        f'<bf:Work rdf:about="http://example.org/{n}#Work"><bf:title><bf:Title>'
        f"<bf:mainTitle>Title {n}</bf:mainTitle></bf:Title></bf:title></bf:Work>\n"
        for n in range(3)
    )
    instances = "".join(
        f'<bf:Instance rdf:about="http://example.org/{n}#Instance">'
        f'<bf:instanceOf rdf:resource="http://example.org/{n}#Work"/></bf:Instance>\n'
        for n in reversed(range(3))
    )
    items = (
        "<bf:Item><bf:heldBy><bf:Agent><rdfs:label>DLC</rdfs:label></bf:Agent></bf:heldBy>"
        '<bf:itemOf rdf:resource="http://example.org/1#Instance"/></bf:Item>\n'
    )
    _wire, frames = frame_file(io.BytesIO(_rdf(works + instances + items)), "bibframe")
    assert len(list(frames)) == 3  # each Work with its Instance (and the Item with #1)
    records, failed = _bibframe(_rdf(works + instances + items))
    assert failed == [] and [r.title for r in records] == ["Title 0", "Title 1", "Title 2"]
    assert [[h.holder for h in r.holdings] for r in records] == [[], ["DLC"], []]
