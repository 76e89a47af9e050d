"""The department staff's reply-queue page (/staff/requests/); site/assets/staff.js fills it from the API."""
from __future__ import annotations

from portal.queue import OUTCOME_NAMES, STATE_NAMES, TRANSITIONS

from .forms import Field, Form, choice, render_form
from .html import block

ENDPOINT = "/api/portal/requests/{tracking}/"
URGENCY_CHOICES = [("", "全部"), ("due_soon", "即将到期"), ("overdue", "已逾期"), ("seriously_overdue", "严重逾期"),
                   ("on_track", "正常")]


def key_form() -> Form:
    return Form("staff-key", "载入本部门待办", "/api/portal/requests", (
        Field("api_key", "工作人员 API 密钥", "password", required=False,
              help="登录后密钥保存在仅服务器可读的 Cookie 中（页面脚本无法读取），退出登录或关闭浏览器即失效"),
        choice("state", "办理状态", [("", "全部")] + list(STATE_NAMES.items()), required=False),
        choice("urgency", "紧急程度", URGENCY_CHOICES, required=False)), "载入待办", method="GET",
        cls="odp-staff-form", intro="只显示您所在部门的申请。")


def _text(name: str, label: str, help: str = "", required: bool = True, type: str = "textarea", cast: str = "") -> Field:
    return Field(name, label, type, required, help, cast=cast)


def action_forms() -> list[tuple[str, Form]]:
    """(action, form) for every staff action the API offers; the form's fields are the action's cause."""
    outcomes = [(k, v) for k, v in OUTCOME_NAMES.items()]
    specs = [
        ("accept", "受理", (), "受理后开始计算答复期限。"),
        ("reject", "不予受理", (_text("reason", "不予受理的理由"),), "申请不符合要求时使用，须说明理由。"),
        ("supplement", "通知补正", (_text("missing", "须补正的内容", "一次性告知申请人全部须补正的内容"),),
         "补正只能告知一次；收到补正材料后重新计算期限。"),
        ("start", "开始办理", (), ""),
        ("pause", "征求第三方意见（暂停计时）", (_text("reason", "暂停的原因"),), ""),
        ("resume", "恢复计时", (), ""),
        ("extend", "延期", (_text("days", "延长天数", "只能延期一次，天数不超过该类申请的上限", type="number", cast="int"),
                          _text("approved_by", "批准延期的负责人", type="text"), _text("reason", "延期理由")),
         "延期须经负责人批准并记录。"),
        ("decide", "作出答复", (
            choice("outcome", "答复结果", outcomes),
            _text("reason", "理由", "部分同意、不予开放、信息不存在时必填", required=False),
            _text("legal_basis", "法律依据", "不予开放或部分同意时必填", required=False),
            _text("columns", "授权字段", "部分同意时必填：字段名，用顿号或逗号分隔", required=False, type="text", cast="list"),
            _text("ends_on", "授权截止日期", "选填：默认为申请的使用截止日期", required=False, type="date"),
            _text("department", "应向哪个部门申请", "非本部门数据时必填", required=False, type="text"),
            _text("link", "已开放数据的地址", "已主动开放时必填", required=False, type="text")),
         "不予开放须同时说明理由和法律依据。"),
        ("fulfil", "已提供数据", (), ""),
        ("close", "办结", (), ""),
    ]
    return [(action, Form(f"staff-{action}", title, ENDPOINT + action, fields, title, intro=intro, cls="odp-staff-form"))
            for action, title, fields, intro in specs]


def _action(action: str, form: Form) -> str:
    states = " ".join(sorted(s for s in TRANSITIONS[action][0] if s))
    return f'<div class="odp-staff-action" data-action="{action}" data-states="{states}" hidden>{render_form(form)}</div>'


QUEUE = ('<div class="odp-scroll" tabindex="0" role="region" aria-label="本部门待办申请" data-search-exclude>'
         '<table class="odp-table" id="staff-queue"><caption>本部门待办申请</caption><thead><tr>'
         + "".join(f'<th scope="col">{h}</th>' for h in ("申请编号", "类型", "数据集", "状态", "办理期限", "紧急程度", "操作"))
         + "</tr></thead><tbody></tbody></table></div>")

EVENTS = ('<div class="odp-scroll" tabindex="0" role="region" aria-label="办理记录" data-search-exclude>'
          '<table class="odp-table" id="staff-events"><caption>办理记录</caption><thead><tr>'
          + "".join(f'<th scope="col">{h}</th>' for h in ("序号", "日期", "操作", "状态变化", "办理人", "说明", "期限"))
          + "</tr></thead><tbody></tbody></table></div>")


def staff_page() -> str:
    actions = "\n".join(_action(a, f) for a, f in action_forms())
    body = block(
        '<div id="odp-staff">', f'<div class="odp-form">{render_form(key_form())}</div>',
        '<p><button type="button" class="md-button" id="staff-forget">退出登录</button></p>',
        '<section aria-labelledby="staff-queue-h"><h2 id="staff-queue-h">待办列表</h2>',
        '<p id="staff-queue-status" role="status" aria-live="polite">请先输入密钥并载入待办。</p>', QUEUE, "</section>",
        '<section id="staff-detail" aria-labelledby="staff-detail-h" hidden>',
        '<h2 id="staff-detail-h" tabindex="-1">申请详情</h2>',
        '<p id="staff-action-status" class="odp-success" role="status" aria-live="polite"></p>',
        '<dl class="odp-record" id="staff-summary"></dl>',
        "<h3>办理期限的计算</h3>", '<ul id="staff-how"></ul>',
        '<details><summary>逐日说明</summary><ul id="staff-days"></ul></details>', "<h3>办理记录</h3>", EVENTS,
        '<h3>可执行的操作</h3>', '<p id="staff-no-action" hidden>当前状态下没有可执行的操作。</p>',
        f'<div class="odp-form">{actions}</div>', "</section>", "</div>")
    return ("---\ntitle: 部门办理\nhide:\n  - toc\n---\n\n<h1>部门办理：申请答复队列</h1>\n\n"
            "<p>供数源部门工作人员办理依申请开放、数据纠错和共享申请。办理期限按法定工作日和节假日自动计算。</p>\n\n"
            f"{body}<noscript><p>此页面需要启用 JavaScript。也可以使用命令 <code>portal requests</code> "
            "或直接调用 <code>/api/portal/requests</code> 接口。</p></noscript>\n\n")


def pages() -> dict[str, str]:
    """The staff queue page (it needs no catalogue: the queue comes from the API at run time)."""
    return {"staff/requests/index.md": staff_page()}
