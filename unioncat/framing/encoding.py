"""The character encoding of a text export, told from its first bytes.

Tagged exports (RIS, MEDLINE, Web of Science, NoteExpress, E-Study, BibTeX) carry no
declaration of their encoding, and the tools that write them differ: PubMed and Web of
Science write UTF-8 (Web of Science with a BOM), EndNote on Windows and some Chinese
databases write UTF-16 with a BOM, CNKI, Wanfang and VIP write UTF-8 or GB18030 (GBK's
superset) depending on the version and the user's choice.  So the framer decides once
per file, from its head, and decodes every record with that one encoding:

1. a byte-order mark says it outright (UTF-8, UTF-16 LE or BE);
2. UTF-16 without a mark shows itself by a NUL in every other byte of ASCII text;
3. bytes that are mostly valid UTF-8 are UTF-8 (the chance that other text is valid
   UTF-8 is negligible beyond a few non-ASCII characters), so a UTF-8 file with one
   record pasted in from elsewhere is read as UTF-8 and loses only that record;
4. otherwise, when the non-ASCII bytes pair up as GB2312 characters (both bytes in
   A1-FE, the common hanzi every Chinese text is mostly made of), GB18030;
5. otherwise Windows-1252, the encoding of Western exports that are not UTF-8.

GB18030 would decode Latin-1 text too (as nonsense hanzi), hence the GB2312 test in 4:
an accented Latin letter is followed by an ASCII one, which is never a GB2312 pair.
A record that is not valid in its file's encoding is quarantined with its bytes and
the offset of the first bad byte; its neighbours are read.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_HIGH_PAIR = re.compile(rb"[\x80-\xff][\x00-\xff]?")
_GB2312_PAIR = re.compile(rb"[\xa1-\xfe][\xa1-\xfe]")


_LATIN1 = "unioncat-latin1"


def _as_latin1(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error(_LATIN1, _as_latin1)


@dataclass(frozen=True, slots=True)
class Encoding:
    """A file's encoding, how it was told, and how many bytes its BOM takes."""

    name: str
    evidence: str
    bom: int = 0

    @property
    def wide(self) -> bool:
        """UTF-16: lines cannot be cut on the byte 0x0A, so the file is transcoded first."""
        return self.name.startswith("utf-16")


def detect(head: bytes) -> Encoding:
    """The encoding of a file whose first bytes are ``head``."""
    for bom, name in BOMS:
        if head.startswith(bom):
            return Encoding(name, "byte-order mark", len(bom))
    sample = head[:4096]
    if len(sample) >= 4:
        even, odd = sample[0::2], sample[1::2]
        if odd.count(0) > len(odd) * 0.4 and even.count(0) < len(even) * 0.05:
            return Encoding("utf-16-le", "NUL bytes of UTF-16 text")
        if even.count(0) > len(even) * 0.4 and odd.count(0) < len(odd) * 0.05:
            return Encoding("utf-16-be", "NUL bytes of UTF-16 text")
    good, bad = _utf8_counts(head)
    if bad == 0:
        return Encoding("utf-8", "valid UTF-8")
    if good > bad:
        return Encoding(
            "utf-8",
            f"mostly valid UTF-8 ({bad} invalid sequence(s) in the first {len(head)} bytes)",
        )
    pairs = _HIGH_PAIR.findall(head)
    gb = sum(1 for p in pairs if _GB2312_PAIR.fullmatch(p))
    if pairs and gb >= 0.8 * len(pairs) and _decodes(head, "gb18030"):
        return Encoding("gb18030", "non-ASCII bytes pair as GB2312 characters")
    return Encoding("cp1252", "neither UTF-8 nor GB18030")


def _valid_utf8(head: bytes) -> bool:
    """Valid UTF-8, allowing the head to end inside a character."""
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _utf8_counts(head: bytes) -> tuple[int, int]:
    """Non-ASCII characters that decode as UTF-8, and the places where bytes do not
    (each a U+FFFD of the replacing decoder, less the ones the text itself holds)."""
    text = codecs.getincrementaldecoder("utf-8")("replace").decode(head, final=False)
    bad = text.count("\ufffd") - head.count("\ufffd".encode())
    return sum(1 for ch in text if ord(ch) > 127) - bad, bad


def _decodes(data: bytes, name: str) -> bool:
    try:
        codecs.getincrementaldecoder(name)().decode(data, final=False)
    except UnicodeDecodeError:
        return False
    return True


def decode_record(payload: bytes, encoding: Encoding) -> tuple[str | None, str | None]:
    """The text of one record, or why it cannot be read in its file's encoding.

    A record whose bytes are UTF-8 in a file read as GB18030 or Windows-1252 would
    decode without error, as mojibake; it is refused instead, saying what it is.
    cp1252 leaves five bytes undefined; they are read as Latin-1 (their C1 controls),
    as every browser does, rather than losing the record."""
    name = encoding.name
    if name in ("gb18030", "cp1252") and not payload.isascii() and _valid_utf8(payload):
        return None, (
            f"this record is UTF-8 but the file was read as {name.upper()} "
            f"({encoding.evidence}): the file mixes encodings; re-export it in one, "
            "UTF-8 if the database offers it"
        )
    try:
        return payload.decode(name, errors=_LATIN1 if name == "cp1252" else "strict"), None
    except UnicodeDecodeError as exc:
        return None, (
            f"not valid {name.upper()} at byte {exc.start} of the record "
            f"(the file was read as {name.upper()}: {encoding.evidence}); "
            "re-export the file in one encoding, UTF-8 if the database offers it"
        )
