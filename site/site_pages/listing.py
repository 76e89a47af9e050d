"""The catalogue page (full list in HTML, filtered by site/assets/catalog.js) and its JSON index."""
from __future__ import annotations

import json
from datetime import date

from metadata.schema import OPEN_TYPES, THEMES, UPDATE_FREQUENCIES

from . import catalog as cat
from .html import badge, block, esc, link

SORTS = {"updated": "最近更新", "title": "名称", "rows": "数据量", "published": "最新发布"}


def index_entry(e: dict, today: date) -> dict:
    r = e["record"]
    return {"id": e["identifier"], "title": e["title"], "department": e["department"],
            "themes": list(r.get("themes", [])), "open_type": r["open_type"], "formats": cat.formats(e),
            "frequency": r["update_frequency"], "updated": str(r["last_updated"]),
            "published": e.get("published_at"), "rows": e.get("row_count") or 0,
            "status": cat.status(e, today),
            "text": " ".join([e["title"], r["description"], *r.get("keywords", []), e["department"]])}


def index_json(catalog: dict, today: date) -> str:
    """catalog/index.json: what the catalogue filters run over (no server round trip)."""
    return json.dumps([index_entry(e, today) for e in catalog.values()], ensure_ascii=False)


def _select(name: str, label: str, values: list[str]) -> str:
    opts = '<option value="">全部</option>' + "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in values)
    return (f'<div class="odp-field"><label for="f-{name}">{esc(label)}</label>'
            f'<select id="f-{name}" name="{name}">{opts}</select></div>')


def filters(catalog: dict) -> str:
    entries = catalog.values()
    present = lambda vocab, got: [v for v in vocab if v in got] + sorted(got - set(vocab))  # noqa: E731
    themes = {t for e in entries for t in e["record"].get("themes", [])}
    fmts = sorted({f for e in entries for f in cat.formats(e)})
    sort_opts = "".join(f'<option value="{k}">{v}</option>' for k, v in SORTS.items())
    return ('<form id="odp-filters" class="odp-filters" role="search" aria-label="筛选数据集" hidden>'
            '<div class="odp-field"><label for="f-q">关键词</label><input id="f-q" name="q" type="search"></div>'
            + _select("department", "数源部门", sorted({e["department"] for e in entries}))
            + _select("theme", "主题", present(list(THEMES), themes))
            + _select("open_type", "开放属性", present(list(OPEN_TYPES), {e["record"]["open_type"] for e in entries}))
            + _select("format", "格式", fmts)
            + _select("frequency", "更新频率", present(list(UPDATE_FREQUENCIES),
                                                      {e["record"]["update_frequency"] for e in entries}))
            + f'<div class="odp-field"><label for="f-sort">排序</label><select id="f-sort" name="sort">{sort_opts}'
              '</select></div><div class="odp-field odp-field--button"><button type="reset" class="md-button">'
              '清除筛选</button></div></form>')


def card(e: dict, today: date) -> str:
    r = e["record"]
    st = cat.status(e, today)
    meta = (f'{esc(e["department"])} · {esc("、".join(r.get("themes", [])))} · {esc(r["update_frequency"])}更新 · '
            f'更新于 {esc(r["last_updated"])} · {esc("/".join(cat.formats(e)) or "仅目录")}')
    return (f'<li class="odp-card" data-id="{esc(e["identifier"])}"><h2 class="odp-card__title">'
            f'{link("../datasets/" + e["identifier"] + "/", e["title"])}</h2>'
            f'<p>{badge(r["open_type"], cat.OPEN_KINDS.get(r["open_type"], "open"))} '
            f'{badge(cat.STATUS_LABELS[st], st)}</p><p>{esc(r["description"])}</p>'
            f'<p class="odp-muted">{meta}</p></li>')


def catalog_page(catalog: dict, today: date) -> str:
    entries = sorted(catalog.values(), key=lambda e: (str(e["record"]["last_updated"]), e["identifier"]),
                     reverse=True)
    cards = "\n".join(card(e, today) for e in entries)
    # The cards repeat every dataset page: keep them out of the search index (one hit per dataset).
    return ("---\nhide:\n  - toc\nsearch:\n  exclude: true\n---\n\n# 数据目录\n\n"
            + block(filters(catalog),
                    f'<p id="odp-count" class="odp-count" role="status" aria-live="polite">共 {len(entries)} 个数据集</p>',
                    f'<ul id="odp-list" class="odp-cards" data-index="index.json">\n{cards}\n</ul>'))
