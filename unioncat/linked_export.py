"""``unioncat export --format jsonld|bibframe``: the catalog as linked data, work by work.

Records stream out of the catalog in cluster order, so each work is written as soon as
its members are read and memory stays flat: ``works.jsonld`` holds one schema.org
JSON-LD document per line (the work and its workExamples, with ``@vocab`` schema.org so
no context is fetched), ``works.rdf`` one RDF/XML document of BIBFRAME 2 descriptions
(each work with its instances and items).  Both are written under a temporary name and
renamed when whole, in ``<out>/linked/<UTC time>/``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from unioncat.catalog import RECORD_COLUMNS, Catalog
from unioncat.log import event
from unioncat.outputs.files import write_whole
from unioncat.outputs.linked import BF, DEFAULT_BASE, bibframe_graph, schema_graph
from unioncat.reader_links import AccessSettings, with_reader_links
from unioncat.xmlsafe import secure_xml_parser

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_CONTEXT = {"@vocab": "http://schema.org/"}


@dataclass(slots=True)
class LinkedExport:
    path: Path
    works: int = 0
    records: int = 0


def _works(catalog: Catalog) -> Iterator[tuple[dict[str, Any] | None, list[dict[str, Any]]]]:
    clusters = {
        str(row[0]): {
            "cluster_id": row[0],
            "type": row[1],
            "title": row[2],
            "subtitle": row[3],
            "contributors": row[4],
        }  # fmt: skip
        for row in catalog.query(
            "SELECT cluster_id, type, title, subtitle, contributors FROM clusters WHERE NOT deleted"
        )
    }
    cols = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    current: str | None = None
    members: list[dict[str, Any]] = []
    for rows in catalog.stream(
        f"SELECT {cols} FROM records WHERE NOT coalesce(deleted, false) AND type <> 'holdings' "
        "ORDER BY cluster_id NULLS LAST, id"
    ):
        for row in rows:
            cid = row.get("cluster_id")
            if cid is None:
                if members:
                    yield clusters.get(str(current)), members
                    members, current = [], None
                yield None, [row]
                continue
            if cid != current and members:
                yield clusters.get(str(current)), members
                members = []
            current = cid
            members.append(row)
    if members:
        yield clusters.get(str(current)), members


def _sorted(value: Any) -> Any:
    """A JSON-LD document in one order: RDF has none, and rdflib's follows the hash
    seed of the process, so nodes and the values of each property are sorted."""
    if isinstance(value, dict):
        return {k: _sorted(v) for k, v in sorted(value.items())}
    if isinstance(value, list):
        items = [_sorted(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
    return value


def _ordered(doc: etree._Element) -> list[etree._Element]:
    """The descriptions of an RDF/XML document, each with its properties, in one order
    (see :func:`_sorted`)."""

    def key(el: etree._Element) -> bytes:
        found: bytes = etree.tostring(el, method="c14n")
        return found

    out = []
    for description in doc:
        description.text = description.tail = None  # the indentation moves with the order
        for child in description:
            child.tail = None
        children = sorted(description, key=key)
        for child in children:
            description.remove(child)
        description.extend(children)
        out.append(description)
    about = f"{{{RDF_NS}}}about"
    node = f"{{{RDF_NS}}}nodeID"
    return sorted(out, key=lambda d: (d.get(about) or "", d.get(node) or "", key(d)))


def export_linked(
    catalog: Catalog, out_dir: Path, fmt: str, base: str = DEFAULT_BASE,
    links: AccessSettings | None = None,
) -> LinkedExport:  # fmt: skip
    """Write every work; ``links`` make the access links the library's readers follow."""
    how = links or AccessSettings()
    folder = out_dir / "linked" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    folder.mkdir(parents=True, exist_ok=True)
    result = LinkedExport(folder / ("works.jsonld" if fmt == "jsonld" else "works.rdf"))

    def jsonld() -> Iterator[bytes]:
        for cluster, members in _works(catalog):
            members = [dict(with_reader_links(m, how)) for m in members]
            graph = schema_graph(cluster, members, base)
            doc = _sorted(json.loads(graph.serialize(format="json-ld", context=_CONTEXT)))
            result.works += 1
            result.records += len(members)
            yield (json.dumps(doc, ensure_ascii=False, sort_keys=True) + "\n").encode()

    def rdfxml() -> Iterator[bytes]:
        yield (f'<?xml version="1.0" encoding="UTF-8"?>\n<rdf:RDF xmlns:rdf="{RDF_NS}" '
               f'xmlns:bf="{BF}">\n').encode()  # fmt: skip
        for cluster, members in _works(catalog):
            members = [dict(with_reader_links(m, how)) for m in members]
            graph = bibframe_graph(cluster, members, base)
            doc = etree.fromstring(graph.serialize(format="xml").encode(), secure_xml_parser())
            result.works += 1
            result.records += len(members)
            yield b"".join(etree.tostring(child) + b"\n" for child in _ordered(doc))
        yield b"</rdf:RDF>\n"

    write_whole(result.path, jsonld() if fmt == "jsonld" else rdfxml())
    event(
        "export.linked",
        f"export: {fmt} in {result.path}: {result.works} works, {result.records} records",
        path=str(result.path),
    )
    return result
