"""``unioncat export --format jsonld|bibframe``: works and their members as schema.org
and BIBFRAME 2, parsed back with rdflib and with unioncat's own readers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF

from tests.support.builders import read_as, write_pipeline
from tests.support.catalogs import write_run
from tests.support.dedupe_records import rec
from unioncat.catalog import Catalog
from unioncat.schemas.record import Holding, Host, Identifier

Cli = Callable[..., tuple[int, str, str]]
SDO = Namespace("http://schema.org/")
BF = Namespace("http://id.loc.gov/ontologies/bibframe/")
PRINT = replace(
    rec("p1", "Tidal estuaries of West Africa", isbn=["9780198812357"]),
    identifiers=[Identifier("isbn", "9780198812357", "pbk.")],
    holdings=[Holding(form="print", holder="XX-Main", call_number="GB454.E8 O43 2019")],
)  # fmt: skip
EBOOK = rec("e1", "Tidal estuaries of West Africa", source="vendor", medium="electronic",
            isbn=["9780198812364"], other_format_isbn=["9780198812357"])  # fmt: skip
ARTICLE = replace(
    rec("a1", "Salt marsh accretion", type="journal_article", year=2012, source="crossref",
        doi="10.1234/marsh.2012"),
    host=Host(title="Journal of coastal margins", identifiers=[Identifier("issn", "2049-3630")],
              volume="18", issue="2", first_page="101", last_page="117"),
)  # fmt: skip


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_run(tmp_path / "catalog.duckdb", "r1", PRINT, EBOOK, ARTICLE)
    write_pipeline(tmp_path, [])
    return tmp_path


def export(cli: Cli, folder: Path, fmt: str) -> Path:
    code, out, err = cli("--config", str(folder / "pipelines.yaml"), "export", "--format", fmt,
                         "--base", "https://catalog.example.org")  # fmt: skip
    assert code == 0, out + err
    newest = sorted((folder / "export" / "linked").iterdir())[-1]
    (path,) = newest.iterdir()
    return path


def test_schema_org_works_have_their_formats_as_work_examples(folder: Path, cli: Cli) -> None:
    path = export(cli, folder, "jsonld")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 2  # the book (print and e-book) and the article
    graphs = [Graph().parse(data=line, format="json-ld") for line in lines]
    book = next(g for g in graphs if len(list(g.objects(None, SDO.workExample))) == 2)
    work = next(book.subjects(SDO.workExample, None))
    assert work == URIRef(f"https://catalog.example.org/work/{_cluster(folder, PRINT.id)}")
    examples = set(book.objects(work, SDO.workExample))
    assert examples == {
        URIRef(f"https://catalog.example.org/record/{r.id}") for r in (PRINT, EBOOK)
    }
    formats = {book.value(e, SDO.bookFormat) for e in examples}
    assert formats == {SDO.EBook, SDO.Paperback}
    isbns = {str(book.value(pv, SDO.value)) for pv in book.objects(None, SDO.identifier)
             if book.value(pv, SDO.propertyID) == Literal("isbn")}  # fmt: skip
    assert isbns == {"9780198812357", "9780198812364"}
    article = next(g for g in graphs if g is not book)
    node = URIRef(f"https://catalog.example.org/record/{ARTICLE.id}")
    issue = article.value(node, SDO.isPartOf)
    assert (issue, RDF.type, SDO.PublicationIssue) in article
    volume = article.value(issue, SDO.isPartOf)
    journal = article.value(volume, SDO.isPartOf)
    assert str(article.value(volume, SDO.volumeNumber)) == "18"
    assert str(article.value(journal, SDO.issn)) == "2049-3630"
    assert str(article.value(node, SDO.pageStart)) == "101"
    # and unioncat's own jsonld reader takes the records back
    back, errors = read_as("jsonld", "\n".join(lines).encode())
    assert not errors
    assert {r.title for r in back} >= {PRINT.title, ARTICLE.title}
    got = next(r for r in back if r.source_id == "10.1234/marsh.2012")  # a DOI names it
    assert got.host is not None and got.host.volume == "18" and got.host.issue == "2"


def test_bibframe_works_instances_and_items(folder: Path, cli: Cli) -> None:
    path = export(cli, folder, "bibframe")
    g = Graph().parse(path, format="xml")
    works = set(g.subjects(RDF.type, BF.Work))
    instances = set(g.subjects(RDF.type, BF.Instance))
    assert len(works) == 2 and len(instances) == 3
    book = URIRef(f"https://catalog.example.org/work/{_cluster(folder, PRINT.id)}")
    assert set(g.objects(book, BF.hasInstance)) == {
        URIRef(f"https://catalog.example.org/record/{r.id}") for r in (PRINT, EBOOK)
    }
    ebook = URIRef(f"https://catalog.example.org/record/{EBOOK.id}")
    assert (ebook, RDF.type, BF.Electronic) in g
    isbn = next(i for i in g.objects(ebook, BF.identifiedBy) if (i, RDF.type, BF.Isbn) in g)
    assert str(g.value(isbn, RDF.value)) == "9780198812364"
    printed = URIRef(f"https://catalog.example.org/record/{PRINT.id}")
    item = g.value(printed, BF.hasItem)
    assert item is not None and g.value(item, BF.itemOf) == printed
    held = g.value(item, BF.heldBy)
    assert str(g.value(held, URIRef("http://www.w3.org/2000/01/rdf-schema#label"))) == "XX-Main"
    back, errors = read_as("bibframe", path.read_bytes())
    assert not errors
    assert sorted(r.title for r in back) == sorted([PRINT.title, EBOOK.title, ARTICLE.title])


def test_the_same_catalog_exports_the_same_bytes_whatever_the_hash_seed(folder: Path) -> None:
    """rdflib orders triples by the process's hash seed: each export runs in a process of
    its own, with another seed."""
    import os
    import subprocess
    import sys

    for fmt in ("jsonld", "bibframe"):
        outputs = []
        for seed in ("1", "2"):
            done = subprocess.run(
                [sys.executable, "-m", "unioncat.cli", "--config", str(folder / "pipelines.yaml"),
                 "export", "--format", fmt],
                env=dict(os.environ, PYTHONHASHSEED=seed), capture_output=True, text=True,
            )  # fmt: skip
            assert done.returncode == 0, done.stderr
            newest = sorted((folder / "export" / "linked").iterdir())[-1]
            (path,) = newest.iterdir()
            outputs.append(path.read_bytes())
        assert outputs[0] == outputs[1], fmt


def _cluster(folder: Path, record_id: str) -> str:
    catalog = Catalog(folder / "catalog.duckdb", read_only=True)
    try:
        return str(catalog.query("SELECT cluster_id FROM records WHERE id = ?", [record_id])[0][0])
    finally:
        catalog.close()
