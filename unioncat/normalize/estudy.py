"""The ``estudy`` format: CNKI E-Study exports (CNKI's own reference manager, ``.txt``).

A record begins at ``DataType:``; every other line is ``Key-中文名: value``, the English
key before the hyphen and CNKI's Chinese label after it (which changes between CNKI
versions: ``SrcDatabase-来源库`` or ``-来源数据库``, so the English key is what is
read, the Chinese label only when the key is not known).  Mapped:

- **Type.** ``SrcDatabase`` (期刊 journals, 报纸 newspapers, 博士/硕士 theses, 会议
  conferences, 专利 patents, 标准 standards, 年鉴 yearbooks, 图书 books), see
  :mod:`unioncat.normalize.cnki`; a journal article when it names none.
- **Title**, **Author** (a ``;`` list; CNKI ends it with one), ``Organ`` (the authors'
  institutions, paired in order, or one for all), ``FirstDuty`` when there is no
  ``Author``.
- **Source** the journal, newspaper or proceedings (the degree-granting university of
  a thesis, as its publisher); ``Roll``/``Volume``, ``Period`` the issue, ``Page``
  (``161`` or ``161-163``), ``PageCount`` the number of pages; ``ISSN`` and ``CN`` on
  the host, ``ISBN`` on a book.
- **Dates.** ``PubTime`` (``2013-04-01``), the year from ``Year`` and from ``PubTime``
  when ``Year`` is empty.
- **The rest.** ``Keyword`` (``;`` list), ``Summary`` the abstract, ``CLC`` Chinese
  Library Classification numbers (scheme ``clc``), ``DOI``, ``Link``/``URL`` as
  access through CNKI, ``Publisher``, ``Place``, ``Language``.

``Fund`` (grants) is not kept.  A record without a DOI is keyed by its citation
(:func:`~unioncat.normalize.citation.content_key`).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from unioncat.contracts import RawEnvelope, raw_ref
from unioncat.errors import RecordError
from unioncat.framing.tagged import TaggedBlocks
from unioncat.identifiers import doi, isbn, issn
from unioncat.ids import mint_id
from unioncat.normalize import cnki
from unioncat.normalize.base import register
from unioncat.normalize.citation import (
    content_key,
    date_of,
    first_values,
    page_range,
    person,
)
from unioncat.normalize.languages import language_codes
from unioncat.normalize.tagged_fields import keyed_fields
from unioncat.schemas.record import Access, Contributor, Host, Identifier, Record, Subject

_OPENER = re.compile(rb"^DataType\s*(?::|\xef\xbc\x9a)")
ESTUDY_RECORDS = TaggedBlocks(_OPENER, "E-Study record (DataType: ...)")
ESTUDY_RECORDS.register("estudy-tagged", "CNKI E-Study export (DataType: 1, Title-题名: ...)")

_FIELD = re.compile(r"^([A-Za-z][A-Za-z ]*?)(?:-([^:：]*))?\s*[:：]\s*(.*)$")
# The Chinese labels of the keys, for an export whose English key is missing or new.
_LABELS = {
    "题名": "title", "作者": "author", "刊名": "source", "文献来源": "source",
    "来源": "source", "年": "year", "出版时间": "pubtime", "发表时间": "pubtime",
    "关键词": "keyword", "摘要": "summary", "卷": "roll", "期": "period",
    "页码": "page", "页数": "pagecount", "来源数据库": "srcdatabase",
    "来源库": "srcdatabase", "机构": "organ", "单位": "organ", "链接": "link",
    "中图分类号": "clc", "国际标准刊号": "issn", "统一刊号": "cn",
    "国内统一刊号": "cn", "第一责任人": "firstduty",
}  # fmt: skip


_KNOWN = frozenset(
    {
        "datatype", "title", "author", "source", "year", "pubtime", "keyword", "summary",
        "roll", "volume", "period", "page", "pagecount", "srcdatabase", "organ", "link",
        "url", "clc", "issn", "cn", "isbn", "doi", "firstduty", "fund", "publisher",
        "place", "language",
    }
)  # fmt: skip


def read_fields(text: str) -> dict[str, list[str]]:
    """Each key's values, by the English key in lower case; a line without a key
    continues the value above."""
    return keyed_fields(text, _FIELD, _key)


def _key(m: re.Match[str]) -> str:
    """The English key, or the one its Chinese label names when the key is not known."""
    key = m.group(1).strip().lower()
    label = (m.group(2) or "").strip()
    return _LABELS[label] if key not in _KNOWN and label in _LABELS else key


@register("estudy", framers=("estudy-tagged",))
def normalize(envelope: RawEnvelope) -> list[Record]:
    """One E-Study record to one record."""
    fields = read_fields(envelope.payload.decode("utf-8"))

    first = first_values(fields)

    database = first("srcdatabase")
    rtype = cnki.type_of_database(database) or "journal_article"
    title = first("title")
    if not title:
        raise RecordError(
            f"an E-Study record ({database or 'no source database'}) without a title "
            "(Title-题名): nothing to catalog"
        )
    date, year = date_of(first("pubtime"))
    if first("year"):
        _, stated = date_of(first("year"))
        if stated is not None:
            year = stated
            date = date if date and date.startswith(str(stated)) else str(stated)
    contributors = _contributors(fields, rtype)
    ids: list[Identifier] = []
    found_doi = doi(first("doi") or "") if first("doi") else None
    if found_doi is not None:
        ids.append(found_doi)
    book = rtype == "book"
    isbns = [i for i in (isbn(v) for v in fields.get("isbn", [])) if i is not None]
    if book:
        ids += isbns
    host = None if book or rtype == "thesis" else _host(fields, first, isbns)
    pages = first("pagecount")
    url = first("link") or first("url")
    key = (
        found_doi.value
        if found_doi is not None
        else content_key(
            title,
            year,
            [c.name for c in contributors],
            host.title if host else None,
            host.first_page if host else None,
        )
    )
    subjects = [Subject(term=t) for t in cnki.split_values(first("keyword"))]
    subjects += [Subject(term=t, scheme="clc") for t in cnki.split_values(first("clc"))]
    return [
        Record(
            id=mint_id(envelope.source, key),
            source=envelope.source,
            source_id=key,
            source_format=envelope.format,
            type=rtype,
            medium="unknown",
            medium_evidence=[f"estudy: exported from CNKI ({database or 'no source database'})"],
            title=title,
            contributors=contributors,
            publisher=first("publisher") or (first("source") if rtype == "thesis" else None),
            place=first("place"),
            date=date,
            year=year,
            language=language_codes([v for v in fields.get("language", []) if v.strip()]),
            identifiers=ids,
            host=host,
            subjects=subjects,
            abstract=cnki.abstract(first("summary")),
            page_count=int(pages) if pages and pages.isdigit() else None,
            access=[Access(url=url, provider="CNKI")] if url else [],
            harvested_at=envelope.fetched_at,
            raw_ref=raw_ref(envelope),
        )
    ]


def _contributors(fields: dict[str, list[str]], rtype: str) -> list[Contributor]:
    names = [n for line in fields.get("author", []) for n in cnki.split_names(line)]
    if not names:
        names = [n for line in fields.get("firstduty", []) for n in cnki.split_names(line)]
    organs = [cnki.address(a) for line in fields.get("organ", []) for a in cnki.split_values(line)]
    organs = [a for a in organs if a]
    role = "inventor" if rtype == "patent" else "author"
    people = [c for c in (person(n, role=role, given_first=True) for n in names) if c]
    cnki.pair_affiliations(people, organs)
    return people


def _host(
    fields: dict[str, list[str]], get: Callable[[str], str | None], isbns: list[Identifier]
) -> Host | None:
    ids: list[Identifier] = []
    for value in fields.get("issn", []):
        found = issn(value)
        if found is not None:
            ids.append(found)
    for value in fields.get("cn", []):
        serial = cnki.cn_number(value)
        if serial is not None:
            ids.append(serial)
    ids += isbns
    page = get("page")
    first_page, last_page = page_range(page)
    title = get("source")
    volume = get("roll") or get("volume")
    issue = get("period")
    if not (title or ids or volume or issue or first_page):
        return None
    return Host(
        title=title,
        identifiers=ids,
        volume=volume,
        issue=issue,
        first_page=first_page,
        last_page=last_page,
    )
