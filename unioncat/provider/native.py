"""The ``unioncat`` metadata format: the whole unified record, nothing lost.

Dublin Core and MARC each drop something (holdings, coverage, provenance, the
identifiers' status); a consumer that wants the record as the catalog holds it takes
this one.  The element carries the record as the JSON of the catalog's JSON export (the
field names and shapes of ``unioncat/schemas/record.json``), so no second schema has to
be kept in step with the record's:

    <uc:record xmlns:uc="urn:unioncat:record:1" kind="record" schemaVersion="1.5">
      {"id": "uc-...", "title": "...", "contributors": [...], ...}
    </uc:record>

``kind`` is ``record`` or ``cluster``; a cluster's JSON is its merged record with
``members`` (id, source, medium of each) and ``provenance`` (the member each field came
from).  The XSD served beside the provider (``<base URL>/unioncat-record.xsd``) says
just this.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from unioncat.schemas.record import SCHEMA_VERSION
from unioncat.xmltext import attr, text

NATIVE_NS = "urn:unioncat:record:1"
XSD_NAME = "unioncat-record.xsd"
XSD = f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="{NATIVE_NS}"
           elementFormDefault="qualified">
  <xs:annotation><xs:documentation>
    A unioncat record or cluster: its JSON (the catalog's JSON export) as the text of
    one element.
  </xs:documentation></xs:annotation>
  <xs:element name="record">
    <xs:complexType>
      <xs:simpleContent>
        <xs:extension base="xs:string">
          <xs:attribute name="kind" use="required">
            <xs:simpleType>
              <xs:restriction base="xs:string">
                <xs:enumeration value="record"/>
                <xs:enumeration value="cluster"/>
              </xs:restriction>
            </xs:simpleType>
          </xs:attribute>
          <xs:attribute name="schemaVersion" type="xs:string" use="required"/>
        </xs:extension>
      </xs:simpleContent>
    </xs:complexType>
  </xs:element>
</xs:schema>
"""
_BOOKKEEPING = frozenset({"content_hash", "envelope_id", "run_id"})


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if v is not None and v != []}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    return value


def _element(kind: str, data: Mapping[str, Any]) -> str:
    body = json.dumps(_plain(dict(data)), ensure_ascii=False, sort_keys=True)
    return (
        f'<uc:record xmlns:uc="{NATIVE_NS}" kind="{kind}" '
        f'schemaVersion="{attr(SCHEMA_VERSION)}">{text(body)}</uc:record>'
    )


def record_native(row: Mapping[str, Any]) -> str:
    return _element("record", {k: v for k, v in row.items() if k not in _BOOKKEEPING})


def cluster_native(row: Mapping[str, Any]) -> str:
    data = {k: v for k, v in row.items() if k not in _BOOKKEEPING and k != "member_rows"}
    data["members"] = row.get("member_rows") or []
    provenance = row.get("provenance")
    if isinstance(provenance, list):  # a DuckDB MAP as key/value pairs
        data["provenance"] = {str(p["key"]): p["value"] for p in provenance}
    return _element("cluster", data)
