"""The metadata formats the provider disseminates: one entry each, every item in all.

A format renders a record and a cluster (the catalog's rows, as ``items`` reads them)
to the XML that goes inside ``<metadata>``.  A new format is one module and one line.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from unioncat.outputs.marc import cluster_marc_record, marc_record, marcxml
from unioncat.provider import dc, native
from unioncat.xmlsafe import MARCXML_NS

MARC21_SCHEMA = "http://www.loc.gov/standards/marcxml/schema/MARC21slim.xsd"

Render = Callable[[Mapping[str, Any]], str]


@dataclass(frozen=True, slots=True)
class MetadataFormat:
    prefix: str
    namespace: str
    # the XSD's URL; "{base}" stands for the provider's base URL (a schema it serves)
    schema: str
    record: Render
    cluster: Render
    # the record columns ``record`` reads (None: all of them)
    columns: tuple[str, ...] | None = None

    def schema_url(self, base_url: str) -> str:
        return self.schema.replace("{base}", base_url)


def _record_marc(row: Mapping[str, Any]) -> str:
    return marcxml(marc_record(row))


def _cluster_marc(row: Mapping[str, Any]) -> str:
    return marcxml(cluster_marc_record(row))


FORMATS: dict[str, MetadataFormat] = {
    "oai_dc": MetadataFormat(
        "oai_dc", dc.OAI_DC_NS, dc.OAI_DC_SCHEMA, dc.record_dc, dc.cluster_dc, dc.COLUMNS
    ),
    "unioncat": MetadataFormat(
        "unioncat",
        native.NATIVE_NS,
        "{base}/" + native.XSD_NAME,
        native.record_native,
        native.cluster_native,
    ),  # fmt: skip
    "marc21": MetadataFormat("marc21", MARCXML_NS, MARC21_SCHEMA, _record_marc, _cluster_marc),
}
