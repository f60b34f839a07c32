"""MEDLINE (PubMed .nbib) citations as records."""

from __future__ import annotations

from pathlib import Path

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import read_as
from unioncat.schemas.record import Record

SAMPLE = Path(__file__).resolve().parents[1] / "support" / "exports" / "pubmed.nbib"


def _records() -> dict[str, Record]:
    records, failed = read_as("medline", SAMPLE.read_bytes())
    assert failed == []
    return {r.source_id: r for r in records}


def _ids(rec: Record) -> set[tuple[str, str]]:
    return {(i.scheme, i.value) for i in rec.identifiers}


def test_every_citation_of_the_file_agrees_with_what_it_says() -> None:
    # pmid: (title, family names, year, journal, volume, issue, first, last page, ISSNs)
    expected = {
        "8692918": (
            "The structure of bovine F1-ATPase complexed with the antibiotic inhibitor "
            "aurovertin B",
            ["van Raaij", "Abrahams", "Leslie", "Walker"], 1996,
            "Proceedings of the National Academy of Sciences of the United States of America",
            "93", "14", "6913", "6917",
            {("issn", "0027-8424", "print"), ("issn_l", "0027-8424", None)},
        ),
        "8402898": (
            "The GTPase dynamin binds to and is activated by a subset of SH3 domains",
            ["Gout", "Dhand", "Booker"], 1993, "Cell", "75", "1", "25", "36",
            {("issn", "0092-8674", "print"), ("issn_l", "0092-8674", None)},
        ),
        "25744111": (
            "Effectiveness of public health practices against shaken baby syndrome/abusive "
            "head trauma in Japan",
            ["Fujiwara"], 2015, "Public health", "129", "5", "475", "482",
            {("issn", "1476-5616", "electronic"), ("issn_l", "0033-3506", None)},
        ),
    }  # fmt: skip
    records = _records()
    assert set(records) == {"8692918", "21249755", "8402898", "25744111", "27125245"}
    for pmid, (title, families, year, journal, vol, iss, first, last, issns) in expected.items():
        rec = records[pmid]
        assert rec.type == "journal_article"
        assert rec.title == title
        assert [c.family for c in rec.contributors] == families
        assert rec.year == year
        assert rec.host is not None
        assert rec.host.title == journal
        assert (rec.host.volume, rec.host.issue) == (vol, iss)
        assert (rec.host.first_page, rec.host.last_page) == (first, last)
        assert {(i.scheme, i.value, i.qualifier) for i in rec.host.identifiers} == issns
        assert ("pmid", pmid) in _ids(rec)
        assert rec.language == ["eng"]
        assert rec.host.raw and rec.host.raw.startswith(journal.split()[0][:4])


def test_identifiers_dates_and_names_in_their_detail() -> None:
    records = _records()
    pnas = records["8692918"]
    assert pnas.date == "1996-07-09"
    assert ("pmcid", "PMC38908") in _ids(pnas)
    assert pnas.contributors[0].name == "van Raaij, M J"
    assert pnas.contributors[0].given == "M J"
    assert pnas.contributors[0].affiliations == [
        "Medical Research Council Laboratory of Molecular Biology, Cambridge, United Kingdom."
    ]
    mesh = [(s.term, s.scheme) for s in pnas.subjects if s.scheme == "mesh"]
    assert ("Protein Structure, Secondary", "mesh") in mesh  # the major-topic star dropped
    assert ("Aurovertins/*chemistry/*metabolism", "mesh") in mesh  # qualifiers as written
    assert {s.term for s in pnas.subjects if s.scheme == "nlm-publication-type"} == {
        "Journal Article", "Research Support, Non-U.S. Gov't",
    }  # fmt: skip
    assert (
        pnas.abstract and pnas.abstract.startswith("In the structure") and "  " not in pnas.abstract
    )

    cell = records["8402898"]
    assert len(cell.contributors) == 3  # "et al." is no name
    assert ("pii", "0092-8674(93)90676-H") in _ids(cell)
    assert cell.date == "1993-10-08"

    health = records["25744111"]
    assert ("doi", "10.1016/j.puhe.2015.01.018") in _ids(health)
    assert ("pii", "S0033-3506(15)00037-2") in _ids(health)
    assert [i for i in health.identifiers if i.scheme == "doi"].__len__() == 1  # LID and AID: one
    author = health.contributors[0]
    assert [(i.scheme, i.value) for i in author.identifiers] == [("orcid", "0000-0002-1825-0097")]
    assert author.affiliations[0].endswith("fujiwara-tk@ncchd.go.jp.")
    assert {s.term for s in health.subjects if s.scheme is None} == {
        "Shaken baby syndrome", "Infant crying",
    }  # fmt: skip
    assert health.date == "2015-05"


def test_a_book_chapter_names_its_book_and_its_editors() -> None:
    rec = _records()["21249755"]
    assert rec.type == "book_chapter"
    assert rec.title == "Peutz-Jeghers Syndrome"
    assert rec.host is not None and rec.host.title == "Cancer Syndromes"
    assert rec.publisher == "National Center for Biotechnology Information (US)"
    assert rec.place == "Bethesda (MD)"
    assert rec.year == 2009
    roles = [(c.family, c.given, c.role) for c in rec.contributors]
    assert roles == [
        ("Riegert-Johnson", "Douglas", "author"),
        ("Gleeson", "Ferga C.", "author"),
        ("Wong Kee Song", "Louis M.", "author"),
        ("Riegert-Johnson", "Douglas L", "editor"),
        ("Boardman", "Lisa A", "editor"),
    ]
    assert ("local", "NBK1826") in _ids(rec)


def test_a_translated_title_loses_its_brackets_and_keeps_the_vernacular() -> None:
    rec = _records()["27125245"]
    assert rec.title == (
        "Chinese expert consensus on diagnosis and treatment of soft tissue sarcomas (Version 2015)"
    )
    assert rec.title_variants == [
        "Ruan zu zhi rou liu zhen zhi zhong guo zhuan jia gong shi (2015 nian ban)."
    ]
    assert rec.language == ["chi"]
    assert [(c.name, c.kind) for c in rec.contributors] == [
        ("Chinese Sarcoma Committee of China Anti-Cancer Association", "organization"),
        ("Chinese Society of Clinical Oncology", "organization"),
    ]
    assert rec.host is not None and (rec.host.first_page, rec.host.last_page) == ("310", "320")
    assert rec.date == "2016-04-23"


def test_crlf_and_utf16_files_give_the_same_records() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    plain, _ = read_as("medline", text.encode("utf-8"))
    for blob in (text.replace("\n", "\r\n").encode("utf-8"), text.encode("utf-16")):
        other, failed = read_as("medline", blob)
        assert failed == []
        assert [(r.id, r.title, r.host) for r in other] == [(r.id, r.title, r.host) for r in plain]


def test_broken_citations_are_quarantined_and_their_neighbours_land() -> None:
    good = SAMPLE.read_text(encoding="utf-8").split("\n\n")[0]
    broken = [
        ("PMID- 1\nDP  - 2001\nAU  - Nobody N\n", "without a title"),
        ("PMID- \nTI  - A title with no PMID\n", "without a PMID"),
        ("PMID- 2\nTI  - Text that lost its tag\nthis line has no tag and no indent\n", "line 3"),
    ]
    for text, reason in broken:
        blob = (good + "\n\n" + text + "\n" + good.replace("8692918", "8692919")).encode()
        records, failed = read_as("medline", blob)
        assert [r.source_id for r in records] == ["8692918", "8692919"]
        assert len(failed) == 1 and reason in failed[0], failed
    # a record in another encoding inside a UTF-8 file
    utf8 = good.replace("Cambridge", "Cambridge (Zürich, Köln, Malmö)")
    latin = "PMID- 3\nTI  - Über die Zellen\n".encode("latin-1")
    blob = utf8.encode() + b"\n\n" + latin + b"\n" + utf8.replace("8692918", "8692919").encode()
    records, failed = read_as("medline", blob)
    assert [r.source_id for r in records] == ["8692918", "8692919"]
    assert len(failed) == 1 and "not valid UTF-8" in failed[0]
    assert "Zürich" in records[0].contributors[0].affiliations[0]
    # a file that is Windows-1252 throughout is read as such
    records, failed = read_as("medline", good.encode() + b"\n\n" + latin)
    assert failed == [] and records[1].title == "Über die Zellen"
    # a truncated file: the citation cut mid-way still lands with what it has
    cut = SAMPLE.read_bytes()[:-300]
    records, failed = read_as("medline", cut)
    assert len(records) == 5 and failed == []
    # a file that is not MEDLINE says so once
    records, failed = read_as("medline", b"TY  - JOUR\nTI  - RIS\nER  - \n")
    assert records == [] and len(failed) == 1 and "no MEDLINE citation" in failed[0]
