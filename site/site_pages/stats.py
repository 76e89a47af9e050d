"""The statistics page: datasets per department and theme, update timeliness and requests, as SVG charts."""
from __future__ import annotations

from collections import Counter
from datetime import date

from . import catalog as cat
from .charts import bar_chart, describe
from .request_stats import statistics_section
from .html import block, esc


def _counted(counter: Counter) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))


def timeliness(entries: list[dict], today: date) -> list[tuple[str, int]]:
    got = Counter(cat.status(e, today) for e in entries)
    return [(cat.STATUS_LABELS[k], got.get(k, 0)) for k in ("current", "overdue", "irregular")]


def chart_section(heading: str, chart_id: str, title: str, data: list[tuple[str, int]], unit: str = "个") -> str:
    return f"## {heading}\n\n" + block(bar_chart(chart_id, title, describe(data, unit), data, unit))


def statistics_page(catalog: dict, today: date, requests: dict | None = None) -> str:
    """requests: the reply queue's statistics (portal.queue.statistics_by_department), or None."""
    entries = list(catalog.values())
    per_dept = _counted(Counter(e["department"] for e in entries))
    per_theme = _counted(Counter(t for e in entries for t in e["record"].get("themes", [])))
    per_open = _counted(Counter(e["record"]["open_type"] for e in entries))
    return (f"# 平台统计\n\n" + block(f"<p>统计截至 {esc(today.isoformat())}，共 {len(entries)} 个数据集。"
                                     "图表下方均附有数据表。</p>")
            + chart_section("各部门数据集数量", "chart-dept", "各部门数据集数量", per_dept)
            + chart_section("各主题数据集数量", "chart-theme", "各主题数据集数量", per_theme)
            + chart_section("开放属性", "chart-open", "按开放属性统计的数据集数量", per_open)
            + chart_section("更新及时性", "chart-timely", "数据集更新及时性", timeliness(entries, today))
            + statistics_section(requests))
