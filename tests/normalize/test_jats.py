"""JATS articles as records, on PMC's real files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import read_as
from unioncat.schemas.record import Record

Cli = Callable[..., tuple[int, str, str]]


def _read(blob: bytes) -> tuple[list[Record], list[str]]:
    return read_as("jats", blob)


def _jats(shared_data: Path, name: str) -> bytes:
    return (shared_data / "vendor" / "jats" / name).read_bytes()


def test_a_pmc_article_with_its_journal_ids_and_open_licence(shared_data: Path) -> None:
    (rec,), failed = _read(_jats(shared_data, "ehp-116-1694.nxml"))
    assert failed == []
    assert rec.type == "journal_article" and rec.source_id == "10.1289/ehp.11570"
    assert rec.host is not None and rec.host.title == "Environmental Health Perspectives"
    assert [(i.value, i.qualifier) for i in rec.host.identifiers] == [
        ("0091-6765", "print"),
        ("1552-9924", "electronic"),
    ]
    assert (rec.host.volume, rec.host.issue, rec.host.first_page) == ("116", "12", "1694")
    schemes = {(i.scheme, i.qualifier) for i in rec.identifiers}
    assert {("doi", None), ("pmid", None), ("pmcid", None)} <= schemes
    assert rec.date == "2008-08-01" and rec.year == 2008
    assert rec.access and rec.access[0].url == "https://doi.org/10.1289/ehp.11570"
    assert rec.access[0].kind == "open"
    assert rec.abstract and "<" not in rec.abstract


def test_the_earliest_full_date_wins_over_a_collection_year(shared_data: Path) -> None:
    (rec,), _ = _read(_jats(shared_data, "1471-2180-11-174.nxml"))
    assert rec.date == "2011-08-02"
    assert rec.contributors[0].name == "Dennehy, John J"
    assert rec.title and rec.title.endswith("bacteriophage λ")  # a numeric reference read


def test_affiliations_by_xref_without_their_labels(shared_data: Path) -> None:
    (rec,), _ = _read(_jats(shared_data, "1471-2180-11-174.nxml"))
    dennehy, wang = rec.contributors
    assert dennehy.affiliations == [
        "Department of Biological Sciences, University at Albany, 1400 Washington Avenue, "
        "Albany, NY 12222, USA",
        "Biology Department, Queens College, and the Graduate Center of the City University "
        "of New York, Flushing, NY 11367, USA",
    ]
    assert wang.affiliations == dennehy.affiliations[:1]
    (rec,), _ = _read(_jats(shared_data, "mds526.nxml"))
    by_name = {c.name: c.affiliations for c in rec.contributors}
    # an <aff> of institution and address parts reads as one line
    assert by_name["Brown, C. H."] == [
        "Eastern Cancer Registration and Information Centre, Cambridge, UK"
    ]
    assert len(by_name["Greenberg, D. C."]) == 2


def test_an_aff_inside_its_contrib() -> None:
    blob = (
        b"<article><front><journal-meta><journal-title-group><journal-title>J</journal-title>"
        b"</journal-title-group></journal-meta><article-meta>"
        b'<article-id pub-id-type="doi">10.5555/x</article-id>'
        b"<title-group><article-title>T</article-title></title-group>"
        b'<contrib-group><contrib contrib-type="author"><name><surname>Okafor</surname>'
        b"<given-names>A</given-names></name><aff><institution>Tideway Institute</institution>"
        b"</aff></contrib></contrib-group>"
        b"<pub-date><year>2020</year></pub-date></article-meta></front></article>"
    )
    (rec,), failed = _read(blob)
    assert failed == [] and rec.contributors[0].affiliations == ["Tideway Institute"]


def test_every_shared_article_lands(shared_data: Path) -> None:
    folder = shared_data / "vendor" / "jats"
    for path in sorted(folder.glob("*.nxml")):
        (rec,), failed = _read(path.read_bytes())
        assert failed == [], path.name
        assert rec.title and rec.host and rec.host.title and rec.year, path.name
        assert any(i.scheme == "doi" for i in rec.identifiers), path.name


def test_the_doctype_is_never_fetched_and_entities_never_expand(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("NOT-FOR-YOU")
    blob = (f'<!DOCTYPE article [<!ENTITY x SYSTEM "file://{secret}">]>'
            '<article><front><journal-meta><journal-title>J</journal-title></journal-meta>'
            '<article-meta><article-id pub-id-type="doi">10.5555/x</article-id><title-group>'
            "<article-title>T &x;</article-title></title-group></article-meta></front>"
            "</article>").encode()  # fmt: skip
    records, failed = _read(blob)
    text = repr(records) + repr(failed)
    assert "NOT-FOR-YOU" not in text


@pytest.mark.parametrize(
    ("blob", "why"),
    [(b"<article><front></front></article>", "without <article-meta>"),
     (b"<article><front><article-meta><title-group><article-title>T</article-title>"
      b"</title-group></article-meta></front></article>", "without any article-id")],
)  # fmt: skip
def test_what_cannot_be_keyed_is_quarantined(blob: bytes, why: str) -> None:
    records, failed = _read(blob)
    assert records == [] and len(failed) == 1 and why in failed[0]


def test_convert_reads_jats(shared_data: Path, cli: Cli, tmp_path: Path) -> None:
    paths = [str(p) for p in sorted((shared_data / "vendor" / "jats").glob("*.nxml"))]
    out = tmp_path / "articles.jsonl"
    code, stdout, _ = cli("convert", *paths, "--format", "jats", "-o", str(out))
    assert code == 0 and f"{len(paths)} records" in stdout
