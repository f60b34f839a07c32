"""Every kind of material a MARC catalog holds: its type, its carrier, its parts; and the
MARC records that describe no bibliographic item at all."""

from __future__ import annotations

import collections
from datetime import UTC, datetime
from pathlib import Path

import pymarc
import pytest

from tests.normalize.test_marc import (
    BOOK_008,
    BOOK_LEADER,
    FieldSpec,
    marc,
    normalize,
    normalize_all,
    with_008,
)
from unioncat.contracts import RawEnvelope
from unioncat.errors import RecordError
from unioncat.framing import frame_file
from unioncat.normalize import NORMALIZERS
from unioncat.schemas.record import MEDIA, RECORD_TYPES, Record

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _file_records(path: Path) -> tuple[list[Record], list[str]]:
    """Every record of a file as a files source maps it, and the quarantine reasons."""
    records: list[Record] = []
    reasons: list[str] = []
    with path.open("rb") as handle:
        wire, frames = frame_file(handle, "marc")
        for frame in frames:
            env = RawEnvelope("s", f"{path.name}#{frame.position}", wire, frame.payload, NOW)
            try:
                records += NORMALIZERS["marc"](env)
            except RecordError as exc:
                reasons.append(exc.message)
    return records, reasons


def _wholes(records: list[Record]) -> list[Record]:
    return [r for r in records if not (r.host and r.host.id)]


# ================================================================ types and media on real files


def test_jazz_1k_sound_recordings_scores_and_videos_have_their_types(shared_data: Path) -> None:
    records, reasons = _file_records(shared_data / "marc" / "evergreen" / "jazz_1k.mrc")
    assert reasons == []
    types = collections.Counter(r.type for r in _wholes(records))
    # leader/06: 584 j, 229 c, 173 a, 13 g, 1 d
    assert types["musical_sound_recording"] == 584
    assert types["notated_music"] == 229
    assert types["projected_medium"] == 13
    assert types["manuscript_notated_music"] == 1
    assert types["other"] == 0
    assert sum(n for t, n in types.items() if t in ("book", "journal", "book_set", "thesis")) == 173


def test_jazz_1k_recordings_are_audio_and_videos_video_never_electronic(
    shared_data: Path,
) -> None:
    records, _ = _file_records(shared_data / "marc" / "evergreen" / "jazz_1k.mrc")
    wholes = _wholes(records)
    kinds = ("musical_sound_recording", "projected_medium")
    media = collections.Counter((r.type, r.medium) for r in wholes if r.type in kinds)
    assert not any(m == "electronic" for _, m in media)
    sound = sum(n for (t, _), n in media.items() if t == "musical_sound_recording")
    assert media[("musical_sound_recording", "audio")] >= sound - 6  # a few say nothing
    assert media[("projected_medium", "video")] >= 12
    scores = [r for r in wholes if r.type == "notated_music"]
    assert collections.Counter(r.medium for r in scores).most_common(1)[0][0] == "print"


@pytest.mark.parametrize(
    ("name", "rtype", "medium"),
    [
        ("RDA_record_CD_Claudia.mrc", "musical_sound_recording", "audio"),
        ("RDA_record_DVD-BLUE-RAY-MOVIE_Pineapple_express.mrc", "projected_medium", "video"),
        ("RDA_record_DVD_Jorge_Mautner.mrc", "projected_medium", "video"),
        ("RDA_record_MAP_2012_Enchanted_Circle.mrc", "cartographic_material", "print"),
        ("RDA_record_PHOTO_Srid_pa_ho.mrc", "still_image", "print"),
        ("RDA_record_SCORE-CD_Arias_for_soprano.mrc", "notated_music", "print"),
        ("RDA_record_SCORE_Wiegenlied.mrc", "notated_music", "print"),
        ("RDA_record_SERIAL_IEEE_International_conference.mrc", "journal", "print"),
    ],
)
def test_rda_records_of_every_kind(shared_data: Path, name: str, rtype: str, medium: str) -> None:
    (record, *_parts), _ = _file_records(shared_data / "marc" / "evergreen" / "RDA" / name)
    assert (record.type, record.medium) == (rtype, medium)
    assert record.medium_evidence


def test_british_library_books_measured_in_pages_and_cm_are_print(shared_data: Path) -> None:
    records, _ = _file_records(shared_data / "marc" / "marc2bibframe2" / "british_library.xml")
    wholes = _wholes(records)
    assert len(wholes) == 99
    unknown = [r for r in wholes if r.medium == "unknown"]
    assert unknown == []
    by_extent = [r for r in wholes if r.medium_evidence == ["300 pages and cm (weaker than the "
                                                             "coded fields)"]]  # fmt: skip
    assert len(by_extent) >= 25 and all(r.medium == "print" for r in by_extent)


# ================================================================ medium rules


VIDEO = "00000cgm a2200000 i 4500"
SOUND = "00000cjm a2200000 i 4500"
SCORE = "00000ccm a2200000 i 4500"
NO_FORM = with_008({23: "|"})  # form of item not coded: the weaker evidence decides
MEDIUM_CASES: list[tuple[str, str, list[str], list[FieldSpec], str]] = [
    # a Blu-ray with a computer disc of extras: the videodisc is what a video comes on
    (VIDEO, with_008({29: " "}), ["vd cvaizq", "co cga"], [], "video"),
    (VIDEO, with_008({29: " "}), ["gs cjn"], [], "projected"),  # slides
    (SOUND, BOOK_008, ["sd fsngnnmmned"], [], "audio"),  # a CD is digital, not electronic
    (SOUND, BOOK_008, [], [("338", "  ", ["a", "audio disc", "b", "sd"])], "audio"),
    (SOUND, with_008({23: "o"}), [], [], "electronic"),  # streaming audio
    # a score with its CDs: the volume is what a score comes on
    (SCORE, BOOK_008, [], [("338", "  ", ["a", "audio disc", "b", "sd"]),
                           ("338", "  ", ["a", "volume", "b", "nc"])], "print"),  # fmt: skip
    ("00000crm a2200000 i 4500", with_008({29: " "}), [],
     [("337", "  ", ["a", "unmediated", "b", "n"])], "other"),  # an object is not print
    (BOOK_LEADER, NO_FORM, [], [("300", "  ", ["a", "1 online resource (300 pages)"])],
     "electronic"),
    (BOOK_LEADER, NO_FORM, [], [("300", "  ", ["a", "[10] p. ;", "c", "30 cm"])], "print"),
    (BOOK_LEADER, NO_FORM, [], [("300", "  ", ["a", "5sound discs"])], "audio"),
    (BOOK_LEADER, NO_FORM, [], [("300", "  ", ["a", "1 videodisc (93 min.)"])], "video"),
]  # fmt: skip


@pytest.mark.parametrize(("leader", "f008", "f007s", "fields", "medium"), MEDIUM_CASES)
def test_medium_is_the_carrier(
    leader: str, f008: str, f007s: list[str], fields: list[FieldSpec], medium: str
) -> None:
    record = marc(fields, leader=leader, f008=f008)
    for data in f007s:
        record.fields.insert(1, pymarc.Field(tag="007", data=data))
    assert normalize(record).medium == medium


def test_the_weak_extent_evidence_says_it_is_weak() -> None:
    record = normalize(
        marc([("300", "  ", ["a", "[10] p. ;", "c", "30 cm"])], f008=with_008({23: "|"}))
    )
    assert record.medium == "print"
    assert record.medium_evidence == ["300 pages and cm (weaker than the coded fields)"]


def test_every_type_and_medium_is_in_the_schema() -> None:
    from unioncat.normalize.marc_medium import _CLASS_TYPES

    assert set(_CLASS_TYPES.values()) <= set(RECORD_TYPES)
    assert {"audio", "video", "projected"} <= set(MEDIA)


# ================================================================ not bibliographic


@pytest.mark.parametrize(
    ("leader", "kind"),
    [
        ("00000cz  a2200000n  4500", "MARC authority record (leader/06 z)"),
        ("00000cw  a2200000n  4500", "MARC classification record (leader/06 w)"),
    ],
)
def test_records_that_are_not_bibliographic_are_quarantined(leader: str, kind: str) -> None:
    record = marc([("852", "  ", ["b", "Main", "h", "QA76"])], leader=leader, title=None)
    with pytest.raises(RecordError, match="not a bibliographic record") as err:
        normalize_all(record)
    assert str(err.value.message).startswith(kind)


@pytest.mark.parametrize("leader", ["00000cy  a22000003  4500", "00000cu  a22000003  4500"])
def test_a_holdings_record_that_names_no_record_is_quarantined_saying_so(leader: str) -> None:
    record = marc([("852", "  ", ["b", "Main", "h", "QA76"])], leader=leader, title=None)
    with pytest.raises(RecordError, match="MARC holdings record rec-1 has no 004"):
        normalize_all(record)


def test_a_damaged_leader_on_a_record_with_a_title_is_still_read() -> None:
    (record,) = normalize_all(marc(leader="00615nx  a22002051  4500"))
    assert record.title == "A title"


def test_holdings_files_give_no_bibliographic_rows(shared_data: Path) -> None:
    zdb = next((shared_data / "marc" / "dnb").glob("sru_zdb-*.xml"))
    records, reasons = _file_records(zdb)
    assert sum("MARC holdings record" in r for r in reasons) == 52
    assert all(r.title for r in records)
    mfhd, reasons = _file_records(shared_data / "marc" / "evergreen" / "serials_mfhd.xml")
    assert mfhd == [] and len(reasons) == 7


def test_unimarc_is_quarantined_not_mapped_as_marc21(shared_data: Path) -> None:
    records, reasons = _file_records(shared_data / "marc" / "pymarc" / "testunimarc.dat")
    assert records == []
    assert reasons and reasons[0].startswith("UNIMARC record")


def test_a_unimarc_record_built_here_is_told_from_marc21() -> None:
    record = pymarc.Record(force_utf8=True)
    record.leader = pymarc.Leader("00000nam  2200000   4500")
    record.add_field(pymarc.Field(tag="001", data="u1"))
    coded = "19961119d1996    ||||0itac50      ba"
    for tag, ind, value in (("100", [" ", " "], coded), ("200", ["1", " "], "Il titolo")):
        record.add_field(
            pymarc.Field(tag=tag, indicators=ind, subfields=[pymarc.Subfield("a", value)])
        )
    with pytest.raises(RecordError, match="UNIMARC"):
        normalize_all(record)


# ================================================================ contents notes


def test_gwu_94_gives_thirteen_parts_each_with_its_subtitle(shared_data: Path) -> None:
    records, _ = _file_records(shared_data / "marc" / "marc2bibframe2" / "gwu.xml")
    (book,) = [r for r in records if r.source_id == "8709157"]
    parts = [r for r in records if r.host and r.host.id == book.id]
    assert len(parts) == 13
    assert (parts[0].title, parts[0].subtitle) == ("Overview", "the rebellion from below, 1965-81")
    assert [c.name for c in parts[0].contributors] == ["Cal Winslow"]
    assert sum(1 for p in parts if not p.contributors) == 0


def test_a_title_continued_in_a_second_t_is_one_entry() -> None:
    _book, *parts = normalize_all(
        marc(
            [
                (
                    "505",
                    "00",
                    [
                        "t",
                        "Overview :",
                        "t",
                        "the rebellion from below /",
                        "r",
                        "C. W. --",
                        "t",
                        "Coda /",
                        "r",
                        "K. M.",
                    ],
                )
            ]
        )  # fmt: skip
    )
    assert [(p.title, p.subtitle) for p in parts] == [
        ("Overview", "the rebellion from below"),
        ("Coda", None),
    ]


def test_a_505_on_a_sound_recording_gives_its_tracks_with_their_durations() -> None:
    leader = "00000cjm a2200000 i 4500"
    album, *tracks = normalize_all(
        marc(
            [
                (
                    "505",
                    "0 ",
                    [
                        "a",
                        "So what (9:22) -- Freddie Freeloader / "
                        "Miles Davis (9:46) -- Blue in green.",
                    ],
                )
            ],
            leader=leader,
            controls={"007": "sd fsngnnmmned"},
        )  # fmt: skip
    )
    assert album.type == "musical_sound_recording" and album.medium == "audio"
    assert [(t.type, t.title, t.extent) for t in tracks] == [
        ("musical_sound_recording", "So what", "9:22"),
        ("musical_sound_recording", "Freddie Freeloader", "9:46"),
        ("musical_sound_recording", "Blue in green", None),
    ]
    assert [c.name for c in tracks[1].contributors] == ["Miles Davis"]
    assert all(t.host is not None and t.host.id == album.id for t in tracks)


def test_a_505_on_a_score_gives_pieces_of_notated_music() -> None:
    score, *pieces = normalize_all(
        marc([("505", "0 ", ["a", "Sonata in A -- Partita no. 2"])], leader=SCORE)
    )
    assert score.type == "notated_music"
    assert [p.type for p in pieces] == ["notated_music", "notated_music"]


def test_a_volume_list_on_a_set_cataloged_as_a_serial_gives_volumes() -> None:
    note = "v. 1. Les raisons de la foi. -- v. 3. Catholicisme et progrès."
    host, *volumes = normalize_all(
        marc([("505", "0 ", ["a", note])], leader="00000cas a2200000 i 4500")
    )
    assert host.type == "journal"
    assert [(v.type, v.title, v.part.number if v.part else None) for v in volumes] == [
        ("book", "Les raisons de la foi", "v. 1"),
        ("book", "Catholicisme et progrès", "v. 3"),
    ]


# ================================================================ places


def test_every_place_of_publication_is_kept_in_order() -> None:
    record = normalize(marc([("260", "  ", ["a", "Paris ;", "a", "Lyon :", "b", "Hachette,",
                                              "c", "1901."])]))  # fmt: skip
    assert record.places == ["Paris", "Lyon"]
    assert record.place == "Paris"


# ================================================================ leader/09 and the bytes


def _iso_with_title(title: bytes, leader09: bytes) -> bytes:
    """An ISO 2709 record built byte by byte, its 245 $a holding exactly ``title``."""
    fields = [(b"001", b"enc-1"), (b"008", BOOK_008.encode()), (b"245", b"10\x1fa" + title)]
    directory = body = b""
    for tag, data in fields:
        directory += tag + b"%04d%05d" % (len(data) + 1, len(body))
        body += data + b"\x1e"
    base = 24 + len(directory) + 1
    leader = b"%05d" % (base + len(body) + 1) + b"nam " + leader09 + b"22" + b"%05d" % base
    return leader + b" a 4500" + directory + b"\x1e" + body + b"\x1d"


def _read(payload: bytes) -> Record:
    (record,) = NORMALIZERS["marc"](RawEnvelope("s", "f#0", "marc21", payload, NOW))
    return record


def test_utf8_bytes_behind_a_blank_leader_09_are_read_as_utf8() -> None:
    assert _read(_iso_with_title("Café société".encode(), b" ")).title == "Café société"


def test_marc8_bytes_behind_leader_09_a_are_quarantined_not_garbled() -> None:
    # MARC-8 puts the combining acute (0xE2) before its letter; Latin-1 would look alike
    with pytest.raises(RecordError, match="not UTF-8"):
        _read(_iso_with_title(b"Caf\xe2e soci\xe2et\xe2e, d\xe2eb\xe2ut", b"a"))


def test_one_damaged_sequence_in_a_utf8_record_is_replaced_not_fatal() -> None:
    title = _read(_iso_with_title("Café ".encode() + b"\xc3(", b"a")).title
    assert title is not None and title.startswith("Café") and "\ufffd" in title


def test_text_that_is_neither_utf8_nor_marc8_is_quarantined() -> None:
    latin1 = "Ça va très bien, où êtes-vous, garçon".encode("latin-1")
    with pytest.raises(RecordError, match="not UTF-8"):
        _read(_iso_with_title(latin1, b"a"))


def test_a_record_longer_than_iso_2709_allows_says_so() -> None:
    data = marc([("520", "  ", ["a", "x" * 120_000])]).as_marc()
    with pytest.raises(RecordError, match="longer than ISO 2709 can hold"):
        _read(data)


def test_the_carrier_screen_passes_every_extent_a_carrier_term_matches() -> None:
    """``may_name_carrier`` only spares the six expressions the extents none of them
    matches: over generated extents in every case, with the letters a case-insensitive
    expression takes for others ("ı", "İ", "ſ", the Kelvin sign), it is never False
    where one of them matches, and False for most plain print extents."""
    import random

    from unioncat.normalize import marc_medium

    rng = random.Random(31)
    pieces = ["1 online resource", "remote", "digital file", "audio disc", "sound cassette",
              "videodisc", "DVD", "Blu-ray", "computer disk", "CD-ROM", "microfiche",
              "microfilm", "film reel", "filmstrips", "slides", "xii, 320 p.", " : ill. ; ",
              "24 cm", "v.", "score", "1 ", "2 ", "s", "ı", "İ", "ſ", "\u212a", "(", ")",
              ", "]  # fmt: skip
    matched = screened_out_print = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 5)))
        text = "".join(c.upper() if rng.random() < 0.3 else c for c in text)
        if any(p.search(text) for p, _ in marc_medium._EXTENT_TERMS):
            matched += 1
            assert marc_medium.may_name_carrier(text), text
    for text in ("xii, 320 p. : ill. ; 24 cm.", "2 v. (xx, 845 p.) ; 29 cm", "1 score (12 p.)"):
        screened_out_print += not marc_medium.may_name_carrier(text)
    assert matched > 5000 and screened_out_print == 3
    assert marc_medium.may_name_carrier("1 onlİne resource")  # re.I reads İ as i


def test_a_part_copies_every_field_of_its_host_isbn() -> None:
    """``marc_contents._copy`` names the identifier's fields itself (it is on the path of
    every chapter): a field added to ``Identifier`` must be added there too."""
    from dataclasses import fields

    from unioncat.normalize.marc_contents import _copy
    from unioncat.schemas.record import Identifier

    given = Identifier(**{f.name: f"{f.name}-value" for f in fields(Identifier)})
    copied = _copy(given)
    assert copied == given and copied is not given
