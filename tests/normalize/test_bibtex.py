"""BibTeX entries as records: Crossref's and Pure's exports, CNKI's 55 references keyed
two ways, and damaged entries."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import read_as
from unioncat.framing import frame_file
from unioncat.normalize.reference_types import BIBTEX_TYPES
from unioncat.schemas.record import RECORD_TYPES, Record

CNKI_FILES = [
    "ChineseColon.bib",
    "Classic5Test.bib",
    "CoverAllTest15Entries.bib",
    "LotsOfEnglish.bib",
    "mixed.bib",
    "withLineBreakInAddress.bib",
]


def _read(blob: bytes) -> tuple[list[Record], list[str]]:
    return read_as("bibtex", blob)


def _fixture(shared_data: Path, name: str) -> bytes:
    return (shared_data / "vendor" / "crossref" / "fixtures" / name).read_bytes()


# -- Crossref's and Pure's exports, written out -------------------------------------------


def test_crossrefs_entry(shared_data: Path) -> None:
    (rec,), failed = _read(_fixture(shared_data, "crossref.bib"))
    assert failed == []
    assert rec.type == "journal_article" and rec.source_format == "bibtex-entries"
    assert rec.title == (
        "Automated quantitative histology reveals vascular morphodynamics during "
        "Arabidopsis hypocotyl secondary growth"
    )
    assert [(c.family, c.given, c.role) for c in rec.contributors] == [
        ("Sankar", "Martial", "author"),
        ("Nieminen", "Kaisa", "author"),
        ("Ragni", "Laura", "author"),
        ("Xenarios", "Ioannis", "author"),
        ("Hardtke", "Christian S", "author"),
    ]
    assert (rec.year, rec.date) == (2014, "2014-02")  # year = 2014, month = {feb}
    assert rec.publisher == "eLife Sciences Organisation, Ltd."  # {eLife}: braces dropped
    assert rec.host is not None
    assert (rec.host.title, rec.host.volume, rec.host.issue) == ("eLife", "3", None)
    assert [(i.scheme, i.value, i.status) for i in rec.host.identifiers] == [
        ("issn", "2050-084X", "valid")
    ]
    assert [(i.scheme, i.value) for i in rec.identifiers] == [
        ("doi", "10.7554/elife.01567"),
        ("local", "Sankar_2014"),
    ]
    assert rec.source_id == "10.7554/elife.01567"
    assert rec.abstract is not None and rec.abstract.startswith("Among various advantages")
    # the copyright field holds a Creative Commons licence: open, the licence the note
    assert [(a.url, a.kind, a.note) for a in rec.access] == [
        (url, "open", "http://creativecommons.org/licenses/by/3.0/")
        for url in (
            "http://elifesciences.org/lookup/doi/10.7554/eLife.01567",
            "https://doi.org/10.7554/elife.01567",
        )
    ]


def test_pures_thesis(shared_data: Path) -> None:
    (rec,), failed = _read(_fixture(shared_data, "pure.bib"))
    assert failed == []
    assert rec.type == "thesis" and rec.host is None
    assert rec.title == (
        "A multiscale analysis of the urban heat island effect: from city averaged "
        "temperatures to the energy demand of individual buildings"
    )
    assert [(c.family, c.given, c.role) for c in rec.contributors] == [("Toparlar", "Y.", "author")]
    assert (rec.year, rec.date) == (2018, "2018-04-25")  # year, month = "4", day = "25"
    assert rec.language == ["eng"]
    assert [(i.scheme, i.value) for i in rec.identifiers] == [
        ("isbn", "9789038645032"),
        ("local", "dbbe66e459a446a0b6fddf42d3401ccb"),
    ]
    assert rec.source_id == "key:dbbe66e459a446a0b6fddf42d3401ccb"
    # the publisher is written; the school (a department) is the publisher only when not
    assert rec.publisher == "Technische Universiteit Eindhoven"
    assert [s.title for s in rec.series] == ["Bouwstenen"]
    assert rec.abstract == "Designing the climates of cities"  # note = Proefschrift: unmapped


def test_the_same_work_from_ris_and_from_bibtex_agrees(shared_data: Path) -> None:
    for name in ("crossref", "pure"):
        (bib,), _ = _read(_fixture(shared_data, f"{name}.bib"))
        (ris,), _ = read_as("ris", _fixture(shared_data, f"{name}.ris"))
        assert [c.family for c in bib.contributors] == [c.family for c in ris.contributors]
        assert (bib.type, bib.year) == (ris.type, ris.year)
        assert {(i.scheme, i.value) for i in bib.identifiers if i.scheme != "local"} == {
            (i.scheme, i.value) for i in ris.identifiers if i.scheme != "local"
        }
        full_title = f"{ris.title}: {ris.subtitle}" if ris.subtitle else ris.title
        assert bib.title == full_title
    (bib,), _ = _read(_fixture(shared_data, "crossref.bib"))
    (ris,), _ = read_as("ris", _fixture(shared_data, "crossref.ris"))
    assert bib.source_id == ris.source_id  # the DOI keys both
    assert bib.host is not None and ris.host is not None
    assert (bib.host.title, bib.host.volume) == (ris.host.title, ris.host.volume)


# -- CNKI: every entry against a plain reading of the file ---------------------------------

_ENTRY = re.compile(r"^@(\w+)\{([^\n]*),\n(.*?)^\}", re.M | re.S)
_FIELD = re.compile(r"^\t(\w+) = \{(.*)\},$", re.M)
_SPLIT = re.compile(r"[;,；]+")
_CN = re.compile(r"^\d{2}-\d{4}(/[A-Z0-9]+)?$")
_LATIN_NAME = re.compile(r"^[A-Za-z]")


def _plainly(text: str) -> list[tuple[str, str, dict[str, str]]]:
    """CNKI's BibTeX read as simply as it is written: ``@Type{key,``, then one
    ``<tab>name = {value},`` per line, then ``}``."""
    return [
        (m.group(1), m.group(2), {k.lower(): v for k, v in _FIELD.findall(m.group(3))})
        for m in _ENTRY.finditer(text)
    ]


def _plain(value: str | None) -> str | None:
    """A value as text: CNKI escapes & for LaTeX (\\&), and a ~ is BibTeX's tie, a space;
    CNKI's Null is nothing."""
    if value is None:
        return None
    text = " ".join(value.replace("\\&", "&").replace("~", " ").split())
    return text if text and text != "Null" else None


def _cnki_type(entry_type: str, fields: dict[str, str]) -> str:
    if entry_type != "Misc":
        return {
            "Article": "journal_article",
            "PhdThesis": "thesis",
            "MastersThesis": "thesis",
            "InProceedings": "proceedings_paper",
            "Book": "book",
        }[entry_type]
    database = fields.get("srcdatabase", "")
    if "专利" in database:
        return "patent"
    if "标准" in database:
        return "standard"
    if "年鉴" in database:
        return "other"  # a yearbook's table
    return "newspaper_article" if "secondarytitle" in fields else "other"


def _expected_names(fields: dict[str, str], rtype: str) -> list[tuple[str, str | None, str]]:
    """(name, family, role): a Latin-script "Given Family" splits before its last word (as
    BibTeX does), "Family, Given" at its comma; a Chinese name is kept whole."""
    out: list[tuple[str, str | None, str]] = []
    roles = [("author", "author"), ("tertiaryauthor", "thesis advisor"),
             ("subsidiaryauthor", "contributor")]  # fmt: skip
    for key, role in roles:
        for name in (fields.get(key) or "").split(" and "):
            for piece in name.split("、"):
                text = _plain(piece)
                if not text:
                    continue
                if not _LATIN_NAME.match(text):
                    out.append((text, None, role))
                elif "," in text:
                    family, given = (p.strip() for p in text.split(",", 1))
                    out.append((f"{family}, {given}", family, role))
                elif " " not in text:
                    out.append((text, None, role))  # one name (Sucheta): kept as written
                else:
                    given, family = text.rsplit(" ", 1)
                    out.append((f"{family}, {given}", family, role))
    assert rtype == "thesis" or "tertiaryauthor" not in fields
    return out


def _expected_abstract(value: str | None) -> str | None:
    text = value or ""
    for mark in ("Abstract(#br)", "<正>"):
        text = text.removeprefix(mark)
    return _plain(text.replace("(#br)", " "))


@pytest.mark.parametrize("keying", ["nameyear", "title"])
@pytest.mark.parametrize("name", CNKI_FILES)
def test_every_cnki_entry_agrees_with_its_file(shared_data: Path, keying: str, name: str) -> None:
    blob = (shared_data / "vendor" / "cnki" / keying / name).read_bytes()
    plain = _plainly(blob.decode("utf-8"))
    records, failed = _read(blob)
    assert failed == []
    assert len(records) == len(plain) > 0
    for rec, (entry_type, key, f) in zip(records, plain, strict=True):
        rtype = _cnki_type(entry_type, f)
        assert rec.type == rtype, key
        assert rec.title == _plain(f["title"])
        names = _expected_names(f, rtype)
        assert [(c.name, c.family, c.role) for c in rec.contributors] == names, key
        date = _plain(f.get("date"))
        year = _plain(f.get("year"))
        if date:
            assert rec.date == date and rec.year == int(date[:4])
        elif year and 1500 <= int(year) < 2100:
            assert (rec.date, rec.year) == (year, int(year))
        else:
            assert (rec.date, rec.year) == (None, None)  # Null, or CNKI's test year 2989
        pages = _plain(f.get("pages"))
        first, _, last = (pages or "").partition("-")
        issns = {("issn", v) for v in (_plain(f.get("issn")), _plain(f.get("isbn"))) if v}
        cn = _plain(f.get("notes"))
        if rtype in ("journal_article", "newspaper_article", "proceedings_paper"):
            assert rec.host is not None
            host = _plain(f.get("journal") or f.get("booktitle") or f.get("secondarytitle"))
            assert rec.host.title == host
            assert (rec.host.volume, rec.host.issue) == (
                _plain(f.get("volume")),
                _plain(f.get("issue")),
            )
            assert (rec.host.first_page, rec.host.last_page) == (first or None, last or None)
            if cn and _CN.match(cn):
                issns.add(("cn", cn))
            assert {(i.scheme, i.value) for i in rec.host.identifiers} == issns
        else:
            assert rec.host is None
        own = {(i.scheme, i.value, i.qualifier) for i in rec.identifiers}
        assert ("local", key, "bibtex key") in own
        if rtype == "book":
            assert ("isbn", _plain(f["isbn"]), None) in own
        if rtype == "standard" and "isbn" in f:
            assert ("local", _plain(f["isbn"]), "standard number") in own
        if rtype == "patent":
            assert ("local", _plain(f["notes"]), "patent number") in own
        # CNKI's keys are made from names, years and titles: the content keys the entry;
        # the one entry that does not name CNKI (a hand-written test, With2989) its key
        if "databaseprovider" in f or "srcdatabase" in f:
            assert rec.source_id.startswith("cite:")
        else:
            assert rec.source_id == f"key:{key}"
        expected_keywords = list(
            dict.fromkeys(w.strip() for w in _SPLIT.split(f.get("keywords", "")) if w.strip())
        )
        assert [s.term for s in rec.subjects] == expected_keywords
        assert rec.abstract == _expected_abstract(f.get("abstract"))
        assert rec.publisher == _plain(f.get("publisher") or f.get("school"))
        assert rec.place == _plain(f.get("placepublished"))
        assert rec.language == (["chi"] if f.get("language") == "chi" else [])
        assert [a.url for a in rec.access] == ([f["url"]] if "url" in f else [])
        assert rec.title_variants == ([f["translatedtitle"]] if "translatedtitle" in f else [])
        # not mapped: authoraddress, databaseprovider, typeofwork, trydate, subject,
        # srcdatabase (beyond the type), translatedjournal: no place in the record


@pytest.mark.parametrize("name", CNKI_FILES)
def test_cnki_keyed_by_name_or_by_title_gives_the_same_records(
    shared_data: Path, name: str
) -> None:
    by_name, _ = _read((shared_data / "vendor" / "cnki" / "nameyear" / name).read_bytes())
    by_title, _ = _read((shared_data / "vendor" / "cnki" / "title" / name).read_bytes())
    plain = _plainly((shared_data / "vendor" / "cnki" / "nameyear" / name).read_text("utf-8"))
    cnki = [("databaseprovider" in f or "srcdatabase" in f) for _, _, f in plain]
    assert [r.id for r, c in zip(by_name, cnki, strict=True) if c] == [
        r.id for r, c in zip(by_title, cnki, strict=True) if c
    ]
    assert len({r.id for r in by_name}) == len(by_name)  # three NullNull keys, three records


def test_cnki_in_gb18030_reads_the_same(shared_data: Path) -> None:
    blob = (shared_data / "vendor" / "cnki" / "nameyear" / "mixed.bib").read_bytes()
    as_utf8, _ = _read(blob)
    as_gb, failed = _read(blob.decode("utf-8").encode("gb18030"))
    assert failed == []
    assert [(r.id, r.title, r.abstract) for r in as_gb] == [
        (r.id, r.title, r.abstract) for r in as_utf8
    ]


# -- synthetic entries ------------------------------------------------------------------------

GOOD = "@article{good, title = {A neighbour}, author = {Okafor, Ada}, year = 2020}\n"


def _titles(records: list[Record]) -> list[str | None]:
    return [r.title for r in records]


def test_a_truncated_file_keeps_the_entries_before_the_cut() -> None:
    blob = (GOOD + GOOD.replace("good", "second") + "@book{cut, title = {Cut of").encode()
    records, failed = _read(blob)
    assert _titles(records) == ["A neighbour", "A neighbour"]
    assert failed == [
        "BibTeX entry @book{cut} cannot be read: a brace or quote opened in it is never "
        "closed, so it runs to the end of its text (a truncated file, or a missing '}'); "
        "correct it and export again"
    ]


def test_an_entry_in_another_encoding_is_quarantined_alone() -> None:
    first = GOOD.replace("A neighbour", "\u00c5ngstr\u00f6m").encode()
    latin = "@article{l, title = {Caf\u00e9}}\n".encode("latin-1")
    last = GOOD.replace("A neighbour", "\u00d6resund").encode()
    records, failed = _read(first + latin + last)
    assert _titles(records) == ["\u00c5ngstr\u00f6m", "\u00d6resund"]
    assert len(failed) == 1 and "not valid UTF-8" in failed[0]


def test_an_empty_field_says_nothing_and_an_empty_title_is_no_title() -> None:
    records, failed = _read(
        (
            "@book{empty, title = {Something}, year = {}, author = {}, isbn = {}}\n"
            "@book{untitled, title = {}, year = 2001}\n" + GOOD
        ).encode()
    )
    assert _titles(records) == ["Something", "A neighbour"]
    assert (records[0].year, records[0].contributors) == (None, [])
    assert failed == ["BibTeX entry @book{untitled} without a title: nothing to catalog"]


def test_a_field_given_twice_and_a_name_bibtex_cannot_split() -> None:
    records, failed = _read(
        (
            "@article{twice, title = {One}, title = {Two}}\n"
            "@article{commas, title = {T}, author = {Smith, John, Jr, Extra}}\n" + GOOD
        ).encode()
    )
    assert _titles(records) == ["A neighbour"]
    assert failed == [
        "BibTeX entry @article{twice} cannot be read: Duplicate field keys on entry: "
        "'title'; correct it and export again",
        "BibTeX entry @article{commas} cannot be read: Cannot split the following name "
        "`Smith, John, Jr, Extra` into parts: Too many commas; correct it and export again",
    ]


def test_invalid_identifiers_are_kept_marked_invalid() -> None:
    (rec, _), failed = _read(
        ("@book{b, title = {T}, isbn = {978-0-306-40615-8}, doi = {not a doi}}\n" + GOOD).encode()
    )
    assert failed == []
    assert {(i.scheme, i.value, i.status) for i in rec.identifiers} == {
        ("isbn", "9780306406158", "invalid"),
        ("doi", "not a doi", "invalid"),
        ("local", "b", "valid"),
    }
    assert rec.source_id == "key:b"  # an invalid DOI keys nothing


def test_string_macros_travel_with_the_entries_that_use_them() -> None:
    blob = (
        b"% written by hand\n"
        b'@string{jnl = "Journal of Tides"}\n'
        b'@string{jnlx = jnl # " Letters"}\n'
        b"@comment{a comment, with @ signs}\n"
        b'@preamble{"\\newcommand{\\x}{y}"}\n'
        b"@article{a, title = {One}, journal = jnlx, year = 2001}\n"
        b'@article{b, title = "Two" # { and } # {a #}, journal = {Plain}, year = 2002}\n'
        b'@STRING{jnl = "Journal of Waves"}\n'
        b"@article{c, title = {Three}, journal = jnl, month = mar, year = 2003}\n"
    )
    frames = list(frame_file(io.BytesIO(blob), "bibtex")[1])
    assert [f.position for f in frames] == [0, 1, 2]
    assert frames[0].payload.startswith(b'@string{jnl = "Journal of Tides"}\n@string{jnlx')
    assert frames[1].payload.startswith(b"@article{b")  # it names no macro: none carried
    assert frames[2].payload.startswith(b'@STRING{jnl = "Journal of Waves"}\n@article{c')
    records, failed = _read(blob)
    assert failed == []
    assert [r.host.title if r.host else None for r in records] == [
        "Journal of Tides Letters",
        "Plain",
        "Journal of Waves",  # redefined: the later definition holds from there on
    ]
    assert records[1].title == "Two and a #"  # quoted and braced parts joined
    assert records[2].date == "2003-03"


def test_latex_names_and_braces() -> None:
    (rec,), failed = _read(
        (
            "@incollection{k, title = {The {DNA} of caf\\'e -- 50% of a {\\\"u}ber study},\n"
            ' author = {M{\\"u}ller, J{\\"o}rg and {World Health Organization} and\n'
            "   de la Fontaine, Jean and Smith, Jr., John and {\\'E}mile Zola and\n"
            "   \u738b \u5c0f\u660e},\n"
            " editor = {{Barnes and Noble}},\n"
            " booktitle = {Tides \\& Waves}, pages = {12--15}, isbn = {0-306-40615-2},\n"
            " publisher = {Harbour}, address = {Bergen}, edition = {2},\n"
            " keywords = {tides, waves; sea}, language = {german}}\n"
        ).encode()
    )
    assert failed == []
    assert rec.title == "The DNA of caf\u00e9 \u2013 50% of a \u00fcber study"  # % is text
    assert [(c.name, c.family, c.given, c.role, c.kind) for c in rec.contributors] == [
        ("M\u00fcller, J\u00f6rg", "M\u00fcller", "J\u00f6rg", "author", "person"),
        ("World Health Organization", None, None, "author", "organization"),
        ("de la Fontaine, Jean", "de la Fontaine", "Jean", "author", "person"),
        ("Smith, Jr., John", "Smith", "John", "author", "person"),
        ("Zola, \u00c9mile", "Zola", "\u00c9mile", "author", "person"),
        # BibTeX would make 王 the given name; the catalog reads the family name first
        ("\u738b\u5c0f\u660e", "\u738b", "\u5c0f\u660e", "author", "person"),
        ("Barnes and Noble", None, None, "editor", "organization"),  # braced whole
    ]
    assert rec.type == "book_chapter" and rec.host is not None
    assert rec.host.title == "Tides & Waves"
    assert (rec.host.first_page, rec.host.last_page) == ("12", "15")
    assert [i.value for i in rec.host.identifiers] == ["9780306406157"]
    assert (rec.publisher, rec.place, rec.edition) == ("Harbour", "Bergen", "2")
    assert [s.term for s in rec.subjects] == ["tides", "waves", "sea"]
    assert rec.language == ["ger"]


@pytest.mark.parametrize(
    ("entry", "rtype", "medium"),
    [
        ("article", "journal_article", "unknown"),
        ("book", "book", "unknown"),
        ("inbook", "book_chapter", "unknown"),
        ("incollection", "book_chapter", "unknown"),
        ("inproceedings", "proceedings_paper", "unknown"),
        ("conference", "proceedings_paper", "unknown"),
        ("proceedings", "proceedings", "unknown"),
        ("phdthesis", "thesis", "unknown"),
        ("mastersthesis", "thesis", "unknown"),
        ("thesis", "thesis", "unknown"),
        ("techreport", "report", "unknown"),
        ("report", "report", "unknown"),
        ("manual", "book", "unknown"),
        ("misc", "other", "unknown"),
        ("online", "other", "electronic"),
        ("patent", "patent", "unknown"),
        ("dataset", "dataset", "electronic"),
        ("software", "computer_file", "electronic"),
        ("unpublished", "manuscript", "unknown"),
        ("periodical", "journal", "unknown"),
        ("video", "projected_medium", "video"),
        ("nosuchtype", "other", "unknown"),
    ],
)
def test_entry_types(entry: str, rtype: str, medium: str) -> None:
    (rec,), failed = _read(f"@{entry.upper()}{{x, title = {{Something}}}}\n".encode())
    assert failed == []
    assert (rec.type, rec.medium) == (rtype, medium)


def test_every_type_decision_is_a_record_type() -> None:
    assert {t for t, _ in BIBTEX_TYPES.values()} <= set(RECORD_TYPES)


def test_a_newspaper_article_in_biblatex() -> None:
    (rec,), _ = _read(
        b"@article{n, title = {Storm}, journaltitle = {The Tide Times}, entrysubtype = "
        b"{newspaper}, date = {2020-01-05}}\n"
    )
    assert rec.type == "newspaper_article" and rec.date == "2020-01-05"
    assert rec.host is not None and rec.host.title == "The Tide Times"


def test_whole_items_series_number_pages_and_school() -> None:
    records, _ = _read(
        b"@book{b, title = {Collected tides}, volume = 2, series = {Sea studies}, number = 7,"
        b" pagetotal = {431}, isbn = {0-306-40615-2}}\n"
        b"@techreport{r, title = {Tide report}, number = {TR-7}, institution = {Tide Lab}}\n"
        b"@phdthesis{t, title = {On tides}, school = {University of Bergen}, month = {13}}\n"
    )
    book, report, thesis = records
    assert book.part is not None and book.part.number == "2"
    assert [(s.title, s.number) for s in book.series] == [("Sea studies", "7")]
    assert book.page_count == 431
    assert ("isbn", "9780306406157") in {(i.scheme, i.value) for i in book.identifiers}
    assert ("local", "TR-7", "report number") in {
        (i.scheme, i.value, i.qualifier) for i in report.identifiers
    }
    assert report.publisher == "Tide Lab" and thesis.publisher == "University of Bergen"


def test_eprints_pubmed_and_urls() -> None:
    (rec,), _ = _read(
        b"@misc{e, title = {Preprint}, eprint = {2101.00001}, archiveprefix = {arXiv},"
        b" pmid = {123456}, howpublished = {https://example.org/p}}\n"
    )
    assert {(i.scheme, i.value, i.qualifier) for i in rec.identifiers} == {
        ("pmid", "123456", None),
        ("local", "2101.00001", "arxiv"),
        ("local", "e", "bibtex key"),
    }
    assert [a.url for a in rec.access] == [
        "https://example.org/p",
        "https://arxiv.org/abs/2101.00001",
    ]


def test_text_before_the_first_entry_is_a_comment_and_a_file_without_entries_gives_none() -> None:
    records, failed = _read(
        b"This file was created with JabRef.\nEncoding: UTF-8\n\n" + GOOD.encode()
    )
    assert _titles(records) == ["A neighbour"] and failed == []
    assert list(frame_file(io.BytesIO(b"no entries here\nat all\n"), "bibtex")[1]) == []
