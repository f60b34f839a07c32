"""Simple Dublin Core (``oai_dc``) of a record or a cluster: what every harvester reads.

Fifteen repeatable elements cannot say much, so this is what discovery layers expect of
them: creators (names without a role, or an author's) apart from other contributors,
identifiers as URIs where a scheme has one (https://doi.org/..., urn:isbn:...), the
links a reader follows, the host of an article as its source citation, and the type
twice: as the DCMI Type vocabulary says it, then in the catalog's own words.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from unioncat.outputs.rows import full_title
from unioncat.xmltext import text

OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
OAI_DC_SCHEMA = "http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
DC_NS = "http://purl.org/dc/elements/1.1/"
_OPEN = (
    f'<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    f'xsi:schemaLocation="{OAI_DC_NS} {OAI_DC_SCHEMA}">'
)

# what record_dc reads of a record
COLUMNS = (
    "title", "subtitle", "contributors", "subjects", "abstract", "publisher", "date", "year",
    "type", "medium", "extent", "identifiers", "access", "host", "language", "series",
)  # fmt: skip
_CREATOR_ROLES = frozenset({None, "", "author", "creator", "aut", "cre", "composer", "artist"})
_DCMI_TYPE = {
    "dataset": "Dataset",
    "computer_file": "Software",
    "still_image": "StillImage",
    "projected_medium": "MovingImage",
    "musical_sound_recording": "Sound",
    "nonmusical_sound_recording": "Sound",
    "sound_recording": "Sound",
    "object": "PhysicalObject",
    "kit": "Collection",
    "mixed_materials": "Collection",
    "cartographic_material": "Image",
    "manuscript_cartographic_material": "Image",
}
_URI_PREFIX = {
    "doi": "https://doi.org/",
    "isbn": "urn:isbn:",
    "issn": "urn:issn:",
    "issn_l": "urn:issn:",
    "handle": "https://hdl.handle.net/",
    "pmid": "https://pubmed.ncbi.nlm.nih.gov/",
    "arxiv": "https://arxiv.org/abs/",
    "orcid": "https://orcid.org/",
}


def _dc(name: str, value: object) -> str:
    return f"<dc:{name}>{text(value)}</dc:{name}>"


def identifier_uri(scheme: str, value: str) -> str:
    if value.startswith(("http://", "https://", "urn:")):
        return value
    prefix = _URI_PREFIX.get(scheme)
    return f"{prefix}{value}" if prefix else f"{scheme}:{value}"


def _identifiers(ids: Sequence[Mapping[str, Any]] | None) -> Iterator[str]:
    for ident in ids or ():
        if ident.get("status", "valid") not in (None, "valid"):
            continue  # a cancelled or invalid ISBN identifies nothing
        value, scheme = ident.get("value"), ident.get("scheme")
        if value and scheme:
            yield identifier_uri(str(scheme), str(value))


def _source(host: Mapping[str, Any] | None) -> str | None:
    """An article's host as a citation: "Journal, 12(3), 45-67"."""
    if not host or not host.get("title"):
        return None
    out = str(host["title"])
    if host.get("volume"):
        out += f", {host['volume']}"
        if host.get("issue"):
            out += f"({host['issue']})"
    elif host.get("issue"):
        out += f", no. {host['issue']}"
    first, last = host.get("first_page"), host.get("last_page")
    if first:
        out += f", {first}" + (f"-{last}" if last else "")
    return out


def record_dc(row: Mapping[str, Any]) -> str:
    """``oai_dc`` of a record as the catalog holds it."""
    parts = [_OPEN]
    title = full_title(row)
    if title:
        parts.append(_dc("title", title))
    for contributor in row.get("contributors") or ():
        name = contributor.get("name")
        if name:
            role = contributor.get("role")
            parts.append(_dc("creator" if role in _CREATOR_ROLES else "contributor", name))
    for subject in row.get("subjects") or ():
        if subject.get("term"):
            parts.append(_dc("subject", subject["term"]))
    if row.get("abstract"):
        parts.append(_dc("description", row["abstract"]))
    if row.get("publisher"):
        parts.append(_dc("publisher", row["publisher"]))
    date = row.get("date") or row.get("year")
    if date:
        parts.append(_dc("date", date))
    parts.extend(_types(row.get("type")))
    if row.get("medium") and row["medium"] != "unknown":
        parts.append(_dc("format", row["medium"]))
    if row.get("extent"):
        parts.append(_dc("format", row["extent"]))
    seen: set[str] = set()
    for uri in _identifiers(row.get("identifiers")):
        if uri not in seen:
            seen.add(uri)
            parts.append(_dc("identifier", uri))
    for access in row.get("access") or ():
        url = access.get("url")
        if url and url not in seen:
            seen.add(url)
            parts.append(_dc("identifier", url))
    source = _source(row.get("host"))
    if source:
        parts.append(_dc("source", source))
    for language in row.get("language") or ():
        parts.append(_dc("language", language))
    for series in row.get("series") or ():
        if series.get("title"):
            number = f" ; {series['number']}" if series.get("number") else ""
            parts.append(_dc("relation", f"{series['title']}{number}"))
    parts.append("</oai_dc:dc>")
    return "".join(parts)


def cluster_dc(row: Mapping[str, Any]) -> str:
    """``oai_dc`` of a cluster: the merged record, and its members as relations."""
    parts = [_OPEN]
    title = full_title(row)
    if title:
        parts.append(_dc("title", title))
    for contributor in row.get("contributors") or ():
        name = contributor.get("name") if isinstance(contributor, dict) else contributor
        if name:
            parts.append(_dc("creator", name))
    if row.get("publisher"):
        parts.append(_dc("publisher", row["publisher"]))
    if row.get("year"):
        parts.append(_dc("date", row["year"]))
    parts.extend(_types(row.get("type")))
    for medium in row.get("media") or ():
        parts.append(_dc("format", medium))
    for ident in row.get("identifiers") or ():
        scheme, _, value = str(ident).partition(":")
        parts.append(_dc("identifier", identifier_uri(scheme, value) if value else ident))
    for language in row.get("language") or ():
        parts.append(_dc("language", language))
    for member in row.get("member_rows") or ():
        parts.append(_dc("relation", member["id"]))
    parts.append("</oai_dc:dc>")
    return "".join(parts)


def _types(type_: object) -> Iterator[str]:
    if not type_:
        return
    yield _dc("type", _DCMI_TYPE.get(str(type_), "Text"))
    yield _dc("type", type_)
