"""Department pages: each department's datasets, their update timeliness and its requests, plus an index page."""
from __future__ import annotations

from collections import defaultdict
from datetime import date

from . import catalog as cat
from .html import badge, block, esc, link, md_text, table
from .request_stats import department_section
from .stats import timeliness


def by_department(catalog: dict) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for e in catalog.values():
        out[e["department"]].append(e)
    return dict(sorted(out.items()))


def department_page(name: str, entries: list[dict], today: date, requests: dict | None = None) -> str:
    rows = [[link(f"../../datasets/{e['identifier']}/", e["title"]), esc(e["record"]["open_type"]),
             esc(e["record"]["update_frequency"]), esc(e["record"]["last_updated"]),
             badge(cat.STATUS_LABELS[cat.status(e, today)], cat.status(e, today))] for e in entries]
    timely = "；".join(f"{k} {n} 个" for k, n in timeliness(entries, today))
    return (f"# {md_text(name)}\n\n" + block(f"<p>本部门提供 {len(entries)} 个数据集。更新及时性：{esc(timely)}。</p>")
            + "## 数据集\n\n" + block(table(["数据集", "开放属性", "更新频率", "最近更新", "状态"], rows, f"{name}的数据集"))
            + department_section(name, requests))


def departments_index(groups: dict[str, list[dict]], today: date) -> str:
    rows = []
    for name, entries in groups.items():
        overdue = sum(1 for e in entries if cat.status(e, today) == "overdue")
        rows.append([link(f"{cat.dept_slug(name)}/", name), str(len(entries)), str(overdue)])
    return "# 数源部门\n\n" + block(table(["部门", "数据集", "逾期未更新"], rows, "数源部门"))
