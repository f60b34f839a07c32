"""What the Chinese databases' exports share: CNKI, Wanfang and VIP write NoteExpress,
E-Study and BibTeX files with the same habits, read here once for the three formats.

- **Lists.** Authors, addresses and keywords on one line, separated by ``;;`` (CNKI's
  newer exports), ``;`` or ``；``, and in older exports by a comma between Chinese
  names (``谢昕,王小宁``); a trailing separator ends the list.  A comma is never a
  separator between names in Latin script, where it parts family from given name.
- **CN.** China's unified serial number (国内统一连续出版物号, ``CN 11-3553/R``: region,
  serial and the CLC class) identifies a Chinese journal or newspaper as an ISSN does;
  it is kept as an identifier of scheme ``cn`` on the host.
- **Source database.** The database a record came from (期刊 journals, 报纸 newspapers,
  博士/硕士 doctoral and master's theses, 会议 conferences, 专利 patents, 标准
  standards, 年鉴 yearbooks, 图书 books) says what the record is, better than the
  export's reference type, which CNKI sets to "Standard" for yearbook entries.
- **Abstracts.** CNKI marks line breaks in English abstracts as ``(#br)`` and prefixes
  "Abstract"; both are turned back into text.
"""

from __future__ import annotations

import re

from unioncat.normalize.citation import clean, is_cjk
from unioncat.schemas.record import Contributor, Identifier

_CN = re.compile(r"^(?:CN\s*)?(\d{2}-\d{4}(?:/[A-Z0-9]{1,4})?)$", re.I)
_INSTITUTION_CODE = re.compile(r"\|[A-Z]{1,3}\d+$")
# What each source database holds, by the words CNKI and Wanfang name them with.
SOURCE_DATABASES: tuple[tuple[str, str], ...] = (
    ("专利", "patent"),
    ("标准", "standard"),
    ("博士", "thesis"),
    ("硕士", "thesis"),
    ("学位", "thesis"),
    ("会议", "proceedings_paper"),
    ("报纸", "newspaper_article"),
    ("年鉴", "other"),  # a yearbook's entry or table
    ("图书", "book"),
    ("期刊", "journal_article"),
    ("辑刊", "journal_article"),
)


def split_names(text: str | None) -> list[str]:
    """The names of one author line (see the module's note on lists)."""
    value = clean(text)
    if not value:
        return []
    if ";;" in value:
        parts = value.split(";;")
    elif ";" in value or "；" in value:
        parts = re.split(r"[;；]", value)
    elif is_cjk(value) and ("," in value or "，" in value or "、" in value):
        parts = re.split(r"[,，、]", value)
    else:
        parts = [value]
    return [p for p in (clean(x) for x in parts) if p]


def split_values(text: str | None) -> list[str]:
    """Keywords and addresses: ``;;``, ``;`` or ``；`` between them."""
    value = clean(text)
    if not value:
        return []
    parts = value.split(";;") if ";;" in value else re.split(r"[;；]", value)
    return [p for p in (clean(x) for x in parts) if p]


def address(text: str) -> str:
    """An author's address without CNKI's institution code (``|JG001257``)."""
    return _INSTITUTION_CODE.sub("", text).strip()


def pair_affiliations(people: list[Contributor], addresses: list[str]) -> None:
    """Give each author the address written in the same place of its list; when one
    address is written for several authors, it is each one's.  Lists of other lengths
    are left unpaired: CNKI writes an institution once for the authors who share it,
    so counting cannot tell whose each one is."""
    if len(addresses) == len(people):
        for who, where in zip(people, addresses, strict=True):
            who.affiliations = [where]
    elif len(addresses) == 1:
        for who in people:
            who.affiliations = list(addresses)


def cn_number(text: str | None) -> Identifier | None:
    value = clean(text)
    m = _CN.match(value or "")
    if not m or value is None:
        return None
    return Identifier("cn", m.group(1).upper(), raw=value)


def type_of_database(name: str | None) -> str | None:
    """The record type a source database's name implies, or ``None``."""
    if not name:
        return None
    for word, rtype in SOURCE_DATABASES:
        if word in name:
            return rtype
    return None


def abstract(text: str | None) -> str | None:
    value = (text or "").replace("(#br)", "\n")
    lines = [clean(line) for line in value.split("\n")]
    kept = [line for line in lines if line]
    if kept and kept[0].casefold() in ("abstract", "abstract:", "摘要", "摘要:"):
        kept = kept[1:]
    return "\n".join(kept) or None
