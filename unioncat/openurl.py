"""``unioncat resolve``: "can I get this article?" for an OpenURL, from the catalog alone.

A citation arrives as an OpenURL 1.0 key/encoded-value string (``rft.issn=...&
rft.volume=12&rft.spage=45&rft.date=2004&rft_id=info:doi/10...``), from a database's
"find it" button or a reference manager; OpenURL 0.1's bare keys (``issn=``, ``id=doi:``)
are read too, as many sources still send them.  A DOI the catalog knows gives the
article's own record (its host, date and any open-access link); otherwise the citation
itself is the article.  Its host's holdings (print runs, KBART coverage with embargoes)
are judged against its date, volume and issue by :func:`unioncat.access.judge`, and the
answer says whether, in which form, by which holding, and the link to follow.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any
from urllib.parse import parse_qs, quote

from unioncat import access, identifiers
from unioncat.catalog import RECORD_COLUMNS, Catalog
from unioncat.reader_links import (
    DIRECT,
    RESOLVER,
    AccessSettings,
    reader_link,
    resolver_link,
)
from unioncat.xmltext import attr, text

# OpenURL 0.1 keys and their 1.0 names
_V01 = {"issn", "eissn", "isbn", "volume", "issue", "spage", "epage", "date", "atitle",
        "jtitle", "title", "stitle", "aulast", "genre"}  # fmt: skip


def parse_kev(kev: str) -> dict[str, list[str]]:
    """The citation's keys without their ``rft.`` prefix, each with every value given;
    ``rft_id`` and ``id`` values stay under ``id``."""
    out: dict[str, list[str]] = {}
    for key, values in parse_qs(kev.lstrip("?"), keep_blank_values=False).items():
        name = key
        if key.startswith("rft."):
            name = key[4:]
        elif key in ("rft_id", "id"):
            name = "id"
        elif key not in _V01:
            continue  # url_ver, ctx_*, rfr_id and the like describe the request, not the item
        out.setdefault(name, []).extend(v.strip() for v in values if v.strip())
    return out


def _first(citation: Mapping[str, Sequence[str]], *names: str) -> str | None:
    for name in names:
        values = citation.get(name)
        if values:
            return values[0]
    return None


def _doi(citation: Mapping[str, Sequence[str]]) -> str | None:
    for value in citation.get("id", []):
        for prefix in ("info:doi/", "doi:", "https://doi.org/", "http://dx.doi.org/"):
            if value.lower().startswith(prefix):
                found = identifiers.doi(value[len(prefix) :])
                return found.value if found else None
    return None


def _article(citation: Mapping[str, Sequence[str]]) -> dict[str, Any]:
    """The citation as the record of an article: a host named by its numbers."""
    ids = [
        {"scheme": scheme, "value": value}
        for key, scheme in (("issn", "issn"), ("eissn", "issn"), ("isbn", "isbn"))
        for value in citation.get(key, [])
    ]
    when = _first(citation, "date")
    year = int(when[:4]) if when and when[:4].isdigit() else None
    return {
        "id": None,
        "title": _first(citation, "atitle", "title"),
        "date": when,
        "year": year,
        "host": {
            "title": _first(citation, "jtitle", "stitle", "title"),
            "identifiers": ids,
            "volume": _first(citation, "volume"),
            "issue": _first(citation, "issue"),
            "first_page": _first(citation, "spage"),
            "last_page": _first(citation, "epage"),
        },
        "access": [],
    }


def _by_doi(catalog: Catalog, doi: str) -> dict[str, Any] | None:
    cols = ", ".join(f'"{c}"' for c in RECORD_COLUMNS)
    rows = catalog.query(
        f"SELECT {cols} FROM records WHERE NOT deleted AND host IS NOT NULL AND "
        "list_contains([i.value FOR i IN identifiers IF i.scheme = 'doi'], ?) "
        "ORDER BY id LIMIT 1",
        [doi],
    )
    return dict(zip(RECORD_COLUMNS, rows[0], strict=True)) if rows else None


# the host index of the catalogs this process answers for, by path, with the version
# it was read at (a resolver asks thousands of times between two runs)
_INDEXES: dict[str, access.HostIndex] = {}
_INDEX_LOCK = threading.Lock()


def _index(catalog: Catalog) -> access.HostIndex:
    key = str(catalog.path)
    version = access.catalog_version(catalog)
    with _INDEX_LOCK:
        index = _INDEXES.get(key)
        if index is None or index.version != version:
            index = _INDEXES[key] = access.HostIndex(catalog)
        return index


def resolve(
    catalog: Catalog, kev: str, today: date, links: AccessSettings | None = None
) -> dict[str, Any]:
    """The answer to one OpenURL: JSON-able, the same on the command line and the web;
    the link made for this library's readers (``links``: the ``access:`` settings)."""
    links = links or AccessSettings()
    citation = parse_kev(kev)
    doi = _doi(citation)
    record = _by_doi(catalog, doi) if doi else None
    article = record or _article(citation)
    if record is not None:
        # what the citation says of the host fills what the record leaves out
        cited = _article(citation)["host"]
        host = dict(record.get("host") or {})
        for key, value in cited.items():
            if value and not host.get(key):
                host[key] = value
        article = {**record, "host": host}
    answer = access.access_answer(catalog, article, today, _index(catalog)) or {
        "summary": "unknown: the citation names no journal or book", "host_clusters": [],
        "holdings": [],
    }  # fmt: skip
    reachable = [h for h in answer["holdings"] if h["reachable"]]
    opened = [a["url"] for a in article.get("access") or [] if a.get("kind") == "open"]
    online = [h for h in reachable if h["form"] == "electronic"]
    link, how = None, DIRECT
    if opened:
        link, how = reader_link(opened[0], links, open_access=True)
    elif online:
        target = online[0]["url"] or (f"https://doi.org/{quote(doi, safe='/')}" if doi else None)
        link, how = reader_link(target, links, package=online[0].get("package"))
    if link is None and not reachable and links.resolver:
        # the catalog cannot say where it is: the library's link resolver may
        link, how = resolver_link(links, kev), RESOLVER
    return {
        "citation": {k: v if len(v) > 1 else v[0] for k, v in citation.items()},
        "doi": doi,
        "record": record["id"] if record else None,
        "available": bool(opened or reachable),
        "online": bool(opened or online),
        "answer": answer["summary"],
        "link": link,
        "authentication": how if link else None,
        "host_clusters": answer["host_clusters"],
        "holdings": answer["holdings"],
        "as_of": today.isoformat(),
    }


def page(result: Mapping[str, Any]) -> str:
    """The answer as a page a reader can use: every value escaped, no script."""
    citation = result.get("citation") or {}
    cited = text(citation.get("atitle") or citation.get("title") or "this item")
    journal = citation.get("jtitle") or citation.get("stitle")
    rows = "".join(
        f"<tr><td>{text(h['form'])}</td><td>{text(h['holder'] or '')}</td>"
        f"<td>{'yes' if h['reachable'] else 'no'}</td><td>{text(h['why'])}</td></tr>"
        for h in result.get("holdings") or []
    )
    link = result.get("link")
    if link and not str(link).lower().startswith(("https://", "http://")):
        link = None  # a harvested "javascript:" or "data:" link is never offered
    what = "article" if result.get("online") else "item"
    go = f'<p class="go"><a href="{attr(link)}">Go to the {what}</a></p>' if link else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        "<title>Can I get it?</title><style>body{font-family:sans-serif;max-width:48em;"
        "margin:2em auto}td,th{padding:.2em .6em;text-align:left}.go a{font-size:1.3em}"
        "</style></head><body>"
        f"<h1>{cited}</h1>"
        + (f"<p>in {text(journal)}</p>" if journal else "")
        + f"<p><strong>{text(result.get('answer') or '')}</strong></p>{go}"
        + (
            f"<table><tr><th>form</th><th>library</th><th>covers it</th><th>why</th></tr>"
            f"{rows}</table>"
            if rows
            else ""
        )  # fmt: skip
        + f"<p><small>as of {text(result.get('as_of') or '')}</small></p></body></html>\n"
    )
