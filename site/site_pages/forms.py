"""Form pages that post JSON to /api/portal/... (site/assets/forms.js shows field errors in Chinese)."""
from __future__ import annotations

from dataclasses import dataclass, field

from .html import esc


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    type: str = "text"               # text | tel | email | date | textarea | select | password
    required: bool = True
    help: str = ""
    options: tuple[tuple[str, str], ...] = ()   # (value, label) for select
    autocomplete: str = "off"
    send: str = "body"               # body | bearer (sent as Authorization: Bearer) | path ({name} in endpoint)
    group: str = ""                  # shown only when the form's `kind` select has this value


@dataclass(frozen=True)
class Form:
    id: str
    title: str
    endpoint: str
    fields: tuple[Field, ...]
    submit: str
    method: str = "POST"
    intro: str = ""
    extra: dict = field(default_factory=dict)


KEY = Field("api_key", "API 密钥", "password", help="登录凭据：注册后获得的密钥，只在本机浏览器中使用", send="bearer")


def dataset_field(choices: list[tuple[str, str]], required: bool = True, label: str = "数据集") -> Field:
    return Field("dataset", label, "select", required, options=tuple(choices))


def register_forms() -> list[Form]:
    kinds = (("individual", "个人"), ("organisation", "法人或其他组织"))
    return [Form("register", "实名注册", "/api/portal/register", (
        Field("kind", "注册类型", "select", options=kinds),
        Field("name", "姓名", autocomplete="name", group="individual"),
        Field("id_number", "居民身份证号码", help="18 位，最后一位可能是 X", group="individual"),
        Field("mobile", "手机号码", "tel", help="将收到一次性验证码", autocomplete="tel", group="individual"),
        Field("org_name", "单位名称", autocomplete="organization", group="organisation"),
        Field("credit_code", "统一社会信用代码", help="18 位", group="organisation"),
        Field("contact_name", "联系人姓名", group="organisation"),
        Field("contact_mobile", "联系人手机号码", "tel", group="organisation"),
        Field("email", "电子邮箱", "email", required=False, autocomplete="email"),
    ), "提交注册", intro="大规模、持续使用数据服务须实名注册。您的身份证号码加密保存，页面和日志只显示掩码。"),
        Form("confirm", "验证手机号码", "/api/portal/register/confirm", (
            Field("mobile", "手机号码", "tel", autocomplete="tel"),
            Field("code", "短信验证码", help="6 位数字"),
        ), "验证")]


def key_forms() -> list[Form]:
    return [Form("key-create", "创建新密钥", "/api/portal/keys", (
        KEY, Field("name", "密钥名称", help="便于您识别用途，例如“数据分析”"),
        Field("expires", "到期日期", "date", required=False, help="留空表示长期有效")), "创建密钥",
        intro="新密钥只显示一次，请立即妥善保存。"),
        Form("key-list", "查看我的密钥", "/api/portal/keys", (KEY,), "查看", method="GET"),
        Form("key-revoke", "吊销密钥", "/api/portal/keys/{prefix}/revoke", (
            KEY, Field("prefix", "要吊销的密钥前缀", send="path")), "吊销")]


def request_forms(on_request: list[tuple[str, str]]) -> list[Form]:
    choices = on_request + [("other", "目录外数据（请在下方说明）")]
    return [Form("request", "申请依申请开放数据", "/api/portal/requests", (
        KEY, dataset_field(choices),
        Field("description", "所需数据说明", "textarea", required=False, help="申请目录外数据时填写"),
        Field("purpose", "申请用途", "textarea"), Field("scenario", "应用场景", "textarea"),
        Field("data_items", "所需数据项", help="字段名，用顿号分隔"),
        Field("period_end", "使用截止日期", "date")), "提交申请",
        intro="每项申请对应一项需求，须写明用途和应用场景。部门受理后 10 日内答复。")]


def status_forms() -> list[Form]:
    return [Form("status", "查询申请进度", "/api/portal/requests/{tracking}", (
        Field("tracking", "申请编号", help="提交申请后获得的编号", send="path"),
        Field("api_key", "API 密钥", "password", required=False, send="bearer")), "查询", method="GET")]


def report_forms(datasets: list[tuple[str, str]]) -> list[Form]:
    return [Form("report", "报告数据错误", "/api/portal/corrections", (
        dataset_field(datasets), Field("description", "错误或异议说明", "textarea", help="请写明行、字段和正确内容"),
        Field("contact", "联系方式", required=False, help="选填，便于回复核查结果")), "提交",
        intro="收到后 5 个工作日内核查并答复。")]


def render_field(form: Form, f: Field) -> str:
    fid = f"{form.id}-{f.name}"
    req = " required" if f.required else ""
    help_id = f"{fid}-help"
    described = f' aria-describedby="{help_id}"' if f.help else ""
    attrs = f'id="{fid}" name="{f.name}" data-send="{f.send}"{req}{described}'
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
            f'<form class="odp-form" id="form-{form.id}" data-endpoint="{esc(form.endpoint)}" '
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
    return {
        "register/index.md": form_page("实名注册", "注册后可获得更高的接口调用额度。", register_forms()),
        "keys/index.md": form_page("密钥管理", "创建、查看和吊销您的 API 密钥。", key_forms()),
        "requests/index.md": form_page("数据申请", "依申请开放的数据，经部门批准后向申请人开放。", request_forms(on_request)),
        "requests/status/index.md": form_page("申请进度查询", "输入申请编号查看办理状态和办理期限。", status_forms()),
        "report/index.md": form_page("数据纠错", "发现已发布数据有误，请告诉我们。", report_forms(every)),
    }
