"""Web of Science plain-text exports as records, on a real export."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import read_as

EXPORT = "WoS_other_reference_software_r4001-4012.txt"


def _export(shared_data: Path) -> bytes:
    return (shared_data / "vendor" / "wos" / EXPORT).read_bytes()


def _plainly(blob: bytes) -> list[dict[str, list[str]]]:
    """The file's records read as simply as the format allows: a tag at column 0, a
    continuation at column 3 (its own value for AF, the rest of the value otherwise)."""
    out: list[dict[str, list[str]]] = []
    tags: dict[str, list[str]] = {}
    last = ""
    for line in blob.decode("utf-8-sig").splitlines():
        if line.startswith("ER"):
            out.append(tags)
            tags, last = {}, ""
        elif line.startswith("   ") and last:
            if last == "AF":
                tags[last].append(line.strip())
            else:
                tags[last][-1] += " " + line.strip()
        elif re.match(r"^[A-Z][A-Z0-9] ", line):
            last = line[:2]
            tags.setdefault(last, []).append(line[3:].strip())
    return out


def test_every_record_agrees_with_the_export(shared_data: Path) -> None:
    blob = _export(shared_data)
    records, failed = read_as("wos", blob)
    assert failed == []
    plain = _plainly(blob)
    assert len(records) == len(plain) == 12
    for rec, tags in zip(records, plain, strict=True):
        one = {t: v[0] for t, v in tags.items()}
        assert rec.source_id == one["UT"] and rec.source_id.startswith("WOS:")
        assert rec.type == ("journal_article" if one["PT"] == "J" else rec.type)
        assert rec.title == one["TI"]
        assert [c.name for c in rec.contributors if c.kind == "person"] == tags["AF"]
        assert rec.year == int(one["PY"])
        assert rec.host is not None
        assert rec.host.title == one["SO"]
        assert rec.host.volume == one["VL"]
        assert rec.host.issue == one["IS"]
        assert rec.host.first_page == one.get("BP", one.get("AR"))
        host_ids = {(i.scheme, i.value, i.qualifier) for i in rec.host.identifiers}
        assert ("issn", one["SN"], "print") in host_ids
        if "EI" in one:
            assert ("issn", one["EI"], "electronic") in host_ids
        ids = {(i.scheme, i.value) for i in rec.identifiers}
        assert ("doi", one["DI"].lower()) in ids
        assert ("wos", one["UT"]) in ids
        assert ("pmid", one["PM"]) in ids
        assert rec.language == ["eng"]
        assert rec.publisher == one["PU"] and rec.place == one["PI"]
        assert rec.page_count == int(one["PG"])
        assert {s.term for s in rec.subjects if s.scheme == "wos-document-type"} == {
            t.strip() for t in one["DT"].split(";")
        }
        assert rec.abstract is not None and rec.abstract.replace("\n", " ") == one["AB"]


def test_names_addresses_orcids_and_dates_in_detail(shared_data: Path) -> None:
    records, _ = read_as("wos", _export(shared_data))
    first = records[0]
    assert [(c.family, c.given) for c in first.contributors] == [
        ("Asampong", "Emmanuel"), ("Gyeke", "Mavis Dako Plusminus"), ("Oduro", "Razak"),
    ]  # fmt: skip
    assert first.contributors[0].affiliations == [
        "Univ Ghana, Sch Publ Hlth, Dept Social & Behav Sci, Legon, Accra, Ghana."
    ]
    assert first.title == (
        "Caregivers' views on stigmatization and discrimination of people affected by "
        "leprosy in Ghana"
    )
    assert first.date == "2018-01"
    assert first.host is not None and first.host.first_page == "e0006219"
    # the abstract keeps its paragraphs (Background, Methods, Results, Conclusion)
    assert first.abstract is not None and first.abstract.split("\n")[:2] == [
        "Background",
        "Leprosy is a condition that has long been associated with stigma and "
        "discrimination, even when infected persons have been cured. This paper describes "
        "stigma and discrimination as viewed by caregivers who are associated with people "
        "affected by leprosy in Ghana.",
    ]
    assert {"MENTAL-HEALTH", "STIGMA", "INDIA"} <= {
        s.term for s in first.subjects if s.scheme == "keywords-plus"
    }
    review = next(r for r in records if r.source_id == "WOS:000424022700040")
    solomon = next(c for c in review.contributors if c.name == "Solomon, Anthony W.")
    assert [(i.scheme, i.value) for i in solomon.identifiers] == [("orcid", "0000-0001-7101-6649")]
    # an ORCID whose owner's name wraps onto the next line still finds its owner
    wrapped = next(r for r in records if r.source_id == "WOS:000424022700023")
    casal = next(c for c in wrapped.contributors if c.family == "Casal")
    assert [i.value for i in casal.identifiers] == ["0000-0002-6909-9366"]
    groups = [c for r in records for c in r.contributors if c.kind == "organization"]
    assert len(groups) == 1  # the export's one CA


def test_crlf_and_utf16_copies_read_alike(shared_data: Path) -> None:
    blob = _export(shared_data)
    plain, _ = read_as("wos", blob)
    text = blob.decode("utf-8-sig")
    for copy in (text.replace("\n", "\r\n").encode("utf-8"), text.encode("utf-16")):
        other, failed = read_as("wos", copy)
        assert failed == []
        assert [(r.id, r.title, r.contributors, r.host) for r in other] == [
            (r.id, r.title, r.contributors, r.host) for r in plain
        ]


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("PT J\nAU Nobody, N\nSO A JOURNAL\nPY 2001\nUT WOS:1\nER\n", "without a title"),
        ("PT J\nTI A title and nothing to key it\nPY 2001\nER\n", "neither an accession"),
        ("PT J\nTI Broken\nthis line has lost its tag\nUT WOS:2\nER\n", "line 3"),
        ("PT J\nTI \nUT WOS:3\nER\n", "without a title"),
    ],
)
def test_a_broken_record_is_quarantined_and_its_neighbours_land(
    shared_data: Path, record: str, reason: str
) -> None:
    text = _export(shared_data).decode("utf-8-sig")
    cut = text.index("\nPT ", text.index("\nER")) + 1  # after the first record
    blob = (text[:cut] + record + text[cut:]).encode("utf-8-sig")
    records, failed = read_as("wos", blob)
    assert len(records) == 12
    assert len(failed) == 1 and reason in failed[0], failed


def test_a_truncated_export_keeps_every_record_it_holds(shared_data: Path) -> None:
    blob = _export(shared_data)
    records, failed = read_as("wos", blob[: len(blob) // 2])
    whole = blob[: len(blob) // 2].count(b"\nER")
    assert len(records) == whole + 1 and failed == []  # the cut one lands with what it has
