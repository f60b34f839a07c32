"""NoteExpress exports of CNKI and Wanfang as records, on CNKI's real exports.

Each export in ``vendor/cnki`` comes with the BibTeX that CNKI_2_BibTeX wrote from it,
which serves as an independent reading of what the file says.  Deliberate differences:
that tool keeps only the last of repeated ``{Author}`` lines (Wanfang's way), where the
record keeps them all; it writes ``Null`` for a missing year or author, and the record
has none;
and a year outside 1500-2099 (the test record's 2989) is not taken as a year.
"""

from __future__ import annotations

import re
from pathlib import Path

import bibtexparser
import pytest

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import read_as

EXPORTS = [
    "ChineseColon", "Classic5Test", "CoverAllTest15Entries", "LotsOfEnglish", "mixed",
    "withLineBreakInAddress",
]  # fmt: skip


def _cnki(shared_data: Path) -> Path:
    return shared_data / "vendor" / "cnki"


def _expected(path: Path) -> tuple[list[dict[str, str]], int]:
    """The BibTeX entries, and how many the tool wrote too broken to parse."""
    library = bibtexparser.parse_string(path.read_text(encoding="utf-8"))
    entries = [
        {f.key.lower(): " ".join(str(f.value).replace("\\&", "&").split()) for f in e.fields}
        for e in library.entries
    ]
    return entries, len(library.failed_blocks)


def _words(name: str) -> list[str]:
    """A name's words in any order: "Alhaj-Ismail, Alaa" is "Alaa Alhaj-Ismail"."""
    return sorted(name.replace(",", " ").split())


@pytest.mark.parametrize("name", EXPORTS)
def test_every_record_agrees_with_the_bibtex_written_from_it(shared_data: Path, name: str) -> None:
    folder = _cnki(shared_data)
    records, failed = read_as("noteexpress", (folder / f"{name}.net").read_bytes())
    assert failed == []
    expected, broken = _expected(folder / "nameyear" / f"{name}.bib")
    # (the tool wrote two of CoverAllTest15Entries' records as BibTeX no parser reads)
    assert len(records) == len(expected) + broken and expected
    by_title = {" ".join((r.title or "").split()): r for r in records}
    for bib in expected:
        rec = by_title[bib["title"]]
        year = bib.get("year", "Null")
        if not year.isdigit():
            year = bib.get("date", "Null")[:4]
        assert rec.year == (int(year) if year.isdigit() and int(year) < 2100 else None)
        people = [_words(c.name) for c in rec.contributors if c.role == "author"]
        if bib.get("author", "Null") != "Null":
            authors = [_words(a) for a in bib["author"].split(" and ")]
            # the tool keeps the last of repeated {Author} lines; the record keeps all
            assert people == authors or people[-len(authors) :] == authors
        host = rec.host
        if "journal" in bib:
            assert host is not None and host.title == bib["journal"]
        for key, value in (("volume", "volume"), ("issue", "issue")):
            if key in bib:
                assert host is not None and getattr(host, value) == bib[key]
        if "pages" in bib:
            assert host is not None
            first, _, last = bib["pages"].partition("-")
            assert host.first_page == first
            assert host.last_page == (last or None)
        if "issn" in bib:
            assert host is not None
            assert ("issn", bib["issn"]) in {(i.scheme, i.value) for i in host.identifiers}
        if "keywords" in bib:
            words = [w for w in re.split(r";;|;|；", bib["keywords"]) if w.strip()]
            assert [s.term for s in rec.subjects][: len(words)] == [w.strip() for w in words]
        if "abstract" in bib:
            assert rec.abstract is not None
            written = bib["abstract"].replace("Abstract(#br)", "").replace("(#br)", " ")
            assert " ".join(rec.abstract.split()) == " ".join(written.split())
        if "url" in bib:
            assert [a.url for a in rec.access] == [bib["url"]]


def test_types_hosts_and_identifiers_of_each_kind_of_record(shared_data: Path) -> None:
    records, _ = read_as(
        "noteexpress", (_cnki(shared_data) / "CoverAllTest15Entries.net").read_bytes()
    )
    by_title = {r.title: r for r in records}
    thesis = by_title["云环境下铁路“门到门”货运产品设计优化方法研究"]
    assert thesis.type == "thesis" and thesis.publisher == "北京交通大学" and thesis.year == 2018
    assert [(c.name, c.role) for c in thesis.contributors] == [
        ("殷玮川", "author"), ("何世伟", "thesis advisor"),
    ]  # fmt: skip
    paper = by_title["城市竖向对下凹式立交桥积水风险的影响"]
    assert paper.type == "proceedings_paper" and paper.place == "中国浙江杭州"
    assert paper.host is not None and paper.host.title.startswith("共享与品质")
    assert [r.title for r in paper.relations] == ["2018中国城市规划年会"]
    news = by_title["坚持在大局下行动"]
    assert news.type == "newspaper_article" and news.date == "2019-01-09"
    assert news.host is not None and news.host.title == "人民铁道" and news.host.first_page == "A01"
    assert [(i.scheme, i.value) for i in news.host.identifiers] == [("cn", "11-0096")]
    book = by_title["Making Tracks"]
    assert book.type == "book" and book.host is None
    assert [(i.scheme, i.value, i.qualifier) for i in book.identifiers] == [
        ("isbn", "9780429834646", "print")
    ]
    assert book.contributors[0].family == "Docherty" and book.date == "2020-10-12"
    patent = by_title["一种铁路故障检测器清洗装置"]
    assert patent.type == "patent"
    assert ("local", "CN108722921A") in {(i.scheme, i.value) for i in patent.identifiers}
    assert [(c.name, c.role, c.kind) for c in patent.contributors][1] == (
        "芜湖华佳新能源技术有限公司",
        "patent holder",
        "organization",
    )
    assert patent.subjects == []  # CNKI's {Subject} holds a patent's claims
    yearbook = [r for r in records if r.type == "other"]
    assert len(yearbook) == 2  # {SrcDatabase}: 年鉴 overrides "Standard"
    standards = [r for r in records if r.type == "standard"]
    assert len(standards) == 2
    article = by_title["基于灰色关联分析法的铁路物流服务方案评价"]
    assert article.host is not None
    assert {(i.scheme, i.value) for i in article.host.identifiers} == {
        ("issn", "1003-1421"), ("cn", "11-1949/U"),
    }  # fmt: skip
    assert article.medium_evidence == ["noteexpress: exported from CNKI"]


def test_chinese_names_stay_whole_and_western_names_split(shared_data: Path) -> None:
    folder = _cnki(shared_data)
    (colon,), _ = read_as("noteexpress", (folder / "ChineseColon.net").read_bytes())
    assert [(c.name, c.family, c.kind) for c in colon.contributors] == [
        ("中国抗癌协会肉瘤专业委员会", None, "organization"),
        ("中国临床肿瘤学会", None, "organization"),
    ]
    assert colon.title_variants == [
        "Chinese expert consensus on diagnosis and treatment of soft tissue sarcomas (Version 2015)"
    ]
    assert colon.contributors[0].affiliations == ["复旦大学附属肿瘤医院"]  # code dropped
    assert colon.language == ["chi"]
    assert colon.access[0].provider == "《中华医学杂志》社有限责任公司"
    records, _ = read_as("noteexpress", (folder / "Classic5Test.net").read_bytes())
    first = records[0]
    assert [(c.family, c.given) for c in first.contributors] == [
        ("Alhaj-Ismail", "Alaa"), ("Adwan", "Sami"), ("Stittle", "John"),
    ]  # fmt: skip
    assert first.contributors[1].affiliations == [
        "University of Sussex Business School, University of Sussex, UK"
    ]
    chinese = records[2]
    assert [c.name for c in chinese.contributors][:3] == ["齐淑霞", "刘圣", "李鹏"]
    assert all(c.family is None for c in chinese.contributors)
    (broken,), _ = read_as("noteexpress", (folder / "withLineBreakInAddress.net").read_bytes())
    assert [c.name for c in broken.contributors] == ["谢昕", "王小增"]
    assert broken.contributors[0].affiliations[0].startswith("中国地质大学政法学院")


def test_gb18030_utf16_and_utf8_exports_give_the_same_records(shared_data: Path) -> None:
    text = (_cnki(shared_data) / "mixed.net").read_text(encoding="utf-8")
    plain, _ = read_as("noteexpress", text.encode("utf-8"))
    for blob in (
        text.encode("gb18030"),
        text.replace("\n", "\r\n").encode("gb18030"),
        text.encode("utf-16"),
        b"\xef\xbb\xbf" + text.encode("utf-8"),
    ):
        other, failed = read_as("noteexpress", blob)
        assert failed == []
        assert [(r.id, r.title, r.contributors, r.host, r.abstract) for r in other] == [
            (r.id, r.title, r.contributors, r.host, r.abstract) for r in plain
        ]
    assert "基于深度信念网络" in (plain[0].title or "")


def test_wanfang_repeated_authors_and_translated_names() -> None:
    text = (
        "{Reference Type}: Journal Article\n{Title}: 图书馆联合目录建设研究\n"
        "{Translated Title}: Research on union catalogs\n{Author}: 王小明\n{Author}: 李华\n"
        "{Translated Author}: Wang Xiaoming\n{Translated Author}: Li Hua\n"
        "{Journal}: 图书情报工作\n{Year}: 2020\n{Volume}: 64\n{Issue}: 3\n{Pages}: 12-18\n"
        "{ISBN/ISSN}: 0252-3116\n{Notes}: 11-1541/G2\n"
        "{DOI}: 10.13266/j.issn.0252-3116.2020.03.002\n"
        "{Database Provider}: 万方数据\n"
    )
    (rec,), failed = read_as("noteexpress", text.encode("gb18030"))
    assert failed == []
    assert [(c.name, c.name_variants) for c in rec.contributors] == [
        ("王小明", ["Wang Xiaoming"]), ("李华", ["Li Hua"]),
    ]  # fmt: skip
    assert rec.source_id == "10.13266/j.issn.0252-3116.2020.03.002"
    assert rec.host is not None and rec.host.volume == "64"
    assert ("cn", "11-1541/G2") in {(i.scheme, i.value) for i in rec.host.identifiers}


def test_a_record_without_an_identifier_is_keyed_by_its_citation(shared_data: Path) -> None:
    blob = (_cnki(shared_data) / "mixed.net").read_bytes()
    once, _ = read_as("noteexpress", blob)
    again, _ = read_as("noteexpress", blob.replace(b"\n", b"\r\n"))
    assert [r.id for r in once] == [r.id for r in again]
    assert len({r.id for r in once}) == len(once)
    assert all(r.source_id.startswith("cite:") for r in once)


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("{Reference Type}: Journal Article\n{Author}: 无名\n{Year}: 2001\n", "without a title"),
        ("{Reference Type}: Journal Article\n{Title}:\n{Year}: 2001\n", "without a title"),
    ],
)
def test_a_broken_record_is_quarantined_and_its_neighbours_land(
    shared_data: Path, record: str, reason: str
) -> None:
    text = (_cnki(shared_data) / "Classic5Test.net").read_text(encoding="utf-8")
    cut = text.index("{Reference Type}", 10)
    blob = (text[:cut] + record + "\n" + text[cut:]).encode("utf-8")
    records, failed = read_as("noteexpress", blob)
    assert len(records) == 5
    assert len(failed) == 1 and reason in failed[0]


def test_a_record_in_another_encoding_is_quarantined_with_its_line(shared_data: Path) -> None:
    text = (_cnki(shared_data) / "mixed.net").read_text(encoding="utf-8")
    cut = text.index("{Reference Type}", 10)
    odd = "{Reference Type}: Journal Article\n{Title}: 图书馆\n\n".encode("gb18030")
    records, failed = read_as("noteexpress", text[:cut].encode() + odd + text[cut:].encode())
    assert len(records) == 12
    assert len(failed) == 1 and "not valid UTF-8" in failed[0] and "at line" in failed[0]
    # cut short in the middle of a record: what was read lands, nothing is invented
    blob = text.encode("utf-8")
    records, failed = read_as("noteexpress", blob[: len(blob) // 2])
    assert failed == [] and 1 <= len(records) <= 12
