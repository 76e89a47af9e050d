"""The department workflow's HTTP routes under /api/portal/workflow/, and their OpenAPI part."""
from __future__ import annotations

import asyncio
import base64
import binascii
import json

from .access import Refused, Services, client_ip, identify, services
from .portal_api import _json, guarded, status_error
from .quota import REGISTER_PAGE
from .workflow import STATUS_NAMES, Channel, Workflow, WorkflowError

BASE = "/api/portal/workflow"


def _context(datasette) -> tuple[Workflow, Services]:
    from .plugin import state_for
    st = state_for(datasette)
    svc = services(st.cfg)
    return Workflow(st.cfg, svc.store, svc.audit_key), svc


def _actor(request, svc: Services):
    return request.scope.get("portal.actor") or identify(svc, request.scope.get("headers", []))


def _staff(request, wf: Workflow, svc: Services):
    """(staff member, channel for the audit log); 401 without a key, 403 for a non-staff account."""
    actor = _actor(request, svc)
    if not actor.registered:
        raise Refused(401, "请在请求头携带工作人员的API密钥 (Authorization: Bearer <key>)", {"register": REGISTER_PAGE})
    return wf.staff(actor.account_id), Channel("POST", client_ip(request.scope), actor.key_prefix)


async def _body(request, limit: int) -> dict:
    """A JSON object body ({} when empty): uploads may be larger than the portal's form limit."""
    raw = await request.post_body()
    if not raw.strip():
        return {}
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise Refused(415, "请求体须为 JSON (Content-Type: application/json)")
    if len(raw) > limit:
        raise Refused(413, "请求体过大 (body too large)")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "请求体不是有效的 JSON (invalid JSON)") from None
    if not isinstance(data, dict):
        raise Refused(400, "请求体须为 JSON 对象 (body must be a JSON object)")
    return data


def _files(data: dict) -> dict[str, bytes]:
    """{"files": {name: base64}} -> {name: bytes}."""
    files = data.get("files")
    if not isinstance(files, dict) or not files:
        raise WorkflowError("须提供 files：{文件名: base64内容} (files: {name: base64})", 400, {"files": "required"})
    out = {}
    for name, value in files.items():
        try:
            out[name] = base64.b64decode(value, validate=True) if isinstance(value, str) else None
        except (binascii.Error, ValueError):
            out[name] = None
        if out[name] is None:
            raise WorkflowError("文件内容须为 base64 (file content: base64)", 400, {"files": "base64"})
    return out


def route(methods: tuple[str, ...]):
    """The shared JSON frame; the view runs in a thread (the pipeline and publishing block)."""
    def wrap(fn):
        async def call(request, datasette):
            wf, svc = _context(datasette)
            data = await _body(request, svc.cfg.operations.max_body_bytes) if request.method == "POST" else {}
            return await asyncio.to_thread(fn, request, wf, svc, data)
        return guarded(methods, call, status_error(WorkflowError))
    return wrap


@route(("GET", "POST"))
def submissions(request, wf: Workflow, svc: Services, data: dict):
    """GET: submissions (a publisher's department only). POST: submit dataset.yaml + source file."""
    who, _ = _staff(request, wf, svc)
    if request.method == "POST":
        view = wf.submit(who, _files(data))
        return _json({"ok": True, "submission": view, "url": f"{BASE}/submissions/{view['id']}"}, 201)
    return _json({"ok": True, "submissions": wf.list(who, request.args.get("status"))})


@route(("GET",))
def submission(request, wf: Workflow, svc: Services, data: dict):
    """One submission: report, preview, diff against the published version, events."""
    who, _ = _staff(request, wf, svc)
    return _json({"ok": True, "submission": wf.view(who, int(request.url_vars["sid"]))})


@route(("POST",))
def decide(request, wf: Workflow, svc: Services, data: dict):
    """approve (then publish), reject, or publish again an approved submission."""
    who, via = _staff(request, wf, svc)
    sid, action = int(request.url_vars["sid"]), request.url_vars["action"]
    if action == "approve":
        view = wf.approve(who, sid, data.get("reason"), via=via)
    elif action == "reject":
        view = wf.reject(who, sid, data.get("reason"), via=via)
    else:
        view = wf.publish(who, sid, via=via)
    return _json({"ok": True, "submission": view})


@route(("POST",))
def withdraw(request, wf: Workflow, svc: Services, data: dict):
    """Withdraw a published dataset with a reason: its data leaves every public surface."""
    who, via = _staff(request, wf, svc)
    return _json({"ok": True, **wf.withdraw(who, request.url_vars["dataset"], data.get("reason"), via=via)})


@route(("GET",))
def dataset_history(request, wf: Workflow, svc: Services, data: dict):
    """Every workflow event of a dataset: what was published for everyone; unpublished submissions and
    check details for reviewers, operators and the submitting department's publishers."""
    actor = _actor(request, svc)
    try:
        who = wf.staff(actor.account_id) if actor.registered and actor.kind == "staff" else None
    except WorkflowError:  # a suspended staff account sees what everyone sees
        who = None
    return _json({"ok": True, **wf.history(request.url_vars["dataset"], who)})


SID_RE, SLUG_RE = r"(?P<sid>[0-9]{1,12})", r"(?P<dataset>[a-z0-9][a-z0-9-]{1,62})"
ROUTES = [
    (rf"^{BASE}/submissions$", submissions),
    (rf"^{BASE}/submissions/{SID_RE}$", submission),
    (rf"^{BASE}/submissions/{SID_RE}/(?P<action>approve|reject|publish)$", decide),
    (rf"^{BASE}/datasets/{SLUG_RE}/withdraw$", withdraw),
    (rf"^{BASE}/datasets/{SLUG_RE}/history$", dataset_history),
]


# ---- OpenAPI: merged into portal_api.document() ----

def _schemas() -> dict:
    s, loose = {"type": "string"}, {"type": "object", "additionalProperties": True}
    ok = {"type": "boolean"}
    view = {"type": "object", "additionalProperties": True,
            "required": ["id", "status", "department", "content_hash", "submitter"],
            "properties": {"id": {"type": "integer"}, "dataset": {"type": "string", "nullable": True},
                           "department": s, "status": {"type": "string", "enum": list(STATUS_NAMES)},
                           "status_name": s, "content_hash": s, "submitter": loose, "files": loose,
                           "reads": {"type": "array", "description": "发布时读取的全部文件（名称、字节数、sha256），"
                                     "批准的内容哈希覆盖它们", "items": {
                                         "type": "object", "additionalProperties": True, "properties": {
                                             "name": s, "role": {"type": "string", "enum": ["record", "source"]},
                                             "size": {"type": "integer"}, "sha256": s}}},
                           "approval": {"type": "object", "nullable": True, "additionalProperties": True}}}
    ref = {"$ref": "#/components/schemas/SubmissionView"}
    history = {"type": "object", "additionalProperties": True, "required": ["ok", "dataset", "withdrawn", "events"],
               "properties": {"ok": ok, "dataset": s, "withdrawn": {"type": "boolean"},
                              "withdrawn_reason": {"type": "string", "nullable": True},
                              "events": {"type": "array", "items": loose}}}
    return {
        "SubmissionView": view,
        "SubmissionOne": {"type": "object", "required": ["ok", "submission"], "additionalProperties": True,
                          "properties": {"ok": ok, "submission": ref}},
        "SubmissionList": {"type": "object", "required": ["ok", "submissions"], "additionalProperties": True,
                           "properties": {"ok": ok, "submissions": {"type": "array", "items": ref}}},
        "NewSubmission": {"type": "object", "required": ["files"], "additionalProperties": True, "properties": {
            "files": {"type": "object", "additionalProperties": {"type": "string", "format": "byte"},
                      "description": "{文件名: base64内容}：dataset.yaml 和它指定的源文件"}}},
        "Decision": {"type": "object", "additionalProperties": True, "properties": {
            "reason": {"type": "string", "maxLength": 1000, "description": "理由（退回、撤回时必填）"}}},
        "DatasetHistory": history,
    }


def add_to_openapi(doc: dict, op) -> dict:
    """Add the workflow's paths and schemas to the portal's OpenAPI document; `op` is portal_api._op."""
    sid = {"name": "sid", "in": "path", "required": True, "description": "提交编号",
           "schema": {"type": "string", "pattern": "^[0-9]{1,12}$"}}
    act = {"name": "action", "in": "path", "required": True,
           "schema": {"type": "string", "enum": ["approve", "reject", "publish"]},
           "description": "approve 批准并发布；reject 退回；publish 重试发布已批准的提交（审核人员）"}
    dataset = {"name": "dataset", "in": "path", "required": True, "description": "数据集标识",
               "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{1,62}$"}}
    status = [{"name": "status", "in": "query", "required": False,
               "schema": {"type": "string", "enum": list(STATUS_NAMES)}}]
    doc["paths"].update({
        f"{BASE}/submissions": {
            "get": op("提交列表（发布人员：本部门）", (200, "SubmissionList"), (400,), auth=True, params=status),
            "post": op("提交数据集（dataset.yaml + 源文件）：立即校验、脱敏、残留扫描并生成预览，不公开",
                       (201, "SubmissionOne"), (), "NewSubmission", auth=True)},
        f"{BASE}/submissions/{{sid}}": {"get": op("提交详情：脱敏报告、预览、与已发布版本的差异、事件",
                                                   (200, "SubmissionOne"), (404,), auth=True, params=[sid])},
        f"{BASE}/submissions/{{sid}}/{{action}}": {"post": op(
            "审核：批准（记录内容哈希并发布该内容）、退回、重试发布", (200, "SubmissionOne"), (404, 409), "Decision",
            auth=True, params=[sid, act])},
        f"{BASE}/datasets/{{dataset}}/withdraw": {"post": op(
            "撤回已发布的数据集（须说明理由，审计）：数据从接口、下载和网站下线，目录保留并标注撤回",
            (200, "DatasetHistory"), (404, 409), "Decision", auth=True, params=[dataset])},
        f"{BASE}/datasets/{{dataset}}/history": {"get": op("数据集的流程记录（提交、审核、发布、撤回）",
                                                          (200, "DatasetHistory"), (404,), params=[dataset])},
    })
    doc["components"]["schemas"].update(_schemas())
    return doc
