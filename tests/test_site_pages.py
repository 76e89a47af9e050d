"""The generated site pages: render functions in-process, and one MkDocs build of a generated release."""
from __future__ import annotations

import json
import re
import sys
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "site"))
from site_pages import catalog as cat, charts, dataset, fake, forms, listing, render, stash  # noqa: E402

TODAY = date(2026, 11, 22)
BASE = "http://portal.example"


@pytest.fixture(scope="module")
def entries():
    return fake.catalog(12, TODAY)


@pytest.fixture(scope="module")
def release(tmp_path_factory, entries):
    return fake.write_release(tmp_path_factory.mktemp("release"), entries, history=True)


def by_open(entries, open_type):
    return next(e for e in entries.values() if e["open_type"] == open_type)


class Labels(HTMLParser):
    """Collects form controls and the `for` targets of labels."""

    def __init__(self):
        super().__init__()
        self.controls, self.labelled = [], set()

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag in ("input", "select", "textarea") and a.get("type") != "hidden":
            self.controls.append(a.get("id"))
        if tag == "label":
            self.labelled.add(a.get("for"))


def unlabelled(html: str) -> list:
    p = Labels()
    p.feed(html)
    assert p.controls, "no form controls found"
    return [c for c in p.controls if c not in p.labelled]


def test_load_catalog_history_and_preview(release, entries):
    loaded = cat.load_catalog(release)
    assert set(loaded) == set(entries)
    e = loaded["dataset-0000"]
    assert e["record"]["title"] == entries["dataset-0000"]["title"] and isinstance(e["downloads"], dict)
    assert cat.load_history(release)["dataset-0001"][0]["field"] == "update_frequency"
    cols, rows = cat.preview(release, by_open(loaded, "无条件开放"))
    assert cols[0] == "区县" and len(rows) == 3
    assert cat.preview(release, by_open(loaded, "依申请开放")) == ([], [])


@pytest.mark.parametrize("frequency,age,expected", [
    ("每日", 1, "current"), ("每日", 3, "overdue"), ("每月", 32, "current"), ("每月", 33, "overdue"),
    ("不定期", 999, "irregular")])
def test_update_status(entries, frequency, age, expected):
    e = json.loads(json.dumps(entries["dataset-0000"]))
    e["record"].update(update_frequency=frequency, last_updated=(TODAY - timedelta(days=age)).isoformat())
    assert cat.status(e, TODAY) == expected
    page = dataset.dataset_page(None, e, TODAY, BASE)
    assert f"odp-badge--{expected}" in page and cat.STATUS_LABELS[expected] in page


def test_dataset_page_open(release, entries):
    e = by_open(entries, "无条件开放")
    page = dataset.dataset_page(release, e, TODAY, BASE, [{"changed_at": "2026-11-01", "field": "标题"}])
    for col in e["record"]["columns"]:
        assert f"<td>{col['name']}</td>" in page
    assert "假名化（一致替换）" in page and "掩码（保留末 4 位）" in page     # rule per column
    assert "## 数据预览" in page and "*******1234" in page
    for name, info in e["downloads"]["files"].items():
        assert f"/downloads/{e['identifier']}/{name}" in page and info["sha256"] in page
    assert f"curl &#x27;{BASE}/data/{e['identifier']}.json" in page and "RemoteCKAN" in page and "requests.get" in page
    assert e["record"]["department"]["name"] in page and "获取日期 2026-11-22" in page    # citation
    assert "## 脱敏记录" in page and "## 变更记录" in page
    assert f"/report/?dataset={e['identifier']}" in page and "/requests/?dataset=" not in page
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', page).group(1))
    assert ld["@type"] == "Dataset" and ld["name"] == e["title"]


def test_dataset_page_on_request_and_closed(entries):
    on_request = dataset.dataset_page(None, by_open(entries, "依申请开放"), TODAY, BASE)
    assert "/requests/?dataset=" in on_request and "## 下载" not in on_request and "## 接口示例" not in on_request
    closed = dataset.dataset_page(None, by_open(entries, "不予开放"), TODAY, BASE)
    assert "不予开放，仅公布目录信息" in closed and "## 引用本数据" not in closed and "## 变更记录" not in closed


def test_catalogue_page_and_index(entries):
    page = listing.catalog_page(entries, TODAY)
    assert page.count('class="odp-card"') == len(entries)
    assert unlabelled(page) == []
    for label in ("数源部门", "主题", "开放属性", "格式", "更新频率", "排序"):
        assert f">{label}</label>" in page
    index = json.loads(listing.index_json(entries, TODAY))
    assert {d["id"] for d in index} == set(entries)
    open_one = next(d for d in index if d["open_type"] == "无条件开放")
    assert open_one["formats"] == ["CSV", "JSON", "XLSX"]
    assert all(d["status"] == cat.status(entries[d["id"]], TODAY) for d in index)


def test_statistics_charts_are_accessible(entries):
    page = render.pages(entries, None, TODAY, BASE)["statistics/index.md"]
    svgs = re.findall(r"<svg[^>]*>.*?</svg>", page, re.S)
    assert len(svgs) == 4
    for svg in svgs:
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    per_dept = {}
    for e in entries.values():
        per_dept[e["department"]] = per_dept.get(e["department"], 0) + 1
    for dept, n in per_dept.items():     # the data table carries every value as text
        assert f"<td>{dept}</td><td>{n} 个</td>" in page


def test_bar_chart_scales_bars():
    svg = charts.bar_chart("c", "标题", "说明", [("甲", 10), ("乙", 5), ("丙", 0)])
    widths = [int(w) for w in re.findall(r'<rect [^>]*width="(\d+)"', svg)]
    assert widths[0] == 2 * widths[1] and widths[2] == 0


def test_form_pages_label_every_field(entries):
    pages = forms.pages(entries)
    assert set(pages) == {"register/index.md", "keys/index.md", "requests/index.md",
                          "requests/status/index.md", "report/index.md"}
    for path, page in pages.items():
        assert unlabelled(page) == [], path
        assert 'data-endpoint="/api/portal/' in page
    on_request = [e["identifier"] for e in entries.values() if e["open_type"] == "依申请开放"]
    assert all(f'value="{i}"' in pages["requests/index.md"] for i in on_request)


def test_every_page_generated(entries):
    out = render.pages(entries, None, TODAY, BASE)
    for ident in entries:
        assert f"datasets/{ident}/index.md" in out
    for dept in {e["department"] for e in entries.values()}:
        assert f"departments/{cat.dept_slug(dept)}/index.md" in out
    from metadata.schema import Department
    assert cat.dept_slug("温州市水利局") == Department("温州市水利局").slug


def test_stash_round_trip(entries):
    page = dataset.dataset_page(None, by_open(entries, "无条件开放"), TODAY, BASE)
    lifted, blocks = stash.lift(page)
    assert blocks and "<table" not in lifted and "## 字段说明" in lifted
    rendered = "\n".join(f"<p>{line}</p>" if line.startswith("ODPRAW") else line for line in lifted.splitlines())
    assert stash.restore(rendered, blocks).count("<table") == page.count("<table")


def test_mkdocs_build_is_local_and_chinese(release, tmp_path):
    """A real MkDocs build: lang zh-CN, and nothing loaded from another host."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    conf = load_config(str(ROOT / "mkdocs.yml"), site_dir=str(tmp_path / "out"))
    conf.extra["portal_release"] = str(release)
    build(conf)
    out = tmp_path / "out"
    pages = list(out.rglob("*.html"))
    assert len(pages) > 12 + 10
    external = re.compile(r'<(?:script|link|img|iframe)\b[^>]*(?:src|href)="(?:https?:)?//', re.I)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert not external.search(text), page
        if page.name == "index.html":
            assert '<html lang="zh-CN"' in text, page
        assert "ODPRAW" not in text and "odp-raw" not in text, page   # every lifted block is back
    dataset_html = (out / "datasets" / "dataset-0000" / "index.html").read_text(encoding="utf-8")
    assert dataset_html.count("<table") >= 3 and 'id="_2"' not in dataset_html
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "<main" in home and 'role="search"' in home
    assert json.loads((out / "catalog" / "index.json").read_text(encoding="utf-8"))
    index = json.loads((out / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert index["config"]["lang"] == ["zh"] and "\u200b" in json.dumps(index["docs"], ensure_ascii=False)
