"""The unified record, schema v1: the one definition every other shape is generated from.

Minor versions only add fields or values (1.1 added ``title_nonfiling`` and
``Contributor.name_original_script``; 1.2 added the types of every kind of material a
MARC leader/06 names, the media ``audio``, ``video`` and ``projected``, and ``places``;
1.3 added ``holdings`` and the type ``holdings`` of a MARC holdings record; 1.4
``Contributor.affiliations``; 1.5 ``Contributor.name_variants``, the types
``newspaper_article``, ``patent`` and ``standard`` and the identifier schemes ``pmcid``,
``pii``, ``cn`` and ``wos``);
a major version would rename or remove, and would start a new
``export/records/v<major>/`` tree.

Every stage exchanges these typed structs, never free dicts, so that a field renamed here
is a type error everywhere it is used.  The Arrow schema, the JSON Schema and the DuckDB
DDL are derived from these classes by :mod:`unioncat.schemas.generate`; to change the
schema, change it here and bump :data:`SCHEMA_VERSION`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

SCHEMA_VERSION = "1.5"
SCHEMA_MAJOR = SCHEMA_VERSION.split(".")[0]

# What a record describes.  Text first, at every level; then each class of material that
# MARC 21 leader/06 names, in MARC's words (a part of a recording or a score, from a
# contents note or a 773, takes the type of its host and says it is a part by its host).
RECORD_TYPES = (
    "book",
    "book_chapter",
    "book_set",
    "journal",
    "journal_issue",
    "journal_article",
    "proceedings",
    "proceedings_paper",
    "thesis",
    "report",
    "newspaper_article",  # 1.5: the Chinese databases, RIS and E-Study index newspapers
    "patent",  # 1.5
    "standard",  # 1.5: a technical standard (GB, ISO, ...)
    "manuscript",  # manuscript language material (leader/06 t, and the obsolete b)
    "notated_music",  # leader/06 c: printed scores and parts
    "manuscript_notated_music",  # leader/06 d
    "cartographic_material",  # leader/06 e: maps, atlases, globes
    "manuscript_cartographic_material",  # leader/06 f
    "projected_medium",  # leader/06 g: films, videos (DVD, Blu-ray), slides, filmstrips
    "musical_sound_recording",  # leader/06 j
    "nonmusical_sound_recording",  # leader/06 i: spoken word, audiobooks, sounds
    "sound_recording",  # a sound recording whose source does not say which
    "still_image",  # leader/06 k: photographs, posters, drawings, prints
    "computer_file",  # leader/06 m other than a dataset or an e-text: software, games
    "dataset",
    "kit",  # leader/06 o
    "mixed_materials",  # leader/06 p: archival collections of several forms
    "object",  # leader/06 r: three-dimensional artifacts and naturally occurring objects
    "holdings",  # a MARC holdings record (leader/06 u, v, x, y): its holdings are another's
    "other",
)
# The carrier, by what it takes to read it (RDA media types, in unioncat's words):
# print: nothing, ink (or braille) on paper (books, scores, maps, pictures, manuscripts);
# electronic: a computer (online resources, e-books, computer discs); microform: a
# microform reader; audio: a sound player (CDs, LPs, cassettes); video: a video player
# (DVDs, Blu-rays, videocassettes); projected: a projector (films, filmstrips, slides);
# other: a physical carrier that is none of these (objects, globes, kits); unknown:
# nothing in the record says.
MEDIA = (
    "print", "electronic", "microform", "audio", "video", "projected", "other", "unknown",
)  # fmt: skip
IDENTIFIER_SCHEMES = (
    "isbn",
    "issn",
    "issn_l",
    "doi",
    "lccn",
    "oclc",
    "ismn",
    "ean",
    "pmid",
    "pmcid",  # 1.5: PubMed Central's PMC1234567 (a local id qualified pmcid before)
    "pii",  # 1.5: a publisher item identifier (MEDLINE's AID [pii])
    "cn",  # 1.5: China's unified serial number, CN 11-3553/R, a journal's
    "wos",  # 1.5: a Web of Science accession number (UT WOS:000...)
    "orcid",
    "isni",
    "uri",
    "local",
)
IDENTIFIER_STATUSES = ("valid", "invalid", "cancelled")
RELATION_TYPES = (
    "part_of",
    "has_part",
    "other_format",
    "other_edition",
    "preceding",
    "succeeding",
    "series",
    "reproduction_of",
    "related",
)
ACCESS_KINDS = ("open", "subscription", "proxy", "unknown")


@dataclass(slots=True)
class Identifier:
    """One identifier as the source gave it and as we normalised it.

    ``value`` is the normalised form used for matching (ISBN always as 13 digits, ISSN as
    ``1234-5678``, DOI lower case without resolver); ``raw`` keeps what was written so a
    cataloger can see what the source said.
    """

    scheme: str
    value: str
    qualifier: str | None = None
    status: str = "valid"
    raw: str | None = None


@dataclass(slots=True)
class Contributor:
    name: str
    family: str | None = None
    given: str | None = None
    role: str | None = None
    kind: str = "person"  # person, organization, meeting
    identifiers: list[Identifier] = field(default_factory=list)
    name_original_script: str | None = None  # the 880 pair of a romanized name
    # where the person worked when the item was written, as the source words it (MARC
    # 1XX/7XX $u, Crossref's affiliation names, JATS <aff>, MODS <affiliation>)
    affiliations: list[str] = field(default_factory=list)
    # other forms of the name the source gives: the translated or romanized form a
    # Chinese database exports beside the name in Chinese ({Translated Author}) (1.5)
    name_variants: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Part:
    """Number and name of a part (245 $n $p): what tells volume 2 from volume 3."""

    number: str | None = None
    name: str | None = None


@dataclass(slots=True)
class Subject:
    term: str
    scheme: str | None = None


@dataclass(slots=True)
class Series:
    title: str
    number: str | None = None
    issn: str | None = None


@dataclass(slots=True)
class Host:
    """The item a part lives in: the book of a chapter, the journal issue of an article."""

    id: str | None = None
    title: str | None = None
    identifiers: list[Identifier] = field(default_factory=list)
    volume: str | None = None
    issue: str | None = None
    first_page: str | None = None
    last_page: str | None = None
    raw: str | None = None


@dataclass(slots=True)
class Relation:
    type: str
    title: str | None = None
    identifiers: list[Identifier] = field(default_factory=list)
    note: str | None = None


@dataclass(slots=True)
class Access:
    """One way to reach the digital object, whatever the source called it."""

    url: str
    kind: str = "unknown"
    provider: str | None = None
    coverage_start: str | None = None
    coverage_end: str | None = None
    embargo: str | None = None
    relationship: str | None = None  # resource, version, related (856 indicator 2)
    note: str | None = None


@dataclass(slots=True)
class Holding:
    """What one holder has of the record, in which form, for which years, and where.

    A print run (MARC 852 with 866-868, or an ILS item field), or an electronic range
    from a KBART row; ``coverage`` is the statement as the source words it, the ``start_``
    and ``end_`` fields are what the access answer compares (an empty end is "to date").
    A separate MARC holdings record names the record it holds in ``of_record`` (its 004:
    the bibliographic record's control number in the same source)."""

    form: str = "unknown"  # print, electronic, microform, ... (MEDIA)
    holder: str | None = None  # an ISIL or a library code: the source's `holder:` by default
    location: str | None = None
    call_number: str | None = None
    coverage: str | None = None
    start_date: str | None = None
    start_volume: str | None = None
    start_issue: str | None = None
    end_date: str | None = None
    end_volume: str | None = None
    end_issue: str | None = None
    embargo: str | None = None  # KBART's embargo_info (R1Y, P6M, ...)
    access_type: str | None = None  # open or subscription (KBART F and P)
    url: str | None = None
    package: str | None = None
    of_record: str | None = None
    note: str | None = None


@dataclass(slots=True)
class Record:
    """One bibliographic unit at any level: a book, a chapter, a journal, an article."""

    id: str
    source: str
    source_id: str
    source_format: str
    type: str = "other"
    medium: str = "unknown"
    medium_evidence: list[str] = field(default_factory=list)
    cluster_id: str | None = None
    title: str | None = None
    # leading characters of ``title`` to skip when sorting or matching (245 indicator 2:
    # 4 for "The "), so "The river archives" files and matches under "river archives"
    title_nonfiling: int = 0
    subtitle: str | None = None
    part: Part | None = None
    title_variants: list[str] = field(default_factory=list)
    title_original_script: str | None = None
    contributors: list[Contributor] = field(default_factory=list)
    publisher: str | None = None
    place: str | None = None  # the first place of publication
    places: list[str] = field(default_factory=list)  # every place, in order (1.2)
    date: str | None = None
    year: int | None = None
    edition: str | None = None
    language: list[str] = field(default_factory=list)
    identifiers: list[Identifier] = field(default_factory=list)
    host: Host | None = None
    relations: list[Relation] = field(default_factory=list)
    subjects: list[Subject] = field(default_factory=list)
    abstract: str | None = None
    extent: str | None = None
    page_count: int | None = None
    series: list[Series] = field(default_factory=list)
    access: list[Access] = field(default_factory=list)
    holdings: list[Holding] = field(default_factory=list)
    deleted: bool = False
    datestamp: str | None = None
    harvested_at: datetime | None = None
    raw_ref: str | None = None
    schema_version: str = SCHEMA_VERSION


# The records table's columns, in order: the record's fields (the Arrow schema and the
# DDL are generated from the same fields, in the same order).
RECORD_COLUMNS: list[str] = [name for name in Record.__dataclass_fields__]
