"""The ``bibframe`` format: BIBFRAME 2 RDF/XML, as LC's marc2bibframe2 writes it.

A BIBFRAME description is a ``bf:Work`` (what was written, by whom, about what), the
``bf:Instance``\\ s that publish it (title as printed, publisher, date, identifiers,
extent, carrier) and the ``bf:Item``\\ s that a library holds of them, linked by
``bf:instanceOf``/``bf:hasInstance`` and ``bf:itemOf``/``bf:hasItem``.  marc2bibframe2
writes each MARC record as a Work, its Instance and its Items, one after another
(siblings under ``rdf:RDF``, or nested in each other), one ``rdf:RDF`` per record or
many records in one.

**Framing** (``bibframe-rdfxml``).  The file is read as a stream of bytes and cut at
the element level, without building the document: each child of an ``rdf:RDF`` (or
a lone node element that is the whole document) is one description, parsed on its own
with the namespaces its ancestors declare (entities, DTDs and the network off, as for
all XML).  Descriptions that belong together are framed together: a Work, the Instances
it ``hasInstance`` (or that are ``instanceOf`` it), their Items, and whatever shares a
blank node (``rdf:nodeID``) with them; a description linked to none (a ``bf:Agent``
written beside its record) joins the one before it.  A file that fits the record limit
is grouped whole, in any order; a larger one is grouped as it streams, so a record's
parts must stand within 16 MiB of each other (marc2bibframe2 writes them side by side),
and a description that points back to one already framed is refused naming the link.
A description that does not parse, and one the file ends inside, is an error frame of
its own: the others still land.  A DOCTYPE that declares entities refuses the file:
entities are never expanded.

**Records.**  One per ``bf:Instance`` (``bf:Print``, ``bf:Electronic``, ``bf:Manuscript``
...) the frame describes at its top level or as an Instance of a top-level Work (an
Instance described inside a relation, such as a ``bf:otherPhysicalFormat``, is that
relation's, not a record), joined with its Work.  A frame of Dublin Core resources
(``dcterms:title``, no BIBFRAME) gives a record per titled top-level resource.

- **Type.**  The Work's class: ``bf:Text`` a book, a ``journal`` when the issuance (the
  Instance's ``bf:issuance``, or a ``bf:Serial``/``bf:Integrating`` class) is serial or
  integrating, a ``book_set`` when multipart, a thesis with a ``bf:dissertation`` or a
  thesis genre, a manuscript as a ``bf:Manuscript`` Instance, an article or a chapter
  when it is ``bf:partOf`` a serial or a book; ``bf:Cartography``, ``bf:NotatedMusic``,
  ``bf:MusicAudio``, ``bf:NonMusicAudio``, ``bf:Audio``, ``bf:MovingImage``,
  ``bf:StillImage``, ``bf:Dataset``, ``bf:Multimedia``, ``bf:MixedMaterial``,
  ``bf:Object`` and ``bf:Kit`` by :data:`WORK_TYPES`; with no class, the RDA content type.
- **Medium.**  A ``bf:Electronic`` Instance is electronic; else the RDA carrier
  (``bf:carrier``, codes as in MARC 338: ``cr`` online, ``nc`` volume, ``sd`` audio
  disc...), else the media type (``bf:media``), else ``bf:Print``, ``bf:Manuscript``
  or ``bf:Tactile`` say print.
- **Title.**  The Instance's ``bf:Title`` (else the Work's): ``bf:mainTitle``,
  ``bf:subtitle``, ``bf:partNumber``/``bf:partName``; other titles (variant, parallel,
  key, abbreviated, the Work's own) are variants.  ISBD punctuation is dropped.
- **Contributors.**  ``bf:contribution``/``bf:Contribution`` of the Work, then of the
  Instance: the ``bf:agent``'s name (its ``bflc:marcKey`` ``$a $b $c`` when it has one,
  else its ``rdfs:label`` without the dates), kind by class (``bf:Person``,
  ``bf:Organization``, ``bf:Meeting``), roles from ``bf:role`` (label, or the relator
  code of its IRI); a primary contribution with no role is the author; an authority IRI
  (id.loc.gov, VIAF, ORCID, ISNI...) is the contributor's identifier.
- **Publication.**  ``bf:provisionActivity`` (a ``bf:Publication`` first): ``bf:place``,
  ``bf:agent`` and ``bf:date`` labels, or marc2bibframe2's ``simplePlace``,
  ``simpleAgent`` and ``simpleDate``; ``bf:editionStatement``; ``bf:extent``;
  ``bf:seriesStatement`` with ``bf:seriesEnumeration``.
- **Identifiers.**  ``bf:identifiedBy`` of the Instance, then the Work, by class:
  ``bf:Isbn``, ``bf:Issn``, ``bf:IssnL``, ``bf:Lccn``, ``bf:Doi``, ``bf:Ismn``,
  ``bf:Ean``, ``bf:Local`` (an OCLC number when its assigner is OCLC), ``bf:Urn``,
  ``bf:Hdl``; ``rdf:value``, ``bf:qualifier``, and ``bf:status`` (cancelled or invalid).
  The source id is the Instance's ``bf:Local`` (its MARC 001, also in its
  ``bf:adminMetadata``), else its IRI, else a content key.
- **Subjects, language, summary.**  ``bf:subject`` labels (``--`` subdivisions as
  " -- "), the scheme from ``bf:source`` or the authority (LCSH, FAST, MeSH);
  ``bf:language`` codes; ``bf:summary``.
- **Relations.**  ``bf:partOf`` is the host (title, ISSN or ISBN, and the volume,
  issue and pages of its ``bf:part``/``bf:enumerationAndChronology``);
  ``bf:otherPhysicalFormat``, ``bf:hasEquivalent``, ``bf:reproductionOf``,
  ``bf:precededBy``, ``bf:succeededBy``, ``bf:otherEdition``, ``bf:hasPart``,
  ``bf:relatedTo`` and BIBFRAME 2.x's ``bf:relation``/``bf:Relation`` (by its
  ``bf:relationship``) as relations with the related resource's title and identifiers.
- **Holdings.**  Each ``bf:Item``: its ``bf:heldBy`` (label, else the organisation code
  of its IRI, as LC's vocabulary writes it), ``bf:shelfMark`` as the call number,
  ``bf:sublocation`` or ``bf:physicalLocation``, ``bf:electronicLocator``,
  ``bf:enumerationAndChronology`` as coverage.  The Instance's ``bf:electronicLocator``
  is its access.
- **Dublin Core.**  ``dcterms:``/``dc:`` title, creator, date, identifier, publisher,
  subject, language and description fill what BIBFRAME leaves empty.

Not mapped: ``bf:genreForm`` as subjects (marc2bibframe2 also writes its 008 codes
there), ``bf:classification``, notes, ``bf:adminMetadata`` other than the record's id.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any
from urllib.parse import urljoin
from xml.sax import SAXParseException

from lxml import etree
from rdflib import Graph, Literal, Namespace
from rdflib.exceptions import ParserError
from rdflib.namespace import RDF, RDFS
from rdflib.term import Node

from unioncat import contracts
from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing import register_framer
from unioncat.framing.base import RECORD_LIMIT, Frame
from unioncat.framing.stream import CHUNK, read_some
from unioncat.framing.xml import looks_like_xml
from unioncat.identifiers import doi, isbn, ismn, issn, lccn, oclc, orcid
from unioncat.ids import mint_id
from unioncat.normalize import citation
from unioncat.normalize import oai_values as ov
from unioncat.normalize import rdf_util as ru
from unioncat.normalize.base import register
from unioncat.normalize.languages import language_codes
from unioncat.normalize.marc_holdings import years_of
from unioncat.normalize.marc_names import RELATOR_CODES
from unioncat.normalize.marc_text import clean
from unioncat.normalize.xml_util import locate, parse
from unioncat.schemas.record import (
    Access,
    Contributor,
    Holding,
    Host,
    Identifier,
    Part,
    Record,
    Relation,
    Series,
    Subject,
)
from unioncat.xmlsafe import secure_xml_parser

BF = Namespace("http://id.loc.gov/ontologies/bibframe/")
BFLC = Namespace("http://id.loc.gov/ontologies/bflc/")
RDF_NS = str(RDF)
BF_NS = str(BF)

INSTANCE_CLASSES = frozenset(
    {"Instance", "Print", "Electronic", "Manuscript", "Archival", "Tactile", "Microform"}
)
WORK_TYPES = {
    "Cartography": "cartographic_material",
    "NotatedMusic": "notated_music",
    "NotatedMovement": "notated_music",
    "MusicAudio": "musical_sound_recording",
    "NonMusicAudio": "nonmusical_sound_recording",
    "Audio": "sound_recording",
    "MovingImage": "projected_medium",
    "StillImage": "still_image",
    "Dataset": "dataset",
    "Multimedia": "computer_file",
    "MixedMaterial": "mixed_materials",
    "Object": "object",
    "Kit": "kit",
    "Text": "book",
}
WORK_CLASSES = frozenset({"Work", "Hub", *WORK_TYPES})
_MANUSCRIPT_TYPES = {
    "book": "manuscript",
    "notated_music": "manuscript_notated_music",
    "cartographic_material": "manuscript_cartographic_material",
}
# RDA content types (bf:content) of a Work that names no class
_CONTENT_TYPES = {
    "txt": "book", "tct": "book", "cri": "cartographic_material",
    "crd": "cartographic_material", "crm": "cartographic_material",
    "ntm": "notated_music", "prm": "musical_sound_recording",
    "spw": "nonmusical_sound_recording", "snd": "sound_recording",
    "tdi": "projected_medium", "tdm": "projected_medium", "sti": "still_image",
    "tci": "still_image", "cod": "dataset", "cop": "computer_file", "tdf": "object",
}  # fmt: skip
_ISSUANCE = {
    "serl": "serial", "serial": "serial", "intg": "serial", "integrating": "serial",
    "integrating resource": "serial", "mulm": "multipart", "multipart monograph": "multipart",
    "mono": "monograph", "monographic": "monograph", "single unit": "monograph",
    "coll": "collection",
}  # fmt: skip
_ISSUANCE_CLASSES = {"Serial": "serial", "Integrating": "serial", "MultipartMonograph": "multipart"}
# RDA carrier (MARC 338) and media (337) codes, as the MARC mapping reads them
_CARRIER_PREFIX = {
    "c": "electronic", "h": "microform", "s": "audio", "v": "video", "g": "projected",
    "m": "projected",
}  # fmt: skip
_FLAT_CARRIERS = frozenset({"na", "nb", "nc", "nn", "no"})
_MEDIA = {
    "c": "electronic", "h": "microform", "n": "print", "s": "audio", "v": "video",
    "g": "projected",
}  # fmt: skip
_MEDIA_TERMS = {
    "computer": "electronic", "microform": "microform", "unmediated": "print",
    "audio": "audio", "video": "video", "projected": "projected", "online resource":
    "electronic", "volume": "print", "audio disc": "audio", "videodisc": "video",
    "microfiche": "microform", "microfilm reel": "microform",
}  # fmt: skip
_RELATIONS = {
    "otherphysicalformat": "other_format",
    "hasequivalent": "other_format",
    "reproductionof": "reproduction_of",
    "precededby": "preceding",
    "continues": "preceding",
    "succeededby": "succeeding",
    "continuedby": "succeeding",
    "otheredition": "other_edition",
    "translationof": "other_edition",
    "translation": "other_edition",
    "haspart": "has_part",
    "relatedto": "related",
    "hasseries": "series",
    "inseries": "series",
    "partof": "part_of",
    "ispartof": "part_of",
}
_SCHEMES = {
    "Isbn": "isbn", "Issn": "issn", "IssnL": "issn_l", "Lccn": "lccn", "Doi": "doi",
    "Ismn": "ismn", "Ean": "ean", "Local": "local", "Urn": "uri", "Hdl": "uri",
    "Uri": "uri", "OclcNumber": "oclc",
}  # fmt: skip
_AUTHORITIES = re.compile(
    r"^https?://(?:id\.loc\.gov/authorities/|viaf\.org/|(?:www\.)?orcid\.org/|isni\.org/|"
    r"d-nb\.info/gnd/|(?:www\.)?wikidata\.org/|id\.worldcat\.org/fast/)",
    re.I,
)
_SUBJECT_SCHEMES = (
    ("id.loc.gov/authorities/subjects", "lcsh"),
    ("id.loc.gov/authorities/names", "lcsh"),
    ("id.loc.gov/authorities/childrens", "lcshac"),
    ("id.worldcat.org/fast", "fast"),
    ("fast", "fast"),
    ("id.nlm.nih.gov/mesh", "mesh"),
    ("mesh", "mesh"),
    ("lcsh", "lcsh"),
)
_DATES = re.compile(
    r",?\s*(?:(?:b\.|d\.|fl\.|ca\.|approximately)\s*)?\d{3,4}\??(?:\s*-\s*(?:\d{3,4}\??)?)?\.?$"
)
_SUBFIELDS = re.compile(r"\$([a-z0-9])([^$]*)")
_STRUCTURAL = frozenset({"instanceOf", "hasInstance", "itemOf", "hasItem"})
_THESIS = re.compile(r"\b(?:thes[ie]s|dissertations?|hochschulschrift)\b", re.I)


# -- framing ---------------------------------------------------------------------------------

_START = re.compile(
    rb"<([A-Za-z_][\w.:-]*)((?:\s+[^\s=/>]+\s*=\s*(?:\"[^\"]*\"|'[^']*'))*)\s*(/?)>"
)
_END = re.compile(rb"</([A-Za-z_][\w.:-]*)\s*>")
_ATTRIBUTE = re.compile(rb"([^\s=/>]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
_DOCTYPE = re.compile(rb"<!DOCTYPE[^\[>]*(?:\[(.*?)\]\s*)?>", re.S)
_ENCODING = re.compile(rb"^\s*<\?xml[^>]*?encoding\s*=\s*[\"']([\w.-]+)[\"']")
_SKIPPED = ((b"<!--", b"-->"), (b"<![CDATA[", b"]]>"), (b"<?", b"?>"))
_LOOKAHEAD = 1 << 20  # how far a start tag that does not parse is read on before it is broken
_EMITTED_KEPT = 200_000  # how many framed resources a later description is checked against


@dataclass(slots=True)
class _Scope:
    """An open element around the descriptions: its namespaces and base.  ``is_rdf``
    for an rdf:RDF element (its children are descriptions); a document that is one
    description has a scope of its own with no name."""

    name: bytes
    namespaces: dict[bytes, bytes]  # b"xmlns:bf" -> b'"http://..."', as written
    base: str | None
    is_rdf: bool


@dataclass(slots=True)
class _Piece:
    """One top-level description as cut out of the file, or why it could not be."""

    raw: bytes
    scope: _Scope | None
    fault: str | None = None


class _Cutter:
    """The top-level descriptions of an RDF/XML stream, cut by counting element depth
    in the raw bytes (quoted attribute values, comments, CDATA and processing
    instructions skipped), so a description with broken content still ends at its end
    tag and its neighbours are read."""

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.buf = bytearray()
        self.eof = False
        self.fault: str | None = None
        self.encoding = b"UTF-8"
        self.stack: list[_Scope] = []
        self.root: bytes | None = None
        self.refusal: str | None = None
        self.ended_open = False
        self.first = True

    def _more(self) -> bool:
        if self.eof:
            return False
        data, self.fault = read_some(self.stream, CHUNK)
        if not data:
            self.eof = True
            return False
        if self.first:
            data, self.first = data.removeprefix(b"\xef\xbb\xbf"), False
            found = _ENCODING.match(data)
            if found:
                self.encoding = found.group(1)
        self.buf += data
        return True

    def pieces(self) -> Iterator[_Piece | _Scope]:
        """The descriptions, and each rdf:RDF scope as it closes (after its last one)."""
        pos = 0
        start: int | None = None  # where the description being cut starts
        depth = 0
        skipped = 0  # bytes dropped from an oversized description
        while True:
            lt = self.buf.find(b"<", pos)
            item = self._construct(lt) if lt >= 0 else None
            if item is None:
                if lt < 0 and start is not None and len(self.buf) - start > RECORD_LIMIT:
                    skipped += len(self.buf) - start - RECORD_LIMIT
                    del self.buf[start + RECORD_LIMIT :]
                # what is read already is dropped only when more is read, all at once:
                # dropping it piece by piece would move the buffer at every tag
                resume = lt if lt >= 0 else len(self.buf)  # where the search goes on
                keep = start if start is not None else resume
                del self.buf[:keep]
                pos = resume - keep
                start = None if start is None else start - keep
                if not self._more() and lt < 0:
                    break
                continue
            kind, end, tag = item
            pos = end
            if kind == "refuse":
                return
            if kind != "start" and kind != "end":
                continue
            if start is not None:
                depth += 1 if kind == "start" and not tag.group(3) else -1 if kind == "end" else 0
                if depth == 0:
                    yield self._cut(start, end, skipped)
                    start, skipped = None, 0
                    if self.stack and self.stack[-1].name == b"":
                        yield self.stack.pop()  # a document that was one description
                elif end - start > RECORD_LIMIT:
                    skipped += end - start - RECORD_LIMIT
                    del self.buf[start + RECORD_LIMIT : end]
                    pos = start + RECORD_LIMIT
            elif kind == "start":
                scope = self._open(tag)
                if scope is None:  # a description starts here
                    start, depth = lt, 1
                    if tag.group(3):
                        yield self._cut(start, end, 0)
                        start = None
                        if self.stack and self.stack[-1].name == b"":
                            yield self.stack.pop()
                elif not tag.group(3):
                    self.stack.append(scope)
            elif self.stack:
                closed = self.stack.pop()
                if closed.is_rdf:
                    yield closed
        if start is not None:
            raw = bytes(self.buf[start : start + RECORD_LIMIT])
            yield _Piece(
                raw, self._scope(), f"is cut off: {self.fault or 'the file ends inside it'}"
            )
            self.ended_open = False
        elif any(s.is_rdf for s in self.stack):
            self.ended_open = True
        for scope in reversed(self.stack):
            if scope.is_rdf:
                yield scope

    def _construct(self, lt: int) -> tuple[str, int, Any] | None:
        """What starts at ``lt``: its kind, where it ends and the tag's match; None when
        the buffer does not hold all of it yet."""
        buf = self.buf
        if len(buf) - lt < 16 and not self.eof:
            return None
        head = bytes(buf[lt : lt + 9])
        for opener, closer in _SKIPPED:
            if head.startswith(opener):
                close = buf.find(closer, lt + len(opener))
                if close < 0:
                    return None if not self.eof else ("broken", len(buf), None)
                return "skip", close + len(closer), None
        if head.startswith(b"<!"):
            doctype = _DOCTYPE.match(buf, lt)
            if doctype is None:
                if buf.find(b">", lt) < 0 and not self.eof:
                    return None
                return "skip", lt + 2, None
            if doctype.group(1) and b"<!ENTITY" in doctype.group(1):
                self.refusal = (
                    "the file's DOCTYPE declares entities; unioncat never expands entities "
                    "(protection against XXE and entity bombs): write the file without a DTD"
                )
                return "refuse", doctype.end(), None
            return "skip", doctype.end(), None
        closing = head.startswith(b"</")
        tag = (_END if closing else _START).match(buf, lt)
        if tag is not None:
            return ("end" if closing else "start"), tag.end(), tag
        if not self.eof and len(buf) - lt < _LOOKAHEAD:
            return None
        return "broken", lt + 1, None

    def _open(self, tag: re.Match[bytes]) -> _Scope | None:
        """The scope an element opens, or None when it is a description itself."""
        name = tag.group(1)
        outer = self.stack[-1] if self.stack else None
        namespaces = dict(outer.namespaces) if outer else {}
        base = outer.base if outer else None
        attributes = dict(_ATTRIBUTE.findall(tag.group(2)))
        for key, value in attributes.items():
            if key == b"xmlns" or key.startswith(b"xmlns:"):
                namespaces[key] = value
            elif key == b"xml:base":
                written = value[1:-1].decode("utf-8", "replace")
                base = urljoin(base, written) if base else written
        if self.root is None:
            self.root = name
        if outer is not None and outer.is_rdf:
            return None
        prefix, _, local = name.rpartition(b":")
        namespace = namespaces.get(b"xmlns:" + prefix if prefix else b"xmlns", b'""')[1:-1]
        if local == b"RDF" and namespace == RDF_NS.encode():
            return _Scope(name, namespaces, base, True)
        if outer is None and (
            namespace == BF_NS.encode()
            or any(k.endswith((b":about", b":nodeID")) for k in attributes)
        ):
            # a document that is one description, with no rdf:RDF around it
            self.stack.append(_Scope(b"", namespaces, base, True))
            return None
        return _Scope(name, namespaces, base, False)

    def _scope(self) -> _Scope | None:
        return next((s for s in reversed(self.stack) if s.is_rdf), None)

    def _cut(self, start: int, end: int, skipped: int) -> _Piece:
        raw = bytes(self.buf[start:end])
        fault = None
        if skipped:
            raw = raw[:RECORD_LIMIT]
            fault = (
                f"is larger than the record limit of {RECORD_LIMIT >> 20} MiB "
                f"({RECORD_LIMIT + skipped} bytes or more); its first {RECORD_LIMIT} bytes "
                "are kept"
            )
        return _Piece(raw, self._scope(), fault)


@dataclass(slots=True)
class _Description:
    element: Any
    names: set[str]  # the Works, Instances and Items it describes, and its blank node
    links: set[str]  # the Works, Instances and Items it points at, blank nodes it uses
    kind: str  # Work, Instance, Item or other
    size: int
    label: str


@dataclass(slots=True)
class _Group:
    """Descriptions framed together, or a description that could not be read."""

    scope: _Scope | None
    descriptions: list[_Description] = field(default_factory=list)
    names: set[str] = field(default_factory=set)
    links: set[str] = field(default_factory=set)
    size: int = 0
    error: str | None = None
    raw: bytes = b""

    def add(self, description: _Description) -> None:
        self.descriptions.append(description)
        self.names |= description.names
        self.links |= description.links
        self.size += description.size


def _describe(piece: _Piece, encoding: bytes, parser: Any) -> _Description | str:
    """A cut-out description parsed alone, or why it does not parse."""
    scope = piece.scope
    declared = b" ".join(k + b"=" + v for k, v in (scope.namespaces if scope else {}).items())
    wrapped = (
        b'<?xml version="1.0" encoding="' + encoding + b'"?><unioncat-wrapper '
        + declared + b">" + piece.raw + b"</unioncat-wrapper>"
    )  # fmt: skip
    try:
        element = etree.fromstring(wrapped, parser)[0]
    except (etree.XMLSyntaxError, IndexError) as exc:
        if "encoding" in str(exc).lower():
            written = encoding.decode("ascii", "replace")
            return f"is not in the file's encoding ({written}): {exc}; convert the file"
        return f"is not well-formed: {exc}"
    if not isinstance(element.tag, str):
        return "is not an element"
    base = scope.base if scope else None
    names: set[str] = set()
    links: set[str] = set()
    for el in element.iter():
        if not isinstance(el.tag, str):
            continue
        about = el.get(f"{{{RDF_NS}}}about")
        node_id = el.get(f"{{{RDF_NS}}}nodeID")
        if about is not None and (el is element or _kind(el) != "other"):
            names.add(_resolve(base, about))
        if node_id is not None:
            (names if el is element else links).add("_:" + node_id)
        name = etree.QName(el)
        if name.localname in _STRUCTURAL and name.namespace == BF_NS:
            targets = [el.get(f"{{{RDF_NS}}}resource")]
            targets += [c.get(f"{{{RDF_NS}}}about") for c in el if isinstance(c.tag, str)]
            links.update(_resolve(base, t) for t in targets if t)
    own = element.get(f"{{{RDF_NS}}}about") or element.get(f"{{{RDF_NS}}}ID") or ""
    label = f"<{etree.QName(element).localname}{' ' + own if own else ''}>"
    return _Description(element, names, links - names, _kind(element), len(piece.raw), label)


def _resolve(base: str | None, ref: str) -> str:
    return urljoin(base, ref) if base else ref


def _kind(element: Any) -> str:
    """Work, Instance or Item by the element's name or its rdf:type; else other."""
    names = [etree.QName(element).localname]
    names += [
        ru.local_name(child.get(f"{{{RDF_NS}}}resource") or "")
        for child in element
        if isinstance(child.tag, str) and child.tag == f"{{{RDF_NS}}}type"
    ]
    for local in names:
        if local in INSTANCE_CLASSES:
            return "Instance"
        if local in WORK_CLASSES:
            return "Work"
        if local == "Item":
            return "Item"
    return "other"


class _Grouper:
    """Descriptions joined into groups by what links them, emitted in file order once
    a group is complete: at the end of its rdf:RDF, or when what waits passes the
    record limit (the oldest first)."""

    def __init__(self) -> None:
        self.pending: dict[int, _Group] = {}
        self.size = 0
        self.count = 0
        self.position = 0
        self.by_name: dict[str, int] = {}
        self.by_link: dict[str, int] = {}
        self.latest: int | None = None
        self.emitted: dict[str, None] = {}

    def add_error(self, reason: str, raw: bytes) -> Iterator[Frame]:
        self._new(_Group(scope=None, error=reason, raw=raw, size=len(raw)))
        yield from self.flush(RECORD_LIMIT)

    def add(self, description: _Description, scope: _Scope | None, number: int) -> Iterator[Frame]:
        back = description.links & self.emitted.keys()
        if back:
            reason = (
                f"BIBFRAME description {number} {description.label} belongs with "
                f"{sorted(back)[0]}, which the file describes more than {RECORD_LIMIT >> 20} "
                "MiB before it: write each record's Work, Instances and Items together (as "
                "marc2bibframe2 does), or split the file"
            )
            yield from self.add_error(reason, etree.tostring(description.element))
            return
        linked = {self.by_name[n] for n in description.links if n in self.by_name}
        linked |= {self.by_link[n] for n in description.names if n in self.by_link}
        if linked:
            first, *others = sorted(linked)
            for other in others:
                self._merge(first, other)
            self._put(first, description)
        elif description.kind == "other" and self.latest is not None:
            self._put(self.latest, description)  # a description that serves its neighbour
        else:
            self._put(self._new(_Group(scope=scope)), description)
        yield from self.flush(RECORD_LIMIT)

    def _new(self, group: _Group) -> int:
        self.count += 1
        self.pending[self.count] = group
        self.size += group.size
        if group.error is None:
            self.latest = self.count
        return self.count

    def _put(self, key: int, description: _Description) -> None:
        self.pending[key].add(description)
        self.size += description.size
        for name in description.names:
            self.by_name[name] = key
        for link in description.links:
            self.by_link[link] = key
        self.latest = key

    def _merge(self, key: int, other: int) -> None:
        absorbed = self.pending.pop(other)
        self.size -= absorbed.size
        for description in absorbed.descriptions:
            self._put(key, description)
        if self.latest == other:
            self.latest = key

    def flush(self, keep: int) -> Iterator[Frame]:
        while self.pending and self.size > keep:
            key = next(iter(self.pending))
            group = self.pending.pop(key)
            if self.latest == key:
                self.latest = None
            self.size -= group.size
            for name in group.names:
                self.by_name.pop(name, None)
                self.emitted[name] = None
            for link in group.links:
                self.by_link.pop(link, None)
            while len(self.emitted) > _EMITTED_KEPT:
                del self.emitted[next(iter(self.emitted))]
            yield _frame(group, self.position)
            self.position += 1

    def close_scope(self) -> Iterator[Frame]:
        yield from self.flush(-1)
        self.emitted.clear()
        self.latest = None


def iter_bibframe(stream: IO[bytes]) -> Iterator[Frame]:
    """Frames of the descriptions that belong together (the module's note on framing)."""
    cutter = _Cutter(stream)
    grouper = _Grouper()
    parser = secure_xml_parser()
    number = 0
    for item in cutter.pieces():
        if isinstance(item, _Scope):
            yield from grouper.close_scope()
            continue
        number += 1
        described = _describe(item, cutter.encoding, parser) if item.fault is None else item.fault
        if isinstance(described, str):
            yield from grouper.add_error(f"BIBFRAME description {number} {described}", item.raw)
        else:
            yield from grouper.add(described, item.scope, number)
    yield from grouper.close_scope()
    position = grouper.position
    if cutter.refusal is not None:
        yield Frame(b"", position, error=cutter.refusal)
    elif cutter.ended_open:
        reason = cutter.fault or (
            "the file ends before its rdf:RDF element is closed: it was cut off, and what "
            "followed the last complete description is lost"
        )
        yield Frame(bytes(cutter.buf[:4096]), position, error=reason)
    elif number == 0:
        seen = cutter.root.decode("utf-8", "replace") if cutter.root else None
        what = f"the root element is <{seen}>" if seen else "the file holds no XML element"
        reason = f"no BIBFRAME description found: {what}; BIBFRAME RDF/XML is an rdf:RDF element"
        yield Frame(bytes(cutter.buf[:4096]), 0, error=cutter.fault or reason)


def _frame(group: _Group, position: int) -> Frame:
    if group.error is not None:
        return Frame(group.raw[:RECORD_LIMIT], position, error=group.error)
    if group.size > RECORD_LIMIT:
        reason = (
            f"BIBFRAME description group {position} ({group.descriptions[0].label} and what "
            f"belongs with it) is larger than the record limit of {RECORD_LIMIT >> 20} MiB"
        )
        first = etree.tostring(group.descriptions[0].element)[:RECORD_LIMIT]
        return Frame(first, position, error=reason)
    rdf = etree.Element(f"{{{RDF_NS}}}RDF", nsmap={"rdf": RDF_NS})
    if group.scope is not None and group.scope.base:
        rdf.set("{http://www.w3.org/XML/1998/namespace}base", group.scope.base)
    for description in group.descriptions:
        rdf.append(description.element)
    return Frame(etree.tostring(rdf, encoding="UTF-8", xml_declaration=True), position)


register_framer(
    "bibframe-rdfxml",
    sniff=looks_like_xml,
    description="BIBFRAME 2 RDF/XML (marc2bibframe2's output): Works with their Instances",
)(iter_bibframe)


# -- the graph -------------------------------------------------------------------------------


def parse_graph(root: Any) -> Graph:
    """The graph of one rdf:RDF element, its top-level descriptions marked."""
    is_rdf = etree.QName(root).localname == "RDF" and etree.QName(root).namespace == RDF_NS
    tops = [el for el in root if isinstance(el.tag, str)] if is_rdf else [root]
    for n, element in enumerate(tops):
        marker = etree.SubElement(element, "{urn:unioncat:}top-level")
        marker.text = str(n)
    data = etree.tostring(root)
    graph = Graph()
    try:
        graph.parse(data=data, format="xml", publicID=ru.RELATIVE_BASE)
    except (SAXParseException, ParserError, ValueError) as exc:
        raise RecordError(f"the RDF/XML cannot be read as RDF: {exc}") from None
    return graph


@register("bibframe", framers=("bibframe-rdfxml",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One frame of BIBFRAME descriptions to a record per Instance."""
    root = parse(envelope.payload)
    dtd = root.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise RecordError(
            "the RDF/XML declares entities in its DOCTYPE; entities are never expanded "
            "(protection against XXE and entity bombs): write it without a DTD"
        )
    oai = locate(root)
    if oai.deleted:
        if not (envelope.record_id or oai.identifier):
            raise RecordError("a deleted OAI-PMH record without an identifier")
        return [contracts.tombstone(envelope, envelope.record_id or oai.identifier)]
    if oai.metadata is None:
        raise RecordError("the OAI-PMH record holds no metadata")
    return _Bibframe(parse_graph(oai.metadata), envelope).records()


class _Bibframe:
    """One frame's graph, read for its records."""

    def __init__(self, graph: Graph, envelope: RawEnvelope) -> None:
        self.g = graph
        self.envelope = envelope

    def classes(self, node: Node) -> set[str]:
        return {ru.local_name(t) for t in ru.types(self.g, node) if str(t).startswith(BF_NS)}

    def is_instance(self, node: Node) -> bool:
        return bool(self.classes(node) & INSTANCE_CLASSES)

    def is_work(self, node: Node) -> bool:
        return bool(self.classes(node) & WORK_CLASSES)

    def works_of(self, instance: Node) -> list[Node]:
        found = ru.objects(self.g, instance, BF.instanceOf)
        found += [w for w in self.g.subjects(BF.hasInstance, instance) if w not in found]
        return [w for w in found if not isinstance(w, Literal)]

    def instances_of(self, work: Node) -> list[Node]:
        found = ru.objects(self.g, work, BF.hasInstance)
        found += [i for i in self.g.subjects(BF.instanceOf, work) if i not in found]
        return [i for i in found if not isinstance(i, Literal)]

    # the records

    def records(self) -> list[Record]:
        tops = ru.top_level(self.g)
        instances: list[Node] = []
        for node in tops:
            if self.is_instance(node):
                instances.append(node)
            elif self.is_work(node):
                instances += [i for i in self.instances_of(node) if self.is_instance(i)]
        instances = list(dict.fromkeys(instances))
        if instances:
            return [self.record(i) for i in instances]
        dublin = [n for n in tops if ru.dublin_core(self.g, n).titles]
        if dublin:
            return [self.dublin_core_record(n) for n in dublin]
        raise RecordError(self._nothing_reason(tops))

    def _nothing_reason(self, tops: list[Node]) -> str:
        works = [n for n in tops if self.is_work(n)]
        if works:
            title = self.title_parts(works[0])[0]
            named = f" ({title})" if title else ""
            return (
                f"a bf:Work{named} without a bf:Instance: a Work alone names no published "
                "resource to catalog; send its Instance with it"
            )
        seen = sorted({ru.local_name(t) for n in tops for t in ru.types(self.g, n)})
        what = ", ".join(seen) if seen else "untyped resources"
        return f"no bf:Instance and no dcterms:title: the RDF describes {what}, nothing to catalog"

    def record(self, instance: Node) -> Record:
        works = self.works_of(instance)
        work = works[0] if works else None
        title, subtitle, part = self.title_parts(instance)
        if not title and work is not None:
            title, subtitle, part = self.title_parts(work)
        dc = ru.dublin_core(self.g, instance)
        if not title:
            title = next(
                iter(dc.titles + (ru.dublin_core(self.g, work).titles if work else [])), None
            )
        if not title:
            where = ru.iri(instance) or "a blank node"
            raise RecordError(
                f"a bf:Instance without a title ({where}): no bf:title with a bf:mainTitle "
                "on it or its Work, nothing to catalog"
            )
        ids = self.identifiers(instance, work)
        host, relations, series = self.relations(instance, work)
        rtype = self.record_type(instance, work, host)
        if rtype in ("journal_article", "book_chapter") and host is not None:
            moved = [i for i in ids if i.scheme in ("issn", "issn_l")]
            host.identifiers = ru.unique_identifiers(host.identifiers + moved)
            ids = [i for i in ids if i not in moved]
        medium, evidence = self.medium(instance, rtype)
        publisher, places, date = self.publication(instance)
        if date is None and work is not None:
            date = ru.first_label(self.g, work, BF.originDate)
        dates = [d for d in [date, *dc.dates] if d]
        iso, year = next(
            ((d, y) for d, y in (citation.date_of(v) for v in dates) if d), (None, None)
        )
        contributors = self.contributors(instance, work)
        source_id = self.source_id(instance, ids, title, year, contributors)
        extents = [e for e in (clean(t) for t in ru.labels(self.g, instance, BF.extent)) if e]
        extent = "; ".join(extents) or next(iter(dc.extents), None)
        return Record(
            id=mint_id(self.envelope.source, source_id),
            source=self.envelope.source,
            source_id=source_id,
            source_format=self.envelope.format,
            type=rtype,
            medium=medium,
            medium_evidence=evidence,
            title=title,
            subtitle=subtitle,
            part=part,
            title_variants=self.variants(instance, work, title),
            contributors=contributors,
            publisher=publisher or next(iter(dc.publishers), None),
            place=places[0] if places else None,
            places=places,
            date=iso,
            year=year,
            edition=clean(ru.first_label(self.g, instance, BF.editionStatement)),
            language=self.languages(instance, work, dc),
            identifiers=ids,
            host=host,
            relations=relations,
            subjects=self.subjects(work, instance),
            abstract=self.summary(instance, work) or next(iter(dc.descriptions), None),
            extent=extent,
            page_count=ov.page_count(extent),
            series=series + self.series_statements(instance),
            access=self.access(instance),
            holdings=self.holdings(instance, medium),
            datestamp=self.envelope.datestamp,
            harvested_at=self.envelope.fetched_at,
            raw_ref=raw_ref(self.envelope),
        )

    def dublin_core_record(self, node: Node) -> Record:
        dc = ru.dublin_core(self.g, node)
        title = dc.titles[0]
        ids = ru.dc_identifiers(dc.identifiers)
        contributors = ru.dc_contributors(dc)
        iso, year = next(
            ((d, y) for d, y in (citation.date_of(v) for v in dc.dates) if d), (None, None)
        )
        source_id = self.source_id(node, ids, title, year, contributors)
        return Record(
            id=mint_id(self.envelope.source, source_id),
            source=self.envelope.source,
            source_id=source_id,
            source_format=self.envelope.format,
            type=ov.record_type(dc.types) or "other",
            title=title,
            title_variants=dc.titles[1:],
            contributors=contributors,
            publisher=next(iter(dc.publishers), None),
            date=iso,
            year=year,
            language=language_codes(dc.languages),
            identifiers=ids,
            subjects=ru.dc_subjects(dc),
            abstract=next(iter(dc.descriptions), None),
            extent=next(iter(dc.extents), None),
            datestamp=self.envelope.datestamp,
            harvested_at=self.envelope.fetched_at,
            raw_ref=raw_ref(self.envelope),
        )

    def source_id(
        self,
        node: Node,
        ids: list[Identifier],
        title: str | None,
        year: int | None,
        contributors: list[Contributor],
    ) -> str:
        local = [i for i in ids if i.scheme == "local"]
        for admin in ru.objects(self.g, node, BF.adminMetadata):
            for found in self.identifiers_of(admin):
                if found.scheme == "local":
                    local.append(found)
        if local:
            return local[0].value
        named = ru.absolute_iri(node)
        if named:
            return named
        return citation.content_key(title, year, [c.name for c in contributors])

    # titles

    def title_parts(self, node: Node) -> tuple[str | None, str | None, Part | None]:
        for title in self._titles(node, main=True):
            main = clean(ru.first_label(self.g, title, BF.mainTitle, RDFS.label))
            if main:
                subtitle = clean(ru.first_label(self.g, title, BF.subtitle))
                number = clean(ru.first_label(self.g, title, BF.partNumber))
                name = clean(ru.first_label(self.g, title, BF.partName))
                part = Part(number=number, name=name) if number or name else None
                return main, subtitle, part
        return None, None, None

    def _titles(self, node: Node, *, main: bool) -> list[Node]:
        out = []
        for title in ru.objects(self.g, node, BF.title):
            classes = self.classes(title)
            if (not classes or classes == {"Title"}) == main:
                out.append(title)
        return out

    def variants(self, instance: Node, work: Node | None, title: str) -> list[str]:
        nodes = [t for n in (instance, work) if n is not None for t in self._titles(n, main=False)]
        if work is not None:
            nodes += self._titles(work, main=True)
        out = []
        for node in nodes:
            text = clean(ru.first_label(self.g, node, BF.mainTitle, RDFS.label))
            if text and text != title and text not in out:
                out.append(text)
        return out

    # names

    def contributors(self, instance: Node, work: Node | None) -> list[Contributor]:
        out: list[Contributor] = []
        seen: set[tuple[str, str | None]] = set()
        for node in (work, instance):
            if node is None:
                continue
            for contribution in ru.objects(self.g, node, BF.contribution):
                for person in self.contribution(contribution):
                    if (person.name, person.role) not in seen:
                        seen.add((person.name, person.role))
                        out.append(person)
        if not out:
            out = ru.dc_contributors(ru.dublin_core(self.g, instance))
        return out

    def contribution(self, contribution: Node) -> list[Contributor]:
        roles = [r for r in (self.role(v) for v in ru.objects(self.g, contribution, BF.role)) if r]
        primary = any(
            ru.local_name(t) == "PrimaryContribution" for t in ru.types(self.g, contribution)
        )
        out = []
        for agent in ru.objects(self.g, contribution, BF.agent):
            found = self.agent(agent, roles, primary)
            if found is not None:
                out.append(found)
        return out

    def role(self, value: Node) -> str | None:
        if isinstance(value, Literal):
            return clean(str(value))
        code = ru.local_name(value) if "relators" in str(value) else None
        if code and code in RELATOR_CODES:
            return RELATOR_CODES[code]
        return clean(ru.label(self.g, value)) or code

    def agent(self, agent: Node, roles: list[str], primary: bool) -> Contributor | None:
        classes = self.classes(agent)
        kind = (
            "organization" if classes & {"Organization", "Jurisdiction"}
            else "meeting" if "Meeting" in classes else "person"
        )  # fmt: skip
        family = given = None
        name = None
        key = next(
            (str(o) for p, o in self.g.predicate_objects(agent)
             if isinstance(o, Literal) and ru.local_name(p).lower().endswith("marckey")),
            None,
        )  # fmt: skip
        if key:
            subfields = dict(reversed(_SUBFIELDS.findall(key)))
            parts = [subfields.get(c) for c in ("a", "b", "c") if subfields.get(c)]
            name = clean(" ".join(p for p in parts if p))
            personal = clean(subfields.get("a"))
            indicator = key[3:4]
            if kind == "person" and personal and "," in personal and indicator == "1":
                family, _, rest = personal.partition(",")
                family, given = family.strip(), rest.strip() or None
        if not name:
            written = clean(ru.label(self.g, agent))
            if not written:
                return None
            name = clean(_DATES.sub("", written)) if kind == "person" else written
            if name and kind == "person" and "," in name:
                family, _, rest = name.partition(",")
                family, given = family.strip(), rest.strip() or None
        if not name:
            return None
        role = "; ".join(roles) or ("author" if primary and kind == "person" else None)
        ids: list[Identifier] = []
        named = ru.absolute_iri(agent)
        if named and _AUTHORITIES.match(named):
            found = orcid(named) if "orcid.org" in named else None
            ids.append(found or Identifier("uri", named, None, "valid", named))
        return Contributor(
            name=name, family=family, given=given, role=role, kind=kind, identifiers=ids
        )

    # publication

    def publication(self, instance: Node) -> tuple[str | None, list[str], str | None]:
        activities = ru.objects(self.g, instance, BF.provisionActivity)
        published = [a for a in activities if "Publication" in self.classes(a)]
        activities = published or activities  # a manufacture's place is no place of publication
        publisher = date = None
        places: list[str] = []
        for activity in activities:
            agents = ru.labels(self.g, activity, BF.agent, BFLC.simpleAgent, BF.simpleAgent)
            found = [p for p in (_isbd(t) for t in agents) if p]
            publisher = publisher or next(iter(found), None)
            for place in ru.labels(self.g, activity, BF.place, BFLC.simplePlace, BF.simplePlace):
                text = _isbd(place)
                if text and text not in places:
                    places.append(text)
            date = date or next(
                iter(ru.labels(self.g, activity, BF.date, BFLC.simpleDate, BF.simpleDate)), None
            )
        return publisher, places, date

    def languages(self, instance: Node, work: Node | None, dc: ru.DublinCore) -> list[str]:
        values: list[str] = []
        for node in (work, instance):
            if node is None:
                continue
            for language in ru.objects(self.g, node, BF.language):
                if isinstance(language, Literal):
                    values.append(str(language))
                elif "/languages/" in str(language):
                    values.append(ru.local_name(language))
                else:
                    values += ru.labels(self.g, language, BF.code, RDFS.label)[:1]
        return language_codes(values + dc.languages)

    # identifiers

    def identifiers(self, instance: Node, work: Node | None) -> list[Identifier]:
        out = self.identifiers_of(instance)
        if work is not None:
            out += self.identifiers_of(work)
        out += ru.dc_identifiers(ru.dublin_core(self.g, instance).identifiers)
        return ru.unique_identifiers(out)

    def identifiers_of(self, node: Node) -> list[Identifier]:
        out: list[Identifier] = []
        for value in ru.objects(self.g, node, BF.identifiedBy):
            found = self.identifier(value)
            if found is not None:
                out.append(found)
        return out

    def identifier(self, node: Node) -> Identifier | None:
        if isinstance(node, Literal):
            return ov.parse_identifier(str(node))
        raw = ru.first_label(self.g, node, RDF.value, RDFS.label)
        if not raw:
            return None
        raw = raw.strip()
        kinds = [ru.local_name(t) for t in ru.types(self.g, node)]
        scheme = next((_SCHEMES[k] for k in kinds if k in _SCHEMES), None)
        qualifier = clean(ru.first_label(self.g, node, BF.qualifier))
        status = self.status(node)
        found: Identifier | None
        if scheme == "isbn":
            found = isbn(raw, status=status, qualifier=qualifier)
        elif scheme in ("issn", "issn_l"):
            found = issn(raw, scheme=scheme, status=status)
        elif scheme == "lccn":
            found = lccn(raw, status=status)
        elif scheme == "doi":
            found = doi(raw)
        elif scheme == "ismn":
            found = ismn(raw, status=status)
        elif scheme == "oclc":
            found = oclc(raw)
        elif scheme == "local":
            assigner = self.assigner(node)
            if assigner and assigner.lower() in ("ocolc", "oclc"):
                found = oclc(raw)
            else:
                found = Identifier("local", raw, assigner, status, raw)
        elif scheme is not None:
            found = Identifier(scheme, raw, qualifier, status, raw)
        else:
            found = ov.parse_identifier(raw)
        if found is not None and qualifier and scheme != "isbn" and found.qualifier is None:
            found.qualifier = qualifier
        return found

    def status(self, node: Node) -> str:
        for value in ru.objects(self.g, node, BF.status):
            words = f"{ru.local_name(value)} {ru.label(self.g, value) or ''}".lower()
            if "canc" in words:
                return "cancelled"
            if "invalid" in words or "incorrect" in words:
                return "invalid"
        return "valid"

    def assigner(self, node: Node) -> str | None:
        for agent in ru.objects(self.g, node, BF.assigner, BF.source):
            named = ru.label(self.g, agent) or ru.first_label(self.g, agent, BF.code)
            if named:
                return named
            if ru.absolute_iri(agent):
                return ru.local_name(agent)
        return None

    # type and medium

    def record_type(self, instance: Node, work: Node | None, host: Host | None) -> str:
        classes = self.classes(instance) | (self.classes(work) if work is not None else set())
        found = next((WORK_TYPES[c] for c in WORK_TYPES if c in classes), None)
        if found is None and work is not None:
            for content in ru.objects(self.g, work, BF.content):
                code = ru.local_name(content) if "contentTypes" in str(content) else None
                found = _CONTENT_TYPES.get(code or "") or found
        if found is None:
            found = "book" if work is not None or host is not None else "other"
        if found != "book":
            if "Manuscript" in classes:
                return _MANUSCRIPT_TYPES.get(found, found)
            return found
        issuance = self.issuance(instance, classes)
        if host is not None and issuance != "serial":
            serial = any(i.scheme in ("issn", "issn_l") for i in host.identifiers)
            return "journal_article" if serial else "book_chapter"
        if issuance == "serial":
            return "journal"
        if issuance == "multipart":
            return "book_set"
        nodes = [n for n in (instance, work) if n is not None]
        genres = [g for n in nodes for g in ru.labels(self.g, n, BF.genreForm)]
        if any(ru.objects(self.g, n, BF.dissertation) for n in nodes) or any(
            _THESIS.search(g) for g in genres
        ):
            return "thesis"
        if "Manuscript" in classes:
            return "manuscript"
        return "book"

    def issuance(self, instance: Node, classes: set[str]) -> str | None:
        for name, issuance in _ISSUANCE_CLASSES.items():
            if name in classes:
                return issuance
        for value in ru.objects(self.g, instance, BF.issuance):
            for word in (ru.local_name(value), ru.label(self.g, value) or ""):
                if word.lower() in _ISSUANCE:
                    return _ISSUANCE[word.lower()]
        return None

    def medium(self, instance: Node, rtype: str) -> tuple[str, list[str]]:
        classes = self.classes(instance)
        if "Electronic" in classes:
            return "electronic", ["bf:Electronic instance"]
        if "Microform" in classes:
            return "microform", ["bf:Microform instance"]
        for predicate, codes in ((BF.carrier, "carrier"), (BF.media, "media")):
            for value in ru.objects(self.g, instance, predicate):
                found = _carrier_medium(ru.local_name(value), ru.label(self.g, value), codes, rtype)
                if found is not None:
                    return found, [f"bf:{codes} {ru.local_name(value) or ru.label(self.g, value)}"]
        for name in ("Print", "Manuscript", "Tactile"):
            if name in classes:
                return "print", [f"bf:{name} instance"]
        return "unknown", []

    # subjects, summary, series, relations

    def subjects(self, work: Node | None, instance: Node) -> list[Subject]:
        out: list[Subject] = []
        for node in (work, instance):
            if node is None:
                continue
            for subject in ru.objects(self.g, node, BF.subject):
                term = ru.label(self.g, subject)
                if not term:
                    continue
                term = clean(re.sub(r"\s*--\s*", " -- ", term)) or term
                out.append(Subject(term=term, scheme=self.subject_scheme(subject)))
        out += ru.dc_subjects(ru.dublin_core(self.g, instance))
        unique: dict[tuple[str, str | None], Subject] = {}
        for found in out:
            unique.setdefault((found.term, found.scheme), found)
        return list(unique.values())

    def subject_scheme(self, subject: Node) -> str | None:
        sources = ru.objects(self.g, subject, BF.source)
        hints = [
            str(s) for s in sources + ru.objects(self.g, subject, ru.MADS.isMemberOfMADSScheme)
        ]
        hints += [t for s in sources for t in ru.labels(self.g, s, BF.code, RDFS.label)]
        hints.append(str(subject))
        for hint in hints:
            low = hint.lower()
            for needle, scheme in _SUBJECT_SCHEMES:
                if needle in low:
                    return scheme
        return None

    def summary(self, instance: Node, work: Node | None) -> str | None:
        for node in (work, instance):
            if node is not None:
                found = ru.first_label(self.g, node, BF.summary)
                if found:
                    return found
        return None

    def series_statements(self, instance: Node) -> list[Series]:
        titles = ru.labels(self.g, instance, BF.seriesStatement)
        numbers = ru.labels(self.g, instance, BF.seriesEnumeration)
        out = []
        for n, title in enumerate(titles):
            text = clean(title)
            if text:
                out.append(
                    Series(title=text, number=clean(numbers[n]) if n < len(numbers) else None)
                )
        return out

    def relations(
        self, instance: Node, work: Node | None
    ) -> tuple[Host | None, list[Relation], list[Series]]:
        host: Host | None = None
        relations: list[Relation] = []
        series: list[Series] = []
        links: list[tuple[str, Node, Node | None]] = []
        for node in (instance, work):
            if node is None:
                continue
            for predicate, value in self.g.predicate_objects(node):
                kind = _RELATIONS.get(ru.local_name(predicate).lower())
                if kind and str(predicate).startswith(BF_NS) and not isinstance(value, Literal):
                    links.append((kind, value, None))
            for relation in ru.objects(self.g, node, BF.relation):
                words = [ru.local_name(r) for r in ru.objects(self.g, relation, BF.relationship)]
                words += ru.labels(self.g, relation, BF.relationship)
                kind = next(
                    (
                        _RELATIONS[k]
                        for w in words
                        if (k := re.sub(r"[^a-z]", "", w.lower())) in _RELATIONS
                    ),
                    "related",
                )
                for resource in ru.objects(self.g, relation, BF.associatedResource):
                    if not isinstance(resource, Literal):
                        links.append((kind, resource, relation))
        for kind, target, via in links:
            title = self._related_title(target)
            ids = self._related_identifiers(target)
            if kind == "part_of" and host is None:
                enumeration = next(iter(
                    ru.labels(self.g, target, BF.part, BF.enumerationAndChronology)
                    + (ru.labels(self.g, via, BF.part, BF.enumerationAndChronology)
                       if via is not None else [])
                ), None)  # fmt: skip
                volume = issue = first = last = None
                if enumeration:
                    _t, volume, issue, first, last = ov.parse_citation(enumeration)
                host = Host(title=title, identifiers=[i for i in ids if i.scheme != "local"],
                            volume=volume, issue=issue, first_page=first, last_page=last,
                            raw=enumeration)  # fmt: skip
            elif kind == "series":
                if title:
                    issns = [i.value for i in ids if i.scheme == "issn"]
                    series.append(Series(title=title, issn=next(iter(issns), None)))
            elif title or ids:
                relations.append(Relation(type=kind, title=title, identifiers=ids))
        return host, relations, series

    def _related_title(self, resource: Node) -> str | None:
        title = self.title_parts(resource)[0]
        if title:
            return title
        for other in self.works_of(resource) + self.instances_of(resource):
            title = self.title_parts(other)[0]
            if title:
                return title
        return clean(ru.label(self.g, resource))

    def _related_identifiers(self, resource: Node) -> list[Identifier]:
        out = self.identifiers_of(resource)
        for other in self.instances_of(resource) + self.works_of(resource):
            out += self.identifiers_of(other)
        return ru.unique_identifiers(out)

    # access and holdings

    def access(self, instance: Node) -> list[Access]:
        policies = ru.labels(self.g, instance, BF.usageAndAccessPolicy)
        kind = ov.access_kind(policies)
        return [
            Access(url=url, kind=kind, note=policies[0] if policies else None)
            for url in self._locators(instance)
        ]

    def _locators(self, node: Node) -> list[str]:
        urls = []
        for value in ru.objects(self.g, node, BF.electronicLocator):
            url = ru.literal_text(value) or ru.absolute_iri(value) or ru.label(self.g, value)
            if url and ov.is_url(url) and url not in urls:
                urls.append(url)
        return urls

    def holdings(self, instance: Node, medium: str) -> list[Holding]:
        items = ru.objects(self.g, instance, BF.hasItem)
        items += [i for i in self.g.subjects(BF.itemOf, instance) if i not in items]
        out = []
        for item in items:
            holder = None
            for agent in ru.objects(self.g, item, BF.heldBy):
                holder = ru.label(self.g, agent) or ru.first_label(self.g, agent, BF.code)
                if not holder and ru.absolute_iri(agent):
                    holder = ru.local_name(agent)
                if holder:
                    break
            coverage = ru.first_label(self.g, item, BF.enumerationAndChronology)
            start, end = years_of(coverage) if coverage else (None, None)
            locations = ru.labels(self.g, item, BF.sublocation, BF.physicalLocation)
            urls = self._locators(item)
            out.append(
                Holding(
                    form=medium,
                    holder=holder,
                    location="; ".join(locations) or None,
                    call_number=ru.first_label(self.g, item, BF.shelfMark),
                    coverage=coverage,
                    start_date=start,
                    end_date=end,
                    url=urls[0] if urls else None,
                    note="; ".join(ru.labels(self.g, item, BF.note)) or None,
                )
            )
        return out


def _isbd(text: str) -> str | None:
    """A publisher's or place's name without the ISBD around it ("Toronto :", "[S.l.]")."""
    value = clean(text)
    if value and value.startswith("[") and value.endswith("]"):
        value = clean(value[1:-1])
    return value


def _carrier_medium(code: str, label: str | None, kind: str, rtype: str) -> str | None:
    code = code.lower() if code and len(code) <= 2 else ""
    if kind == "carrier" and len(code) == 2:
        if code in _FLAT_CARRIERS:
            return "print" if rtype not in ("object", "kit") else "other"
        if code == "nr":
            return "other"
        if code[:1] in _CARRIER_PREFIX:
            return _CARRIER_PREFIX[code[:1]]
    if kind == "media" and len(code) == 1 and code in _MEDIA:
        return _MEDIA[code]
    if label:
        return _MEDIA_TERMS.get(label.lower())
    return None
