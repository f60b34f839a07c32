"""The ``kbart`` format: KBART Phase II holdings lists, one record per title.

A KBART file is tab-separated UTF-8 with a header row naming the columns (the 25
standard ones in any order, and any extensions: OCLC's, EZB/ZDB's).  Each row is one
stretch of coverage of one title; a title with a gap in its coverage has several rows,
which need not be next to each other.  So the framer ``kbart-tsv`` reads the file,
groups the rows of each title (by ``title_id``, else its online, then print identifier,
else its title) and frames each title with its rows, each row carrying its row number.
A row that cannot be read (more fields than the header, an ``embargo_info`` KBART does
not allow, nothing that names a title) is an error frame of its own, with its row
number and the reason; the other rows land.

- **Type.** ``publication_type`` ``serial`` is a journal and ``monograph`` a book; with
  none, an ISBN or monograph columns make a book, anything else a journal.
- **Identifiers.** ``print_identifier`` (qualifier print) and ``online_identifier``
  (electronic) as ISSNs for a journal, ISBNs for a book; ``title_id`` as a local
  identifier; OCLC's ``oclc_number``; ZDB's ``zdb_id``; EZB's ``all_issns``.
- **Coverage.** Every row is an access entry of the title: ``title_url``, first and last
  issue online (date, volume, issue), the embargo (:mod:`unioncat.embargo`),
  ``coverage_depth``, ``access_type`` (F is open, P subscription), the package (from
  the file name convention ``Provider_Region_Package_YYYY-MM-DD.txt``), and extension
  columns, in the note.
- **Relations.** ``preceding_publication_title_id`` and
  ``parent_publication_title_id`` by the title id they name.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import PurePath
from typing import IO

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.embargo import EmbargoError, parse_embargo
from unioncat.errors import RecordError
from unioncat.framing import register_framer
from unioncat.framing.base import RECORD_LIMIT, Frame
from unioncat.framing.stream import CHUNK, read_some
from unioncat.identifiers import isbn, issn
from unioncat.ids import mint_id
from unioncat.normalize.base import register
from unioncat.normalize.xml_util import clean_text
from unioncat.schemas.record import Access, Contributor, Holding, Identifier, Record, Relation

STANDARD = (
    "publication_title",
    "print_identifier",
    "online_identifier",
    "date_first_issue_online",
    "num_first_vol_online",
    "num_first_issue_online",
    "date_last_issue_online",
    "num_last_vol_online",
    "num_last_issue_online",
    "title_url",
    "first_author",
    "title_id",
    "embargo_info",
    "coverage_depth",
    "notes",
    "coverage_notes",
    "publisher_name",
    "publication_type",
    "date_monograph_published_print",
    "date_monograph_published_online",
    "monograph_volume",
    "monograph_edition",
    "first_editor",
    "parent_publication_title_id",
    "preceding_publication_title_id",
    "access_type",
)
_KNOWN = frozenset(STANDARD) | {"oclc_number", "zdb_id", "all_issns", "_row"}
PACKAGE_FILE_NAME = re.compile(
    r"^(?P<provider>[^_]+)_(?P<region>[^_]+)_(?P<package>.+)_"
    r"(?P<date>\d{4}-\d{2}-\d{2})$"
)
_ISSN = re.compile(r"\b\d{4}-?\d{3}[\dXx]\b")
# KBART's F and P; some lists write the words, which GOKb also reads
ACCESS_TYPES = {"F": "open", "FREE": "open", "P": "subscription", "PAID": "subscription"}
_MONOGRAPH_COLUMNS = (
    "date_monograph_published_print",
    "date_monograph_published_online",
    "monograph_volume",
    "monograph_edition",
    "first_editor",
)


def looks_like_kbart(head: bytes) -> bool:
    first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].lower()
    return b"\t" in first or first.strip() in (
        b"publication_title",
        b"online_identifier",
        b"print_identifier",
    )


def row_cells(line: str) -> list[str]:
    """A row's fields.  A field quoted the way CSV quotes (in double quotes, inner
    quotes doubled) is unquoted: some exports do that, against the standard."""
    out = []
    for cell in line.split("\t"):
        cell = cell.strip()
        if len(cell) >= 2 and cell[0] == cell[-1] == '"':
            cell = cell[1:-1].replace('""', '"')
        out.append(cell)
    return out


def _read_all(stream: IO[bytes]) -> tuple[bytes, str | None]:
    data = bytearray()
    while True:
        chunk, fault = read_some(stream, CHUNK)
        data += chunk
        if not chunk or fault is not None:
            return bytes(data), fault


def iter_kbart_titles(stream: IO[bytes]) -> Iterator[Frame]:
    """One frame per title (the header and the title's rows), one error frame per row
    that cannot be read, in the order of each one's first row."""
    data, fault = _read_all(stream)
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        yield Frame(data[:4096], 0, error="an empty KBART file: no header row")
        return
    header = [c.lower() for c in row_cells(lines[0])]
    if not {"publication_title", "online_identifier", "print_identifier"} & set(header):
        yield Frame(
            data[:4096],
            0,
            error=(
                f"not a KBART file: its first row ({lines[0][:80]!r}) names none of "
                "publication_title, print_identifier, online_identifier"
            ),
        )
        return
    head = "_row\t" + "\t".join(header)
    # (first row, the title's key or None, the row and the reason of an unreadable one)
    entries: list[tuple[int, str | None, tuple[str, str] | None]] = []
    titles: dict[str, list[str]] = {}
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        cells = row_cells(line)
        while len(cells) > len(header) and not cells[-1]:
            cells.pop()  # trailing tabs
        if len(cells) > len(header):
            entries.append(
                (
                    number,
                    None,
                    (
                        line,
                        f"row {number} has {len(cells)} fields "
                        f"where the header names {len(header)}",
                    ),
                )
            )
            continue
        row = dict(zip(header, cells, strict=False))
        try:
            parse_embargo(row.get("embargo_info"))
        except EmbargoError as exc:
            entries.append((number, None, (line, f"row {number}: {exc}")))
            continue
        key = (
            row.get("title_id")
            or row.get("online_identifier")
            or row.get("print_identifier")
            or row.get("publication_title", "").casefold()
        )
        if not key:
            entries.append(
                (
                    number,
                    None,
                    (
                        line,
                        f"row {number} has no publication_title "
                        "and no identifier: nothing names its title",
                    ),
                )
            )
            continue
        if key not in titles:
            titles[key] = []
            entries.append((number, key, None))
        titles[key].append(f"{number}\t" + "\t".join(cells))
    position = 0
    for _number, title_key, broken in entries:
        if broken is not None:
            line, reason = broken
            yield Frame(f"{head}\n{line}".encode(), position, error=reason)
        elif title_key is not None:
            payload = "\n".join([head, *titles[title_key]]).encode()
            if len(payload) > RECORD_LIMIT:
                reason = (
                    f"title {title_key!r} has {len(titles[title_key])} rows, more than "
                    f"the record limit of {RECORD_LIMIT >> 20} MiB"
                )
                yield Frame(payload[:RECORD_LIMIT], position, error=reason)
            else:
                yield Frame(payload, position)
        position += 1
    if fault is not None:
        yield Frame(b"", position, error=fault)


register_framer(
    "kbart-tsv", sniff=looks_like_kbart, description="KBART holdings (tab-separated, header row)"
)(iter_kbart_titles)


# -- mapping ---------------------------------------------------------------------------------


@register("kbart", framers=("kbart-tsv",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One title with its coverage rows to one title-level record."""
    lines = envelope.payload.decode("utf-8", "replace").splitlines()
    if len(lines) < 2:
        raise RecordError("a KBART title without rows")
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:]]
    first = rows[0]
    title = next(
        (clean_text(r["publication_title"]) for r in rows if r.get("publication_title")), None
    )
    book = _is_book(rows)
    make = isbn if book else issn
    ids: list[Identifier] = []
    for column, qualifier in (("print_identifier", "print"), ("online_identifier", "electronic")):
        for value in dict.fromkeys(r.get(column, "") for r in rows if r.get(column)):
            found = make(value)
            if found is not None:
                found.qualifier = qualifier
                ids.append(found)
    for value in dict.fromkeys(v for r in rows for v in _ISSN.findall(r.get("all_issns", ""))):
        found = issn(value)
        if found is not None and not any(i.value == found.value for i in ids):
            ids.append(found)
    title_id = first.get("title_id") or None
    if title_id:
        ids.append(Identifier("local", title_id, qualifier="title_id"))
    if first.get("zdb_id"):
        ids.append(Identifier("local", first["zdb_id"], qualifier="zdb"))
    if first.get("oclc_number"):
        ids.append(Identifier("oclc", first["oclc_number"]))
    if not title and not ids:
        raise RecordError(f"row {first.get('_row')}: no title and no identifier")
    source_id = (
        title_id
        or first.get("online_identifier")
        or first.get("print_identifier")
        or (title or "").casefold()
    )
    contributors = [
        Contributor(name=clean_text(first[c]) or first[c], role=role)
        for c, role in (("first_author", "author"), ("first_editor", "editor"))
        if first.get(c)
    ]
    dates = sorted(
        d
        for d in (
            first.get("date_monograph_published_print"),
            first.get("date_monograph_published_online"),
        )
        if d
    )
    package = _package(envelope.batch)
    return [
        Record(
            id=mint_id(envelope.source, source_id),
            source=envelope.source,
            source_id=source_id,
            source_format=envelope.format,
            type="book" if book else "journal",
            medium="electronic",
            medium_evidence=["kbart: a title of an electronic holdings list"],
            title=title,
            contributors=contributors,
            publisher=clean_text(first.get("publisher_name")),
            date=dates[0] if dates else None,
            year=int(dates[0][:4]) if dates and dates[0][:4].isdigit() else None,
            edition=first.get("monograph_edition") or None,
            identifiers=ids,
            relations=_relations(first),
            access=[_coverage(r, package) for r in rows],
            holdings=[_holding(r, package) for r in rows],
            harvested_at=envelope.fetched_at,
            raw_ref=raw_ref(envelope),
        )
    ]


def _is_book(rows: list[dict[str, str]]) -> bool:
    kind = next((r["publication_type"].lower() for r in rows if r.get("publication_type")), "")
    if kind:
        return kind == "monograph"
    ids = [r.get(c, "") for r in rows for c in ("print_identifier", "online_identifier")]
    if any(len(re.sub(r"[^0-9Xx]", "", v)) in (10, 13) for v in ids if v):
        return True
    return any(r.get(c) for r in rows for c in _MONOGRAPH_COLUMNS)


def _package(batch: str | None) -> str | None:
    if not batch:
        return None
    found = PACKAGE_FILE_NAME.match(PurePath(batch.split("#")[0]).stem)
    if found is None:
        return None
    return f"{found['provider']} {found['package']} ({found['region']}, {found['date']})"


def _span(row: dict[str, str], end: str) -> str | None:
    parts = [row.get(f"date_{end}_issue_online", "")]
    if row.get(f"num_{end}_vol_online"):
        parts.append(f"v.{row[f'num_{end}_vol_online']}")
    if row.get(f"num_{end}_issue_online"):
        parts.append(f"no.{row[f'num_{end}_issue_online']}")
    text = " ".join(p for p in parts if p)
    return text or None


def _coverage(row: dict[str, str], package: str | None) -> Access:
    embargo = parse_embargo(row.get("embargo_info"))  # checked by the framer
    access_type = row.get("access_type", "").upper()
    kind = ACCESS_TYPES.get(access_type, "unknown")
    notes = [f"row {row.get('_row')}"]
    if row.get("coverage_depth"):
        notes.append(f"coverage_depth: {row['coverage_depth']}")
    if package:
        notes.append(f"package: {package}")
    for column in ("coverage_notes", "notes"):
        if row.get(column):
            notes.append(row[column])
    if embargo is not None:
        notes.append(f"embargo: {embargo.describe()}")
    notes += [f"{k}: {v}" for k, v in row.items() if v and k not in _KNOWN]
    return Access(
        url=row.get("title_url", ""),
        kind=kind,
        provider=row.get("publisher_name") or None,
        coverage_start=_span(row, "first"),
        coverage_end=_span(row, "last"),
        embargo=str(embargo) if embargo else None,
        relationship="resource",
        note="; ".join(notes),
    )


def _holding(row: dict[str, str], package: str | None) -> Holding:
    """The row as a holding of the list's holder: the range the access answer reads."""
    first, last = _span(row, "first"), _span(row, "last")
    return Holding(
        form="electronic",
        coverage=f"{first or 'the first issue'} to {last or 'date'}",
        start_date=row.get("date_first_issue_online") or None,
        start_volume=row.get("num_first_vol_online") or None,
        start_issue=row.get("num_first_issue_online") or None,
        end_date=row.get("date_last_issue_online") or None,
        end_volume=row.get("num_last_vol_online") or None,
        end_issue=row.get("num_last_issue_online") or None,
        embargo=row.get("embargo_info") or None,
        access_type=ACCESS_TYPES.get(row.get("access_type", "").upper()),
        url=row.get("title_url") or None,
        package=package,
        note=f"coverage_depth: {row['coverage_depth']}" if row.get("coverage_depth") else None,
    )


def _relations(row: dict[str, str]) -> list[Relation]:
    out = []
    for column, rtype in (
        ("preceding_publication_title_id", "preceding"),
        ("parent_publication_title_id", "part_of"),
    ):
        if row.get(column):
            out.append(
                Relation(
                    type=rtype, identifiers=[Identifier("local", row[column], qualifier="title_id")]
                )
            )
    return out
