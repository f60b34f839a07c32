"""Framing faults: a broken record becomes an error frame holding its own bytes, its
neighbours are still framed and the positions after it do not shift."""

from __future__ import annotations

import gzip
import io
import re
from pathlib import Path

from lxml import etree
from pymarc import record_to_xml

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import marc_record
from unioncat.framing import FRAMERS, Frame, frame_file, open_maybe_gzip
from unioncat.xmlsafe import MARCXML_NS


def _frames(blob: bytes, fmt: str | None = None) -> tuple[str, list[Frame]]:
    """Frame ``blob`` as the files harvester does (gzip detection, then sniffing)."""
    if fmt is not None:
        return fmt, list(FRAMERS[fmt].frame(open_maybe_gzip(io.BytesIO(blob))))
    wire, frames = frame_file(io.BytesIO(blob), "marc")
    return wire, list(frames)


def _iso_records(n: int) -> list[bytes]:
    return [marc_record(control=f"r{i}", title=f"Jazz riffs {i}").as_marc() for i in range(n)]


# ================================================================ ISO 2709


def test_stray_terminator_inside_a_record_frames_it_whole() -> None:
    recs = _iso_records(5)
    recs[2] = recs[2].replace(b"Jazz riffs", b"Jazz\x1driffs")
    assert recs[2].count(b"\x1d") == 2
    _wire, got = _frames(b"".join(recs))
    assert [(g.position, g.payload, g.error) for g in got] == [
        (i, rec, None) for i, rec in enumerate(recs)
    ]


def test_declared_length_not_on_a_terminator_falls_back_to_the_terminator() -> None:
    # leaders that count characters, not bytes: the length falls short of the terminator
    recs = [
        marc_record(control=f"u{i}", title="Köln — 乔布斯的秘密日记").as_marc() for i in range(3)
    ]
    short = [b"%05d" % (len(r) - 12) + r[5:] for r in recs]
    _wire, got = _frames(b"".join(short))
    assert [(g.position, g.payload, g.error) for g in got] == [
        (i, rec, None) for i, rec in enumerate(short)
    ]


def test_declared_length_reaching_the_next_record_does_not_merge_them() -> None:
    a, b, c = _iso_records(3)
    a_long = b"%05d" % (len(a) + len(b)) + a[5:]  # lands exactly on b's terminator
    _wire, got = _frames(a_long + b + c)
    assert [g.payload for g in got] == [a_long, b, c]
    assert [g.position for g in got] == [0, 1, 2]


def test_a_record_that_lost_its_end_does_not_take_its_neighbour() -> None:
    """A record missing its last 10 bytes (terminator and all), then good B and C: B
    must be framed on its own, so that only A is lost."""
    a, b, c = _iso_records(3)
    _wire, got = _frames(a[:-10] + b + c)
    assert [(g.position, g.payload, g.error) for g in got] == [(0, a[:-10], None), (1, b, None),
                                                              (2, c, None)]  # fmt: skip


def test_a_record_that_lost_only_its_terminator_is_cut_before_the_next() -> None:
    recs = _iso_records(4)
    _wire, got = _frames(recs[0] + recs[1][:-1] + recs[2] + recs[3])
    assert [g.payload for g in got] == [recs[0], recs[1][:-1], recs[2], recs[3]]


def test_two_damaged_records_in_a_row_each_cost_only_themselves() -> None:
    recs = _iso_records(5)
    blob = recs[0] + recs[1][:-30] + recs[2][: len(recs[2]) // 2] + recs[3] + recs[4]
    _wire, got = _frames(blob)
    assert [g.payload for g in got] == [
        recs[0], recs[1][:-30], recs[2][: len(recs[2]) // 2], recs[3], recs[4]
    ]  # fmt: skip
    assert [g.position for g in got] == [0, 1, 2, 3, 4]


def test_records_without_any_terminator_at_the_end_of_a_file_are_split() -> None:
    recs = _iso_records(4)
    blob = recs[0] + b"".join(r[:-1] for r in recs[1:])
    _wire, got = _frames(blob)
    assert [g.payload for g in got] == [recs[0], *(r[:-1] for r in recs[1:])]


def test_text_that_looks_like_a_leader_inside_a_record_does_not_split_it() -> None:
    # a note quoting a leader, with digits where the base address goes: no directory
    rec = marc_record(
        control="q", title="Leader 01234cam a2200289 a 4500 quoted", fields=[("500", "  ", [
            "a", "00714cam a2200205 a 450000100090000000500170000900800410002"])]
    ).as_marc()  # fmt: skip
    short = b"%05d" % (len(rec) - 3) + rec[5:]  # the fallback path (length is off)
    tail = _iso_records(1)[0]
    _wire, got = _frames(short + tail)
    assert [g.payload for g in got] == [short, tail]


def test_a_long_run_without_a_terminator_is_cut_at_the_limit() -> None:
    from unioncat.framing.iso2709 import RECORD_LIMIT

    good = _iso_records(2)
    blob = good[0] + b"abcdefgh" * (RECORD_LIMIT // 8 + 1000) + good[1]
    _wire, got = _frames(blob, "marc21")
    assert got[0].payload == good[0] and got[0].error is None
    assert len(got[1].payload) == RECORD_LIMIT and "no record terminator" in str(got[1].error)
    assert got[-1].payload == good[1] and got[-1].error is None
    assert b"".join(g.payload for g in got) == blob  # nothing dropped


def test_stray_terminator_in_a_record_without_a_numeric_length_still_splits() -> None:
    recs = _iso_records(3)
    recs[1] = b"x" * 5 + recs[1][5:].replace(b"Jazz riffs", b"Jazz\x1driffs")
    _wire, got = _frames(b"".join(recs))
    # no usable length: the old behaviour (split on every terminator) stays
    assert len(got) == 4 and got[-1].payload == recs[2] and got[-1].position == 3


def test_a_file_without_any_terminator_is_one_error_frame() -> None:
    blob = b"this is a plain text file, not MARC\n" * 100
    wire, got = _frames(blob)
    assert wire == "marc21"
    assert len(got) == 1
    assert got[0].position == 0 and got[0].payload == blob
    assert got[0].error is not None
    assert "does not look like ISO 2709 MARC" in got[0].error
    assert "no record terminator" in got[0].error


def test_a_truncated_last_record_is_still_framed_as_a_record() -> None:
    good, cut = _iso_records(2)
    _wire, got = _frames(good + cut[:-40])
    assert [(g.position, g.payload, g.error) for g in got] == [
        (0, good, None),
        (1, cut[:-40], None),
    ]


def test_bytes_without_any_terminator_over_many_reads_are_one_error_frame() -> None:
    # several read chunks long (how fast this is measured in bench/framing_bench.py)
    blob = b"abcdefgh" * (512 << 10)
    _wire, got = _frames(blob, "marc21")
    assert len(got) == 1 and len(got[0].payload) == len(blob) and got[0].error


# ================================================================ gzip damage


def _assert_gzip_fault(frame: Frame, position: int) -> None:
    assert frame.position == position
    assert frame.error is not None
    assert "gzip" in frame.error and "truncated or corrupt" in frame.error


def test_truncated_gzip_keeps_the_records_before_the_cut() -> None:
    recs = [
        marc_record(control=f"g{i}", title=f"Title {i} " + "x" * (i % 97)).as_marc()
        for i in range(3000)
    ]
    plain = b"".join(recs)
    packed = gzip.compress(plain)
    _wire, got = _frames(packed[: len(packed) // 2])  # must not raise
    *good, last = got
    assert len(good) > 100
    assert [(g.position, g.payload, g.error) for g in good] == [
        (i, recs[i], None) for i in range(len(good))
    ]
    _assert_gzip_fault(last, len(good))
    assert "Compressed file ended" in str(last.error)
    assert recs[len(good)].startswith(last.payload)  # the part of the next record we have


def test_corrupt_gzip_data_gives_an_error_frame_not_an_exception() -> None:
    recs = _iso_records(200)
    packed = bytearray(gzip.compress(b"".join(recs)))
    middle = len(packed) // 2
    packed[middle : middle + 64] = b"\xff" * 64
    _wire, got = _frames(bytes(packed))  # must not raise
    *good, last = got
    # inflate may turn the damage into wrong bytes before it notices: only the start is sure
    assert [g.payload for g in good[:50]] == recs[:50]
    assert [g.position for g in got] == list(range(len(got)))
    _assert_gzip_fault(last, len(good))


def test_gzip_with_a_bad_crc_gives_an_error_frame() -> None:
    recs = _iso_records(5)
    packed = bytearray(gzip.compress(b"".join(recs)))
    packed[-8] ^= 0xFF  # CRC32 of the member
    _wire, got = _frames(bytes(packed))
    assert [g.payload for g in got[:-1]] == recs[: len(got) - 1]
    _assert_gzip_fault(got[-1], len(got) - 1)
    assert "CRC" in str(got[-1].error)


def test_gzip_with_a_broken_header_gives_one_empty_error_frame() -> None:
    _wire, got = _frames(b"\x1f\x8b" + b"this is not deflate data at all" * 10)
    assert len(got) == 1
    _assert_gzip_fault(got[0], 0)
    assert got[0].payload == b""


def _collection(records: list[bytes], prefix: str = "") -> bytes:
    ns = f"xmlns:{prefix}" if prefix else "xmlns"
    tag = f"{prefix}:collection" if prefix else "collection"
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{tag} {ns}="{MARCXML_NS}">\n'.encode()
        + b"\n".join(records)
        + f"\n</{tag}>\n".encode()
    )


def _xml_records(n: int, prefix: str = "") -> list[bytes]:
    """Records as they appear inside a collection (no namespace declaration of their own)."""
    out = []
    for i in range(n):
        xml = record_to_xml(marc_record(control=f"x{i}", title=f"Title {i}"), namespace=False)
        if prefix:
            xml = re.sub(rb"<(/?)(\w)", rb"<\1" + prefix.encode() + rb":\2", xml)
        out.append(xml)
    return out


def test_truncated_gzip_marcxml_keeps_the_records_before_the_cut() -> None:
    recs = _xml_records(2000)
    packed = gzip.compress(_collection(recs))
    _wire, got = _frames(packed[: len(packed) // 2])
    *good, last = got
    assert len(good) > 100
    assert all(g.error is None for g in good)
    assert [g.position for g in good] == list(range(len(good)))
    assert all(f">x{i}<".encode() in g.payload for i, g in enumerate(good))
    _assert_gzip_fault(last, len(good))
    assert recs[len(good)].startswith(last.payload)


# ================================================================ MARCXML syntax errors


def test_syntax_error_in_one_record_loses_only_that_record() -> None:
    recs = _xml_records(99)
    recs[10] = recs[10].replace(b"Title 10</subfield>", b"Title 10</subfeld>")
    _wire, got = _frames(_collection(recs))
    assert [g.position for g in got] == list(range(99))
    assert got[10].payload == recs[10]  # exactly its own bytes
    assert got[10].error is not None and "not well-formed" in got[10].error
    for i, g in enumerate(got):
        if i != 10:
            assert g.error is None, (i, g.error)
            assert f">x{i}<".encode() in g.payload
    # the records framed after recovery read like the ones before it
    assert got[11].payload.startswith(f'<record xmlns="{MARCXML_NS}">'.encode())
    assert got[9].payload.startswith(f'<record xmlns="{MARCXML_NS}">'.encode())


def test_an_entity_or_a_bare_ampersand_is_mended_and_noted() -> None:
    """As an OAI-PMH page is: the record lands, with a note, instead of quarantine."""
    recs = _xml_records(20)
    recs[3] = recs[3].replace(b"Title 3", b"Title AT&T &nbsp;&eacute; &bogus; 3")
    recs[12] = recs[12].replace(b"Title 12", b"Title 12</subfeld>")  # beyond mending
    _wire, got = _frames(_collection(recs))
    assert [g.position for g in got] == list(range(20))
    assert got[3].error is None and got[3].note and "ampersands" in got[3].note
    title = etree.fromstring(got[3].payload).xpath("string(.//*[@tag='245'])")
    assert title == "Title AT&T \u00a0\u00e9 &bogus; 3"
    assert got[12].error is not None and got[12].payload == recs[12]
    assert [g.position for g in got if g.note] == [3]


def test_mending_a_latin1_file_keeps_its_bytes() -> None:
    """Only a UTF-8 text has its undecodable bytes replaced; a Latin-1 file's é stays."""
    recs = [r.replace(b"Title 1", "Titre \u00e9t\u00e9 &amp; Co 1".encode("latin-1"))
            for r in _xml_records(3)]  # fmt: skip
    recs[1] = recs[1].replace(b"&amp; Co", b"& Co")
    blob = _collection(recs).replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    assert b'encoding="ISO-8859-1"' in blob
    _wire, got = _frames(blob)
    assert [g.error for g in got] == [None, None, None]
    texts = [etree.fromstring(g.payload).xpath("string(.//*[@tag='245'])") for g in got]
    assert texts[1] == "Titre \u00e9t\u00e9 & Co 1", texts
    assert got[1].note is not None


def test_syntax_error_with_prefixed_records() -> None:
    recs = _xml_records(5, prefix="marc")
    recs[1] = recs[1].replace(b"Title 1", b"Title <b>1")  # unclosed element
    _wire, got = _frames(_collection(recs, prefix="marc"))
    assert [g.position for g in got] == [0, 1, 2, 3, 4]
    assert got[1].payload == recs[1] and got[1].error
    for i in (0, 2, 3, 4):
        assert got[i].error is None
        assert got[i].payload.startswith(f'<marc:record xmlns:marc="{MARCXML_NS}">'.encode())
        assert f">x{i}<".encode() in got[i].payload


def test_record_without_closing_tag_ends_at_the_next_record() -> None:
    recs = _xml_records(4)
    recs[1] = recs[1].replace(b"</record>", b"")
    _wire, got = _frames(_collection(recs))
    assert [g.position for g in got] == [0, 1, 2, 3]
    assert got[1].error and got[1].payload == recs[1]
    assert [g.error for g in (got[0], got[2], got[3])] == [None, None, None]
    assert b">x3<" in got[3].payload


def test_last_record_cut_off_is_an_error_frame() -> None:
    recs = _xml_records(3)
    blob = _collection(recs)
    cut = blob[: blob.index(b"Title 2")]
    _wire, got = _frames(cut)
    assert [g.error is None for g in got] == [True, True, False]
    assert got[2].position == 2 and recs[2].startswith(got[2].payload)


def test_several_root_records_are_all_framed(shared_data: Path) -> None:
    path = shared_data / "marc" / "evergreen" / "serials_marc21.xml"
    with path.open("rb") as f:
        wire, frames = frame_file(open_maybe_gzip(f), "marc")
        got = list(frames)
    assert wire == "marcxml"
    assert [g.position for g in got] == list(range(7))
    assert all(g.error is None for g in got)
    assert all(g.payload.startswith(b"<record>") for g in got)
    assert b"21061" in got[0].payload


def test_recovery_never_resolves_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    recs = _xml_records(3)
    recs[0] = recs[0].replace(b"Title 0", b"&x;")
    recs[1] = recs[1].replace(b"Title 1", b"&lol9;")
    laughs = "".join(
        f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" * 10 if i else "lol") + '">' for i in range(10)
    )
    blob = (
        f'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "{secret.as_uri()}">{laughs}]>'
        f'<collection xmlns="{MARCXML_NS}">'.encode()
        + b"".join(recs)
        + b"<record><oops></record></collection>"
    )
    _wire, got = _frames(blob)
    assert len(got) == 4 and got[3].error
    assert all(b"TOP-SECRET" not in g.payload and len(g.payload) < 20_000 for g in got)


# ================================================================ files without MARC records


def test_xhtml_error_page_is_one_error_frame() -> None:
    page = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<html xmlns="http://www.w3.org/1999/xhtml"><head><title>503 Service Unavailable'
        b"</title></head><body><p>Try again later.</p></body></html>\n"
    )
    wire, got = _frames(page)
    assert wire == "marcxml"
    assert len(got) == 1 and got[0].position == 0 and got[0].payload == page
    reason = str(got[0].error)
    assert "no MARC 21 <record> element" in reason
    assert "<html>" in reason and "http://www.w3.org/1999/xhtml" in reason


def test_wrong_namespace_is_one_error_frame() -> None:
    blob = _collection(_xml_records(3)).replace(MARCXML_NS.encode(), MARCXML_NS.encode() + b"/")
    _wire, got = _frames(blob)
    assert len(got) == 1 and got[0].payload == blob
    reason = str(got[0].error)
    assert "no MARC 21 <record> element" in reason
    assert "<collection>" in reason and f"'{MARCXML_NS}/'" in reason


def test_html_that_is_not_even_xml_is_one_error_frame() -> None:
    page = b"<html><body><p>Service unavailable<br></p></body></html>"
    _wire, got = _frames(page)
    assert len(got) == 1 and got[0].payload == page
    assert "no MARC 21 <record> element" in str(got[0].error)
    assert "<html>" in str(got[0].error)


def test_a_huge_file_without_records_keeps_only_its_first_megabyte() -> None:
    blob = b"<html><body>" + b"<p>filler text</p>" * 200_000 + b"</body></html>"
    _wire, got = _frames(blob)
    assert len(got) == 1 and got[0].error
    assert got[0].payload == blob[: 1 << 20]


def test_an_empty_marc_collection_is_no_fault() -> None:
    _wire, got = _frames(_collection([]))
    assert got == []


# ================================================================ record limits


def _marcxml(records: list[tuple[str, str]]) -> bytes:
    """A MARCXML collection of (001, 500 $a text) records, written by hand so that a
    record can be made of any size."""
    body = b"".join(
        b'<record><leader>00000cam a2200000 a 4500</leader><controlfield tag="001">'
        + control.encode()
        + b'</controlfield><datafield tag="500" ind1=" " ind2=" "><subfield code="a">'
        + text.encode()
        + b"</subfield></datafield></record>"
        for control, text in records
    )
    return b'<collection xmlns="' + MARCXML_NS.encode() + b'">' + body + b"</collection>"


def test_a_record_over_the_limit_costs_only_itself_and_keeps_its_first_bytes() -> None:
    from unioncat.framing.base import RECORD_LIMIT

    # 20 MiB in one text node: past libxml2's own text limit and past the record limit
    blob = _marcxml([("a", "Good A"), ("b", "x" * (20 << 20)), ("c", "Good C")])
    _wire, got = _frames(blob, "marcxml")
    assert [g.position for g in got] == [0, 1, 2]
    assert got[0].error is None and b">a<" in got[0].payload
    assert got[2].error is None and b">c<" in got[2].payload
    big = got[1]
    assert big.error is not None and "larger than the record limit of 16 MiB" in big.error
    assert len(big.payload) == RECORD_LIMIT and big.payload.startswith(b"<record>")


def test_a_record_over_the_limit_in_fields_the_parser_accepts_is_cut_too() -> None:
    from unioncat.framing.base import RECORD_LIMIT

    fields = "".join(
        f'<datafield tag="500" ind1=" " ind2=" "><subfield code="a">{"y" * (6 << 20)}'
        "</subfield></datafield>"
        for _ in range(3)
    )  # three 6 MiB notes: each under libxml2's limit, 18 MiB together
    blob = _marcxml([("a", "Good A"), ("b", "B"), ("c", "Good C")])
    marker = b'<controlfield tag="001">b</controlfield>'
    blob = blob.replace(marker, marker + fields.encode())
    _wire, got = _frames(blob, "marcxml")
    assert [g.error is None for g in got] == [True, False, True]
    assert got[1].error is not None and "larger than the record limit" in got[1].error
    assert len(got[1].payload) == RECORD_LIMIT
