"""The tagged-export framer on what breaks framers: piece boundaries, line ends,
oversized records and files that are not tagged exports at all."""

from __future__ import annotations

import io
import re

from unioncat.framing.base import RECORD_LIMIT
from unioncat.framing.stream import CHUNK
from unioncat.framing.tagged import TaggedBlocks

RIS = TaggedBlocks(
    re.compile(rb"^TY  - "),
    "RIS record",
    end=re.compile(rb"^ER  -"),
    header=re.compile(rb"^Provider:"),
    trailer=re.compile(rb"^\d+\.$"),
)


def _record(i: int) -> bytes:
    return f"TY  - JOUR\nTI  - Title number {i}\nAU  - Author, A.\nER  - \n".encode()


def test_records_across_pieces_and_crlf_split_between_them() -> None:
    records = [_record(i) for i in range(CHUNK // 20)]
    blob = b"".join(records).replace(b"\n", b"\r\n")
    assert len(blob) > 2 * CHUNK  # the file is read in several pieces
    frames = list(RIS(io.BytesIO(blob)))
    assert [f.error for f in frames if f.error] == []
    assert len(frames) == len(records)
    assert [f.payload for f in frames] == [r.replace(b"ER  - \n", b"ER  -\n") for r in records]
    assert all(b"\r" not in f.payload for f in frames)


def test_lone_cr_line_ends_and_line_numbers_in_reasons() -> None:
    utf8 = _record(1).replace(b"Author, A.", "Åström, Émile; Ñúñez, Ö.".encode())
    blob = b"Provider: X\r" + utf8.replace(b"\n", b"\r") + b"TY  - JOUR\rTI  - \xff\rER  -\r"
    first, broken = list(RIS(io.BytesIO(blob)))
    assert first.error is None and first.payload.startswith(b"TY  - JOUR\nTI  - Title number 1")
    assert broken.error is not None and "at line 6" in broken.error


def test_text_after_the_end_is_skipped_and_noted_but_a_trailer_is_not() -> None:
    blob = _record(1) + b"1.\nsome stray words\n" + _record(2) + b"2.\n"
    first, second = list(RIS(io.BytesIO(blob)))
    assert first.note is not None and first.note.startswith("1 line(s)")
    assert second.note is None


def test_a_record_over_the_limit_is_cut_and_its_neighbours_land() -> None:
    huge = b"TY  - JOUR\nAB  - " + b"x" * (RECORD_LIMIT + 10) + b"\nER  -\n"
    blob = _record(1) + huge + _record(2)
    frames = list(RIS(io.BytesIO(blob)))
    assert len(frames) == 3
    assert frames[0].error is None and frames[2].error is None
    assert frames[2].payload.startswith(b"TY  - JOUR\nTI  - Title number 2")
    assert frames[1].error is not None and "longer than 16 MiB" in frames[1].error
    assert len(frames[1].payload) <= RECORD_LIMIT


def test_a_file_that_is_not_a_tagged_export_says_so_once_and_is_not_held() -> None:
    blob = b"<html>\n" + b"not a record at all\n" * (RECORD_LIMIT // 10)
    (only,) = list(RIS(io.BytesIO(blob)))
    assert only.error is not None and "no RIS record found" in only.error
    assert len(only.payload) <= 4096
    # stray text before the first record is one error frame, the records follow
    stray, first = list(RIS(io.BytesIO(b"Provider: X\nwhat is this\n\n" + _record(1))))
    assert stray.error is not None and stray.payload == b"what is this"
    assert first.error is None
