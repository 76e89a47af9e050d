"""Accessible SVG bar charts rendered at build time (role="img", <title>, <desc>, and a data table)."""
from __future__ import annotations

from .html import esc, table

BAR_H, GAP, LABEL_W, WIDTH = 22, 10, 220, 640
COLOURS = ("#1f4e9c", "#a3320b", "#2b6b2f")  # dark enough for 4.5:1 against white text and background


def bar_chart(chart_id: str, title: str, desc: str, data: list[tuple[str, int]], unit: str = "个",
              top: float | None = None) -> str:
    """A horizontal bar chart of (label, value), followed by the same data as a table.

    top: the value of a full-width bar (100 for percentages); the largest value when not given."""
    top = top or max((v for _, v in data), default=0) or 1
    plot_w = WIDTH - LABEL_W - 60
    height = len(data) * (BAR_H + GAP) + GAP
    bars = []
    for i, (label, value) in enumerate(data):
        y = GAP + i * (BAR_H + GAP)
        w = max(1, round(plot_w * value / top)) if value else 0
        colour = COLOURS[i % len(COLOURS)]
        bars.append(
            f'<text x="{LABEL_W - 8}" y="{y + BAR_H * 0.72:.1f}" text-anchor="end" class="odp-chart__label">'
            f'{esc(_short(label))}</text>'
            f'<rect x="{LABEL_W}" y="{y}" width="{w}" height="{BAR_H}" fill="{colour}"></rect>'
            f'<text x="{LABEL_W + w + 6}" y="{y + BAR_H * 0.72:.1f}" class="odp-chart__value">{value}</text>')
    svg = (f'<svg class="odp-chart" id="{chart_id}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
           f'viewBox="0 0 {WIDTH} {height}" xmlns="http://www.w3.org/2000/svg">'
           f'<title id="{chart_id}-t">{esc(title)}</title><desc id="{chart_id}-d">{esc(desc)}</desc>'
           + "".join(bars) + "</svg>")
    rows = [[esc(label), f"{value} {esc(unit)}"] for label, value in data]
    return (f'<figure class="odp-figure">{svg}<figcaption>{esc(title)}</figcaption></figure>\n'
            f'<details class="odp-chart-data"><summary>{esc(title)}：数据表</summary>\n'
            + table(["项目", "数值"], rows, title) + "\n</details>")


def _short(label: str, limit: int = 14) -> str:
    """Long department names are cut in the picture; the table beside it keeps them whole."""
    return label if len(label) <= limit else label[:limit - 1] + "…"


def describe(data: list[tuple[str, int]], unit: str = "个") -> str:
    """A one-sentence text alternative listing every value."""
    return "；".join(f"{label} {value} {unit}" for label, value in data) + "。"
