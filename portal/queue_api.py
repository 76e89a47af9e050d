"""The reply queue's HTTP routes under /api/portal/requests and /api/portal/messages, and their OpenAPI part."""
from __future__ import annotations

from .access import Refused, Services, services
from .portal_api import _body, _json, guarded, status_error
from .quota import REGISTER_PAGE
from .queue import OUTCOMES, STATE_NAMES, TRANSITIONS, TYPES, QueueError
from .queue_store import QueueStore, Who, open_queue

SECRET_HEADER = "x-request-secret"   # a header, never the query string: URLs end up in logs and Referer
STAFF_ACTIONS = sorted(a for a, t in TRANSITIONS.items() if t[2] == "staff") + ["supply"]
URGENCIES = ("on_track", "due_soon", "overdue", "seriously_overdue", "supplement_expired")


def _context(datasette):
    from .plugin import state_for
    st = state_for(datasette)
    svc = services(st.cfg)
    return st, svc, open_queue(st.cfg, svc.crypto)


def _who(request, svc: Services, qs: QueueStore, required: bool = True) -> Who | None:
    from .access import identify
    actor = request.scope.get("portal.actor") or identify(svc, request.scope.get("headers", []))
    if not actor.registered:
        if required:
            raise Refused(401, "请在请求头携带API密钥 (Authorization: Bearer <key>)", {"register": REGISTER_PAGE})
        return None
    return qs.who(actor.account_id)


def route(methods: tuple[str, ...]):
    """The shared JSON frame (portal_api.guarded) with QueueError translated."""
    def wrap(fn):
        return guarded(methods, lambda request, datasette: fn(request, *_context(datasette)),
                       status_error(QueueError))
    return wrap


@route(("GET", "POST"))
async def collection(request, st, svc, qs: QueueStore):
    """GET: the caller's requests (staff: their department's queue). POST: file a request (registered users)."""
    who = _who(request, svc, qs)
    if request.method == "POST":
        view = qs.file(who, await _body(request), st.catalog())
        secret = view.pop("secret")
        return _json({"ok": True, "request": view, "tracking": view["tracking"], "secret": secret,
                      "secret_note": "查询密码只显示这一次：凭申请编号和查询密码可查询办理进度 (shown once: the status "
                                     f"lookup needs it, sent as the {SECRET_HEADER} header)",
                      "status_url": f"/api/portal/requests/{view['tracking']}"}, 201)
    state, urgency = request.args.get("state"), request.args.get("urgency")
    if state is not None and state not in STATE_NAMES or urgency is not None and urgency not in URGENCIES:
        raise QueueError("筛选条件无效 (bad filter)", 400, {"state": "/".join(STATE_NAMES), "urgency": "/".join(URGENCIES)})
    return _json({"ok": True, "requests": qs.list(who, state, urgency)})


@route(("GET",))
async def item(request, st, svc, qs: QueueStore):
    """A request's status by tracking number, with its secret (X-Request-Secret) or the key of its applicant,
    the answering department's staff or an operator; anyone else gets 404, as for a number never issued."""
    who, secret = _who(request, svc, qs, False), request.headers.get(SECRET_HEADER)
    if who is None and not secret:
        raise Refused(401, "查询办理进度须提供查询密码（请求头 X-Request-Secret）或申请人的API密钥 (the request's "
                           "secret or the applicant's API key is required)")
    return _json({"ok": True, "request": qs.view(request.url_vars["tracking"], who, secret)})


@route(("POST",))
async def action(request, st, svc, qs: QueueStore):
    """A staff action (or the applicant's supplement) on a request."""
    who = _who(request, svc, qs)
    data = await _body(request)
    view = qs.act(request.url_vars["tracking"], request.url_vars["action"], data, who, st.catalog())
    return _json({"ok": True, "request": view})


@route(("GET",))
async def stats(request, st, svc, qs: QueueStore):
    """Statistics per department and overall (W art. 25, Y art. 46): received, answered, on time, median days."""
    year = request.args.get("year")
    if year is not None and not (year.isascii() and year.isdigit() and len(year) == 4):
        raise QueueError("年份无效 (year: YYYY)", 400, {"year": "YYYY"})
    return _json({"ok": True, **qs.statistics(int(year) if year else None)})


@route(("GET",))
async def messages(request, st, svc, qs: QueueStore):
    """The caller's in-portal messages, newest first."""
    return _json({"ok": True, "messages": qs.messages(_who(request, svc, qs).account_id)})


TRACKING_RE = r"(?P<tracking>[Yy][Ss]-[0-9]{4}-[0-9]{6})"   # any case: people type them
ROUTES = [
    (r"^/api/portal/requests$", collection),
    (r"^/api/portal/requests/stats$", stats),
    (rf"^/api/portal/requests/{TRACKING_RE}$", item),
    (rf"^/api/portal/requests/{TRACKING_RE}/(?P<action>{'|'.join(STAFF_ACTIONS)})$", action),
    (r"^/api/portal/messages$", messages),
]


# ---- OpenAPI: merged into portal_api.document() ----

def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _schemas() -> dict:
    s, i, loose = {"type": "string"}, {"type": "integer"}, {"type": "object", "additionalProperties": True}
    nullable = {"type": "string", "nullable": True}
    view = {"type": "object", "additionalProperties": True,
            "required": ["tracking", "type", "state", "department", "due", "urgency", "events"],
            "properties": {"tracking": {"type": "string", "pattern": "^YS-[0-9]{4}-[0-9]{6}$"},
                           "type": {"type": "string", "enum": list(TYPES)}, "type_name": s,
                           "state": {"type": "string", "enum": list(STATE_NAMES)}, "state_name": s,
                           "department": s, "dataset": nullable, "due": nullable, "provisional": {"type": "boolean"},
                           "warning": nullable, "clock_stopped": nullable, "supplement_due": nullable,
                           "urgency": {"type": "string", "nullable": True, "enum": [*URGENCIES, None]},
                           "how_computed": {"type": "array", "items": s}, "day_by_day": {"type": "array", "items": loose}, "events": {"type": "array", "items": loose},
                           "request": loose, "period": loose, "law": s, "submitted_on": s, "extension_days": i}}
    summary = {"type": "object", "additionalProperties": True, "properties": {
        "received": i, "answered": i, "on_time_percent": {"type": "number", "nullable": True},
        "median_days": {"type": "number", "nullable": True}, "outcomes": {"type": "object",
                                                                          "additionalProperties": i}}}
    return {
        "RequestView": view,
        "RequestFiled": {"type": "object", "required": ["ok", "request", "tracking"], "additionalProperties": True,
                         "properties": {"ok": {"type": "boolean"}, "request": _ref("RequestView"), "tracking": s,
                                        "secret": {"type": "string", "description": "查询密码：只在此显示一次，"
                                                   "查询进度时放在请求头 X-Request-Secret"},
                                        "secret_note": s, "status_url": s}},
        "RequestOne": {"type": "object", "required": ["ok", "request"], "additionalProperties": True,
                       "properties": {"ok": {"type": "boolean"}, "request": _ref("RequestView")}},
        "RequestList": {"type": "object", "required": ["ok", "requests"], "additionalProperties": True,
                        "properties": {"ok": {"type": "boolean"},
                                       "requests": {"type": "array", "items": _ref("RequestView")}}},
        "NewRequest": {"type": "object", "required": ["purpose", "scenario", "items", "use_until"],
                       "additionalProperties": True, "properties": {
                           "type": {"type": "string", "enum": list(TYPES), "default": "open_request"},
                           "dataset": {"type": "string", "description": "目录中的数据集标识"},
                           "description": {"type": "string", "description": "目录外数据的描述；校核申请中为问题描述"},
                           "department": {"type": "string", "description": "未指定数据集时：答复部门名称"},
                           "purpose": {"type": "string", "description": "用途"},
                           "scenario": {"type": "string", "description": "使用场景"},
                           "items": {"type": "array", "items": s, "description": "所需数据项（字段名）"},
                           "use_until": {"type": "string", "format": "date", "description": "使用期限最后一天"},
                           "email": {"type": "string", "description": "接收通知的电子邮箱（可选）"}}},
        "RequestAction": {"type": "object", "additionalProperties": True, "properties": {
            "reason": s, "missing": {"type": "string", "description": "须补正的内容（一次性告知）"},
            "note": s, "outcome": {"type": "string", "enum": list(OUTCOMES)},
            "legal_basis": {"type": "string", "description": "不予开放（含部分）时必填"},
            "department": {"type": "string", "description": "非本部门数据：写明应向哪个部门申请"},
            "link": {"type": "string", "description": "已主动开放：数据地址"},
            "columns": {"type": "array", "items": s, "description": "部分同意：授权字段"},
            "ends_on": {"type": "string", "format": "date", "description": "授权截止日（含）"},
            "days": {"type": "integer", "minimum": 1, "description": "延期天数（仅一次）"},
            "approved_by": {"type": "string", "description": "批准延期的负责人"}}},
        "Statistics": {"type": "object", "required": ["ok", "overall", "departments"], "additionalProperties": True,
                       "properties": {"ok": {"type": "boolean"}, "year": {"type": "integer", "nullable": True},
                                      "overall": summary, "departments": {"type": "object",
                                                                          "additionalProperties": summary},
                                      "years": {"type": "object", "additionalProperties": summary,
                                                "description": "按申请年度（键为年份）"}}},
        "MessageList": {"type": "object", "required": ["ok", "messages"], "additionalProperties": True,
                        "properties": {"ok": {"type": "boolean"}, "messages": {"type": "array", "items": loose}}},
    }


def add_to_openapi(doc: dict, op) -> dict:
    """Add the queue's paths and schemas to the portal's OpenAPI document; `op` is portal_api._op."""
    tracking = {"name": "tracking", "in": "path", "required": True, "description": "申请编号（不区分大小写）",
                "schema": {"type": "string", "pattern": "^[Yy][Ss]-[0-9]{4}-[0-9]{6}$"}}
    secret = {"name": "X-Request-Secret", "in": "header", "required": False,
              "description": "查询密码（申请时返回一次）；或以申请人、答复部门的API密钥查询",
              "schema": {"type": "string", "maxLength": 200}}
    act = {"name": "action", "in": "path", "required": True, "schema": {"type": "string", "enum": STAFF_ACTIONS},
           "description": "accept/reject/supplement/start/pause/resume/extend/decide/fulfil/close（部门工作人员）；"
                          "supply（申请人补正）"}
    query = [{"name": n, "in": "query", "required": False, "schema": {"type": "string", "enum": list(e)}}
             for n, e in (("state", STATE_NAMES), ("urgency", URGENCIES))]
    year = [{"name": "year", "in": "query", "required": False, "schema": {"type": "string", "pattern": "^[0-9]{4}$"}}]
    doc["paths"].update({
        "/api/portal/requests": {
            "get": op("本人的申请；部门工作人员：本部门待办", (200, "RequestList"), (400, 404), auth=True, params=query),
            "post": op("提交申请（依申请开放 / 校核 / 共享），返回申请编号", (201, "RequestFiled"), (404, 409),
                       "NewRequest", auth=True)},
        "/api/portal/requests/stats": {"get": op("答复统计：按部门和总体（收到、答复、按时率、天数中位数、结果）",
                                                 (200, "Statistics"), (400,), params=year)},
        "/api/portal/requests/{tracking}": {"get": op(
            "按申请编号查询办理状态：须提供查询密码（X-Request-Secret）或申请人、答复部门的API密钥",
            (200, "RequestOne"), (401, 404), params=[tracking, secret])},
        "/api/portal/requests/{tracking}/{action}": {"post": op(
            "办理：受理、不予受理、补正、暂停、延期、答复（拒绝须说明理由和法律依据）、提供、办结",
            (200, "RequestOne"), (404, 409), "RequestAction", auth=True, params=[tracking, act])},
        "/api/portal/messages": {"get": op("站内消息", (200, "MessageList"), (404,), auth=True)},
    })
    doc["components"]["schemas"].update(_schemas())
    return doc
