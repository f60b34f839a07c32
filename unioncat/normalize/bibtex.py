"""The ``bibtex`` format: BibTeX and biblatex entries (``@article{key, ...}``), as
reference managers, publishers, Pure and CNKI write them.

**Framing.** The framer ``bibtex-entries`` cuts a file at every line that opens an entry
(``@type{`` or ``@type(``), reading the file's encoding once as every tagged export is
read (:class:`~unioncat.framing.tagged.TaggedBlocks`: a BOM, UTF-16, GB18030 from CNKI).
Text before the first entry is a comment (BibTeX's rule for anything outside an entry);
``@comment`` and ``@preamble`` blocks are dropped.  An ``@string`` macro is not a record:
it is remembered, and every later entry that names it carries its definition in front of
its own text (with the macros it is built from), so that each entry reads alone, in the
catalog's archive and in ``renormalize``, exactly as in its file.

**Reading.** Each entry is parsed by bibtexparser 2 (``parse_string``): macros resolved
(with BibTeX's ``#`` concatenation, which bibtexparser leaves as written),
enclosing braces or quotes removed, field names in lower case, LaTeX turned into Unicode
(``{\\"u}`` is ü, ``--`` an en dash; braces that protect a name or a word are kept until
the value is used), ``author`` and ``editor`` split at `` and `` into BibTeX's name parts,
a ``{braced name}`` kept whole.  A block bibtexparser could not parse (a brace that is
never closed, a field given twice, a name it cannot split) is quarantined with its reason.

**Mapping.**

- **Type.** The entry type through :mod:`~unioncat.normalize.reference_types`; an
  ``@article`` whose ``entrysubtype`` is ``newspaper`` is a newspaper article; CNKI's
  ``@Misc`` by its ``srcdatabase`` (patents, standards, yearbooks) or, naming a
  newspaper in ``secondarytitle``, a newspaper article.
- **Title.** ``title`` (and biblatex's ``subtitle``); ``shorttitle`` and CNKI's
  ``translatedtitle`` are variants.
- **Names.** ``author``, ``editor``, ``translator``; CNKI's ``tertiaryauthor`` (a
  thesis's supervisor, else a series editor) and ``subsidiaryauthor`` (contributor).
  ``Family, Given``, ``Given Family`` and ``von Last, Jr, First`` by BibTeX's rules; a
  name in Chinese, Japanese or Korean script, or one braced whole, by the catalog's
  (:func:`~unioncat.normalize.citation.person`); CNKI's ``Null`` is no name.
- **Host.** For an article, chapter or paper: ``journal`` (biblatex ``journaltitle``),
  ``booktitle`` or CNKI's ``secondarytitle``; ``volume``, ``number`` (or ``issue``),
  ``pages``; the ``issn`` and ``isbn`` are the host's, and CNKI's ``notes`` holding a
  CN serial number (``42-1112/C``) too.  CNKI writes the ISSN in ``isbn`` as well: an
  eight-character ``isbn`` is read as the ISSN it is.
- **Whole items.** ``isbn``, ``issn`` their own (a standard's ``isbn`` is its number, a
  local id); ``volume`` the part, ``series`` and ``number`` the series, ``pagetotal``
  the pages; ``school`` or ``institution`` the publisher of a thesis or report.
- **Identifiers.** ``doi``; ``eprint`` with its ``eprinttype`` or ``archiveprefix``
  (arXiv, PubMed, PMC, HDL); ``pmid``, ``pmcid``; the entry key, a local id; the number
  of a report or patent (``number``; CNKI's patent number in ``notes``), a local id.
- **Key.** The DOI, else the entry key, else a content key.  CNKI makes its keys from
  the first author and year or the title's first words, and writes ``Null`` for what is
  missing, so its keys repeat (three ``NullNull`` in one file): an entry CNKI wrote (it
  names its ``databaseprovider`` or ``srcdatabase``) is keyed by its content.
- **The rest.** ``date``, else ``year``, ``month`` and ``day``; ``publisher``;
  ``address``/``location`` (CNKI's ``placepublished``) the place; ``language`` or
  ``langid``; ``abstract`` (CNKI's ``(#br)`` line breaks and ``<正>`` mark dropped);
  ``keywords`` as subjects (split at ``,`` and ``;``); ``edition``; ``url`` (and a
  ``howpublished`` that is one), the eprint's page and the DOI's resolver as access,
  open when ``copyright`` is an open licence (Crossref writes its URL there).

Not mapped: ``note``, ``annote``, ``file``, ``crossref`` (an entry is read alone, so the
entry it points to is not merged in), CNKI's ``authoraddress`` (its addresses are not
tied to its authors), ``databaseprovider``, ``typeofwork`` (博士, 硕士: the degree),
``trydate``, ``subject`` (a patent's claims), and ``translatedjournal`` (a host has one
title).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import IO, Any

from bibtexparser import middlewares
from bibtexparser.entrypoint import parse_string
from bibtexparser.library import Library
from bibtexparser.middlewares.names import NameParts, parse_single_name_into_parts
from bibtexparser.model import Entry, ParsingFailedBlock

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing import register_framer
from unioncat.framing.base import Frame
from unioncat.framing.tagged import TaggedBlocks, sniff_opener
from unioncat.identifiers import doi, issn
from unioncat.ids import mint_id
from unioncat.normalize.base import register
from unioncat.normalize.citation import CJK, content_key, page_range
from unioncat.normalize.cnki import cn_number, type_of_database
from unioncat.normalize.languages import language_codes
from unioncat.normalize.reference_types import (
    BIBTEX_TYPES,
    PARTS,
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

# -- framing ---------------------------------------------------------------------------------

_OPENER = re.compile(rb"^\s*@\s*([A-Za-z]+)\s*[{(]")
_ANYTHING = re.compile(rb"")  # before the first entry every line is a comment
_MACRO_NAME = re.compile(rb"^\s*@\s*string\s*[{(]\s*([^\s=#{}(),\"]+)\s*=", re.I)
_WORD = re.compile(rb"[A-Za-z_][\w\-:.+/']*")

BIBTEX_BLOCKS = TaggedBlocks(_OPENER, "BibTeX entry (@type{key, ...})", header=_ANYTHING)


class _Macros:
    """The ``@string`` definitions met so far, and which of them an entry needs."""

    def __init__(self) -> None:
        self.text: dict[bytes, bytes] = {}  # name (lower case): its definition
        self.needs: dict[bytes, list[bytes]] = {}  # name: the names it is built from

    def define(self, block: bytes) -> None:
        m = _MACRO_NAME.match(block)
        if m is None:
            return  # bibtexparser reports nothing of it: an @string it cannot read is moot
        name = m.group(1).lower()
        body = block[m.end() :]
        self.needs[name] = [w for w in self._named(body) if w != name]
        self.text[name] = block.rstrip() + b"\n"

    def _named(self, text: bytes) -> list[bytes]:
        if not self.text:
            return []
        words = {w.lower() for w in _WORD.findall(text)}
        return [name for name in self.text if name in words]

    def for_entry(self, entry: bytes) -> bytes:
        """The definitions ``entry`` needs, in the order they were given."""
        wanted: set[bytes] = set()
        todo = self._named(entry)
        while todo:
            name = todo.pop()
            if name not in wanted:
                wanted.add(name)
                todo += self.needs.get(name, [])
        return b"".join(text for name, text in self.text.items() if name in wanted)


@register_framer(
    "bibtex-entries",
    sniff=sniff_opener(_OPENER),
    description="BibTeX and biblatex entries (@type{key, ...}); @string macros carried along",
)
def frame_entries(stream: IO[bytes]) -> Iterator[Frame]:
    """One frame per entry, with the ``@string`` definitions it uses in front of it."""
    macros = _Macros()
    position = 0
    for frame in BIBTEX_BLOCKS(stream):
        if frame.error is not None:
            yield Frame(frame.payload, position, error=frame.error)
            position += 1
            continue
        m = _OPENER.match(frame.payload)
        kind = m.group(1).lower() if m else b""
        if kind == b"string":
            macros.define(frame.payload)
            continue
        if kind in (b"comment", b"preamble"):
            continue
        yield Frame(macros.for_entry(frame.payload) + frame.payload, position, note=frame.note)
        position += 1


# -- reading ---------------------------------------------------------------------------------

# What LaTeX says beyond grouping: a command or math needs pylatexenc; ligatures and
# ties are read here (pylatexenc takes a millisecond for any string, and most values
# hold none of it).
_COMMAND = re.compile(r"[\\$]")
_LIGATURES = (("---", "\u2014"), ("--", "\u2013"), ("``", "\u201c"), ("''", "\u201d"))
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")
_ESCAPED = re.compile(r"\\([&%_#$])")


class _Decoding(middlewares.LatexDecodingMiddleware):
    """bibtexparser's LaTeX decoding, braces kept (so that a braced name stays whole
    when the names are split after it), asked only of values that hold LaTeX.

    A ``%`` that is not escaped is text, as CNKI writes it ("43% of"), not LaTeX's
    comment, which would drop the rest of the value."""

    def __init__(self) -> None:
        super().__init__(allow_inplace_modification=True, keep_braced_groups=True)

    def _transform_python_value_string(self, python_string: str) -> tuple[str, str]:
        text = python_string
        if _COMMAND.search(text):
            if _COMMAND.search(_ESCAPED.sub("", text)):
                text = _UNESCAPED_PERCENT.sub(r"\\%", text)
                decoded: tuple[str, str] = super()._transform_python_value_string(text)
                return decoded
            text = _ESCAPED.sub(r"\1", text)  # only \& \% \_ \# \$: the characters
        if "-" in text or "`" in text or "'" in text:
            for ligature, char in _LIGATURES:
                text = text.replace(ligature, char)
        return text.replace("~", "\u00a0"), ""


class _SplitNames(middlewares.SplitNameParts):
    """bibtexparser's name parts, except for a name in CJK script, which is left as it
    is written: BibTeX would read ``王 小明`` as given name 王, family name 小明."""

    def _transform_field_value(self, name: list[str]) -> list[Any]:
        if not isinstance(name, list):
            return super()._transform_field_value(name)
        return [n if CJK.search(n) else parse_single_name_into_parts(n) for n in name]


class _Interpolating(middlewares.ResolveStringReferencesMiddleware):
    """bibtexparser's macro resolution, with BibTeX's ``#`` concatenation
    (``journal = jnl # " Letters"``, ``month = jan # "~15"``) and macros defined by other
    macros, which it leaves as written."""

    def transform(self, library: Library) -> Library:
        strings = {key.lower(): s.value for key, s in library.strings_dict.items()}
        for entry in library.entries:
            for f in entry.fields:
                value = f.value
                if not isinstance(value, str) or not value:
                    continue
                if value[0] in '{"' and ("#" not in value or len(_concatenated(value)) == 1):
                    continue  # one braced or quoted value: nothing to resolve
                f.value = "{" + _interpolated(value, strings, 0) + "}"
        return library


def _interpolated(value: str, strings: dict[str, str], depth: int) -> str:
    """A value of quoted, braced, numeric and macro parts joined by ``#``, as text (a
    macro BibTeX does not know, like ``feb``, stands for its name)."""
    out: list[str] = []
    for part in _concatenated(value):
        if part[:1] in ("{", '"') and len(part) > 1:
            out.append(part[1:-1])
        elif part.lower() in strings and depth < 16:
            out.append(_interpolated(strings[part.lower()], strings, depth + 1))
        else:
            out.append(part)
    return "".join(out)


_STRUCTURE = re.compile(r'[{}"#]')


def _concatenated(value: str) -> list[str]:
    """The parts of ``a # "b" # {c}``, split at the ``#`` outside braces and quotes."""
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    for m in _STRUCTURE.finditer(value):  # only these characters: values can be long
        n, ch = m.start(), m.group()
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        elif ch == '"' and depth == 0:
            quoted = not quoted
        elif ch == "#" and depth == 0 and not quoted:
            parts.append(value[start:n].strip())
            start = n + 1
    parts.append(value[start:].strip())
    return [p for p in parts if p]


_NAME_FIELDS = ("author", "editor", "translator", "tertiaryauthor", "subsidiaryauthor", "advisor")
_STACK = (
    _Interpolating(allow_inplace_modification=True),
    middlewares.RemoveEnclosingMiddleware(allow_inplace_modification=True),
    middlewares.NormalizeFieldKeys(allow_inplace_modification=True),
    _Decoding(),
    middlewares.SeparateCoAuthors(allow_inplace_modification=True, name_fields=_NAME_FIELDS),
    _SplitNames(allow_inplace_modification=True, name_fields=_NAME_FIELDS),
)


def _parse(text: str) -> Entry:
    library = parse_string(text, parse_stack=_STACK)
    if library.failed_blocks:
        raise RecordError(_failure(library.failed_blocks[0]))
    entries = library.entries
    if len(entries) != 1:
        raise RecordError(
            "not a BibTeX entry: the text holds no @type{key, ...}"
            if not entries
            else f"one payload holds {len(entries)} BibTeX entries; frame it"
        )
    return entries[0]


def _failure(block: ParsingFailedBlock) -> str:
    """What bibtexparser could not read, in which entry, and what to do."""
    error = block.error
    reason = getattr(error, "abort_reason", None) or str(error) or type(error).__name__
    reason = reason.split(" Note: ")[0].strip().rstrip(".")
    if reason == "Unexpectedly reached end of file":
        reason = (
            "a brace or quote opened in it is never closed, so it runs to the end of its "
            "text (a truncated file, or a missing '}')"
        )
    return (
        f"BibTeX entry {_entry_name(block.raw or '')} cannot be read: {reason}; "
        "correct it and export again"
    )


def _entry_name(raw: str) -> str:
    m = _ENTRY_NAME.match(raw)
    if m is not None:
        return f"@{m.group(1)}{{{m.group(2)}}}"
    line = raw.strip().splitlines()[0].strip() if raw.strip() else "(empty)"
    return line if len(line) <= 60 else line[:57] + "..."


_ENTRY_NAME = re.compile(r"\s*@\s*(\w+)\s*[{(]\s*([^,\s]*)")


# -- mapping ---------------------------------------------------------------------------------

_BRACES = str.maketrans("", "", "{}")
_LIST = re.compile(r"\s*[,;，；]+\s*")
_SEPARATOR = re.compile(r"[,;，；]")
_CNKI_MARKS = ("<正>", "Abstract(#br)")  # what CNKI puts before an abstract
_WEB = re.compile(r"^(?:https?|ftp)://\S+$", re.I)
_MONTHS = re.compile(r"^\d{1,2}$")
_PATENT = re.compile(r"^[A-Z]{2}\d{5,}[A-Z]?\d?$")  # CN108722921A
_OPEN_LICENCE = re.compile(r"creativecommons\.org|opensource\.org|/publicdomain/", re.I)
_NULL = "Null"  # CNKI's word for a missing value
_EPRINTS = {
    "arxiv": ("arxiv", "https://arxiv.org/abs/{}"),
    "pubmed": ("pmid", "https://pubmed.ncbi.nlm.nih.gov/{}/"),
    "pmc": ("pmcid", "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/"),
    "hdl": ("handle", "https://hdl.handle.net/{}"),
    "handle": ("handle", "https://hdl.handle.net/{}"),
    "jstor": ("jstor", "https://www.jstor.org/stable/{}"),
}
_NUMBER_OF = {"patent": "patent number", "report": "report number", "standard": "standard number"}


@register("bibtex", framers=("bibtex-entries",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One BibTeX entry to one record."""
    try:
        text = envelope.payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RecordError(
            f"a BibTeX entry that is not UTF-8 (byte {exc.start}); the framer hands on UTF-8, "
            "so this payload did not come through it"
        ) from exc
    entry = _parse(text)
    return [_map(envelope, entry)]


def _text(value: Any) -> str | None:
    """A field's text: braces gone, white space collapsed, CNKI's ``Null`` nothing."""
    if not isinstance(value, str):
        return None
    if "{" in value or "}" in value:
        value = value.translate(_BRACES)
    if "  " in value or not value.isprintable():  # a line end, a tab, an odd space
        text = " ".join(value.split())
    else:
        text = value.strip()
    return text if text and text != _NULL else None


class _Fields:
    """An entry's fields by their (lower-case) names, as text when asked."""

    __slots__ = ("texts", "values")

    def __init__(self, entry: Entry) -> None:
        self.values: dict[str, Any] = {f.key: f.value for f in entry.fields}
        self.texts: dict[str, str | None] = {}  # worked out once a field: asked many times

    def __call__(self, *keys: str) -> str | None:
        texts = self.texts
        for key in keys:
            if key in texts:
                text = texts[key]
            else:
                value = self.values.get(key)
                text = texts[key] = None if value is None else _text(value)
            if text:
                return text
        return None


def _map(envelope: RawEnvelope, entry: Entry) -> Record:
    get = _Fields(entry)
    values = get.values
    kind = entry.entry_type.lower()
    cnki = "databaseprovider" in values or "srcdatabase" in values
    rtype, medium = _type(kind, get, cnki)
    title = get("title")
    where = f"@{entry.entry_type}{{{entry.key}}}"
    if not title:
        raise RecordError(f"BibTeX entry {where} without a title: nothing to catalog")
    date, year = _date(get)
    contributors = _names(values, rtype)
    own_doi = _doi(get("doi"))
    ids: list[Identifier] = [own_doi] if own_doi else []
    numbers = _numbers(get, rtype)
    first_page, last_page = page_range(get("pages"))
    host: Host | None = None
    part: Part | None = None
    series: list[Series] = []
    page_count: int | None = None
    publisher = get("publisher")
    if rtype in PARTS:
        serial = cn_number(get("notes")) if cnki else None
        if serial is not None:
            numbers.append(serial)
        host = Host(
            title=get("journal", "journaltitle", "booktitle", "secondarytitle"),
            identifiers=numbers,
            volume=get("volume"),
            issue=get("number", "issue"),
            first_page=first_page,
            last_page=last_page,
        )
    else:
        ids += numbers
        volume = get("volume")
        part = Part(number=volume) if volume else None
        series_title = get("series")
        if series_title:
            series.append(Series(title=series_title, number=get("number")))
        elif rtype in ("report", "patent") and (number := get("number")):
            ids.append(Identifier("local", number, qualifier=_NUMBER_OF[rtype], raw=number))
        elif rtype == "patent" and cnki:
            number = get("notes", "typeofwork")
            if number and _PATENT.match(number):
                ids.append(Identifier("local", number, qualifier="patent number", raw=number))
        total = get("pagetotal")
        page_count = int(total) if total and total.isdigit() else None
        if rtype in ("thesis", "report"):
            publisher = publisher or get("school", "institution")
        elif rtype in ("proceedings", "book"):
            publisher = publisher or get("organization")
    eprint, links = _eprint(get)
    ids += eprint
    ids.append(Identifier("local", entry.key, qualifier="bibtex key", raw=entry.key))
    if own_doi is not None and own_doi.status == "valid":
        source_id = own_doi.value
    elif not cnki:
        source_id = f"key:{entry.key}"
    else:
        source_id = content_key(
            title, year, [c.name for c in contributors[:1]], host.title if host else None,
            first_page,
        )  # fmt: skip
    place = get("address", "location", "placepublished")
    variants = [v for v in (get("shorttitle"), get("translatedtitle")) if v and v != title]
    return Record(
        id=mint_id(envelope.source, source_id),
        source=envelope.source,
        source_id=source_id,
        source_format=envelope.format,
        type=rtype,
        medium=medium,
        medium_evidence=[f"bibtex: @{kind}"] if medium != "unknown" else [],
        title=title,
        subtitle=get("subtitle"),
        part=part,
        title_variants=list(dict.fromkeys(variants)),
        contributors=contributors,
        publisher=publisher,
        place=place,
        places=[place] if place else [],
        date=date,
        year=year,
        edition=get("edition"),
        language=language_codes([lang]) if (lang := get("language", "langid")) else [],
        identifiers=ids,
        host=host,
        subjects=[Subject(term=t) for t in _listed(get("keywords"))],
        abstract=_abstract(get("abstract")),
        page_count=page_count,
        series=series,
        access=_access(get, links, own_doi),
        harvested_at=envelope.fetched_at,
        raw_ref=raw_ref(envelope),
    )


def _type(kind: str, get: _Fields, cnki: bool) -> tuple[str, str]:
    rtype, medium = BIBTEX_TYPES.get(kind, ("other", "unknown"))
    if kind == "article":
        subtype = (get("entrysubtype") or "").lower()
        if subtype == "newspaper":
            rtype = "newspaper_article"
    elif kind == "misc" and cnki:
        found = type_of_database(get("srcdatabase"))
        if found is not None:
            return found, medium
        if get("secondarytitle"):
            rtype = "newspaper_article"  # CNKI's @Misc that names its newspaper
    return rtype, medium


def _date(get: _Fields) -> tuple[str | None, int | None]:
    written = get("date")
    if written:
        found: tuple[str | None, int | None] = date_in(written)
        if found[0]:
            return found
    year = get("year")
    if not year:
        return None, None
    month, day = get("month"), get("day")
    if month and _MONTHS.match(month):
        return date_in(f"{year}-{month}" + (f"-{day}" if day else ""))
    if month:
        return date_in(f"{year} {month}" + (f" {day}" if day else ""))
    return date_in(year)


def _names(values: dict[str, Any], rtype: str) -> list[Contributor]:
    roles = (
        ("author", "author"),
        ("editor", "editor"),
        ("translator", "translator"),
        ("advisor", "thesis advisor"),
        ("tertiaryauthor", "thesis advisor" if rtype == "thesis" else "series editor"),
        ("subsidiaryauthor", "contributor"),
    )
    out: list[Contributor] = []
    for key, role in roles:
        names = values.get(key)
        if not isinstance(names, list):
            continue
        for name in names:
            # CNKI joins bodies with the enumeration comma: 中国城市规划学会、杭州市人民政府
            pieces = name.split("、") if isinstance(name, str) else (name,)
            for piece in pieces:
                found = _contributor(piece, role)
                if found is not None:
                    out.append(found)
    return out


def _contributor(name: NameParts | str, role: str) -> Contributor | None:
    if isinstance(name, str):  # in CJK script: the catalog's reading of it
        text = _text(name)
        return person_of(text, role) if text else None
    first = _text(" ".join(name.first))
    family = _text(" ".join(name.von + name.last))
    jr = _text(" ".join(name.jr))
    if not family:
        return person_of(first, role) if first else None
    if not first and not jr:
        braced_whole = len(name.last) == 1 and not name.von and " " in family
        found = person_of(family, role)
        if found is not None and braced_whole and not CJK.search(family):
            found.kind = "organization"  # {World Health Organization}: a body, not a person
            found.family = found.given = None
            found.name = family
        return found
    written = ", ".join(p for p in (family, jr, first) if p)
    return Contributor(name=written, family=family, given=first, role=role)


def _doi(written: str | None) -> Identifier | None:
    if not written:
        return None
    return doi(written) or Identifier("doi", written, status="invalid", raw=written)


def _numbers(get: _Fields, rtype: str) -> list[Identifier]:
    """ISSNs and ISBNs: an ``isbn`` of eight characters is the ISSN CNKI copies there; a
    standard's ``isbn`` is its number."""
    out: list[Identifier] = []
    for key in ("issn", "eissn", "isbn"):
        for written in _listed(get(key)):
            found: Identifier | None
            digits = sum(1 for ch in written if ch.isdigit() or ch in "Xx")
            if key == "isbn" and rtype in _NUMBER_OF:
                found = isbn_of(written)
                if found is None or found.status != "valid":
                    found = Identifier("local", written, qualifier=_NUMBER_OF[rtype], raw=written)
            elif key != "isbn" or digits == 8:
                found = issn(written) or Identifier("issn", written, status="invalid", raw=written)
                if key == "eissn":
                    found.qualifier = "electronic"
            else:
                found = isbn_of(written) or Identifier(
                    "isbn", written, status="invalid", raw=written
                )
            if not any(i.scheme == found.scheme and i.value == found.value for i in out):
                out.append(found)
    return out


def _eprint(get: _Fields) -> tuple[list[Identifier], list[str]]:
    ids: list[Identifier] = []
    links: list[str] = []
    for key, scheme in (("pmid", "pmid"), ("pmcid", "pmcid")):
        value = get(key)
        if value:
            ids.append(Identifier(scheme, value, raw=value))
    eprint = get("eprint")
    if eprint:
        kind = (get("eprinttype", "archiveprefix") or "").lower()
        scheme, link = _EPRINTS.get(kind, ("", ""))
        if scheme in ("pmid", "pmcid"):
            if not any(i.scheme == scheme for i in ids):
                ids.append(Identifier(scheme, eprint, raw=eprint))
        elif kind == "doi":
            found = doi(eprint)
            if found is not None:
                ids.append(found)
        else:
            ids.append(
                Identifier("local", eprint, qualifier=scheme or kind or "eprint", raw=eprint)
            )
        if link:
            links.append(link.format(eprint))
    return ids, links


def _listed(text: str | None) -> list[str]:
    if not text:
        return []
    if not _SEPARATOR.search(text):
        return [text]
    return list(dict.fromkeys(p for p in _LIST.split(text) if p))


def _abstract(text: str | None) -> str | None:
    if not text:
        return None
    if "(#br)" in text or "<正>" in text:
        for mark in _CNKI_MARKS:
            if text.startswith(mark):
                text = text[len(mark) :]
        text = " ".join(text.replace("(#br)", " ").split())
    return text or None


def _access(get: _Fields, links: list[str], own_doi: Identifier | None) -> list[Access]:
    """The entry's web addresses; open when its ``copyright`` (as Crossref writes it) is
    an open licence, which is then the note."""
    urls = [u for u in (get("url"), get("howpublished")) if u and _WEB.match(u)]
    urls += links
    if own_doi is not None and own_doi.status == "valid":
        urls.append(f"https://doi.org/{own_doi.value}")
    licence = get("copyright")
    kind = "open" if licence and _OPEN_LICENCE.search(licence) else "unknown"
    return [Access(url=u, kind=kind, note=licence) for u in dict.fromkeys(urls)]
