"""The ``mods`` normalizer (unioncat/normalize/mods.py).

MODS records are built here as XML strings, wrapped in an OAI-PMH ``<record>`` (or given
bare, or in a ``modsCollection``) and run through ``NORMALIZERS["mods"]``; the real-data
tests read the Florida State University MODS records in ../shared/data/mods.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from tests.support.builders import SHARED_DATA as _SHARED
from unioncat.contracts import RawEnvelope
from unioncat.errors import RecordError
from unioncat.ids import mint_id
from unioncat.normalize import NORMALIZERS, mods
from unioncat.schemas.record import Record
from unioncat.xmlsafe import secure_xml_parser

SHARED_DATA = _SHARED
OAI = "http://www.openarchives.org/OAI/2.0/"
MODS = "http://www.loc.gov/mods/v3"
FETCHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def mods_xml(body: str, *, prefix: str = "") -> str:
    """A ``mods`` element around ``body`` (MODS elements unprefixed, default namespace)."""
    return (
        f'<mods xmlns="{MODS}" xmlns:xlink="http://www.w3.org/1999/xlink" version="3.7">'
        f"{body}</mods>"
    )


def oai_record(
    metadata: str | None,
    *,
    identifier: str = "oai:repo.example.org:m1",
    status: str | None = None,
) -> bytes:
    head = f' status="{status}"' if status else ""
    meta = f"<metadata>{metadata}</metadata>" if metadata is not None else ""
    return (
        f'<record xmlns="{OAI}"><header{head}><identifier>{identifier}</identifier>'
        f"<datestamp>2024-02-03</datestamp></header>{meta}</record>"
    ).encode()


def envelope(
    payload: bytes | str, *, envelope_id: str = "page#0", record_id: str | None = None
) -> RawEnvelope:
    data = payload.encode() if isinstance(payload, str) else payload
    return RawEnvelope(
        source="ir",
        envelope_id=envelope_id,
        format="mods",
        payload=data,
        fetched_at=FETCHED,
        record_id=record_id,
    )


def one(body: str) -> Record:
    records = NORMALIZERS["mods"](envelope(oai_record(mods_xml(body))))
    assert len(records) == 1
    return records[0]


TITLE = "<titleInfo><title>T</title></titleInfo>"


# -- contract ---------------------------------------------------------------------


def test_registered_under_its_name() -> None:
    assert NORMALIZERS["mods"] is mods.normalize


def test_oai_record_bare_mods_and_single_collection_all_read() -> None:
    rec = NORMALIZERS["mods"](envelope(oai_record(mods_xml(TITLE))))[0]
    assert rec.source_id == "oai:repo.example.org:m1"
    assert rec.id == mint_id("ir", "oai:repo.example.org:m1")
    assert rec.datestamp == "2024-02-03"
    assert rec.source_format == "mods" and rec.raw_ref == "ir|page#0"
    assert rec.harvested_at == FETCHED

    bare = NORMALIZERS["mods"](envelope(mods_xml(TITLE), envelope_id="f.xml#1"))[0]
    assert bare.title == "T" and bare.source_id == "f.xml#1"

    prefixed = (
        f'<mods:modsCollection xmlns:mods="{MODS}"><mods:mods><mods:titleInfo>'
        "<mods:title>P</mods:title></mods:titleInfo></mods:mods></mods:modsCollection>"
    )
    assert NORMALIZERS["mods"](envelope(prefixed))[0].title == "P"

    two = (
        f'<modsCollection xmlns="{MODS}"><mods>{TITLE}</mods><mods>{TITLE}</mods></modsCollection>'
    )
    with pytest.raises(RecordError, match="holds 2 mods records"):
        NORMALIZERS["mods"](envelope(two))


def test_deleted_header_gives_a_tombstone() -> None:
    (rec,) = NORMALIZERS["mods"](envelope(oai_record(None, status="deleted"), record_id="k"))
    assert rec.deleted is True and rec.source_id == "k" and rec.title is None
    assert rec.id == mint_id("ir", "k")


def test_other_metadata_format_is_refused() -> None:
    dc = (
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>T</dc:title></oai_dc:dc>'
    )
    with pytest.raises(RecordError, match=r"not MODS.*set this source's format"):
        NORMALIZERS["mods"](envelope(oai_record(dc)))


def test_empty_record_is_refused() -> None:
    with pytest.raises(RecordError, match="no title, identifier or name"):
        one("<abstract>words only</abstract>")


def test_external_entity_is_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOPSECRET-XXE")
    payload = (
        f'<?xml version="1.0"?>\n<!DOCTYPE mods [<!ENTITY xxe SYSTEM "{secret.as_uri()}">]>\n'
        + mods_xml("<titleInfo><title>&xxe;</title></titleInfo>")
    )
    with pytest.raises(RecordError) as err:
        NORMALIZERS["mods"](envelope(payload))
    assert "TOPSECRET" not in str(err.value)
    assert "never expanded" in str(err.value)


# -- mapping ----------------------------------------------------------------------


def test_title_nonsort_subtitle_part_and_variants() -> None:
    rec = one(
        '<titleInfo type="alternative"><title>Flussarchive</title></titleInfo>'
        "<titleInfo><nonSort>The </nonSort><title>river archives</title>"
        "<subTitle>a history</subTitle><partNumber>Vol. 2</partNumber>"
        "<partName>Deltas</partName></titleInfo>"
        "<titleInfo><nonSort>L'</nonSort><title>archive</title></titleInfo>"
    )
    assert rec.title == "The river archives"
    assert rec.title_nonfiling == 4
    assert rec.subtitle == "a history"
    assert rec.part is not None and (rec.part.number, rec.part.name) == ("Vol. 2", "Deltas")
    assert rec.title_variants == ["Flussarchive", "L'archive"]


def test_uniform_title_is_taken_before_alternative() -> None:
    rec = one(
        '<titleInfo type="alternative"><title>Alt</title></titleInfo>'
        '<titleInfo type="uniform"><nonSort>Le</nonSort><title>Vieux Cordelier</title></titleInfo>'
    )
    assert (rec.title, rec.title_nonfiling, rec.title_variants) == (
        "Le Vieux Cordelier",
        3,
        ["Alt"],
    )


def test_names_kinds_roles_and_identifiers() -> None:
    rec = one(
        TITLE + '<name type="personal" usage="primary">'
        '<namePart type="family">Desmoulins</namePart><namePart type="given">Camille</namePart>'
        '<namePart type="date">1760-1794</namePart>'
        '<nameIdentifier type="orcid">https://orcid.org/0000-0002-1825-009x</nameIdentifier>'
        "<affiliation>Club des Cordeliers</affiliation></name>"
        '<name type="corporate"><namePart>Florida State University</namePart>'
        "<namePart>Libraries</namePart>"
        '<role><roleTerm type="text" authority="marcrelator">Publisher</roleTerm>'
        '<roleTerm type="code" authority="marcrelator">pbl</roleTerm></role></name>'
        '<name type="conference"><namePart>Workshop on Rivers</namePart></name>'
        '<name type="personal" valueURI="http://id.loc.gov/authorities/names/n1">'
        "<namePart>Loss, Florence</namePart>"
        '<role><roleTerm type="code" authority="marcrelator">edt</roleTerm></role></name>'
    )
    people = rec.contributors
    assert [(c.name, c.kind, c.role) for c in people] == [
        ("Desmoulins, Camille", "person", "author"),
        ("Florida State University. Libraries", "organization", "publisher"),
        ("Workshop on Rivers", "meeting", None),
        ("Loss, Florence", "person", "editor"),
    ]
    assert (people[0].family, people[0].given) == ("Desmoulins", "Camille")
    assert people[0].affiliations == ["Club des Cordeliers"] and people[3].affiliations == []
    assert [(i.scheme, i.value) for i in people[0].identifiers] == [
        ("orcid", "0000-0002-1825-009X")
    ]
    assert (people[3].family, people[3].given) == ("Loss", "Florence")
    assert [(i.scheme, i.value) for i in people[3].identifiers] == [
        ("uri", "http://id.loc.gov/authorities/names/n1")
    ]


def test_origin_info_publisher_place_date_edition() -> None:
    rec = one(
        TITLE + '<originInfo eventType="manufacture"><publisher>Printer</publisher></originInfo>'
        '<originInfo><place><placeTerm type="code" authority="marccountry">flu</placeTerm>'
        '<placeTerm type="text">Tallahassee, Fla. :</placeTerm></place>'
        "<publisher>FSU Press,</publisher>"
        '<dateIssued encoding="marc">1999</dateIssued>'
        '<dateIssued keyDate="yes">[ca. 1787?]</dateIssued>'
        "<edition>2nd ed.</edition></originInfo>"
    )
    assert rec.publisher == "FSU Press"
    assert rec.place == "Tallahassee, Fla."  # the period of an abbreviation stays
    assert rec.date == "[ca. 1787?]" and rec.year == 1787
    assert rec.edition == "2nd ed."


def test_date_range_and_created_date() -> None:
    rec = one(
        TITLE + '<originInfo><dateCreated point="start">1702</dateCreated>'
        '<dateCreated point="end">1876</dateCreated></originInfo>'
    )
    assert (rec.date, rec.year) == ("1702-1876", 1702)


def test_languages_codes_tags_and_names() -> None:
    rec = one(
        TITLE + '<language><languageTerm type="text">French</languageTerm>'
        '<languageTerm type="code" authority="iso639-2b">fre</languageTerm></language>'
        '<language><languageTerm type="code" authority="rfc5646">de-AT</languageTerm></language>'
        '<language><languageTerm type="text">Italian</languageTerm></language>'
        '<language objectPart="summary"><languageTerm type="code">eng</languageTerm></language>'
    )
    assert rec.language == ["fre", "ger", "ita"]


def test_identifiers_by_type() -> None:
    rec = one(
        TITLE + '<identifier type="doi">https://doi.org/10.1234/ABC.5</identifier>'
        '<identifier type="isbn">0-306-40615-2 (pbk.)</identifier>'
        '<identifier type="isbn" invalid="yes">0306406153</identifier>'
        '<identifier type="issn">0028-0836</identifier>'
        '<identifier type="hdl">2027/mdp.39015</identifier>'
        '<identifier type="fedora">fsu:6630</identifier>'
        '<identifier type="uri">http://purl.flvc.org/fsu/fd/X</identifier>'
        "<location><url>https://doi.org/10.5555/Other</url></location>"
    )
    got = [(i.scheme, i.value, i.status, i.qualifier) for i in rec.identifiers]
    assert ("doi", "10.1234/abc.5", "valid", None) in got
    assert ("isbn", "9780306406157", "valid", "pbk") in got
    assert ("isbn", "0306406153", "cancelled", None) in got  # bad checksum kept as written
    assert ("issn", "0028-0836", "valid", None) in got
    assert ("uri", "https://hdl.handle.net/2027/mdp.39015", "valid", None) in got
    assert ("local", "fsu:6630", "valid", "fedora") in got
    assert ("uri", "http://purl.flvc.org/fsu/fd/X", "valid", None) in got
    assert ("doi", "10.5555/other", "valid", None) in got


def test_subjects_joined_with_authority() -> None:
    rec = one(
        TITLE + '<subject authority="lcsh"><geographic>France</geographic><topic>History</topic>'
        "<temporal>18th century</temporal></subject>"
        '<subject><name type="personal" authority="naf"><namePart type="family">Mirabeau'
        '</namePart><namePart type="given">Honoré</namePart></name></subject>'
        '<subject authority="tgn"><geographicCode>7013143</geographicCode></subject>'
        "<subject><hierarchicalGeographic><country>France</country><city>Paris</city>"
        "</hierarchicalGeographic></subject>"
    )
    assert [(s.term, s.scheme) for s in rec.subjects] == [
        ("France -- History -- 18th century", "lcsh"),
        ("Mirabeau, Honoré", "naf"),
        ("France -- Paris", None),
    ]


def test_abstract_extent_and_page_count() -> None:
    rec = one(
        TITLE + "<abstract>  Letter &amp;#233;crite   in Paris. </abstract>"
        "<physicalDescription><extent>53 p.</extent><extent>18 x 22 cm</extent>"
        "</physicalDescription>"
    )
    assert rec.abstract == "Letter écrite in Paris."
    assert rec.extent == "53 p.; 18 x 22 cm"
    assert rec.page_count == 53
    unit = one(
        TITLE + '<physicalDescription><extent unit="pages">12</extent></physicalDescription>'
    )
    assert (unit.extent, unit.page_count) == ("12 pages", 12)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('<genre authority="marcgt">journal article</genre>', "journal_article"),
        ("<genre>article</genre>", "journal_article"),
        ('<genre authority="marcgt">book</genre>', "book"),
        ("<genre>monograph</genre>", "book"),
        ("<genre>bookPart</genre>", "book_chapter"),
        ("<genre>chapter</genre>", "book_chapter"),
        ('<genre authority="marcgt">thesis</genre>', "thesis"),
        ("<genre>doctoralThesis</genre>", "thesis"),
        ("<genre>technical report</genre>", "report"),
        ("<genre>dataset</genre>", "dataset"),
        ("<genre>conference paper</genre>", "proceedings_paper"),
        ("<genre>conferenceObject</genre>", "proceedings_paper"),
        ('<genre authority="marcgt">Letter</genre><typeOfResource>text</typeOfResource>', "other"),
        (
            '<typeOfResource>text</typeOfResource><relatedItem type="host"><titleInfo>'
            '<title>J</title></titleInfo><identifier type="issn">0028-0836</identifier>'
            "</relatedItem>",
            "journal_article",
        ),
        (
            '<typeOfResource>text</typeOfResource><relatedItem type="host"><titleInfo>'
            '<title>J</title></titleInfo><part><detail type="volume"><number>3</number>'
            "</detail></part></relatedItem>",
            "journal_article",
        ),
        (
            '<typeOfResource>text</typeOfResource><relatedItem type="host"><titleInfo>'
            '<title>B</title></titleInfo><identifier type="isbn">9780306406157</identifier>'
            "</relatedItem>",
            "book_chapter",
        ),
        (
            '<typeOfResource>text</typeOfResource><relatedItem type="host"><titleInfo>'
            "<title>Papers of a family, 1832-1926</title></titleInfo></relatedItem>",
            "other",
        ),
        ("<typeOfResource>still image</typeOfResource>", "still_image"),
        ("<typeOfResource>sound recording-musical</typeOfResource>", "musical_sound_recording"),
        ("<typeOfResource>notated music</typeOfResource>", "notated_music"),
        ("<typeOfResource>cartographic</typeOfResource>", "cartographic_material"),
        ("<typeOfResource>three dimensional object</typeOfResource>", "object"),
    ],
)
def test_type_from_genre_type_of_resource_and_host(body: str, expected: str) -> None:
    assert one(TITLE + body).type == expected


@pytest.mark.parametrize(
    ("body", "medium", "evidence"),
    [
        (
            '<physicalDescription><form authority="marcform">print</form></physicalDescription>'
            "<location><url>https://repo.example.org/toc</url></location>",
            "print",
            ["mods:physicalDescription/form print"],
        ),
        (
            "<physicalDescription><form>print</form>"
            "<digitalOrigin>reformatted digital</digitalOrigin></physicalDescription>",
            "electronic",
            ["mods:physicalDescription/digitalOrigin"],
        ),
        (
            "<physicalDescription><internetMediaType>application/pdf</internetMediaType>"
            "</physicalDescription>",
            "electronic",
            ["mods:physicalDescription/internetMediaType"],
        ),
        (
            '<physicalDescription><form authority="marcform">electronic</form>'
            "</physicalDescription>",
            "electronic",
            ["mods:physicalDescription/form electronic"],
        ),
        (
            "<physicalDescription><form>microfilm</form></physicalDescription>",
            "microform",
            ["mods:physicalDescription/form microfilm"],
        ),
        (
            "<location><url>https://repo.example.org/obj</url></location>",
            "electronic",
            ["mods:location/url"],
        ),
        ("<physicalDescription><extent>1 p.</extent></physicalDescription>", "unknown", []),
    ],
)
def test_medium_and_its_evidence(body: str, medium: str, evidence: list[str]) -> None:
    rec = one(TITLE + body)
    assert (rec.medium, rec.medium_evidence) == (medium, evidence)


def test_host_title_identifiers_volume_issue_pages() -> None:
    rec = one(
        TITLE + '<relatedItem type="host"><titleInfo><nonSort>The</nonSort>'
        "<title>Journal of Rivers</title></titleInfo>"
        '<identifier type="issn">0028-0836</identifier>'
        '<part><detail type="volume"><number>12</number></detail>'
        '<detail type="issue"><caption>no.</caption><number>3</number></detail>'
        '<extent unit="pages"><start>45</start><end>67</end></extent>'
        "<text>Vol. 12, no. 3 (2004), p. 45-67</text></part></relatedItem>"
    )
    host = rec.host
    assert host is not None
    assert host.title == "The Journal of Rivers"
    assert [(i.scheme, i.value) for i in host.identifiers] == [("issn", "0028-0836")]
    assert (host.volume, host.issue, host.first_page, host.last_page) == ("12", "3", "45", "67")
    assert host.raw == "Vol. 12, no. 3 (2004), p. 45-67"
    assert rec.type == "journal_article"


def test_top_level_part_fills_the_host_numbering() -> None:
    rec = one(
        TITLE + '<relatedItem type="host"><titleInfo><title>J</title></titleInfo></relatedItem>'
        '<part><detail type="volume"><number>7</number></detail>'
        '<extent unit="page"><start>1</start><end>9</end></extent></part>'
    )
    assert rec.host is not None
    assert (rec.host.volume, rec.host.first_page, rec.host.last_page) == ("7", "1", "9")


def test_related_items_become_relations_and_series() -> None:
    rec = one(
        TITLE + '<relatedItem type="series"><titleInfo><title>Rivers series</title></titleInfo>'
        '<identifier type="issn">0028-0836</identifier>'
        '<part><detail type="volume"><number>4</number></detail></part></relatedItem>'
        '<relatedItem type="otherFormat" displayLabel="Print version"><titleInfo>'
        '<title>T</title></titleInfo><identifier type="isbn">9780306406157</identifier>'
        "</relatedItem>"
        '<relatedItem type="preceding"><titleInfo><title>Old name</title></titleInfo>'
        "</relatedItem>"
        '<relatedItem type="succeeding"><titleInfo><title>New name</title></titleInfo>'
        "</relatedItem>"
        '<relatedItem type="otherVersion"><location><url>https://x.example/v2</url>'
        "</location></relatedItem>"
    )
    assert [(r.type, r.title) for r in rec.relations] == [
        ("series", "Rivers series"),
        ("other_format", "T"),
        ("preceding", "Old name"),
        ("succeeding", "New name"),
        ("other_edition", None),
    ]
    assert rec.relations[1].note == "Print version"
    assert rec.relations[1].identifiers[0].value == "9780306406157"
    assert rec.relations[4].identifiers[0].value == "https://x.example/v2"
    assert [(s.title, s.number, s.issn) for s in rec.series] == [
        ("Rivers series", "4", "0028-0836")
    ]


@pytest.mark.parametrize(
    ("condition", "kind"),
    [
        (
            '<accessCondition type="use and reproduction" '
            'xlink:href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</accessCondition>',
            "open",
        ),
        ("<accessCondition>Open Access</accessCondition>", "open"),
        ('<accessCondition type="restriction on access">Campus only</accessCondition>', "unknown"),
        (
            '<accessCondition xlink:href="http://rightsstatements.org/vocab/InC/1.0/">'
            "In copyright</accessCondition>",
            "unknown",
        ),
        ("", "unknown"),
    ],
)
def test_access_urls_and_kind(condition: str, kind: str) -> None:
    rec = one(
        TITLE + condition + '<location displayLabel="purl"><url access="object in context">'
        "http://purl.flvc.org/fsu/fd/X</url>"
        '<url access="preview">http://x.example/thumb.jpg</url></location>'
    )
    assert [(a.url, a.kind, a.relationship, a.note) for a in rec.access] == [
        ("http://purl.flvc.org/fsu/fd/X", kind, "resource", "purl")
    ]


# -- real data --------------------------------------------------------------------


def _data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"needs the shared real-data folder ../shared/data ({SHARED_DATA}), absent")
    return SHARED_DATA


def split(path: Path, tag: str) -> list[bytes]:
    root = etree.fromstring(path.read_bytes(), secure_xml_parser())
    return [etree.tostring(e) for e in root.iter(tag)]


def run_all(payloads: list[bytes], name: str) -> tuple[list[Record], list[str]]:
    """Every payload gives records or a RecordError (any other exception fails the test)."""
    records: list[Record] = []
    reasons: list[str] = []
    for n, payload in enumerate(payloads):
        try:
            records.extend(NORMALIZERS["mods"](envelope(payload, envelope_id=f"{name}#{n}")))
        except RecordError as exc:
            reasons.append(str(exc))
    return records, reasons


def test_fsu_oai_file_all_map_with_header_identity() -> None:
    # This export puts its <record>s in the oai_dc namespace (a default xmlns set on the
    # root), so they are cut out by local name; the normalizer finds header and metadata
    # the same way.
    payloads = split(_data() / "mods" / "fsu_nap01.oai.mods.xml", "{*}record")
    records, reasons = run_all(payloads, "fsu")
    assert len(payloads) == 45
    assert reasons == []
    assert len(records) == 45
    assert all(r.source_id.startswith("oai:fsu.digital.flvc.org:fsu_") for r in records)
    assert len({r.id for r in records}) == 45
    recs = {r.source_id: r for r in records}
    first = recs["oai:fsu.digital.flvc.org:fsu_6630"]
    assert first.title == "Regimental Expense Report, March 9, 1787"
    assert first.title_variants == ["Document for the relief stipend from the Dillon Regiment"]
    assert first.year == 1787 and first.language == ["fre"]
    assert first.datestamp == "2016-12-15T20:09:11Z"
    assert first.type == "other"  # a letter in an archival collection, not an article
    assert first.host is not None and first.host.title is not None
    assert first.host.title.startswith("French Revolution Collection on Camille Desmoulins")
    assert first.medium == "electronic"
    assert [a.url for a in first.access] == ["http://purl.flvc.org/fcla/dt/3180290"]
    assert ("local", "fsu:6630", "fedora") in [
        (i.scheme, i.value, i.qualifier) for i in first.identifiers
    ]
    assert first.subjects[0].term == "France -- History -- 18th century"
    assert first.subjects[0].scheme == "lcsh"
    assert first.page_count == 1
    assert sum(1 for r in records if r.year) >= 35
    assert {lang for r in records for lang in r.language} == {"fre", "ita"}


def test_fsu_repox_file_all_map() -> None:
    payloads = split(_data() / "mods" / "fsu_nap01-1.mods.xml", "{http://repox.ist.utl.pt}record")
    records, reasons = run_all(payloads, "repox")
    assert len(payloads) == 45 and reasons == [] and len(records) == 45
    cordelier = [r for r in records if r.title == "Le Vieux Cordelier"]
    assert len(cordelier) >= 4
    assert all(r.title_nonfiling == 3 for r in cordelier)
    assert {r.part.number for r in cordelier if r.part} >= {"No. 1", "No. 4"}
    assert any(
        c.name == "Desmoulins, Camille" and c.role == "creator"
        for r in cordelier
        for c in r.contributors
    )
    # every FSU record says "No Copyright - United States" (rightsstatements.org NoC-US)
    assert all(a.kind == "open" for r in records for a in r.access)


def test_pymods_collection_records_all_map() -> None:
    payloads = split(_data() / "mods" / "pymods_example.mods.xml", f"{{{MODS}}}mods")
    records, reasons = run_all(payloads, "pymods")
    assert len(payloads) == 3 and reasons == [] and len(records) == 3
    fire = records[0]
    assert fire.title == "Fire Line System"
    assert fire.publisher == "J. R. Clancy Inc." and fire.place == "Syracuse, New York"
    assert (fire.date, fire.year) == ("1966-12-08", 1966)
    assert fire.language == ["eng"]
    assert fire.contributors[0].name == "J.R. Clancy (Firm)"
    assert fire.contributors[0].kind == "organization"
    assert fire.contributors[0].role == "creator"
    assert fire.medium == "electronic"
    assert fire.medium_evidence == ["mods:physicalDescription/digitalOrigin"]
    assert ("Concert halls", "lctgm") in [(s.term, s.scheme) for s in fire.subjects]
    assert fire.extent == "91 x 60 cm" and fire.page_count is None
    # an "In copyright" statement is not open access
    assert fire.access == []
    newsletter = records[2]
    assert ("Loss, Florence", "editor") in [(c.name, c.role) for c in newsletter.contributors]
