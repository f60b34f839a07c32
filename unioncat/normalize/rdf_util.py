"""What the RDF formats (``jsonld``, ``bibframe``) share: reading a graph, and Dublin Core.

A schema.org JSON-LD document and a BIBFRAME RDF/XML file are both graphs once parsed
(rdflib): resources with properties, in no fixed order, named by IRIs or blank.  The
formats differ in their vocabulary, not in how a value is read, so the reading is here:

- **Values in order.** RDF has no order, but an author list does.  rdflib's in-memory
  store keeps the objects of one subject and predicate in the order they were parsed,
  which is the order of the file (a JSON-LD array, repeated RDF/XML elements); every
  reader here keeps that order and drops repeats.
- **Labels.** A value is a literal, or a resource with a name: ``rdfs:label``,
  ``schema:name``, MADS ``authoritativeLabel``, SKOS ``prefLabel``, ``rdf:value``, FOAF
  ``name`` or a Dublin Core title, the first that is there.  Text is cleaned as
  harvested XML text is (white space collapsed, escaped HTML markup dropped).
- **Top level.** Which resources the file describes in their own right, and not only
  as the value of another's property (an author, a host journal, a cited work): each
  format marks them with :data:`TOP_LEVEL`, in file order, before rdflib parses the
  payload, because a graph no longer tells a nested description from a top-level one.
- **Dublin Core.** ``dcterms:`` and ``dc:`` (1.1) terms may describe the same resource
  in either format's graph; :func:`dublin_core` reads title, creator and contributor,
  date and issued, identifier, publisher, subject, language, description and abstract,
  extent, type and isPartOf, each format using them where its own vocabulary is silent.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DC, DCTERMS, FOAF, RDF, RDFS, SKOS
from rdflib.term import Node

from unioncat.normalize import citation
from unioncat.normalize import oai_values as ov
from unioncat.normalize.xml_util import clean_text
from unioncat.schemas.record import Contributor, Identifier, Subject

SCHEMA = Namespace("http://schema.org/")
MADS = Namespace("http://www.loc.gov/mads/rdf/v1#")
# The predicate a payload's top-level descriptions are marked with before parsing; its
# object is the description's place in the payload.
TOP_LEVEL = URIRef("urn:unioncat:top-level")
# The base IRI relative references are resolved against: reserved (RFC 2606), so a
# resolved relative IRI is never mistaken for a real one, and nothing is ever fetched.
RELATIVE_BASE = "http://unioncat.invalid/"

_LABELS = (
    RDFS.label,
    SCHEMA.name,
    MADS.authoritativeLabel,
    SKOS.prefLabel,
    RDF.value,
    FOAF.name,
    DCTERMS.title,
    DC.title,
)
_SCHEME_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def local_name(node: Node | str) -> str:
    """The last segment of an IRI (``Instance`` of ``.../bibframe/Instance``)."""
    text = str(node).rstrip("/#")
    return re.split(r"[/#]", text)[-1] if text else ""


def is_relative(node: Node) -> bool:
    """A reference the file wrote relative to nothing (resolved against the dummy base)."""
    return isinstance(node, URIRef) and str(node).startswith(RELATIVE_BASE)


def iri(node: Node) -> str | None:
    """The IRI of a named resource as the file wrote it; None for a blank node."""
    if not isinstance(node, URIRef):
        return None
    text = str(node)
    if text.startswith(RELATIVE_BASE):
        return text[len(RELATIVE_BASE) :] or None
    return text


def absolute_iri(node: Node) -> str | None:
    """The IRI of a named resource when it names it anywhere (it has a scheme)."""
    text = iri(node)
    return text if text and not is_relative(node) and _SCHEME_LIKE.match(text) else None


def objects(g: Graph, subject: Node, *predicates: URIRef) -> list[Node]:
    """The values of ``subject``'s properties, in file order, each once."""
    out: dict[Node, None] = {}
    for predicate in predicates:
        for value in g.objects(subject, predicate):
            out.setdefault(value, None)
    return list(out)


def types(g: Graph, subject: Node) -> list[URIRef]:
    return [t for t in objects(g, subject, RDF.type) if isinstance(t, URIRef)]


def literal_text(value: Node) -> str | None:
    """A literal's text, cleaned as harvested text is; None for a resource."""
    return clean_text(str(value)) if isinstance(value, Literal) else None


def label(g: Graph, node: Node) -> str | None:
    """A literal's text, or the first name a resource has (see the module's note)."""
    if isinstance(node, Literal):
        return literal_text(node)
    for predicate in _LABELS:
        for value in g.objects(node, predicate):
            found = literal_text(value)
            if found:
                return found
    return None


def labels(g: Graph, subject: Node, *predicates: URIRef, iris: bool = False) -> list[str]:
    """The text of each value: a literal's, a resource's label, or (``iris``) the IRI
    of a resource without a label (a URL written as a resource)."""
    out: list[str] = []
    for value in objects(g, subject, *predicates):
        found = label(g, value)
        if found is None and iris:
            found = absolute_iri(value)
        if found and found not in out:
            out.append(found)
    return out


def first_label(g: Graph, subject: Node, *predicates: URIRef) -> str | None:
    found = labels(g, subject, *predicates)
    return found[0] if found else None


def top_level(g: Graph) -> list[Node]:
    """The resources the payload describes at its top level, in the payload's order."""
    marked: list[tuple[int, Node]] = []
    for subject, place in g.subject_objects(TOP_LEVEL):
        try:
            marked.append((int(str(place)), subject))
        except ValueError:
            continue
    return list(dict.fromkeys(s for _, s in sorted(marked, key=lambda m: m[0])))


# the fifteen elements of Dublin Core 1.1 (the dc: namespace has no issued, abstract...)
_DC11 = frozenset(
    "title creator subject description publisher contributor date type format identifier "
    "source language relation coverage rights".split()
)


@dataclass(slots=True)
class DublinCore:
    """The Dublin Core statements about one resource, as texts in file order."""

    titles: list[str] = field(default_factory=list)
    creators: list[str] = field(default_factory=list)
    contributors: list[str] = field(default_factory=list)
    dates: list[str] = field(default_factory=list)
    identifiers: list[str] = field(default_factory=list)
    publishers: list[str] = field(default_factory=list)
    subjects: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    descriptions: list[str] = field(default_factory=list)
    extents: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)
    part_of: list[str] = field(default_factory=list)

    @property
    def any(self) -> bool:
        return bool(self.titles or self.creators or self.identifiers or self.dates)


def dublin_core(g: Graph, subject: Node) -> DublinCore:
    """What ``dcterms:`` and ``dc:`` say about ``subject`` (the module's note)."""

    def both(*names: str, iris: bool = False) -> list[str]:
        predicates = [DCTERMS[n] for n in names] + [DC[n] for n in names if n in _DC11]
        return labels(g, subject, *predicates, iris=iris)

    return DublinCore(
        titles=both("title"),
        creators=both("creator"),
        contributors=both("contributor"),
        dates=both("issued", "date", "created"),
        identifiers=both("identifier", iris=True),
        publishers=both("publisher"),
        subjects=both("subject"),
        languages=both("language", iris=True),
        descriptions=both("abstract", "description"),
        extents=both("extent"),
        types=both("type", iris=True),
        part_of=both("isPartOf"),
    )


def dc_contributors(dc: DublinCore) -> list[Contributor]:
    """``creator`` as authors and ``contributor`` as contributors, names as written
    ("Family, Given", or an organisation's name)."""
    out: list[Contributor] = []
    for names, role in ((dc.creators, "author"), (dc.contributors, "contributor")):
        for name in names:
            found = citation.person(name, role=role)
            if found is not None:
                out.append(found)
    return out


def dc_identifiers(values: Iterable[str]) -> list[Identifier]:
    """Each identifier as written, to its scheme (a DOI URL is a DOI, an ISBN an ISBN)."""
    out: list[Identifier] = []
    for value in values:
        found = ov.parse_identifier(value)
        if found is not None:
            out.append(found)
    return out


def dc_subjects(dc: DublinCore) -> list[Subject]:
    return [Subject(term=s) for s in dc.subjects]


def unique_identifiers(ids: Iterable[Identifier]) -> list[Identifier]:
    """Identifiers each once by scheme and value, the first kept (it has the qualifier
    the file gave first)."""
    seen: set[tuple[str, str]] = set()
    out: list[Identifier] = []
    for ident in ids:
        key = (ident.scheme, ident.value)
        if key not in seen:
            seen.add(key)
            out.append(ident)
    return out
