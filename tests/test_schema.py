from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pyarrow as pa

from unioncat.schemas import (
    RECORD_ARROW_SCHEMA,
    SCHEMA_VERSION,
    Access,
    Contributor,
    Holding,
    Host,
    Identifier,
    Part,
    Record,
    Relation,
    Series,
    Subject,
    duckdb_ddl,
    record_from_row,
    records_to_table,
)
from unioncat.schemas.__main__ import SCHEMA_FILE, render

# every field of the unified record named in DESIGN.md
DESIGN_FIELDS = """id cluster_id source source_id source_format type medium medium_evidence
title_nonfiling title subtitle part title_variants title_original_script contributors
publisher place places date year edition language identifiers host relations subjects abstract
extent page_count series access holdings deleted datestamp harvested_at raw_ref
schema_version""".split()


def full_record() -> Record:
    ident = Identifier("isbn", "9780198812357", "pbk", "valid", "0198812353 (pbk)")
    return Record(
        id="uc1-x",
        source="s",
        source_id="1",
        source_format="marc21",
        type="book_chapter",
        medium="electronic",
        medium_evidence=["008/23=o"],
        title="The T",
        title_nonfiling=4,
        subtitle="S",
        part=Part("2", "Second part"),
        title_variants=["V"],
        title_original_script="山水",
        contributors=[
            Contributor("Doe, J.", "Doe", "J.", "author", "person", [ident], "杜", ["Tideway U."])
        ],
        publisher="P",
        place="London",
        date="c2019",
        year=2019,
        edition="2nd ed.",
        language=["eng", "chi"],
        identifiers=[ident],
        host=Host(None, "Host", [ident], "3", "4", "45", "67", "raw"),
        relations=[Relation("other_format", "Print", [ident], "Print version")],
        subjects=[Subject("Rivers -- History", "lcsh")],
        abstract="A",
        extent="318 p.",
        page_count=318,
        series=[Series("Urban histories", "7", "1234-5679")],
        access=[Access("https://x", "open", "prov", "2000", "2020", "P1Y", "resource", "n")],
        holdings=[
            Holding(
                "print",
                "DE-1",
                "Stacks",
                "QA1 .J6",
                "v.1(1990)-",
                "1990",
                "1",
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                "001234",
                "gift",
            )  # fmt: skip
        ],
        deleted=False,
        datestamp="2024-01-01",
        harvested_at=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
        raw_ref="s|1",
    )


def test_arrow_schema_has_every_design_field() -> None:
    assert sorted(RECORD_ARROW_SCHEMA.names) == sorted(DESIGN_FIELDS)
    assert RECORD_ARROW_SCHEMA.metadata[b"unioncat.schema_version"] == SCHEMA_VERSION.encode()
    assert pa.types.is_list(RECORD_ARROW_SCHEMA.field("identifiers").type)
    ident = RECORD_ARROW_SCHEMA.field("identifiers").type.value_type
    assert [f.name for f in ident] == ["scheme", "value", "qualifier", "status", "raw"]


def test_published_json_schema_is_current() -> None:
    assert SCHEMA_FILE.read_text(encoding="utf-8") == render(), (
        "run `python -m unioncat.schemas` to regenerate the JSON Schema"
    )


def test_record_round_trips_through_arrow_and_duckdb() -> None:
    rec = full_record()
    table = records_to_table([rec])
    assert table.schema.equals(RECORD_ARROW_SCHEMA, check_metadata=False)
    assert record_from_row(table.to_pylist()[0]) == rec
    con = duckdb.connect(":memory:")
    con.execute(duckdb_ddl("records"))
    con.register("t", table)
    con.execute("INSERT INTO records SELECT * FROM t")
    cur = con.execute("SELECT * FROM records")
    cols = [d[0] for d in cur.description]
    row = dict(zip(cols, cur.fetchone(), strict=True))
    assert record_from_row(row) == rec


def test_the_table_built_by_column_is_the_table_built_by_row() -> None:
    # records_to_table fetches fields column by column; it must give exactly the table
    # the plain rows give, for a full record, a bare one, and None in every nested field
    from unioncat.schemas.generate import record_to_row

    bare = Record(id="uc1-y", source="s", source_id="2", source_format="x", type="book")
    nested_none = Record(id="uc1-z", source="s", source_id="3", source_format="x", type="book",
                         part=None, host=None, contributors=[Contributor("A")])  # fmt: skip
    records = [full_record(), bare, nested_none]
    by_row = pa.Table.from_pylist([record_to_row(r) for r in records], schema=RECORD_ARROW_SCHEMA)
    assert records_to_table(records).equals(by_row)
    assert records_to_table([]).num_rows == 0
    assert records_to_table([]).schema == RECORD_ARROW_SCHEMA


def test_duckdb_ddl_refuses_a_record_without_id() -> None:
    con = duckdb.connect(":memory:")
    con.execute(duckdb_ddl("records"))
    try:
        con.execute("INSERT INTO records (id, source) VALUES (NULL, 's')")
    except duckdb.ConstraintException:
        return
    raise AssertionError("a record without id was accepted")


def test_the_classes_built_by_position_keep_their_fields_order() -> None:
    """The hot paths build these by position (a class called with keywords gets them
    as a dict: 1.5 us more for a record): ``marc._map_book``, ``marc._access`` and
    ``marc_contents.part_records`` (Record, Host, Part, Access), the compiled core's
    contributors (Contributor) and subjects (Subject), ``harvest.files.frame_envelope``
    (RawEnvelope).  Reordering a class's fields must reorder those calls too."""
    import dataclasses

    from unioncat.contracts import RawEnvelope
    from unioncat.schemas.record import Access, Contributor, Host, Part, Subject

    def names(cls: type) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    assert names(Record) == [
        "id", "source", "source_id", "source_format", "type", "medium", "medium_evidence",
        "cluster_id", "title", "title_nonfiling", "subtitle", "part", "title_variants",
        "title_original_script", "contributors", "publisher", "place", "places", "date",
        "year", "edition", "language", "identifiers", "host", "relations", "subjects",
        "abstract", "extent", "page_count", "series", "access", "holdings", "deleted",
        "datestamp", "harvested_at", "raw_ref", "schema_version",
    ]  # fmt: skip
    assert names(Host) == ["id", "title", "identifiers", "volume", "issue", "first_page",
                           "last_page", "raw"]  # fmt: skip
    assert names(Part) == ["number", "name"]
    assert names(Access) == ["url", "kind", "provider", "coverage_start", "coverage_end",
                             "embargo", "relationship", "note"]  # fmt: skip
    assert names(Subject) == ["term", "scheme"]
    assert names(Contributor)[:8] == ["name", "family", "given", "role", "kind", "identifiers",
                                      "name_original_script", "affiliations"]  # fmt: skip
    assert names(RawEnvelope)[:10] == ["source", "envelope_id", "format", "payload",
                                       "fetched_at", "datestamp", "deleted", "batch",
                                       "position", "error"]  # fmt: skip
