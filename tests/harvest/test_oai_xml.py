"""The page reader on hand-written responses: what a header says, and the repair that
runs over every page before it is parsed."""

from __future__ import annotations

import random
import re

from unioncat.harvest.oai_xml import parse_page
from unioncat.xmlsafe import repair_xml

_OAI = "http://www.openarchives.org/OAI/2.0/"


def _page(*headers: str) -> bytes:
    records = "".join(
        f"<record>{h}<metadata><x xmlns='urn:x'>{i}</x></metadata></record>"
        for i, h in enumerate(headers)
    )
    return (
        f"<OAI-PMH xmlns='{_OAI}'><responseDate>2026-01-01T00:00:00Z</responseDate>"
        f"<ListRecords>{records}</ListRecords></OAI-PMH>"
    ).encode()


def test_a_header_gives_its_first_identifier_and_datestamp_and_every_set() -> None:
    page = parse_page(_page(
        "<header status='deleted'><!-- a comment --><identifier> oai:a:1 </identifier>"
        "<identifier>oai:a:other</identifier><datestamp>2024-02-03</datestamp>"
        "<datestamp>1999-01-01</datestamp><setSpec>maths</setSpec><setSpec> </setSpec>"
        "<setSpec>physics</setSpec></header>",
        "<header><datestamp>2024-02-04</datestamp><identifier>oai:a:2</identifier></header>",
    ))  # fmt: skip
    first, second = page.records
    assert (first.identifier, first.datestamp, first.deleted, first.sets) == (
        "oai:a:1", "2024-02-03", True, ["maths", "physics"]
    )  # fmt: skip
    assert (second.identifier, second.datestamp, second.deleted, second.sets) == (
        "oai:a:2", "2024-02-04", False, []
    )  # fmt: skip
    assert first.error is None and b"<x xmlns=\"urn:x\">0</x>" in first.xml


def test_a_blank_first_identifier_is_no_identifier() -> None:
    """The first identifier names the record; a blank one is not replaced by a later."""
    (record,) = parse_page(_page(
        "<header><identifier> </identifier><identifier>oai:a:9</identifier></header>"
    )).records  # fmt: skip
    assert record.identifier == "" and record.error == "a record header without an identifier"


def test_an_element_of_another_namespace_is_not_the_header_s() -> None:
    (record,) = parse_page(_page(
        "<header><identifier xmlns='urn:other'>oai:wrong</identifier>"
        "<identifier>oai:a:3</identifier><datestamp xmlns='urn:other'>1900</datestamp>"
        "</header>"
    )).records  # fmt: skip
    assert (record.identifier, record.datestamp) == ("oai:a:3", None)


# the repair as one pass of regular expressions, as it was first written: the faster
# one (a byte translation, with the searches only when their bytes occur) must agree
_ONE_PASS = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]")
_ONE_PASS_C0 = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _one_pass(body: bytes, utf8: bool) -> tuple[bytes, int]:
    from unioncat.xmlsafe import _FORBIDDEN_REF

    cleaned, n = (_ONE_PASS if utf8 else _ONE_PASS_C0).subn(b"", body)
    cleaned, m = _FORBIDDEN_REF.subn(b"", cleaned)
    return cleaned, n + m


def test_the_repair_removes_what_one_pass_would_and_counts_it_alike() -> None:
    pieces = [b"a", b"<t>", b"\x00", b"\x01", b"\t", b"\n", b"\r", b"\x0b", b"\x1f", b" ",
              b"\xef", b"\xbf", b"\xbe", b"\xbf\xbf", b"\xef\xbf\xbe", b"\xef\xbf\xbf",
              b"\xef\xbf\xbd", b"&#x1;", b"&#9;", b"&#", b"&#65534;", b"&#xFFFF;",
              b"&amp;", "é".encode()]  # fmt: skip
    rng = random.Random(7)
    for _ in range(3000):
        body = b"".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        for utf8 in (True, False):
            expected, removed = _one_pass(body, utf8)
            cleaned, notes = repair_xml(body, utf8=utf8)
            said = [n for n in notes if "XML forbids" in n]
            assert said == ([f"removed {removed} characters that XML forbids"] if removed else [])
            if b"&" not in expected and (not utf8 or _is_utf8(expected)):
                assert cleaned == expected, body  # nothing else of the repair applies


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
