"""The MARC normalizer (unioncat/normalize/marc.py, marc_read.py, marc_medium.py).

Every record here is built in the test with pymarc, serialised to ISO 2709 (or MARCXML)
and run through ``NORMALIZERS["marc"]`` exactly as the pipeline does.
"""

from __future__ import annotations

import dataclasses
import io
import random
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pymarc
import pytest
from pymarc import Field, Leader, Subfield
from pymarc.field import Indicators

from unioncat.contracts import RawEnvelope
from unioncat.errors import RecordError
from unioncat.framing import FRAMERS
from unioncat.normalize import NORMALIZERS
from unioncat.normalize.marc import clean, parse_related_parts
from unioncat.schemas.record import Access, Identifier, Record, Relation, Subject

FETCHED = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
BOOK_LEADER = "00000cam a2200000 i 4500"
# 008 for a book: 07-10 date1 2019, 15-17 place, 23 form of item blank, 24-27 contents,
# 29 conference, 35-37 language.
BOOK_008 = "190415s2019    enk           000 0 eng d"
assert len(BOOK_008) == 40

FieldSpec = tuple[str, str, list[str]]


def with_008(changes: dict[int, str], base: str = BOOK_008) -> str:
    """The 008 with single positions replaced: ``{23: "o"}`` sets the form of item."""
    chars = list(base)
    for pos, value in changes.items():
        chars[pos : pos + len(value)] = list(value)
    assert len(chars) == 40
    return "".join(chars)


def marc(
    fields: list[FieldSpec] | None = None,
    *,
    leader: str = BOOK_LEADER,
    control: str | None = "rec-1",
    f008: str | None = BOOK_008,
    controls: dict[str, str] | None = None,
    title: str | None = "A title",
) -> pymarc.Record:
    """A UTF-8 MARC record; ``fields`` are (tag, indicators, [code, value, ...])."""
    fields = fields or []
    r = pymarc.Record(force_utf8=True)
    r.leader = Leader(leader)
    if control is not None:
        r.fields.append(Field(tag="001", data=control))
    for tag, data in (controls or {}).items():
        r.fields.append(Field(tag=tag, data=data))
    if f008 is not None:
        r.fields.append(Field(tag="008", data=f008))
    if title is not None and not any(tag == "245" for tag, _, _ in fields):
        r.fields.append(
            Field(tag="245", indicators=Indicators("1", "0"), subfields=[Subfield("a", title)])
        )
    for tag, ind, subs in fields:
        r.fields.append(
            Field(
                tag=tag,
                indicators=Indicators(ind[0], ind[1]),
                subfields=[Subfield(subs[i], subs[i + 1]) for i in range(0, len(subs), 2)],
            )
        )
    return r


def to_xml(record: pymarc.Record, *, namespace: bool = True) -> bytes:
    xml: bytes = pymarc.record_to_xml(record, namespace=namespace)  # type: ignore[no-untyped-call]
    return xml


def envelope(payload: bytes, fmt: str = "marc21") -> RawEnvelope:
    return RawEnvelope(
        source="test-src",
        envelope_id="file.mrc#0",
        format=fmt,
        payload=payload,
        fetched_at=FETCHED,
    )


def normalize_payload(payload: bytes, fmt: str = "marc21") -> Record:
    records = NORMALIZERS["marc"](envelope(payload, fmt))
    assert len(records) == 1
    return records[0]


def normalize(record: pymarc.Record, fmt: str = "marc21") -> Record:
    if fmt == "marcxml":
        return normalize_payload(to_xml(record), "marcxml")
    return normalize_payload(record.as_marc(), "marc21")


def idents(rec: Record, scheme: str) -> list[Identifier]:
    return [i for i in rec.identifiers if i.scheme == scheme]


# ================================================================ type


TYPE_CASES: list[tuple[str, str, list[FieldSpec], str]] = [
    (BOOK_LEADER, BOOK_008, [], "book"),
    ("00000caa a2200000 i 4500", BOOK_008, [], "book_chapter"),  # leader/07 a
    ("00000cab a2200000 i 4500", BOOK_008, [], "journal_article"),  # leader/07 b
    ("00000cas a2200000 i 4500", BOOK_008, [], "journal"),  # leader/07 s
    ("00000cai a2200000 i 4500", BOOK_008, [], "journal"),  # integrating resource
    ("00000cam a2200000 ia4500", BOOK_008, [], "book_set"),  # leader/19 a
    (BOOK_LEADER, with_008({24: "m"}), [], "thesis"),  # 008/24-27 contents
    (BOOK_LEADER, BOOK_008, [("502", "  ", ["a", "Thesis (Ph. D.)"])], "thesis"),
    (BOOK_LEADER, with_008({29: "1"}), [], "proceedings"),  # 008/29 conference
    (BOOK_LEADER, BOOK_008, [("111", "2 ", ["a", "Symposium on X"])], "proceedings"),
    (BOOK_LEADER, with_008({24: "t"}), [], "report"),
    ("00000cmm a2200000 i 4500", with_008({26: "a"}), [], "dataset"),  # numeric data
    ("00000cmm a2200000 i 4500", with_008({26: "b"}), [], "computer_file"),  # program
    ("00000cjm a2200000 i 4500", BOOK_008, [], "musical_sound_recording"),
    ("00000cim a2200000 i 4500", BOOK_008, [], "nonmusical_sound_recording"),
    ("00000ccm a2200000 i 4500", BOOK_008, [], "notated_music"),
    ("00000cdm a2200000 i 4500", BOOK_008, [], "manuscript_notated_music"),
    ("00000cem a2200000 i 4500", BOOK_008, [], "cartographic_material"),
    ("00000cfm a2200000 i 4500", BOOK_008, [], "manuscript_cartographic_material"),
    ("00000cgm a2200000 i 4500", BOOK_008, [], "projected_medium"),
    ("00000ckm a2200000 i 4500", BOOK_008, [], "still_image"),
    ("00000com a2200000 i 4500", BOOK_008, [], "kit"),
    ("00000cpc a2200000 i 4500", BOOK_008, [], "mixed_materials"),
    ("00000crm a2200000 i 4500", BOOK_008, [], "object"),
    ("00000ctm a2200000 i 4500", BOOK_008, [], "manuscript"),  # manuscript text
    ("00000cbm a2200000 i 4500", BOOK_008, [], "manuscript"),  # obsolete archival control
    ("00000ctm a2200000 i 4500", with_008({24: "m"}), [], "thesis"),  # a manuscript thesis
    ("00000cja a2200000 i 4500", BOOK_008, [], "musical_sound_recording"),  # a track
]


@pytest.mark.parametrize(
    ("leader", "f008", "fields", "expected"),
    TYPE_CASES,
    ids=[f"{c[3]}-{i}" for i, c in enumerate(TYPE_CASES)],
)
def test_record_type_from_leader_and_008(
    leader: str, f008: str, fields: list[FieldSpec], expected: str
) -> None:
    assert normalize(marc(fields, leader=leader, f008=f008)).type == expected


# ================================================================ medium

MAP_LEADER = "00000cem a2200000 i 4500"
COMPUTER_LEADER = "00000cmm a2200000 i 4500"
GRAPHIC_LEADER = "00000ckm a2200000 i 4500"


MEDIUM_CASES: list[tuple[str, str, list[FieldSpec], str, list[str]]] = [
    # 008 form of item: position 23 for books, 29 for maps and visual materials
    (BOOK_LEADER, with_008({23: "o"}), [], "electronic", ["008/23=o"]),
    (BOOK_LEADER, with_008({23: "s"}), [], "electronic", ["008/23=s"]),
    (BOOK_LEADER, with_008({23: "b"}), [], "microform", ["008/23=b"]),
    (BOOK_LEADER, with_008({23: "r"}), [], "print", ["008/23=r"]),
    (BOOK_LEADER, with_008({23: "d"}), [], "print", ["008/23=d"]),
    (MAP_LEADER, with_008({29: "o"}), [], "electronic", ["008/29=o"]),
    (GRAPHIC_LEADER, with_008({29: "a"}), [], "microform", ["008/29=a"]),
    # 338 carrier type, 337 media type
    (
        BOOK_LEADER,
        BOOK_008,
        [("338", "  ", ["a", "online resource", "b", "cr"])],
        "electronic",
        ["338$b=cr"],
    ),
    (
        BOOK_LEADER,
        BOOK_008,
        [("338", "  ", ["a", "microfiche", "b", "he"])],
        "microform",
        ["338$b=he"],
    ),
    (BOOK_LEADER, BOOK_008, [("338", "  ", ["a", "volume", "b", "nc"])], "print", ["338$b=nc"]),
    (
        BOOK_LEADER,
        BOOK_008,
        [("337", "  ", ["a", "computer", "b", "c"])],
        "electronic",
        ["337$b=c"],
    ),
    (BOOK_LEADER, BOOK_008, [("337", "  ", ["a", "Microform"])], "microform", ["337$a=microform"]),
    # 245 $h general material designation
    (
        BOOK_LEADER,
        BOOK_008,
        [("245", "10", ["a", "Rivers", "h", "[electronic resource] /"])],
        "electronic",
        ["245$h"],
    ),
    (
        BOOK_LEADER,
        BOOK_008,
        [("245", "10", ["a", "Rivers", "h", "[microform] /"])],
        "microform",
        ["245$h"],
    ),
    # 020 $q qualifier
    (
        BOOK_LEADER,
        BOOK_008,
        [("020", "  ", ["a", "9780198812364", "q", "ebook"])],
        "electronic",
        ["020$q"],
    ),
    (
        BOOK_LEADER,
        BOOK_008,
        [("020", "  ", ["a", "9780198812357", "q", "pbk."])],
        "print",
        ["020$q"],
    ),
    # an 856 to the resource itself
    (
        BOOK_LEADER,
        BOOK_008,
        [("856", "40", ["u", "https://example.org/book"])],
        "electronic",
        ["856 ind2=0"],
    ),
    # ... but not to a related resource: falls back to print for text
    (
        BOOK_LEADER,
        BOOK_008,
        [("856", "42", ["u", "https://example.org/toc"])],
        "print",
        ["008/23=blank"],
    ),
    # computer file with a blank 008/23 and nothing else: leader/06 decides
    (COMPUTER_LEADER, BOOK_008, [], "electronic", ["leader/06=m"]),
    # a graphic with nothing to go on
    (GRAPHIC_LEADER, BOOK_008, [], "unknown", []),
]


@pytest.mark.parametrize(
    ("leader", "f008", "fields", "medium", "evidence"),
    MEDIUM_CASES,
    ids=[f"{c[3]}-{c[4][0] if c[4] else 'none'}" for c in MEDIUM_CASES],
)
def test_medium_and_its_evidence(
    leader: str, f008: str, fields: list[FieldSpec], medium: str, evidence: list[str]
) -> None:
    rec = normalize(marc(fields, leader=leader, f008=f008))
    assert (rec.medium, rec.medium_evidence) == (medium, evidence)


@pytest.mark.parametrize(
    ("f007", "medium"),
    [("cr |n|||||||||", "electronic"), ("he bmb024baca", "microform"), ("ta", "print")],
)
def test_medium_from_007(f007: str, medium: str) -> None:
    rec = normalize(marc(controls={"007": f007}))
    assert rec.medium == medium
    assert rec.medium_evidence == [f"007/00={f007[0]}"]


def test_008_decides_before_weaker_evidence() -> None:
    """Print in 008/23 wins over an 856 link and an e-book qualifier."""
    rec = normalize(
        marc(
            [
                ("020", "  ", ["a", "9780198812364", "q", "ebook"]),
                ("856", "40", ["u", "https://example.org/book"]),
            ],
            f008=with_008({23: "r"}),
        )
    )
    assert (rec.medium, rec.medium_evidence) == ("print", ["008/23=r"])


def test_map_form_of_item_is_read_at_29_not_23() -> None:
    rec = normalize(marc(leader=MAP_LEADER, f008=with_008({23: "o", 29: "a"})))
    assert (rec.medium, rec.medium_evidence) == ("microform", ["008/29=a"])


# ================================================================ title


def test_title_subtitle_and_part_number_and_name() -> None:
    rec = normalize(
        marc(
            [
                (
                    "245",
                    "14",
                    [
                        "a",
                        "The river archives.",
                        "n",
                        "Part 2,",
                        "p",
                        "Water and memory :",
                        "b",
                        "a history of the city /",
                        "c",
                        "Adaeze Okafor.",
                    ],
                )
            ]
        )
    )
    assert rec.title == "The river archives"
    assert rec.subtitle == "a history of the city"
    assert rec.part is not None
    assert (rec.part.number, rec.part.name) == ("Part 2", "Water and memory")


def test_title_without_part_has_no_part() -> None:
    rec = normalize(marc([("245", "10", ["a", "Salt roads :", "b", "a novel /"])]))
    assert (rec.title, rec.subtitle, rec.part) == ("Salt roads", "a novel", None)


def test_title_keeps_final_abbreviation_but_not_a_short_word() -> None:
    assert normalize(marc(title="Out of the box.")).title == "Out of the box"
    assert normalize(marc(title="Letters to J.")).title == "Letters to J."
    assert normalize(marc(title="Waiting ...")).title == "Waiting ..."


def test_title_variants_and_original_script() -> None:
    rec = normalize(
        marc(
            [
                ("245", "10", ["6", "880-02", "a", "Shan shui yu cheng shi /"]),
                ("246", "31", ["a", "Mountains, water and the city"]),
                ("880", "10", ["6", "245-02/$1", "a", "山水与城市 /"]),
            ]
        )
    )
    assert rec.title == "Shan shui yu cheng shi"
    assert rec.title_variants == ["Mountains, water and the city"]
    assert rec.title_original_script == "山水与城市"


# ================================================================ contributors


def test_contributors_with_roles_and_identifiers() -> None:
    rec = normalize(
        marc(
            [
                (
                    "100",
                    "1 ",
                    [
                        "a",
                        "Okafor, Adaeze,",
                        "e",
                        "author.",
                        "0",
                        "https://orcid.org/0000-0002-1825-0097",
                    ],
                ),
                (
                    "700",
                    "1 ",
                    [
                        "a",
                        "Lindqvist, Maren,",
                        "e",
                        "editor,",
                        "4",
                        "edt",
                        "0",
                        "(DE-588)118540238",
                        "1",
                        "http://www.wikidata.org/entity/Q42",
                    ],
                ),
                ("700", "1 ", ["a", "Cole, Tim.", "0", "(isni)000000012144843X"]),
                ("710", "2 ", ["a", "Riverbank University.", "b", "Press,", "e", "publisher."]),
                # name/title entries: a related work (ind2 blank) names no contributor,
                # a contained one (ind2 2, analytical entry) names its author
                ("700", "1 ", ["a", "Homer.", "t", "Iliad."]),
                ("700", "12", ["a", "Shakespeare, William,", "t", "Hamlet."]),
            ]
        )
    )
    names = [c.name for c in rec.contributors]
    assert names == [
        "Okafor, Adaeze",
        "Lindqvist, Maren",
        "Cole, Tim",
        "Shakespeare, William",
        # the levels of a corporate hierarchy keep the period between them
        "Riverbank University. Press",
    ]
    okafor, lindqvist, cole, shakespeare, press = rec.contributors
    assert shakespeare.role is None
    assert (okafor.family, okafor.given, okafor.role, okafor.kind) == (
        "Okafor",
        "Adaeze",
        "author",
        "person",
    )
    assert [(i.scheme, i.value) for i in okafor.identifiers] == [("orcid", "0000-0002-1825-0097")]
    assert lindqvist.role == "editor"  # "$e editor, $4 edt" is one role, said twice
    assert [(i.scheme, i.value) for i in lindqvist.identifiers] == [
        ("local", "(DE-588)118540238"),
        ("uri", "http://www.wikidata.org/entity/Q42"),
    ]
    assert cole.role is None  # an added entry without $e/$4 has no role
    # the ISNI check character X is part of the number
    assert [(i.scheme, i.value) for i in cole.identifiers] == [("isni", "000000012144843X")]
    assert (press.kind, press.role, press.family) == ("organization", "publisher", None)


def test_main_entry_without_relator_is_the_author() -> None:
    rec = normalize(marc([("100", "0 ", ["a", "Voltaire,", "d", "1694-1778."])]))
    (c,) = rec.contributors
    assert (c.name, c.given, c.family, c.role) == ("Voltaire", "Voltaire", None, "author")


def test_affiliation_from_u_stays_out_of_the_name() -> None:
    person = ("100", "1 ", ["a", "Okafor, Adaeze,", "e", "author.", "u", "Tideway Institute."])
    (c,) = normalize(marc([person])).contributors
    assert (c.name, c.affiliations) == ("Okafor, Adaeze", ["Tideway Institute"])


def test_meeting_name() -> None:
    meeting = ("111", "2 ", ["a", "Symposium on Rivers", "n", "(3rd :", "d", "2019)"])
    (c,) = normalize(marc([meeting])).contributors
    assert (c.kind, c.name, c.role) == ("meeting", "Symposium on Rivers (3rd : 2019)", None)


# ================================================================ publication


def test_264_publication_is_preferred_over_260() -> None:
    rec = normalize(
        marc(
            [
                ("260", "  ", ["a", "London :", "b", "Old House,", "c", "1999."]),
                ("264", " 4", ["c", "©2018"]),
                ("264", " 1", ["a", "Oxford :", "b", "Riverbank University Press,", "c", "2019."]),
            ]
        )
    )
    assert (rec.place, rec.publisher, rec.date, rec.year) == (
        "Oxford",
        "Riverbank University Press",
        "2019",
        2019,
    )


def test_260_when_there_is_no_264_1() -> None:
    rec = normalize(
        marc(
            [
                ("264", " 3", ["a", "Leeds :", "b", "Printer,", "c", "2000."]),
                ("260", "  ", ["a", "New York :", "b", "Pelican House,", "c", "c1987."]),
            ],
            f008=with_008({7: "uuuu"}),
        )
    )
    assert (rec.place, rec.publisher, rec.date) == ("New York", "Pelican House", "c1987")
    assert rec.year == 1987  # 008 date1 unknown: the year comes from $c


def test_year_prefers_008_date1() -> None:
    rec = normalize(marc([("264", " 1", ["c", "[2020?]"])], f008=with_008({7: "2019"})))
    assert rec.year == 2019
    assert rec.date == "2020?"


def test_brackets_split_across_subfields_are_dropped() -> None:
    rec = normalize(marc([("260", "  ", ["a", "[S.l. :", "b", "s.n.],", "c", "1949."])]))
    assert (rec.place, rec.publisher, rec.date) == ("S.l.", "s.n.", "1949")


def test_edition() -> None:
    assert normalize(marc([("250", "  ", ["a", "Second edition."])])).edition == "Second edition"
    assert normalize(marc([("250", "  ", ["a", "2nd ed."])])).edition == "2nd ed."
    rec = normalize(marc([("250", "  ", ["a", "3rd ed. /", "b", "rev. by J. Smith."])]))
    assert rec.edition == "3rd ed. / rev. by J. Smith"


# ================================================================ language, extent


def test_language_from_008_and_041() -> None:
    rec = normalize(marc([("041", "1 ", ["a", "engfre", "a", "ger", "h", "rus"])]))
    assert rec.language == ["eng", "fre", "ger"]  # $h is the original, not this text


def test_language_undetermined_in_008_is_left_out() -> None:
    rec = normalize(marc([("041", "0 ", ["a", "lat"])], f008=with_008({35: "und"})))
    assert rec.language == ["lat"]


@pytest.mark.parametrize(
    ("extent", "written", "pages"),
    [
        ("xii, 318 pages :", "xii, 318 pages", 318),
        ("247, 16 pages ;", "247, 16 pages", 247),  # two sequences: not the last one
        ("320, 11 p.", "320, 11 p.", 320),
        ("1 online resource (xii, 318 pages)", "1 online resource (xii, 318 pages)", 318),
        ("320 p., [11] leaves of plates :", "320 p., [11] leaves of plates", 320),
        ("iv, 291 leaves ;", "iv, 291 leaves", 291),
        ("2 sound discs (3 hr. 16 min.) ;", "2 sound discs (3 hr. 16 min.)", None),
    ],
)
def test_extent_and_page_count(extent: str, written: str, pages: int | None) -> None:
    rec = normalize(marc([("300", "  ", ["a", extent, "c", "24 cm"])]))
    assert (rec.extent, rec.page_count) == (written, pages)


# ================================================================ identifiers


def test_isbns_from_020() -> None:
    rec = normalize(
        marc(
            [
                ("020", "  ", ["a", "0-19-881234-5", "q", "hardback"]),
                ("020", "  ", ["a", "9780198812357", "q", "(pbk.)"]),
                ("020", "  ", ["a", "0394558391 (cloth)"]),
                ("020", "  ", ["z", "0-19-881234-5", "q", "print"]),  # cancelled
                ("020", "  ", ["a", "9780198812358"]),  # bad checksum
            ]
        )
    )
    got = [(i.value, i.qualifier, i.status) for i in idents(rec, "isbn")]
    assert got == [
        ("9780198812340", "hardback", "valid"),
        ("9780198812357", "pbk", "valid"),
        ("9780394558394", "cloth", "valid"),
        ("9780198812340", "print", "cancelled"),
        ("9780198812358", None, "invalid"),
    ]
    assert idents(rec, "isbn")[0].raw == "0-19-881234-5"


def test_issn_issn_l_incorrect_and_cancelled() -> None:
    rec = normalize(
        marc(
            [
                (
                    "022",
                    "0 ",
                    ["a", "1476-4687", "l", "0028-0836", "y", "0028-0837", "z", "2434-561X"],
                )
            ],
            leader="00000cas a2200000 a 4500",
        )
    )
    got = [(i.scheme, i.value, i.status) for i in rec.identifiers]
    assert got == [
        ("issn", "1476-4687", "valid"),
        ("issn_l", "0028-0836", "valid"),
        ("issn", "0028-0837", "invalid"),
        ("issn", "2434-561X", "cancelled"),
    ]


def test_doi_from_024_and_856_once() -> None:
    rec = normalize(
        marc(
            [
                ("024", "7 ", ["a", "10.9999/JES.2021.0345", "2", "doi"]),
                ("024", "7 ", ["a", "10.9999/other", "2", "hdl"]),  # not a DOI scheme
                ("024", "8 ", ["a", "10.9999/unspecified"]),
                ("856", "40", ["u", "https://doi.org/10.9999/JES.2021.0345"]),
                ("856", "40", ["u", "http://dx.doi.org/10.9999/Second.DOI"]),
            ]
        )
    )
    dois = [(i.value, i.status) for i in idents(rec, "doi")]
    assert dois == [("10.9999/jes.2021.0345", "valid"), ("10.9999/second.doi", "valid")]


def test_lccn_normalised_by_the_loc_rule() -> None:
    rec = normalize(marc([("010", "  ", ["a", "n 79-1234", "z", "   50014073 "])]))
    got = [(i.value, i.status, i.raw) for i in idents(rec, "lccn")]
    assert got == [("n79001234", "valid", "n 79-1234"), ("50014073", "cancelled", "   50014073 ")]


def test_oclc_number_from_035_and_001() -> None:
    rec = normalize(
        marc(
            [
                ("035", "  ", ["a", "(OCoLC)ocm00012345"]),
                ("035", "  ", ["a", "(DE-599)ZDB12345"]),  # another agency's number
                ("035", "  ", ["z", "(OCoLC)99999"]),  # cancelled/invalid: not used
            ]
        )
    )
    assert [i.value for i in idents(rec, "oclc")] == ["12345"]
    assert idents(rec, "oclc")[0].raw == "(OCoLC)ocm00012345"


@pytest.mark.parametrize(
    ("control", "controls", "expected"),
    [
        ("ocn123456789", {}, ["123456789"]),
        ("12345", {"003": "OCoLC"}, ["12345"]),
        ("12345", {"003": "DLC"}, []),
    ],
)
def test_oclc_number_from_001(control: str, controls: dict[str, str], expected: list[str]) -> None:
    rec = normalize(marc(control=control, controls=controls))
    assert [i.value for i in idents(rec, "oclc")] == expected
    assert rec.source_id == control


def test_ismn_and_ean_from_024() -> None:
    rec = normalize(
        marc([("024", "2 ", ["a", "M-2306-7118-7"]), ("024", "3 ", ["a", "4 006381 333931"])])
    )
    assert [(i.scheme, i.value) for i in rec.identifiers] == [
        ("ismn", "9790230671187"),
        ("ean", "4006381333931"),
    ]


# ================================================================ subjects


def test_subjects_with_scheme() -> None:
    rec = normalize(
        marc(
            [
                ("650", " 0", ["a", "Rivers", "x", "History."]),
                ("650", " 2", ["a", "Water Pollution"]),
                ("651", " 7", ["a", "England", "2", "fast"]),
                ("600", "10", ["a", "Okafor, Adaeze,", "d", "1970-"]),
                ("655", " 7", ["a", "Essays.", "2", "lcgft"]),
                ("650", " 4", ["a", "Local heading"]),
                ("653", " 0", ["a", "urban rivers"]),  # ind2 0 is "topical", not LCSH
                ("653", " 2", ["a", "Riverbank University"]),  # 2 is "corporate", not MeSH
            ]
        )
    )
    assert rec.subjects == [
        Subject("Rivers -- History", "lcsh"),
        Subject("Water Pollution", "mesh"),
        Subject("England", "fast"),
        Subject("Okafor, Adaeze, 1970-", "lcsh"),  # the dates belong to the name
        Subject("Essays", "lcgft"),
        Subject("Local heading", None),
        Subject("urban rivers", None),
        Subject("Riverbank University", None),
    ]


# ================================================================ host, relations, access


def test_773_host_with_parsed_g() -> None:
    rec = normalize(
        marc(
            [
                (
                    "773",
                    "0 ",
                    [
                        "t",
                        "Journal of estuarine studies",
                        "x",
                        "1476-4687",
                        "w",
                        "(OCoLC)12345678",
                        "g",
                        "Vol. 27, no. 3 (2021), p. 45-67",
                    ],
                ),
            ],
            leader="00000nab a2200000 a 4500",
        )
    )
    assert rec.type == "journal_article"
    host = rec.host
    assert host is not None
    assert host.title == "Journal of estuarine studies"
    assert (host.volume, host.issue, host.first_page, host.last_page) == ("27", "3", "45", "67")
    assert [(i.scheme, i.value) for i in host.identifiers] == [
        ("issn", "1476-4687"),
        ("oclc", "12345678"),
    ]
    assert host.raw is not None and "Vol. 27" in host.raw


@pytest.mark.parametrize(
    ("g", "expected"),
    [
        ("Vol. 12, no. 3 (2004), p. 45-67", ("12", "3", "45", "67")),
        ("v. 7 (2001), p. 12", ("7", None, "12", None)),
        ("Bd. 5, H. 2 (1999), S. 12-30", ("5", "2", "12", "30")),
        ("Vol. 3, issue 4, pp. 1\u20139", ("3", "4", "1", "9")),
        ("12:3<45", ("12", "3", "45", None)),  # the compact 773 $q form
        ("12:3(2004)<45>", ("12", "3", "45", None)),
        # month names must not read as captions: "Nov." is not "v.", "Jan." not "n.",
        # "Sept." not "p."
        ("No. 3 (Nov. 2004), p. 45-67", (None, "3", "45", "67")),
        ("Vol. 3 (Jan. 2004), p. 5-10", ("3", None, "5", "10")),
        ("Vol. 9 (Sept. 2004)", ("9", None, None, None)),
    ],
)
def test_parse_related_parts(
    g: str, expected: tuple[str | None, str | None, str | None, str | None]
) -> None:
    assert parse_related_parts(g) == expected


def test_776_other_format_relation_with_identifiers() -> None:
    rec = normalize(
        marc(
            [
                (
                    "776",
                    "08",
                    [
                        "i",
                        "Online version:",
                        "a",
                        "Okafor, Adaeze.",
                        "t",
                        "River archives.",
                        "d",
                        "Oxford : RUP, 2019",
                        "z",
                        "9780198812364",
                        "w",
                        "(OCoLC)1089955555",
                        "w",
                        "(DLC)  2019012345",
                    ],
                ),
                ("780", "00", ["t", "Estuary notes", "x", "0028-0836"]),
            ]
        )
    )
    assert rec.relations == [
        Relation(
            type="other_format",
            title="River archives",
            identifiers=[
                Identifier("isbn", "9780198812364", None, "valid", "9780198812364"),
                Identifier("oclc", "1089955555", None, "valid", "(OCoLC)1089955555"),
                Identifier("lccn", "2019012345", None, "valid", "  2019012345"),
            ],
            note="Online version",
        ),
        Relation(
            type="preceding",
            title="Estuary notes",
            identifiers=[Identifier("issn", "0028-0836", None, "valid", "0028-0836")],
        ),
    ]


def test_856_access_links_and_relationship() -> None:
    rec = normalize(
        marc(
            [
                (
                    "856",
                    "40",
                    [
                        "u",
                        "https://ebooks.example.org/9780198812364",
                        "z",
                        "Available to subscribers",
                    ],
                ),
                ("856", "41", ["u", "https://archive.example.org/copy"]),
                ("856", "42", ["3", "Table of contents", "u", "https://example.org/toc"]),
                ("856", "4 ", ["u", "https://ezproxy.example.edu/login?url=https://x.org"]),
                ("856", "48", ["u", "https://example.org/no-display-constant"]),
            ]
        )
    )
    assert rec.access == [
        Access(
            url="https://ebooks.example.org/9780198812364",
            kind="unknown",
            relationship="resource",
            note="Available to subscribers",
        ),
        Access(url="https://archive.example.org/copy", relationship="version"),
        Access(url="https://example.org/toc", relationship="related", note="Table of contents"),
        Access(url="https://ezproxy.example.edu/login?url=https://x.org", kind="proxy"),
        # ind2 8 ("no display constant generated") says nothing about the relationship
        Access(url="https://example.org/no-display-constant", relationship=None),
    ]


# ================================================================ envelope and provenance


def test_provenance_fields() -> None:
    rec = normalize(marc(controls={"005": "20240301101500.0"}))
    assert (rec.source, rec.source_id, rec.source_format) == ("test-src", "rec-1", "marc21")
    assert rec.harvested_at == FETCHED
    assert rec.datestamp == "20240301101500.0"
    assert rec.raw_ref == "test-src|file.mrc#0"
    assert rec.deleted is False
    assert rec.id == normalize(marc(title="Another title")).id  # minted from source + 001


def test_record_without_001_is_named_by_what_it_says_not_where_it_sits() -> None:
    rec = normalize(marc(control=None))
    assert rec.source_id.startswith("no-001:")
    moved = normalize_payload(marc(control=None).as_marc())
    assert moved.source_id == rec.source_id and moved.id == rec.id
    other = normalize(marc(control=None, title="Another title"))
    assert other.source_id != rec.source_id
    # a field that does not identify it (a note) leaves the id alone
    noted = normalize(marc([("500", "  ", ["a", "Includes index."])], control=None))
    assert noted.id == rec.id


def test_deleted_record_from_leader_05() -> None:
    assert normalize(marc(leader="00000dam a2200000 i 4500")).deleted is True


# ================================================================ MARCXML == ISO 2709


def rich_record() -> pymarc.Record:
    return marc(
        [
            ("010", "  ", ["a", "  2019012345"]),
            ("020", "  ", ["a", "0-19-881234-5", "q", "hardback"]),
            ("020", "  ", ["z", "9780198812364", "q", "ebook"]),
            ("022", "  ", ["a", "1476-4687"]),
            ("024", "7 ", ["a", "10.9999/RBUP.001", "2", "doi"]),
            ("035", "  ", ["a", "(OCoLC)ocn1089912345"]),
            ("041", "0 ", ["a", "eng", "a", "fre"]),
            (
                "100",
                "1 ",
                [
                    "a",
                    "Okafor, Adaeze,",
                    "e",
                    "author.",
                    "0",
                    "https://orcid.org/0000-0002-1825-0097",
                ],
            ),
            (
                "245",
                "14",
                [
                    "6",
                    "880-01",
                    "a",
                    "The river archives :",
                    "b",
                    "water, mémoire et la ville /",
                    "c",
                    "Adaeze Okafor.",
                ],
            ),
            ("250", "  ", ["a", "Second edition."]),
            ("264", " 1", ["a", "Oxford :", "b", "Riverbank University Press,", "c", "2019."]),
            ("300", "  ", ["a", "xii, 318 pages :", "b", "illustrations ;", "c", "24 cm"]),
            ("337", "  ", ["a", "unmediated", "b", "n", "2", "rdamedia"]),
            ("338", "  ", ["a", "volume", "b", "nc", "2", "rdacarrier"]),
            ("490", "1 ", ["a", "Urban histories ;", "v", "7"]),
            ("520", "  ", ["a", "How cities remember their rivers — «Flüsse» & water."]),
            ("650", " 0", ["a", "Rivers", "x", "History."]),
            ("700", "1 ", ["a", "Lindqvist, Maren,", "e", "editor."]),
            ("773", "0 ", ["t", "Urban water", "g", "Vol. 2, no. 1 (2019), p. 3-9"]),
            (
                "776",
                "08",
                [
                    "i",
                    "Online version:",
                    "t",
                    "River archives.",
                    "z",
                    "9780198812364",
                    "w",
                    "(OCoLC)1089955555",
                ],
            ),
            ("830", " 0", ["a", "Urban histories ;", "v", "7."]),
            ("856", "41", ["u", "https://example.org/rivers"]),
            ("880", "14", ["6", "245-01/$1", "a", "河流档案 /"]),
        ],
        controls={"003": "XX-ExLib", "005": "20240301101500.0"},
    )


def test_marcxml_and_iso2709_give_the_same_record() -> None:
    from_iso = normalize(rich_record(), "marc21")
    from_xml = normalize(rich_record(), "marcxml")
    assert from_iso.source_format == "marc21"
    assert from_xml.source_format == "marcxml"
    assert dataclasses.replace(from_xml, source_format="marc21") == from_iso
    # and the record is actually rich, so the comparison means something
    assert from_iso.title == "The river archives"
    assert from_iso.subtitle == "water, mémoire et la ville"
    assert from_iso.abstract == "How cities remember their rivers — «Flüsse» & water."
    assert from_iso.title_original_script == "河流档案"
    assert [i.scheme for i in from_iso.identifiers] == [
        "isbn",
        "isbn",
        "issn",
        "doi",
        "lccn",
        "oclc",
    ]
    assert from_iso.host is not None and from_iso.relations and from_iso.series


def test_marcxml_collection_wrapper_and_no_namespace() -> None:
    body = to_xml(rich_record()).decode("utf-8")
    wrapped = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<collection xmlns="http://www.loc.gov/MARC21/slim">{body}</collection>'
    ).encode()
    plain = to_xml(rich_record(), namespace=False)
    expected = normalize(rich_record(), "marcxml")
    assert normalize_payload(wrapped, "marcxml") == expected
    assert normalize_payload(plain, "marcxml") == expected


# ================================================================ broken ISO 2709


def iso(record: pymarc.Record | None = None) -> bytes:
    return (record or marc([("500", "  ", ["a", "A note."])])).as_marc()


def corrupt(data: bytes, at: int, new: bytes) -> bytes:
    return data[:at] + new + data[at + len(new) :]


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: d[:-10], "truncated or damaged"),
        (lambda d: d[:-1], "truncated or damaged"),  # lost the record terminator only
        (lambda d: d + b"junk", "truncated or damaged"),
        (lambda d: d[:20], "shorter than a 24-byte leader"),
        (lambda d: corrupt(d, 0, b"0x1"), "record length is not numeric"),
        (lambda d: corrupt(d, 12, b"00a"), "base address"),
        (lambda d: corrupt(d, 12, b"99999"), "base address"),
        (lambda d: corrupt(d, 12, b"00010"), "base address"),
        (lambda d: corrupt(d, 24 + 4, b"x"), "directory entry 0"),
        (lambda d: corrupt(d, 24 + 12 + 8, b"?"), "directory entry 1"),
        (lambda d: corrupt(d, 24 + 3, b"\xc3"), "directory"),
        (lambda d: corrupt(d, 20, b"\xc3"), "leader contains non-ASCII"),
    ],
    ids=[
        "cut-10-bytes",
        "cut-terminator",
        "trailing-junk",
        "shorter-than-leader",
        "length-not-numeric",
        "base-address-not-numeric",
        "base-address-too-big",
        "base-address-inside-leader",
        "directory-length-garbled",
        "directory-offset-garbled",
        "directory-non-ascii",
        "leader-non-ascii",
    ],
)
def test_broken_iso2709_raises_record_error_with_a_reason(
    make: Callable[[bytes], bytes], reason: str
) -> None:
    with pytest.raises(RecordError) as info:
        normalize_payload(make(iso()))
    assert reason in str(info.value)


def test_bad_utf8_in_a_control_field_is_a_record_error() -> None:
    """Used to escape as a bare UnicodeDecodeError from the replace-retry."""
    data = iso(marc(control="rec-1"))
    assert data[9:10] == b"a"
    broken = data.replace(b"rec-1", b"rec\xff1")
    with pytest.raises(RecordError, match="cannot be decoded"):
        normalize_payload(broken)


def test_bad_utf8_in_an_indicator_is_a_record_error() -> None:
    data = iso(marc([("500", "  ", ["a", "A note."])]))
    broken = data.replace(b"\x1e  \x1faA note.", b"\x1e\xff \x1faA note.")
    assert broken != data
    with pytest.raises(RecordError):
        normalize_payload(broken)


def test_bad_utf8_in_subfield_text_is_replaced_not_fatal() -> None:
    data = iso(marc(title="Caf\u00e9 society"))
    broken = data.replace("Caf\u00e9".encode(), b"Caf\xc3\x28")  # broken 2-byte sequence
    assert len(broken) == len(data)
    rec = normalize_payload(broken)
    assert rec.title is not None and rec.title.startswith("Caf\ufffd")


def test_marc8_record_with_undecodable_directory_says_so() -> None:
    rec = marc()
    data = iso(rec)
    marc8 = data[:9] + b" " + data[10:]  # leader/09 blank: MARC-8
    broken = corrupt(marc8, 24 + 5, b"\xe9")
    with pytest.raises(RecordError, match="directory"):
        normalize_payload(broken)


@pytest.mark.filterwarnings("ignore::pymarc.exceptions.BadSubfieldCodeWarning")
def test_random_damage_gives_records_or_record_errors_only() -> None:
    """Seeded byte flips and cuts: nothing but RecordError may come out."""
    rnd = random.Random(20240501)
    good = iso(rich_record())
    outcomes = {"ok": 0, "quarantined": 0}
    for _ in range(400):
        data = bytearray(good)
        for _ in range(rnd.randint(1, 4)):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        if rnd.random() < 0.2:
            data = data[: rnd.randrange(len(data))]
        try:
            normalize_payload(bytes(data))
            outcomes["ok"] += 1
        except RecordError as exc:
            assert str(exc)
            outcomes["quarantined"] += 1
    assert outcomes["ok"] > 0 and outcomes["quarantined"] > 0


# ================================================================ broken and hostile XML


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"<record><leader>00000cam", "not well-formed"),
        (b"<collection xmlns='http://www.loc.gov/MARC21/slim'/>", "no MARCXML <record>"),
        (b"<record xmlns='http://www.loc.gov/MARC21/slim'></record>", "no fields"),
    ],
)
def test_broken_marcxml_raises_record_error(payload: bytes, reason: str) -> None:
    with pytest.raises(RecordError, match=reason):
        normalize_payload(payload, "marcxml")


def _xml_with_doctype(doctype: str, text: str) -> bytes:
    return (
        '<?xml version="1.0"?>\n'
        f"{doctype}\n"
        '<record xmlns="http://www.loc.gov/MARC21/slim">'
        "<leader>00000cam a2200000 a 4500</leader>"
        '<controlfield tag="001">xxe-1</controlfield>'
        f'<datafield tag="245" ind1="1" ind2="0"><subfield code="a">{text}</subfield></datafield>'
        f'<datafield tag="520" ind1=" " ind2=" "><subfield code="a">{text}</subfield></datafield>'
        "</record>"
    ).encode()


def _outcome(payload: bytes) -> str:
    """Everything the normalizer lets out: the records' repr or the error message."""
    try:
        return repr(NORMALIZERS["marc"](envelope(payload, "marcxml")))
    except RecordError as exc:
        return str(exc)


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text("TOP-SECRET-MARKER-4711\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("doctype", "text"),
    [
        ('<!DOCTYPE record [<!ENTITY x SYSTEM "{uri}">]>', "T &x; end"),
        ('<!DOCTYPE record [<!ENTITY % x SYSTEM "{uri}"> %x;]>', "T end"),
        ('<!DOCTYPE record SYSTEM "{uri}">', "T end"),
    ],
)
def test_external_entity_is_not_resolved(secret_file: Path, doctype: str, text: str) -> None:
    payload = _xml_with_doctype(doctype.format(uri=secret_file.as_uri()), text)
    out = _outcome(payload)
    assert "TOP-SECRET-MARKER" not in out
    # and through the file framing too
    _wire, frames = "marcxml", FRAMERS["marcxml"].frame(io.BytesIO(payload))
    for frame in frames:
        assert b"TOP-SECRET-MARKER" not in frame.payload
        if frame.error is None:
            assert "TOP-SECRET-MARKER" not in _outcome(frame.payload)


def test_billion_laughs_does_not_expand() -> None:
    entities = ['<!ENTITY a0 "lol-lol-lol-lol-lol-lol-lol-lol-lol-lol">']
    for i in range(1, 10):
        entities.append(f'<!ENTITY a{i} "' + f"&a{i - 1};" * 10 + '">')
    payload = _xml_with_doctype("<!DOCTYPE record [" + "".join(entities) + "]>", "L &a9; end")
    out = _outcome(payload)
    assert len(out) < 20_000  # 10**9 x "lol" would be gigabytes
    assert "lol-lol-lol" not in out
    _wire, frames = "marcxml", FRAMERS["marcxml"].frame(io.BytesIO(payload))
    for frame in frames:
        assert len(frame.payload) < 20_000
        if frame.error is None:
            assert len(_outcome(frame.payload)) < 20_000


# ================================================================ clean()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Rivers :", "Rivers"),
        ("Jarrett, Keith.", "Jarrett, Keith"),
        ("Cole, Tim.", "Cole, Tim"),  # a short given name is not an abbreviation
        ("The law.", "The law"),
        ("Smith, J.", "Smith, J."),
        ("Smith, John, Jr.", "Smith, John, Jr."),
        ("W. H. Baker & co.", "W. H. Baker & co."),
        ("Govt. Print. Off.", "Govt. Print. Off."),
        ("New York, N.Y. :", "New York, N.Y."),
        ("Portland, Me. :", "Portland, Me."),
        ("[S.l.] :", "S.l."),
        ("[s.n.],", "s.n."),
        ("[s.n.,", "s.n."),  # bracket closed in the next subfield
        ("1949?]-c2000.", "1949?-c2000"),
        ("[2019?]", "2019?"),
        ("And then ...", "And then ..."),
        ("  ", None),
        (None, None),
    ],
)
def test_clean(text: str | None, expected: str | None) -> None:
    assert clean(text) == expected


# ================================================================ mapping depth: helpers


def normalize_all(record: pymarc.Record, fmt: str = "marc21") -> list[Record]:
    """Every record one envelope gives: the book, then the parts its 505 lists."""
    payload = to_xml(record) if fmt == "marcxml" else record.as_marc()
    return NORMALIZERS["marc"](envelope(payload, fmt))


CONTENTS_BOOK: list[FieldSpec] = [
    ("020", "  ", ["a", "9780198812357", "q", "hardback"]),
    ("020", "  ", ["a", "9780198812364", "q", "ebook"]),
    ("041", "0 ", ["a", "eng", "a", "fre"]),
    ("245", "10", ["a", "Rivers of the world :", "b", "essays /", "c", "edited by M. Lindqvist."]),
    ("264", " 1", ["a", "Oxford :", "b", "Riverbank University Press,", "c", "2019."]),
]


# ================================================================ 505: chapters


def test_enhanced_505_gives_chapters_with_titles_names_and_pages() -> None:
    book, *chapters = normalize_all(
        marc(
            [
                *CONTENTS_BOOK,
                (
                    "505",
                    "00",
                    [
                        "g",
                        "1.",
                        "t",
                        "Sources : where rivers begin /",
                        "r",
                        "Adaeze Okafor and Tim Cole --",
                        "t",
                        "Deltas /",
                        "r",
                        "Maren Lindqvist ;",
                        "g",
                        "p. 45-67 --",
                        "t",
                        "Estuaries /",
                        "r",
                        "Wollstonecraft, Mary, 1759-1797.",
                    ],
                ),
            ],
            f008=with_008({23: "r"}),
        )
    )
    assert book.type == "book"
    assert [(c.title, c.subtitle) for c in chapters] == [
        ("Sources", "where rivers begin"),
        ("Deltas", None),
        ("Estuaries", None),
    ]
    sources, deltas, estuaries = chapters
    assert sources.part is not None and sources.part.number == "1"  # $g before the $t
    assert [c.name for c in sources.contributors] == ["Adaeze Okafor", "Tim Cole"]
    assert [c.name for c in deltas.contributors] == ["Maren Lindqvist"]
    assert deltas.host is not None
    assert (deltas.host.first_page, deltas.host.last_page) == ("45", "67")
    assert deltas.part is None  # pages are not a part number
    (mary,) = estuaries.contributors
    assert (mary.name, mary.family, mary.given) == (
        "Wollstonecraft, Mary",
        "Wollstonecraft",
        "Mary",
    )


def test_enhanced_505_entries_end_at_the_next_t() -> None:
    """Without " --" between them, each $t still starts an entry of its own."""
    _book, *chapters = normalize_all(
        marc([("505", "00", ["t", "Sources /", "r", "A. Okafor.", "t", "Deltas."])])
    )
    assert [(c.title, [n.name for n in c.contributors]) for c in chapters] == [
        ("Sources", ["A. Okafor"]),
        ("Deltas", []),
    ]


def test_basic_505_split_on_double_dash() -> None:
    book, *chapters = normalize_all(
        marc(
            [
                *CONTENTS_BOOK,
                (
                    "505",
                    "0 ",
                    [
                        "a",
                        "Contents: Introduction -- Sources : where rivers begin / "
                        "Adaeze Okafor --  -- Deltas / M. Lindqvist and T. Cole -- "
                        "2. Estuaries -- 1948. 8.",
                    ],
                ),
            ]
        )
    )
    assert [(c.title, c.subtitle) for c in chapters] == [
        ("Introduction", None),  # the typed "Contents:" caption is not part of it
        ("Sources", "where rivers begin"),
        ("Deltas", None),
        ("Estuaries", None),
    ]  # the empty segment and the letterless "1948. 8" are no chapters
    assert [c.name for c in chapters[2].contributors] == ["M. Lindqvist", "T. Cole"]
    assert chapters[3].part is not None and chapters[3].part.number == "2"
    assert [c.source_id for c in chapters] == [f"rec-1#505-{n}" for n in (1, 2, 3, 4)]


def test_basic_505_older_separators() -> None:
    """ "- -" and ".-  " separate entries in older notes; ";" when nothing else does."""
    old = "The old bachelor, - -The double dealer."
    _b, *dash = normalize_all(marc([("505", "8 ", ["a", old])]))
    assert [c.title for c in dash] == ["The old bachelor", "The double dealer"]
    songs = " Abide with me; Alleluia; America."
    _b, *semi = normalize_all(marc([("505", "0 ", ["a", songs])]))
    assert [c.title for c in semi] == ["Abide with me", "Alleluia", "America"]


def test_basic_505_section_without_double_dashes_is_cut_after_each_statement() -> None:
    _b, *chapters = normalize_all(
        marc(
            [
                (
                    "505",
                    "0 ",
                    [
                        "a",
                        "Part one. Sources / Emilio F. Moran. Deltas : a survey / "
                        "David O'Sullivan. Estuaries / Dr. Smith.",
                    ],
                )
            ]
        )
    )
    assert [(c.title, [n.name for n in c.contributors]) for c in chapters] == [
        ("Part one. Sources", ["Emilio F. Moran"]),
        ("Deltas", ["David O'Sullivan"]),
        ("Estuaries", ["Dr. Smith"]),
    ]


def test_chapter_carries_the_book_and_points_to_it() -> None:
    book, chapter = normalize_all(
        marc(
            [*CONTENTS_BOOK, ("505", "0 ", ["a", "Deltas."])],
            f008=with_008({23: "r"}),
        )
    )
    assert chapter.type == "book_chapter"
    assert chapter.host is not None
    assert (chapter.host.id, chapter.host.title) == (book.id, "Rivers of the world")
    assert [(i.scheme, i.value) for i in chapter.host.identifiers] == [
        ("isbn", "9780198812357"),
        ("isbn", "9780198812364"),
    ]
    assert chapter.identifiers == []  # the book's ISBN is the host's, not the chapter's
    assert (chapter.source, chapter.source_format) == (book.source, book.source_format)
    assert (chapter.language, chapter.year, chapter.publisher, chapter.place) == (
        ["eng", "fre"],
        2019,
        "Riverbank University Press",
        "Oxford",
    )
    assert (chapter.medium, chapter.medium_evidence) == ("print", ["008/23=r"])
    assert chapter.raw_ref == book.raw_ref and chapter.harvested_at == book.harvested_at
    assert book.relations == []  # no has_part list on the book: the link is host.id


def test_chapter_ids_are_stable_and_distinct_per_position() -> None:
    from unioncat.ids import mint_part_id

    note = ("505", "0 ", ["a", "Sources -- Deltas -- Estuaries"])
    first = normalize_all(marc([note]))
    again = normalize_all(marc([note]))
    book = first[0]
    ids = [r.id for r in first[1:]]
    assert ids == [r.id for r in again[1:]]
    assert ids == [mint_part_id(book.id, n) for n in (1, 2, 3)]
    assert len(set(ids)) == 3 and book.id not in ids
    # the id follows the position, not the title: a corrected title updates the same row
    renamed = normalize_all(marc([("505", "0 ", ["a", "Springs -- Deltas -- Estuaries"])]))
    assert [r.id for r in renamed[1:]] == ids
    # and another book's chapters never collide with these
    other = normalize_all(marc([note], control="rec-2"))
    assert not set(ids) & {r.id for r in other[1:]}


def test_marcxml_and_iso2709_give_the_same_chapters() -> None:
    record = marc(
        [*CONTENTS_BOOK, ("505", "00", ["t", "Sources /", "r", "A. Okafor --", "t", "Deltas."])]
    )
    from_iso = normalize_all(record)
    from_xml = normalize_all(record, "marcxml")
    assert len(from_iso) == 3
    assert [dataclasses.replace(r, source_format="marc21") for r in from_xml] == from_iso


@pytest.mark.parametrize("ind1", ["0", "1", "2", "8"])
def test_incomplete_and_partial_contents_still_give_their_parts(ind1: str) -> None:
    _b, *chapters = normalize_all(marc([("505", f"{ind1} ", ["a", "Sources -- Deltas"])]))
    assert [c.title for c in chapters] == ["Sources", "Deltas"]


@pytest.mark.parametrize(
    ("leader", "f008", "fields", "book_type", "part_type"),
    [
        (BOOK_LEADER, with_008({29: "1"}), [], "proceedings", "proceedings_paper"),
        (BOOK_LEADER, with_008({24: "m"}), [], "thesis", "book_chapter"),
        # a monograph that is an issue of a serial (773 with ISSN and enumeration)
        (
            BOOK_LEADER,
            BOOK_008,
            [("773", "0 ", ["t", "Estuary notes", "x", "0028-0836", "g", "Vol. 2, no. 1"])],
            "journal_issue",
            "journal_article",
        ),
    ],
)
def test_part_type_follows_the_host(
    leader: str, f008: str, fields: list[FieldSpec], book_type: str, part_type: str
) -> None:
    book, part = normalize_all(
        marc([*fields, ("505", "0 ", ["a", "On deltas"])], leader=leader, f008=f008)
    )
    assert (book.type, part.type) == (book_type, part_type)


@pytest.mark.parametrize(
    "leader",
    [
        "00000cas a2200000 i 4500",  # a journal as a whole
        "00000caa a2200000 i 4500",  # a chapter already
    ],
)
def test_505_on_non_book_records_gives_no_parts(leader: str) -> None:
    records = normalize_all(marc([("505", "0 ", ["a", "Side A -- Side B"])], leader=leader))
    assert len(records) == 1


def test_volume_list_gives_volumes_not_chapters() -> None:
    book, *volumes = normalize_all(
        marc(
            [
                ("300", "  ", ["a", "3 v. ;"]),
                (
                    "505",
                    "0 ",
                    [
                        "a",
                        "v. 1. Sources -- v. 2. Deltas -- v. 3-4. Estuaries.-  "
                        "Vol. 5, pt. 1, Index",
                    ],
                ),
            ]
        )
    )
    assert book.type == "book_set"  # a book whose contents are volumes is a set
    assert [(v.type, v.part.number if v.part else None, v.title) for v in volumes] == [
        ("book", "v. 1", "Sources"),
        ("book", "v. 2", "Deltas"),
        ("book", "v. 3-4", "Estuaries"),
        ("book", "Vol. 5, pt. 1", "Index"),
    ]
    assert all(v.host is not None and v.host.id == book.id for v in volumes)


def test_enhanced_volume_list_and_a_mixed_list_of_chapters() -> None:
    book, *volumes = normalize_all(
        marc(
            [("505", "10", ["g", "T. 1.", "t", "Antiquity --", "g", "t. 2.", "t", "Modern times."])]
        )
    )
    assert book.type == "book_set"
    assert [(v.part.number if v.part else None, v.title) for v in volumes] == [
        ("T. 1", "Antiquity"),
        ("t. 2", "Modern times"),
    ]
    # one entry that is not a volume: they are chapters, numbers and all
    book, *chapters = normalize_all(marc([("505", "0 ", ["a", "v. 1. Sources -- Afterword"])]))
    assert book.type == "book"
    assert [c.type for c in chapters] == ["book_chapter", "book_chapter"]
    # "V2" is a rocket, not volume 2
    book, *chapters = normalize_all(marc([("505", "0 ", ["a", "V2 rockets -- Sputnik"])]))
    assert [(c.title, c.part) for c in chapters] == [("V2 rockets", None), ("Sputnik", None)]


def test_deleted_book_gives_deleted_chapters() -> None:
    records = normalize_all(
        marc([("505", "0 ", ["a", "Sources -- Deltas"])], leader="00000dam a2200000 i 4500")
    )
    assert [r.deleted for r in records] == [True, True, True]


def test_chapter_title_in_original_script_from_the_505_pair() -> None:
    _b, *chapters = normalize_all(
        marc(
            [
                ("505", "0 ", ["6", "880-04", "a", "Rasskazy -- Vremia noch'"]),
                ("880", "0 ", ["6", "505-04/(N", "a", "Рассказы -- Время ночь"]),
            ]
        )
    )
    assert [(c.title, c.title_original_script) for c in chapters] == [
        ("Rasskazy", "Рассказы"),
        ("Vremia noch'", "Время ночь"),
    ]


# ================================================================ 880 names, nonfiling


def test_880_name_pairs_give_name_original_script() -> None:
    rec = normalize(
        marc(
            [
                ("100", "1 ", ["6", "880-01", "a", "Wang, Lihua,", "e", "author."]),
                ("245", "10", ["6", "880-02", "a", "Shan shui yu cheng shi /"]),
                ("700", "1 ", ["6", "880-03", "a", "Liu, Ning,", "e", "translator."]),
                ("700", "1 ", ["a", "Lyons, Daniel,", "d", "1960-"]),  # no pair
                ("710", "2 ", ["6", "880-04", "a", "Shou du shi fan da xue.", "b", "Zhong xin."]),
                ("880", "1 ", ["6", "100-01/$1", "a", "王丽华,", "e", "author."]),
                ("880", "10", ["6", "245-02/$1", "a", "山水与城市 /"]),
                # a blank before the script code, as in real records
                ("880", "1 ", ["6", "700-03 /$1", "a", "刘宁,", "d", "1970-"]),
                ("880", "2 ", ["6", "710-04/$1", "a", "首都师范大学.", "b", "中心."]),
            ]
        )
    )
    assert [(c.name, c.name_original_script) for c in rec.contributors] == [
        ("Wang, Lihua", "王丽华"),
        ("Liu, Ning", "刘宁"),
        ("Lyons, Daniel", None),
        ("Shou du shi fan da xue. Zhong xin", "首都师范大学. 中心"),
    ]
    assert rec.title_original_script == "山水与城市"


def test_880_pairs_by_occurrence_not_by_order() -> None:
    rec = normalize(
        marc(
            [
                ("700", "1 ", ["6", "880-06", "a", "Bin-Haddah, Abd al-Rahim."]),
                ("700", "1 ", ["6", "880-05", "a", "El Moudden, Abderrahmane."]),
                ("880", "1 ", ["6", "700-05/(3/r", "a", "مودن، عبد الرحمن."]),
                ("880", "1 ", ["6", "700-06/(3/r", "a", "بنحادة، عبد الرحيم."]),
            ]
        )
    )
    assert [(c.name, c.name_original_script) for c in rec.contributors] == [
        ("Bin-Haddah, Abd al-Rahim", "بنحادة، عبد الرحيم"),
        ("El Moudden, Abderrahmane", "مودن، عبد الرحمن"),
    ]


def test_original_script_title_keeps_part_but_not_subtitle() -> None:
    rec = normalize(
        marc(
            [
                (
                    "245",
                    "10",
                    ["6", "880-01", "a", "Ri ben cha shu.", "n", "Di 2 juan,", "p", "Jin dai /"],
                ),
                (
                    "880",
                    "10",
                    [
                        "6",
                        "245-01/$1",
                        "a",
                        "日本茶書.",
                        "n",
                        "第2巻,",
                        "p",
                        "近代 :",
                        "b",
                        "茶の湯 /",
                        "c",
                        "林屋.",
                    ],
                ),
            ]
        )
    )
    assert rec.title == "Ri ben cha shu"
    assert rec.part is not None and (rec.part.number, rec.part.name) == ("Di 2 juan", "Jin dai")
    assert rec.title_original_script == "日本茶書. 第2巻, 近代"


@pytest.mark.parametrize(
    ("ind2", "title", "nonfiling"),
    [
        ("4", "The river archives", 4),
        ("2", "L'eau", 2),
        ("3", "al-Maghrib", 3),
        ("0", "The river archives", 0),
        (" ", "The river archives", 0),
        ("5", "The river archives", 0),  # miscoded: would cut inside "river"
        ("9", "The", 0),  # longer than the title
    ],
)
def test_title_nonfiling_from_245_indicator_2(ind2: str, title: str, nonfiling: int) -> None:
    rec = normalize(marc([("245", f"1{ind2}", ["a", title])]))
    assert rec.title == title
    assert rec.title_nonfiling == nonfiling


def test_title_falls_back_to_uniform_title_when_245_is_empty() -> None:
    rec = normalize(
        marc([("245", "01", ["a", "."]), ("240", "10", ["a", "2 diversions.", "p", "Dance"])])
    )
    assert rec.title == "2 diversions. Dance"
    assert normalize(marc(title=None)).title is None  # and nothing when there is nothing


# ================================================================ names and roles


def test_person_name_keeps_numeration_and_titles_not_dates() -> None:
    rec = normalize(
        marc(
            [
                ("100", "1 ", ["a", "Fouché, Joseph,", "c", "duc d'Otrante,", "d", "1759-1820."]),
                ("700", "0 ", ["a", "John Paul", "b", "II,", "c", "Pope,", "d", "1920-2005."]),
                ("700", "1 ", ["a", "Bridgham, Gladys Ruth. [from old catalog]"]),
            ]
        )
    )
    fouche, pope, bridgham = rec.contributors
    assert (fouche.name, fouche.family, fouche.given) == (
        "Fouché, Joseph, duc d'Otrante",
        "Fouché",
        "Joseph",
    )
    assert (pope.name, pope.given) == ("John Paul II, Pope", "John Paul")
    assert bridgham.name == "Bridgham, Gladys Ruth"  # the LC marker is not part of it


@pytest.mark.parametrize(
    ("subfields", "role"),
    [
        (["e", "editor,", "4", "edt"], "editor"),
        (["4", "trl"], "translator"),
        (["4", "http://id.loc.gov/vocabulary/relators/ill"], "illustrator"),
        (["e", "tr. [and] ed."], "translator; editor"),
        (["e", "comp."], "compiler"),
        (["e", "supposed author."], "supposed author"),
        (["4", "xyz"], "xyz"),  # an unknown code is kept as written
        ([], None),
    ],
)
def test_relator_terms_and_codes(subfields: list[str], role: str | None) -> None:
    rec = normalize(marc([("700", "1 ", ["a", "Cole, Tim,", *subfields])]))
    assert rec.contributors[0].role == role


def test_orcid_written_with_a_prefix() -> None:
    orcid = "(orcid)0000-0002-1825-0097"
    rec = normalize(marc([("100", "1 ", ["a", "Okafor, Adaeze.", "0", orcid])]))
    assert [(i.scheme, i.value) for i in rec.contributors[0].identifiers] == [
        ("orcid", "0000-0002-1825-0097")
    ]


def test_added_entries_that_repeat_a_name_are_kept_once() -> None:
    rec = normalize(
        marc(
            [
                ("100", "1 ", ["a", "Congreve, William,", "d", "1670-1729."]),
                ("111", "2 ", ["a", "Conference on Rivers."]),
                (
                    "700",
                    "12",
                    ["a", "Congreve, William,", "d", "1670-1729.", "t", "Old batchelour."],
                ),
                ("711", "2 ", ["a", "Conference on Rivers", "d", "(1964)"]),
                ("700", "12", ["a", "Wollstonecraft, Mary,", "t", "Original stories."]),
                ("700", "1 ", ["a", "Congreve, William,", "d", "1800-1850."]),  # another one
            ]
        )
    )
    assert [(c.name, c.kind) for c in rec.contributors] == [
        ("Congreve, William", "person"),
        ("Conference on Rivers", "meeting"),
        ("Wollstonecraft, Mary", "person"),  # author of a work the item contains
        ("Congreve, William", "person"),  # same name, other dates: another person
    ]


def test_100_without_a_names_nobody() -> None:
    assert normalize(marc([("100", "00", ["b", "ROBA", "c", "1"])])).contributors == []


# ================================================================ subjects, publication


def test_subject_heading_keeps_its_dates_and_653_terms_stay_apart() -> None:
    rec = normalize(
        marc(
            [
                ("600", "10", ["a", "Jobs, Steve,", "d", "1955-2011", "v", "Fiction."]),
                (
                    "610",
                    "20",
                    ["a", "Catholic Church.", "b", "Pope (1846-1878 : Pius IX)", "x", "History."],
                ),
                ("651", " 0", ["a", "Iowa.", "x", "Soils. [from old catalog]"]),
                ("653", "  ", ["a", "rivers", "a", "deltas"]),
            ]
        )
    )
    assert [s.term for s in rec.subjects] == [
        "Jobs, Steve, 1955-2011 -- Fiction",
        "Catholic Church. Pope (1846-1878 : Pius IX) -- History",
        "Iowa -- Soils",
        "rivers",
        "deltas",
    ]


def test_publication_from_an_unlinked_880() -> None:
    """Occurrence 00: the record's only publication statement is in the original script."""
    rec = normalize(
        marc([("880", "  ", ["6", "260-00", "a", "אור יהודה :", "b", "כנרת,", "c", "2011."])])
    )
    assert (rec.place, rec.publisher, rec.date) == ("אור יהודה", "כנרת", "2011")


def test_implausible_008_date_is_not_a_year() -> None:
    rec = normalize(marc(f008=with_008({7: "9490"})))
    assert rec.year is None


# ================================================================ 533, 336


@pytest.mark.parametrize(
    ("note", "medium"),
    [
        ("Microfilm.", "microform"),
        ("Microfiche.", "microform"),
        ("Electronic reproduction.", "electronic"),
        ("Digitized reproduction of the microfilm.", "electronic"),
        ("Photocopy.", "print"),
    ],
)
def test_533_reproduction_note_decides_the_medium(note: str, medium: str) -> None:
    rec = normalize(
        marc([("533", "  ", ["a", note, "b", "Amherst :", "c", "NYBC,", "d", "1999."])])
    )
    assert rec.medium == medium
    assert rec.medium_evidence == [f"533$a={note.strip('.').lower()}"]


def test_coded_fields_decide_before_533() -> None:
    rec = normalize(
        marc(
            [("533", "  ", ["a", "Microfilm."]), ("338", "  ", ["b", "cr"])],
        )
    )
    assert (rec.medium, rec.medium_evidence) == ("electronic", ["338$b=cr"])
    rec = normalize(marc([("533", "  ", ["a", "Microfilm."])], f008=with_008({23: "s"})))
    assert rec.medium_evidence == ["008/23=s"]


@pytest.mark.parametrize(
    ("file_type", "fields", "expected"),
    [
        ("a", [], "dataset"),
        ("d", [], "book"),  # a document: the pre-2008 e-book
        (" ", [("336", "  ", ["a", "computer dataset", "b", "cod", "2", "rdacontent"])], "dataset"),
        (" ", [("336", "  ", ["a", "text", "b", "txt", "2", "rdacontent"])], "book"),
        (" ", [("336", "  ", ["a", "computer program", "b", "cop"])], "computer_file"),
    ],
)
def test_computer_file_type_from_008_26_and_336(
    file_type: str, fields: list[FieldSpec], expected: str
) -> None:
    rec = normalize(marc(fields, leader=COMPUTER_LEADER, f008=with_008({26: file_type})))
    assert rec.type == expected


# ================================================================ identifiers in context


def test_sbn_and_garbled_lccn() -> None:
    rec = normalize(
        marc(
            [
                ("020", "  ", ["a", "340001232"]),  # a nine-digit SBN: ISBN 0340001232
                ("020", "  ", ["a", "087279811"]),  # nine digits, no valid SBN: not an ISBN
                ("010", "  ", ["a", "\u02b9  75002321 "]),
            ]
        )
    )
    assert [(i.value, i.status) for i in idents(rec, "isbn")] == [("9780340001233", "valid")]
    assert [(i.value, i.status) for i in idents(rec, "lccn")] == [("75002321", "invalid")]
