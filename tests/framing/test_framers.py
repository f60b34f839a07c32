"""The framer registry and the framers: a format names the framers of its files, a file
is read with the one whose sniff knows its first bytes, and each framer cuts records
without reading them."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import pyarrow.parquet as pq
import pytest

from tests.support.builders import marc_record, write_pipeline
from unioncat.contracts import RawEnvelope
from unioncat.convert import convert_files
from unioncat.errors import ConfigError
from unioncat.framing import (
    FORMAT_FRAMERS,
    FRAMERS,
    Frame,
    check_file_format,
    frame_file,
    open_maybe_gzip,
    pick,
    register_framer,
)
from unioncat.framing.json import iter_json_objects
from unioncat.ids import mint_id
from unioncat.normalize import NORMALIZERS
from unioncat.normalize.base import register
from unioncat.schemas.record import Record


def _frames(blob: bytes, fmt: str = "marc") -> tuple[str, list[Frame]]:
    wire, frames = frame_file(io.BytesIO(blob), fmt)
    return wire, list(frames)


# ================================================================ a new format in a few lines


@pytest.fixture
def toy_format() -> Iterator[str]:
    """A format of one record per line, ``title|year``: a framer and a normalizer."""

    def lines(stream: IO[bytes]) -> Iterator[Frame]:
        lines = [line for line in stream.read().splitlines() if line.strip()]
        for n, line in enumerate(lines):
            yield Frame(line, n)

    def normalize(env: RawEnvelope) -> list[Record]:
        title, _, year = env.payload.decode().partition("|")
        return [
            Record(
                id=mint_id(env.source, title),
                source=env.source,
                source_id=title,
                source_format=env.format,
                type="book",
                title=title,
                year=int(year),
            )
        ]

    register_framer("toy-lines", sniff=lambda head: b"|" in head, description="toy")(lines)
    register("toy", framers=("toy-lines",))(normalize)
    yield "toy"
    for registry, name in ((NORMALIZERS, "toy"), (FORMAT_FRAMERS, "toy"), (FRAMERS, "toy-lines")):
        registry.pop(name, None)  # type: ignore[attr-defined]


def test_a_registered_toy_format_is_read_by_convert(toy_format: str, tmp_path: Path) -> None:
    src = tmp_path / "books.toy"
    src.write_bytes(b"Salt roads|2004\n\nRiver archives|2011\n")
    result = convert_files([str(src)], toy_format, tmp_path / "out.parquet", workers=1)
    rows = pq.read_table(tmp_path / "out.parquet").to_pylist()
    assert result.records == 2
    assert [(r["title"], r["year"], r["source_format"]) for r in rows] == [
        ("Salt roads", 2004, "toy-lines"),
        ("River archives", 2011, "toy-lines"),
    ]


def test_a_registered_toy_format_is_read_by_a_files_source(
    toy_format: str, tmp_path: Path, cli
) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "books.toy").write_bytes(b"Salt roads|2004\nRiver archives|2011\n")
    path = write_pipeline(
        tmp_path, [{"name": "toys", "kind": "files", "format": "toy", "paths": ["*.toy"]}],
        workers=1,
    )  # fmt: skip
    code, out, _err = cli("--config", str(path), "run")
    assert code == 0, out
    assert "toys: ok: 2 read, 2 new or changed" in out


def test_a_format_without_framers_is_refused_for_files_before_any_work(
    tmp_path: Path,
) -> None:
    register("toy-protocol-only")(lambda env: [])
    try:
        with pytest.raises(ConfigError, match="cannot be read from files"):
            check_file_format("toy-protocol-only", "source 'x'")
        from unioncat.config import load_config

        path = write_pipeline(
            tmp_path,
            [{"name": "x", "kind": "files", "format": "toy-protocol-only", "paths": ["a"]}],
        )
        with pytest.raises(ConfigError, match="formats files can be read in: .*marc"):
            load_config(path)
    finally:
        NORMALIZERS.pop("toy-protocol-only")


def test_the_first_bytes_pick_the_framer_and_the_primary_one_is_the_fallback() -> None:
    assert pick("marc", b"00123nam a22").name == "marc21"
    assert pick("marc", b"\xef\xbb\xbf  <?xml version='1.0'?><collection>").name == "marcxml"
    assert pick("marc", b' [{"leader": "x"}]').name == "marc-json"
    assert pick("marc", b"=LDR  00755cam  22002414a 4500").name == "marc-mrk"
    assert pick("marc", b"%PDF-1.4").name == "marc21"  # whose error says what it is not
    _wire, got = _frames(b"%PDF-1.4 not a catalog at all")
    assert len(got) == 1 and "does not look like ISO 2709" in (got[0].error or "")


# ================================================================ MARC in its four forms


def test_iso2709_is_split_on_the_record_terminator(tmp_path: Path) -> None:
    recs = [marc_record(control=f"r{i}") for i in range(3)]
    blob = b"\n".join(r.as_marc() for r in recs) + b"\r\n"
    path = tmp_path / "a.mrc"
    path.write_bytes(blob)
    with path.open("rb") as f:
        wire, frames = frame_file(open_maybe_gzip(f), "marc")
        payloads = [fr.payload for fr in frames]
    assert wire == "marc21"
    assert payloads == [r.as_marc() for r in recs]


def test_gzip_marcxml_is_sniffed_and_framed(tmp_path: Path) -> None:
    from pymarc import record_to_xml

    recs = [marc_record(control=f"x{i}") for i in range(2)]
    xml = (
        b'<?xml version="1.0"?><collection xmlns="http://www.loc.gov/MARC21/slim">'
        + b"".join(record_to_xml(r, namespace=False) for r in recs)
        + b"</collection>"
    )
    path = tmp_path / "a.xml.gz"
    path.write_bytes(gzip.compress(xml))
    with path.open("rb") as f:
        wire, frames = frame_file(open_maybe_gzip(f), "marc")
        got = list(frames)
    assert wire == "marcxml"
    assert len(got) == 2 and all(g.error is None for g in got)
    assert b"x1" in got[1].payload


def test_malformed_xml_keeps_records_before_the_fault(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(
        b'<collection xmlns="http://www.loc.gov/MARC21/slim">'
        b"<record><leader>00000nam a2200000 a 4500</leader>"
        b'<controlfield tag="001">one</controlfield></record>'
        b"<record><leader>broken</leader><oops></record></collection>"
    )
    with path.open("rb") as f:
        _wire, frames = frame_file(open_maybe_gzip(f), "marc")
        got = list(frames)
    assert got[0].error is None and b"one" in got[0].payload
    assert got[-1].error and "not well-formed" in got[-1].error


def test_external_entities_are_never_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    path = tmp_path / "xxe.xml"
    path.write_text(
        f'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file://{secret}">]>'
        '<collection xmlns="http://www.loc.gov/MARC21/slim"><record>'
        "<leader>00000nam a2200000 a 4500</leader>"
        '<datafield tag="245" ind1="0" ind2="0"><subfield code="a">&x;</subfield></datafield>'
        "</record></collection>"
    )
    with path.open("rb") as f:
        _wire, frames = frame_file(open_maybe_gzip(f), "marc")
        got = list(frames)
    assert all(b"TOP-SECRET" not in g.payload for g in got)


def _json_record(control: str) -> dict[str, object]:
    return {
        "leader": "00000nam a2200000 a 4500",
        "fields": [
            {"001": control},
            {
                "245": {
                    "ind1": "1",
                    "ind2": "0",
                    "subfields": [{"a": f'Title {{of}} "{control}"'}],
                }
            },
        ],
    }


@pytest.mark.parametrize("layout", ["array", "lines", "one"])
def test_marc_in_json_files_give_one_frame_per_record(layout: str) -> None:
    records = [_json_record(f"j{i}") for i in range(1 if layout == "one" else 3)]
    if layout == "array":
        blob = json.dumps(records, indent=2).encode()
    elif layout == "lines":
        blob = b"\n".join(json.dumps(r).encode() for r in records) + b"\n"
    else:
        blob = json.dumps(records[0]).encode()
    wire, got = _frames(blob)
    assert wire == "marc-json"
    assert [json.loads(g.payload) for g in got] == records
    assert all(g.error is None for g in got)
    env = RawEnvelope("s", "f#0", wire, got[-1].payload, _NOW)
    (mapped,) = NORMALIZERS["marc"](env)
    assert mapped.title == f'Title {{of}} "{records[-1]["fields"][0]["001"]}"'  # type: ignore[index]


def test_a_json_file_cut_inside_a_record_keeps_the_records_before_it() -> None:
    blob = json.dumps([_json_record("a"), _json_record("b")]).encode()
    _wire, got = _frames(blob[:-20])
    assert got[0].error is None and json.loads(got[0].payload)["fields"][0] == {"001": "a"}
    assert got[1].error is not None and "cut off" in got[1].error


def test_json_that_holds_no_object_is_an_error_frame() -> None:
    got = list(iter_json_objects(io.BytesIO(b'["just", "strings"]')))
    assert len(got) == 1 and "no JSON object found" in (got[0].error or "")


def test_a_broken_marc_in_json_record_is_quarantined_alone(tmp_path: Path) -> None:
    good = json.dumps(_json_record("ok"))
    src = tmp_path / "feed.json"
    src.write_text(f'[{good}, {{"leader": 7, "fields": []}}, {good.replace("ok", "ok2")}]')
    result = convert_files([str(src)], "marc", tmp_path / "out.jsonl", workers=1)
    assert result.records == 2 and len(result.quarantined) == 1
    assert "leader" in result.quarantined[0].reason


def test_marc_in_json_maps_as_pymarc_reads_it(shared_data: Path, tmp_path: Path) -> None:
    from pymarc import JSONReader

    from unioncat.normalize.marc import map_record

    for name in ("test.json", "batch.json", "one.json"):
        path = shared_data / "marc" / "pymarc" / name
        with path.open(encoding="utf-8") as handle:
            expected = [r for r in JSONReader(handle.read()) if r is not None]
        wire, frames = frame_file(path.open("rb"), "marc")
        got = list(frames)
        assert wire == "marc-json" and len(got) == len(expected), name
        for frame, reference in zip(got, expected, strict=True):
            env = RawEnvelope("s", f"{name}#{frame.position}", wire, frame.payload, _NOW)
            (ours,) = [r for r in NORMALIZERS["marc"](env) if r.type != "book_chapter"][:1]
            theirs = map_record(reference, env)
            assert ours == theirs, name


def test_marcmaker_gives_the_same_records_as_the_binary_file(shared_data: Path) -> None:
    folder = shared_data / "marc" / "catmandu"
    out = []
    for name in ("camel.mrk", "camel.mrc"):
        wire, frames = frame_file((folder / name).open("rb"), "marc")
        records = []
        for frame in frames:
            assert frame.error is None
            env = RawEnvelope("s", f"camel#{frame.position}", wire, frame.payload, _NOW)
            for r in NORMALIZERS["marc"](env):
                r.source_format = ""
                records.append(r)
        out.append((wire, records))
    (mrk_wire, mrk), (mrc_wire, mrc) = out
    assert (mrk_wire, mrc_wire) == ("marc-mrk", "marc21")
    assert len(mrk) == len(mrc) == 10
    assert mrk == mrc


def test_marcmaker_blanks_and_mnemonics() -> None:
    text = (
        "=LDR  00000nam\\\\2200000\\a\\4500\n"
        "=001  m1\n"
        "=008  190415s2019\\\\\\\\enk\\\\\\\\\\\\\\\\\\\\\\000\\0\\eng\\d\n"
        "=245  10$aPrices in {dollar}US :$bthe {lcub}first{rcub} year\n"
    )
    wire, got = _frames(("\n" + text + "\n\n" + text.replace("m1", "m2")).encode())
    assert wire == "marc-mrk" and len(got) == 2
    env = RawEnvelope("s", "f#0", wire, got[0].payload, _NOW)
    (record,) = NORMALIZERS["marc"](env)
    assert record.title == "Prices in $US"
    assert record.subtitle == "the {first} year"
    assert record.language == ["eng"] and record.year == 2019


def test_marcmaker_line_that_is_not_a_field_is_quarantined(tmp_path: Path) -> None:
    src = tmp_path / "a.mrk"
    src.write_text("=LDR  00000nam  2200000 a 4500\n=001  a\nnot a field\n\n"
                   "=LDR  00000nam  2200000 a 4500\n=001  b\n=245  00$aB\n")  # fmt: skip
    result = convert_files([str(src)], "marc", tmp_path / "out.jsonl", workers=1)
    assert result.records == 1
    assert "line 3" in result.quarantined[0].reason


# ================================================================ XML records, saved OAI-PMH


_NOW = __import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").UTC)
_OAI = (
    '<?xml version="1.0"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
    "<responseDate>2026-01-01T00:00:00Z</responseDate><ListRecords>{}</ListRecords></OAI-PMH>"
)


def _oai_record(identifier: str, metadata: str, deleted: bool = False) -> str:
    status = ' status="deleted"' if deleted else ""
    return (
        f"<record><header{status}><identifier>{identifier}</identifier>"
        "<datestamp>2026-01-01</datestamp></header>"
        + (f"<metadata>{metadata}</metadata>" if metadata else "")
        + "</record>"
    )


def test_a_saved_oai_response_of_marcxml_is_keyed_by_oai_identifier(tmp_path: Path) -> None:
    from pymarc import record_to_xml

    marc = record_to_xml(marc_record(control="c1", title="Salt roads"), namespace=True).decode()
    body = _OAI.format(_oai_record("oai:x:1", marc) + _oai_record("oai:x:2", "", deleted=True))
    src = tmp_path / "page.xml"
    src.write_text(body)
    out = tmp_path / "out.jsonl"
    result = convert_files([str(src)], "marc", out, workers=1)
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert result.records == 2 and not result.quarantined
    assert [(r["source_id"], r["title"], r["deleted"]) for r in rows] == [
        ("oai:x:1", "Salt roads", False),
        ("oai:x:2", None, True),
    ]


def test_a_saved_oai_response_in_another_format_says_so(tmp_path: Path) -> None:
    body = _OAI.format(_oai_record("oai:x:1", "<other xmlns='urn:x'><t>T</t></other>"))
    _wire, got = _frames(body.encode(), "oai_dc")
    assert len(got) == 1 and "another metadata format" in (got[0].error or "")


def test_a_saved_oai_error_response_is_an_error_frame() -> None:
    body = (
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/"><responseDate>2026-01-01'
        '</responseDate><error code="badArgument">no such set</error></OAI-PMH>'
    )
    _wire, got = _frames(body.encode(), "mods")
    assert len(got) == 1 and "OAI-PMH error response: badArgument (no such set)" in (
        got[0].error or ""
    )
    empty = body.replace("badArgument", "noRecordsMatch")
    assert _frames(empty.encode(), "mods")[1] == []


def test_convert_reads_the_shared_mods_and_oai_files(shared_data: Path, tmp_path: Path) -> None:
    mods = sorted((shared_data / "mods").glob("*.xml"))
    result = convert_files([str(p) for p in mods], "mods", tmp_path / "m.jsonl", workers=1)
    rows = [json.loads(line) for line in (tmp_path / "m.jsonl").read_text().splitlines()]
    assert not result.quarantined and result.records == len(rows) > 40
    assert all(r["title"] for r in rows)
    # the FSU file puts its OAI records in the wrong namespace: still keyed by identifier
    assert sum(r["source_id"].startswith("oai:fsu.digital.flvc.org:") for r in rows) >= 45
    sickle = shared_data / "oai" / "sickle"
    pages = [sickle / f"ListRecords{n}.xml" for n in ("", "2", "3", "4")]
    result = convert_files([str(p) for p in pages], "oai_dc", tmp_path / "d.jsonl", workers=1)
    rows = [json.loads(line) for line in (tmp_path / "d.jsonl").read_text().splitlines()]
    assert not result.quarantined and len(rows) == 8
    assert sum(r["deleted"] for r in rows) == 4
    # the fourth page's deleted header has no identifier: its envelope keys it
    keyed = [r["source_id"] for r in rows if not r["source_id"].startswith("oai:")]
    assert len(keyed) == 1 and keyed[0].endswith("ListRecords4.xml#0")


def test_gzip_damage_before_the_first_bytes_is_one_error_frame() -> None:
    blob = gzip.compress(b"x" * 1000)[:12]
    wire, got = _frames(blob)
    assert wire == "marc21" and len(got) == 1 and "gzip" in (got[0].error or "")
