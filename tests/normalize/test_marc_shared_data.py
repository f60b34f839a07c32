"""The MARC normalizer on real records from ../shared/data (read there, never copied).

- Open Library's 60 binary and 22 MARCXML test records: each file gives records or a
  RecordError (a quarantine reason), never another exception; the four malformed
  binary files are quarantined; spot checks against Open Library's expected parse.
- MARC-8: Evergreen's jazz_1k.mrc (1,000 MARC-8 records) and pymarc's 1,515 parallel
  MARC-8 / UTF-8 lines.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.support.builders import SHARED_DATA as _SHARED
from unioncat.contracts import RawEnvelope
from unioncat.errors import RecordError
from unioncat.framing import frame_file, open_maybe_gzip
from unioncat.normalize import NORMALIZERS
from unioncat.schemas.record import Record

SHARED_DATA = _SHARED
MARC = SHARED_DATA / "marc"
OPENLIBRARY = MARC / "openlibrary"

pytestmark = pytest.mark.skipif(
    not SHARED_DATA.is_dir(),
    reason=f"needs the shared real-data folder ../shared/data ({SHARED_DATA}), absent here",
)

FETCHED = datetime(2024, 5, 1, tzinfo=UTC)

# Open Library's four damaged binary records: the leader's record length counts
# characters, not bytes, so it disagrees with the record as framed.
MALFORMED = {
    "dasrmischepriv00rein_meta.mrc",
    "lesabndioeinas00sche_meta.mrc",
    "new_poganucpeoplethe00stowuoft_meta.mrc",
    "poganucpeoplethe00stowuoft_meta.mrc",
}


def _names(folder: str, pattern: str) -> list[str]:
    path = OPENLIBRARY / folder
    return sorted(p.name for p in path.glob(pattern)) if path.is_dir() else []


BIN_FILES = _names("bin_input", "*.mrc")
XML_FILES = _names("xml_input", "*.xml")

Outcome = list[Record] | RecordError


def normalize_file(path: Path) -> list[Outcome]:
    """Frame a file as the files harvester does and normalize every frame."""
    outcomes: list[Outcome] = []
    with path.open("rb") as raw:
        wire, frames = frame_file(open_maybe_gzip(raw), "marc")
        for frame in frames:
            if frame.error is not None:
                outcomes.append(RecordError(frame.error))
                continue
            env = RawEnvelope(
                source="shared",
                envelope_id=f"{path.name}#{frame.position}",
                format=wire,
                payload=frame.payload,
                fetched_at=FETCHED,
            )
            try:
                outcomes.append(NORMALIZERS["marc"](env))
            except RecordError as exc:
                outcomes.append(exc)
    return outcomes


def one_record(path: Path) -> Record:
    """The record a one-record file gives (the chapters of its 505 follow it)."""
    (outcome,) = normalize_file(path)
    assert isinstance(outcome, list), f"{path.name} was quarantined: {outcome}"
    record, *parts = outcome
    assert all(p.host is not None and p.host.id == record.id for p in parts)
    return record


def test_the_open_library_files_are_all_there() -> None:
    assert len(BIN_FILES) == 60
    assert len(XML_FILES) == 22


@pytest.mark.parametrize(
    "path",
    [OPENLIBRARY / "bin_input" / n for n in BIN_FILES]
    + [OPENLIBRARY / "xml_input" / n for n in XML_FILES],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_every_file_gives_records_or_a_record_error(path: Path) -> None:
    outcomes = normalize_file(path)  # any other exception fails the test here
    assert len(outcomes) == 1  # each Open Library file holds one record
    (outcome,) = outcomes
    if isinstance(outcome, RecordError):
        assert str(outcome).strip(), "a quarantined record needs a reason"
    else:
        book, *parts = outcome
        assert book.source_format == ("marcxml" if path.suffix == ".xml" else "marc21")
        # anything after the record is a part listed in its 505, pointing back at it
        assert all(p.host is not None and p.host.id == book.id for p in parts)
        assert all(p.source_id.startswith(f"{book.source_id}#505-") for p in parts)
        assert bool(parts) <= bool(book.type in ("book", "book_set", "proceedings", "thesis"))


def test_exactly_the_four_malformed_binary_files_are_quarantined() -> None:
    quarantined: dict[str, str] = {}
    for name in BIN_FILES:
        (outcome,) = normalize_file(OPENLIBRARY / "bin_input" / name)
        if isinstance(outcome, RecordError):
            quarantined[name] = str(outcome)
    assert set(quarantined) == MALFORMED
    for name, reason in quarantined.items():
        assert "leader says" in reason and "truncated or damaged" in reason, (name, reason)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("dasrmischepriv00rein", "Das r\u00f6mische Privatrecht und der Civilprocess"),
        ("lesabndioeinas00sche", "Lesab\u00e9ndio"),
    ],
)
def test_marcxml_copies_of_two_malformed_records_are_readable(name: str, title: str) -> None:
    """Their MARCXML copies have no record length to get wrong."""
    record = one_record(OPENLIBRARY / "xml_input" / f"{name}_marc.xml")
    assert record.title is not None
    assert unicodedata.normalize("NFC", record.title).startswith(title)


# ---------------------------------------------------------------- spot checks

# (input, expect) pairs where the expected parse states something our mapping also
# promises: title, ISBN-13s, LCCN, languages, first publisher.
SPOT_CHECKS = [
    ("bin_input/lc_1416500308.mrc", "bin_expect/lc_1416500308.json"),
    ("bin_input/secretcodeofsucc00stjo_meta.mrc", "bin_expect/secretcodeofsucc00stjo_meta.json"),
    ("bin_input/wwu_51323556.mrc", "bin_expect/wwu_51323556.json"),
    ("bin_input/880_table_of_contents.mrc", "bin_expect/880_table_of_contents.json"),
    (
        "bin_input/lesnoirsetlesrou0000garl_meta.mrc",
        "bin_expect/lesnoirsetlesrou0000garl_meta.json",
    ),
    (
        "bin_input/zweibchersatir01horauoft_meta.mrc",
        "bin_expect/zweibchersatir01horauoft_meta.json",
    ),
    ("bin_input/onquietcomedyint00brid_meta.mrc", "bin_expect/onquietcomedyint00brid_meta.json"),
    (
        "bin_input/warofrebellionco1473unit_meta.mrc",
        "bin_expect/warofrebellionco1473unit_meta.json",
    ),
    ("bin_input/equalsign_title.mrc", "bin_expect/equalsign_title.json"),
    ("xml_input/secretcodeofsucc00stjo_marc.xml", "xml_expect/secretcodeofsucc00stjo.json"),
    ("xml_input/39002054008678_yale_edu_marc.xml", "xml_expect/39002054008678_yale_edu.json"),
    ("xml_input/1733mmoiresdel00vill_marc.xml", "xml_expect/1733mmoiresdel00vill.json"),
    ("xml_input/bijouorannualofl1828cole_marc.xml", "xml_expect/bijouorannualofl1828cole.json"),
    ("xml_input/nybc200247_marc.xml", "xml_expect/nybc200247.json"),
]


def nfc(text: str | None) -> str | None:
    return unicodedata.normalize("NFC", text) if text is not None else None


def isbn13_from_expect(expect: dict[str, list[str]]) -> set[str]:
    from stdnum import isbn

    out = set(expect.get("isbn_13", []))
    out |= {isbn.to_isbn13(i).replace("-", "") for i in expect.get("isbn_10", [])}
    return out


@pytest.mark.parametrize(("input_name", "expect_name"), SPOT_CHECKS, ids=lambda s: s)
def test_spot_check_against_open_library_expectations(input_name: str, expect_name: str) -> None:
    record = one_record(OPENLIBRARY / input_name)
    expect = json.loads((OPENLIBRARY / expect_name).read_text(encoding="utf-8"))
    checked = 0
    if "title" in expect and not expect_name.endswith("nybc200247.json"):
        # (nybc200247: Open Library takes the Hebrew-script 880 as the title; we keep the
        # transliterated 245 as title and the 880 as title_original_script.)
        assert nfc(record.title) == nfc(expect["title"])
        checked += 1
    wanted_isbns = isbn13_from_expect(expect)
    if wanted_isbns:
        got = {i.value for i in record.identifiers if i.scheme == "isbn" and i.status == "valid"}
        assert got == wanted_isbns
        checked += 1
    if "lccn" in expect:
        # Open Library keeps the blank in "sc 83003257"; the LoC rule removes it.
        got_lccn = [i.value for i in record.identifiers if i.scheme == "lccn"]
        assert got_lccn == [v.replace(" ", "") for v in expect["lccn"]]
        checked += 1
    if "languages" in expect:
        assert record.language == expect["languages"]
        checked += 1
    if "publishers" in expect:
        assert nfc(record.publisher) == nfc(expect["publishers"][0])
        checked += 1
    assert checked >= 2, f"{expect_name} checked only {checked} fields"


def test_spot_check_details_beyond_open_library() -> None:
    """A few facts the Open Library expectations imply but do not state in our terms."""
    candide = one_record(OPENLIBRARY / "bin_input/lc_1416500308.mrc")
    assert candide.page_count == 178
    assert candide.year == 2005
    assert [c.name for c in candide.contributors][:1] == ["Voltaire"]

    thesis = one_record(OPENLIBRARY / "bin_input/13dipolarcycload00burk_meta.mrc")
    assert thesis.type == "thesis"
    assert [i.value for i in thesis.identifiers if i.scheme == "oclc"] == ["14236343"]
    assert thesis.page_count == 291  # "iv, 291 leaves"

    # "247, 16 pages": two numbered sequences, the count is the larger one
    arabic = one_record(OPENLIBRARY / "bin_input/880_arabic_french_many_linkages.mrc")
    assert arabic.page_count == 247
    assert arabic.title_original_script  # 880 paired with 245
    # the ISBN is in 020 $z: kept, but as cancelled
    assert [(i.value, i.status) for i in arabic.identifiers if i.scheme == "isbn"] == [
        ("9789981591572", "cancelled")
    ]

    nybc = one_record(OPENLIBRARY / "xml_input/nybc200247_marc.xml")
    assert (nfc(nybc.title_original_script) or "").startswith(
        nfc("צום הונדערטסטן געבוירנטאג פון שמעון דובנאוו") or ""
    )


# ---------------------------------------------------------------- MARC-8


def test_jazz_1k_marc8_records_decode() -> None:
    path = MARC / "evergreen" / "jazz_1k.mrc"
    leader_09 = {path.read_bytes()[9:10]}
    assert leader_09 == {b" "}  # MARC-8, not UTF-8
    outcomes = normalize_file(path)
    assert len(outcomes) == 1000
    records = [r for o in outcomes if isinstance(o, list) for r in o]
    assert len(records) >= 990
    texts = [
        t
        for r in records
        for t in [r.title, r.subtitle, r.publisher, *(c.name for c in r.contributors)]
        if t
    ]
    assert not [t for t in texts if "\ufffd" in t]  # no replacement characters
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    non_ascii = [t for t in texts if not t.isascii()]
    assert len(non_ascii) >= 30  # the diacritics were decoded, not dropped
    by_id = {r.source_id: r for r in records}
    koln = by_id["03-0017438"]
    assert koln.title == "The K\u00f6ln concert"
    assert [c.name for c in koln.contributors][:1] == ["Jarrett, Keith"]


def _iso2709(fields: list[tuple[bytes, bytes]]) -> bytes:
    """A MARC-8 ISO 2709 record (leader/09 blank) from raw field bytes."""
    directory = b""
    body = b""
    for tag, data in fields:
        data += b"\x1e"
        directory += tag + b"%04d%05d" % (len(data), len(body))
        body += data
    directory += b"\x1e"
    base = 24 + len(directory)
    total = base + len(body) + 1
    leader = b"%05dcam  22%05d a 4500" % (total, base)
    return leader + directory + body + b"\x1d"


def test_pymarc_marc8_lines_decode_to_their_utf8_answers() -> None:
    """1,515 MARC-8 lines (Latin, Hebrew, Cyrillic, CJK...) as 520 $a of MARC-8 records."""
    folder = MARC / "pymarc"
    marc8_lines = (folder / "test_marc8.txt").read_bytes().split(b"\n")
    utf8_lines = (folder / "test_utf8.txt").read_text(encoding="utf-8").split("\n")
    assert len(marc8_lines) == len(utf8_lines)
    checked = matched = 0
    for n, (marc8, answer) in enumerate(zip(marc8_lines, utf8_lines, strict=True)):
        if not marc8.strip():
            continue
        payload = _iso2709([(b"001", b"m8-%d" % n), (b"520", b"  \x1fa" + marc8)])
        env = RawEnvelope("shared", f"m8-{n}", "marc21", payload, FETCHED)
        (record,) = NORMALIZERS["marc"](env)
        checked += 1
        matched += record.abstract == answer.strip()
    assert checked >= 1500
    assert matched / checked >= 0.99


def test_pymarc_complaints_about_marc8_text_stay_out_of_the_json_log(
    shared_data: Path, tmp_path: Path
) -> None:
    """Under cron, stderr is one JSON object per line; pymarc printed MARC-8 characters it
    could not map (the Hebrew file has some) straight into it."""
    from tests.support.builders import unioncat_process

    src = shared_data / "marc" / "evergreen" / "hebrew.marc"
    proc = unioncat_process(
        "-v", "convert", str(src), "--format", "marc", "-o", str(tmp_path / "out.parquet")
    )
    out, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, 1), err
    for line in err.splitlines():
        if line.strip():
            json.loads(line)  # raises on a plain-text line
    assert "Unable to parse character" not in err
