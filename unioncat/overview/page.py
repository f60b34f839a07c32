"""The report as one HTML page: the tables, their charts, nothing fetched from anywhere.

The page holds the first rows of each table (the files beside it hold every row), and
charts drawn from the same tables, so its size depends on the shape of the catalog
(how many sources, how many rows a chart shows), never on the number of records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from datetime import datetime
from importlib.resources import files
from typing import Any

import jinja2
import pyarrow as pa
from markupsafe import Markup

from unioncat.overview import charts
from unioncat.overview.tables import SECTIONS, TABLES

ROWS_SHOWN = 50  # rows of a table on the page; the CSV and Parquet files hold them all
SOURCES_SHOWN = 25  # sources (and holders) in an overlap matrix
SUBJECTS_SHOWN = 15
JOURNALS_SHOWN = 40
FORMATS = ("print only", "electronic only", "print and electronic", "neither")


def _rows(table: pa.Table) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = table.to_pylist()
    return rows


def _overlap(table: pa.Table, level: str, a: str, b: str, title: str) -> Markup:
    rows = [r for r in _rows(table) if r["level"] == level]
    own = {r[a]: r["works"] for r in rows if r[a] == r[b]}
    names = sorted(own, key=lambda n: (-own[n], n))[:SOURCES_SHOWN]
    kept = set(names)
    values = {(r[a], r[b]): float(r["works"]) for r in rows if r[a] in kept and r[b] in kept}
    return charts.matrix(names, values, title=title)


def _charts(tables: Mapping[str, pa.Table]) -> dict[str, list[Markup]]:
    out: dict[str, list[Markup]] = defaultdict(list)
    by_source: dict[str, dict[str, float]] = defaultdict(dict)
    media: list[str] = []
    for r in _rows(tables["records_by_source"]):
        by_source[r["source"]][r["medium"]] = by_source[r["source"]].get(r["medium"], 0) + float(
            r["records"]
        )
        if r["medium"] not in media:
            media.append(r["medium"])
    out["collection"].append(
        charts.stacked_bars(list(by_source.items()), media, title="Records by source and medium")
    )
    levels: dict[str, dict[str, float]] = defaultdict(dict)
    for r in _rows(tables["works_by_format"]):
        levels[{"work": "works", "article": "articles"}[r["level"]]][r["format"]] = float(
            r["works"]
        )
    out["collection"].append(
        charts.stacked_bars(
            sorted(levels.items(), reverse=True), FORMATS, title="Print, electronic or both"
        )
    )
    decades: dict[str, dict[str, float]] = defaultdict(dict)
    for r in _rows(tables["works_by_decade"]):
        decades[f"{r['decade']}s"][r["format"]] = float(r["works"])
    out["collection"].append(
        charts.stacked_bars(list(decades.items()), FORMATS, title="Works by decade", label_width=8)
    )
    subjects = _rows(tables["works_by_subject"])
    if subjects:
        per_scheme: dict[str, float] = defaultdict(float)
        for r in subjects:
            per_scheme[r["scheme"]] += float(r["works"])
        scheme = max(per_scheme, key=lambda s: (s != "keyword", per_scheme[s], s))
        tops: dict[str, dict[str, float]] = defaultdict(dict)
        for r in subjects:
            if r["scheme"] == scheme:
                tops[r["subject"]][r["format"]] = float(r["works"])
        ranked = sorted(tops.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
        out["collection"].append(
            charts.stacked_bars(
                ranked[:SUBJECTS_SHOWN], FORMATS, title=f"Works by subject ({scheme}, top level)"
            )
        )
    for level, word in (("work", "works"), ("article", "articles")):
        out["overlap"].append(
            _overlap(
                tables["source_overlap"], level, "source_a", "source_b", f"Sources sharing {word}"
            )  # fmt: skip
        )
        out["overlap"].append(
            _overlap(
                tables["holder_overlap"], level, "holder_a", "holder_b", f"Holders sharing {word}"
            )  # fmt: skip
        )
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    names: dict[str, str] = {}
    for r in _rows(tables["journal_runs"]):
        runs[r["work"]].append(r)
        names[r["work"]] = r["title"] or r["work"]
    shown = sorted(runs, key=lambda w: (-len(runs[w]), names[w]))[:JOURNALS_SHOWN]
    if shown:
        first = min(int(h["from_year"]) for w in shown for h in runs[w])
        last = max(int(h["to_year"]) for w in shown for h in runs[w])
        out["journals"].append(
            charts.timeline(
                [(names[w], runs[w]) for w in sorted(shown, key=lambda w: names[w])],
                first,
                last,
                title="Holdings of each journal, year by year",
            )  # fmt: skip
        )
    completeness = _rows(tables["field_completeness"])
    if completeness:
        sources = sorted({r["source"] for r in completeness})[:SOURCES_SHOWN]
        fields = sorted({r["field"] for r in completeness})
        out["quality"].append(
            charts.grid(
                sources,
                fields,
                {(r["source"], r["field"]): float(r["share"]) for r in completeness},
                title="Share of records with each field",
                share=True,
            )  # fmt: skip
        )
    changes = [
        (f"{r['run_id']} {r['command']}",
         {k: float(r[k]) for k in ("added", "changed", "deleted", "merged")})
        for r in _rows(tables["run_changes"])
    ][-30:]  # fmt: skip
    if changes:
        out["change"].append(
            charts.stacked_bars(changes, ("added", "changed", "deleted", "merged"),
                                title="Records each run changed (last 30 runs)", label_width=34)
        )  # fmt: skip
    return out


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(
            lambda name: files("unioncat.overview").joinpath(name).read_text("utf-8")
        ),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["cell"] = _cell
    return env


def render(
    tables: Mapping[str, pa.Table], *, catalog_name: str, made_at: datetime,
    files_folder: str | None = "tables",
) -> str:  # fmt: skip
    """The page: ``files_folder`` is where the full tables are linked from (None: the
    page stands alone, as the workbench shows it)."""
    drawn = _charts(tables)
    sections = []
    for key, heading in SECTIONS.items():
        shown = []
        for t in TABLES:
            if t.section != key:
                continue
            table = tables[t.name]
            shown.append({
                "name": t.name, "title": t.title, "about": t.about,
                "columns": table.column_names, "rows": table.slice(0, ROWS_SHOWN).to_pylist(),
                "total": table.num_rows,
            })  # fmt: skip
        sections.append({"key": key, "heading": heading, "charts": drawn.get(key, []),
                         "tables": shown})  # fmt: skip
    summary = tables["summary"].to_pylist()[0] if tables["summary"].num_rows else {}
    return (
        _environment()
        .get_template("report.html.j2")
        .render(
            sections=sections,
            summary=summary,
            catalog_name=catalog_name,
            made_at=made_at.strftime("%Y-%m-%d %H:%M UTC"),
            files_folder=files_folder,
            rows_shown=ROWS_SHOWN,
        )  # fmt: skip
    )
