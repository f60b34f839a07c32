"""A page's Arrow tables and content hashes, built column by column (and the hashes'
text written by the compiled core when it is built), are exactly what the plain way
gives: one dict per record, ``pa.Table.from_pylist``, and the hash of the row's
``repr``.  Checked on the records of every example source, in every format they come
in, and on records shaped to reach the corners (absent structs, empty lists, quotes)."""

from __future__ import annotations

from dataclasses import replace

import pyarrow as pa

from tests.support.builders import ROOT, SHARED_DATA
from unioncat.catalog.records import (
    INCOMING_SCHEMA,
    content_hash,
    incoming_table,
    record_hash,
)
from unioncat.config import load_config
from unioncat.convert import _chunks
from unioncat.harvest.files import resolve_paths
from unioncat.mapping import normalize_envelopes
from unioncat.schemas.generate import RECORD_ARROW_SCHEMA, record_to_row, records_to_table
from unioncat.schemas.record import Contributor, Host, Identifier, Part, Record


def _example_records() -> list[Record]:
    config = load_config(ROOT / "pipelines.yaml")
    records: list[Record] = []
    formats = set()
    for source in config.sources:
        if source.kind != "files":
            continue
        paths, _ = resolve_paths(source.options, source.name, str(config.path))
        for chunk in _chunks(paths, source.format):
            records += normalize_envelopes(chunk, source.format).records
        formats.add(source.format)
    assert len(formats) >= 5 and len(records) > 15, (formats, len(records))
    return records


# real records of other formats and catalogs, when the shared data is beside the project
SHARED_SAMPLES = [("marc", "marc/evergreen/*"), ("marc", "marc/dnb/*"), ("ris", "vendor/ris/*"),
                  ("onix", "vendor/onix/*"), ("wos", "vendor/wos/*")]  # fmt: skip


def _shared_records() -> list[Record]:
    records: list[Record] = []
    for fmt, pattern in SHARED_SAMPLES:
        for path in sorted(SHARED_DATA.glob(pattern))[:3]:
            if path.is_file():
                for chunk in _chunks([str(path)], fmt):
                    records += normalize_envelopes(chunk, fmt).records
    return records


def _corners() -> list[Record]:
    base = Record(id="t:1", source="t", source_id="1", source_format="marc21", type="book",
                  medium="print", title="It's \"quoted\" \\ and 'not'")  # fmt: skip
    return [
        base,
        replace(base, id="t:2", part=Part(number="3", name=None), host=None),
        replace(base, id="t:3", host=Host(title="Journal", identifiers=[]),
                contributors=[Contributor(name="Ng, A.", identifiers=[
                    Identifier("orcid", "0000-0002-1825-0097", None, "valid", "x")])]),
        replace(base, id="t:4", title_variants=["", "\u2028", "乔"], language=[]),
        # what repr escapes or quotes otherwise: controls, DEL, non-printable and wide
        # characters, both quotes, a backslash; a negative number, a bool among them
        replace(base, id="t:5", title="tab\there\x00\x7f\u200b", subtitle='say "hi"',
                title_variants=["a\\b", "it's", "\U0001f600", "\x1b[0m", " "],
                title_nonfiling=-3, year=0, page_count=2**40, deleted=True,
                abstract="line\nbreak\r\n", edition="é"),
    ]  # fmt: skip


def _reference_incoming(records: list[Record], envelope_ids: list[str]) -> pa.Table:
    """The plain way: a dict per record, the hash of its repr, from_pylist."""
    latest = {}
    for n, r in enumerate(records):
        row = record_to_row(r)
        row["content_hash"] = content_hash(row)
        row["envelope_id"] = envelope_ids[n]
        latest[r.id] = row
    return pa.Table.from_pylist(list(latest.values()), schema=INCOMING_SCHEMA)


def test_tables_and_hashes_match_the_plain_way() -> None:
    records = _example_records() + _shared_records() + _corners()
    plain = pa.Table.from_pylist([record_to_row(r) for r in records], schema=RECORD_ARROW_SCHEMA)
    assert records_to_table(records).equals(plain)
    for record in records:
        assert record_hash(record) == content_hash(record_to_row(record)), record.id
    # a page that gives some records twice: the later wins, in the place of the first
    paged = records[:7] + records + records[3:9]
    envelopes = [f"e{n}" for n in range(len(paged))]
    assert incoming_table(paged, envelopes).equals(_reference_incoming(paged, envelopes))
    assert incoming_table([]).num_rows == 0 and records_to_table([]).num_rows == 0


def test_a_changed_field_changes_the_hash() -> None:
    record = _corners()[2]
    changed = replace(record, host=Host(title="Journal", identifiers=[
        Identifier("issn", "1234-5679", None, "valid", "1234-5679")]))  # fmt: skip
    assert record_hash(changed) != record_hash(record)
    assert record_hash(replace(record, harvested_at=None)) == record_hash(record)
