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
from site_pages import catalog as cat, charts, dataset, fake, forms, listing, render, request_stats, stash, staff  # noqa: E402

TODAY = date(2026, 11, 22)
BASE = "http://portal.example"


@pytest.fixture(scope="module")
def entries():
    return fake.catalog(12, TODAY)


@pytest.fixture(scope="module")
def requests(entries):
    return fake.request_statistics(entries, TODAY)


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
    assert len(svgs) == 4 and "暂无申请" in page     # no reply queue: no request charts, and says so
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


def test_staff_queue_page_offers_each_staff_action(entries):
    page = render.pages(entries, None, TODAY, BASE)["staff/requests/index.md"]
    assert unlabelled(page) == [] and "<script" not in page and " on" + "click=" not in page
    from portal.queue import STAFF, TRANSITIONS
    offered = dict(re.findall(r'data-action="(\w+)" data-states="([\w ]*)"', page))
    assert set(offered) == {a for a, t in TRANSITIONS.items() if t[2] == STAFF}
    for action, states in offered.items():
        assert set(states.split()) == set(TRANSITIONS[action][0])
        assert f'data-endpoint="/api/portal/requests/{{tracking}}/{action}"' in page
        for field in TRANSITIONS[action][3]:                  # every field the API requires has a labelled control
            assert f'id="staff-{action}-{field}"' in page, (action, field)
    for field in ("outcome", "reason", "legal_basis", "columns", "department", "link"):
        assert f'id="staff-decide-{field}"' in page
    assert 'class="odp-form"' not in re.sub(r'<div class="odp-form">', "", page)   # forms.js must not take these forms
    assert 'id="staff-queue"' in page and "紧急程度" in page and 'type="password"' in page


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


def svg_ids(page: str) -> list[str]:
    return re.findall(r'<svg [^>]*id="([^"]+)"', page)


def test_statistics_page_shows_request_statistics(entries, requests):
    page = render.pages(entries, None, TODAY, BASE, requests=requests)["statistics/index.md"]
    ids = svg_ids(page)
    assert len(ids) == len(set(ids)) == 8 and "暂无申请" not in page
    for svg in re.findall(r"<svg[^>]*>.*?</svg>", page, re.S):
        assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    overall = requests["overall"]
    row = re.search(r"<tr><td>合计</td>(.*?)</tr>", page).group(1)
    assert f"<td>{overall['received']}</td><td>{overall['answered']}</td>" in row
    assert f"<td>{request_stats._num(overall['on_time_percent'], '%')}</td>" in row
    for dept, s in requests["departments"].items():
        assert f"<td>{dept}</td><td>{s['received']} 件</td>" in page       # the received chart's data table
        if s["median_days"] is not None:
            assert f"<td>{dept}</td><td>{request_stats._num(s['median_days'])} 天</td>" in page
    for outcome, n in overall["outcomes"].items():                          # the outcome chart, in Chinese
        assert f"<td>{request_stats.OUTCOME_LABELS[outcome]}</td><td>{n} 件</td>" in page
    # The yearly report's view: one row per year of filing, newest first, adding up to the total.
    years = re.findall(r"<tr><td>(\d{4}) 年</td><td>(\d+)</td>", page)
    assert len(years) >= 2 and [y for y, _ in years] == sorted((y for y, _ in years), reverse=True)
    assert sum(int(n) for _, n in years) == overall["received"]


def test_request_charts_skip_missing_figures_and_scale_percentages():
    stats = {"year": 2026, "overall": {"received": 3, "answered": 1, "on_time_percent": 50.0, "median_days": 4.0,
                                       "outcomes": {"granted": 1}},
             "departments": {"甲局": {"received": 1, "answered": 1, "on_time_percent": 50.0, "median_days": 4.0,
                                      "outcomes": {"granted": 1}},
                             "乙局": {"received": 2, "answered": 0, "on_time_percent": None, "median_days": None,
                                      "outcomes": {}}}}
    page = request_stats.statistics_section(stats)
    assert "2026 年收到的申请" in page and "<td>乙局</td><td>2</td><td>0</td><td>—</td><td>—</td>" in page
    ontime = re.search(r'<svg [^>]*id="chart-req-ontime".*?</svg>', page, re.S).group(0)
    assert "乙局" not in ontime                                            # nothing answered: no bar, not 0 %
    width = int(re.search(r'<rect [^>]*width="(\d+)"', ontime).group(1))
    assert width == round((charts.WIDTH - charts.LABEL_W - 60) / 2)          # 50 % is half the full bar
    assert "<td>4 天</td>" in page and "4.0" not in page


def test_no_reply_queue_says_none_yet(entries):
    assert "暂无申请" in request_stats.statistics_section(None)
    assert "暂无申请" in request_stats.statistics_section({"year": None, "overall": {"received": 0}, "departments": {}})
    quiet = sorted({e["department"] for e in entries.values()})[-1]      # fake.request_statistics leaves it out
    pages = render.pages(entries, None, TODAY, BASE, requests=fake.request_statistics(entries, TODAY))
    assert "## 申请办理情况" in pages[f"departments/{cat.dept_slug(quiet)}/index.md"]
    assert "暂无申请" in pages[f"departments/{cat.dept_slug(quiet)}/index.md"]


def test_department_pages_show_their_requests(entries, requests):
    pages = render.pages(entries, None, TODAY, BASE, requests=requests)
    for dept, s in requests["departments"].items():
        page = pages[f"departments/{cat.dept_slug(dept)}/index.md"]
        assert f"<td>收到申请</td><td>{s['received']}</td>" in page
        assert f"<td>已答复</td><td>{s['answered']}</td>" in page
        assert f"<td>答复天数中位数</td><td>{request_stats._num(s['median_days'], ' 天')}</td>" in page
        assert ("chart-dept-outcomes" in page) == bool(s["outcomes"])
        for outcome, n in s["outcomes"].items():
            assert f"<td>{request_stats.OUTCOME_LABELS[outcome]}</td><td>{n} 件</td>" in page
        for other in set(requests["departments"]) - {dept}:                 # only its own figures
            assert f"{other}申请办理结果" not in page


def test_receipt_shows_k_anonymity_profile_and_organisational_assertion(entries):
    e = json.loads(json.dumps(by_open(entries, "无条件开放")))
    cols = e["receipt"]["columns"]
    cols[0].update(profile="clean, 3 safe values, safe shapes", organisational_assertion=[],
                   cells_skipped_by_profile=2)
    cols[1].update(profile="identifier (PERSON)", organisational_assertion=[])
    cols[3].update(profile="free_text", organisational_assertion=["姓名"], kept_as_organisational={"PERSON": 2})
    e["receipt"]["k_anonymity"] = {"k": 5, "quasi_identifiers": ["区县", "数量"], "classes": 17,
                                   "classes_below_k": 4, "rows_generalized": 9, "rows_suppressed": 2,
                                   "status": "k=5"}
    page = dataset.dataset_page(None, e, TODAY, BASE)
    receipt = page[page.index("## 脱敏记录"):]
    assert "### k-匿名" in receipt
    for term, value in (("k 值", 5), ("准标识符", "区县、数量"), ("等价类", 17), ("不足 k 的等价类", 4),
                        ("泛化行数", 9), ("隐去行数", 2)):
        assert f"<dt>{term}</dt><dd>{value}</dd>" in receipt
    assert "已核验的 3 个类别值免检" in receipt and "（免检 2 格）" in receipt
    assert "整列为姓名，逐格检查" in receipt and "自由文本，逐格检查" in receipt
    assert "<td>姓名（按单位信息保留：姓名 2 处）</td>" in receipt and "姓名 3 处" in receipt   # entities in Chinese
    assert "PERSON" not in receipt


def test_receipt_without_new_fields_still_renders(entries):
    page = dataset.dataset_page(None, by_open(entries, "无条件开放"), TODAY, BASE)   # an older receipt
    assert "## 脱敏记录" in page and "k-匿名" not in page and "<th scope=\"col\">列画像</th>" in page


def test_build_reads_request_statistics_without_creating_state(tmp_path):
    from portal.config import Config
    from portal.site_build import request_statistics
    from portal.store import Store
    cfg = Config(state_dir=tmp_path / "state")
    assert request_statistics(cfg) is None and not (tmp_path / "state").exists()
    Store(tmp_path / "state" / "portal.db").conn.close()
    stats = request_statistics(cfg)
    assert stats["overall"]["received"] == 0 and stats["departments"] == {}
    assert "暂无申请" in request_stats.statistics_section(stats)
