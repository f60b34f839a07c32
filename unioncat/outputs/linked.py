"""Linked data out: a work and its members as schema.org and as BIBFRAME 2, with rdflib.

A cluster is one work; its members are the forms the catalog holds it in.

- **schema.org** (JSON-LD): the work is a ``CreativeWork`` of the members' type whose
  ``workExample``\\ s are the members (``exampleOfWork`` back), each with its
  ``bookFormat`` where it has one (``EBook``; ``Hardcover`` and ``Paperback`` as the
  ISBN's qualifier says; ``AudiobookFormat``), its identifiers both as ``isbn``/``issn``
  and as ``PropertyValue``\\ s (``propertyID`` the scheme), its names, publisher, date,
  language, links (``url``), and an article's host as the ``isPartOf`` chain
  ``PublicationIssue`` -> ``PublicationVolume`` -> ``Periodical`` with
  ``pageStart``/``pageEnd``.
- **BIBFRAME 2**, as LC's marc2bibframe2 writes it: the work is a ``bf:Work`` (title,
  contributions with their agents and roles, subjects, language); each member a
  ``bf:Instance`` (``bf:Print`` or ``bf:Electronic`` by its medium) ``bf:instanceOf`` the
  work, with its title, ``bf:provisionActivity`` (``bf:Publication``: agent, date,
  place), ``bf:identifiedBy`` (``bf:Isbn``, ``bf:Issn``, ``bf:Doi``, ``bf:Lccn`` with
  ``rdf:value``) and extent; each holding a ``bf:Item`` ``bf:itemOf`` its instance,
  ``bf:heldBy`` the holder, with its shelf mark.

Node IRIs are ``<base>/work/<cluster id>`` and ``<base>/record/<record id>``: stable as
the ids are (see the cluster id rules).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, XSD

from unioncat.outputs.rows import full_title, items

SDO = Namespace("http://schema.org/")
BF = Namespace("http://id.loc.gov/ontologies/bibframe/")
DEFAULT_BASE = "urn:unioncat"

_SDO_TYPES = {
    "book": "Book", "book_set": "Book", "proceedings": "Book", "report": "Report",
    "thesis": "Thesis", "book_chapter": "Chapter", "proceedings_paper": "ScholarlyArticle",
    "journal_article": "ScholarlyArticle", "newspaper_article": "NewsArticle",
    "journal": "Periodical", "journal_issue": "PublicationIssue", "dataset": "Dataset",
    "computer_file": "SoftwareApplication", "musical_sound_recording": "MusicRecording",
    "nonmusical_sound_recording": "AudioObject", "sound_recording": "AudioObject",
    "projected_medium": "Movie", "cartographic_material": "Map", "notated_music": "SheetMusic",
    "still_image": "VisualArtwork", "manuscript": "Manuscript",
}  # fmt: skip
_BOOKISH = frozenset({"Book", "Report", "Thesis"})
_BF_IDS = {"isbn": "Isbn", "issn": "Issn", "issn_l": "IssnL", "doi": "Doi", "lccn": "Lccn",
           "oclc": "OclcNumber", "ismn": "Ismn", "ean": "Ean", "uri": "Identifier"}  # fmt: skip
_BF_INSTANCE = {"print": "Print", "electronic": "Electronic", "microform": "Microform"}


class Work(Graph):
    """A graph of one work whose blank nodes are numbered, not random: the same catalog
    exports the same bytes."""

    def __init__(self, stem: str) -> None:
        super().__init__()
        self._stem = "".join(ch for ch in stem if ch.isalnum())
        self._count = 0

    def blank(self) -> BNode:
        self._count += 1
        return BNode(f"{self._stem}n{self._count}")


def node_iri(base: str, kind: str, ident: str) -> URIRef:
    return URIRef(f"{base.rstrip('/')}/{kind}/{ident}")


def _book_format(row: Mapping[str, Any]) -> URIRef | None:
    medium = row.get("medium")
    if medium == "electronic":
        return SDO.EBook
    if medium == "audio":
        return SDO.AudiobookFormat
    for ident in items(row.get("identifiers")):
        qualifier = str(ident.get("qualifier") or "").lower()
        if "pbk" in qualifier or "paperback" in qualifier:
            return SDO.Paperback
        if "hbk" in qualifier or "hardcover" in qualifier or "cloth" in qualifier:
            return SDO.Hardcover
    return None


def _agent(g: Work, contributor: Mapping[str, Any]) -> BNode:
    agent = g.blank()
    kind = contributor.get("kind") or "person"
    g.add((agent, RDF.type, SDO.Person if kind == "person" else SDO.Organization))
    g.add((agent, SDO.name, Literal(contributor["name"])))
    if contributor.get("family"):
        g.add((agent, SDO.familyName, Literal(contributor["family"])))
    if contributor.get("given"):
        g.add((agent, SDO.givenName, Literal(contributor["given"])))
    for ident in items(contributor.get("identifiers")):
        if ident.get("scheme") == "orcid" and ident.get("value"):
            g.add((agent, SDO.sameAs, URIRef(f"https://orcid.org/{ident['value']}")))
    return agent


def _schema_member(g: Work, base: str, row: Mapping[str, Any]) -> URIRef:
    node = node_iri(base, "record", str(row["id"]))
    kind = _SDO_TYPES.get(str(row.get("type")), "CreativeWork")
    g.add((node, RDF.type, SDO[kind]))
    title = full_title(row)
    if title:
        g.add((node, SDO.name, Literal(title)))
    for c in items(row.get("contributors")):
        if c.get("name"):
            role = str(c.get("role") or "")
            prop = SDO.editor if "editor" in role else (
                SDO.translator if "translator" in role else SDO.author)  # fmt: skip
            g.add((node, prop, _agent(g, c)))
    if row.get("publisher"):
        publisher = g.blank()
        g.add((publisher, RDF.type, SDO.Organization))
        g.add((publisher, SDO.name, Literal(row["publisher"])))
        g.add((node, SDO.publisher, publisher))
    when = row.get("date") or row.get("year")
    if when:
        g.add((node, SDO.datePublished, Literal(str(when))))
    for language in row.get("language") or []:
        g.add((node, SDO.inLanguage, Literal(language)))
    if row.get("edition"):
        g.add((node, SDO.bookEdition, Literal(row["edition"])))
    if row.get("page_count"):
        g.add((node, SDO.numberOfPages, Literal(int(row["page_count"]), datatype=XSD.integer)))
    fmt = _book_format(row) if kind in _BOOKISH else None
    if fmt is not None:
        g.add((node, SDO.bookFormat, fmt))
    for ident in items(row.get("identifiers")):
        scheme, value = ident.get("scheme"), ident.get("value")
        if not value or (ident.get("status") or "valid") != "valid":
            continue
        if scheme == "isbn":
            g.add((node, SDO.isbn, Literal(value)))
        elif scheme in ("issn", "issn_l") and kind == "Periodical":
            g.add((node, SDO.issn, Literal(value)))
        pv = g.blank()
        g.add((pv, RDF.type, SDO.PropertyValue))
        g.add((pv, SDO.propertyID, Literal(scheme)))
        g.add((pv, SDO.value, Literal(value)))
        g.add((node, SDO.identifier, pv))
    for subject in items(row.get("subjects")):
        if subject.get("term"):
            g.add((node, SDO.keywords, Literal(subject["term"])))
    if row.get("abstract"):
        g.add((node, SDO.description, Literal(row["abstract"])))
    for access in items(row.get("access")):
        url = str(access.get("url") or "")
        if url.startswith(("http://", "https://")):
            g.add((node, SDO.url, URIRef(url)))
        if access.get("authentication") == "open" or access.get("kind") == "open":
            g.add((node, SDO.isAccessibleForFree, Literal(True)))
    host = row.get("host")
    if isinstance(host, Mapping) and (host.get("title") or host.get("identifiers")):
        _schema_host(g, node, host, kind)
    return node


def _schema_host(g: Work, node: URIRef, host: Mapping[str, Any], kind: str) -> None:
    whole = g.blank()
    g.add((whole, RDF.type, SDO.Book if kind == "Chapter" else SDO.Periodical))
    if host.get("title"):
        g.add((whole, SDO.name, Literal(host["title"])))
    for ident in items(host.get("identifiers")):
        scheme, value = ident.get("scheme"), ident.get("value")
        if scheme in ("issn", "issn_l") and value:
            g.add((whole, SDO.issn, Literal(value)))
        elif scheme == "isbn" and value:
            g.add((whole, SDO.isbn, Literal(value)))
    parent = whole
    if host.get("volume"):
        volume = g.blank()
        g.add((volume, RDF.type, SDO.PublicationVolume))
        g.add((volume, SDO.volumeNumber, Literal(str(host["volume"]))))
        g.add((volume, SDO.isPartOf, parent))
        parent = volume
    if host.get("issue"):
        issue = g.blank()
        g.add((issue, RDF.type, SDO.PublicationIssue))
        g.add((issue, SDO.issueNumber, Literal(str(host["issue"]))))
        g.add((issue, SDO.isPartOf, parent))
        parent = issue
    g.add((node, SDO.isPartOf, parent))
    if host.get("first_page"):
        g.add((node, SDO.pageStart, Literal(str(host["first_page"]))))
    if host.get("last_page"):
        g.add((node, SDO.pageEnd, Literal(str(host["last_page"]))))


def schema_graph(
    cluster: Mapping[str, Any] | None, members: Sequence[Mapping[str, Any]], base: str
) -> Graph:
    """One work as schema.org: the cluster's node with every member as a workExample
    (a record outside any cluster is its own node, with no work above it)."""
    stem = str(cluster["cluster_id"]) if cluster is not None else str(members[0]["id"])
    g = Work(stem)
    g.bind("schema", SDO)
    nodes = [_schema_member(g, base, row) for row in members]
    if cluster is None:
        return g
    work = node_iri(base, "work", str(cluster["cluster_id"]))
    kind = _SDO_TYPES.get(str(cluster.get("type")), "CreativeWork")
    g.add((work, RDF.type, SDO[kind]))
    title = full_title(cluster)
    if title:
        g.add((work, SDO.name, Literal(title)))
    for node in nodes:
        g.add((work, SDO.workExample, node))
        g.add((node, SDO.exampleOfWork, work))
    return g


# -- BIBFRAME --------------------------------------------------------------------------------


def _bf_title(g: Work, node: URIRef, row: Mapping[str, Any]) -> None:
    if not row.get("title"):
        return
    title = g.blank()
    g.add((title, RDF.type, BF.Title))
    g.add((title, BF.mainTitle, Literal(row["title"])))
    if row.get("subtitle"):
        g.add((title, BF.subtitle, Literal(row["subtitle"])))
    g.add((node, BF.title, title))


def _bf_instance(g: Work, base: str, work: URIRef, row: Mapping[str, Any]) -> URIRef:
    node = node_iri(base, "record", str(row["id"]))
    g.add((node, RDF.type, BF.Instance))
    kind = _BF_INSTANCE.get(str(row.get("medium")))
    if kind:
        g.add((node, RDF.type, BF[kind]))
    g.add((node, BF.instanceOf, work))
    g.add((work, BF.hasInstance, node))
    _bf_title(g, node, row)
    if row.get("publisher") or row.get("date") or row.get("place"):
        activity = g.blank()
        g.add((activity, RDF.type, BF.Publication))
        if row.get("publisher"):
            agent = g.blank()
            g.add((agent, RDF.type, BF.Agent))
            g.add((agent, RDFS.label, Literal(row["publisher"])))
            g.add((activity, BF.agent, agent))
        if row.get("date") or row.get("year"):
            g.add((activity, BF.date, Literal(str(row.get("date") or row.get("year")))))
        if row.get("place"):
            place = g.blank()
            g.add((place, RDF.type, BF.Place))
            g.add((place, RDFS.label, Literal(row["place"])))
            g.add((activity, BF.place, place))
        g.add((node, BF.provisionActivity, activity))
    for ident in items(row.get("identifiers")):
        scheme, value = str(ident.get("scheme") or ""), ident.get("value")
        if not value:
            continue
        ib = g.blank()
        g.add((ib, RDF.type, BF[_BF_IDS.get(scheme, "Local")]))
        g.add((ib, RDF.value, Literal(value)))
        if ident.get("qualifier"):
            g.add((ib, BF.qualifier, Literal(ident["qualifier"])))
        if (ident.get("status") or "valid") != "valid":
            status = g.blank()
            g.add((status, RDF.type, BF.Status))
            g.add((status, RDFS.label, Literal(str(ident["status"]))))
            g.add((ib, BF.status, status))
        g.add((node, BF.identifiedBy, ib))
    if row.get("extent"):
        extent = g.blank()
        g.add((extent, RDF.type, BF.Extent))
        g.add((extent, RDFS.label, Literal(row["extent"])))
        g.add((node, BF.extent, extent))
    for n, holding in enumerate(items(row.get("holdings"))):
        item = URIRef(f"{node}#item{n + 1}")
        g.add((item, RDF.type, BF.Item))
        g.add((item, BF.itemOf, node))
        g.add((node, BF.hasItem, item))
        if holding.get("holder"):
            agent = g.blank()
            g.add((agent, RDF.type, BF.Agent))
            g.add((agent, RDFS.label, Literal(holding["holder"])))
            g.add((item, BF.heldBy, agent))
        if holding.get("call_number"):
            shelf = g.blank()
            g.add((shelf, RDF.type, BF.ShelfMark))
            g.add((shelf, RDFS.label, Literal(holding["call_number"])))
            g.add((item, BF.shelfMark, shelf))
    return node


def _bf_work(g: Work, work: URIRef, row: Mapping[str, Any], contributors: Iterable[Any]) -> None:
    g.add((work, RDF.type, BF.Work))
    _bf_title(g, work, row)
    for c in contributors:
        name = c.get("name") if isinstance(c, Mapping) else c
        if not name:
            continue
        contribution = g.blank()
        g.add((contribution, RDF.type, BF.Contribution))
        agent = g.blank()
        kind = c.get("kind") if isinstance(c, Mapping) else "person"
        g.add((agent, RDF.type, BF.Person if kind in (None, "person") else BF.Organization))
        g.add((agent, RDFS.label, Literal(name)))
        g.add((contribution, BF.agent, agent))
        role = c.get("role") if isinstance(c, Mapping) else None
        if role:
            term = g.blank()
            g.add((term, RDF.type, BF.Role))
            g.add((term, RDFS.label, Literal(role)))
            g.add((contribution, BF.role, term))
        g.add((work, BF.contribution, contribution))
    for language in row.get("language") or []:
        g.add((work, BF.language, URIRef(f"http://id.loc.gov/vocabulary/languages/{language}")))
    for subject in items(row.get("subjects")):
        if subject.get("term"):
            topic = g.blank()
            g.add((topic, RDF.type, BF.Topic))
            g.add((topic, RDFS.label, Literal(subject["term"])))
            g.add((work, BF.subject, topic))


def bibframe_graph(
    cluster: Mapping[str, Any] | None, members: Sequence[Mapping[str, Any]], base: str
) -> Graph:
    """One work as BIBFRAME: the cluster the Work, its members the Instances (a record
    outside any cluster is a Work of its own)."""
    stem = str(cluster["cluster_id"]) if cluster is not None else str(members[0]["id"])
    g = Work(stem)
    g.bind("bf", BF)
    if cluster is not None:
        work = node_iri(base, "work", str(cluster["cluster_id"]))
        contributors = members[0].get("contributors") if members else cluster.get("contributors")
        subjects_from = {**cluster, "subjects": members[0].get("subjects") if members else []}
        _bf_work(g, work, subjects_from, contributors or [])
    for row in members:
        if cluster is None:
            work = node_iri(base, "work", str(row["id"]))
            _bf_work(g, work, row, row.get("contributors") or [])
        _bf_instance(g, base, work, row)
    return g
