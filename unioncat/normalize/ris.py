"""The ``ris`` format: RIS, the tagged export of EndNote, Zotero, Mendeley and most
databases (``TY  - JOUR`` ... ``ER  -``).

A record is lines of a two-character tag, two spaces, a dash, a space and the value; a
line without a tag continues the value above it.  The framer ``ris-tagged``
(:class:`~unioncat.framing.tagged.TaggedBlocks`) cuts a file at every ``TY`` line and
ends the record at its ``ER`` line: the file's encoding is told once (the BOM dropped),
the text after ``ER`` (the numbering some exports put between records, a
``Provider:`` header) belongs to no record, and a ``TY -  BOOK`` written with one space
is read as the tag it means.  Each record is read with rispy, keeping every value of
every tag (:class:`_Reader`); a record without its ``ER`` (a file cut short) and one
whose line after ``TY`` has no tag (it continues nothing) are quarantined.  Mapped:

- **Type.** ``TY``, by its code or by the name EndNote writes instead (``Journal
  Article``), through :mod:`~unioncat.normalize.reference_types`; an unknown type is
  ``other``.
- **Title.** ``TI``, ``T1`` (or ``CT``; ``BT`` for a whole book), else the short title
  ``ST``; ``ST`` and ``TT`` (translated) are variants.
- **Names.** ``AU``/``A1`` authors, ``A2``/``ED`` editors, ``A3`` series editors,
  ``A4`` translators, ``Family, Given`` as RIS writes them.
- **Host.** For an article, chapter or paper: the journal or book from ``T2``, ``JF``,
  ``JO``, ``BT``, ``JA``, ``J1``, ``J2`` (a paper's proceedings from ``C3`` first, as
  Zotero writes them), ``VL`` (or ``VO``), ``IS``, and the pages from ``SP`` and
  ``EP`` (or ``SP`` holding ``12-15``); the ISSNs and ISBNs of ``SN`` are the host's.
- **Whole items.** ``SN`` is their own; ``VL`` the volume (the part), ``SP`` alone the
  number of pages; ``T3`` the series, and ``T2`` too for a book, report, map or
  program (a thesis's ``T2`` is its subtitle, as Pure writes it).
- **Identifiers.** ``DO`` (else a DOI in ``M3``, where some exports put it); ``SN``
  split at ``;`` and line ends, each an ISSN or ISBN by its length (a patent's,
  report's or standard's number otherwise, a local id); ``AN`` the accession number
  (``WOS:`` a Web of Science one), ``ID`` the reference manager's id, both local.
- **Key.** The DOI, else the accession number, else the ``ID``, else a content key
  (:func:`~unioncat.normalize.citation.content_key`).
- **The rest.** ``DA``, ``PY`` or ``Y1`` (the most precise; ``2014/03/12/``), ``PB``
  publisher, ``CY`` place, ``LA`` languages, ``AB`` (else ``N2``) abstract, ``KW``
  keywords as subjects (split at ``;`` and line ends; Embase's ``*`` before a major
  term dropped), ``ET`` edition; ``UR`` and
  ``L1``-``L4`` (split at ``;``; web addresses only, not a reference manager's file
  paths) and the DOI's resolver as access.

Not mapped: notes (``N1``), addresses (``AD``), call numbers (``CN``), journal
abbreviations, custom fields (``C1``-``C8``, ``M1``), access dates, and tags RIS does not
define (rispy's ``unknown_tag``): the record schema has no place for them.
"""

from __future__ import annotations

import re
from typing import Any

import rispy  # type: ignore[import-untyped]

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing import register_framer
from unioncat.framing.tagged import TaggedBlocks, sniff_opener
from unioncat.identifiers import doi, issn
from unioncat.ids import mint_id
from unioncat.normalize.base import register
from unioncat.normalize.citation import content_key, page_range
from unioncat.normalize.languages import language_codes
from unioncat.normalize.reference_types import (
    PARTS,
    RIS_NAMES,
    RIS_TYPES,
    date_in,
    isbn_of,
    person_of,
)
from unioncat.schemas.record import (
    Access,
    Contributor,
    Host,
    Identifier,
    Part,
    Record,
    Series,
    Subject,
)

# The tag line as written (two spaces before the dash), and with one: ``TY -  BOOK``
# (Zotero's import accepts both).  A dash must follow, so an abstract's line that
# begins "ER then..." or "ER-positive" continues the value above it.
_OPENER = re.compile(rb"^TY {1,2}-(?:\s|$)")
_END = re.compile(rb"^ER {1,2}-(?:\s|$)")
_TAG = re.compile(r"^([A-Z][A-Z0-9]) {1,2}-(?:\s+|$)(.*)$")
# What exports write around their records: a "Provider:"/"Database:"/"Content:" header
# (the RIS specification's), a number before each record ("1."), EndNote's
# "Record #1 of 2".
_AROUND = re.compile(
    rb"^\s*(?:\d+\.|Record #\s*\d+ of \d+|(?:Provider|Database|Content|Copyright)\s*:.*)\s*$",
    re.I,
)

RIS_RECORDS = TaggedBlocks(
    _OPENER, "RIS record (TY  - ...)", end=_END, header=_AROUND, trailer=_AROUND
)
register_framer(
    "ris-tagged",
    sniff=sniff_opener(_OPENER),
    description="RIS (TY  - ... ER  -): EndNote, Zotero, Mendeley and database exports",
)(RIS_RECORDS)

# A line that continues no tag (right after TY) is kept under this key, and refused.
_ORPHAN = "  "
_NAME_ROLES = (
    ("AU", "author"),
    ("A1", "author"),
    ("A2", "editor"),
    ("ED", "editor"),
    ("A3", "series editor"),
    ("A4", "translator"),
)
_TITLE_TAGS = ("TI", "T1", "CT")
_HOST_TAGS = ("T2", "JF", "JO", "BT", "JA", "J1", "J2")
_PAPER_HOST_TAGS = ("C3", "BT", "T2", "JF", "JO", "JA", "J1", "J2")
_SERIES_T2 = frozenset({"book", "report", "cartographic_material", "computer_file"})
# What SN holds when it is neither an ISSN nor an ISBN, by type.
_NUMBER_OF = {"patent": "patent number", "report": "report number", "standard": "standard number"}
_SERIALS = PARTS | {"journal"}
_LIST = re.compile(r"\s*[;\n]\s*")
_URLS = re.compile(r"[;\s]+")
_WEB = re.compile(r"^(?:https?|ftp)://", re.I)
_NUMBER = re.compile(r"[0-9][0-9Xx\- ]*[0-9Xx]")
_NOT_DIGIT = re.compile(r"[^0-9Xx]")
_QUALIFIER = re.compile(r"\(([^)]*)\)")
_LINKS = (
    ("UR", None),
    ("L1", "full text (L1)"),
    ("L2", "full text (L2)"),
    ("L3", "related (L3)"),
    ("L4", "figure (L4)"),
)


class _Reader(rispy.RisParser):  # type: ignore[misc]
    """rispy's reading of a record, with every value kept.

    rispy's own storage keeps only the first of a tag it does not expect to repeat
    (a second ``SN`` or ``DO`` is lost), makes each continuation of a list tag a value of
    its own, and fails on a repeated tag that continues on the next line; and it reads
    a tag only when written with two spaces.  Here every tag is a list of its values in
    file order, a continuation is joined to the value above it with a line end (the
    mapping decides whether that separates values, as in ``KW`` and ``SN``, or is a
    space, as in ``AB``), and ``TY -  BOOK`` is a tag."""

    def __init__(self) -> None:
        super().__init__(mapping={"TY": "TY"}, list_tags=[], delimiter_tags_mapping={})

    def parse_lines(self, lines: Any) -> list[dict[str, Any]]:
        """rispy's loop (records from ``TY`` to ``ER``, a line without a tag continuing
        the tag above, ignored tags passed over) in one function: rispy's calls two
        methods a line, which is most of the time a record costs; this does the same
        work inline.  ``tests/normalize/test_ris.py`` holds it equal to rispy's own."""
        result: list[dict[str, Any]] = []
        record: dict[str, Any] | None = None
        last: list[str] | None = None
        start, end, ignore = self.START_TAG, self.END_TAG, self.ignore
        for line in lines:
            if record is None:
                if line.startswith(start):
                    record = {self.mapping[start]: self.parse_line(line)[1]}
                    last = None
                continue
            if line[2:6] == "  - " and "A" <= line[0] <= "Z" and line[1] in _TAG_SECOND:
                tag, content = line[:2], line[6:].strip()  # the usual line, read at once
            else:
                found, content = self.parse_line(line)
                if found is None:
                    if content:  # a blank line inside a record says nothing
                        if not last:
                            record.setdefault(_ORPHAN, []).append(content)
                        else:
                            last[-1] = f"{last[-1]}\n{content}" if last[-1] else content
                    continue
                tag = found
            if tag in ignore:
                continue
            if tag == end:
                result.append(record)
                record = None
                continue
            values = record.get(tag)
            if values is None:
                values = record[tag] = [content]
            else:
                values.append(content)
            last = values
        return result

    def parse_line(self, line: str) -> tuple[str | None, str]:
        # rispy's test of a tag line (read by slicing: this runs for every line), and the
        # same tag with one space before its dash
        if line[2:5] == "  -" and line[5:6] in _AFTER_DASH and _TAG_NAME.match(line):
            return line[:2], line[6:].strip()
        if line[2:4] == " -":
            m = _TAG.match(line)
            if m is not None:
                return m.group(1), m.group(2).strip()
        return None, line.strip()

    def _add_tag(
        self, record: dict[str, Any], tag: str | None, content: str, extend_multiline: bool = False
    ) -> None:
        if not extend_multiline:
            values = record.get(tag or _ORPHAN)
            if values is None:
                record[tag or _ORPHAN] = [content]
            else:
                values.append(content)
        elif content:  # a blank line inside a record says nothing
            values = record.get(tag) if tag is not None else None
            if not isinstance(values, list) or not values:
                record.setdefault(_ORPHAN, []).append(content)
            else:
                values[-1] = f"{values[-1]}\n{content}" if values[-1] else content


_AFTER_DASH = frozenset({" ", "\t", ""})
_TAG_SECOND = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
_TAG_NAME = re.compile(r"[A-Z][A-Z0-9]")
_READER = _Reader()


@register("ris", framers=("ris-tagged",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One RIS record to one record."""
    try:
        text = envelope.payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(
            f"a RIS record that is not UTF-8 (byte {exc.start}); the framer hands on UTF-8, "
            "so this payload did not come through it"
        ) from exc
    parsed = _READER.parse_lines(text.split("\n"))
    if not parsed:
        raise RecordError(
            "a RIS record without its end line (ER  -): the file was cut short, or the "
            "record was written without its end; export the file again"
        )
    if len(parsed) > 1:
        raise RecordError(f"one RIS payload holds {len(parsed)} records (TY ... ER); frame it")
    return [_map(envelope, parsed[0])]


def _tidy(value: str) -> str | None:
    """A value with its white space collapsed, as :func:`~unioncat.normalize.citation.clean`
    does (values come stripped: only a joined continuation or a doubled space has any)."""
    if "  " in value or not value.isprintable():  # a line end, a tab, an odd space
        return " ".join(value.split()) or None
    return value or None


def _firsts(values: dict[str, list[str]]) -> dict[str, str]:
    """Each tag's first value that is not empty, tidied: worked out once a record, for
    the mapping asks for a tag's value many times and most tags are written once."""
    out: dict[str, str] = {}
    for tag, written in values.items():
        for value in written:  # _tidy, inline: this runs for every value of every record
            if "  " in value or not value.isprintable():
                value = " ".join(value.split())
            if value:
                out[tag] = value
                break
    return out


def _first(first: dict[str, str], tags: tuple[str, ...]) -> str | None:
    for tag in tags:
        text = first.get(tag)
        if text:
            return text
    return None


def _listed(values: list[str]) -> list[str]:
    """The values of a tag that may hold several on one line or one per line."""
    out: list[str] = []
    for value in values:
        parts = _LIST.split(value) if ";" in value or "\n" in value else (value,)
        for part in parts:
            text = _tidy(part)
            if text and text not in out:
                out.append(text)
    return out


def _map(envelope: RawEnvelope, values: dict[str, Any]) -> Record:
    orphans = values.pop(_ORPHAN, None)
    written_type = _tidy(values.pop("TY", "")) or ""
    if orphans:
        shown = orphans[0] if len(orphans[0]) <= 60 else orphans[0][:57] + "..."
        raise RecordError(
            f"RIS record (TY {written_type or '(none)'}): the line {shown!r} follows the TY line "
            "and has no tag of its own, so it continues nothing; give it its tag or remove it"
        )
    code = written_type.upper()
    if code not in RIS_TYPES:
        code = RIS_NAMES.get(written_type.lower(), code)
    rtype, medium = RIS_TYPES.get(code, ("other", "unknown"))
    first = _firsts(values)
    sp = first.get("SP")
    if rtype == "proceedings" and sp and _first(first, _PAPER_HOST_TAGS[:3]):
        rtype = "proceedings_paper"  # a paper written as CONF, as Zotero and EndNote do
    elif code in ("DICT", "ENCYC") and _first(first, ("T2", "BT")):
        rtype = "book_chapter"  # an entry of the dictionary or encyclopedia it names
    part_of_host = rtype in PARTS
    short = first.get("ST")
    title = _first(first, _TITLE_TAGS) or (None if part_of_host else first.get("BT")) or short
    if not title:
        where = _first(first, ("ID", "AN", "DO"))
        raise RecordError(
            f"RIS record (TY {written_type or '(none)'}"
            + (f", {where}" if where else "")
            + ") without a title (TI, T1, CT, BT or ST): nothing to catalog"
        )
    date, year = _date(first)
    contributors = _names(values)
    own_doi = _doi(first)
    numbers = _serial_numbers(values, rtype)
    ids: list[Identifier] = [own_doi] if own_doi else []
    host: Host | None = None
    part: Part | None = None
    subtitle: str | None = None
    series = [Series(title=t) for t in _listed(values.get("T3", []))]
    page_count: int | None = None
    first_page, last_page = page_range(sp) if sp else (None, None)
    last_page = first.get("EP") or last_page
    volume = first.get("VL") or first.get("VO")
    if part_of_host:
        host = Host(
            title=_first(first, _PAPER_HOST_TAGS if rtype == "proceedings_paper" else _HOST_TAGS),
            identifiers=numbers,
            volume=volume,
            issue=first.get("IS"),
            first_page=first_page,
            last_page=last_page,
        )
    else:
        ids += numbers
        part = Part(number=volume) if volume else None
        second = first.get("T2")
        if second and rtype == "thesis":
            subtitle = second
        elif second and rtype in _SERIES_T2:
            series.insert(0, Series(title=second))
        if first_page and first_page.isdigit() and not last_page:
            page_count = int(first_page)
    accession = first.get("AN")
    local = first.get("ID")
    if accession:
        scheme = "wos" if accession[:4].upper() == "WOS:" else "local"
        qualifier = None if scheme == "wos" else "accession number"
        ids.append(Identifier(scheme, accession, qualifier=qualifier, raw=accession))
    if local:
        ids.append(Identifier("local", local, qualifier="ris id", raw=local))
    if own_doi is not None and own_doi.status == "valid":
        source_id = own_doi.value
    elif accession:
        source_id = f"an:{accession}"
    elif local:
        source_id = f"id:{local}"
    else:
        source_id = content_key(
            title, year, [c.name for c in contributors[:1]], host.title if host else None,
            first_page,
        )  # fmt: skip
    place = first.get("CY") or first.get("PP")
    translated = first.get("TT")
    variants = [v for v in (short, translated) if v and v != title]
    return Record(
        id=mint_id(envelope.source, source_id),
        source=envelope.source,
        source_id=source_id,
        source_format=envelope.format,
        type=rtype,
        medium=medium,
        medium_evidence=[f"ris: TY {code}"] if medium != "unknown" else [],
        title=title,
        subtitle=subtitle,
        part=part,
        title_variants=variants
        if len(variants) < 2 or variants[0] != variants[1]
        else variants[:1],
        contributors=contributors,
        publisher=first.get("PB"),
        place=place,
        places=[place] if place else [],
        date=date,
        year=year,
        edition=first.get("ET"),
        language=language_codes(values["LA"]) if "LA" in values else [],
        identifiers=ids,
        host=host,
        subjects=[Subject(term=t.lstrip("*")) for t in _listed(values.get("KW", []))],
        abstract=first.get("AB") or first.get("N2"),
        page_count=page_count,
        series=series,
        access=_access(values, own_doi),
        harvested_at=envelope.fetched_at,
        raw_ref=raw_ref(envelope),
    )


def _date(first: dict[str, str]) -> tuple[str | None, int | None]:
    """The most precise of DA, PY and Y1 (DA is often the full date, PY the year)."""
    best: tuple[str | None, int | None] = (None, None)
    for tag in ("DA", "PY", "Y1"):
        written = first.get(tag)
        if written:
            found = date_in(written)
            if found[0] and len(found[0]) > len(best[0] or ""):
                best = found
    return best


def _names(values: dict[str, list[str]]) -> list[Contributor]:
    out: list[Contributor] = []
    for tag, role in _NAME_ROLES:
        if tag in values:
            for name in _listed(values[tag]):
                found = person_of(name, role)
                if found is not None:
                    out.append(found)
    return out


def _doi(first: dict[str, str]) -> Identifier | None:
    written = first.get("DO")
    if written:
        found = doi(written)
        return found or Identifier("doi", written, status="invalid", raw=written)
    other = first.get("M3")  # where some exports (and Zotero's reading) put the DOI
    if other and other.lower().startswith(("10.", "doi", "https://doi", "http://dx.doi")):
        return doi(other)
    return None


def _serial_numbers(values: dict[str, list[str]], rtype: str) -> list[Identifier]:
    """SN: each value an ISSN (eight characters) or an ISBN (ten or thirteen) by its
    length, whatever the type says; another number is the patent's, report's or
    standard's own, or an invalid ISSN or ISBN (by what the type would hold)."""
    out: list[Identifier] = []
    for written in _listed(values.get("SN", [])):
        m = _NUMBER.search(written)
        digits = _NOT_DIGIT.sub("", m.group(0)) if m else ""
        found: Identifier | None = None
        if len(digits) == 8:
            found = issn(written)
            qualifiers = [q.strip() for q in _QUALIFIER.findall(written) if q.strip()]
            if found is not None and qualifiers:
                found.qualifier = "; ".join(qualifiers)
        elif len(digits) in (10, 13):
            found = isbn_of(written)
        if found is None:
            number_of = _NUMBER_OF.get(rtype)
            if number_of:
                found = Identifier("local", written, qualifier=number_of, raw=written)
            else:
                scheme = "issn" if rtype in _SERIALS else "isbn"
                found = Identifier(scheme, written, status="invalid", raw=written)
        if not any(i.scheme == found.scheme and i.value == found.value for i in out):
            out.append(found)
    return out


def _access(values: dict[str, list[str]], own_doi: Identifier | None) -> list[Access]:
    out: dict[str, Access] = {}
    for tag, note in _LINKS:
        for value in values.get(tag, ()):
            for url in _URLS.split(value):
                if url not in out and _WEB.match(url):
                    out[url] = Access(url=url, note=note)
    if own_doi is not None and own_doi.status == "valid":
        resolver = f"https://doi.org/{own_doi.value}"
        if resolver not in out:
            out[resolver] = Access(url=resolver)
    return list(out.values())
