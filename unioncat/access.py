"""Who holds a work, and can a reader get this article: answered from the catalog.

An article or a chapter names its host (a journal by its ISSNs, a book by its ISBNs, or
the host record's id); the host's cluster gathers the library's print serial record,
the KBART titles of its packages and any other description of the same journal, and
their holdings (the catalog's ``holdings`` view) say who has which years in which form.
An article is reachable online when an electronic holding covers its date (or, without
dates, its volume) and the holding's embargo lets it through today; it is on the shelf
when a print holding's run covers its year.  Open access (a licence the source calls
open) needs no holding at all.

Every figure is computed in DuckDB; the judgement of one article against one holding is
:func:`judge`, a pure function the tests call directly.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from unioncat.catalog import Catalog
from unioncat.embargo import EmbargoError, parse_embargo

HOST_SCHEMES = ("issn", "issn_l", "isbn")
HOST_TYPES = ("journal", "book", "book_set", "proceedings", "journal_issue")
HOLDING_COLUMNS = (
    "record_id", "cluster_id", "from_record", "source", "holder", "form", "location",
    "call_number", "coverage", "start_date", "start_volume", "start_issue", "end_date",
    "end_volume", "end_issue", "embargo", "access_type", "url", "package", "of_record", "note",
)  # fmt: skip
_YEAR = re.compile(r"(1[5-9]\d\d|20\d\d)")
_NUMBER = re.compile(r"\d+")


@dataclass(frozen=True, slots=True)
class Verdict:
    """One holding judged for one article: reachable or not, and why in words."""

    reachable: bool
    form: str
    holder: str | None
    why: str
    url: str | None = None
    # not yet: a moving wall (KBART R) will let it through; a P embargo never will
    later: bool = False
    package: str | None = None


def _day(text: str | None, *, end: bool) -> date | None:
    """A KBART or MARC date (``2005``, ``2005-03``, ``2005-03-01``) as the first day of
    what it names, or its last with ``end``."""
    if not text:
        return None
    t = text.strip()
    try:
        if len(t) >= 10:
            return date.fromisoformat(t[:10])
        if len(t) == 7 and t[4] == "-":
            y, m = int(t[:4]), int(t[5:7])
            return date(y, m, calendar.monthrange(y, m)[1] if end else 1)
    except ValueError:
        pass  # not a calendar date: read for its year below
    found = _YEAR.search(t)
    if found is None:
        return None
    year = int(found.group(1))
    return date(year, 12, 31) if end else date(year, 1, 1)


def _number(text: str | None) -> int | None:
    found = _NUMBER.search(text or "")
    return int(found.group(0)) if found else None


def judge(article: dict[str, Any], holding: dict[str, Any], today: date) -> Verdict:
    """Whether ``holding`` covers ``article`` today."""
    form, holder = holding.get("form") or "unknown", holding.get("holder")
    published_from = _day(article.get("date") or str(article.get("year") or ""), end=False)
    published_to = _day(article.get("date") or str(article.get("year") or ""), end=True)
    start = _day(holding.get("start_date"), end=False)
    stop = _day(holding.get("end_date"), end=True)
    statement = holding.get("coverage") or "coverage not stated"
    if published_from is not None and (start or stop):
        if start and published_to and published_to < start:
            return Verdict(False, form, holder, f"before its coverage ({statement})")
        if stop and published_from > stop:
            return Verdict(False, form, holder, f"after its coverage ({statement})")
    elif holding.get("start_volume") or holding.get("end_volume"):
        host = article.get("host") or {}
        volume = _number(host.get("volume"))
        first, last = _number(holding.get("start_volume")), _number(holding.get("end_volume"))
        if volume is None:
            return Verdict(False, form, holder, f"the article names no volume ({statement})")
        if (first is not None and volume < first) or (last is not None and volume > last):
            return Verdict(False, form, holder, f"volume {volume} is outside {statement}")
    elif form != "electronic" and not holding.get("coverage"):
        return Verdict(False, form, holder, "the holding states no run to compare with")
    embargo_text = holding.get("embargo")
    if embargo_text and published_to is not None:
        try:
            embargo = parse_embargo(embargo_text)
        except EmbargoError as exc:
            return Verdict(False, form, holder, f"its embargo cannot be read: {exc}")
        if embargo is not None and not embargo.reachable(published_to, today):
            walls = [s for s in embargo.statements if not s.lets_through(published_to, today)]
            later = all(s.kind == "R" for s in walls)
            return Verdict(
                False, form, holder, f"embargo {embargo_text}: {embargo.describe()}", later=later
            )
    where = holding.get("package") or holding.get("location") or holding.get("source")
    return Verdict(True, form, holder, f"covered by {statement}" + (f", {where}" if where else ""),
                   holding.get("url"), package=holding.get("package"))  # fmt: skip


# -- reading the catalog ---------------------------------------------------------------------


def holdings(catalog: Catalog, *, record_id: str | None = None,
             cluster_id: str | None = None) -> list[dict[str, Any]]:  # fmt: skip
    """The holdings of a record, or of every record of a cluster."""
    if not catalog.has_table("holdings"):
        return []
    column, value = ("record_id", record_id) if record_id else ("cluster_id", cluster_id)
    cols = ", ".join(HOLDING_COLUMNS)
    rows = catalog.query(
        f"SELECT {cols} FROM holdings WHERE {column} = ? "
        "ORDER BY form, holder NULLS LAST, start_date NULLS FIRST, from_record",
        [value],
    )
    return [dict(zip(HOLDING_COLUMNS, r, strict=True)) for r in rows]


_KEYS = "[x.value FOR x IN coalesce({col}, []) IF x.scheme IN ('issn', 'issn_l', 'isbn')]"


def host_clusters(catalog: Catalog, record: dict[str, Any]) -> list[str]:
    """The clusters of the host an article or chapter names: by its id, or by a shared
    ISSN, ISSN-L or ISBN with a journal's or a book's record."""
    host = record.get("host") or {}
    keys = sorted(
        {i["value"] for i in host.get("identifiers") or [] if i["scheme"] in HOST_SCHEMES}
    )
    types = ", ".join(f"'{t}'" for t in HOST_TYPES)
    rows = catalog.query(
        "SELECT DISTINCT cluster_id FROM records WHERE NOT deleted AND cluster_id IS NOT NULL "
        f"AND (id = ? OR (type IN ({types}) AND list_has_any({_KEYS.format(col='identifiers')}, "
        "?::VARCHAR[]))) ORDER BY 1",
        [host.get("id") or "", keys],
    )
    return [r[0] for r in rows]


class HostIndex:
    """The host clusters of every journal and book by ISSN, ISSN-L and ISBN, and their
    holdings, read once: what a resolver asks again and again, kept in memory.  Valid
    while the catalog is as it was read (``version``: the last change's number)."""

    def __init__(self, catalog: Catalog) -> None:
        self.version = catalog_version(catalog)
        types = ", ".join(f"'{t}'" for t in HOST_TYPES)
        self.by_key: dict[str, set[str]] = {}
        for cluster, keys in catalog.query(
            f"SELECT cluster_id, {_KEYS.format(col='identifiers')} FROM records "
            f"WHERE NOT deleted AND cluster_id IS NOT NULL AND type IN ({types})"
        ):
            for key in keys or []:
                self.by_key.setdefault(str(key), set()).add(str(cluster))
        self.holdings: dict[str, list[dict[str, Any]]] = {}
        if catalog.has_table("holdings"):
            cols = ", ".join(HOLDING_COLUMNS)
            for row in catalog.query(
                f"SELECT {cols} FROM holdings WHERE cluster_id IS NOT NULL "
                "ORDER BY form, holder NULLS LAST, start_date NULLS FIRST, from_record"
            ):
                held = dict(zip(HOLDING_COLUMNS, row, strict=True))
                self.holdings.setdefault(str(held["cluster_id"]), []).append(held)

    def host_clusters(self, catalog: Catalog, record: dict[str, Any]) -> list[str]:
        host = record.get("host") or {}
        if host.get("id"):
            return host_clusters(catalog, record)  # a host named by its record: ask the catalog
        found: set[str] = set()
        for ident in host.get("identifiers") or []:
            if ident.get("scheme") in HOST_SCHEMES:
                found |= self.by_key.get(str(ident.get("value")), set())
        return sorted(found)


def catalog_version(catalog: Catalog) -> int:
    """The number of the catalog's last change: it moves whenever a record or a cluster
    does."""
    rows = catalog.query("SELECT coalesce(max(seq), 0) FROM changes")
    return int(rows[0][0]) if rows else 0


def access_answer(
    catalog: Catalog, record: dict[str, Any], today: date, index: HostIndex | None = None
) -> dict[str, Any] | None:
    """Can a reader get this article or chapter, and how: None for a record with no host.
    With ``index`` the hosts and their holdings come from memory."""
    if not record.get("host"):
        return None
    if index is not None:
        hosts = index.host_clusters(catalog, record)
        held = [h for cluster in hosts for h in index.holdings.get(cluster, [])]
    else:
        hosts = host_clusters(catalog, record)
        held = [h for cluster in hosts for h in holdings(catalog, cluster_id=cluster)]
    verdicts = [judge(record, h, today) for h in held]
    opened = [a["url"] for a in record.get("access") or [] if a.get("kind") == "open"]
    online = [v for v in verdicts if v.reachable and v.form == "electronic"]
    shelf = [v for v in verdicts if v.reachable and v.form != "electronic"]
    if opened:
        summary = f"yes, open access: {opened[0]}"
    elif online:
        summary = f"yes, online through {online[0].holder or 'the library'}: {online[0].why}"
    elif shelf:
        summary = f"in print only, at {shelf[0].holder or 'the library'}: {shelf[0].why}"
    elif embargoed := [v for v in verdicts if v.form == "electronic" and v.later]:
        who = embargoed[0].holder or "the library"
        summary = f"not yet: online at {who} after the {embargoed[0].why}"
    elif not hosts:
        summary = "unknown: its host is not in the catalog"
    else:
        summary = "no: no holding of its host covers it"
    return {
        "summary": summary,
        "host_clusters": hosts,
        "holdings": [
            {
                "reachable": v.reachable,
                "form": v.form,
                "holder": v.holder,
                "why": v.why,
                "url": v.url,
                "package": v.package,
            }  # fmt: skip
            for v in verdicts
        ],
    }


def articles_by_year(catalog: Catalog, cluster_id: str) -> list[tuple[int | None, int]]:
    """How many articles or chapters the catalog has whose host is this cluster, by year
    (a work the catalog has twice counts once)."""
    rows = catalog.query(
        "WITH journal AS (SELECT id, identifiers FROM records "
        "WHERE cluster_id = ? AND NOT deleted), "
        f"keys AS (SELECT DISTINCT unnest({_KEYS.format(col='identifiers')}) AS k FROM journal) "
        "SELECT year, count(DISTINCT coalesce(cluster_id, id)) FROM records "
        "WHERE NOT deleted AND host IS NOT NULL AND ("
        "host.id IN (SELECT id FROM journal) OR "
        f"list_has_any({_KEYS.format(col='host.identifiers')}, "
        "(SELECT coalesce(list(k), []) FROM keys))) "
        "GROUP BY year ORDER BY year NULLS LAST",
        [cluster_id],
    )
    return [(r[0], int(r[1])) for r in rows]
