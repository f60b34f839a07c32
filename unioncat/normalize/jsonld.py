"""The ``jsonld`` format: schema.org JSON-LD (publishers' pages, DataCite, Google Books).

**Files.** One document, an array of documents, a ``@graph``, or JSON Lines of
documents; the framer ``jsonld-json`` makes each top-level document one frame (a
``@graph`` stays whole: its nodes point at each other by ``@id``), and the normalizer
builds the document's graph with rdflib.  A document larger than the record limit is
refused whole.

**Contexts, never fetched.** ``"@context": "https://schema.org"`` (http or https, with
or without ``/docs/jsonldcontext.jsonld``) is read from the copy of schema.org's own
context bundled in ``contexts/schemaorg.jsonld`` (schema.org release 12.0; a term added
since still expands under its ``@vocab``); any other remote context, and any
``@import``, is refused naming it.  Every context reference in the document, nested
ones too, is replaced or refused before rdflib sees it, so parsing opens no socket.
IRIs in ``https://schema.org/`` are read as the ``http://schema.org/`` ones the context
writes.

**Records.** One per creative work the document describes at its top level (the
document itself, or each member of its ``@graph``): its type (:data:`TYPES`, matched
without regard to case, so DataCite's ``DataSet`` is a data set) gives the record type;
an ``Article`` or ``ScholarlyArticle`` is a journal article when its ``isPartOf`` chain
reaches a periodical, a chapter when it reaches a ``Book``.  A ``PublicationIssue`` or
``PublicationVolume`` that another record is part of is that record's host, not a record.
A top-level node with no type but a ``dcterms:title`` is a record too (Dublin Core).
A record without a name is quarantined, with its document.

- **Title.** ``name``, else ``headline``, else ``dcterms:title``; other names,
  ``headline`` and ``alternativeHeadline`` are variants.  (``alternateName`` is not:
  DataCite writes alternate identifiers there.)
- **Contributors.** ``author`` and ``creator`` as authors, ``editor``, ``contributor``,
  ``translator``, ``illustrator``, ``composer``, ``director``: a ``Person``'s
  ``familyName``/``givenName``, or its ``name`` written given name first; an
  ``Organization``'s ``name``; an ORCID (``@id``, ``identifier`` or ``sameAs``) as the
  contributor's identifier; ``affiliation`` names.  A plain string is a name, or a list
  of them ("McNeill, L.C., Dugan, B., and Zhao, X." is three).
- **Host.** The ``isPartOf`` chain: ``PublicationIssue`` ``issueNumber``,
  ``PublicationVolume`` ``volumeNumber``, and the first other node's ``name``, ``issn``,
  ``isbn`` and DOI; ``pageStart``/``pageEnd`` or ``pagination``; an ISSN or ISBN on the
  part itself is its host's.  A book's ``isPartOf`` a ``BookSeries`` or
  ``CreativeWorkSeries`` is its series (``position`` its number).  A host that is a
  record of the same document is linked by its id.
- **Identifiers.** ``@id`` (a doi.org IRI is the DOI, another IRI a ``uri``),
  ``identifier`` (a ``PropertyValue`` by its ``propertyID``; a string or URL as written),
  ``isbn``, ``issn`` (qualified electronic when it says online or World Wide Web),
  a DOI in ``sameAs``.  The source id is the DOI, else the ``@id``, else the ISBN, else
  a content key.
- **Formats.** ``bookFormat`` (``EBook`` electronic; ``Hardcover``, ``Paperback``,
  ``GraphicNovel`` print; ``AudiobookFormat`` audio) gives the medium; a kind of work that
  exists only online (a ``Dataset``, software, a web page, a blog post, a media object) or
  an ``encodingFormat`` says electronic; otherwise the ``workExample``\\ s, when they all
  agree.  Each ``workExample`` is an ``other_format`` relation with its ISBNs and format;
  ``hasPart`` is ``has_part``, ``translationOfWork`` ``other_edition``, ``isBasedOn``
  and ``exampleOfWork`` ``related``.
- **Date, publisher, language.** ``datePublished`` (else the issue's, ``dcterms:issued``
  or ``date``, ``dateCreated``, ``copyrightYear``); ``publisher``'s name;
  ``inLanguage`` as a code or a ``Language``'s ``alternateName`` or ``name``.
- **Subjects.** ``keywords`` (one string is split at commas, as schema.org says they are
  written; a list is taken item by item), ``DefinedTerm`` names with their term set as
  the scheme, ``about``; ``dcterms:subject``.
- **More.** ``description`` (or ``abstract``) as the abstract, markup dropped;
  ``bookEdition`` (else ``version``) as the edition; ``numberOfPages``.
- **Access.** The DOI's resolver, ``url`` and ``sameAs``; the files: web ``contentUrl``\\ s
  of the node, of its ``distribution`` and ``encoding`` (or the media object's own
  ``@id``), as ``resource`` links; ``open`` when the ``license`` is an open licence or
  ``isAccessibleForFree`` is true, the licence as the note.

Not mapped: ``citation`` (references, not relations of the record), ``funder``,
``provider``, ``includedInDataCatalog``, ``spatialCoverage``, ``image``,
``additionalType``, ``contentSize``, ``dateModified`` (a change of the resource, not of
its description); ``contentUrl``\\ s that no browser opens (``s3://``, ``gs://``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from typing import IO, Any

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DC, DCTERMS, RDF
from rdflib.plugins.parsers.jsonld import Parser
from rdflib.plugins.shared.jsonld.context import Context
from rdflib.term import Node

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing import register_framer
from unioncat.framing.base import RECORD_LIMIT, Frame
from unioncat.framing.json import iter_json_lines, iter_json_objects, looks_like_json
from unioncat.identifiers import doi, isbn, issn, orcid
from unioncat.ids import mint_id
from unioncat.normalize import citation
from unioncat.normalize import oai_values as ov
from unioncat.normalize import rdf_util as ru
from unioncat.normalize.base import register
from unioncat.normalize.languages import language_codes
from unioncat.normalize.rdf_util import SCHEMA as S
from unioncat.schemas.record import (
    Access,
    Contributor,
    Host,
    Identifier,
    Record,
    Relation,
    Series,
    Subject,
)

# schema.org types to record types, the more specific first (an Audiobook is a Book);
# "article" is decided by the host.
TYPES: dict[str, str] = {
    "audiobook": "nonmusical_sound_recording",
    "atlas": "cartographic_material",
    "thesis": "thesis",
    "chapter": "book_chapter",
    "medicalscholarlyarticle": "article",
    "scholarlyarticle": "article",
    **dict.fromkeys(
        ("newsarticle", "analysisnewsarticle", "askpublicnewsarticle",
         "backgroundnewsarticle", "opinionnewsarticle", "reportagenewsarticle",
         "reviewnewsarticle"),
        "newspaper_article",
    ),
    "report": "report",
    **dict.fromkeys(("techarticle", "satiricalarticle", "advertisercontentarticle"), "article"),
    "article": "article",
    "book": "book",
    "periodical": "journal",
    "newspaper": "journal",
    "publicationissue": "journal_issue",
    "comicissue": "journal_issue",
    "publicationvolume": "journal_issue",
    "map": "cartographic_material",
    "sheetmusic": "notated_music",
    "musiccomposition": "notated_music",
    **dict.fromkeys(("musicrecording", "musicalbum", "musicrelease"), "musical_sound_recording"),
    **dict.fromkeys(("podcastepisode", "radioepisode"), "nonmusical_sound_recording"),
    "audioobject": "sound_recording",
    **dict.fromkeys(
        ("movie", "tvepisode", "movieclip", "musicvideoobject", "videoobject"),
        "projected_medium",
    ),
    **dict.fromkeys(
        ("photograph", "painting", "drawing", "poster", "visualartwork", "imageobject",
         "coverart"),
        "still_image",
    ),
    "sculpture": "object",
    "manuscript": "manuscript",
    **dict.fromkeys(("dataset", "datacatalog", "datafeed"), "dataset"),
    **dict.fromkeys(
        ("softwaresourcecode", "softwareapplication", "mobileapplication", "webapplication",
         "videogame"),
        "computer_file",
    ),
    **dict.fromkeys(("collection", "archivecomponent"), "mixed_materials"),
    **dict.fromkeys(
        ("blogposting", "liveblogposting", "socialmediaposting", "discussionforumposting",
         "blog", "webpage", "website", "digitaldocument", "textdigitaldocument",
         "presentationdigitaldocument", "spreadsheetdigitaldocument", "learningresource",
         "course", "guide", "legislation", "play", "shortstory", "review", "bookseries",
         "creativeworkseries", "creativework"),
        "other",
    ),
}  # fmt: skip
# Kinds of work that exist only as files or on the web.
_ONLINE = frozenset(
    ("dataset datacatalog datafeed softwaresourcecode softwareapplication mobileapplication "
     "webapplication videogame blogposting liveblogposting socialmediaposting "
     "discussionforumposting blog webpage website digitaldocument textdigitaldocument "
     "presentationdigitaldocument spreadsheetdigitaldocument mediaobject imageobject "
     "videoobject audioobject musicvideoobject").split()
)  # fmt: skip
_BOOK_FORMATS = {
    "ebook": "electronic",
    "hardcover": "print",
    "paperback": "print",
    "graphicnovel": "print",
    "audiobookformat": "audio",
}
_CONTAINERS = frozenset({"publicationissue", "publicationvolume"})
_PERIODICALS = frozenset({"periodical", "newspaper", "publicationissue", "publicationvolume"})
_SERIES = frozenset({"bookseries", "creativeworkseries"})
_PARTS = frozenset(
    {"journal_article", "book_chapter", "newspaper_article", "journal_issue", "proceedings_paper"}
)
_ORGANIZATIONS = frozenset(
    ("organization corporation educationalorganization collegeoruniversity "
     "governmentorganization ngo researchorganization consortium library "
     "newsmediaorganization performinggroup musicgroup project fundingagency "
     "researchproject airline onlinebusiness").split()
)  # fmt: skip
_ROLES = (
    (S.author, "author"),
    (S.creator, "author"),
    (S.editor, "editor"),
    (S.contributor, "contributor"),
    (S.translator, "translator"),
    (S.illustrator, "illustrator"),
    (S.composer, "composer"),
    (S.director, "director"),
)
_SCHEMES = {
    "doi": "doi",
    "isbn": "isbn",
    "issn": "issn",
    "eissn": "issn",
    "pissn": "issn",
    "issnl": "issn_l",
    "lccn": "lccn",
    "oclc": "oclc",
    "pmid": "pmid",
    "pmcid": "pmcid",
    "pmc": "pmcid",
    "orcid": "orcid",
    "isni": "isni",
    "ismn": "ismn",
    "ean": "ean",
    "gtin13": "ean",
    "url": "uri",
    "uri": "uri",
    "handle": "uri",
    "hdl": "uri",
}
_SCHEMA_ORG_CONTEXT = re.compile(
    r"^https?://(?:www\.)?schema\.org(?:/(?:docs/jsonldcontext\.jsonld?)?)?/?$", re.I
)
_HTTPS_SCHEMA = "https://schema.org/"
# What the top-level nodes of a document are marked with (rdf_util.TOP_LEVEL).
_TOP_KEY = str(ru.TOP_LEVEL)
_INITIALS = re.compile(r"^(?:[A-Z\u00c0-\u00de][a-z]?\.\s*-?\s*)+$")
_AND = re.compile(r"^(?:and|&)\s+", re.I)
_ONLINE_ISSN = re.compile(r"online|electronic|world wide web|internet|e-?issn", re.I)
_PRINT_ISSN = re.compile(r"print|p-?issn", re.I)
# What rdflib's JSON-LD reader raises for a document that is JSON but not JSON-LD (a
# number where a context or an IRI must be): it does not check its input's shape.
_JSONLD_FAULTS = (ValueError, TypeError, AttributeError, KeyError, IndexError)
_DC_TITLES = (DCTERMS.title, DC.title)
_ISNI = re.compile(r"(\d{4})\s*(\d{4})\s*(\d{4})\s*(\d{3}[\dX])", re.I)


# -- framing ---------------------------------------------------------------------------------


def iter_jsonld_documents(stream: IO[bytes]) -> Iterator[Frame]:
    """One frame per top-level document: per line of JSON Lines (cut at line ends, so
    a damaged line costs only itself), else per object of an array or file."""
    if _json_lines(getattr(stream, "head", b"")):
        frames = _iter_lines(stream)
    else:
        frames = iter_json_objects(stream)
    for frame in frames:
        if frame.error is None and len(frame.payload) > RECORD_LIMIT:
            reason = (
                f"JSON-LD document {frame.position} is larger than the record limit of "
                f"{RECORD_LIMIT >> 20} MiB ({len(frame.payload)} bytes); its first "
                f"{RECORD_LIMIT} bytes are kept: split its @graph into smaller documents"
            )
            yield Frame(frame.payload[:RECORD_LIMIT], frame.position, error=reason)
        else:
            yield frame


def _json_lines(head: bytes) -> bool:
    """A file whose first line is a whole JSON object is JSON Lines."""
    first, newline, _rest = head.lstrip(b"\xef\xbb\xbf \t\r\n").partition(b"\n")
    if not newline or not first.lstrip().startswith(b"{"):
        return False
    try:
        return isinstance(json.loads(first), dict)
    except ValueError:
        return False


def _iter_lines(stream: IO[bytes]) -> Iterator[Frame]:
    return iter_json_lines(stream, "JSON-LD document")


def _sniff(head: bytes) -> bool:
    return looks_like_json(head) and (b"@context" in head or b"schema.org" in head)


register_framer(
    "jsonld-json",
    sniff=_sniff,
    description="schema.org JSON-LD (one document, an array, a @graph, or JSON Lines)",
)(iter_jsonld_documents)


# -- the graph -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def schema_org_context() -> dict[str, Any]:
    """schema.org's own context, from the copy bundled with unioncat."""
    path = resources.files("unioncat.normalize").joinpath("contexts/schemaorg.jsonld")
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["@context"]
    return loaded


@lru_cache(maxsize=1)
def _schema_org_base() -> Context:
    """The schema.org context loaded once: loading its 2,700 terms costs more than
    reading a document, so each document starts from a copy of this one."""
    return Context(schema_org_context(), base=ru.RELATIVE_BASE)


def parse_document(payload: bytes) -> Graph:
    """The graph of one JSON-LD document, its top-level nodes marked, no context fetched."""
    try:
        doc = json.loads(payload)
    except UnicodeDecodeError as exc:
        raise RecordError(
            f"the JSON-LD document is not UTF-8 (byte {exc.start} of the document cannot be "
            "read): JSON is UTF-8; convert the file and read it again"
        ) from None
    except ValueError as exc:
        raise RecordError(f"the JSON-LD document is not JSON: {exc}") from None
    except RecursionError:
        raise RecordError("the JSON-LD document is nested too deeply to read") from None
    if not isinstance(doc, dict | list):
        raise RecordError(f"not a JSON-LD document: a JSON {type(doc).__name__}, not an object")
    context = Context(base=ru.RELATIVE_BASE)
    if isinstance(doc, dict) and _starts_with_schema_org(doc):
        context = _schema_org_base().subcontext({})
    try:
        _resolve_contexts(doc)
    except RecursionError:
        raise RecordError("the JSON-LD document is nested too deeply to read") from None
    _mark_top_level(doc)
    graph = Graph()
    try:
        Parser().parse(doc, context, graph)
    except _JSONLD_FAULTS as exc:
        raise RecordError(
            f"the document is JSON but not JSON-LD that can be read ({type(exc).__name__}: "
            f"{exc}); check its @context and @id values"
        ) from None
    return _http_schema_org(graph)


def _starts_with_schema_org(doc: dict[str, Any]) -> bool:
    """Take a leading schema.org context off the document, to start from the loaded one."""
    value = doc.get("@context")
    if isinstance(value, str) and _SCHEMA_ORG_CONTEXT.match(value.strip()):
        del doc["@context"]
        return True
    if isinstance(value, list) and value and isinstance(value[0], str):
        if _SCHEMA_ORG_CONTEXT.match(value[0].strip()):
            doc["@context"] = value[1:]
            return True
    return False


def _resolve_contexts(value: Any) -> None:
    """Every context reference in the document replaced by the bundled schema.org
    context, or refused; nothing is left for rdflib to fetch."""
    if isinstance(value, list):
        for item in value:
            _resolve_contexts(item)
        return
    if not isinstance(value, dict):
        return
    for key, item in list(value.items()):
        if key == "@context":
            value[key] = _local_context(item)
        elif key == "@import":
            raise RecordError(
                f"the document's context imports {item!r} (@import); unioncat never fetches "
                "a context: write the imported terms into the document"
            )
        _resolve_contexts(value[key])


def _local_context(value: Any) -> Any:
    if isinstance(value, str):
        if _SCHEMA_ORG_CONTEXT.match(value.strip()):
            return schema_org_context()
        raise RecordError(
            f"the document's @context is the remote context {value!r}; unioncat never fetches "
            "a context and has only schema.org's: write the context into the document, or "
            'use "https://schema.org"'
        )
    if isinstance(value, list):
        return [_local_context(v) for v in value]
    return value


def _mark_top_level(doc: Any) -> None:
    """Mark the nodes the document describes at its top level: itself, or the members
    of its @graph (or of the array it is)."""
    nodes: list[dict[str, Any]] = []
    for item in doc if isinstance(doc, list) else [doc]:
        if not isinstance(item, dict):
            continue
        graph = item.get("@graph")
        if isinstance(graph, list | dict):
            nodes += [n for n in (graph if isinstance(graph, list) else [graph])
                      if isinstance(n, dict)]  # fmt: skip
            if set(item) - {"@context", "@id", "@graph", "id"}:
                nodes.append(item)
        else:
            nodes.append(item)
    for n, node in enumerate(nodes):
        if not ({"@value", "@list", "@set"} & set(node)):
            node[_TOP_KEY] = n


def _http_schema_org(graph: Graph) -> Graph:
    """The graph with ``https://schema.org/`` IRIs read as the ``http://`` ones (each
    subject's values copied in their order, which a copy of the whole graph would lose)."""
    if not any(
        isinstance(t, URIRef) and str(t).startswith(_HTTPS_SCHEMA)
        for triple in graph
        for t in triple[1:]
    ):
        return graph
    out = Graph()
    for s in dict.fromkeys(graph.subjects()):
        for p in dict.fromkeys(graph.predicates(s)):
            for o in graph.objects(s, p):
                out.add((_http(s), _http(p), _http(o)))
    return out


def _http(node: Any) -> Any:
    if isinstance(node, URIRef) and str(node).startswith(_HTTPS_SCHEMA):
        return URIRef("http://schema.org/" + str(node)[len(_HTTPS_SCHEMA) :])
    return node


# -- mapping ---------------------------------------------------------------------------------


@register("jsonld", framers=("jsonld-json",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One JSON-LD document to a record per creative work it describes."""
    graph = parse_document(envelope.payload)
    return _Document(graph, envelope).records()


class _Document:
    """One document's graph, read for its records."""

    def __init__(self, graph: Graph, envelope: RawEnvelope) -> None:
        self.g = graph
        self.envelope = envelope

    # what the nodes are

    def kinds(self, node: Node) -> list[str]:
        """The node's schema.org types, lower-cased local names."""
        return [
            ru.local_name(t).lower() for t in ru.types(self.g, node)
            if str(t).startswith(str(S))
        ]  # fmt: skip

    def work_type(self, node: Node) -> str | None:
        kinds = self.kinds(node)
        return next((TYPES[k] for k in TYPES if k in kinds), None)

    def is_dublin_core(self, node: Node) -> bool:
        """A resource described in Dublin Core terms only (no type, or a DC type)."""
        typed = ru.types(self.g, node)
        dc_typed = any(str(t).startswith(("http://purl.org/dc/", "http://purl.org/dc/dcmitype/"))
                       for t in typed)  # fmt: skip
        return (dc_typed or not typed) and bool(ru.dublin_core(self.g, node).titles)

    def chain(self, node: Node) -> list[Node]:
        """The isPartOf chain upwards (issue, volume, periodical), cycles cut."""
        out: list[Node] = []
        current = node
        for _ in range(8):
            parents = ru.objects(self.g, current, S.isPartOf, DCTERMS.isPartOf)
            parents = [p for p in parents if not isinstance(p, Literal)]
            if not parents or parents[0] in out or parents[0] == node:
                break
            current = parents[0]
            out.append(current)
        return out

    # the records

    def records(self) -> list[Record]:
        tops = ru.top_level(self.g)
        found = [n for n in tops if self.work_type(n) is not None or self.is_dublin_core(n)]
        hosts = {p for n in found for p in self.chain(n)[:2]}
        found = [n for n in found if not (n in hosts and set(self.kinds(n)) & _CONTAINERS)]
        if not found:
            raise RecordError(self._nothing_reason(tops))
        keys = {n: self.source_id(n) for n in found}
        return [self.record(n, keys) for n in found]

    def _nothing_reason(self, tops: list[Node]) -> str:
        seen = sorted({ru.local_name(t) for n in tops for t in ru.types(self.g, n)})
        if all(p == ru.TOP_LEVEL for p in self.g.predicates()):
            return (
                "the JSON-LD document describes nothing as linked data (no @context, or "
                'keys no context defines): add "@context": "https://schema.org"'
            )
        what = (
            f"its top-level nodes are {', '.join(seen)}"
            if seen
            else "its top-level nodes have no @type"
        )
        return (
            f"the JSON-LD document describes no creative work: {what}; a record is made of "
            "a Book, Chapter, ScholarlyArticle, Article, Dataset, Thesis, Periodical or "
            "another schema.org creative work"
        )

    def source_id(self, node: Node) -> str:
        ids = self.own_identifiers(node)
        for ident in ids:
            if ident.scheme == "doi":
                return ident.value
        named = ru.absolute_iri(node)
        if named:
            return named
        for ident in ids:
            if ident.scheme == "isbn" and ident.status == "valid":
                return ident.value
        title = self.title(node)
        _date, year = self.date(node)
        host = self.host(node, {}, self.record_type(node))
        names = [c.name for c in self.contributors(node)]
        return citation.content_key(
            title, year, names, host.title if host else None, host.first_page if host else None
        )

    def record(self, node: Node, keys: dict[Node, str]) -> Record:
        rtype = self.record_type(node)
        title = self.title(node)
        if not title:
            label = ru.absolute_iri(node) or "a node without @id"
            kind = next(iter(self.kinds(node)), "resource")
            raise RecordError(
                f"a schema.org {kind} without a name ({label}): no name, headline or "
                "dcterms:title, nothing to catalog"
            )
        source_id = keys[node]
        ids = self.own_identifiers(node)
        host = self.host(node, keys, rtype)
        if rtype in _PARTS and host is not None:
            # an ISSN or ISBN on an article or chapter names its journal or book
            moved = [i for i in ids if i.scheme in ("issn", "issn_l", "isbn")]
            host.identifiers = ru.unique_identifiers(host.identifiers + moved)
            ids = [i for i in ids if i not in moved]
        date, year = self.date(node)
        medium, evidence = self.medium(node)
        dc = ru.dublin_core(self.g, node)
        publisher = ru.first_label(self.g, node, S.publisher) or next(iter(dc.publishers), None)
        variants = [
            t
            for t in ru.labels(self.g, node, S.name, S.headline, S.alternativeHeadline, *_DC_TITLES)
            if t != title
        ]
        return Record(
            id=mint_id(self.envelope.source, source_id),
            source=self.envelope.source,
            source_id=source_id,
            source_format=self.envelope.format,
            type=rtype,
            medium=medium,
            medium_evidence=evidence,
            title=title,
            title_variants=variants,
            contributors=self.contributors(node),
            publisher=publisher,
            date=date,
            year=year,
            edition=ru.first_label(self.g, node, S.bookEdition, S.version),
            language=self.languages(node),
            identifiers=ids,
            host=host,
            relations=self.relations(node),
            subjects=self.subjects(node),
            abstract=ru.first_label(self.g, node, S.description, S.abstract)
            or next(iter(dc.descriptions), None),
            extent=next(iter(dc.extents), None),
            page_count=self.page_count(node),
            series=self.series(node, rtype),
            access=self.access(node, ids, publisher),
            datestamp=self.envelope.datestamp,
            harvested_at=self.envelope.fetched_at,
            raw_ref=raw_ref(self.envelope),
        )

    def record_type(self, node: Node) -> str:
        found = self.work_type(node)
        if found is None:
            return ov.record_type(ru.dublin_core(self.g, node).types) or "other"
        if found != "article":
            return found
        scholarly = any(k.endswith("scholarlyarticle") for k in self.kinds(node))
        for parent in self.chain(node):
            kinds = set(self.kinds(parent))
            if kinds & {"book", "chapter"}:
                return "book_chapter"
            if kinds & _PERIODICALS:
                return "journal_article"
        return "journal_article" if scholarly else "other"

    def title(self, node: Node) -> str | None:
        return ru.first_label(self.g, node, S.name, S.headline, *_DC_TITLES)

    def date(self, node: Node) -> tuple[str | None, int | None]:
        candidates = ru.labels(self.g, node, S.datePublished)
        for parent in self.chain(node):
            candidates += ru.labels(self.g, parent, S.datePublished)
        candidates += ru.dublin_core(self.g, node).dates
        candidates += ru.labels(self.g, node, S.dateCreated, S.copyrightYear)
        for value in candidates:
            date, year = citation.date_of(value)
            if date:
                return date, year
        return None, None

    # names

    def contributors(self, node: Node) -> list[Contributor]:
        out: list[Contributor] = []
        seen: set[tuple[str, str | None]] = set()
        for predicate, role in _ROLES:
            for value in self._members(ru.objects(self.g, node, predicate)):
                for person in self.people(value, role):
                    if (person.name, person.role) not in seen:
                        seen.add((person.name, person.role))
                        out.append(person)
        if not out:
            out = ru.dc_contributors(ru.dublin_core(self.g, node))
        return out

    def _members(self, values: list[Node]) -> list[Node]:
        """Values with an RDF list (a JSON-LD @list) opened into its items."""
        out: list[Node] = []
        for value in values:
            if not isinstance(value, Literal) and (value, RDF.first, None) in self.g:
                out += list(self.g.items(value))
            else:
                out.append(value)
        return out

    def people(self, value: Node, role: str) -> list[Contributor]:
        if isinstance(value, Literal):
            return [p for name in names_in(str(value)) if (p := _person(name, role))]
        kinds = set(self.kinds(value))
        given = ru.first_label(self.g, value, S.givenName)
        family = ru.first_label(self.g, value, S.familyName)
        name = ru.first_label(self.g, value, S.name)
        ids = self.person_ids(value)
        affiliations = ru.labels(self.g, value, S.affiliation)
        organisation = bool(kinds & _ORGANIZATIONS) or any(
            k.endswith("organization") for k in kinds
        )
        if organisation and name:
            return [Contributor(name=name, role=role, kind="organization", identifiers=ids,
                                affiliations=affiliations)]  # fmt: skip
        if family:
            return [Contributor(name=f"{family}, {given}" if given else family, family=family,
                                given=given, role=role, identifiers=ids,
                                affiliations=affiliations)]  # fmt: skip
        if name:
            found = citation.person(name, role=role, given_first="person" in kinds or not kinds,
                                    affiliations=affiliations)  # fmt: skip
            if found is not None:
                found.identifiers = ids
                return [found]
        return []

    def person_ids(self, value: Node) -> list[Identifier]:
        texts = [t for t in [ru.absolute_iri(value)] if t]
        texts += ru.labels(self.g, value, S.identifier, S.sameAs, iris=True)
        out: list[Identifier] = []
        for raw in texts:
            low = raw.lower()
            found = orcid(raw) if "orcid" in low else _isni(raw) if "isni" in low else None
            if found is not None:
                out.append(found)
        return ru.unique_identifiers(out)

    # identifiers

    def own_identifiers(self, node: Node) -> list[Identifier]:
        out: list[Identifier] = []
        named = ru.absolute_iri(node)
        if named:
            found = ov.parse_identifier(named)
            if found is not None:
                out.append(found)
        out += self.identifiers_of(node)
        return ru.unique_identifiers(out)

    def identifiers_of(self, node: Node) -> list[Identifier]:
        out: list[Identifier] = []
        for value in ru.objects(self.g, node, S.identifier, DCTERMS.identifier):
            out += self._identifier(value)
        for raw in ru.labels(self.g, node, S.isbn):
            if (found := isbn(raw)) is not None:
                out.append(found)
        for raw in ru.labels(self.g, node, S.issn):
            if (found := issn(raw)) is not None:
                found.qualifier = (
                    "electronic" if _ONLINE_ISSN.search(raw)
                    else "print" if _PRINT_ISSN.search(raw) else None
                )  # fmt: skip
                out.append(found)
        for raw in ru.labels(self.g, node, S.sameAs, iris=True):
            if "doi.org/10." in raw.lower() and (found := doi(raw)) is not None:
                out.append(found)
        return out

    def _identifier(self, value: Node) -> list[Identifier]:
        if isinstance(value, Literal) or (value, S.value, None) not in self.g:
            raw = ru.literal_text(value) if isinstance(value, Literal) else ru.absolute_iri(value)
            written = ov.parse_identifier(raw) if raw else None
            return [written] if written is not None else []
        raw_value = ru.first_label(self.g, value, S.value)
        kind = ru.first_label(self.g, value, S.propertyID) or ""
        if not raw_value:
            return []
        name = re.sub(r"[^a-z0-9]", "", ru.local_name(kind).lower())
        scheme = _SCHEMES.get(name)
        found: Identifier | None
        if scheme == "doi":
            found = doi(raw_value)
        elif scheme == "isbn":
            found = isbn(raw_value)
        elif scheme in ("issn", "issn_l"):
            found = issn(raw_value, scheme=scheme)
        elif scheme == "orcid":
            found = orcid(raw_value)
        elif scheme == "uri" and name in ("handle", "hdl"):
            found = Identifier("uri", ov.handle_uri(raw_value), None, "valid", raw_value)
        elif scheme is not None:
            found = Identifier(scheme, raw_value, None, "valid", raw_value)
        else:
            found = Identifier("local", raw_value, kind or None, "valid", raw_value)
        if found is not None and name in ("eissn", "pissn"):
            found.qualifier = "electronic" if name == "eissn" else "print"
        return [found] if found is not None else []

    # host, series, relations

    def host(self, node: Node, keys: dict[Node, str], rtype: str) -> Host | None:
        chain = self.chain(node)
        if not chain or (rtype not in _PARTS and set(self.kinds(chain[0])) & _SERIES):
            return None
        volume = issue = None
        if "publicationissue" in self.kinds(node):
            issue = ru.first_label(self.g, node, S.issueNumber)
        titled: Node | None = None
        ids: list[Identifier] = []
        for parent in chain:
            kinds = set(self.kinds(parent))
            if "publicationissue" in kinds and issue is None:
                issue = ru.first_label(self.g, parent, S.issueNumber)
            elif "publicationvolume" in kinds and volume is None:
                volume = ru.first_label(self.g, parent, S.volumeNumber)
            elif titled is None and self.title(parent):
                titled = parent
            ids += self.own_identifiers(parent)
        if titled is None:
            titled = next((p for p in chain if self.title(p)), None)
        first_page = ru.first_label(self.g, node, S.pageStart)
        last_page = ru.first_label(self.g, node, S.pageEnd)
        if first_page is None:
            first_page, last_page = citation.page_range(ru.first_label(self.g, node, S.pagination))
        host_key = keys.get(titled) if titled is not None else None
        return Host(
            id=mint_id(self.envelope.source, host_key) if host_key else None,
            title=self.title(titled) if titled is not None else None,
            identifiers=ru.unique_identifiers(
                i for i in ids if i.scheme in ("issn", "issn_l", "isbn", "doi")
            ),
            volume=volume,
            issue=issue,
            first_page=first_page,
            last_page=last_page,
        )

    def series(self, node: Node, rtype: str) -> list[Series]:
        chain = self.chain(node)
        if rtype in _PARTS or not chain or not set(self.kinds(chain[0])) & _SERIES:
            return []
        title = self.title(chain[0])
        if not title:
            return []
        issns = [i.value for i in self.own_identifiers(chain[0]) if i.scheme == "issn"]
        number = ru.first_label(self.g, node, S.position, S.volumeNumber)
        return [Series(title=title, number=number, issn=next(iter(issns), None))]

    def relations(self, node: Node) -> list[Relation]:
        out: list[Relation] = []
        for predicate, kind in (
            (S.workExample, "other_format"),
            (S.hasPart, "has_part"),
            (S.translationOfWork, "other_edition"),
            (S.workTranslation, "other_edition"),
            (S.isBasedOn, "related"),
            (S.exampleOfWork, "related"),
        ):
            for value in ru.objects(self.g, node, predicate):
                if isinstance(value, Literal):
                    continue
                ids = self.own_identifiers(value)
                formats = self.book_formats(value)
                title = self.title(value)
                if not (ids or title):
                    continue
                note = ", ".join(formats) or None
                out.append(Relation(type=kind, title=title, identifiers=ids, note=note))
        return out

    # medium

    def book_formats(self, node: Node) -> list[str]:
        return [
            ru.local_name(v) for v in ru.labels(self.g, node, S.bookFormat, iris=True)
            if ru.local_name(v).lower() in _BOOK_FORMATS
        ]  # fmt: skip

    def medium(self, node: Node) -> tuple[str, list[str]]:
        formats = self.book_formats(node)
        if formats:
            return _BOOK_FORMATS[formats[0].lower()], [f"schema.org bookFormat {formats[0]}"]
        online = [k for k in self.kinds(node) if k in _ONLINE]
        if online:
            return "electronic", [f"schema.org type {online[0]}: exists online"]
        encoding = ru.first_label(self.g, node, S.encodingFormat, S.fileFormat)
        if encoding:
            return "electronic", [f"schema.org encodingFormat {encoding}"]
        examples = [
            f for e in ru.objects(self.g, node, S.workExample) for f in self.book_formats(e)
        ]
        media = {_BOOK_FORMATS[f.lower()] for f in examples}
        if len(media) == 1:
            return media.pop(), [f"schema.org workExample formats {', '.join(examples)}"]
        return "unknown", []

    # subjects, language, pages, access

    def subjects(self, node: Node) -> list[Subject]:
        out: list[Subject] = []
        keywords = ru.objects(self.g, node, S.keywords)
        literals = [ru.literal_text(k) for k in keywords if isinstance(k, Literal)]
        terms = [t for t in literals if t]
        if len(terms) == 1:
            terms = [t for t in (citation.clean(p) for p in terms[0].split(",")) if t]
        out += [Subject(term=t) for t in terms]
        for value in keywords + ru.objects(self.g, node, S.about):
            if isinstance(value, Literal):
                if value in ru.objects(self.g, node, S.about):
                    term = ru.literal_text(value)
                    if term:
                        out.append(Subject(term=term))
                continue
            term = ru.label(self.g, value)
            if term:
                scheme = ru.first_label(self.g, value, S.inDefinedTermSet)
                out.append(Subject(term=term, scheme=scheme))
        out += ru.dc_subjects(ru.dublin_core(self.g, node))
        seen: set[tuple[str, str | None]] = set()
        unique = []
        for subject in out:
            if (subject.term, subject.scheme) not in seen:
                seen.add((subject.term, subject.scheme))
                unique.append(subject)
        return unique

    def languages(self, node: Node) -> list[str]:
        values: list[str] = []
        for value in ru.objects(self.g, node, S.inLanguage, DCTERMS.language):
            if isinstance(value, Literal):
                values.append(str(value))
            else:
                values += ru.labels(self.g, value, S.alternateName, S.name, iris=True)[:1]
        return language_codes(values)

    def page_count(self, node: Node) -> int | None:
        for raw in ru.labels(self.g, node, S.numberOfPages):
            if raw.isdigit() and 0 < int(raw) <= 1_000_000:
                return int(raw)
        return None

    def access(self, node: Node, ids: list[Identifier], publisher: str | None) -> list[Access]:
        licences = ru.labels(self.g, node, S.license, DCTERMS.license, iris=True)
        kind = ov.access_kind(licences)
        free = ru.first_label(self.g, node, S.isAccessibleForFree)
        if free and free.lower() in ("true", "1", "yes"):
            kind = "open"
        note = licences[0] if licences else None
        links = [f"https://doi.org/{i.value}" for i in ids if i.scheme == "doi"][:1]
        links += ru.labels(self.g, node, S.url, S.sameAs, iris=True)
        files: list[str] = ru.labels(self.g, node, S.contentUrl, iris=True)
        for part in ru.objects(self.g, node, S.distribution, S.encoding):
            # a media object is named by its file's URL when it gives no contentUrl
            found = ru.labels(self.g, part, S.contentUrl, iris=True)
            files += found or [u for u in [ru.absolute_iri(part)] if u]
        out: list[Access] = []
        seen: set[str] = set()
        for url, relationship in [(u, None) for u in links] + [(u, "resource") for u in files]:
            if not ov.is_url(url) or url in seen or "orcid.org/" in url:
                continue
            seen.add(url)
            out.append(Access(url=url, kind=kind, provider=publisher, note=note,
                              relationship=relationship))  # fmt: skip
        return out


def _isni(raw: str) -> Identifier | None:
    m = _ISNI.search(raw)
    return Identifier("isni", "".join(m.groups()).upper(), None, "valid", raw) if m else None


def _person(name: str, role: str) -> Contributor | None:
    return citation.person(name, role=role, given_first="," not in name)


def names_in(text: str) -> list[str]:
    """The names one string holds: one name, names split by semicolons, or a citation's
    list "Family, I., Family, I., and Family, I." (only when every other part is initials,
    so "Smith, John" stays one name)."""
    value = citation.clean(text)
    if not value:
        return []
    if ";" in value:
        return [n for n in (citation.clean(p) for p in value.split(";")) if n]
    parts = [p.strip() for p in value.split(",")]
    if len(parts) >= 4 and len(parts) % 2 == 0:
        families, initials = parts[0::2], parts[1::2]
        if all(_INITIALS.match(i) for i in initials) and all(families):
            return [f"{_AND.sub('', f)}, {i}" for f, i in zip(families, initials, strict=True)]
    return [value]
