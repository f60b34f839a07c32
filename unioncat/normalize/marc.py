"""The ``marc`` normalizer: MARC 21 bibliographic records (ISO 2709 or MARCXML).

The mapping follows the MARC 21 field definitions; where a choice had to be made it is
the one a union catalog needs for matching and for reaching the item: ISBNs as
ISBN-13, 264 before 260, the 776 link that joins print and electronic kept as a
relation, and every 856 as a uniform access entry.  One envelope gives the record and,
after it, the chapters (or volumes) its 505 contents note lists
(:mod:`~unioncat.normalize.marc_contents`); names are mapped in
:mod:`~unioncat.normalize.marc_names`, type and medium in
:mod:`~unioncat.normalize.marc_medium`.

Reader API.  The mapping modules use only this subset of pymarc, so a faster reader
can hand over any object that offers it: ``record.leader`` (str-able),
``record.get_fields(*tags)``, ``record.fields``, ``field.tag``, ``field.indicator1``,
``field.indicator2``, ``field.data``, ``field.get_subfields(*codes)``,
``field.is_control_field()`` and ``field.subfields`` (objects with ``.code`` and
``.value``).

Titles.  ``title`` is 245 ``$a`` (``$b`` the subtitle, ``$n $p`` the part);
``title_nonfiling`` is 245 indicator 2 when it lands on a word boundary of the title
(4 for "The "), else 0.  ``title_original_script`` is the paired 880's ``$a`` with its
``$n`` and ``$p`` (they tell volume 2 from volume 3 in the original script, where
``part`` holds the romanized numbering); its ``$b``, ``$c`` and ``$h`` are left out as
they are from ``title``.  A record whose 245 gives no title takes the first of 246,
240, 130 and 740 (a variant of the title proper, then the uniform title of the item,
then an added title) instead of none.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from unioncat import identifiers as idn
from unioncat.compiled import MARC_CORE
from unioncat.contracts import RawEnvelope, raw_ref, tombstone
from unioncat.errors import RecordError
from unioncat.ids import mint_id
from unioncat.lazy import lazy_module
from unioncat.normalize import marc_medium
from unioncat.normalize.base import register
from unioncat.normalize.enumeration import parse_related_parts
from unioncat.normalize.marc_880 import Script880
from unioncat.normalize.marc_contents import part_records
from unioncat.normalize.marc_framers import MARC_FRAMERS
from unioncat.normalize.marc_holdings import (
    HOLDINGS_LEADER,
    KOHA_ITEMS,
    ItemField,
    MarcSettings,
    holdings_of,
    holdings_record,
)
from unioncat.normalize.marc_names import contributors as _contributors
from unioncat.normalize.marc_text import clean, first_sub, sub
from unioncat.schemas.record import (
    Access,
    Host,
    Identifier,
    Part,
    Record,
    Relation,
    Series,
    Subject,
)

if TYPE_CHECKING:
    import pymarc

    from unioncat.normalize import marc_read, marc_utf8
else:
    # the readers, and pymarc behind them, load with the first record: a command that
    # only reads a pipeline naming the format (``status``) does not pay for them
    marc_read = lazy_module("unioncat.normalize.marc_read")
    marc_utf8 = lazy_module("unioncat.normalize.marc_utf8")

_YEAR = re.compile(r"(1[0-9]{3}|20[0-9]{2})")
# A pagination run is one or more numbered sequences before the unit: "247, 16 pages"
# or "320, 11 p." is 247 and 16 pages, not 16 (roman sequences like "xii" are skipped).
_PAGES = re.compile(
    r"(\d+(?:\s*,\s*\[?\d+\]?)*)\s*(?:p\b|pp\b|pages?\b|s\.|S\.|leaves|ff?\.)", re.I
)
_SUBJECT_SCHEMES = {
    "0": "lcsh",
    "1": "lcshac",
    "2": "mesh",
    "3": "nal",
    "5": "cash",
    "6": "rvm",
}
# 856 ind2=8 means "no display constant generated", which says nothing about the
# relationship, so it maps to None like blank does (the schema knows only these three).
_856_RELATIONSHIP = {"0": "resource", "1": "version", "2": "related"}
# Only these 6XX fields name their thesaurus in indicator 2; in 653 indicator 2 is the
# type of term (0 topical, 1 personal name, 2 corporate name...), not LCSH or MeSH.
_SUBJECT_IND2_TAGS = frozenset({"600", "610", "611", "630", "647", "648", "650", "651", "655"})
_sub = sub
_first_sub = first_sub


# expressions compiled once (a module-level ``re`` call looks its pattern up each time)
_NOT_DIGITS = re.compile(r"\D")
_OCLC_NUMBER_START = re.compile(r"^\s*(ocm|ocn|on)\d")
_OCLC_CONTROL = re.compile(r"^(ocm|ocn|on)\d+$")
_LANGUAGE_CODE = re.compile(r"[a-z]{3}")
_NUMBERS = re.compile(r"\d+")


def _control(record: pymarc.Record, tag: str) -> str | None:
    for f in record.get_fields(tag):
        if f.data:
            return str(f.data).strip() or None
    return None


def _identifiers(record: pymarc.Record) -> list[Identifier]:
    if MARC_CORE is not None:  # the compiled twin of _identifiers_pure
        found: list[Identifier] = MARC_CORE.identifiers(record, CORE_IDENTIFIERS)
        return found
    return _identifiers_pure(record)


def _identifiers_pure(record: pymarc.Record) -> list[Identifier]:
    """The reference of the compiled core's ``identifiers``."""
    out: list[Identifier] = []
    for f in record.get_fields("020"):
        qual = "; ".join(clean(q) or "" for q in _sub(f, "q")) or None
        for raw in _sub(f, "a"):
            ident = idn.isbn(raw, qualifier=qual)
            if ident:
                out.append(ident)
        for raw in _sub(f, "z"):
            ident = idn.isbn(raw, status="cancelled", qualifier=qual)
            if ident:
                out.append(ident)
    for f in record.get_fields("022"):
        for raw in _sub(f, "a"):
            ident = idn.issn(raw)
            if ident:
                out.append(ident)
        for raw in _sub(f, "l"):
            ident = idn.issn(raw, scheme="issn_l")
            if ident:
                out.append(ident)
        for code, status in (("y", "invalid"), ("z", "cancelled")):
            for raw in _sub(f, code):
                ident = idn.issn(raw, status=status)
                if ident:
                    out.append(ident)
    for f in record.get_fields("024"):
        source = (_first_sub(f, "2") or "").lower()
        for raw in _sub(f, "a"):
            found: Identifier | None = None
            if f.indicator1 == "7" and source == "doi":
                found = idn.doi(raw)
            elif f.indicator1 == "2":
                found = idn.ismn(raw)
            elif f.indicator1 == "3":
                found = Identifier("ean", _NOT_DIGITS.sub("", raw), None, "valid", raw)
            elif f.indicator1 == "7" and source in ("isni", "uri", "urn"):
                scheme = "uri" if source != "isni" else "isni"
                found = Identifier(scheme, raw.strip(), None, "valid", raw)
            if found and found.value:
                out.append(found)
    for f in record.get_fields("010"):
        for raw in _sub(f, "a"):
            ident = idn.lccn(raw)
            if ident:
                out.append(ident)
        for raw in _sub(f, "z"):
            ident = idn.lccn(raw, status="cancelled")
            if ident:
                out.append(ident)
    for f in record.get_fields("035"):
        for raw in _sub(f, "a"):
            if idn.is_oclc_prefixed(raw) or _OCLC_NUMBER_START.match(raw):
                ident = idn.oclc(raw)
                if ident:
                    out.append(ident)
    control = _control(record, "001")
    if control and (
        _OCLC_CONTROL.match(control) or (_control(record, "003") or "").upper() in ("OCOLC", "OCLC")
    ):
        ident = idn.oclc(control)
        if ident:
            out.append(ident)
    for f in record.get_fields("856"):
        for url in _sub(f, "u"):
            if "doi.org/10." in url:
                ident = idn.doi(url)
                if ident:
                    out.append(ident)
    return _dedupe_identifiers(out)


def _dedupe_identifiers(idents: list[Identifier]) -> list[Identifier]:
    seen: dict[tuple[str, str, str], Identifier] = {}
    for i in idents:
        key = (i.scheme, i.value, i.status)
        if key not in seen:
            seen[key] = i
        elif i.qualifier and not seen[key].qualifier:
            seen[key].qualifier = i.qualifier
    return list(seen.values())


# what the compiled core's twin of _identifiers reads, in its order
CORE_IDENTIFIERS = (
    idn.isbn_reference, idn.issn, idn.doi, idn.ismn, idn.lccn_reference, idn.oclc,
    idn.is_oclc_prefixed, Identifier, _NOT_DIGITS.sub, _OCLC_NUMBER_START.match,
    _OCLC_CONTROL.match, _dedupe_identifiers,
)  # fmt: skip


def _publication(
    record: pymarc.Record, script: Script880 | None = None
) -> tuple[str | None, list[str], str | None]:
    if MARC_CORE is not None:  # the compiled twin of _publication_pure
        found: tuple[str | None, list[str], str | None] = MARC_CORE.publication(record, script)
        return found
    return _publication_pure(record, script)


def _publication_pure(
    record: pymarc.Record, script: Script880 | None = None
) -> tuple[str | None, list[str], str | None]:
    """Publisher, places and date of the first statement that has any of them.

    Every ``$a`` of that statement is a place, in order ("Paris ; Lyon" gives both).

    264 with indicator 2 = 1 (publication) comes first, then 260, then the other 264s
    (distribution, manufacture, copyright).  A record whose only publication statement
    is an unlinked 880 (occurrence 00: in the original script, with no romanized field)
    takes it from there.
    """
    candidates = [f for f in record.get_fields("264") if f.indicator2 == "1"]
    candidates += record.get_fields("260")
    candidates += [f for f in record.get_fields("264") if f.indicator2 not in ("1",)]
    if script is not None:
        candidates += script.unlinked("264") + script.unlinked("260")
    for f in candidates:
        places = [p for p in (clean(v) for v in _sub(f, "a")) if p]
        publisher = clean(_first_sub(f, "b"))
        date = clean(_first_sub(f, "c"))
        if places or publisher or date:
            return publisher, list(dict.fromkeys(places)), date
    return None, [], None


def _year(record: pymarc.Record, date: str | None) -> int | None:
    if MARC_CORE is not None:  # the compiled twin of _year_pure
        found: int | None = MARC_CORE.year(record, date)
        return found
    return _year_pure(record, date)


def _year_pure(record: pymarc.Record, date: str | None) -> int | None:
    """008/07-10 when it is a plausible year, else the first year of the date."""
    data008 = _control(record, "008") or ""
    if len(data008) >= 11:
        date1 = data008[7:11]
        # a short or shifted 008 puts anything here ("9490"): only a plausible year counts
        if _YEAR.fullmatch(date1):
            return int(date1)
    if date:
        m = _YEAR.search(date)
        if m:
            return int(m.group(1))
    return None


def _languages(record: pymarc.Record) -> list[str]:
    if MARC_CORE is not None:  # the compiled twin of _languages_pure
        found: list[str] = MARC_CORE.languages(record)
        return found
    return _languages_pure(record)


def _languages_pure(record: pymarc.Record) -> list[str]:
    """The 008 language, then every code of the 041 ``$a $d``, each once."""
    out: list[str] = []
    data008 = _control(record, "008") or ""
    code = data008[35:38].strip().lower() if len(data008) >= 38 else ""
    if _LANGUAGE_CODE.fullmatch(code) and code not in ("zxx", "und", "mul"):
        out.append(code)
    for f in record.get_fields("041"):
        for raw in _sub(f, "a", "d"):
            for i in range(0, len(raw.strip()) - 2, 3):
                c = raw.strip()[i : i + 3].lower()
                if _LANGUAGE_CODE.fullmatch(c):
                    out.append(c)
    return list(dict.fromkeys(out))


_MAX_PAGES = 1_000_000


def _page_count(extent: str | None) -> int | None:
    if not extent:
        return None
    counts = [int(n) for run in _PAGES.findall(extent) for n in _NUMBERS.findall(run)]
    # a typo of twenty digits is no page count (and would not fit the column): none
    counts = [n for n in counts if n <= _MAX_PAGES]
    return max(counts) if counts else None


def _subject_terms(f: pymarc.Field) -> list[str]:
    """The heading of a 6XX field and its subdivisions, joined with " -- ".

    The heading is every lettered subfield but the subdivisions ``$v $x $y $z`` and the
    relator ``$e``, joined as written: "Jobs, Steve, 1955-2011" is one name with its
    dates, "Catholic Church. Pope (1846-1878 : Pius IX)" one body.  Each subdivision
    follows after " -- ".  In 653 (uncontrolled terms) every ``$a`` is a term of its own.
    """
    if f.tag == "653":
        return [t for t in (clean(v) for v in _sub(f, "a")) if t]
    heading: list[str] = []
    subdivisions: list[str] = []
    for sf in f.subfields:
        code, value = sf.code, sf.value
        if not value or not value.strip() or not code.isalpha() or code == "e":
            continue
        if code in "vxyz":
            subdivisions.append(value)
        else:
            heading.append(value)
    parts = [clean(" ".join(heading)) if heading else None]
    parts += [clean(v) for v in subdivisions]
    term = " -- ".join(p for p in parts if p)
    return [term] if term else []


def _subjects(record: pymarc.Record) -> list[Subject]:
    if MARC_CORE is not None:  # the compiled twin of _subjects_pure
        found: list[Subject] = MARC_CORE.subjects(
            record, Subject, _SUBJECT_SCHEMES, _SUBJECT_IND2_TAGS
        )
        return found
    return _subjects_pure(record)


def _subjects_pure(record: pymarc.Record) -> list[Subject]:
    """The reference of the compiled core's ``subjects``."""
    out: list[Subject] = []
    for f in record.fields:
        if not f.tag.startswith("6") or f.is_control_field():
            continue
        terms = _subject_terms(f)
        if not terms:
            continue
        scheme = _SUBJECT_SCHEMES.get(f.indicator2) if f.tag in _SUBJECT_IND2_TAGS else None
        if f.indicator2 == "7" or f.tag not in _SUBJECT_IND2_TAGS:
            scheme = _first_sub(f, "2") or scheme
        out.extend(Subject(term, scheme) for term in terms)
    return out


def _series(record: pymarc.Record) -> list[Series]:
    out: list[Series] = []
    for tag in ("830", "440", "490"):
        for f in record.get_fields(tag):
            title = clean(" ".join(_sub(f, "a", "n", "p")))
            if not title:
                continue
            number = clean(_first_sub(f, "v"))
            issn_raw = _first_sub(f, "x")
            issn = idn.issn(issn_raw) if issn_raw else None
            if tag == "490" and f.indicator1 == "1" and record.get_fields("830"):
                continue  # traced: the 830 carries the authorised form
            out.append(Series(title=title, number=number, issn=issn.value if issn else None))
    return out


def _link_identifiers(field: pymarc.Field) -> list[Identifier]:
    out: list[Identifier] = []
    for raw in _sub(field, "z"):
        i = idn.isbn(raw)
        if i:
            out.append(i)
    for raw in _sub(field, "x"):
        i = idn.issn(raw)
        if i:
            out.append(i)
    for raw in _sub(field, "w"):
        if idn.is_oclc_prefixed(raw):
            i = idn.oclc(raw)
        elif raw.strip().startswith("(DLC)"):
            i = idn.lccn(raw.strip()[5:])
        else:
            i = Identifier("local", raw.strip(), None, "valid", raw)
        if i:
            out.append(i)
    for raw in _sub(field, "o"):
        i = idn.doi(raw)
        if i:
            out.append(i)
    return out


def _host(record: pymarc.Record) -> Host | None:
    for f in record.get_fields("773"):
        title = clean(_first_sub(f, "t") or _first_sub(f, "a"))
        g = " ".join(_sub(f, "g")) or None
        volume = issue = first = last = None
        if g:
            volume, issue, first, last = parse_related_parts(g)
        raw = " ".join(_sub(f, "a", "t", "d", "g", "q")) or None
        return Host(
            id=None,
            title=title,
            identifiers=_link_identifiers(f),
            volume=volume,
            issue=issue,
            first_page=first,
            last_page=last,
            raw=raw,
        )
    return None


_LINKS = {
    "760": "series",
    "762": "has_part",
    "765": "other_edition",
    "767": "other_edition",
    "770": "has_part",
    "772": "part_of",
    "774": "has_part",
    "775": "other_edition",
    "776": "other_format",
    "777": "related",
    "780": "preceding",
    "785": "succeeding",
    "786": "related",
    "787": "related",
}


_LINK_TAGS = tuple(_LINKS)


def _relations(record: pymarc.Record) -> list[Relation]:
    out: list[Relation] = []
    # one pass over the fields says whether there is any linking entry at all (most
    # records have none) where fourteen lookups would
    for tag, rel in _LINKS.items() if record.get_fields(*_LINK_TAGS) else ():
        for f in record.get_fields(tag):
            title = clean(_first_sub(f, "t") or _first_sub(f, "a"))
            note = clean(" ".join(_sub(f, "i", "c", "n")))
            out.append(Relation(type=rel, title=title, identifiers=_link_identifiers(f), note=note))
    for f in record.get_fields("534"):
        title = clean(_first_sub(f, "t"))
        out.append(Relation(type="reproduction_of", title=title, note=clean(_first_sub(f, "p"))))
    return out


def _access(record: pymarc.Record) -> list[Access]:
    out: list[Access] = []
    for f in record.get_fields("856"):
        note = clean("; ".join(_sub(f, "3", "z", "y"))) or None
        for url in _sub(f, "u"):
            u = url.strip()
            kind = "proxy" if ("ezproxy" in u or "login?url=" in u) else "unknown"
            # url, kind, provider, coverage_start, coverage_end, embargo, relationship,
            # note: by position (see _map_book)
            relationship = _856_RELATIONSHIP.get(f.indicator2)
            out.append(Access(u, kind, None, None, None, None, relationship, note))
    return out


def _nonfiling(f: pymarc.Field, title: str | None) -> int:
    """245 indicator 2, the leading characters to skip, when it fits the title.

    It counts in the title as written ("The " is 4, "L'" 2, "al-" 3); a count that does
    not end on a word boundary of our title (a miscoded indicator, or a title taken
    from elsewhere) gives 0 rather than a sort key cut inside a word.
    """
    ind = f.indicator2
    if not title or not ind or not ind.isdigit():
        return 0
    n = int(ind)
    raw = (_first_sub(f, "a") or "").lstrip()
    if n == 0 or n >= len(title) or not raw.startswith(title[:n]):
        return 0
    return n if not title[n - 1].isalnum() and title[n].isalnum() else 0


def _fallback_title(record: pymarc.Record) -> str | None:
    for tag in ("246", "240", "130", "740"):
        for f in record.get_fields(tag):
            t = clean(" ".join(_sub(f, "a", "n", "p")))
            if t:
                return t
    return None


def _title(record: pymarc.Record) -> tuple[str | None, int, str | None, Part | None]:
    """Title, its nonfiling count, subtitle and part from the 245 (or a fallback)."""
    fields = record.get_fields("245")
    if not fields:
        return _fallback_title(record), 0, None, None
    f = fields[0]
    title = clean(" ".join(_sub(f, "a")))
    subtitle = clean(" ".join(_sub(f, "b")))
    number = clean(" ".join(_sub(f, "n")))
    name = clean(" ".join(_sub(f, "p")))
    nonfiling = _nonfiling(f, title)
    if not title and subtitle:
        title, subtitle = subtitle, None
    elif not title and name:
        title, name = name, None
    part = Part(number=number, name=name) if (number or name) else None
    if not title:
        title = _fallback_title(record)
    return title, nonfiling, subtitle, part


def _title_variants(record: pymarc.Record) -> list[str]:
    out = []
    for tag in ("246", "240", "130", "740"):
        for f in record.get_fields(tag):
            t = clean(" ".join(_sub(f, "a", "b", "n", "p")))
            if t:
                out.append(t)
    return list(dict.fromkeys(out))


def _original_script_title(record: pymarc.Record, script: Script880) -> str | None:
    """The 245's 880 pair: ``$a`` with ``$n $p`` (see the module docstring)."""
    fields = record.get_fields("245")
    pair = script.pair(fields[0]) if fields else None
    if pair is None:
        pair = script.first_pair_for("245")
    if pair is None:
        return None
    return clean(" ".join(_sub(pair, "a", "n", "p")))


# The fields that say which record a record without an 001 is.
_IDENTIFYING = ("100", "110", "111", "130", "245", "250", "260", "264", "020", "022", "024")


def content_key(marc: pymarc.Record) -> str:
    """A source id for a record without a control number, made from what identifies it:
    leader/06-07, the 008 dates, the main entry, title, edition, publication and
    standard numbers.  The same record read again, at any place in any file, gets the
    same id; an edit to one of these fields makes it another record (the file's next
    version then withdraws the old one, as it withdraws anything it no longer gives).
    """
    leader = str(marc.leader)
    data008 = _control(marc, "008") or ""
    parts = [leader[6:8], data008[6:15]]
    for tag in _IDENTIFYING:
        for f in marc.get_fields(tag):
            parts.append(tag + "".join(f"{sf.code}{sf.value}" for sf in f.subfields))
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=10).hexdigest()
    return f"no-001:{digest}"


def map_record(marc: pymarc.Record, envelope: RawEnvelope) -> Record:
    """Map one MARC record to the unified record (without the parts of its 505)."""
    return map_records(marc, envelope)[0]


def map_records(
    marc: pymarc.Record,
    envelope: RawEnvelope,
    record_id: str | None = None,
    items: Sequence[ItemField] = KOHA_ITEMS,
) -> list[Record]:
    """The record, then the chapters or volumes its 505 contents note lists."""
    if not isinstance(marc, marc_utf8.INDEXED):
        # The mapping asks for some sixty tags per record; pymarc answers each by
        # scanning every field.  One pass to index them pays for itself (MARCXML and
        # MARC-8 records; the fast UTF-8 reader's records come indexed).
        marc = marc_utf8.IndexedRecord(str(marc.leader), list(marc.fields))
    script = Script880(marc)
    book = _map_book(marc, envelope, script, record_id or envelope.record_id)
    book.holdings = holdings_of(marc, book.medium, items=items)
    parts, volumes = part_records(marc, book, script)
    if volumes and book.type == "book":
        book.type = "book_set"  # its contents note lists volumes
    return [book, *parts]


def _map_book(
    marc: pymarc.Record, envelope: RawEnvelope, script: Script880, record_id: str | None
) -> Record:
    leader = str(marc.leader)
    control = _control(marc, "001")
    # a protocol that names its records (the OAI identifier) decides their identity;
    # a record with no 001 is named by what it says (see content_key)
    source_id = record_id or control or content_key(marc)
    title, nonfiling, subtitle, part = _title(marc)
    publisher, places, date = _publication(marc, script)
    extent_fields = marc.get_fields("300")
    extent = clean(" ".join(_sub(extent_fields[0], "a"))) if extent_fields else None
    medium, evidence = marc_medium.medium(marc, leader)
    edition_fields = marc.get_fields("250")
    abstract_fields = marc.get_fields("520")
    edition = clean(" ".join(_sub(edition_fields[0], "a", "b"))) if edition_fields else None
    abstract = " ".join(_sub(abstract_fields[0], "a")).strip() or None if abstract_fields else None
    # positional, in the fields' order (tests/test_schema.py holds it): a class called
    # with 34 keywords gets them as a dict, which cost 1.5 us a record more
    return Record(
        mint_id(envelope.source, source_id),  # id
        envelope.source,  # source
        source_id,  # source_id
        envelope.format,  # source_format
        marc_medium.record_type(marc, leader),  # type
        medium,  # medium
        evidence,  # medium_evidence
        None,  # cluster_id
        title,  # title
        nonfiling,  # title_nonfiling
        subtitle,  # subtitle
        part,  # part
        _title_variants(marc),  # title_variants
        _original_script_title(marc, script),  # title_original_script
        _contributors(marc, script),  # contributors
        publisher,  # publisher
        places[0] if places else None,  # place
        places,  # places
        date,  # date
        _year(marc, date),  # year
        edition,  # edition
        _languages(marc),  # language
        _identifiers(marc),  # identifiers
        _host(marc),  # host
        _relations(marc),  # relations
        _subjects(marc),  # subjects
        abstract,  # abstract
        extent,  # extent
        _page_count(extent),  # page_count
        _series(marc),  # series
        _access(marc),  # access
        [],  # holdings (map_records adds them)
        leader[5:6] == "d" or envelope.deleted,  # deleted
        envelope.datestamp or _control(marc, "005"),  # datestamp
        envelope.fetched_at,  # harvested_at
        raw_ref(envelope),  # raw_ref
    )


_DEFAULT = MarcSettings()


@register("marc", framers=MARC_FRAMERS, settings=MarcSettings)
def normalize(envelope: RawEnvelope, settings: MarcSettings = _DEFAULT) -> list[Record]:
    """One MARC record (ISO 2709, MARCXML, MARC-in-JSON or MARCMaker) to the record and
    the parts its 505 lists; a deleted OAI-PMH header around MARCXML to a tombstone."""
    data = envelope.payload
    start = data.lstrip()[:1]
    record_id = envelope.record_id
    if envelope.format == "marcxml" or start == b"<":
        root = marc_read.parse_marcxml(data)
        header = marc_read.oai_header(root)
        if header is not None:
            # a saved OAI-PMH response: the OAI identifier names the record, as it does
            # when the repository is harvested
            record_id = record_id or header.identifier
            if header.deleted:  # keyed as oai_dc and mods key theirs (see xml_util.identity)
                key = record_id or envelope.envelope_id
                return [tombstone(envelope, key, header.datestamp)]
        marc = marc_read.marc_from_xml(root)
    elif envelope.format == "marc-json" or start == b"{":
        marc = marc_read.read_marcjson(data)
    elif envelope.format == "marc-mrk" or data.lstrip().startswith(b"=LDR"):
        marc = marc_read.read_mrk(data)
    else:
        marc = marc_read.read_iso2709(data)
    if marc.leader is None or len(str(marc.leader)) < 24:
        raise RecordError("leader is missing or shorter than 24 characters")
    if str(marc.leader)[6:7] in HOLDINGS_LEADER and not marc.get_fields("245"):
        return [holdings_record(marc, envelope, record_id, settings.item_fields)]
    refusal = not_bibliographic(marc)
    if refusal is not None:
        raise RecordError(refusal)
    return map_records(marc, envelope, record_id, settings.item_fields)


# Leader/06 of the MARC 21 formats that are not bibliographic.
_OTHER_FORMATS = {
    "u": "holdings", "v": "holdings", "x": "holdings", "y": "holdings",
    "z": "authority", "w": "classification", "q": "community information",
}  # fmt: skip
_UNIMARC_100 = re.compile(r"^\d{8}[a-z]")


def not_bibliographic(marc: pymarc.Record) -> str | None:
    """Why a record is not a MARC 21 bibliographic record, or None when it is one.

    Holdings, authority, classification and community records share the ISO 2709 and
    MARCXML shapes but describe no bibliographic item: mapped as one they would be
    title-less rows.  UNIMARC records share them too, with other meanings for the same
    tags (the title is in 200, the 100 holds coded data): read as MARC 21 they become
    records whose "author" is a string of codes.  A record whose leader says holdings or
    authority but which has a 245 title statement is read as bibliographic (its leader
    is damaged: Internet Archive has such records).
    """
    leader = str(marc.leader)
    kind = _OTHER_FORMATS.get(leader[6:7])
    # a record with a title statement describes an item, whatever its leader says (a
    # damaged leader; holdings and authority records have no 245)
    if kind is not None and not marc.get_fields("245"):
        return f"MARC {kind} record (leader/06 {leader[6:7]}): not a bibliographic record"
    if not marc.get_fields("245") and marc.get_fields("200"):
        coded = [v for f in marc.get_fields("100") for v in _sub(f, "a")]
        titled = any(_sub(f, "a") for f in marc.get_fields("200"))
        if titled or any(_UNIMARC_100.match(v) for v in coded):
            return (
                "UNIMARC record (title in 200, coded data in 100 $a, no 245): unioncat reads "
                "MARC 21 bibliographic records; convert it to MARC 21 or ask the source for "
                "MARC 21"
            )
    return None
