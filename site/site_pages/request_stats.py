"""Request statistics (received, answered, on time, median reply days, outcomes) as tables and SVG charts."""
from __future__ import annotations

from portal.queue import OUTCOME_NAMES, STATE_NAMES

from .charts import bar_chart, describe
from .html import block, esc, table

# The closing outcomes of a request: a decision's outcome, or the state it ended in without one.
OUTCOME_LABELS = {**OUTCOME_NAMES, "rejected": STATE_NAMES["rejected"], "abandoned": STATE_NAMES["abandoned"]}
NONE_YET = "暂无申请"


def _tidy(v):
    """3.0 -> 3 (a median of an even count may be a float); other values unchanged."""
    return int(v) if isinstance(v, float) and v.is_integer() else v


def _num(v, unit: str = "") -> str:
    """A figure as text; a missing one (nothing answered yet) is an em dash."""
    return "—" if v is None else f"{_tidy(v)}{unit}"


def has_requests(s: dict | None) -> bool:
    return bool(s and s.get("received"))


def summary_row(name: str, s: dict) -> list[str]:
    return [esc(name), esc(s["received"]), esc(s["answered"]), esc(_num(s.get("on_time_percent"), "%")),
            esc(_num(s.get("median_days"), " 天"))]


HEADERS = ["收到申请", "已答复", "按时答复率", "答复天数中位数"]


def outcomes(s: dict) -> list[tuple[str, int]]:
    """(label, count) for every outcome that occurred, in the order of OUTCOME_LABELS."""
    got = s.get("outcomes") or {}
    known = [(OUTCOME_LABELS[k], got[k]) for k in OUTCOME_LABELS if got.get(k)]
    return known + [(k, n) for k, n in sorted(got.items()) if k not in OUTCOME_LABELS and n]


def _outcome_chart(chart_id: str, title: str, s: dict) -> str:
    data = outcomes(s)
    if not data:
        return block("<p>尚无办结的申请。</p>")
    return block(bar_chart(chart_id, title, describe(data, "件"), data, "件"))


def _figures(chart_id: str, title: str, data: list[tuple[str, float]], unit: str, top: float | None = None) -> str:
    """A per-department chart; departments without a value (nothing answered yet) are left out."""
    data = [(k, _tidy(v)) for k, v in data if v is not None]
    if not data:
        return ""
    return f"### {title}\n\n" + block(bar_chart(chart_id, title, describe(data, unit), data, unit, top))


def statistics_section(stats: dict | None) -> str:
    """The statistics page's part: overall and per-department figures, outcome and per-department charts."""
    head = "## 数据申请办理情况\n\n"
    overall = (stats or {}).get("overall")
    if not has_requests(overall):
        return head + block(f"<p>{NONE_YET}。</p>")
    depts = {k: v for k, v in (stats.get("departments") or {}).items() if has_requests(v)}
    rows = [summary_row(name, s) for name, s in depts.items()] + [summary_row("合计", overall)]
    headers = ["部门", *HEADERS]
    note = ("<p>按时答复率按法定期限（含依法延长和暂停计时）计算；答复天数为收到申请至作出答复的自然日。"
            f"{esc(_period(stats))}</p>")
    per_dept = lambda key: [(k, v.get(key)) for k, v in depts.items()]
    return (head + block(note, table(headers, rows, "各部门申请办理情况", search=False))
            + _years_table(stats)
            + "### 办理结果\n\n" + _outcome_chart("chart-req-outcomes", "申请办理结果（全部部门）", overall)
            + _figures("chart-req-received", "各部门收到的申请数", per_dept("received"), "件")
            + _figures("chart-req-ontime", "各部门按时答复率", per_dept("on_time_percent"), "%", 100)
            + _figures("chart-req-days", "各部门答复天数中位数", per_dept("median_days"), "天"))


def _years_table(stats: dict) -> str:
    """One row per year of filing, newest first: the figures the yearly evaluation report publishes."""
    years = {y: s for y, s in (stats.get("years") or {}).items() if has_requests(s)}
    if not years:
        return ""
    rows = [summary_row(f"{y} 年", s) for y, s in years.items()]
    return "### 各年度办理情况\n\n" + block(table(["年度", *HEADERS], rows, "各年度申请办理情况", search=False))


def _period(stats: dict) -> str:
    return f"统计范围：{stats['year']} 年收到的申请。" if stats.get("year") else "统计范围：平台运行以来收到的全部申请。"


def department_section(name: str, stats: dict | None) -> str:
    """A department page's part: its own figures and outcome chart."""
    head = "## 申请办理情况\n\n"
    s = ((stats or {}).get("departments") or {}).get(name)
    if not has_requests(s):
        return head + block(f"<p>{NONE_YET}。</p>")
    rows = [[esc(h), v] for h, v in zip(HEADERS, summary_row(name, s)[1:])]
    return (head + block(table(["项目", "数值"], rows, f"{name}的申请办理情况", search=False))
            + _outcome_chart("chart-dept-outcomes", f"{name}申请办理结果", s))
