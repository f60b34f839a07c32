"""``unioncat export --format marcxml|marc21``: records and clusters as MARC for the
loaders that take MARC (VuFind, EDS, an ILS), full or incremental, with a delete file.

Each export is one folder, ``<out>/marc/<UTC time>/``, holding ``records.xml`` and
``clusters.xml`` (or ``.mrc``: ISO 2709, records too long for it are left to the
MARCXML export and counted) with every record changed since the last export, and
``records.delete`` and ``clusters.delete``: the ids gone since then, one per line, as
VuFind's ``.delete`` files and EDS take them (a record deleted; a cluster emptied, or
retired into another by a merge).  The 001 of every record is its catalog id, so the
delete files name what the loader holds.  Files are written under a temporary name and
renamed when complete; the time of the export is kept in the catalog only after every
file of it is in place, so an export that fails is done again whole by the next one.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from unioncat.catalog import CLUSTERS_WITH_MEMBERS, RECORD_COLUMNS, Catalog
from unioncat.log import event
from unioncat.outputs.files import write_whole
from unioncat.outputs.marc import MarcRecord, cluster_marc_record, marc_record, marcxml
from unioncat.reader_links import AccessSettings, with_reader_links
from unioncat.xmlsafe import MARCXML_NS

LAST_EXPORT_KEY = "marc_exported_at"
ENTITIES = ("records", "clusters")
ISO2709_MAX = 99_999  # bytes: the record length has five digits


@dataclass(slots=True)
class MarcExport:
    folder: Path
    since: datetime | None
    written: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    too_long: int = 0  # records ISO 2709 cannot hold (see the MARCXML export)


# A part the marc normalizer made of a 505 item: it goes back into its book's 505, not
# out as a record of its own (a loader would hold every chapter twice).
_IN_505 = "(host.id IS NOT NULL AND contains(source_id, '#505-'))"


def _parts(catalog: Catalog, book_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    """The 505 parts of these books, in the order of the note."""
    if not book_ids:
        return {}
    rows = catalog.query(
        "SELECT host.id, title, subtitle, part, contributors FROM records "
        f"WHERE NOT coalesce(deleted, false) AND {_IN_505} "
        "AND host.id IN (SELECT unnest(?::VARCHAR[])) "
        "ORDER BY host.id, CAST(split_part(source_id, '#505-', 2) AS INTEGER)",
        [book_ids],
    )
    out: dict[str, list[dict[str, Any]]] = {}
    for host, title, subtitle, part, contributors in rows:
        out.setdefault(str(host), []).append(
            {"title": title, "subtitle": subtitle, "part": part, "contributors": contributors}
        )
    return out


def _changed(
    catalog: Catalog, entity: str, since: datetime | None, until: datetime
) -> Iterator[list[dict[str, Any]]]:
    window = "updated_at <= ?" + (" AND updated_at > ?" if since else "")
    params: list[Any] = [until, since] if since else [until]
    if entity == "records":
        cols = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
        return catalog.stream(
            f"SELECT {cols} FROM records WHERE NOT coalesce(deleted, false) AND {window} "
            f"AND NOT {_IN_505} ORDER BY id",
            params,
        )
    return catalog.stream(
        f"{CLUSTERS_WITH_MEMBERS} WHERE NOT c.deleted AND {window} ORDER BY cluster_id", params
    )


def _gone(catalog: Catalog, entity: str, since: datetime | None, until: datetime) -> list[str]:
    after = " AND {col} > ?" if since else ""
    params: list[Any] = [until, since] if since else [until]
    if entity == "records":
        sql = ("SELECT id FROM records WHERE coalesce(deleted, false) AND updated_at <= ?"
               + after.format(col="updated_at") + f" AND NOT {_IN_505} ORDER BY id")  # fmt: skip
        return [str(r[0]) for r in catalog.query(sql, params)]
    tombstones = ("SELECT cluster_id FROM clusters WHERE deleted AND updated_at <= ?"
                  + after.format(col="updated_at"))  # fmt: skip
    retired = 'SELECT retired_id FROM merged_ids WHERE "at" <= ?' + after.format(col='"at"')
    rows = catalog.query(f"{tombstones} UNION {retired} ORDER BY 1", params + params)
    return [str(r[0]) for r in rows]


def _iso2709(record: MarcRecord) -> bytes | None:
    import pymarc

    marc = pymarc.Record(leader=record.leader, force_utf8=True)
    for f in record.fields:
        if f.data is not None:
            marc.fields.append(pymarc.Field(tag=f.tag, data=f.data))
        elif f.subfields:
            marc.fields.append(pymarc.Field(
                tag=f.tag, indicators=pymarc.Indicators(f.ind1, f.ind2),
                subfields=[pymarc.Subfield(code, value) for code, value in f.subfields],
            ))  # fmt: skip
    data: bytes = marc.as_marc()
    return data if len(data) <= ISO2709_MAX else None


_HEAD = f'<?xml version="1.0" encoding="UTF-8"?>\n<collection xmlns="{MARCXML_NS}">\n'


def _records_file(
    catalog: Catalog,
    entity: str,
    start: datetime | None,
    now: datetime,
    binary: bool,
    result: MarcExport,
    links: AccessSettings,
) -> Iterator[bytes]:
    """The bytes of one entity's file, a chunk of records at a time; counts in result."""

    def render(row: dict[str, Any], parts: list[dict[str, Any]]) -> MarcRecord:
        if entity == "records":
            return marc_record(with_reader_links(row, links), parts)
        return cluster_marc_record(row)

    result.written[entity] = 0
    if not binary:
        yield _HEAD.encode()
    for rows in _changed(catalog, entity, start, now):
        buffer = io.BytesIO()
        parts = _parts(catalog, [str(r["id"]) for r in rows]) if entity == "records" else {}
        for row in rows:
            record = render(row, parts.get(str(row.get("id")), []))
            if binary:
                data = _iso2709(record)
                if data is None:
                    result.too_long += 1
                    continue
                buffer.write(data)
            else:
                buffer.write(marcxml(record, namespace=False).encode())
                buffer.write(b"\n")
            result.written[entity] += 1
        yield buffer.getvalue()
    if not binary:
        yield b"</collection>\n"


def export_marc(
    catalog: Catalog,
    out_dir: Path,
    *,
    binary: bool = False,
    entities: tuple[str, ...] = ENTITIES,
    since: datetime | None = None,
    full: bool = False,
    links: AccessSettings | None = None,
) -> MarcExport:
    """Write the MARC export; ``since`` (or the last export, unless ``full``) bounds it."""
    now = datetime.now(UTC)
    kept = catalog.meta(LAST_EXPORT_KEY)
    start = None if full else (since or (datetime.fromisoformat(kept) if kept else None))
    folder = out_dir / "marc" / now.strftime("%Y%m%dT%H%M%S%fZ")
    folder.mkdir(parents=True, exist_ok=True)
    result = MarcExport(folder, start)
    suffix = ".mrc" if binary else ".xml"
    how = links or AccessSettings()
    for entity in entities:
        chunks = _records_file(catalog, entity, start, now, binary, result, how)
        write_whole(folder / f"{entity}{suffix}", chunks)
        gone = _gone(catalog, entity, start, now)
        write_whole(folder / f"{entity}.delete", iter(["".join(f"{i}\n" for i in gone).encode()]))
        result.deleted[entity] = len(gone)
    if since is None:
        catalog.set_meta(LAST_EXPORT_KEY, now.isoformat())
    event(
        "export.marc",
        f"export: MARC{' 21' if binary else 'XML'} in {folder}: "
        + ", ".join(
            f"{result.written[e]} {e} written, {result.deleted[e]} deleted" for e in entities
        )  # fmt: skip
        + (
            f"; {result.too_long} too long for ISO 2709 (in the MARCXML export only)"
            if result.too_long
            else ""
        )  # fmt: skip
        + (f" (changes since {start.isoformat()})" if start else " (everything)"),
        folder=str(folder),
    )
    return result
