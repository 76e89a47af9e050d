"""Form pages that post JSON to /api/portal/... (site/assets/forms.js shows field errors in Chinese)."""
from __future__ import annotations

from dataclasses import dataclass

from .html import esc


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str = "text"               # text | tel | email | date | number | textarea | select | password | hidden
    required: bool = True
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()   # (value, label) for select; the value of a hidden field
    autocomplete: str = "off"
    send: str = "body"               # body | bearer (sent as Authorization: Bearer) | path ({name} in endpoint)
    #                                  | secret (sent as the X-Request-Secret header, never in the URL)
    group: str = ""                  # shown only when the form's `kind` select has this value
    cast: str = ""                   # "" (string) | int | list (split on 、 , and spaces) in the JSON body


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    endpoint: str
    fields: tuple[Field, ...]
    submit: str
    method: str = "POST"
    intro: str = ""
    cls: str = "odp-form"            # forms.js handles form.odp-form; other pages' scripts use their own class


KEY = Field("api_key", "API 密钥", "password", help="注册验证后获得的密钥，只在本机浏览器中使用，不会保存", send="bearer")
ACCOUNT = Field("account_id", "账户编号", "number", help="提交注册后显示的编号", cast="int")


def hidden(name: str, value: str) -> Field:
    return Field(name, name, "hidden", options=((value, value),))


def choice(name: str, label: str, choices: list[tuple[str, str]], required: bool = True, help: str = "") -> Field:
    return Field(name, label, "select", required, help, options=tuple(choices))


def register_forms() -> list[Form]:
    kinds = [("individual", "个人"), ("organisation", "法人或其他组织")]
    return [Form("register", "实名注册", "/api/portal/register", (
        choice("kind", "注册类型", kinds),
        Field("name", "姓名", autocomplete="name", group="individual"),
        Field("id_number", "居民身份证号码", help="18 位，最后一位可能是 X", group="individual"),
        Field("org_name", "单位名称", autocomplete="organization", group="organisation"),
        Field("credit_code", "统一社会信用代码", help="18 位", group="organisation"),
        Field("contact_name", "联系人姓名", group="organisation"),
        Field("mobile", "手机号码", "tel", help="将收到 6 位数字验证码", autocomplete="tel"),
    ), "提交注册", intro="大规模、持续使用数据服务须实名注册。证件号码加密保存，页面和日志只显示掩码。"),
        Form("verify", "输入验证码", "/api/portal/verify-code", (
            ACCOUNT, Field("code", "短信验证码", help="6 位数字", autocomplete="one-time-code")), "验证并获取密钥",
            intro="验证成功后显示您的第一个 API 密钥，只显示这一次。"),
        Form("resend", "重新发送验证码", "/api/portal/send-code", (ACCOUNT,), "重新发送")]


def key_forms() -> list[Form]:
    return [Form("key-create", "创建新密钥", "/api/portal/keys", (
        KEY, Field("name", "密钥名称", required=False, help="便于您识别用途，例如“数据分析”"),
        Field("expires_in_days", "有效天数", "number", required=False, help="0 表示长期有效；留空使用平台默认值",
              cast="int")), "创建密钥", intro="新密钥只显示一次，请立即妥善保存。"),
        Form("key-list", "查看我的密钥", "/api/portal/keys", (KEY,), "查看", method="GET"),
        Form("key-revoke", "吊销密钥", "/api/portal/keys/{prefix}/revoke", (
            KEY, Field("prefix", "要吊销的密钥前缀", send="path")), "吊销")]


def request_forms(on_request: list[tuple[str, str]], departments: list[str]) -> list[Form]:
    return [Form("request", "申请依申请开放数据", "/api/portal/requests", (
        KEY, hidden("type", "open_request"),
        choice("dataset", "数据集", [("", "目录外数据（请在下方说明）")] + on_request, required=False),
        choice("department", "数源部门", [("", "—")] + [(d, d) for d in departments], required=False,
               help="申请目录外数据时选择"),
        Field("description", "所需数据说明", "textarea", required=False, help="申请目录外数据时填写"),
        Field("purpose", "申请用途", "textarea"), Field("scenario", "应用场景", "textarea"),
        Field("items", "所需数据项", help="字段名，用顿号或逗号分隔", cast="list"),
        Field("use_until", "使用截止日期", "date"),
        Field("email", "电子邮箱", "email", required=False, help="选填：办理进展同时发送到此邮箱")), "提交申请",
        intro="每项申请对应一项需求（一事一申请），须写明用途和应用场景。部门受理后 10 日内答复。")]


def status_forms() -> list[Form]:
    return [Form("status", "查询申请进度", "/api/portal/requests/{tracking}", (
        Field("tracking", "申请编号", help="形如 YS-2026-000001，不区分大小写", send="path"),
        Field("secret", "查询密码", "password", required=False, help="提交申请时显示的查询密码", send="secret"),
        Field("api_key", "API 密钥", "password", required=False, help="没有查询密码时：申请人的 API 密钥",
              send="bearer")), "查询", method="GET",
        intro="须提供查询密码或申请人的 API 密钥，二者填一项即可。")]


def report_forms(datasets: list[tuple[str, str]]) -> list[Form]:
    return [Form("report", "报告数据错误", "/api/portal/requests", (
        KEY, hidden("type", "correction"), choice("dataset", "数据集", datasets),
        Field("description", "错误或异议说明", "textarea", help="请写明哪一行、哪个字段，以及正确内容"),
        Field("items", "涉及字段", required=False, help="选填：字段名，用顿号或逗号分隔", cast="list"),
        Field("email", "电子邮箱", "email", required=False, help="选填：核查结果同时发送到此邮箱")), "提交",
        intro="收到后 5 个工作日内核查并答复。")]


def render_field(form: Form, f: Field) -> str:
    fid = f"{form.id}-{f.name}"
    req = " required" if f.required else ""
    help_id = f"{fid}-help"
    described = f' aria-describedby="{help_id}"' if f.help else ""
    cast = f' data-cast="{f.cast}"' if f.cast else ""
    attrs = f'id="{fid}" name="{f.name}" data-send="{f.send}"{cast}{req}{described}'
    if f.type == "hidden":
        return f'<input type="hidden" name="{f.name}" value="{esc(f.options[0][0])}">'
    if f.type == "textarea":
        control = f"<textarea {attrs} rows=\"3\"></textarea>"
    elif f.type == "select":
        opts = "".join(f'<option value="{esc(v)}">{esc(lbl)}</option>' for v, lbl in f.options)
        control = f"<select {attrs}>{opts}</select>"
    else:
        control = f'<input {attrs} type="{f.type}" autocomplete="{f.autocomplete}">'
    mark = '<span class="odp-required">（必填）</span>' if f.required else '<span class="odp-muted">（选填）</span>'
    helptext = f'<p class="odp-help" id="{help_id}">{esc(f.help)}</p>' if f.help else ""
    group = f' data-group="{f.group}"' if f.group else ""
    return f'<div class="odp-field"{group}><label for="{fid}">{esc(f.label)}{mark}</label>{control}{helptext}</div>'


def render_form(form: Form) -> str:
    fields = "\n".join(render_field(form, f) for f in form.fields)
    intro = f"<p>{esc(form.intro)}</p>\n" if form.intro else ""
    return (f'<section class="odp-form-section" aria-labelledby="{form.id}-h">'
            f'<h2 id="{form.id}-h">{esc(form.title)}</h2>\n{intro}'
            f'<form class="{esc(form.cls)}" id="form-{form.id}" data-endpoint="{esc(form.endpoint)}" '
            f'data-method="{form.method}" novalidate>\n'
            f'<div class="odp-form-errors" role="alert" hidden></div>\n{fields}\n'
            f'<button type="submit" class="md-button md-button--primary">{esc(form.submit)}</button>\n'
            f'</form>\n<div class="odp-result" role="status" aria-live="polite"></div></section>')


def form_page(title: str, intro: str, forms: list[Form]) -> str:
    body = "\n".join(render_form(f) for f in forms)
    return (f"---\ntitle: {title}\nhide:\n  - toc\n---\n\n<h1>{esc(title)}</h1>\n\n"
            f"<p>{esc(intro)}</p>\n\n{body}\n\n<noscript><p>此页面的表单需要启用 JavaScript。"
            "也可以直接调用 <code>/api/portal/</code> 接口（见开发者页面）。</p></noscript>\n\n")


def pages(catalog: dict) -> dict[str, str]:
    """The form pages: registration, keys, request filing, status lookup, error report."""
    entries = sorted(catalog.values(), key=lambda e: e["title"])
    on_request = [(e["identifier"], e["title"]) for e in entries if e["record"]["open_type"] == "依申请开放"]
    every = [(e["identifier"], e["title"]) for e in entries]
    departments = sorted({e["department"] for e in entries})
    return {
        "register/index.md": form_page("实名注册", "注册后可获得更高的接口调用额度。", register_forms()),
        "keys/index.md": form_page("密钥管理", "创建、查看和吊销您的 API 密钥。", key_forms()),
        "requests/index.md": form_page("数据申请", "依申请开放的数据，经部门批准后向申请人开放。", request_forms(on_request, departments)),
        "requests/status/index.md": form_page("申请进度查询", "输入申请编号查看办理状态和办理期限。", status_forms()),
        "report/index.md": form_page("数据纠错", "发现已发布数据有误，请告诉我们。", report_forms(every)),
    }
