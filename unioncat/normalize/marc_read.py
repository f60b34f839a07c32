"""Read one framed MARC record (ISO 2709 or MARCXML) into a pymarc Record.

pymarc is the reference reader and handles MARC-8; every failure becomes a
:class:`RecordError` whose reason names what is broken (leader, directory, encoding),
so the quarantine tells a cataloger what to fix.
"""

from __future__ import annotations

import pymarc
from lxml import etree
from pymarc import Field, Subfield
from pymarc.exceptions import PymarcException

from unioncat.errors import RecordError
from unioncat.harvest.framing import MARCXML_NS, secure_xml_parser

_PARSER = secure_xml_parser()


def read_iso2709(data: bytes) -> pymarc.Record:
    if len(data) < 24:
        raise RecordError(f"record is {len(data)} bytes, shorter than a 24-byte leader")
    head = data[:5]
    if not head.isdigit():
        raise RecordError(f"leader/00-04 record length is not numeric: {head!r}")
    declared = int(head)
    if declared != len(data):
        raise RecordError(
            f"leader says {declared} bytes but the record has {len(data)} "
            "(truncated or damaged record)"
        )
    utf8 = data[9:10] == b"a"
    try:
        return pymarc.Record(
            data, to_unicode=True, force_utf8=utf8, utf8_handling="strict"
        )
    except UnicodeDecodeError as exc:
        if not utf8:
            raise RecordError(f"MARC-8 text cannot be decoded: {exc}") from exc
        try:
            return pymarc.Record(data, to_unicode=True, force_utf8=True, utf8_handling="replace")
        except PymarcException as exc2:
            raise RecordError(f"{type(exc2).__name__}: {exc2}") from exc2
    except PymarcException as exc:
        raise RecordError(f"{type(exc).__name__}: {exc}") from exc
    except (ValueError, IndexError) as exc:
        raise RecordError(f"malformed ISO 2709 structure: {exc}") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_marcxml(data: bytes) -> pymarc.Record:
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise RecordError(f"MARCXML record is not well-formed: {exc}") from exc
    if _local(root.tag) != "record":
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
            record.add_field(Field(tag=child.get("tag", ""), data=child.text or ""))
        elif name == "datafield":
            subfields = [
                Subfield(code=sf.get("code", ""), value=sf.text or "")
                for sf in child
                if isinstance(sf.tag, str) and _local(sf.tag) == "subfield"
            ]
            record.add_field(
                Field(
                    tag=child.get("tag", ""),
                    indicators=[child.get("ind1", " "), child.get("ind2", " ")],
                    subfields=subfields,
                )
            )
    if not record.fields:
        raise RecordError("MARCXML record has no fields")
    return record
