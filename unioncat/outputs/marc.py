"""MARC 21 out of the unified record: each field back in its MARC place.

The record is written as the ``marc`` normalizer reads it, so that MARCXML written here
and read again gives the same unified record: leader/06-07 and 008 say the type (the
level, a set, a thesis, a conference, a dataset), the 008 form of item and the 338
carrier the medium; 245 carries the non-filing count in indicator 2, the subtitle in
``$b`` and the part in ``$n $p``; names go to 100/110/111 (the first author) and
700/710/711 with their relators in ``$e``, identifiers in ``$0`` and their original
script in an 880 pair; ISBNs to 020
(``$z`` when cancelled, the qualifier in ``$q``), ISSNs to 022 (``$l`` the linking ISSN,
``$y`` and ``$z`` the invalid and cancelled), DOIs, ISMNs, EANs and URIs to 024, LCCNs
to 010, OCLC numbers to 035; the host to 773 with ``$g`` (volume, issue, pages), other
formats and editions to 776/775 and the other links to their 7XX, access to 856 (the
indicator 2 its relationship), series to 490, subjects to 650 (or 653 when no scheme
is known), the abstract to 520, the title in its original script to an 880 pair, and the parts a
505 gave (chapters, volumes) back into an enhanced 505.

What cannot survive the round trip (the unified record keeps less than MARC, or MARC
has no place for it) is listed in :data:`LOST`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from unioncat.outputs.rows import items
from unioncat.xmlsafe import MARCXML_NS
from unioncat.xmltext import attr, text

# What the unified record holds that MARC written here does not give back as it was.
LOST = {
    "type": "patent, standard, newspaper_article and the generic sound_recording have no "
    "leader/06-07 of their own: they are written as a book, a book, an article and a "
    "musical recording; other (a leader/06 MARC does not define) is written as a book; "
    "holdings are not bibliographic records",
    "medium": "unknown is written with 008 form of item '|' (no attempt to code), which a "
    "300 extent in pages can still read as print",
    "title_variants": "written as 246; a variant taken from 130, 240 or 740 comes back from 246",
    "contributors.affiliations": "written in $u, which the reader does not keep",
    "holdings": "holdings go to the holdings export (852/86X belong to holdings records)",
    "880": "only the title's, the names' and the 505 parts' original script is kept by the "
    "unified record, so only those 880 pairs are written (a publisher's 880 is not)",
    "relations.reproduction_of": "written as 534, whose $p note comes back alone",
    "relations (order)": "each kind of link has one tag here (has_part 774, other_edition 775), "
    "and the reader lists links by tag: relations come back grouped by kind",
}

# leader/06, leader/07 and the 008 codes that tell each type
_LEADER = {
    "book": ("a", "m"),
    "book_chapter": ("a", "a"),
    "journal_article": ("a", "b"),
    "newspaper_article": ("a", "b"),
    "journal": ("a", "s"),
    "journal_issue": ("a", "m"),
    "book_set": ("a", "m"),
    "proceedings": ("a", "m"),
    "proceedings_paper": ("a", "a"),
    "thesis": ("a", "m"),
    "report": ("a", "m"),
    "patent": ("a", "m"),
    "standard": ("a", "m"),
    "manuscript": ("t", "m"),
    "notated_music": ("c", "m"),
    "manuscript_notated_music": ("d", "m"),
    "cartographic_material": ("e", "m"),
    "manuscript_cartographic_material": ("f", "m"),
    "projected_medium": ("g", "m"),
    "musical_sound_recording": ("j", "m"),
    "sound_recording": ("j", "m"),
    "nonmusical_sound_recording": ("i", "m"),
    "still_image": ("k", "m"),
    "computer_file": ("m", "m"),
    "dataset": ("m", "m"),
    "kit": ("o", "m"),
    "mixed_materials": ("p", "c"),
    "object": ("r", "m"),
}
_FORM_AT_29 = set("efgkor")
# 008 form of item, and the RDA carrier of 338 ($a term, $b code)
_FORM = {"electronic": "o", "microform": "a", "print": " "}
_CARRIER = {
    "print": ("volume", "nc"),
    "electronic": ("online resource", "cr"),
    "microform": ("microfilm reel", "hd"),
    "audio": ("audio disc", "sd"),
    "video": ("videodisc", "vd"),
    "projected": ("slide", "gs"),
    "other": ("object", "nr"),
}
_SUBJECT_IND2 = {"lcsh": "0", "lcshac": "1", "mesh": "2", "nal": "3", "cash": "5", "rvm": "6"}
_RELATIONSHIP_IND2 = {"resource": "0", "version": "1", "related": "2"}
_LINK_TAGS = {
    "series": "760",
    "has_part": "774",
    "part_of": "772",
    "other_edition": "775",
    "other_format": "776",
    "related": "787",
    "preceding": "780",
    "succeeding": "785",
}
# a name goes to 1XX when it is the author: a name without a role is an added entry
# (the reader takes a 1XX without a relator for the author)
_CREATOR_ROLES = frozenset({"author"})
_ISSN_STATUS = {"invalid": "y", "cancelled": "z"}


@dataclass(slots=True)
class Field:
    tag: str
    ind1: str = " "
    ind2: str = " "
    subfields: list[tuple[str, str]] = field(default_factory=list)
    data: str | None = None  # a control field's value

    def add(self, code: str, value: object) -> Field:
        if value is not None and str(value).strip():
            self.subfields.append((code, str(value)))
        return self


@dataclass(slots=True)
class MarcRecord:
    leader: str
    fields: list[Field]


def _leader(row: Mapping[str, Any]) -> str:
    rtype, level = _LEADER.get(str(row.get("type") or "book"), ("a", "m"))
    status = "d" if row.get("deleted") else "n"
    multipart = "a" if row.get("type") == "book_set" else " "
    # lengths and base address are the writer's (ISO 2709) business; MARCXML keeps zeros
    return f"00000{status}{rtype}{level} a2200000 i{multipart}4500"


def _008(row: Mapping[str, Any], rtype: str) -> str:
    d = [" "] * 40
    d[0:6] = list("000000")  # date entered: not kept
    year = row.get("year")
    d[6] = "s" if year else "n"
    d[7:11] = list(f"{int(year):04d}" if year else "uuuu")
    d[11:15] = list("    ")
    pos = 29 if rtype in _FORM_AT_29 else 23
    medium = str(row.get("medium") or "unknown")
    d[pos] = _FORM.get(medium, "|" if medium == "unknown" else " ")
    kind = row.get("type")
    if rtype in "at":
        if kind == "thesis":
            d[24] = "m"
        elif kind == "report":
            d[24] = "t"
        if kind == "proceedings":
            d[29] = "1"
    if rtype == "m":
        d[26] = "a" if kind == "dataset" else ("d" if kind == "book" else "u")
    languages = list(row.get("language") or [])
    d[35:38] = list((languages[0] if languages else "   ")[:3].ljust(3))
    d[39] = "d"
    return "".join(d)


def _identifier_fields(ids: Iterable[Mapping[str, Any]]) -> list[Field]:
    out: list[Field] = []
    issn: dict[str, list[tuple[str, str]]] = {}
    for ident in ids:
        scheme, value = str(ident.get("scheme") or ""), ident.get("value")
        status = ident.get("status") or "valid"
        if not value:
            continue
        if status == "invalid" and ident.get("raw"):
            value = ident["raw"]  # as it was given: what makes it invalid stays visible
        if scheme == "isbn":
            # an ISBN whose checksum fails is read as invalid from $a; $z is cancelled
            f = Field("020").add("z" if status == "cancelled" else "a", value)
            out.append(f.add("q", ident.get("qualifier")))
        elif scheme in ("issn", "issn_l"):
            code = (
                "l" if scheme == "issn_l" else {"invalid": "y", "cancelled": "z"}.get(status, "a")
            )
            issn.setdefault("022", []).append((code, str(value)))
        elif scheme == "doi":
            out.append(Field("024", "7").add("a", value).add("2", "doi"))
        elif scheme == "ismn":
            out.append(Field("024", "2").add("a", value))
        elif scheme == "ean":
            out.append(Field("024", "3").add("a", value))
        elif scheme in ("uri", "isni"):
            out.append(Field("024", "7").add("a", value).add("2", scheme))
        elif scheme == "lccn":
            out.append(Field("010").add("z" if status == "cancelled" else "a", value))
        elif scheme == "oclc":
            out.append(Field("035").add("a", f"(OCoLC){value}"))
    if issn:
        out.append(Field("022", subfields=issn["022"]))
    return out


def _link_subfields(f: Field, ids: Iterable[Mapping[str, Any]]) -> Field:
    for ident in ids:
        scheme, value = ident.get("scheme"), ident.get("value")
        if not value:
            continue
        if scheme == "isbn":
            f.add("z", value)
        elif scheme in ("issn", "issn_l"):
            f.add("x", value)
        elif scheme == "oclc":
            f.add("w", f"(OCoLC){value}")
        elif scheme == "lccn":
            f.add("w", f"(DLC){value}")
        elif scheme == "doi":
            f.add("o", value)
        elif scheme == "local":
            f.add("w", value)
    return f


def _g(host: Mapping[str, Any]) -> str | None:
    """773 $g as the reader parses it: ``Vol. 12, no. 3, p. 45-67``."""
    parts = []
    if host.get("volume"):
        parts.append(f"Vol. {host['volume']}")
    if host.get("issue"):
        parts.append(f"no. {host['issue']}")
    first, last = host.get("first_page"), host.get("last_page")
    if first:
        parts.append(f"p. {first}" + (f"-{last}" if last else ""))
    return ", ".join(parts) or None


def _name_field(tag: str, c: Mapping[str, Any]) -> Field:
    kind = c.get("kind") or "person"
    ind1 = "1" if kind == "person" and "," in str(c.get("name") or "") else "0"
    if kind == "organization":
        ind1 = "2"
    elif kind == "meeting":
        ind1 = "2"
    f = Field(tag, ind1).add("a", c.get("name"))
    for role in str(c.get("role") or "").split(";"):
        f.add("e", role.strip())
    for affiliation in c.get("affiliations") or []:
        f.add("u", affiliation)
    for ident in items(c.get("identifiers")):
        scheme, value = ident.get("scheme"), ident.get("value")
        if value:
            f.add("0", value if scheme in ("uri", "orcid", "isni") and "://" in str(value)
                  else (f"({scheme}){value}" if scheme != "local" else value))  # fmt: skip
    return f


def _names(contributors: Sequence[Mapping[str, Any]]) -> list[Field]:
    """1XX for the main entry, 7XX for the rest.  The main entry is the first author,
    or a body or meeting named first without a role (the reader gives a person in 1XX
    without a relator the role of author, but a body none)."""
    out: list[Field] = []
    main_done = False
    for n, c in enumerate(contributors):
        if not c.get("name"):
            continue
        kind = c.get("kind") or "person"
        number = {"person": "00", "organization": "10", "meeting": "11"}.get(kind, "00")
        role = str(c.get("role") or "")
        main = role in _CREATOR_ROLES or (n == 0 and not role and kind != "person")
        if not main_done and main:
            out.append(_name_field("1" + number, c))
            main_done = True
        else:
            out.append(_name_field("7" + number, c))
    return out


def contents_field(parts: Sequence[Mapping[str, Any]]) -> Field | None:
    """An enhanced 505 of a record's parts (its chapters, papers or volumes, in order):
    ``$g`` the part's number, ``$t`` its title (`` : `` its subtitle; `` /`` before
    names), ``$r`` its names, each item but the last ended by `` --`` as the reader
    splits them."""
    f = Field("505", "0", "0")
    for n, part in enumerate(parts):
        number = part["part"].get("number") if isinstance(part.get("part"), Mapping) else None
        title = str(part.get("title") or "")
        if part.get("subtitle"):
            title = f"{title} : {part['subtitle']}"
        names = " ; ".join(c["name"] for c in items(part.get("contributors")) if c.get("name"))
        pieces = [("g", f"{number}.")] if number else []
        pieces.append(("t", f"{title} /" if names else title))
        if names:
            pieces.append(("r", names))
        if n < len(parts) - 1:
            code, value = pieces[-1]
            pieces[-1] = (code, f"{value} --")
        for code, value in pieces:
            f.add(code, value)
    return f if f.subfields else None


def marc_record(row: Mapping[str, Any], parts: Sequence[Mapping[str, Any]] = ()) -> MarcRecord:
    """The MARC record of a unified record (as the catalog holds it, field by field);
    ``parts`` are the records of its 505 (chapters, volumes), in order."""
    leader = _leader(row)
    rtype = leader[6]
    # 001 is the catalog's id: one union catalog, many sources, whose own numbers collide;
    # the source's own number goes to a 035 prefixed with the source's name
    fields: list[Field] = [
        Field("001", data=str(row.get("id") or row.get("source_id"))),
        Field("003", data="unioncat"),
        Field("008", data=_008(row, rtype)),
    ]
    fields += _identifier_fields(items(row.get("identifiers")))
    if row.get("source") and row.get("source_id"):
        fields.append(Field("035").add("a", f"({row['source']}){row['source_id']}"))
    languages = list(row.get("language") or [])
    if len(languages) > 1:
        fields.append(Field("041", "0").add("a", "".join(languages)))
    names = _names(items(row.get("contributors")))
    fields += [f for f in names if f.tag.startswith("1")]
    title = row.get("title")
    nonfiling = int(row.get("title_nonfiling") or 0)
    t245 = Field("245", "1" if any(f.tag.startswith("1") for f in names) else "0",
                 str(nonfiling if 0 <= nonfiling <= 9 else 0))  # fmt: skip
    t245.add("a", title)
    t245.add("b", row.get("subtitle"))
    part = row.get("part") or {}
    if isinstance(part, Mapping):
        t245.add("n", part.get("number"))
        t245.add("p", part.get("name"))
    script_title = row.get("title_original_script")
    if script_title:
        t245.add("6", "880-01")
    fields.append(t245)
    # names with their original script get the next 880 links, in the order written
    scripts: list[tuple[Field, str]] = []
    for f, c in zip(names, [c for c in items(row.get("contributors")) if c.get("name")],
                    strict=True):  # fmt: skip
        original = c.get("name_original_script")
        if original:
            link = f"{len(scripts) + 2:02d}"
            f.subfields.insert(0, ("6", f"880-{link}"))
            pair = Field("880", f.ind1, f.ind2).add("6", f"{f.tag}-{link}").add("a", original)
            scripts.append((pair, link))
    for variant in row.get("title_variants") or []:
        fields.append(Field("246", "3", " ").add("a", variant))
    if row.get("edition"):
        fields.append(Field("250").add("a", row["edition"]))
    places = list(row.get("places") or ([row["place"]] if row.get("place") else []))
    if places or row.get("publisher") or row.get("date"):
        pub = Field("264", " ", "1")
        for place in places:
            pub.add("a", place)
        pub.add("b", row.get("publisher"))
        pub.add("c", row.get("date"))
        fields.append(pub)
    if row.get("extent"):
        fields.append(Field("300").add("a", row["extent"]))
    carrier = _CARRIER.get(str(row.get("medium") or ""))
    if carrier:
        fields.append(Field("338").add("a", carrier[0]).add("b", carrier[1]).add("2", "rdacarrier"))
    for series in items(row.get("series")):
        fields.append(Field("490", "0").add("a", series.get("title")).add("x", series.get("issn"))
                      .add("v", series.get("number")))  # fmt: skip
    if row.get("type") == "thesis":
        fields.append(Field("502").add("a", "Thesis"))
    contents = contents_field(parts) if parts else None
    if contents is not None:
        fields.append(contents)
    if row.get("abstract"):
        fields.append(Field("520").add("a", row["abstract"]))
    for subject in items(row.get("subjects")):
        scheme = str(subject.get("scheme") or "")
        term = subject.get("term")
        if not term:
            continue
        head, *subdivisions = str(term).split(" -- ")
        if not scheme:
            fields.append(Field("653").add("a", term))
            continue
        ind2 = _SUBJECT_IND2.get(scheme, "7")
        f = Field("650", " ", ind2).add("a", head)
        for sub in subdivisions:
            f.add("x", sub)
        if ind2 == "7":
            f.add("2", scheme)
        fields.append(f)
    fields += [f for f in names if f.tag.startswith("7")]
    host = row.get("host")
    if isinstance(host, Mapping) and (host.get("title") or host.get("identifiers")):
        f = Field("773", "0").add("t", host.get("title")).add("g", _g(host))
        fields.append(_link_subfields(f, items(host.get("identifiers"))))
    for relation in items(row.get("relations")):
        kind = str(relation.get("type") or "related")
        if kind == "reproduction_of":
            fields.append(
                Field("534").add("p", relation.get("note")).add("t", relation.get("title"))
            )
            continue
        f = Field(_LINK_TAGS.get(kind, "787"), "0").add("t", relation.get("title"))
        f.add("i", relation.get("note"))
        fields.append(_link_subfields(f, items(relation.get("identifiers"))))
    for access in items(row.get("access")):
        ind2 = _RELATIONSHIP_IND2.get(str(access.get("relationship") or ""), " ")
        f = Field("856", "4", ind2).add("u", access.get("url")).add("z", access.get("note"))
        # how a reader gets in, where the link was made for them: $7 access status
        f.add("7", {"open": "0", "proxy": "1"}.get(str(access.get("authentication"))))
        fields.append(f)
    if script_title:
        fields.append(Field("880", "1", t245.ind2).add("6", "245-01").add("a", script_title))
    fields += [pair for pair, _ in scripts]
    return MarcRecord(leader, fields)


# -- MARCXML ---------------------------------------------------------------------------------


def marcxml(record: MarcRecord, *, namespace: bool = True) -> str:
    """One ``<record>`` of MARCXML (MARC21 slim)."""
    ns = f' xmlns="{MARCXML_NS}"' if namespace else ""
    out = [f"<record{ns}><leader>{text(record.leader)}</leader>"]
    for f in record.fields:
        if f.data is not None:
            out.append(f'<controlfield tag="{f.tag}">{text(f.data)}</controlfield>')
            continue
        if not f.subfields:
            continue
        out.append(f'<datafield tag="{f.tag}" ind1="{attr(f.ind1)}" ind2="{attr(f.ind2)}">')
        out.extend(
            f'<subfield code="{attr(code)}">{text(value)}</subfield>' for code, value in f.subfields
        )
        out.append("</datafield>")
    out.append("</record>")
    return "".join(out)


def cluster_marc_record(row: Mapping[str, Any]) -> MarcRecord:
    """The MARC record of a cluster: its merged record, each member's id in a 035 and
    each member's format in a 776 (``$i`` the medium, ``$w`` the member's id), so a
    loader that keeps one record per work still finds every copy."""
    identifiers = []
    for ident in row.get("identifiers") or []:
        scheme, _, value = str(ident).partition(":")
        if value:
            identifiers.append({"scheme": scheme, "value": value, "status": "valid"})
    contributors = [
        c if isinstance(c, Mapping) else {"name": c, "role": "author" if n == 0 else None}
        for n, c in enumerate(row.get("contributors") or [])
    ]
    merged = {
        **{
            k: row.get(k)
            for k in (
                "type",
                "title",
                "subtitle",
                "publisher",
                "year",
                "edition",
                "language",
                "deleted",
            )
        },  # fmt: skip
        "id": row.get("cluster_id"),
        "source_id": row.get("cluster_id"),
        "medium": "unknown",
        "places": [row["place"]] if row.get("place") else [],
        "date": str(row["year"]) if row.get("year") else None,
        "identifiers": identifiers,
        "contributors": contributors,
    }
    record = marc_record(merged)
    members = [m for m in row.get("member_rows") or [] if isinstance(m, Mapping)]
    for member in members:
        record.fields.append(Field("035").add("a", f"(unioncat){member.get('id')}"))
    for member in members:
        link = Field("776", "0", "8").add("i", member.get("medium")).add("w", member.get("id"))
        record.fields.append(link.add("c", member.get("source")))
    record.fields.sort(key=lambda f: f.tag)  # stable: fields of one tag keep their order
    return record
