"""The dataset page: record, field dictionary, preview, downloads, API, citation, receipt, history."""
from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from metadata.schema import PERSONAL_KINDS
from portal.provenance import citation

from . import catalog as cat
from .html import badge, block, cell, dl, esc, link, md_text, table

RULE_NAMES = {"keep": "保留", "drop": "删除，不发布", "mask": "掩码", "pseudonymize": "假名化（一致替换）",
              "generalize": "泛化"}
PARAM_NAMES = {"keep_last": "保留末 {} 位", "keep_first": "保留前 {} 位", "level": "泛化到{}", "kind": "类别：{}"}


def op_text(op: str) -> str:
    """A receipt's operation ("pseudonymize", "keep+scan") in Chinese."""
    base, _, scan = (op or "keep").partition("+")
    return RULE_NAMES.get(base, base) + ("，并逐格检查" if scan else "")


def rule_text(col: dict) -> str:
    """The desensitization rule of one column in plain Chinese."""
    rule = col.get("rule") or {"op": "keep"}
    if not col.get("personal") and rule.get("op", "keep") == "keep":
        return "无个人信息，原样发布"
    text = RULE_NAMES.get(rule.get("op"), rule.get("op"))
    params = [PARAM_NAMES.get(k, k + "={}").format(v) for k, v in (rule.get("params") or {}).items()]
    return text + (f"（{'，'.join(params)}）" if params else "")


def header(e: dict, today: date) -> str:
    """Badges (open type, update status, themes), description and the action buttons."""
    r = e["record"]
    st = cat.status(e, today)
    badges = [badge("已撤回", "closed")] if e.get("withdrawn") else []
    badges += [badge(r["open_type"], cat.OPEN_KINDS.get(r["open_type"], "open")),
              badge(cat.STATUS_LABELS[st], st)] + [badge(t, "theme") for t in r.get("themes", [])]
    actions = []
    if e.get("database") == "data":
        actions.append(link(f"/data/{e['identifier']}", "在数据接口中浏览全部数据", "md-button md-button--primary"))
    if r["open_type"] == "依申请开放":
        actions.append(link(f"/requests/?dataset={e['identifier']}", "申请使用此数据", "md-button md-button--primary"))
    actions.append(link(f"/report/?dataset={e['identifier']}", "报告数据错误", "md-button"))
    return block(f'<p class="odp-badges">{" ".join(badges)}</p>', f"<p>{esc(r['description'])}</p>",
                 f'<p class="odp-actions">{" ".join(actions)}</p>')


def record_section(e: dict) -> str:
    r = e["record"]
    dept = r["department"]
    temporal = "—"
    if r.get("temporal_start") or r.get("temporal_end"):
        temporal = f"{esc(r.get('temporal_start') or '')} 至 {esc(r.get('temporal_end') or '')}"
    contact = r.get("contact") or {}
    pairs = [
        ("数据集标识", f"<code>{esc(e['identifier'])}</code>"), ("英文名称", cell(r.get("title_en"))),
        ("数源部门", link(f"/departments/{cat.dept_slug(dept['name'])}/", dept["name"])),
        ("主题", cell("、".join(r.get("themes", [])))), ("关键词", cell("、".join(r.get("keywords", [])))),
        ("源数据格式", cell(r.get("format"))), ("共享类型", cell(r.get("share_type"))),
        ("共享方式", cell("、".join(r.get("share_method", [])))), ("开放属性", cell(r.get("open_type"))),
        ("法律依据", cell(r.get("legal_basis"))), ("更新频率", cell(r.get("update_frequency"))),
        ("最近更新", cell(r.get("last_updated"))), ("首次发布", cell(r.get("issued"))),
        ("安全级别", cell(r.get("security_level"))), ("使用要求", cell(r.get("usage_requirements"))),
        ("许可", cell(r.get("licence"))), ("空间范围", cell(r.get("spatial"))), ("时间范围", temporal),
        ("联系方式", cell(" ".join(str(v) for v in (contact.get("name"), contact.get("phone"),
                                                  contact.get("email")) if v))),
        ("发布行数", cell(e.get("row_count"))), ("发布时间", cell(cat.short_time(e.get("published_at")))),
        ("内容校验值", f"<code>{esc(e.get('content_hash'))}</code>"),
    ]
    return "## 目录信息\n\n" + block(dl(pairs))


def fields_section(e: dict) -> str:
    rows = [[esc(c["name"]), esc(c["type"]), cell(c.get("unit")), esc(c["description"]),
             cell(c.get("personal")), esc(rule_text(c))] for c in e["record"]["columns"]]
    return "## 字段说明\n\n" + block(table(["字段", "类型", "单位", "说明", "个人信息", "脱敏规则"], rows, "字段说明"))


def preview_section(release: Path | None, e: dict) -> str:
    if e.get("withdrawn"):
        return "## 数据预览\n\n" + block(
            f"<p>此数据集已撤回，数据暂停提供。撤回原因：{esc(e.get('withdrawn_reason') or '—')}</p>")
    if e.get("database") == "restricted":
        return "## 数据预览\n\n" + block("<p>此数据为依申请开放，经申请批准后可通过数据接口使用。</p>")
    if e.get("database") != "data" or release is None:
        return "## 数据预览\n\n" + block("<p>此数据集不予开放，仅公布目录信息。</p>")
    cols, rows = cat.preview(release, e)
    body = [[cell(v) for v in row] for row in rows]
    return "## 数据预览\n\n" + block(table(cols, body, f"前 {len(rows)} 行数据（已脱敏）",
                                                   "odp-table odp-table--wide", search=False))


def downloads_section(e: dict) -> str:
    files = cat.downloads(e)
    if not files:
        return ""
    rows = [[link(d["url"], d["label"]), esc(d["format"]), esc(cat.human_size(d["bytes"])),
             f'<code class="odp-hash">{esc(d["sha256"])}</code>'] for d in files]
    return "## 下载\n\n" + block(table(["文件", "格式", "大小", "SHA-256 校验值"], rows, "下载文件", search=False))


def code(lang: str, text: str) -> str:
    return f'<pre><code class="language-{lang}">{esc(text)}</code></pre>'


def api_section(e: dict, base_url: str) -> str:
    if e.get("database") != "data":
        return ""
    ident = e["identifier"]
    curl = f"curl '{base_url}/data/{ident}.json?_size=5&_shape=objects'"
    requests = (f'import requests\n\nresp = requests.get("{base_url}/data/{ident}.json",\n'
                f'                    params={{"_size": 100, "_shape": "objects"}})\nrows = resp.json()["rows"]')
    ckan = (f'from ckanapi import RemoteCKAN\n\nportal = RemoteCKAN("{base_url}")\n'
            f'package = portal.action.package_show(id="{ident}")\n'
            f'result = portal.action.datastore_search(resource_id="{ident}", limit=5)')
    return "## 接口示例\n\n" + block(
        "<div data-search-exclude>", "<p>使用 curl：</p>", code("bash", curl), "<p>使用 Python（requests）：</p>",
        code("python", requests), "<p>使用 ckanapi：</p>", code("python", ckan), "</div>")


def citation_section(e: dict, today: date) -> str:
    if not e.get("content_hash"):  # a catalogue-only entry: no published data to cite
        return ""
    text = citation(e, retrieved=today.isoformat())
    return "## 引用本数据\n\n" + block(
        "<p>使用本数据形成的数据产品须注明数据来源和获取日期：</p>",
        f'<blockquote class="odp-citation" data-search-exclude><p data-retrieved="{today.isoformat()}">{esc(text)}</p></blockquote>')


ENTITY_NAMES = {v: k for k, v in PERSONAL_KINDS.items()} | {"CN_FLOAT_ID": "身份证号"}
PROFILE_KINDS = {"free_text": "自由文本，逐格检查", "rule": "按申报规则处理", "clean": "抽样未见个人信息，逐格检查"}


def counts_text(counts: dict | None) -> str:
    """{"PERSON": 3} -> "姓名 3 处" (detector entities in Chinese)."""
    return "，".join(f"{ENTITY_NAMES.get(k, k)} {v} 处" for k, v in (counts or {}).items())


def profile_text(c: dict) -> str:
    """A receipt column's profile (anonymize.scan.Profile.describe) in Chinese, with the cells it let skip."""
    p = c.get("profile") or ""
    kind, _, rest = p.partition(",")
    if kind.startswith("identifier"):
        entity = kind[kind.find("(") + 1:kind.rfind(")")] if "(" in kind else ""
        text = f"整列为{ENTITY_NAMES.get(entity, entity or '个人信息')}，逐格检查"
    elif kind in PROFILE_KINDS:
        text = PROFILE_KINDS[kind]
        if "safe values" in rest:
            text += f"；已核验的 {rest.split('safe values')[0].strip()} 个类别值免检"
        if "safe shapes" in rest:
            text += "；日期、数字和已核验的代码格式免检"
    else:
        return cell(p)
    skipped = c.get("cells_skipped_by_profile")
    return esc(text + (f"（免检 {skipped} 格）" if skipped else ""))


def organisational_text(c: dict) -> str:
    """The organisational assertion: kinds the department declared are an organisation's, and what was kept."""
    kinds = c.get("organisational_assertion") or []
    if not kinds:
        return "—"
    kept = counts_text(c.get("kept_as_organisational")) or "无"
    return esc(f"{'、'.join(kinds)}（按单位信息保留：{kept}）")


def kanon_text(k: dict | None) -> str:
    if not k:
        return ""
    pairs = [("k 值", cell(k.get("k"))), ("准标识符", cell("、".join(k.get("quasi_identifiers") or []))),
             ("等价类", cell(k.get("classes"))), ("不足 k 的等价类", cell(k.get("classes_below_k"))),
             ("泛化行数", cell(k.get("rows_generalized"))), ("隐去行数", cell(k.get("rows_suppressed")))]
    return "### k-匿名\n\n" + block("<p>准标识符取值相同的记录至少有 k 条；不足的泛化或隐去。</p>", dl(pairs))


def receipt_section(e: dict) -> str:
    rec = e.get("receipt")
    if not rec:
        return ""
    rows = [[esc(c.get("name")), cell(c.get("declared_personal")), esc(op_text(c.get("rule"))), profile_text(c),
             cell(counts_text(c.get("found"))), esc(c.get("cells_changed", 0)), organisational_text(c)]
            for c in rec.get("columns", [])]
    return "## 脱敏记录\n\n" + block(
        f"<p>发布前检查了 {esc(rec.get('rows'))} 行数据。复查结果：{esc(rec.get('residual_scan'))}</p>",
        table(["字段", "申报的个人信息", "处理", "列画像", "发现", "改动单元格", "机构信息声明"], rows, "脱敏记录",
              search=False)) + kanon_text(rec.get("k_anonymity"))


def status_section(e: dict, today: date) -> str:
    st, due = cat.status(e, today), cat.due_date(e)
    r = e["record"]
    text = {"overdue": f"应于 {due} 前更新，已逾期 {(today - due).days if due else 0} 天。",
            "current": f"下次更新期限：{due}。", "irregular": "此数据集不定期更新，无固定期限。"}[st]
    return "## 更新状态\n\n" + block(
        f"<p>{badge(cat.STATUS_LABELS[st], st)} 更新频率：{esc(r['update_frequency'])}；"
        f"最近更新：{esc(r['last_updated'])}。{esc(text)}</p>")


HISTORY_LABELS = {"changed_at": "变更时间", "changed_on": "变更日期", "published_at": "发布时间", "field": "目录项",
                  "path": "目录项", "old": "原内容", "old_value": "原内容", "new": "新内容", "new_value": "新内容",
                  "change": "变更", "kind": "类型", "release": "发布版本"}


def history_section(changes: list[dict]) -> str:
    """_catalog_history rows (whatever columns that table has), newest first, at most 50."""
    if not changes:
        return ""
    cols = [k for k in changes[0] if k not in ("id", "record", "columns", "receipt")]
    cols.sort(key=lambda k: k not in ("changed_at", "changed_on", "published_at"))  # the date first
    rows = [[cell(c.get(k)) for k in cols] for c in changes[:50]]
    return "## 变更记录\n\n" + block(table([HISTORY_LABELS.get(k, k) for k in cols], rows, "目录变更记录",
                                                search=False))


def schema_org(e: dict, base_url: str) -> dict:
    """schema.org Dataset: metadata.export's when it exists, else a minimal one."""
    try:
        from metadata.export import to_schema_org
        return to_schema_org(e, base_url)
    except ImportError:
        r = e["record"]
        return {"@context": "https://schema.org", "@type": "Dataset", "name": e["title"],
                "description": r["description"], "identifier": e["identifier"],
                "url": f"{base_url}/datasets/{e['identifier']}/", "keywords": list(r.get("keywords", [])),
                "license": r.get("licence"), "dateModified": str(r.get("last_updated")),
                "creator": {"@type": "GovernmentOrganization", "name": r["department"]["name"]},
                "isAccessibleForFree": True}


# Inside <script> only "</script", "<!--" and "<script" end or bend the element: no <, > or & may stay
# literal (JSON reads the \\u escapes back as the same characters).
SCRIPT_SAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_json(value) -> str:
    """JSON to put inside a <script type="application/ld+json"> element."""
    return json.dumps(value, ensure_ascii=False, default=str).translate(SCRIPT_SAFE)


def jsonld(e: dict, base_url: str) -> str:
    return block(f'<script type="application/ld+json">{script_json(schema_org(e, base_url))}</script>')


def front_matter(e: dict) -> str:
    """The page's meta description (the theme escapes it; JSON is a YAML string that survives any text)."""
    text = " ".join(str(e["record"].get("description") or "").split())[:160]
    return f"---\ndescription: {json.dumps(text, ensure_ascii=False)}\n---\n\n" if text else ""


def dataset_page(release: Path | None, e: dict, today: date, base_url: str, history: list[dict] = ()) -> str:
    return "".join([front_matter(e), f"# {md_text(e['title'])}\n\n", header(e, today), record_section(e),
                    status_section(e, today), fields_section(e), preview_section(release, e), downloads_section(e),
                    api_section(e, base_url), citation_section(e, today), receipt_section(e),
                    history_section(list(history)), jsonld(e, base_url)])
