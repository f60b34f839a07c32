"""MARC 21 holdings: where a library keeps an item and which volumes and years it has.

Holdings come two ways.  Embedded in the bibliographic record, as ILS exports give them:
852 (location and call number) with 866-868 (textual holdings of the basic unit,
supplements and indexes) and 853-855/863-865 (captions and the enumeration and
chronology they label), or an ILS's item field (Koha's 952 by default; a source
names its own ILS's tag and subfields in ``format_options: {item_fields: [...]}``).
Or as separate MARC holdings records (leader/06 ``u``, ``v``, ``x``, ``y``), which
name the bibliographic record they hold in 004; such a record becomes a record of
type ``holdings`` whose holdings point at that one (``of_record``), and the catalog's
``holdings`` view puts them on it.

Fields of one holding are tied by the link number of ``$8`` (852 ``$8 1``, 866
``$8 1.1``); without link numbers, statements go with the one location there is, or
stand alone.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import ConfigError, RecordError
from unioncat.ids import mint_id
from unioncat.normalize.marc_text import clean
from unioncat.schemas.record import Holding, Record

if TYPE_CHECKING:
    import pymarc

HOLDINGS_LEADER = frozenset("uvxy")
_TEXTUAL = {"866": None, "867": "supplements", "868": "indexes"}
_CAPTIONS = {"863": "853", "864": "854", "865": "855"}
_RANGE = re.compile(r"^\s*([^-]*?)\s*(?:-\s*(.*?)\s*)?$")


def _sub(f: pymarc.Field, *codes: str) -> list[str]:
    return [v.strip() for c, v in _pairs(f) if c in codes and v and v.strip()]


def _pairs(f: pymarc.Field) -> list[tuple[str, str]]:
    return [(s.code, s.value) for s in f.subfields] if not f.is_control_field() else []


def _link(f: pymarc.Field) -> str | None:
    """The link number of ``$8`` (its part before the dot): which 852 a field goes with."""
    for value in _sub(f, "8"):
        return value.split(".")[0].split("\\")[0] or None
    return None


def _form(marc: pymarc.Record, medium: str) -> str:
    """Print unless the record says microform or electronic (its 007, or its medium)."""
    for f in marc.get_fields("007"):
        kind = str(f.data or "")[:1]
        if kind == "h":
            return "microform"
        if kind == "c":
            return "electronic"
    return medium if medium in ("microform", "electronic") else "print"


def _location(f: pymarc.Field) -> Holding:
    holder = next(iter(_sub(f, "a")), None)
    location = " ".join(_sub(f, "b", "c")) or None
    call = " ".join(_sub(f, "k", "h", "i", "m")) or " ".join(_sub(f, "j")) or None
    return Holding(
        holder=holder,
        location=location,
        call_number=call,
        url=next(iter(_sub(f, "u")), None),
        note="; ".join(_sub(f, "z", "x")) or None,
    )


@dataclass(frozen=True, slots=True)
class ItemField:
    """Where an ILS writes its items: the tag, and the subfield codes of each part of a
    holding (several codes are joined in order, ``"bc"`` for branch then shelf).  The
    default is Koha's 952: $a home library, $b and $c branch and shelving location, $o
    call number, $h volume and issue, $p barcode, $u a URL."""

    tag: str = "952"
    holder: str = "a"
    location: str = "bc"
    call_number: str = "o"
    coverage: str = "h"
    barcode: str = "p"
    url: str = "u"
    note: str = ""

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], where: str) -> ItemField:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; an item field "
                f"names its tag and the subfields of: {', '.join(sorted(known - {'tag'}))}",
                stage="config",
            )
        values = {k: str(v) for k, v in raw.items()}
        tag = values.get("tag", "")
        if not re.fullmatch(r"[0-9A-Za-z]{3}", tag) or tag < "010":
            raise ConfigError(
                f"{where}.tag must be a data field's three-character tag (such as 949 or "
                f"952), not {tag!r}",
                stage="config",
            )
        for key, codes in values.items():
            if key != "tag" and not re.fullmatch(r"[0-9a-z]*", codes):
                raise ConfigError(
                    f"{where}.{key}: {codes!r} is not a run of subfield codes (letters and "
                    "digits, such as 'a' or 'bc')",
                    stage="config",
                )
        return cls(**values)


KOHA_ITEMS: tuple[ItemField, ...] = (ItemField(),)


@dataclass(frozen=True, slots=True)
class MarcSettings:
    """A MARC source's ``format_options``: the item fields its ILS writes.
    ``item_fields`` replaces Koha's 952 (an empty list reads no item field)."""

    item_fields: tuple[ItemField, ...] = KOHA_ITEMS

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any], where: str) -> MarcSettings:
        unknown = sorted(set(raw) - {"item_fields"})
        if unknown:
            raise ConfigError(
                f"{where}: unknown key(s) {', '.join(map(repr, unknown))}; MARC takes "
                "item_fields (a list of {tag: ..., holder: ..., call_number: ...})",
                stage="config",
            )
        items = raw.get("item_fields", [])
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            raise ConfigError(
                f"{where}.item_fields must be a list of mappings, one per ILS item tag",
                stage="config",
            )
        return cls(
            tuple(
                ItemField.from_mapping(i, f"{where}.item_fields[{n}]") for n, i in enumerate(items)
            )
        )


def _item(f: pymarc.Field, layout: ItemField) -> Holding:
    def part(codes: str) -> str | None:
        return " ".join(_sub(f, *codes)) or None if codes else None

    barcode = part(layout.barcode)
    notes = [n for n in (part(layout.note), f"barcode {barcode}" if barcode else None) if n]
    return Holding(
        holder=next(iter(_sub(f, *layout.holder)), None) if layout.holder else None,
        location=part(layout.location),
        call_number=part(layout.call_number),
        coverage=part(layout.coverage),
        url=next(iter(_sub(f, *layout.url)), None) if layout.url else None,
        note="; ".join(notes) or None,
    )


def _split(value: str | None) -> tuple[str | None, str | None]:
    """``1-20`` is (1, 20); ``5`` is (5, 5); ``5-`` is (5, None): still received."""
    if not value:
        return None, None
    found = _RANGE.match(value)
    if found is None:
        return value, value
    start, end = found.group(1) or None, found.group(2)
    if "-" not in value:
        end = start
    return start, end or None


def _enumeration(
    f: pymarc.Field, captions: dict[tuple[str, str | None], pymarc.Field]
) -> dict[str, str | None]:
    """The first and last volume, issue and year of one 863-865, with its caption's words
    for the statement (``v.1-20 (1990-2009)``)."""
    link = _link(f)
    caption = captions.get((_CAPTIONS[f.tag], link)) or captions.get((_CAPTIONS[f.tag], None))
    words = {c: v for c, v in _pairs(caption)} if caption is not None else {}
    level1, level2 = next(iter(_sub(f, "a")), None), next(iter(_sub(f, "b")), None)
    years = next(iter(_sub(f, "i")), None)
    v1, v2 = _split(level1)
    i1, i2 = _split(level2)
    y1, y2 = _split(years)
    text = " ".join(
        p
        for p in (
            f"{words.get('a', '')}{level1}" if level1 else "",
            f"{words.get('b', '')}{level2}" if level2 else "",
            f"({years})" if years else "",
        )
        if p
    )
    return {"start_volume": v1, "end_volume": v2, "start_issue": i1, "end_issue": i2,
            "start_date": y1, "end_date": y2, "coverage": text or None}  # fmt: skip


_YEAR = re.compile(r"(?<!\d)(1[5-9]\d\d|20\d\d)(?!\d)")


def years_of(statement: str) -> tuple[str | None, str | None]:
    """The first and last year a textual holdings statement names (``v.1(1995)-v.20(2014)``
    is 1995 to 2014); one that ends in an open hyphen (``v.1(1995)-``) runs to date.
    Gaps inside it (``1929-1942; 1979``) are left to the statement itself."""
    years = _YEAR.findall(statement)
    if not years:
        return None, None
    open_end = statement.rstrip().endswith("-")
    return years[0], None if open_end else years[-1]


# The fields that state a holding; a caption (853-855) states none without its 863-865.
_STATEMENT_TAGS = ("852", *_CAPTIONS, *_TEXTUAL)


def _states_holdings(marc: pymarc.Record, items: Sequence[ItemField]) -> bool:
    """Whether any field states a holding: most bibliographic records state none, and
    gathering nothing from a dozen tags cost more than the rest of their holdings."""
    # one ask for every tag: the indexed readers answer it from their index
    return bool(marc.get_fields(*_STATEMENT_TAGS, *(layout.tag for layout in items)))


def holdings_of(
    marc: pymarc.Record,
    medium: str,
    of_record: str | None = None,
    items: Sequence[ItemField] = KOHA_ITEMS,
) -> list[Holding]:
    """Every holding a MARC record states: its 852s with their statements, its ILS item
    fields, and statements with no location of their own."""
    if not _states_holdings(marc, items):
        return []
    form = _form(marc, medium)
    locations = [(_link(f), _location(f)) for f in marc.get_fields("852")]
    by_link = {link: h for link, h in locations if link}
    loose: list[Holding] = []

    def home(f: pymarc.Field) -> Holding:
        link = _link(f)
        if link in by_link:
            return by_link[link]
        if len(locations) == 1:
            return locations[0][1]
        made = Holding()
        loose.append(made)
        return made

    enumerated: list[tuple[Holding, str]] = []
    captions = {(f.tag, _link(f)): f for t in _CAPTIONS.values() for f in marc.get_fields(t)}
    for tag in _CAPTIONS:
        for f in marc.get_fields(tag):
            holding = home(f)
            parts = _enumeration(f, captions)
            if holding.start_volume is None and holding.start_date is None:
                for key in ("start_volume", "start_issue", "start_date"):
                    setattr(holding, key, parts[key])
            for key in ("end_volume", "end_issue", "end_date"):
                if parts[key] is not None or parts["start_volume"] is not None:
                    setattr(holding, key, parts[key])
            if parts["coverage"]:
                enumerated.append((holding, parts["coverage"]))
    for tag, kind in _TEXTUAL.items():
        for f in marc.get_fields(tag):
            text = " ".join(_sub(f, "a"))
            if not text:
                continue
            holding = home(f)
            said = f"{kind}: {text}" if kind else text
            holding.coverage = f"{holding.coverage}; {said}" if holding.coverage else said
            if kind is None and holding.start_date is None and holding.end_date is None:
                holding.start_date, holding.end_date = years_of(text)
            public = "; ".join(_sub(f, "z"))
            if public:
                holding.note = f"{holding.note}; {public}" if holding.note else public
    for holding, text in enumerated:  # a statement in words wins over one composed
        holding.coverage = holding.coverage or text
    out = [h for _, h in locations] + loose
    out += [_item(f, layout) for layout in items for f in marc.get_fields(layout.tag)]
    for h in out:
        h.form = form
        h.of_record = of_record
        h.location = clean(h.location) if h.location else None
    return out


def holdings_record(
    marc: pymarc.Record,
    envelope: RawEnvelope,
    record_id: str | None,
    items: Sequence[ItemField] = KOHA_ITEMS,
) -> Record:
    """A separate MARC holdings record, as a record of type ``holdings`` whose holdings
    are those of the bibliographic record its 004 names."""
    control = next((str(f.data).strip() for f in marc.get_fields("001") if f.data), None)
    linked = next((str(f.data).strip() for f in marc.get_fields("004") if f.data), None)
    source_id = record_id or control
    if not source_id:
        raise RecordError("MARC holdings record without an 001: nothing keys it")
    if not linked:
        raise RecordError(
            f"MARC holdings record {source_id} has no 004: it does not say which "
            "bibliographic record it holds"
        )
    holdings = holdings_of(marc, "print", of_record=linked, items=items)
    if not holdings:
        raise RecordError(
            f"MARC holdings record {source_id} (for {linked}) states no holding: no 852, "
            "866-868 or 863-865"
        )
    return Record(
        id=mint_id(envelope.source, source_id),
        source=envelope.source,
        source_id=source_id,
        source_format=envelope.format,
        type="holdings",
        medium=holdings[0].form,
        title=f"holdings of {linked}",
        holdings=holdings,
        deleted=str(marc.leader)[5:6] == "d" or envelope.deleted,
        datestamp=envelope.datestamp,
        harvested_at=envelope.fetched_at,
        raw_ref=raw_ref(envelope),
    )
