"""ONIX for Books products as records: onixcheck's real samples (2.1 and 3.0, reference
and short tags, with and without namespace, valid and invalid) and products written here
for what the samples do not show."""

from __future__ import annotations

import gzip
import io
import logging
import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import read_as, write_pipeline
from unioncat.framing import frame_file
from unioncat.ids import mint_id
from unioncat.schemas.record import Record

Cli = Callable[..., tuple[int, str, str]]
NS30 = "http://ns.editeur.org/onix/3.0/reference"


def _read(blob: bytes) -> tuple[list[Record], list[str]]:
    return read_as("onix", blob)


def _sample(shared_data: Path, name: str) -> bytes:
    return (shared_data / "vendor" / "onix" / name).read_bytes()


def _ids(rec: Record) -> list[tuple[str, str, str | None, str]]:
    return [(i.scheme, i.value, i.qualifier, i.status) for i in rec.identifiers]


def _people(rec: Record) -> list[tuple[str, str | None, str | None, str | None, str]]:
    return [(c.name, c.family, c.given, c.role, c.kind) for c in rec.contributors]


# -- the shared samples, each product as the file states it -----------------------------------


def test_every_product_of_every_sample_is_a_record_or_a_reason(shared_data: Path) -> None:
    # an independent count: each <Product>/<product> start tag in the file (none of the
    # samples puts one in a comment)
    for path in sorted((shared_data / "vendor" / "onix").glob("*.xml")):
        blob = path.read_bytes()
        products = len(re.findall(rb"<(?:Product|product)[\s>]", blob))
        records, failed = _read(blob)
        books = [r for r in records if r.type != "book_chapter"]
        if path.name == "invalid_onix_root.xml":
            assert (records, len(failed)) == ([], 1), path.name  # the file, not its product
        else:
            assert len(books) + len(failed) == products == 1, path.name


def test_google_sample_onix_21(shared_data: Path) -> None:
    (rec,), failed = _read(_sample(shared_data, "Google Sample ONIX 2.1.xml"))
    assert failed == []
    assert rec.source_id == "9789999999991"  # the ISBN-13, not RecordReference myid.9789999999991
    assert rec.id == mint_id("onix", "9789999999991") and rec.source_format == "onix-xml"
    assert rec.type == "book" and rec.medium == "electronic"
    assert rec.medium_evidence == [
        "onix ProductForm DG (Electronic book text)",
        "onix EpubType 029 (EPUB)",
    ]
    assert rec.title == "This is my distinctive title." and rec.title_nonfiling == 0
    assert rec.subtitle == "This is my subtitle."
    assert _people(rec) == [("Smith, Jane", "Smith", "Jane", "author", "person")]
    assert rec.language == ["eng"]
    assert (rec.page_count, rec.extent) == (1024, "1024 pages")
    assert [(s.term, s.scheme) for s in rec.subjects] == [("LIT014000", "bisac")]
    # OtherText 01 (main description); 13, the biographical note, has no field
    assert rec.abstract == "I am the main description of the book."
    assert (rec.date, rec.year) == ("2012-09-27", 2012)
    assert _ids(rec) == [("isbn", "9789999999991", None, "valid")]
    (rel,) = rec.relations
    assert rel.type == "other_format" and rel.note == (
        "onix relation 13 (Epublication based on (print product))"
    )
    assert [(i.scheme, i.value) for i in rel.identifiers] == [("isbn", "9789999999984")]
    # Deliberate: the Publisher and Imprint name themselves only by NameCodeValue, which
    # ONIX defines as a code of NameCodeType 02 (proprietary), not a name: not read as one.
    assert rec.publisher is None
    assert (rec.place, rec.edition, rec.series, rec.host, rec.deleted) == (
        None, None, [], None, False,
    )  # fmt: skip


@pytest.mark.parametrize("name", ["valid_google_onix_3.xml", "invalid_google_onix_3.xml"])
def test_google_onix_30_valid_and_invalid(
    shared_data: Path, name: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="unioncat"):
        (rec,), failed = _read(_sample(shared_data, name))
    assert failed == []
    assert rec.source_id == "9789999999991" and rec.type == "book"
    assert rec.medium == "electronic"
    form = (
        "ED (Digital download)"
        if name.startswith("valid")
        else "EA (Digital (delivered electronically))"
    )
    assert rec.medium_evidence == [f"onix ProductForm {form}", "onix ProductFormDetail E101 (EPUB)"]
    assert (rec.title, rec.subtitle) == ("This Is My Distinctive Title", "This Is A Subtitle")
    assert _people(rec) == [("Smith, Jane", "Smith", "Jane", "author", "person")]
    assert rec.language == ["eng"]
    assert [(s.term, s.scheme) for s in rec.subjects] == [
        ("LIT014000", "bisac"),  # the main subject
        ("LIT024060", "bisac"),
    ]
    assert rec.abstract == "I am a description of the book."  # TextType 03 over 02
    # Deliberate: the publisher, not its imprint "My Publishing Imprint" (the schema has
    # one publisher; the imprint stands in only when no publisher is named)
    assert rec.publisher == "My Publisher Name"
    assert (rec.date, rec.year) == ("2012-09-27", 2012)
    assert _ids(rec) == [("isbn", "9789999999991", None, "valid")]
    assert rec.relations == [] and rec.edition is None  # EditionType DGO is a code, not read
    assert (rec.series, rec.place, rec.contributors[0].identifiers) == (
        [],
        None,
        [],
    )  # NoCollection
    defects = [r.getMessage() for r in caplog.records if getattr(r, "event", "") == "onix.defect"]
    if name.startswith("valid"):
        assert (rec.page_count, rec.extent) == (1234, "1234 pages")
        assert defects == []
    else:
        # invalid_google_onix_3: the header's Sender has no SenderName and a second Sender
        # is empty, a Territory gives CountriesIncluded WORLD beside RegionsIncluded, the
        # CurrencyCode is USDD (none of them read: header, rights and prices are not
        # cataloged), and the notional page count (ExtentType 10) is in hours (unit 04).
        # The book is described well; only its extent is wrong, so it lands without one
        # and the log says why.
        assert (rec.page_count, rec.extent) == (None, None)
        (defect,) = defects
        assert "ONIX product 9789999999991" in defect and "unit 04 (hours)" in defect


def test_valid_onix2_ref(shared_data: Path) -> None:
    (rec,), failed = _read(_sample(shared_data, "valid_onix2_ref.xml"))
    assert failed == []
    assert rec.source_id == "9783898694247" and rec.type == "book"
    assert rec.medium == "electronic"
    assert rec.medium_evidence == ["onix ProductForm DG (Electronic book text)"]
    assert rec.title == "Some Title" and rec.subtitle is None
    assert rec.publisher == "Some Publisher"  # PublishingRole 01
    assert _ids(rec) == [("isbn", "9783898694247", None, "valid")]
    assert (rec.contributors, rec.date, rec.language, rec.subjects) == ([], None, [], [])


@pytest.mark.parametrize(
    "name",
    ["valid_onix3_ref.xml", "valid_onix3_ref_ns.xml", "valid_onix3_short.xml",
     "invalid_onix3_ref.xml"],
)  # fmt: skip
def test_a_product_with_an_identifier_and_nothing_else_is_quarantined(
    shared_data: Path, name: str
) -> None:
    # The four files hold the same product: RecordReference, NotificationType 03 and an
    # ISBN, which the ONIX 3.0 schema allows (blocks are optional) but which describes
    # nothing to catalog.  invalid_onix3_ref.xml differs only in its Header (no Sender),
    # which names who sent the message and is not read: its product fares the same.
    records, failed = _read(_sample(shared_data, name))
    assert records == []
    assert failed == [
        "ONIX product 9788871184371 (RecordReference org.john-doe.some-id) without a title: "
        "nothing to catalog (it has no DescriptiveDetail block, where ONIX 3.0 gives a "
        "product's TitleDetail, nor a 2.1 Title: ask the sender for the product's "
        "descriptive detail)"
    ]


def _described(blob: bytes, short: bool) -> bytes:
    """The sample with a DescriptiveDetail after its ProductIdentifier."""
    if short:
        detail = (b"<descriptivedetail><x314>00</x314><b012>BC</b012><titledetail>"
                  b"<b202>01</b202><titleelement><x409>01</x409><b203>Il mare</b203>"
                  b"</titleelement></titledetail></descriptivedetail>")  # fmt: skip
        return blob.replace(b"</productidentifier>", b"</productidentifier>" + detail)
    detail = (b"<DescriptiveDetail><ProductComposition>00</ProductComposition><ProductForm>BC"
              b"</ProductForm><TitleDetail><TitleType>01</TitleType><TitleElement>"
              b"<TitleElementLevel>01</TitleElementLevel><TitleText>Il mare</TitleText>"
              b"</TitleElement></TitleDetail></DescriptiveDetail>")  # fmt: skip
    return blob.replace(b"</ProductIdentifier>", b"</ProductIdentifier>" + detail)


def test_reference_namespace_and_short_tags_read_alike(shared_data: Path) -> None:
    read = {}
    for name in ("valid_onix3_ref.xml", "valid_onix3_ref_ns.xml", "valid_onix3_short.xml"):
        (rec,), failed = _read(_described(_sample(shared_data, name), "short" in name))
        assert failed == [], name
        read[name] = (rec.id, rec.source_id, rec.title, rec.type, rec.medium, *_ids(rec))
    assert len(set(read.values())) == 1
    assert read["valid_onix3_short.xml"][:5] == (
        mint_id("onix", "9788871184371"), "9788871184371", "Il mare", "book", "print",
    )  # fmt: skip


def test_a_root_that_is_no_onix_message_is_named(shared_data: Path) -> None:
    records, failed = _read(_sample(shared_data, "invalid_onix_root.xml"))
    assert records == []
    (reason,) = failed
    assert reason.startswith(
        "not an ONIX message: the root element is <ONIXMESAGE> in no namespace "
        "(a misspelt <ONIXMessage>? element names are case-sensitive: correct it)"
    )


def test_win_console_issue(shared_data: Path) -> None:
    (rec,), failed = _read(_sample(shared_data, "win_console_issue.xml"))
    assert failed == []
    assert rec.source_id == "9783141592641"  # not RecordReference SomeSender.9783141592641
    assert rec.type == "book" and rec.medium == "print"
    assert rec.medium_evidence == ["onix ProductForm BB (Hardback)"]
    # TitlePrefix "The" + TitleWithoutPrefix: the prefix is skipped in sorting
    assert (rec.title, rec.title_nonfiling) == ("The Book of Texas", 4)
    # the NameIDType is "16" followed by a zero-width space: still ISNI
    (lomax,) = rec.contributors
    assert (lomax.name, lomax.family, lomax.given, lomax.role) == (
        "Lomax, John Avery", "Lomax", "John Avery", "author",
    )  # fmt: skip
    assert [(i.scheme, i.value, i.status) for i in lomax.identifiers] == [
        ("isni", "0000000083795662", "valid")
    ]
    assert rec.publisher == "Flashpoint Publishing"
    assert (rec.date, rec.year) == ("1916-03-02", 1916)
    assert rec.language == ["eng"] and rec.edition is None  # NoEdition
    # ProductIDType 03 (GTIN-13) and 15 (ISBN-13) give the same number, each as what it is
    assert _ids(rec) == [
        ("ean", "9783141592641", None, "valid"),
        ("isbn", "9783141592641", None, "valid"),
    ]


def test_convert_reads_the_samples_that_describe_a_book(
    shared_data: Path, cli: Cli, tmp_path: Path
) -> None:
    names = ["Google Sample ONIX 2.1.xml", "valid_google_onix_3.xml", "valid_onix2_ref.xml",
             "win_console_issue.xml"]  # fmt: skip
    paths = [str(shared_data / "vendor" / "onix" / n) for n in names]
    out = tmp_path / "books.jsonl"
    code, stdout, _ = cli("convert", *paths, "--format", "onix", "-o", str(out))
    assert code == 0 and "4 records" in stdout
    assert out.read_text().count("\n") == 4


# -- what the samples do not show ----------------------------------------------------------

RICH_30 = """<Product datestamp="20240105">
  <RecordReference>com.tideway.9780306406157</RecordReference>
  <NotificationType>03</NotificationType>
  <ProductIdentifier><ProductIDType>01</ProductIDType><IDTypeName>Tideway SKU</IDTypeName>
    <IDValue>TW-0042</IDValue></ProductIdentifier>
  <ProductIdentifier><ProductIDType>03</ProductIDType><IDValue>9780306406157</IDValue>
    </ProductIdentifier>
  <ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>978-0-306-40615-7</IDValue>
    </ProductIdentifier>
  <ProductIdentifier><ProductIDType>06</ProductIDType><IDValue>10.5555/TIDEWAY.42</IDValue>
    </ProductIdentifier>
  <DescriptiveDetail>
    <ProductComposition>00</ProductComposition>
    <ProductForm>BC</ProductForm>
    <ProductFormDetail>B106</ProductFormDetail>
    <Collection>
      <CollectionType>10</CollectionType>
      <CollectionIdentifier><CollectionIDType>02</CollectionIDType><IDValue>0317-8471</IDValue>
        </CollectionIdentifier>
      <TitleDetail><TitleType>01</TitleType>
        <TitleElement><TitleElementLevel>02</TitleElementLevel><PartNumber>7</PartNumber>
          <TitleText>Estuary Studies</TitleText></TitleElement>
      </TitleDetail>
    </Collection>
    <TitleDetail><TitleType>01</TitleType>
      <TitleElement><TitleElementLevel>01</TitleElementLevel><PartNumber>Volume 3</PartNumber>
        <TitleText>The Tudors</TitleText><Subtitle>Tides and trade</Subtitle></TitleElement>
      <TitleElement><TitleElementLevel>02</TitleElementLevel><TitlePrefix>A</TitlePrefix>
        <TitleWithoutPrefix>History of the Tideway</TitleWithoutPrefix></TitleElement>
    </TitleDetail>
    <TitleDetail><TitleType>05</TitleType><TitleElement><TitleElementLevel>01</TitleElementLevel>
      <TitleText>Hist. Tideway 3</TitleText></TitleElement></TitleDetail>
    <TitleDetail><TitleType>10</TitleType><TitleElement><TitleElementLevel>01</TitleElementLevel>
      <TitleText>Tideway History, vol. 3</TitleText></TitleElement></TitleDetail>
    <Contributor><SequenceNumber>3</SequenceNumber><ContributorRole>B06</ContributorRole>
      <PersonName>Amara Okafor</PersonName></Contributor>
    <Contributor><SequenceNumber>1</SequenceNumber><ContributorRole>A01</ContributorRole>
      <ContributorRole>A12</ContributorRole>
      <NameIdentifier><NameIDType>21</NameIDType>
        <IDValue>https://orcid.org/0000-0002-1825-0097</IDValue></NameIdentifier>
      <PersonName>Vincent van Gogh</PersonName>
      <PersonNameInverted>Gogh, Vincent van</PersonNameInverted>
      <NamesBeforeKey>Vincent</NamesBeforeKey><PrefixToKey>van</PrefixToKey>
      <KeyNames>Gogh</KeyNames>
      <ProfessionalAffiliation><ProfessionalPosition>Curator</ProfessionalPosition>
        <Affiliation>Tideway Institute</Affiliation></ProfessionalAffiliation>
    </Contributor>
    <Contributor><SequenceNumber>2</SequenceNumber><ContributorRole>B01</ContributorRole>
      <CorporateName>Tideway Historical Society</CorporateName></Contributor>
    <Contributor><SequenceNumber>4</SequenceNumber><ContributorRole>A01</ContributorRole>
      <UnnamedPersons>01</UnnamedPersons></Contributor>
    <EditionNumber>2</EditionNumber>
    <Language><LanguageRole>01</LanguageRole><LanguageCode>eng</LanguageCode></Language>
    <Language><LanguageRole>02</LanguageRole><LanguageCode>ger</LanguageCode></Language>
    <Extent><ExtentType>03</ExtentType><ExtentValue>24</ExtentValue><ExtentUnit>03</ExtentUnit>
      </Extent>
    <Extent><ExtentType>00</ExtentType><ExtentValue>312</ExtentValue><ExtentUnit>03</ExtentUnit>
      </Extent>
    <Subject><SubjectSchemeIdentifier>93</SubjectSchemeIdentifier><SubjectCode>NHD</SubjectCode>
      </Subject>
    <Subject><MainSubject/><SubjectSchemeIdentifier>10</SubjectSchemeIdentifier>
      <SubjectCode>HIS015000</SubjectCode>
      <SubjectHeadingText>HISTORY / Europe / Great Britain</SubjectHeadingText></Subject>
    <Subject><SubjectSchemeIdentifier>96</SubjectSchemeIdentifier><SubjectCode>3MD</SubjectCode>
      </Subject>
    <Subject><SubjectSchemeIdentifier>20</SubjectSchemeIdentifier>
      <SubjectHeadingText>rivers; trade;tides</SubjectHeadingText></Subject>
    <Subject><SubjectSchemeIdentifier>24</SubjectSchemeIdentifier>
      <SubjectSchemeName>Tideway Shelves</SubjectSchemeName><SubjectCode>R-12</SubjectCode>
      </Subject>
  </DescriptiveDetail>
  <CollateralDetail>
    <TextContent><TextType>02</TextType><ContentAudience>00</ContentAudience>
      <Text>A short blurb.</Text></TextContent>
    <TextContent><TextType>03</TextType><ContentAudience>00</ContentAudience>
      <Text textformat="05"><p xmlns="http://www.w3.org/1999/xhtml">First paragraph.</p><p
        xmlns="http://www.w3.org/1999/xhtml">Second <em>one</em>.</p></Text></TextContent>
  </CollateralDetail>
  <ContentDetail>
    <ContentItem><LevelSequenceNumber>1</LevelSequenceNumber>
      <ComponentTypeName>Front matter</ComponentTypeName></ContentItem>
    <ContentItem><LevelSequenceNumber>2</LevelSequenceNumber>
      <TextItem><TextItemType>03</TextItemType>
        <TextItemIdentifier><TextItemIDType>06</TextItemIDType>
          <IDValue>10.5555/tideway.42.c1</IDValue></TextItemIdentifier>
        <PageRun><FirstPageNumber>1</FirstPageNumber><LastPageNumber>40</LastPageNumber>
          </PageRun><NumberOfPages>40</NumberOfPages></TextItem>
      <ComponentTypeName>Chapter</ComponentTypeName><ComponentNumber>1</ComponentNumber>
      <TitleDetail><TitleType>01</TitleType><TitleElement>
        <TitleElementLevel>04</TitleElementLevel><TitleText>Watermen and their wherries</TitleText>
        </TitleElement></TitleDetail>
      <Contributor><SequenceNumber>1</SequenceNumber><ContributorRole>A01</ContributorRole>
        <PersonNameInverted>Okafor, Amara</PersonNameInverted></Contributor>
    </ContentItem>
    <ContentItem><LevelSequenceNumber>3</LevelSequenceNumber>
      <TextItem><TextItemType>03</TextItemType><PageRun><FirstPageNumber>41</FirstPageNumber>
        <LastPageNumber>77</LastPageNumber></PageRun></TextItem>
      <ComponentTypeName>Chapter</ComponentTypeName><ComponentNumber>2</ComponentNumber>
      <TitleDetail><TitleType>01</TitleType><TitleElement>
        <TitleElementLevel>04</TitleElementLevel><TitleText>The Steelyard</TitleText>
        </TitleElement></TitleDetail>
    </ContentItem>
  </ContentDetail>
  <PublishingDetail>
    <Imprint><ImprintName>Tideway Books</ImprintName></Imprint>
    <Publisher><PublishingRole>02</PublishingRole><PublisherName>River Press</PublisherName>
      </Publisher>
    <Publisher><PublishingRole>01</PublishingRole>
      <PublisherName>Tideway Publishing Group</PublisherName></Publisher>
    <CityOfPublication>London</CityOfPublication>
    <CityOfPublication>New York</CityOfPublication>
    <PublishingStatus>04</PublishingStatus>
    <PublishingDate><PublishingDateRole>19</PublishingDateRole><Date>20190101</Date>
      </PublishingDate>
    <PublishingDate><PublishingDateRole>01</PublishingDateRole>
      <Date dateformat="01">202403</Date></PublishingDate>
  </PublishingDetail>
  <RelatedMaterial>
    <RelatedProduct><ProductRelationCode>22</ProductRelationCode>
      <ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>9780140449136</IDValue>
        </ProductIdentifier></RelatedProduct>
    <RelatedProduct><ProductRelationCode>06</ProductRelationCode>
      <ProductRelationCode>27</ProductRelationCode>
      <ProductIdentifier><ProductIDType>01</ProductIDType><IDTypeName>Tideway SKU</IDTypeName>
        <IDValue>TW-0043</IDValue></ProductIdentifier>
      <ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>9781861972712</IDValue>
        </ProductIdentifier></RelatedProduct>
  </RelatedMaterial>
</Product>"""

# EDItEUR's short tags (ONIX 3.0 short-tag schema) of every element RICH_30 uses
SHORT_30 = {
    "Affiliation": "b046", "CityOfPublication": "b209", "CollateralDetail": "collateraldetail",
    "Collection": "collection", "CollectionIDType": "x344",
    "CollectionIdentifier": "collectionidentifier", "CollectionType": "x329",
    "ComponentNumber": "b289", "ComponentTypeName": "b288", "ContentAudience": "x427",
    "ContentDetail": "contentdetail", "ContentItem": "contentitem", "Contributor": "contributor",
    "ContributorRole": "b035", "CorporateName": "b047", "Date": "b306",
    "DescriptiveDetail": "descriptivedetail", "EditionNumber": "b057", "Extent": "extent",
    "ExtentType": "b218", "ExtentUnit": "b220", "ExtentValue": "b219",
    "FirstPageNumber": "b286", "IDTypeName": "b233", "IDValue": "b244", "Imprint": "imprint",
    "ImprintName": "b079", "KeyNames": "b040", "Language": "language", "LanguageCode": "b252",
    "LanguageRole": "b253", "LastPageNumber": "b287", "LevelSequenceNumber": "b284",
    "MainSubject": "x425", "NameIDType": "x415", "NameIdentifier": "nameidentifier",
    "NamesBeforeKey": "b039", "NotificationType": "a002", "NumberOfPages": "b061",
    "PageRun": "pagerun", "PartNumber": "x410", "PersonName": "b036",
    "PersonNameInverted": "b037", "PrefixToKey": "b247", "Product": "product",
    "ProductComposition": "x314", "ProductForm": "b012", "ProductFormDetail": "b333",
    "ProductIDType": "b221", "ProductIdentifier": "productidentifier",
    "ProductRelationCode": "x455", "ProfessionalAffiliation": "professionalaffiliation",
    "ProfessionalPosition": "b045", "Publisher": "publisher", "PublisherName": "b081",
    "PublishingDate": "publishingdate", "PublishingDateRole": "x448",
    "PublishingDetail": "publishingdetail", "PublishingRole": "b291",
    "PublishingStatus": "b394", "RecordReference": "a001", "RelatedMaterial": "relatedmaterial",
    "RelatedProduct": "relatedproduct", "SequenceNumber": "b034", "Subject": "subject",
    "SubjectCode": "b069", "SubjectHeadingText": "b070", "SubjectSchemeIdentifier": "b067",
    "SubjectSchemeName": "b171", "Subtitle": "b029", "Text": "d104",
    "TextContent": "textcontent", "TextItem": "textitem", "TextItemIDType": "b285",
    "TextItemIdentifier": "textitemidentifier", "TextItemType": "b290", "TextType": "x426",
    "TitleDetail": "titledetail", "TitleElement": "titleelement", "TitleElementLevel": "x409",
    "TitlePrefix": "b030", "TitleText": "b203", "TitleType": "b202",
    "TitleWithoutPrefix": "b031", "UnnamedPersons": "b249",
}  # fmt: skip


def _message(*products: str, root: str = "ONIXMessage", xmlns: str | None = None) -> bytes:
    declared = f' xmlns="{xmlns}"' if xmlns else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><{root} release="3.0"{declared}>'
            f"<Header/>{''.join(products)}</{root}>").encode()  # fmt: skip


def _short(product: str) -> str:
    """A product in reference tags written in short tags."""

    def swap(m: re.Match[str]) -> str:
        return m.group(1) + SHORT_30.get(m.group(2), m.group(2))

    return re.sub(r"(</?)([A-Za-z]+)(?=[\s/>])", swap, product)


def _comparable(records: list[Record]) -> list[Record]:
    for r in records:
        r.harvested_at = None
    return records


def test_a_full_30_product_field_by_field() -> None:
    (book, first, second), failed = _read(_message(RICH_30))
    assert failed == []
    assert book.source_id == "9780306406157" and book.type == "book" and book.medium == "print"
    # the binding (B106) is no file format: not medium evidence
    assert book.medium_evidence == ["onix ProductForm BC (Paperback / softback)"]
    # a dependent title: the collection level is the title, the product level its part
    assert (book.title, book.title_nonfiling, book.subtitle) == (
        "A History of the Tideway", 2, "Tides and trade",
    )  # fmt: skip
    assert book.part is not None
    assert (book.part.number, book.part.name) == ("Volume 3", "The Tudors")
    assert book.title_variants == ["Hist. Tideway 3", "Tideway History, vol. 3"]
    # SequenceNumber order; the unnamed contributor names nobody
    assert _people(book) == [
        ("Gogh, Vincent van", "Gogh", "Vincent van", "author; illustrator", "person"),
        ("Tideway Historical Society", None, None, "editor", "organization"),
        ("Okafor, Amara", "Okafor", "Amara", "translator", "person"),
    ]
    gogh = book.contributors[0]
    assert [(i.scheme, i.value) for i in gogh.identifiers] == [("orcid", "0000-0002-1825-0097")]
    assert gogh.affiliations == ["Tideway Institute"]
    assert book.publisher == "Tideway Publishing Group"  # role 01, not the co-publisher
    assert (book.place, book.places) == ("London", ["London", "New York"])
    assert (book.date, book.year) == ("2024-03", 2024)  # role 01, YYYYMM; not role 19
    assert book.edition == "2nd edition"
    assert book.language == ["eng"]  # LanguageRole 02 (original language) is not the text's
    assert (book.page_count, book.extent) == (312, "312 pages")  # main content, not front matter
    assert _ids(book) == [
        ("local", "TW-0042", "Tideway SKU", "valid"),
        ("ean", "9780306406157", None, "valid"),
        ("isbn", "9780306406157", None, "valid"),
        ("doi", "10.5555/tideway.42", None, "valid"),
    ]
    assert [(s.term, s.scheme) for s in book.subjects] == [
        ("HISTORY / Europe / Great Britain", "bisac"),  # the main subject first
        ("NHD", "thema"),
        ("3MD", "thema"),  # a Thema time qualifier (96)
        ("rivers", "keywords"), ("trade", "keywords"), ("tides", "keywords"),
        ("R-12", "tideway-shelves"),  # a proprietary scheme by its name
    ]  # fmt: skip
    assert book.abstract == "First paragraph. Second one."
    assert [(s.title, s.number, s.issn) for s in book.series] == [
        ("Estuary Studies", "7", "0317-8471")
    ]
    # 06 and 27 name the paperback's e-book by its ISBN (its proprietary number links
    # nothing); 22 "product by same author" is marketing
    (rel,) = book.relations
    assert (rel.type, rel.note) == ("other_format", "onix relation 06 (Alternative format)")
    assert [(i.scheme, i.value) for i in rel.identifiers] == [("isbn", "9781861972712")]
    assert book.datestamp == "2024-01-05" and book.host is None
    # the content items with a title of their own are its chapters
    for n, (chapter, title, pages) in enumerate(
        [
            (first, "Watermen and their wherries", ("1", "40")),
            (second, "The Steelyard", ("41", "77")),
        ],
        start=1,
    ):
        assert chapter.type == "book_chapter" and chapter.title == title
        assert chapter.source_id == f"9780306406157#content-{n}"
        assert chapter.host is not None and chapter.host.id == book.id
        assert chapter.host.title == "A History of the Tideway"
        assert [i.value for i in chapter.host.identifiers] == ["9780306406157"]
        assert (chapter.host.first_page, chapter.host.last_page) == pages
        assert chapter.part is not None and chapter.part.number == str(n)
        assert (chapter.publisher, chapter.year, chapter.language, chapter.medium) == (
            book.publisher, 2024, ["eng"], "print",
        )  # fmt: skip
    assert _people(first) == [("Okafor, Amara", "Okafor", "Amara", "author", "person")]
    assert _ids(first) == [("doi", "10.5555/tideway.42.c1", None, "valid")]
    assert first.page_count == 40 and second.contributors == [] and second.identifiers == []


def test_short_tags_and_the_namespace_give_the_same_records() -> None:
    plain = _comparable(_read(_message(RICH_30))[0])
    short = _comparable(_read(_message(_short(RICH_30), root="ONIXmessage"))[0])
    spaced = _comparable(_read(_message(RICH_30, xmlns=NS30))[0])
    short_ns = _comparable(
        _read(_message(_short(RICH_30), root="ONIXmessage",
                       xmlns="http://ns.editeur.org/onix/3.0/short"))[0]
    )  # fmt: skip
    assert len(plain) == 3 and plain == short == spaced == short_ns


RICH_21 = """<Product>
  <RecordReference>uk.tideway.0306406152</RecordReference>
  <NotificationType>03</NotificationType>
  <ProductIdentifier><ProductIDType>02</ProductIDType><IDValue>0306406152</IDValue>
    </ProductIdentifier>
  <ProductForm>BB</ProductForm>
  <Series>
    <SeriesIdentifier><SeriesIDType>02</SeriesIDType><IDValue>0317-8471</IDValue>
      </SeriesIdentifier>
    <TitleOfSeries>Estuary Studies</TitleOfSeries><NumberWithinSeries>8</NumberWithinSeries>
  </Series>
  <Title><TitleType>01</TitleType><TitlePrefix>The</TitlePrefix>
    <TitleWithoutPrefix>Thames Barge</TitleWithoutPrefix><Subtitle>A working life</Subtitle>
    </Title>
  <Title><TitleType>03</TitleType><TitleText>Die Themsebarke</TitleText></Title>
  <Contributor><SequenceNumber>2</SequenceNumber><ContributorRole>A24</ContributorRole>
    <PersonName>Tom Reed</PersonName></Contributor>
  <Contributor><SequenceNumber>1</SequenceNumber><ContributorRole>A01</ContributorRole>
    <PersonNameIdentifier><PersonNameIDType>16</PersonNameIDType>
      <IDValue>0000 0001 2146 438X</IDValue></PersonNameIdentifier>
    <PersonNameInverted>Marsh, Eleanor</PersonNameInverted></Contributor>
  <EditionStatement>Revised and enlarged edition</EditionStatement>
  <Language><LanguageRole>01</LanguageRole><LanguageCode>eng</LanguageCode></Language>
  <NumberOfPages>256</NumberOfPages>
  <PagesRoman>xii</PagesRoman>
  <BASICMainSubject>TRA006000</BASICMainSubject>
  <MainSubject><MainSubjectSchemeIdentifier>12</MainSubjectSchemeIdentifier>
    <SubjectCode>WGG</SubjectCode></MainSubject>
  <Subject><SubjectSchemeIdentifier>04</SubjectSchemeIdentifier>
    <SubjectHeadingText>Barges -- England -- Thames River</SubjectHeadingText></Subject>
  <OtherText><TextTypeCode>02</TextTypeCode><Text>Short.</Text></OtherText>
  <OtherText><TextTypeCode>01</TextTypeCode>
    <Text>The life of a sailing barge on the Thames.</Text></OtherText>
  <Imprint><ImprintName>Tideway Books</ImprintName></Imprint>
  <CityOfPublication>Rochester</CityOfPublication>
  <PublicationDate>1998</PublicationDate>
  <RelatedProduct><RelationCode>06</RelationCode>
    <ProductIdentifier><ProductIDType>15</ProductIDType><IDValue>9781861972712</IDValue>
      </ProductIdentifier></RelatedProduct>
</Product>"""


def test_a_full_21_product_field_by_field() -> None:
    (rec,), failed = _read(_message(RICH_21).replace(b'"3.0"', b'"2.1"'))
    assert failed == []
    assert rec.source_id == "9780306406157"  # the ISBN-10, as 13 digits
    assert _ids(rec) == [("isbn", "9780306406157", None, "valid")]
    assert (rec.type, rec.medium) == ("book", "print")
    assert (rec.title, rec.title_nonfiling, rec.subtitle) == (
        "The Thames Barge",
        4,
        "A working life",
    )
    assert rec.title_variants == ["Die Themsebarke"]  # title in original language (03)
    assert _people(rec) == [
        ("Marsh, Eleanor", "Marsh", "Eleanor", "author", "person"),
        ("Reed, Tom", "Reed", "Tom", "author of introduction", "person"),
    ]
    assert [(i.scheme, i.value, i.status) for i in rec.contributors[0].identifiers] == [
        ("isni", "000000012146438X", "valid")
    ]
    assert rec.edition == "Revised and enlarged edition"
    assert rec.language == ["eng"]
    assert (rec.page_count, rec.extent) == (256, "xii, 256 pages")
    assert [(s.term, s.scheme) for s in rec.subjects] == [
        ("WGG", "bic"), ("TRA006000", "bisac"), ("Barges -- England -- Thames River", "lcsh"),
    ]  # fmt: skip
    assert rec.abstract == "The life of a sailing barge on the Thames."  # 01 over 02
    assert rec.publisher == "Tideway Books"  # no publisher is named: the imprint stands in
    assert (rec.place, rec.date, rec.year) == ("Rochester", "1998", 1998)
    assert [(s.title, s.number, s.issn) for s in rec.series] == [
        ("Estuary Studies", "8", "0317-8471")
    ]
    (rel,) = rec.relations
    assert rel.type == "other_format" and rel.identifiers[0].value == "9781861972712"


def _product(desc: str = "", publishing: str = "", head: str = "", tail: str = "",
             ref: str = "ref-1", notification: str = "03", form: str = "BC",
             title: str = "<TitleText>A river</TitleText>") -> str:  # fmt: skip
    return (f"<Product><RecordReference>{ref}</RecordReference>"
            f"<NotificationType>{notification}</NotificationType>{head}<DescriptiveDetail>"
            f"<ProductForm>{form}</ProductForm>{desc}<TitleDetail><TitleType>01</TitleType>"
            f"<TitleElement><TitleElementLevel>01</TitleElementLevel>{title}</TitleElement>"
            f"</TitleDetail></DescriptiveDetail><PublishingDetail>{publishing}"
            f"</PublishingDetail>{tail}</Product>")  # fmt: skip


def _isbn(value: str, kind: str = "15") -> str:
    return (f"<ProductIdentifier><ProductIDType>{kind}</ProductIDType><IDValue>{value}"
            "</IDValue></ProductIdentifier>")  # fmt: skip


def test_forms_compositions_and_parts() -> None:
    audio = _product(
        form="AJ",
        desc="<ProductFormDetail>A103</ProductFormDetail><PrimaryContentType>03"
        "</PrimaryContentType><Extent><ExtentType>09</ExtentType><ExtentValue>345</ExtentValue>"
        "<ExtentUnit>05</ExtentUnit></Extent>",
        ref="audio",
    )
    spoken = _product(
        form="AN",
        desc="<Extent><ExtentType>09</ExtentType><ExtentValue>0345</ExtentValue>"
        "<ExtentUnit>15</ExtentUnit></Extent>",
        ref="spoken",
    )
    boxed = _product(desc="<ProductComposition>10</ProductComposition>", form="BB", ref="box")
    component = _product(
        desc="<ProductComposition>01</ProductComposition>",
        ref="part",
        tail="<RelatedMaterial><RelatedProduct><ProductRelationCode>02</ProductRelationCode>"
        + _isbn("9780306406157")
        + "</RelatedProduct></RelatedMaterial>",
    )
    pdf = _product(form="EA", desc="<ProductFormDetail>E107</ProductFormDetail>", ref="pdf")
    video, atlas, score = (_product(form=f, ref=f) for f in ("VO", "CB", "PI"))
    records, failed = _read(_message(audio, spoken, boxed, component, pdf, video, atlas, score))
    assert failed == []
    got = {r.source_id: r for r in records}
    assert (got["audio"].type, got["audio"].medium) == ("musical_sound_recording", "audio")
    assert got["audio"].medium_evidence == [
        "onix ProductForm AJ (Downloadable audio file)",
        "onix ProductFormDetail A103 (MP3 format)",
    ]
    assert got["audio"].extent == "345 minutes" and got["audio"].page_count is None
    assert (got["spoken"].type, got["spoken"].extent) == (
        "nonmusical_sound_recording",
        "3 h 45 min",
    )
    assert got["box"].type == "book_set"
    part = got["part"]
    assert part.type == "book_chapter" and part.host is not None  # a component, as MARC's
    assert [i.value for i in part.host.identifiers] == ["9780306406157"]
    assert part.relations == []  # the host says it once
    assert (got["pdf"].medium, got["pdf"].medium_evidence[-1]) == (
        "electronic", "onix ProductFormDetail E107 (PDF)",
    )  # fmt: skip
    assert (got["VO"].type, got["VO"].medium) == ("projected_medium", "video")
    assert (got["CB"].type, got["CB"].medium) == ("cartographic_material", "print")
    assert (got["PI"].type, got["PI"].medium) == ("notated_music", "print")


@pytest.mark.parametrize(
    ("date", "expected"),
    [('<Date dateformat="05">2019</Date>', "2019"),
     ("<DateFormat>00</DateFormat><Date>20190704</Date>", "2019-07-04"),
     ('<Date dateformat="13">20190704T1200</Date>', "2019-07-04"),
     ('<Date dateformat="03">20193</Date>', "2019"),  # a quarter: its year
     ('<Date dateformat="06">2019070120190801</Date>', "2019-07-01"),  # a range: its start
     ('<Date dateformat="12">Spring 2019</Date>', "2019"),
     ('<Date dateformat="20">14400101</Date>', None),  # Hijri: not a Gregorian year
     ("<Date>20190230</Date>", None)],
)  # fmt: skip
def test_publication_dates_by_their_format(date: str, expected: str | None) -> None:
    publishing = (
        f"<PublishingDate><PublishingDateRole>01</PublishingDateRole>{date}</PublishingDate>"
    )
    (rec,), failed = _read(_message(_product(publishing=publishing)))
    assert failed == [] and rec.date == expected
    assert rec.year == (int(expected[:4]) if expected else None)


def test_a_deletion_notice_tombstones_the_same_record() -> None:
    live = _product(head=_isbn("9780306406157"), ref="ref-7")
    gone = (
        '<Product datestamp="20240105T1530Z"><RecordReference>ref-7</RecordReference>'
        f"<NotificationType>05</NotificationType>{_isbn('9780306406157')}</Product>"
    )
    (book,), _ = _read(_message(live))
    (dead,), failed = _read(_message(gone))
    assert failed == []
    assert dead.deleted and dead.id == book.id and dead.source_id == "9780306406157"
    assert dead.datestamp == "2024-01-05T15:30Z"
    assert dead.title is None and dead.identifiers == []


def test_notifications_not_to_load() -> None:
    records, failed = _read(_message(
        _product(ref="t", notification="89"), _product(ref="u", notification="07"),
        _product(ref="p", notification="04"),
        "<Product><RecordReference>q</RecordReference><NotificationType>04</NotificationType>"
        "<PublishingDetail><PublishingStatus>07</PublishingStatus></PublishingDetail></Product>",
    ))  # fmt: skip
    assert [r.source_id for r in records] == ["p"]  # a partial update with its description
    assert len(failed) == 3
    assert "ONIX product t is a test record (NotificationType 89)" in failed[0]
    assert "NotificationType '07', not in ONIX code list 1" in failed[1]
    assert "partial update (NotificationType 04) without its DescriptiveDetail" in failed[2]


def _three(middle: str) -> bytes:
    return _message(_product(ref="before"), middle, _product(ref="after"))


@pytest.mark.parametrize(
    ("middle", "reason"),
    [(_product(ref="m", title="<TitleText></TitleText>"),
      "ONIX product m without a title: nothing to catalog (its TitleDetail (Title in 2.1) "
      "gives no TitleText"),
     (_product(ref="m", title=""), "ONIX product m without a title"),
     (_product(ref=""), "without a RecordReference or a product identifier: nothing keys it"),
     (_product(ref="m").replace("</Product>", ""),
      "ONIX <Product> 1 is not well-formed: it has no end tag before the next record starts"),
     (_product(ref="m", notification="99"), "not in ONIX code list 1")],
)  # fmt: skip
def test_a_broken_product_is_quarantined_and_its_neighbours_land(middle: str, reason: str) -> None:
    records, failed = _read(_three(middle))
    assert [r.source_id for r in records] == ["before", "after"]
    assert len(failed) == 1 and reason in failed[0], failed


def test_an_invalid_isbn_is_kept_and_does_not_key_the_record() -> None:
    # Deliberate: not quarantined.  An ISBN with a wrong check digit is kept with status
    # invalid (as every format keeps one, unioncat.identifiers); it is not the product's
    # ISBN, so the record is keyed by its RecordReference, the key ONIX gives a product.
    records, failed = _read(_three(_product(ref="m", head=_isbn("9780306406150"))))
    assert failed == [] and [r.source_id for r in records] == ["before", "m", "after"]
    assert _ids(records[1]) == [("isbn", "9780306406150", None, "invalid")]
    # a number that is no ISBN at all is kept as written, invalid
    (rec,), _ = _read(_message(_product(ref="n", head=_isbn("n/a"))))
    assert _ids(rec) == [("isbn", "n/a", None, "invalid")]


def test_a_defect_in_what_is_read_lands_the_product_and_is_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    broken = _product(
        ref="m",
        desc="<Extent><ExtentType>00</ExtentType><ExtentValue>two hundred</ExtentValue>"
        "<ExtentUnit>03</ExtentUnit></Extent>",
        publishing="<PublishingDate><PublishingDateRole>01</PublishingDateRole>"
        "<Date>20121399</Date></PublishingDate>",
    )
    with caplog.at_level(logging.WARNING, logger="unioncat"):
        records, failed = _read(_three(broken))
    assert failed == [] and len(records) == 3
    assert (records[1].page_count, records[1].date) == (None, None)
    (message,) = [
        r.getMessage() for r in caplog.records if getattr(r, "event", "") == "onix.defect"
    ]
    assert "ONIX product m landed with defects" in message
    assert "'two hundred'" in message and "'20121399' is not a date" in message


def test_a_truncated_file_keeps_every_product_before_the_cut() -> None:
    blob = _three(_product(ref="m"))
    records, failed = _read(blob[: blob.rindex(b"A river")])
    assert [r.source_id for r in records] == ["before", "m"]
    assert len(failed) == 1 and "ONIX <Product> 2 is cut off: the file ends inside it" in failed[0]


def test_encodings() -> None:
    middle = _product(ref="m", title="<TitleText>Zürich</TitleText>")
    latin = _three(middle).replace(b"UTF-8", b"ISO-8859-1").decode().encode("latin-1")
    records, failed = _read(latin)
    assert failed == [] and records[1].title == "Zürich"  # as the file declares
    # Latin-1 bytes in a file that says UTF-8.  Deliberate: not quarantined; the XML
    # framer mends them with U+FFFD and notes it, for every XML format alike, and the
    # file's repairs are logged (framing.repaired)
    mixed = _three(middle).replace("Zürich".encode(), "Zürich".encode("latin-1"))
    records, failed = _read(mixed)
    assert failed == [] and records[1].title == "Z\ufffdrich"
    assert [r.title for r in (records[0], records[2])] == ["A river", "A river"]
    _wire, frames = frame_file(io.BytesIO(mixed), "onix")
    notes = [f.note for f in frames]
    assert notes[0] is None and notes[2] is None
    assert notes[1] is not None and "not UTF-8" in notes[1]


@pytest.mark.parametrize(
    ("blob", "reason"),
    [(b"", "not an ONIX message: the file is empty"),
     (b"TY  - BOOK\nTI  - Not XML\nER  -\n", "the file holds no XML element"),
     (b'<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"/>',
      "the root element is <OAI-PMH> in namespace 'http://www.openarchives.org/OAI/2.0/'"),
     (b'<ONIXMessage xmlns="http://example.org/onix"><Product/></ONIXMessage>',
      "no ONIX <Product> element found: root element <ONIXMessage> in namespace "
      "'http://example.org/onix'")],
)  # fmt: skip
def test_a_file_that_is_no_onix_message_says_what_it_is(blob: bytes, reason: str) -> None:
    records, failed = _read(blob)
    assert records == [] and len(failed) == 1 and reason in failed[0], failed


def test_gzip_files_and_their_damage(shared_data: Path) -> None:
    blob = gzip.compress(_sample(shared_data, "win_console_issue.xml"))
    (rec,), failed = _read(blob)
    assert failed == [] and rec.title == "The Book of Texas"
    for cut in (blob[: len(blob) // 2], blob[:15]):  # inside the products; inside the head
        records, failed = _read(cut)
        assert records == [] and len(failed) == 1 and "gzip stream is truncated" in failed[0]


def test_an_empty_message_and_a_lone_product() -> None:
    assert _read(_message()) == ([], [])  # a header and no product (a "no change" delta)
    (rec,), failed = _read(_product(ref="alone").encode())
    assert failed == [] and rec.source_id == "alone" and rec.title == "A river"


def test_the_key_is_the_products_own_isbn_13_first() -> None:
    head = _isbn("0306406152", "02") + _isbn("9781861972712") + _isbn("9780140449136", "24")
    (rec,), _ = _read(_message(_product(ref="r", head=head)))
    assert rec.source_id == "9781861972712"
    (rec,), _ = _read(_message(_product(ref="r", head=_isbn("9780140449136", "24"))))
    assert rec.source_id == "r"  # a co-publisher's ISBN is its product's, not this one's
    assert _ids(rec) == [("isbn", "9780140449136", "co-publisher", "valid")]


def test_a_deletion_notice_retires_the_product_and_its_chapters_in_the_catalog(
    tmp_path: Path, cli: Cli
) -> None:
    chapter = (
        "<ContentItem><TitleDetail><TitleType>01</TitleType><TitleElement>"
        "<TitleElementLevel>04</TitleElementLevel><TitleText>{}</TitleText></TitleElement>"
        "</TitleDetail></ContentItem>"
    )
    chapters = "".join(chapter.format(t) for t in ("Ebb", "Flood"))
    book = _product(ref="gone", head=_isbn("9780306406157"),
                    tail=f"<ContentDetail>{chapters}</ContentDetail>")  # fmt: skip
    others = [_product(ref=f"stays-{n}") for n in range(6)]
    feed = tmp_path / "feed.xml"
    feed.write_bytes(_message(book, *others))
    cfg = write_pipeline(tmp_path, [{"name": "onix", "kind": "files", "format": "onix",
                                     "paths": ["feed.xml"]}])  # fmt: skip
    code, _out, _ = cli("--config", str(cfg), "run")
    assert code == 0
    notice = (f"<Product><RecordReference>gone</RecordReference><NotificationType>05"
              f"</NotificationType>{_isbn('9780306406157')}</Product>")  # fmt: skip
    feed.write_bytes(_message(notice, *others))
    code, _out, _ = cli("--config", str(cfg), "run")
    assert code == 0
    with duckdb.connect(str(tmp_path / "catalog.duckdb"), read_only=True) as con:
        rows = con.execute("SELECT source_id, deleted FROM records ORDER BY source_id").fetchall()
    assert rows == [
        ("9780306406157", True),
        ("9780306406157#content-1", True),
        ("9780306406157#content-2", True),
        *((f"stays-{n}", False) for n in range(6)),
    ]
