"""Static SVG charts for the report: drawn from tables already aggregated in DuckDB.

Plain SVG written here rather than a charting library: the page must work offline and
stay small for any catalog, and three kinds of chart (bars, a matrix, a timeline) are
all the report draws.  Every label is escaped as it is written (``markupsafe.escape``),
so a title in a record can never become markup.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")  # fmt: skip
FORM_COLOURS = {
    "print only": "#8c564b", "electronic only": "#1f77b4", "print and electronic": "#2ca02c",
    "neither": "#bbbbbb", "print": "#8c564b", "microform": "#c49c94", "electronic": "#1f77b4",
    "added": "#2ca02c", "changed": "#1f77b4", "deleted": "#d62728", "merged": "#9467bd",
    "quarantined": "#ff7f0e",
}  # fmt: skip
_FONT = 'font-family="sans-serif" font-size="12"'


def colour(segment: str, index: int) -> str:
    return FORM_COLOURS.get(segment, PALETTE[index % len(PALETTE)])


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _legend(segments: Sequence[str], x: float, y: float) -> list[str]:
    out = []
    for i, name in enumerate(segments):
        out.append(
            f'<rect x="{x:.0f}" y="{y + i * 18:.0f}" width="12" height="12" '
            f'fill="{colour(name, i)}"/><text x="{x + 18:.0f}" y="{y + i * 18 + 10:.0f}" '
            f"{_FONT}>{escape(name)}</text>"
        )
    return out


def stacked_bars(
    rows: Sequence[tuple[str, Mapping[str, float]]],
    segments: Sequence[str],
    *,
    title: str,
    label_width: int = 28,
) -> Markup:
    """Horizontal bars, one per row, split into ``segments``; the total at the end."""
    if not rows:
        return Markup("")
    left, bar_width, row_h = 8 + label_width * 7, 420, 22
    total_max = max(sum(values.values()) for _, values in rows) or 1
    height = 30 + row_h * len(rows) + 10
    width = left + bar_width + 70 + 170
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{max(height, 40 + 18 * len(segments))}" aria-label="{escape(title)}">',
        f'<text x="4" y="16" {_FONT} font-weight="bold">{escape(title)}</text>',
    ]
    for r, (label, values) in enumerate(rows):
        y = 30 + r * row_h
        parts.append(
            f'<text x="{left - 6}" y="{y + 14}" text-anchor="end" {_FONT}>'
            f"<title>{escape(label)}</title>{escape(_cut(label, label_width))}</text>"
        )
        x = float(left)
        for i, name in enumerate(segments):
            value = values.get(name, 0)
            if not value:
                continue
            w = bar_width * value / total_max
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 2}" width="{max(w, 0.5):.1f}" height="{row_h - 6}" '
                f'fill="{colour(name, i)}"><title>{escape(label)}: {escape(name)} '
                f"{value:,.0f}</title></rect>"
            )
            x += w
        parts.append(
            f'<text x="{x + 4:.1f}" y="{y + 14}" {_FONT}>{sum(values.values()):,.0f}</text>'
        )
    if len(segments) > 1 or segments[0] != "":
        parts += _legend(segments, left + bar_width + 70, 30)
    parts.append("</svg>")
    return Markup("".join(parts))


def matrix(
    labels: Sequence[str], values: Mapping[tuple[str, str], float], *, title: str,
    share: bool = False,
) -> Markup:  # fmt: skip
    """A square matrix (sources by sources), each cell shaded by its value."""
    return grid(labels, labels, values, title=title, share=share)


def grid(
    rows: Sequence[str], columns: Sequence[str], values: Mapping[tuple[str, str], float], *,
    title: str, share: bool = False,
) -> Markup:  # fmt: skip
    """Rows by columns, each cell shaded by its value (a share from 0 to 1 when ``share``)."""
    if not rows or not columns:
        return Markup("")
    cell, left, top = 46, 190, 150
    biggest = max(values.values(), default=1) or 1
    width, height = left + cell * len(columns) + 10, top + cell * len(rows) + 10
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" aria-label="{escape(title)}">',
        f'<text x="4" y="16" {_FONT} font-weight="bold">{escape(title)}</text>',
    ]
    for c, name in enumerate(columns):
        x = left + c * cell + cell / 2
        parts.append(
            f'<text transform="translate({x:.0f},{top - 6}) rotate(-45)" {_FONT}>'
            f"<title>{escape(name)}</title>{escape(_cut(name, 22))}</text>"
        )
    for r, name in enumerate(rows):
        y = top + r * cell
        parts.append(
            f'<text x="{left - 6}" y="{y + cell / 2 + 4:.0f}" text-anchor="end" {_FONT}>'
            f"<title>{escape(name)}</title>{escape(_cut(name, 26))}</text>"
        )
        for c, col in enumerate(columns):
            value = values.get((name, col))
            x = left + c * cell
            if value is None:
                parts.append(
                    f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" fill="#f4f4f4"/>'
                )
                continue
            strength = value if share else value / biggest
            light = 95 - int(55 * min(max(strength, 0.0), 1.0))
            shown = f"{value:.0%}" if share else f"{value:,.0f}"
            ink = "#fff" if light < 60 else "#000"
            parts.append(
                f'<rect x="{x}" y="{y}" width="{cell - 2}" height="{cell - 2}" '
                f'fill="hsl(210,60%,{light}%)"><title>{escape(name)} / {escape(col)}: '
                f'{shown}</title></rect><text x="{x + cell / 2 - 1:.0f}" '
                f'y="{y + cell / 2 + 4:.0f}" text-anchor="middle" fill="{ink}" '
                f'font-family="sans-serif" font-size="11">{shown}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def timeline(
    journals: Sequence[tuple[str, Sequence[Mapping[str, object]]]], first: int, last: int,
    *, title: str,
) -> Markup:  # fmt: skip
    """One line per journal, a bar per holding from its first year to its last: print
    runs, electronic coverage, an embargoed end drawn lighter."""
    if not journals or last < first:
        return Markup("")
    left, span_w, top = 230, 560, 40
    per_year = span_w / (last - first + 1)
    lane = 9
    heights = [max(len(h), 1) * lane + 10 for _, h in journals]
    height = top + sum(heights) + 30
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{left + span_w + 20}" '
        f'height="{height}" aria-label="{escape(title)}">',
        f'<text x="4" y="16" {_FONT} font-weight="bold">{escape(title)}</text>',
    ]
    step = max(1, round((last - first + 1) / 10))
    for year in range(first, last + 1, step):
        x = left + (year - first) * per_year
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 24}" '
            f'stroke="#ddd"/><text x="{x:.1f}" y="{top - 10}" {_FONT} '
            f'text-anchor="middle">{year}</text>'
        )
    y = float(top)
    for (name, holdings), h in zip(journals, heights, strict=True):
        parts.append(
            f'<text x="{left - 6}" y="{y + h / 2 + 4:.0f}" text-anchor="end" {_FONT}>'
            f"<title>{escape(name)}</title>{escape(_cut(name, 32))}</text>"
        )
        for i, holding in enumerate(holdings):
            start, end = int(str(holding["from_year"])), int(str(holding["to_year"]))
            form = str(holding["form"])
            x = left + (max(start, first) - first) * per_year
            w = max((min(end, last) - max(start, first) + 1) * per_year, 1.0)
            embargo = f", embargo {holding['embargo']}" if holding.get("embargo") else ""
            tip = f"{form}, {holding['held_by']}: {start}-{end}{embargo}"
            opacity = "0.55" if holding.get("embargo") else "0.9"
            parts.append(
                f'<rect x="{x:.1f}" y="{y + 5 + i * lane:.1f}" width="{w:.1f}" '
                f'height="{lane - 2}" fill="{colour(form, i)}" opacity="{opacity}">'
                f"<title>{escape(tip)}</title></rect>"
            )
        y += h
    parts += _legend(["print", "electronic"], left, height - 20)[:1]
    parts.append(
        f'<rect x="{left + 90}" y="{height - 20}" width="12" height="12" '
        f'fill="{colour("electronic", 0)}"/><text x="{left + 108}" y="{height - 10}" '
        f"{_FONT}>electronic (lighter: with an embargo)</text></svg>"
    )
    return Markup("".join(parts))
