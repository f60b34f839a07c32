"""Read one framed MARC record (ISO 2709 or MARCXML) into a pymarc Record.

pymarc is the reference reader and handles MARC-8; every failure becomes a
:class:`RecordError` whose reason names what is broken (leader, directory, encoding),
so the quarantine tells a cataloger what to fix.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from dataclasses import dataclass
from typing import Any

import pymarc
from lxml import etree
from pymarc import Field, Subfield
from pymarc.exceptions import PymarcException
from pymarc.field import Indicators

from unioncat.errors import RecordError
from unioncat.log import event
from unioncat.normalize.marc_utf8 import read_utf8
from unioncat.xmlsafe import MARCXML_NS, secure_xml_parser

_PARSER = secure_xml_parser()


def read_iso2709(data: bytes) -> pymarc.Record:
    """Decode one ISO 2709 record; every way it can be broken becomes a RecordError.

    Well-formed UTF-8 records take the fast reader (:mod:`unioncat.normalize.marc_utf8`),
    which gives the same fields; everything else goes through pymarc.
    """
    if len(data) < 24:
        raise RecordError(f"record is {len(data)} bytes, shorter than a 24-byte leader")
    head = data[:5]
    if not head.isdigit():
        raise RecordError(f"leader/00-04 record length is not numeric: {head!r}")
    declared = int(head)
    if declared != len(data):
        if len(data) > _ISO2709_MAX:
            raise RecordError(
                f"record is {len(data):,} bytes, longer than ISO 2709 can hold "
                f"({_ISO2709_MAX:,}: its length has five digits); send it as MARCXML"
            )
        raise RecordError(
            f"leader says {declared} bytes but the record has {len(data)} "
            "(truncated or damaged record)"
        )
    fast: pymarc.Record | None = read_utf8(data)
    if fast is not None:
        return fast
    _check_structure(data)
    utf8 = _encoding(data) == "utf-8"
    try:
        return _decode(data, utf8, "strict")
    except UnicodeDecodeError as exc:
        if not utf8:
            raise RecordError(f"MARC-8 text cannot be decoded: {exc}") from exc
    bad = _bad_utf8(data)
    if bad > _BAD_UTF8_KEPT:
        raise RecordError(
            f"leader/09 says UTF-8 but {bad} byte sequences of the record are not UTF-8: "
            "the text is in another encoding (MARC-8 and Latin-1 cannot be told apart "
            "safely) and would be garbled; send it in UTF-8, or with leader/09 blank if it "
            "is MARC-8"
        )
    try:
        # Bad bytes in subfield text are replaced (the record stays useful); bad bytes
        # in a control field or an indicator still fail, and must fail as a RecordError.
        return _decode(data, True, "replace")
    except UnicodeDecodeError as exc:
        raise RecordError(f"UTF-8 record (leader/09=a) cannot be decoded: {exc}") from exc


_ISO2709_MAX = 99_999
_BAD_UTF8_KEPT = 3  # undecodable sequences replaced, not refused, in a UTF-8 record
_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")


def _bad_utf8(data: bytes) -> int:
    return data.decode("utf-8", "replace").count("\ufffd") - data.decode("utf-8", "ignore").count(
        "\ufffd"
    )


def _encoding(data: bytes) -> str:
    """The encoding the record's bytes are in, checked against what leader/09 says.

    A UTF-8 record sent with leader/09 blank is common, and can be told for sure: every
    non-ASCII byte is valid UTF-8, with multibyte sequences (MARC-8's combining
    diacritics before their letter never are).  It is read as UTF-8 and the log says so.
    The other way round (bytes that are not UTF-8 behind an ``a``) is no sure guess:
    MARC-8 and Latin-1 look alike; such a record is judged by its damage (see
    :func:`read_iso2709`).
    """
    says = "utf-8" if data[9:10] == b"a" else "marc-8"
    if says == "utf-8" or data.isascii() or not _UTF8_MULTIBYTE.search(data):
        return says
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return says
    found = "utf-8"
    event(
        "marc.encoding_mismatch",
        f"leader/09 says {says} but the bytes are {found}: read as {found}",
        logging.INFO,
        says=says,
        read_as=found,
    )
    return found


def _check_structure(data: bytes) -> None:
    """Leader and directory must be ASCII with numeric base address, lengths and offsets.

    pymarc decodes them with ``ascii`` and ``int()``; a garbled byte there would surface
    as a bare ``UnicodeDecodeError`` or ``ValueError`` (which for a UTF-8 record escaped
    the retry below), so check them first and say which part is broken.
    """
    leader = data[:24]
    if not leader.isascii():
        raise RecordError(f"leader contains non-ASCII bytes: {leader!r}")
    base = data[12:17]
    if not base.isdigit():
        raise RecordError(f"leader/12-16 base address of data is not numeric: {base!r}")
    base_address = int(base)
    if base_address < 25 or base_address > len(data):
        raise RecordError(
            f"leader/12-16 base address {base_address} lies outside the {len(data)}-byte record"
        )
    directory = data[24 : base_address - 1]
    if not directory.isascii() or len(directory) % 12:
        raise RecordError("directory is damaged (not ASCII or not a multiple of 12 bytes)")
    for i in range(0, len(directory), 12):
        if not directory[i + 3 : i + 12].isdigit():
            entry = directory[i : i + 12]
            raise RecordError(
                f"directory entry {i // 12} has a non-numeric length or offset: {entry!r}"
            )


def read_iso2709_pymarc(data: bytes) -> pymarc.Record:
    """The reference path alone (pymarc), for comparing it with the fast reader."""
    _check_structure(data)
    utf8 = data[9:10] == b"a"
    return _decode(data, utf8, "strict")


def _decode(data: bytes, utf8: bool, handling: str) -> pymarc.Record:
    """pymarc's reader with its structural errors turned into RecordError.

    ``UnicodeDecodeError`` is a ``ValueError``; it is re-raised as is so the caller can
    retry with replacement characters.
    """
    try:
        # pymarc prints MARC-8 characters it cannot map straight to stderr, and warns of
        # odd subfield codes through ``warnings``: under cron both would break the
        # one-JSON-object-per-line log, so they become a structured event instead.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            record = pymarc.Record(
                data,
                to_unicode=True,
                force_utf8=utf8,
                utf8_handling=handling,
                hide_utf8_warnings=True,
            )
        if caught:
            event(
                "marc.warning",
                "; ".join(sorted({f"{w.category.__name__}: {w.message}" for w in caught})),
                logging.DEBUG,
                control_number=_control_number(record),
            )
        return record
    except UnicodeDecodeError:
        raise
    except PymarcException as exc:
        raise RecordError(f"{type(exc).__name__}: {exc}") from exc
    except (ValueError, IndexError) as exc:
        raise RecordError(f"malformed ISO 2709 structure: {exc}") from exc


def _control_number(record: pymarc.Record) -> str | None:
    for f in record.get_fields("001"):
        return str(f.data) if f.data else None
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@dataclass(frozen=True, slots=True)
class OaiHeader:
    """The OAI-PMH header around a MARCXML record (a response saved to disk)."""

    identifier: str | None
    datestamp: str | None
    deleted: bool


def parse_marcxml(data: bytes) -> Any:
    """The root element of a MARCXML payload, parsed with the secure parser."""
    try:
        return etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise RecordError(f"MARCXML record is not well-formed: {exc}") from exc


def oai_header(root: Any) -> OaiHeader | None:
    """The header of an OAI-PMH ``<record>`` payload, in whatever namespace it came."""
    if _local(root.tag) != "record" or root.tag == f"{{{MARCXML_NS}}}record":
        return None
    header = next((c for c in root if isinstance(c.tag, str) and _local(c.tag) == "header"), None)
    if header is None:
        return None

    def text(name: str) -> str | None:
        for c in header:
            if isinstance(c.tag, str) and _local(c.tag) == name and c.text and c.text.strip():
                return str(c.text.strip())
        return None

    deleted = (header.get("status") or "").strip() == "deleted"
    return OaiHeader(text("identifier"), text("datestamp"), deleted)


def read_marcxml(data: bytes) -> pymarc.Record:
    return marc_from_xml(parse_marcxml(data))


def marc_from_xml(root: Any) -> pymarc.Record:
    """The MARC record in ``root``: the root itself, or the one an OAI-PMH record or a
    collection wraps."""
    # a MARC record in its namespace or in none; anything else (an OAI-PMH <record>,
    # a <collection>) is a wrapper to look inside
    if root.tag not in (f"{{{MARCXML_NS}}}record", "record") or oai_header(root) is not None:
        found = root.find(f".//{{{MARCXML_NS}}}record")
        if found is None:
            raise RecordError(f"no MARCXML <record> element (root is <{_local(root.tag)}>)")
        root = found
    record = pymarc.Record()
    for child in root:
        if not isinstance(child.tag, str):
            continue
        name = _local(child.tag)
        if name == "leader":
            text = (child.text or "").ljust(24)[:24]
            record.leader = pymarc.Leader(text)
        elif name == "controlfield":
            record.fields.append(Field(tag=child.get("tag", ""), data=child.text or ""))
        elif name == "datafield":
            subfields = [
                Subfield(code=sf.get("code", ""), value=sf.text or "")
                for sf in child
                if isinstance(sf.tag, str) and _local(sf.tag) == "subfield"
            ]
            record.fields.append(
                Field(
                    tag=child.get("tag", ""),
                    indicators=Indicators(child.get("ind1", " "), child.get("ind2", " ")),
                    subfields=subfields,
                )
            )
    if not record.fields:
        raise RecordError("MARCXML record has no fields")
    return record


def read_marcjson(data: bytes) -> pymarc.Record:
    """One MARC-in-JSON object (``{"leader": ..., "fields": [...]}``) as a pymarc Record.

    Read here rather than by pymarc's JSONReader, which takes a string that names an
    existing file as a path to open, and says nothing useful about a damaged record.
    """
    try:
        # control characters inside strings are common in MARC data: accepted, as pymarc does
        obj = json.loads(data.decode("utf-8-sig"), strict=False)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RecordError(f"MARC-in-JSON record is not valid JSON: {exc}") from exc
    if not isinstance(obj, dict) or not isinstance(obj.get("fields"), list):
        raise RecordError('MARC-in-JSON record is not an object with a "fields" list')
    leader = obj.get("leader")
    if not isinstance(leader, str):
        raise RecordError('MARC-in-JSON record has no "leader" string')
    record = pymarc.Record()
    record.leader = pymarc.Leader(leader.ljust(24)[:24])
    for n, entry in enumerate(obj["fields"]):
        if not isinstance(entry, dict) or len(entry) != 1:
            raise RecordError(f"MARC-in-JSON field {n} is not an object with one tag")
        ((tag, value),) = entry.items()
        if isinstance(value, str):
            record.fields.append(Field(tag=tag, data=value))
            continue
        if not isinstance(value, dict) or not isinstance(value.get("subfields"), list):
            raise RecordError(f"MARC-in-JSON field {n} ({tag}) has neither data nor subfields")
        subfields: list[Subfield] = []
        for sub in value["subfields"]:
            if not isinstance(sub, dict):
                raise RecordError(f"MARC-in-JSON field {n} ({tag}) has a malformed subfield")
            subfields.extend(Subfield(code=str(c), value=str(v)) for c, v in sub.items())
        ind1, ind2 = (str(value.get(k) or " ")[:1] for k in ("ind1", "ind2"))
        indicators = Indicators(ind1, ind2)
        record.fields.append(Field(tag=tag, indicators=indicators, subfields=subfields))
    if not record.fields:
        raise RecordError("MARC-in-JSON record has no fields")
    return record


_MRK_MNEMONICS = {"{dollar}": "$", "{lcub}": "{", "{rcub}": "}", "{bsol}": "\\"}


def _mrk_text(value: str) -> str:
    if "{" in value:
        for mnemonic, char in _MRK_MNEMONICS.items():
            value = value.replace(mnemonic, char)
    return value


def read_mrk(data: bytes) -> pymarc.Record:
    """One MARCMaker (mnemonic) record: ``=LDR  ...`` then ``=TAG  ...`` lines.

    The conventions of LC's MARCMaker and MarcEdit: a backslash stands for a blank in
    the leader, control fields and indicators; ``$`` opens a subfield; ``{dollar}``
    (and ``{lcub}``, ``{rcub}``, ``{bsol}``) stand for the characters themselves.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise RecordError(f"MARCMaker record is not UTF-8 text: {exc}") from exc
    record = pymarc.Record()
    leader: str | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if not line.startswith("=") or len(line) < 6 or line[4:6] != "  ":
            raise RecordError(
                f"MARCMaker line {n} is not '=TAG  value' (two spaces after the tag): {line[:40]!r}"
            )
        tag, value = line[1:4], line[6:]
        if tag == "LDR":
            leader = value.replace("\\", " ")
        elif tag < "010" and tag.isdigit():
            record.fields.append(Field(tag=tag, data=_mrk_text(value.replace("\\", " "))))
        else:
            if len(value) < 2:
                raise RecordError(f"MARCMaker line {n} ({tag}) has no indicators")
            ind = Indicators(*(" " if c == "\\" else c for c in value[:2]))
            subfields = [
                Subfield(code=part[:1], value=_mrk_text(part[1:]))
                for part in value[2:].split("$")[1:]
                if part
            ]
            record.fields.append(Field(tag=tag, indicators=ind, subfields=subfields))
    if leader is None:
        raise RecordError("MARCMaker record has no =LDR line")
    record.leader = pymarc.Leader(leader.ljust(24)[:24])
    if not record.fields:
        raise RecordError("MARCMaker record has no fields")
    return record
