"""The fast ISO 2709 reader gives the same records as pymarc, or steps aside."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from tests.support.builders import EXAMPLES, marc_record
from unioncat.contracts import RawEnvelope
from unioncat.errors import RecordError
from unioncat.framing import frame_file, open_maybe_gzip
from unioncat.normalize.marc import map_record
from unioncat.normalize.marc_read import read_iso2709_pymarc
from unioncat.normalize.marc_utf8 import read_utf8

ENV = RawEnvelope("s", "f#0", "marc21", b"", datetime(2026, 1, 1, tzinfo=UTC))


def _shape(record):  # type: ignore[no-untyped-def]
    return str(record.leader), [
        (f.tag, f.data, tuple(f.indicators) if f.indicators else None, list(f.subfields))
        for f in record.fields
    ]


def _compare(payload: bytes) -> bool:
    """True when the fast reader took the record (and then it must match pymarc)."""
    fast = read_utf8(payload)
    if fast is None:
        return False
    ref = read_iso2709_pymarc(payload)
    assert _shape(fast) == _shape(ref)
    assert map_record(fast, ENV) == map_record(ref, ENV)
    for tag in {f.tag for f in ref.fields}:
        assert [id(f) for f in fast.get_fields(tag)] == [id(f) for f in fast.fields if f.tag == tag]
    return True


def test_same_as_pymarc_on_records_built_here() -> None:
    rec = marc_record(
        control="u1",
        title="Zhiznʹ ėto teatr — 乔布斯的秘密日记",
        fields=[
            ("100", "1 ", ["a", "Petrushevskai︠a︡, Li︠u︡dmila,", "e", "author."]),
            ("505", "00", ["t", "Rasskazy --", "t", "Vremi︠a︡ nochʹ :", "r", "roman."]),
            ("650", " 0", ["a", "Köln (Germany)", "x", "History."]),
        ],
    )
    rec.leader = rec.leader[:9] + "a" + rec.leader[10:]
    assert _compare(rec.as_marc())


def test_steps_aside_for_marc8_and_damage() -> None:
    marc8 = marc_record(control="m8").as_marc()
    marc8 = marc8[:9] + b" " + marc8[10:]
    assert read_utf8(marc8) is None
    utf8 = bytearray(marc_record(control="bad").as_marc())
    utf8[9:10] = b"a"
    utf8[-10] = 0xFF  # not UTF-8
    assert read_utf8(bytes(utf8)) is None
    short = marc_record(control="s").as_marc()
    assert read_utf8(short[:9] + b"a" + short[10:40]) is None


def test_a_form_feed_in_leader_or_directory_numbers_is_refused_on_both_paths() -> None:
    """``int()`` strips whitespace, a form feed too; the standard wants digits."""
    import pytest

    from unioncat.normalize.marc_read import read_iso2709

    good = bytearray(marc_record(control="ff").as_marc())
    good[9:10] = b"a"
    assert read_utf8(bytes(good)) is not None
    for at in (12, 24 + 3, 24 + 7):  # base address, a field length, a field offset
        bad = bytearray(good)
        assert bad[at : at + 1] == b"0", (at, bytes(bad[at : at + 1]))
        bad[at : at + 1] = b"\x0c"
        assert read_utf8(bytes(bad)) is None, at
        with pytest.raises(RecordError, match="numeric"):
            read_iso2709(bytes(bad))


def _iso_files(shared: Path) -> list[Path]:
    files = sorted(p for p in shared.glob("marc/**/*") if p.suffix in (".mrc", ".marc", ".dat"))
    return files + sorted(EXAMPLES.glob("marc/*.mrc*"))


def test_same_as_pymarc_on_every_shared_iso2709_file(shared_data: Path) -> None:
    compared = 0
    for path in _iso_files(shared_data):
        with path.open("rb") as f:
            wire, frames = frame_file(open_maybe_gzip(f), "marc")
            if wire != "marc21":
                continue
            for frame in frames:
                try:
                    compared += _compare(frame.payload)
                except RecordError:
                    continue  # pymarc cannot read it either: the fast reader must not have
    # most shared files are MARC-8 (pymarc's path); the UTF-8 ones must all agree
    assert compared >= 40, f"only {compared} records went through the fast reader"


def test_same_as_pymarc_on_varied_generated_records() -> None:
    import random

    rng = random.Random(7)
    alphabet = "abcdefghij klmnopq ÄÖüßéèçñ ☃ 乔布斯 Привет ‒—–‐"
    compared = 0
    for i in range(300):
        fields = []
        for _ in range(rng.randint(0, 12)):
            tag = rng.choice(
                [
                    "020",
                    "100",
                    "245",
                    "246",
                    "260",
                    "264",
                    "300",
                    "505",
                    "650",
                    "700",
                    "773",
                    "776",
                    "856",
                    "880",
                    "999",
                ]
            )
            subs = []
            for _ in range(rng.randint(1, 5)):
                subs += [
                    rng.choice("abcdefgnptuvxz0146"),
                    "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30))),
                ]
            ind = rng.choice(["  ", "10", "04", " 1", "7 "])
            fields.append((tag, ind, subs))
        rec = marc_record(control=f"g{i}", title=f"T{i} ☃", fields=fields)
        rec.leader = rec.leader[:9] + "a" + rec.leader[10:]
        compared += _compare(rec.as_marc())
    assert compared == 300
