"""RIS exports as records: rispy's own test files and Crossref's, and damaged copies."""

from __future__ import annotations

import codecs
import io
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from rispy.config import TYPE_OF_REFERENCE_MAPPING  # type: ignore[import-untyped]

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import read_as
from unioncat.framing import frame_file
from unioncat.normalize.reference_types import RIS_TYPES
from unioncat.schemas.record import RECORD_TYPES, Record


def _read(blob: bytes) -> tuple[list[Record], list[str]]:
    return read_as("ris", blob)


@dataclass
class Cite:
    """What one record of a file says, written out from the file by hand."""

    type: str
    title: str
    names: list[tuple[str, str]]  # (name, role)
    year: int | None
    date: str | None
    host: str | None = None
    volume: str | None = None
    issue: str | None = None
    first: str | None = None
    last: str | None = None
    ids: set[tuple[str, str, str]] = field(default_factory=set)  # (scheme, value, status)
    host_ids: set[tuple[str, str, str]] = field(default_factory=set)
    source_id: str | None = None  # None: a content key (no DOI, AN or ID)
    publisher: str | None = None
    place: str | None = None
    abstract: str | None = None  # its beginning
    subjects: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    subtitle: str | None = None
    series: list[str] = field(default_factory=list)


def _agrees(rec: Record, cite: Cite) -> None:
    assert rec.type == cite.type
    assert rec.title == cite.title
    assert [(c.name, c.role) for c in rec.contributors] == cite.names
    assert (rec.year, rec.date) == (cite.year, cite.date)
    if cite.host is None:
        assert rec.host is None
    else:
        assert rec.host is not None
        assert rec.host.title == cite.host
        assert (rec.host.volume, rec.host.issue) == (cite.volume, cite.issue)
        assert (rec.host.first_page, rec.host.last_page) == (cite.first, cite.last)
        assert {(i.scheme, i.value, i.status) for i in rec.host.identifiers} == cite.host_ids
    assert {(i.scheme, i.value, i.status) for i in rec.identifiers} == cite.ids
    if cite.source_id is None:
        assert rec.source_id.startswith("cite:")
    else:
        assert rec.source_id == cite.source_id
    assert (rec.publisher, rec.place) == (cite.publisher, cite.place)
    if cite.abstract is None:
        assert rec.abstract is None
    else:
        assert rec.abstract is not None and rec.abstract.startswith(cite.abstract)
    assert [s.term for s in rec.subjects] == cite.subjects
    assert [a.url for a in rec.access] == cite.urls
    assert rec.subtitle == cite.subtitle
    assert [s.title for s in rec.series] == cite.series
    assert rec.source_format == "ris-tagged"


SHANNON = Cite(
    "journal_article", "A Mathematical Theory of Communication",
    [("Shannon, Claude E.", "author")], 1948, "1948-07",
    "Bell System Technical Journal", "27", None, "379", "423",
)  # fmt: skip
# example_full.ris and its copies: "1." and "2." before the records, L2 and UR links,
# M1 (not mapped), and an ISSN whose check digit is wrong (kept, marked invalid).
FULL = [
    Cite(
        "journal_article", "Title of reference",
        [("Marx, Karl", "author"), ("Lindgren, Astrid", "author"),
         ("Glattauer, Daniel", "editor")],
        2014, "2014", "Lorem", "9", "3", "e0815", None,
        ids={("local", "12345", "valid")}, host_ids={("issn", "1932-6208", "invalid")},
        source_id="id:12345", publisher="Fun Factory", place="United States",
        abstract="BACKGROUND: Lorem ipsum dolor sit amet",
        subjects=["Pippi", "Nordwind", "Piraten"],
        urls=["http://example_url.com", "http://example.com"],
    ),
    Cite(
        "journal_article", "The title of the reference",
        [("Marxus, Karlus", "author"), ("Lindgren, Astrid", "author"),
         ("Glattauer, Daniel", "editor")],
        2006, "2006", "Lorem", "6", "3", "e0815341", None,
        ids={("local", "12345", "valid")}, host_ids={("issn", "1732-4208", "invalid")},
        source_id="id:12345", publisher="Dark Factory", place="Germany",
        abstract="BACKGROUND: Lorem dammed ipsum dolor sit amet",
        subjects=["Pippi Langstrumpf", "Nordwind", "Piraten"],
        urls=["http://example_url.com", "http://example2.com"],
    ),
]  # fmt: skip
# example_full_write.ris: the same two without ID and KW, the journal only as JA
FULL_WRITE = [
    Cite(
        c.type, c.title, c.names, c.year, c.date, "lorem", c.volume, c.issue, c.first,
        host_ids=c.host_ids, publisher=c.publisher, place=c.place, abstract=c.abstract,
        urls=c.urls,
    )
    for c in FULL
]  # fmt: skip
ELIFE = Cite(
    "journal_article",
    "Automated quantitative histology reveals vascular morphodynamics during Arabidopsis "
    "hypocotyl secondary growth",
    [("Sankar, Martial", "author"), ("Nieminen, Kaisa", "author"), ("Ragni, Laura", "author"),
     ("Xenarios, Ioannis", "author"), ("Hardtke, Christian S", "author")],
    2014, "2014", "eLife", "3",
    ids={("doi", "10.7554/elife.01567", "valid")},
    host_ids={("issn", "2050-084X", "valid")},  # SN 2050084X, written without its hyphen
    source_id="10.7554/elife.01567",
    abstract="Among various advantages, their small size makes model organisms preferred",
    urls=["http://elifesciences.org/lookup/doi/10.7554/eLife.01567",
          "https://doi.org/10.7554/elife.01567"],
)  # fmt: skip
PURE = Cite(
    # Pure writes the subtitle as T2 and the series as T3; M3 (the kind of thesis) and
    # N1 (a note) have no place in the record
    "thesis", "A multiscale analysis of the urban heat island effect",
    [("Toparlar, Y.", "author")], 2018, "2018-04-25",
    ids={("isbn", "9789038645032", "valid")}, publisher="Technische Universiteit Eindhoven",
    place="Eindhoven", abstract="Designing the climates of cities",
    subtitle="from city averaged temperatures to the energy demand of individual buildings",
    series=["Bouwstenen"],
)  # fmt: skip
DREXEL = Cite(
    # its type line is "TY -  BOOK": one space before the dash
    "book",
    "Validation of an Image-based Subject-Specific Dynamic Model of the Ankle Joint Complex "
    "and its Applications to the Study of the Effect of Articular Surface Morphology on "
    "Ankle Joint Mechanics",
    [("Balakrishnan, Vishnuvardhan", "author")], 2018, "2018",
    ids={("doi", "10.17918/ernk-6431", "valid")}, source_id="10.17918/ernk-6431",
    publisher="Drexel University", abstract="3D image based subject specific models",
    urls=["https://idea.library.drexel.edu/islandora/object/idea:8247",
          "https://doi.org/10.17918/ernk-6431"],
)  # fmt: skip
EMPTY_TAG = Cite(
    # "SP  -" says nothing; the abstract's second line continues N2; Embase's star of a
    # major keyword (*athlete) is not part of the term
    "journal_article",
    "Outcome Measures After Shoulder Stabilization in the Athletic Population: A "
    "Systematic Review of Clinical and Patient-Reported Metrics",
    [("Fanning E.", "author")], 2020, "2020",
    "Orthopaedic Journal of Sports Medicine", "8", "9",
    ids={("doi", "10.1177/2325967120950040", "valid"), ("local", "2006713348", "valid")},
    host_ids={("issn", "2325-9671", "valid")},
    source_id="10.1177/2325967120950040",
    publisher="SAGE Publications Ltd (E-mail: info@sagepub.co.uk)",
    abstract="Background: Athletic endeavor can require the \"athletic shoulder\" to tolerate "
    "significant load through supraphysiological range and often under considerable "
    "repetition. Outcome measures are valuable",
    subjects=["athlete", "biomechanics", "bone remodeling"],
    urls=["https://doi.org/10.1177/2325967120950040"],
)  # fmt: skip
NO_TITLE = "without a title (TI, T1, CT, BT or ST): nothing to catalog"

# Every file of vendor/ris: its records, and the reasons of what is quarantined.
EXPECTED: dict[str, tuple[list[Cite], list[str]]] = {
    "crossref.ris": ([ELIFE], []),
    "example_basic.ris": ([SHANNON], []),
    # a BOM, a type and a DOI, no title; this and the next: see test_a_bom_and_repeated_sn
    "example_bom.ris": ([], [f"RIS record (TY JOUR, 10.1186/s40981-020-0316-0) {NO_TITLE}"]),
    "example_custom_list_tags.ris": ([], [f"RIS record (TY JOUR) {NO_TITLE}"]),
    "example_empty_tag.ris": ([EMPTY_TAG], []),
    # a "Record #1 of 2 / Provider: / Content:" header before each record
    "example_extraneous_data.ris": (FULL, []),
    "example_full.ris": (FULL, []),
    "example_full_without_whitespace.ris": (FULL, []),
    "example_full_write.ris": (FULL_WRITE, []),
    "example_multi_unknown_tags.ris": ([replace(SHANNON, first=None)], []),  # JP, DC: no RIS
    "example_multiline.ris": ([], [f"RIS record (TY JOUR) {NO_TITLE}"] * 3),
    "example_single_unknown_tag.ris": ([SHANNON], []),
    "example_starting_newlines.ris": ([SHANNON], []),
    # UR once, twice, and twice on one line split by ";" and by "; "
    "example_urls.ris": (
        [replace(SHANNON, urls=["http://example.com"])]
        + [replace(SHANNON, urls=["http://example.com", "http://www.example.com"])] * 3,
        [],
    ),
    # a Web of Science export (PT J ... ER, FN/VR/EF), not RIS: the wos format reads it
    "example_wos.ris": (
        [], ["no RIS record (TY  - ...) found: the file holds no record of this kind"]
    ),
    "pure.ris": ([PURE], []),
    "ris_bug.ris": ([DREXEL], []),
}  # fmt: skip


def test_every_shared_ris_file_is_stated_here(shared_data: Path) -> None:
    names = {p.name for p in (shared_data / "vendor" / "ris").glob("*.ris")}
    # example_utf_chars.ris: test_cyrillic_..., which reads its text from the file itself
    assert names == set(EXPECTED) | {"example_utf_chars.ris"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_record_agrees_with_its_file(shared_data: Path, name: str) -> None:
    cites, reasons = EXPECTED[name]
    records, failed = _read((shared_data / "vendor" / "ris" / name).read_bytes())
    assert failed == reasons
    assert len(records) == len(cites)
    for rec, cite in zip(records, cites, strict=True):
        _agrees(rec, cite)


@pytest.mark.parametrize("name", ["crossref.ris", "pure.ris", "ris_bug.ris"])
def test_crossrefs_fixtures_are_the_same_files(shared_data: Path, name: str) -> None:
    records, failed = _read((shared_data / "vendor" / "crossref" / "fixtures" / name).read_bytes())
    assert failed == []
    (cite,) = EXPECTED[name][0]
    (rec,) = records
    _agrees(rec, cite)


def test_cyrillic_with_its_english_line_and_the_short_title_as_title(shared_data: Path) -> None:
    blob = (shared_data / "vendor" / "ris" / "example_utf_chars.ris").read_bytes()
    lines = blob.decode("utf-8-sig").splitlines()
    # the file read plainly: ST, and AB whose next line (no tag) is its English version
    short = next(line[6:] for line in lines if line.startswith("ST  - "))
    ab = next(n for n, line in enumerate(lines) if line.startswith("AB  - "))
    (rec,), failed = _read(blob)
    assert failed == []
    # EndNote's "TY  - Journal Article" names the type; there is no TI or T1, so the
    # short title ST is the title (the record would otherwise be lost)
    _agrees(
        rec,
        Cite(
            "journal_article", short,
            [("Dobrokhotova, Yu E.", "author"), ("Yusupova, R. O.", "author"),
             ("Ozerova, R. I.", "author"), ("Fayzullin, L. Z.", "author"),
             ("Karnaukhov, V. N.", "author")],
            2009, "2009", "Gynecology, Obstetrics and Perinatology", "8", "3", "52", "57",
            abstract=f"{lines[ab][6:]} {lines[ab + 1]}",
        ),
    )  # fmt: skip
    assert rec.abstract == f"{lines[ab][6:]} {lines[ab + 1]}"
    assert rec.title_variants == []  # ST is the title itself
    assert "Состояние" in short


def test_the_same_id_or_the_same_citation_twice_is_one_record(shared_data: Path) -> None:
    # rispy's sample gives ID 12345 to both of its records, so both key to it (the
    # catalog keeps the later, as with a MARC 001 given twice); example_urls.ris is one
    # citation four times, with no key of its own: one content key
    records, _ = _read((shared_data / "vendor" / "ris" / "example_full.ris").read_bytes())
    assert len({r.id for r in records}) == 1
    records, _ = _read((shared_data / "vendor" / "ris" / "example_urls.ris").read_bytes())
    assert len({r.id for r in records}) == 1 and len(records) == 4


def _with_title(blob: bytes) -> bytes:
    """The file with a TI line after each TY line: what it says can then be cataloged."""
    out = []
    for line in blob.splitlines():
        out.append(line)
        if line.lstrip(codecs.BOM_UTF8).startswith(b"TY  - "):
            out.append(b"TI  - Added title")
    return b"\n".join(out) + b"\n"


def test_continuation_lines_are_kept_and_er_inside_a_value_is_text(shared_data: Path) -> None:
    blob = (shared_data / "vendor" / "ris" / "example_multiline.ris").read_bytes()
    records, failed = _read(_with_title(blob))
    assert failed == []
    # three layouts of one abstract: on one line, continued indented, continued at col 0
    assert [r.abstract for r in records] == [
        "first line, ER then second line and at the end the last line"
    ] * 3


def test_a_bom_and_repeated_sn(shared_data: Path) -> None:
    blob = (shared_data / "vendor" / "ris" / "example_bom.ris").read_bytes()
    assert blob.startswith(codecs.BOM_UTF8)
    (rec,), failed = _read(_with_title(blob))
    assert failed == [] and rec.type == "journal_article"
    assert rec.source_id == "10.1186/s40981-020-0316-0"
    blob = (shared_data / "vendor" / "ris" / "example_custom_list_tags.ris").read_bytes()
    (rec,), failed = _read(_with_title(blob))
    assert failed == []
    assert [c.name for c in rec.contributors] == ["Marx, Karl", "Marxus, Karlus"]
    # three SN, none an ISSN: each kept as written, marked invalid
    assert rec.host is not None
    assert [(i.scheme, i.value, i.status) for i in rec.host.identifiers] == [
        ("issn", "12345", "invalid"),
        ("issn", "ABCDEFG", "invalid"),
        ("issn", "666666", "invalid"),
    ]


# -- synthetic records -----------------------------------------------------------------------


def _ris(*records: str) -> bytes:
    return "".join(f"{r.strip()}\nER  - \n\n" for r in records).encode("utf-8")


GOOD = "TY  - JOUR\nTI  - A neighbour\nAU  - Okafor, Ada\nPY  - 2020\nJO  - Tide"


def _titles(records: list[Record]) -> list[str | None]:
    return [r.title for r in records]


def test_a_truncated_file_keeps_the_records_before_the_cut() -> None:
    blob = _ris(GOOD, GOOD.replace("neighbour", "second")) + b"TY  - JOUR\nTI  - Cut off\nAU  -"
    records, failed = _read(blob)
    assert _titles(records) == ["A neighbour", "A second"]
    assert failed == [
        "a RIS record without its end line (ER  -): the file was cut short, or the record "
        "was written without its end; export the file again"
    ]


def test_a_record_in_another_encoding_is_quarantined_alone() -> None:
    # the file is UTF-8 (its neighbours say so: Ångström, Öresund); one record pasted in
    # from a Latin-1 file is not, and is refused rather than read as mojibake
    first = _ris(GOOD.replace("A neighbour", "\u00c5ngstr\u00f6m tides"))
    latin = "TY  - JOUR\nTI  - Caf\u00e9 society\nER  - \n".encode("latin-1")
    last = _ris(GOOD.replace("A neighbour", "\u00d6resund"))
    records, failed = _read(first + latin + last)
    assert _titles(records) == ["\u00c5ngstr\u00f6m tides", "\u00d6resund"]
    assert len(failed) == 1
    assert failed[0].startswith("the RIS record (TY  - ...) at line 8: not valid UTF-8 at byte")


@pytest.mark.parametrize("codec", ["utf-16", "cp1252"])
def test_a_file_written_in_utf16_or_windows_1252_reads(codec: str) -> None:
    text = "TY  - BOOK\r\nTI  - Caf\u00e9 m\u00fcde\r\nPY  - 1999\r\nER  - \r\n"
    records, failed = _read((text * 2).replace("1999", "2001", 1).encode(codec))
    assert failed == []
    assert [(r.title, r.type, r.year) for r in records] == [
        ("Caf\u00e9 m\u00fcde", "book", 2001),
        ("Caf\u00e9 m\u00fcde", "book", 1999),
    ]


def test_a_tag_with_no_value_says_nothing() -> None:
    (rec,), failed = _read(_ris("TY  -\nTI  - Untyped\nPY  -\nSP  -\nAU  -\nKW  -"))
    assert failed == []
    assert rec.type == "other"  # an empty TY: no type known
    assert (rec.year, rec.contributors, rec.subjects, rec.host) == (None, [], [], None)


def test_a_record_with_no_title_is_quarantined_and_its_neighbours_land() -> None:
    records, failed = _read(_ris(GOOD, "TY  - JOUR\nID  - 77\nAU  - Nobody, N", GOOD))
    assert _titles(records) == ["A neighbour", "A neighbour"]
    assert failed == [f"RIS record (TY JOUR, 77) {NO_TITLE}"]


def test_a_line_that_continues_nothing_is_quarantined() -> None:
    records, failed = _read(_ris("TY  - JOUR\nstray words\nTI  - Lost", GOOD))
    assert _titles(records) == ["A neighbour"]
    assert failed == [
        "RIS record (TY JOUR): the line 'stray words' follows the TY line and has no tag of "
        "its own, so it continues nothing; give it its tag or remove it"
    ]


def test_invalid_identifiers_are_kept_marked_invalid() -> None:
    records, failed = _read(
        _ris(
            "TY  - BOOK\nTI  - Bad numbers\nSN  - 978-0-306-40615-8\nDO  - not a doi",
            GOOD,
        )
    )
    assert failed == [] and len(records) == 2
    book = records[0]
    assert {(i.scheme, i.value, i.status) for i in book.identifiers} == {
        ("isbn", "9780306406158", "invalid"),  # the check digit of 978-0-306-40615-7 is 7
        ("doi", "not a doi", "invalid"),
    }
    assert book.source_id.startswith("cite:")  # an invalid DOI keys nothing


def test_text_before_and_after_records() -> None:
    blob = b"Exported from a catalog\n" + _ris(GOOD) + b"junk after the end\n" + _ris(GOOD)
    frames = list(frame_file(io.BytesIO(blob), "ris")[1])
    assert (
        frames[0].error == "text before the first RIS record (TY  - ...) is not part of any record"
    )
    assert frames[1].note == "1 line(s) after its end belong to no record and were skipped"
    records, failed = _read(blob)
    assert len(records) == 2 and len(failed) == 1
    # what exports write around records (numbers, a Provider header) is no damage
    blob = b"Provider: Ovid\nDatabase: Embase\n1.\n" + _ris(GOOD) + b"2.\n" + _ris(GOOD)
    assert [(f.error, f.note) for f in frame_file(io.BytesIO(blob), "ris")[1]] == [(None, None)] * 2


def test_sn_with_issn_and_isbn_in_every_layout() -> None:
    for sn in (
        "SN  - 0317-8471; 978-0-306-40615-7",
        "SN  - 0317-8471\nSN  - 978-0-306-40615-7",
        "SN  - 0317-8471\n      978-0-306-40615-7",
    ):
        (rec,), _ = _read(_ris(f"TY  - CHAP\nTI  - A chapter\nT2  - The book\n{sn}"))
        assert rec.type == "book_chapter" and rec.host is not None
        assert rec.host.title == "The book"
        assert [(i.scheme, i.value) for i in rec.host.identifiers] == [
            ("issn", "0317-8471"),
            ("isbn", "9780306406157"),
        ]


def test_a_chapter_with_every_role_pages_and_place() -> None:
    (rec,), failed = _read(
        _ris(
            "TY  - CHAP\nTI  - Tides of the north\nAU  - Okafor, Ada\nA2  - Lindqvist, Bo\n"
            "ED  - Mwangi, Cy\nA3  - Series, Ed\nA4  - Tran, Dao\nBT  - A book of tides\n"
            "SP  - 12-15\nSN  - 9780306406157\nPB  - Harbour Press\nCY  - Bergen\n"
            "DA  - 2014/03/12/\nPY  - 2014\nLA  - Norwegian\nET  - 2nd\n"
            "UR  - https://example.org/a; https://example.org/b\n"
            "L1  - internal-pdf://1234/a.pdf\nL4  - https://example.org/fig1.png\n"
            "KW  - tides; the north\nKW  - sea\nAN  - WOS:000123456700001\nID  - 9"
        )
    )
    assert failed == []
    assert [(c.family, c.given, c.role) for c in rec.contributors] == [
        ("Okafor", "Ada", "author"),
        ("Lindqvist", "Bo", "editor"),
        ("Mwangi", "Cy", "editor"),
        ("Series", "Ed", "series editor"),
        ("Tran", "Dao", "translator"),
    ]
    assert rec.host is not None and rec.host.title == "A book of tides"
    assert (rec.host.first_page, rec.host.last_page) == ("12", "15")
    assert [i.value for i in rec.host.identifiers] == ["9780306406157"]
    assert (rec.publisher, rec.place, rec.edition) == ("Harbour Press", "Bergen", "2nd")
    assert (rec.date, rec.year, rec.language) == ("2014-03-12", 2014, ["nor"])  # DA over PY
    assert [a.url for a in rec.access] == [
        "https://example.org/a",
        "https://example.org/b",
        "https://example.org/fig1.png",  # not the reference manager's file path
    ]
    assert [s.term for s in rec.subjects] == ["tides", "the north", "sea"]
    assert ("wos", "WOS:000123456700001") in {(i.scheme, i.value) for i in rec.identifiers}
    assert rec.source_id == "an:WOS:000123456700001"  # the accession number before the ID


def test_a_whole_book_has_its_own_isbn_volume_pages_and_series() -> None:
    (rec,), _ = _read(
        _ris(
            "TY  - BOOK\nTI  - Collected tides\nVL  - 2\nSP  - 431\nT2  - Sea studies\n"
            "T3  - Northern series\nSN  - 0-306-40615-2\nID  - b1"
        )
    )
    assert rec.type == "book" and rec.host is None
    assert [(i.scheme, i.value) for i in rec.identifiers] == [
        ("isbn", "9780306406157"),
        ("local", "b1"),
    ]
    assert rec.part is not None and rec.part.number == "2"
    assert rec.page_count == 431
    assert [s.title for s in rec.series] == ["Sea studies", "Northern series"]
    assert rec.source_id == "id:b1"


@pytest.mark.parametrize(
    ("ty", "extra", "rtype", "medium"),
    [
        ("JOUR", "", "journal_article", "unknown"),
        ("Journal Article", "", "journal_article", "unknown"),  # EndNote's name for JOUR
        ("EJOUR", "", "journal_article", "electronic"),
        ("JFULL", "", "journal_article", "unknown"),
        ("MGZN", "", "journal_article", "unknown"),
        ("NEWS", "", "newspaper_article", "unknown"),
        ("EBOOK", "", "book", "electronic"),
        ("EDBOOK", "", "book", "unknown"),
        ("ECHAP", "", "book_chapter", "electronic"),
        ("CONF", "", "proceedings", "unknown"),
        # Zotero and EndNote write a paper in proceedings as CONF
        ("CONF", "T2  - Proc. of Tides\nSP  - 3", "proceedings_paper", "unknown"),
        ("CPAPER", "", "proceedings_paper", "unknown"),
        ("DICT", "", "book", "unknown"),
        ("ENCYC", "T2  - The encyclopedia", "book_chapter", "unknown"),
        ("THES", "", "thesis", "unknown"),
        ("RPRT", "", "report", "unknown"),
        ("PAT", "", "patent", "unknown"),
        ("STAND", "", "standard", "unknown"),
        ("DATA", "", "dataset", "electronic"),
        ("DBASE", "", "dataset", "electronic"),
        ("COMP", "", "computer_file", "electronic"),
        ("MAP", "", "cartographic_material", "unknown"),
        ("MUSIC", "", "notated_music", "unknown"),
        ("SOUND", "", "sound_recording", "audio"),
        ("VIDEO", "", "projected_medium", "video"),
        ("MPCT", "", "projected_medium", "projected"),
        ("ART", "", "still_image", "unknown"),
        ("ELEC", "", "other", "electronic"),
        ("WEB", "", "other", "electronic"),
        ("SER", "", "journal", "unknown"),
        ("UNPB", "", "manuscript", "unknown"),
        ("NOSUCH", "", "other", "unknown"),
    ],
)
def test_reference_types(ty: str, extra: str, rtype: str, medium: str) -> None:
    (rec,), failed = _read(_ris(f"TY  - {ty}\nTI  - Something\n{extra}"))
    assert failed == []
    assert (rec.type, rec.medium) == (rtype, medium)


def test_every_type_rispy_knows_has_a_decision() -> None:
    assert set(TYPE_OF_REFERENCE_MAPPING) <= set(RIS_TYPES)
    assert {t for t, _ in RIS_TYPES.values()} <= set(RECORD_TYPES)


def test_a_report_patent_and_standard_number_in_sn() -> None:
    for ty, number, qualifier in (
        ("RPRT", "TR-2020-7", "report number"),
        ("PAT", "US 5,123,456", "patent number"),
        ("STAND", "ISO 2709:2008", "standard number"),
    ):
        (rec,), _ = _read(_ris(f"TY  - {ty}\nTI  - Something\nSN  - {number}"))
        assert [(i.scheme, i.value, i.qualifier) for i in rec.identifiers] == [
            ("local", number, qualifier)
        ]


def test_the_doi_where_some_exports_put_it_and_the_key_order() -> None:
    (rec,), _ = _read(_ris("TY  - JOUR\nTI  - T\nM3  - 10.5555/M3.DOI\nAN  - 42\nID  - 7"))
    assert rec.source_id == "10.5555/m3.doi"  # a DOI before the accession number
    (rec,), _ = _read(_ris("TY  - JOUR\nTI  - T\nM3  - Phd Thesis 1\nAN  - 42\nID  - 7"))
    assert rec.source_id == "an:42"
    assert ("local", "42", "accession number") in {
        (i.scheme, i.value, i.qualifier) for i in rec.identifiers
    }


def test_the_same_citation_keys_the_same_way_whenever_it_comes() -> None:
    blob = _ris("TY  - JOUR\nTI  - Tides\nAU  - Okafor, Ada\nPY  - 2020\nJO  - Sea\nSP  - 4")
    (first,), _ = _read(blob)
    (again,), _ = _read(b"1.\n" + blob.replace(b"\n", b"\r\n"))
    assert first.id == again.id and first.source_id.startswith("cite:")
    (other,), _ = _read(blob.replace(b"SP  - 4", b"SP  - 5"))
    assert other.id != first.id


def test_the_inline_reading_loop_gives_what_rispys_own_loop_gives(shared_data: Path) -> None:
    """The reader's parse_lines does rispy's loop inline, for speed; on every shared file,
    cut as the framer cuts it, and on odd lines written here, the two agree exactly."""
    import rispy

    from unioncat.framing import frame_file
    from unioncat.normalize import ris

    files = [*(shared_data / "vendor" / "ris").glob("*.ris")]
    files += [
        shared_data / "vendor" / "crossref" / "fixtures" / n
        for n in ("crossref.ris", "pure.ris", "ris_bug.ris")
    ]
    texts = []
    for path in files:
        with path.open("rb") as f:
            _wire, frames = frame_file(f, "ris")
            texts += [fr.payload.decode() for fr in frames if not fr.error]
    texts += [
        "TY  - JOUR\nstray before any tag\nTI  - x\nER  - ",
        "TY  - JOUR\nTI  - a\n  continued\n\nTI  - b\nÉ1  - odd tag\nAU -  One space\nER  -\n",
        "TY  - JOUR\nTI  - no end line\n",
        "TY  - BOOK\nAU  - One\nER  - \nTY  - CHAP\nAU  - Two\nER  - \n",
    ]
    assert len(texts) > 30
    for text in texts:
        inline = ris._READER.parse_lines(iter(text.split("\n")))
        reference = rispy.RisParser.parse_lines(ris._READER, (x for x in text.split("\n")))
        assert inline == reference, text[:80]
