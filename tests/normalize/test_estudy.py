"""CNKI E-Study exports as records."""

from __future__ import annotations

from pathlib import Path

import pytest

import unioncat.normalize  # noqa: F401  (formats load as they are asked for)
from tests.support.builders import read_as
from unioncat.schemas.record import Record

SAMPLE = Path(__file__).resolve().parents[1] / "support" / "exports" / "cnki.estudy.txt"


def _records(blob: bytes | None = None) -> list[Record]:
    records, failed = read_as("estudy", blob if blob is not None else SAMPLE.read_bytes())
    assert failed == []
    return records


def test_every_record_agrees_with_what_the_file_says() -> None:
    # title: (type, names, year, host title, volume, issue, first page, last page)
    expected = {
        "医学综述撰写中的注意事项": (
            "journal_article", ["施洋"], 2013, "中国科技信息", None, "07", "161", None,
        ),
        "基于深度信念网络资源需求预测的虚拟网络功能动态迁移算法": (
            "journal_article", ["唐伦", "赵培培", "赵国繁", "陈前斌"], 2019, "电子与信息学报",
            "41", "06", "1", "8",
        ),
        "坚持在大局下行动": (
            "newspaper_article", ["本报评论员"], 2019, "人民铁道", None, None, "A01", None,
        ),
        "城市竖向对下凹式立交桥积水风险的影响": (
            "proceedings_paper", ["史德雯"], 2018,
            "共享与品质——2018中国城市规划年会论文集（01城市安全与防灾规划）", None, None, "9", None,
        ),
    }  # fmt: skip
    records = {r.title: r for r in _records()}
    assert len(records) == 6
    for title, (rtype, names, year, host, vol, iss, first, last) in expected.items():
        rec = records[title]
        assert rec.type == rtype
        assert [c.name for c in rec.contributors] == names
        assert rec.year == year
        assert rec.host is not None
        assert (rec.host.title, rec.host.volume, rec.host.issue) == (host, vol, iss)
        assert (rec.host.first_page, rec.host.last_page) == (first, last)
    thesis = records["云环境下铁路“门到门”货运产品设计优化方法研究"]
    assert thesis.type == "thesis" and thesis.host is None
    assert thesis.publisher == "北京交通大学" and thesis.page_count == 181
    patent = records["一种铁路故障检测器清洗装置"]
    assert patent.type == "patent" and patent.contributors[0].role == "inventor"
    assert patent.year == 2018 and patent.date == "2018-11-02"


def test_identifiers_keywords_dates_and_links() -> None:
    records = {r.title: r for r in _records()}
    rec = records["基于深度信念网络资源需求预测的虚拟网络功能动态迁移算法"]
    assert rec.host is not None
    assert {(i.scheme, i.value) for i in rec.host.identifiers} == {
        ("issn", "1009-5896"), ("cn", "11-4494/TN"),
    }  # fmt: skip
    assert rec.year == 2019 and rec.date == "2019-01-25"  # Year empty: from PubTime
    assert [s.term for s in rec.subjects if s.scheme is None] == [
        "虚拟网络功能", "动态迁移", "深度信念网络",
    ]  # fmt: skip
    assert [(s.term, s.scheme) for s in rec.subjects if s.scheme] == [("TN929.5", "clc")]
    assert [c.affiliations for c in rec.contributors][0] == []  # 2 institutions, 4 authors
    assert (
        rec.access[0].url.startswith("https://kns.cnki.net/") and rec.access[0].provider == "CNKI"
    )
    assert rec.page_count == 8
    first = records["医学综述撰写中的注意事项"]
    assert first.date == "2013-04-01"
    assert first.contributors[0].affiliations == ["新疆医科大学学报编辑部"]
    assert first.abstract and first.abstract.startswith("为指导医学人员")
    assert all(r.source_id.startswith("cite:") for r in records.values())


def test_gb18030_utf16_and_utf8_with_bom_read_alike() -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    plain = _records()
    for blob in (
        text.encode("gb18030"),
        text.replace("\n", "\r\n").encode("gb18030"),
        text.encode("utf-16"),
        b"\xef\xbb\xbf" + text.encode("utf-8"),
    ):
        other = _records(blob)
        assert [(r.id, r.title, r.contributors, r.host) for r in other] == [
            (r.id, r.title, r.contributors, r.host) for r in plain
        ]


def test_chinese_labels_alone_are_read() -> None:
    text = "DataType: 1\n-题名: 只有中文标签\n-作者: 王五;\n-来源库: 期刊\n-刊名: 图书馆杂志\n"
    text = text.replace("\n-", "\nX-")  # a key CNKI has not used: its label decides
    (rec,) = _records(text.encode())
    assert rec.title == "只有中文标签" and rec.host is not None and rec.host.title == "图书馆杂志"


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ("DataType: 1\nAuthor-作者: 无名;\nYear-年: 2001\n", "without a title"),
        ("DataType: 1\nTitle-题名:\nSrcDatabase-来源数据库: 期刊\n", "without a title"),
    ],
)
def test_a_broken_record_is_quarantined_and_its_neighbours_land(record: str, reason: str) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    cut = text.index("DataType", 10)
    records, failed = read_as("estudy", (text[:cut] + record + "\n" + text[cut:]).encode())
    assert len(records) == 6
    assert len(failed) == 1 and reason in failed[0]
    # a record in another encoding in a UTF-8 file
    odd = "DataType: 1\nTitle-题名: 图书馆\n\n".encode("gb18030")
    records, failed = read_as("estudy", text[:cut].encode() + odd + text[cut:].encode())
    assert len(records) == 6 and len(failed) == 1 and "not valid UTF-8" in failed[0]
