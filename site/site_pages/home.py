"""The home page: counts, search, newest and recently updated datasets, themes, departments."""
from __future__ import annotations

from collections import Counter
from datetime import date

from . import catalog as cat
from .html import block, esc, link

SHOWN = 6


def _dataset_list(entries: list[dict], when: str) -> str:
    items = [f"<li>{link('datasets/' + e['identifier'] + '/', e['title'])} "
             f"<span class=\"odp-muted\">{esc(e['department'])} · {esc(when_value(e, when))}</span></li>"
             for e in entries]
    return '<ul class="odp-list">\n' + "\n".join(items) + "\n</ul>"


def when_value(e: dict, when: str) -> str:
    return f"发布于 {str(e['record'].get('issued') or e.get('published_at') or '')[:10]}" if when == "issued" else \
        f"更新于 {e['record']['last_updated']}"


def search_box() -> str:
    # A plain GET form to the catalogue, which filters by ?q= (works with Material's search too).
    return ('<form class="odp-search" role="search" action="catalog/" method="get">'
            '<label for="home-q">搜索数据集</label>'
            '<input id="home-q" name="q" type="search" placeholder="例如：空气、处罚、公租房">'
            '<button type="submit" class="md-button md-button--primary">搜索</button></form>')


def home(catalog: dict, today: date) -> str:
    entries = list(catalog.values())
    depts = Counter(e["department"] for e in entries)
    themes = Counter(t for e in entries for t in e["record"].get("themes", []))
    open_n = sum(1 for e in entries if e.get("database") == "data")
    overdue = sum(1 for e in entries if cat.status(e, today) == "overdue")
    newest = sorted(entries, key=lambda e: (str(e["record"].get("issued") or ""), e["identifier"]),
                    reverse=True)[:SHOWN]
    updated = sorted(entries, key=lambda e: (str(e["record"]["last_updated"]), e["identifier"]),
                     reverse=True)[:SHOWN]
    counts = [("数据集", len(entries)), ("可直接下载", open_n), ("数源部门", len(depts)), ("逾期未更新", overdue)]
    stats = "".join(f'<li><strong>{n}</strong><span>{esc(k)}</span></li>' for k, n in counts)
    theme_links = "".join(f'<li>{link(f"catalog/?theme={t}", f"{t}（{n}）")}</li>' for t, n in sorted(themes.items()))
    dept_links = "".join(f'<li>{link(f"departments/{cat.dept_slug(d)}/", f"{d}（{n}）")}</li>'
                         for d, n in sorted(depts.items()))
    return ("---\nhide:\n  - toc\n---\n\n# 政务数据开放平台\n\n"
            + block("<p>依法开放的政务数据：免费获取、机器可读，发布前均已去除可识别个人的信息。</p>",
                    search_box(), f'<ul class="odp-counts" aria-label="平台概况">{stats}</ul>')
            + "## 最近更新\n\n" + block(_dataset_list(updated, "updated"))
            + "## 最新发布\n\n" + block(_dataset_list(newest, "issued"))
            + "## 按主题浏览\n\n" + block(f'<ul class="odp-chips">{theme_links}</ul>')
            + "## 按部门浏览\n\n" + block(f'<ul class="odp-chips">{dept_links}</ul>')
            + block(f'<p>{link("catalog/", "查看全部数据集", "md-button md-button--primary")} '
                    f'{link("statistics/", "平台统计", "md-button")} {link("developers/", "开发者接口", "md-button")}</p>'))
