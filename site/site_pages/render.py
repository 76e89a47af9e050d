"""Every generated page of the site, keyed by its path under docs_dir, from the published catalogue."""
from __future__ import annotations

from datetime import date
from pathlib import Path

from . import departments, forms, listing, staff, stats
from .catalog import dept_slug, load_catalog, load_history  # noqa: F401  (the hooks' entry points)
from .dataset import dataset_page
from .home import home

DEFAULT_BASE_URL = "http://127.0.0.1:8001"


def pages(catalog: dict, release: Path | None, today: date | None = None, base_url: str = DEFAULT_BASE_URL,
          history: dict | None = None, requests: dict | None = None) -> dict[str, str]:
    """Path (relative to docs_dir) -> content: Markdown pages plus the catalogue's JSON index.

    requests: the reply queue's statistics (counts only), or None when there is no queue."""
    today = today or date.today()
    base_url = base_url.rstrip("/")
    history = history or {}
    groups = departments.by_department(catalog)
    out = {"index.md": home(catalog, today), "catalog/index.md": listing.catalog_page(catalog, today),
           "catalog/index.json": listing.index_json(catalog, today),
           "statistics/index.md": stats.statistics_page(catalog, today, requests),
           "departments/index.md": departments.departments_index(groups, today)}
    for name, entries in groups.items():
        out[f"departments/{dept_slug(name)}/index.md"] = departments.department_page(name, entries, today, requests)
    for ident, e in catalog.items():
        out[f"datasets/{ident}/index.md"] = dataset_page(release, e, today, base_url, history.get(ident, []))
    out.update(forms.pages(catalog))
    out.update(staff.pages())
    return out


def quotas_table(q: dict | None) -> str:
    """The API limits of each tier, from the portal configuration (Markdown table)."""
    if not q:
        return "（额度以接口响应头 `X-RateLimit-*` 为准。）"
    n = lambda v: f"{v:,}"
    return "\n".join([
        "| 用户类别 | 适用对象 | 每分钟请求数 | 每日返回行数 | 任意 SQL |", "|---|---|---|---|---|",
        f"| 匿名 | 按客户端 IP 计 | {n(q['anonymous_per_minute'])} | {n(q['anonymous_rows_per_day'])} | 不可用 |",
        f"| 注册个人 | 实名注册的个人 | {n(q['individual_per_minute'])} | {n(q['individual_rows_per_day'])} | 可用 |",
        f"| 注册组织 | 实名注册的法人或其他组织 | {n(q['organisation_per_minute'])} | {n(q['organisation_rows_per_day'])} | 可用 |",
        "| 数据授权 | 依申请开放数据获批的申请人 | 同所属类别 | 同所属类别 | 不可用（仅限获批数据集和字段，至授权截止日期） |",
        "", f"注册与验证码发送另有限制：每个 IP 每小时注册 {q['register_per_hour']} 次、发送验证码 {q['codes_per_hour']} 次。",
    ])
