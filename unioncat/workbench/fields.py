"""A unified record as a cataloger reads it: labelled fields, in the order of a record.

The page shows values only as text (the templates escape them); a link is made only of a
URL whose scheme is http or https, so a harvested ``javascript:`` URL stays text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Shown:
    """One labelled field: its values as lines of text, and the link each one makes."""

    label: str
    values: list[tuple[str, str | None]]  # (text, link or None)


def link(url: Any) -> str | None:
    text = str(url or "")
    return text if text.lower().startswith(("http://", "https://")) else None


def _join(*parts: Any, sep: str = ", ") -> str:
    texts = [", ".join(map(str, p)) if isinstance(p, list) else str(p) for p in parts
             if p not in (None, "", [])]  # fmt: skip
    return sep.join(texts)


def _contributor(c: Mapping[str, Any]) -> str:
    extra = _join(c.get("role"), *(_identifier(i) for i in c.get("identifiers") or []))
    return str(c.get("name") or "") + (f" ({extra})" if extra else "")


def _identifier(i: Mapping[str, Any]) -> str:
    text = f"{i.get('scheme')}: {i.get('value')}"
    notes = _join(i.get("qualifier"), i.get("status") if i.get("status") != "valid" else None)
    return text + (f" [{notes}]" if notes else "")


def _host(h: Mapping[str, Any]) -> str:
    pages = _join(h.get("first_page"), h.get("last_page"), sep="-")
    return _join(
        h.get("title"), f"vol. {h['volume']}" if h.get("volume") else None,
        f"no. {h['issue']}" if h.get("issue") else None, f"pp. {pages}" if pages else None,
    )  # fmt: skip


def _holding(h: Mapping[str, Any]) -> str:
    return _join(
        h.get("form"), h.get("holder"), h.get("location"), h.get("call_number"),
        h.get("coverage") or _join(h.get("start_date"), h.get("end_date"), sep=" to "),
        f"embargo {h['embargo']}" if h.get("embargo") else None, h.get("package"),
        h.get("note"),
    )  # fmt: skip


def labelled(record: Mapping[str, Any]) -> list[Shown]:
    """The fields of ``record`` (a row as the catalog holds it) that have a value."""
    out: list[Shown] = []

    def add(label: str, values: list[tuple[str, str | None]]) -> None:
        kept = [(t, u) for t, u in values if t]
        if kept:
            out.append(Shown(label, kept))

    def text(label: str, value: Any) -> None:
        add(label, [(str(value), None)] if value not in (None, "", []) else [])

    text("Title", record.get("title"))
    text("Subtitle", record.get("subtitle"))
    part = record.get("part") or {}
    text("Part", _join(part.get("number"), part.get("name")) if part else None)
    add("Contributors", [(_contributor(c), None) for c in record.get("contributors") or []])
    text("Type", record.get("type"))
    text("Medium", _join(record.get("medium"), record.get("medium_evidence"), sep=" — "))
    text("Edition", record.get("edition"))
    text("Published", _join(record.get("place"), record.get("publisher"), record.get("date")))
    text("Year", record.get("year"))
    add("Language", [(str(x), None) for x in record.get("language") or []])
    add("Identifiers", [(_identifier(i), None) for i in record.get("identifiers") or []])
    host = record.get("host")
    if host:
        text("In", _host(host))
    add("Series", [(_join(s.get("title"), s.get("number")), None)
                   for s in record.get("series") or []])  # fmt: skip
    add("Subjects", [(_join(s.get("term"), f"({s['scheme']})" if s.get("scheme") else None,
                            sep=" "), None)
                     for s in record.get("subjects") or []])  # fmt: skip
    text("Extent", record.get("extent"))
    text("Abstract", record.get("abstract"))
    add("Relations", [(_join(r.get("type"), r.get("title"),
                             *(_identifier(i) for i in r.get("identifiers") or [])), None)
                      for r in record.get("relations") or []])  # fmt: skip
    add("Access", [(_join(a.get("url"), a.get("kind"), a.get("provider")), link(a.get("url")))
                   for a in record.get("access") or []])  # fmt: skip
    add("Holdings", [(_holding(h), None) for h in record.get("holdings") or []])
    text("Variant titles", "; ".join(record.get("title_variants") or []))
    return out
