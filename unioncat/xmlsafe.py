"""The one way unioncat parses XML it did not write: nothing in it can reach out.

Harvested XML is hostile until proven otherwise.  Every parser and every ``iterparse``
in the package takes these settings: no entity resolution (no XXE, no billion laughs),
no network, no DTD loading, no unbounded trees.  The XML namespaces the formats use are
named here once, so that a framer and the normalizer of its format agree on them.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

MARCXML_NS = "http://www.loc.gov/MARC21/slim"
OAI_NS = "http://www.openarchives.org/OAI/2.0/"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
MODS_NS = "http://www.loc.gov/mods/v3"
XLINK_NS = "http://www.w3.org/1999/xlink"

# For etree.XMLParser and etree.iterparse alike.
SAFE_XML: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "huge_tree": False,
}


def secure_xml_parser(**kwargs: bool) -> etree.XMLParser:
    """An lxml parser that never resolves entities or touches the network (no XXE)."""
    return etree.XMLParser(**SAFE_XML, **kwargs)
