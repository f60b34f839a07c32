"""Values shared by the OAI-PMH normalizers: years, types, identifiers, rights, citations.

- **Year.** The first four-digit year from 1000 to 2099 in a date as written ("2011-03-26
  19:16:19", "[1787?]", "c1999"); "19uu" gives none.
- **Type.** A type or genre value is reduced to its last segment and its letters
  ("info:eu-repo/semantics/doctoralThesis", "doc-type:bookPart", "Journal Article")
  and looked up in :data:`TYPE_KEYS`; the first value that maps decides.
- **Identifiers.** :func:`parse_identifier` reads one identifier as written, with or
  without a prefix: DOIs (``doi:``, ``info:doi/``, ``https://doi.org/``, bare ``10.``)
  in lower case without resolver; ISBN and ISSN through
  :mod:`unioncat.identifiers`; handles (``hdl:``, ``hdl.handle.net``) as the
  ``https://hdl.handle.net/`` URI; URNs and URLs as ``uri``; PubMed ids as ``pmid``;
  anything else short as ``local``.  Free text (a citation typed into ``dc:identifier``)
  is not an identifier.
- **Rights.** Open access when a rights statement says so (``info:eu-repo/semantics/
  openAccess``, "open access") or grants a Creative Commons licence or dedication, and no
  statement says closed, restricted or embargoed.
- **Citations.** :func:`parse_citation` reads volume, issue and pages from a host
  citation as repositories write it in ``dc:source`` (OJS "Journal; Vol 5 No 2 (2010);
  12-20", DOAJ "Journal, Vol 4, Iss 2, Pp 129-134 (2017)", Zenodo "Journal, 5(9),
  16-23, (2025-09-23)").
"""

from __future__ import annotations

import re

from unioncat import identifiers as idn
from unioncat.normalize.enumeration import parse_related_parts
from unioncat.schemas.record import Identifier

_YEAR = re.compile(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)")

_TYPE_WORDS = {
    "journal_article": (
        "article journalarticle contributiontojournal articleinjournal researcharticle "
        "publicationarticle scholarlyarticle"
    ),
    "book": "book monograph publicationbook",
    "book_chapter": "chapter bookpart bookchapter partofbook publicationsection booksection",
    "thesis": (
        "thesis dissertation doctoralthesis masterthesis mastersthesis bachelorthesis "
        "phdthesis publicationthesis thesisordissertation"
    ),
    "report": "report technicalreport researchreport publicationreport workingpaper",
    "dataset": "dataset",
    "proceedings_paper": (
        "conferenceobject conferencepaper conferencecontribution publicationconferencepaper"
    ),
    "proceedings": "conferenceproceedings proceedings",
    "journal": "journal periodical academicjournal",
    # DCMI types and MODS typeOfResource for the other kinds of material
    "musical_sound_recording": "soundrecordingmusical musicalsoundrecording",
    "nonmusical_sound_recording": "soundrecordingnonmusical nonmusicalsoundrecording audiobook",
    "sound_recording": "sound soundrecording audio",
    "notated_music": "notatedmusic score musicalscore sheetmusic",
    "cartographic_material": "cartographic cartographicmaterial map",
    "still_image": "image stillimage photograph",
    "projected_medium": "movingimage video film motionpicture",
    "object": "physicalobject threedimensionalobject",
    "computer_file": "software softwaremultimedia",
    "mixed_materials": "mixedmaterial",
    "kit": "kit",
}
TYPE_KEYS: dict[str, str] = {
    key: rtype for rtype, words in _TYPE_WORDS.items() for key in words.split()
}

_OPEN = re.compile(
    r"openaccess|open access|creativecommons\.org|creative commons|"
    r"\bcc[ -]?(?:by|0|zero)\b|publicdomain|public domain|rightsstatements\.org/vocab/noc",
    re.I,
)
_CLOSED = re.compile(
    r"closedaccess|restrictedaccess|embargoedaccess|closed access|restricted access|"
    r"embargoed",
    re.I,
)
_MIME = re.compile(
    r"^(?:application|text|image|audio|video|model|multipart|chemical)/[\w.+\-]+", re.I
)
_PAGES = re.compile(r"(\d+)\s*(?:p\b|pp\b|pages?\b|S\.|leaves|ff?\.|Seiten)", re.I)
_HANDLE_URL = re.compile(r"^https?://hdl\.handle\.net/(.+)$", re.I)
_DOUBLE_SCHEME = re.compile(r"^(https?):(?:https?:)+//", re.I)
_ISSN_ONLY = re.compile(r"^(?:e-?|p-?|print |online )?(?:issn[:\s]*)?\d{4}-?\d{3}[\dXx]$", re.I)
# "5(9)": volume and issue written together (a year in parentheses is not an issue)
_VOL_ISSUE = re.compile(r"(?<![\d\-/])(\d{1,4})\((\d{1,3}(?:[-/]\d{1,3})?)\)")
_NUMBERING_FIRST = re.compile(r"^(?:vol|v\.|no\b|iss|pp?\.|\d)", re.I)
_ISS = re.compile(r"\b(?:iss(?:ue)?|n[ºo°]?|núm|num|nr|heft)\.?\s*(\d+(?:[-/]\d+)?)", re.I)
_VOL = re.compile(r"\b(?:vol(?:ume)?|v|bd|jg|t)\.?\s*(\d+[a-z]?)\b", re.I)
_PAGE_RANGE = re.compile(r"(?<![\d\-/(.])(\d{1,6})\s*[-\u2013]\s*(\d{1,6})(?![\d\-/)])")


def year(date: str | None) -> int | None:
    if not date:
        return None
    m = _YEAR.search(date)
    return int(m.group(1)) if m else None


def type_key(value: str) -> str:
    """ "info:eu-repo/semantics/doctoralThesis" -> "doctoralthesis"."""
    last = re.split(r"[/:#]", value.strip().rstrip("/"))[-1]
    return re.sub(r"[^a-z]", "", last.lower())


def record_type(values: list[str]) -> str | None:
    """The first value that names a record type, or None."""
    for value in values:
        found = TYPE_KEYS.get(type_key(value))
        if found:
            return found
    return None


def is_mime(value: str) -> bool:
    return bool(_MIME.match(value.strip()))


def fix_url(url: str) -> str:
    """A URL as written, with a doubled scheme ("http:http://...") repaired."""
    return _DOUBLE_SCHEME.sub(lambda m: f"{m.group(1)}://", url.strip())


def is_url(value: str) -> bool:
    return bool(re.match(r"^https?:", value.strip(), re.I))


def handle_uri(handle: str) -> str:
    return "https://hdl.handle.net/" + handle.strip().lstrip("/")


def parse_identifier(raw: str) -> Identifier | None:
    """One identifier as written, to its scheme and normalised value (see module doc)."""
    text = raw.strip()
    if not text:
        return None
    low = text.lower()
    if low.startswith(("doi:", "info:doi/", "urn:doi:", "10.")) or re.match(
        r"^https?://(?:dx\.|www\.)?doi\.org/10\.", low
    ):
        return idn.doi(re.sub(r"^(?:info:doi/|urn:doi:)", "", text, flags=re.I))
    if low.startswith(("isbn", "urn:isbn:")):
        found = idn.isbn(re.sub(r"^(?:urn:)?isbn[:\s]*", "", text, flags=re.I))
        if found:
            found.raw = raw
        return found
    m = re.match(r"^(?:urn:)?(e-?|p-?|print |online )?issn[-:\s]*(?:\((\w+)\))?\s*", low)
    if m:
        ident = idn.issn(text[m.end() :])
        if ident:
            ident.raw = raw
            q = (m.group(1) or m.group(2) or "").strip(" -")
            if q in ("e", "online", "electronic"):
                ident.qualifier = "electronic"
            elif q in ("p", "print"):
                ident.qualifier = "print"
        return ident
    m = re.match(r"^(?:pmid[:\s]*|info:pmid/)(\d+)$", low)
    if m:
        return Identifier("pmid", m.group(1), None, "valid", raw)
    if low.startswith("hdl:"):
        return Identifier("uri", handle_uri(text[4:]), None, "valid", raw)
    if is_url(text):
        url = fix_url(text)
        hm = _HANDLE_URL.match(url)
        if hm:
            return Identifier("uri", handle_uri(hm.group(1)), None, "valid", raw)
        return Identifier("uri", url, None, "valid", raw)
    if low.startswith("urn:"):
        return Identifier("uri", text, None, "valid", raw)
    if re.fullmatch(r"(?:97[89][\- ]?)?\d[\d\- ]{7,14}[\dXx]", text):
        found = idn.isbn(text)
        if found and found.status == "valid":
            return found
    if re.fullmatch(r"\d{4}-\d{3}[\dXx]", text):
        return idn.issn(text)
    if len(text.split()) > 3:
        return None  # a citation or a sentence, not an identifier
    return Identifier("local", text, None, "valid", raw)


def is_issn_only(value: str) -> bool:
    return bool(_ISSN_ONLY.match(value.strip()))


def access_kind(statements: list[str]) -> str:
    """``open`` when the rights statements say open access or a CC licence, else unknown."""
    joined = " | ".join(statements)
    if _OPEN.search(joined) and not _CLOSED.search(joined):
        return "open"
    return "unknown"


def page_count(extent: str | None) -> int | None:
    if not extent:
        return None
    counts = [int(n) for n in _PAGES.findall(extent)]
    return max(counts) if counts else None


def parse_citation(text: str) -> tuple[str | None, str | None, str | None, str | None, str | None]:
    """Title, volume, issue, first and last page of a host citation (see module doc)."""
    title: str | None = None
    if ";" in text:
        title = text.split(";", 1)[0].strip() or None
    else:
        m = re.match(r"^(.*?[^\W\d_].*?)\s*,\s*(?=(?:vol|v\.|\d|iss|no|pp?\b))", text, re.I)
        if m:
            title = m.group(1).strip() or None
    if title and _NUMBERING_FIRST.match(title):
        title = None
    rest = text[len(title) :] if title and text.startswith(title) else text
    volume = issue = first = last = None
    m = _VOL_ISSUE.search(rest)
    if m:
        volume, issue = m.group(1), m.group(2)
    v2, i2, f2, l2 = parse_related_parts(rest)
    volume, issue, first, last = volume or v2, issue or i2, f2, l2
    if volume is None:
        vm = _VOL.search(rest)
        volume = vm.group(1) if vm else None
    if issue is None:
        im = _ISS.search(rest)
        issue = im.group(1) if im else None
    if first is None and (volume or issue):
        # a bare range counts as pages only after a volume or issue ("1900-1950" alone
        # is more likely years)
        after = rest[m.end() :] if m else rest
        pm = _PAGE_RANGE.search(after)
        if pm and int(pm.group(1)) <= int(pm.group(2)):
            first, last = pm.group(1), pm.group(2)
    if title is not None and not (volume or issue or first):
        title = None  # "Sample Source; other": no numbering, so no telling it is a host title
    return title, volume, issue, first, last
