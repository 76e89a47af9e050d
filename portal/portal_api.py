"""The portal's own HTTP API under /api/portal/: registration, one-time codes, API keys, OpenAPI document."""
from __future__ import annotations

import hmac
import json
import secrets
from urllib.parse import unquote

from datasette.utils.asgi import Response

from . import keys
from .access import Actor, Refused, Services, client_ip, identify, services
from .accounts import AccountError
from .identity import FieldErrors
from .quota import REGISTER_PAGE, tiers

CSRF_COOKIE, CSRF_HEADER = "portal_csrf", "x-csrf-token"
REGISTRATION_COOKIE = "portal_reg_"      # + account id: the registration's secret (see _registration)
NO_REGISTRATION = "没有待验证的注册 (no registration awaiting a code)"
MAX_BODY = 64 * 1024


def _json(body: dict, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body, ensure_ascii=False), status=status, headers={"cache-control": "no-store",
                    **(headers or {})}, content_type="application/json; charset=utf-8")


def _error(status: int, message: str, **extra) -> Response:
    headers = {"retry-after": str(extra["retry_after"])} if "retry_after" in extra else None
    return _json({"ok": False, "status": status, "error": message, **extra}, status, headers)


def _svc(datasette) -> Services:
    from .plugin import state_for
    return services(state_for(datasette).cfg)


def csrf_ok(request) -> bool:
    """Double-submit check: a browser request (cookie or Origin sent) must echo the cookie in X-CSRF-Token.

    Clients that send neither (scripts, ckanapi) cannot be driven by another site, so they pass.
    """
    # The registration cookie is SameSite=Strict (another site's request never carries it): alone it
    # does not make a request a browser's.
    others = [c for c in request.cookies if not c.startswith(REGISTRATION_COOKIE)]
    browser = others or request.headers.get("origin")
    if not browser:
        return True
    cookie, header = request.cookies.get(CSRF_COOKIE, ""), request.headers.get(CSRF_HEADER, "")
    return bool(cookie) and hmac.compare_digest(cookie.encode(), header.encode())


async def _body(request) -> dict:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise Refused(415, "请求体须为 JSON (Content-Type: application/json)")
    raw = await request.post_body()
    if len(raw) > MAX_BODY:
        raise Refused(413, "请求体过大 (body too large)")
    try:
        data = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise Refused(400, "请求体不是有效的 JSON (invalid JSON)") from None
    if not isinstance(data, dict):
        raise Refused(400, "请求体须为 JSON 对象 (body must be a JSON object)")
    return data


def _limit(svc: Services, key: str, limit: int) -> None:
    wait = svc.limiter.hourly(key, limit)
    if wait:
        raise Refused(429, f"操作过于频繁，请 {wait} 秒后再试 (too many attempts: retry later)",
                      {"retry_after": wait})


def _actor(request, svc: Services) -> Actor:
    actor = request.scope.get("portal.actor") or identify(svc, request.scope.get("headers", []))
    if not actor.registered:
        raise Refused(401, "请在请求头携带API密钥 (Authorization: Bearer <key>)", {"register": REGISTER_PAGE})
    return actor


def _account_id(data: dict, field: str = "account_id") -> int:
    v = data.get(field)
    if not isinstance(v, int) or isinstance(v, bool) or not 0 < v < 2**62:
        raise FieldErrors({field: "须为正整数 (must be a positive integer)"})
    return v


def guarded(methods: tuple[str, ...], call, translate, csrf: bool = True):
    """The frame every JSON route shares: method check, CSRF on browser POSTs, errors as JSON answers.

    call(request, datasette) -> response; translate(exception) -> response for the route's own
    domain errors, or None to let anything else propagate (Datasette's handler logs it as a 500).
    """
    async def view(request, datasette):
        if request.method not in methods:
            return _error(405, "方法不允许 (method not allowed)", allow=", ".join(methods))
        if csrf and request.method == "POST" and not csrf_ok(request):
            return _error(403, "CSRF 校验失败：请先获取 /api/portal/csrf 并在 X-CSRF-Token 头中回传 (CSRF check failed)")
        try:
            return await call(request, datasette)
        except Refused as e:
            return _error(e.status, e.message, **e.extra)
        except Exception as e:
            answer = translate(e)
            if answer is None:
                raise
            return answer
    return view


def status_error(kind: type):
    """translate() for domain errors that carry .status and optional .fields."""
    def translate(e):
        if not isinstance(e, kind):
            return None
        return _error(e.status, str(e), **({"fields": e.fields} if e.fields else {}))
    return translate


def _account_errors(e):
    if isinstance(e, FieldErrors):
        status = 409 if type(e).__name__ == "Duplicate" else 400
        return _error(status, "请检查填写的内容 (please correct the fields)", fields=e.errors)
    if isinstance(e, AccountError):
        return _error(e.status, str(e))
    if isinstance(e, keys.KeyError_):
        return _error(404, str(e))
    return None


def endpoint(methods: tuple[str, ...], form: bool = False):
    """Registration and key routes: the shared frame, with account errors translated."""
    def wrap(fn):
        return guarded(methods, lambda request, datasette: fn(request, _svc(datasette)), _account_errors, csrf=form)
    return wrap


@endpoint(("POST",), form=True)
async def register(request, svc: Services):
    """Register an individual or an organisation; a one-time code goes to the mobile."""
    data = await _body(request)
    ip = client_ip(request.scope)
    _limit(svc, f"register:{ip}", svc.cfg.quotas.register_per_hour)
    _limit(svc, f"code:{ip}", svc.cfg.quotas.codes_per_hour)
    account = svc.registry.register(data)
    secret = svc.registry.registration_secret(account["id"])
    return _json({"ok": True, "account": account, "code_sent": True, "registration": secret,
                  "next": "/api/portal/verify-code"}, 202, {"set-cookie": _secret_cookie(request, account["id"], secret)})


def _secret_cookie(request, ident, secret: str) -> str:
    """The secret in a cookie only this portal's own pages send back (scripts use the answer's field)."""
    return (f"{REGISTRATION_COOKIE}{ident}={secret}; Path=/api/portal/; Max-Age=86400; HttpOnly; "
            f"SameSite=Strict{'; Secure' if request.scheme == 'https' else ''}")


def _sent_secret(request, data: dict, ident) -> str | None:
    return data.get("registration") or request.cookies.get(f"{REGISTRATION_COOKIE}{ident}")


def _registration(request, svc: Services, data: dict, account_id: int) -> None:
    """send-code and verify-code act only for whoever holds the registration's secret (body field
    `registration`, or the cookie the registration set); anyone else gets the answer an unknown id gets."""
    if not svc.registry.registration_ok(account_id, _sent_secret(request, data, account_id)):
        raise AccountError(NO_REGISTRATION, 404)


@endpoint(("POST",), form=True)
async def send_code(request, svc: Services):
    """Send a new one-time code to a registration awaiting confirmation."""
    data = await _body(request)
    account_id = _account_id(data)
    _limit(svc, f"code:{client_ip(request.scope)}", svc.cfg.quotas.codes_per_hour)
    _registration(request, svc, data, account_id)
    _limit(svc, f"code:acct:{account_id}", svc.cfg.quotas.codes_per_hour)
    svc.registry.send_code(account_id)
    return _json({"ok": True, "code_sent": True}, 202)


@endpoint(("POST",), form=True)
async def verify_code(request, svc: Services):
    """Confirm the mobile with the code; the account's first API key is returned once."""
    data = await _body(request)
    account_id = _account_id(data)
    code = data.get("code")
    if not isinstance(code, str) or not code.isascii() or not code.isdigit() or len(code) != 6:
        raise FieldErrors({"code": "验证码须为6位数字 (code: 6 digits)"})
    _limit(svc, f"verify:{client_ip(request.scope)}", svc.cfg.quotas.register_per_hour * 3)
    _registration(request, svc, data, account_id)     # before a try is counted: a stranger burns none
    v = svc.registry.verify_code(account_id, code)
    note = "密钥只显示这一次，请妥善保存 (the key is shown only once)"
    if v.account["status"] == "review":
        note += "；单位账户须经运营人员审核后方可使用 (usable after operator review)"
    return _json({"ok": True, "account": v.account, "key": v.key, "key_prefix": v.key_prefix, "note": note}, 201)


def _claims(svc: Services):
    from .claims import Claims
    return Claims(svc.registry)


@endpoint(("POST",), form=True)
async def claim(request, svc: Services):
    """Claim an ID number or credit code someone else registered: the same fields as a registration; a code
    goes to the claimant's mobile. Staff decide after verification (`portal users resolve-claim`)."""
    data = await _body(request)
    ip = client_ip(request.scope)
    _limit(svc, f"register:{ip}", svc.cfg.quotas.register_per_hour)
    _limit(svc, f"code:{ip}", svc.cfg.quotas.codes_per_hour)
    claims = _claims(svc)
    view = claims.open(data)
    secret = claims.secret(view["id"])
    return _json({"ok": True, "claim": view, "code_sent": True, "registration": secret,
                  "next": "/api/portal/claims/verify"}, 202,
                 {"set-cookie": _secret_cookie(request, f"claim_{view['id']}", secret)})


@endpoint(("POST",), form=True)
async def claim_verify(request, svc: Services):
    """Confirm the claimant's mobile with the code; the identity is then verified as at registration."""
    data = await _body(request)
    claim_id = _account_id(data, "claim_id")
    code = data.get("code")
    if not isinstance(code, str) or not code.isascii() or not code.isdigit() or len(code) != 6:
        raise FieldErrors({"code": "验证码须为6位数字 (code: 6 digits)"})
    _limit(svc, f"verify:{client_ip(request.scope)}", svc.cfg.quotas.register_per_hour * 3)
    claims = _claims(svc)
    if not claims.secret_ok(claim_id, _sent_secret(request, data, f"claim_{claim_id}")):
        raise AccountError("没有待验证的认领 (no claim awaiting a code)", 404)
    view = claims.verify(claim_id, code)
    note = ("已提交，工作人员核实后处理 (submitted: staff will decide)" if view["status"] == "review"
            else "身份核验未通过 (identity not verified)")
    return _json({"ok": True, "claim": view, "note": note})


@endpoint(("GET", "POST"))
async def keys_collection(request, svc: Services):
    """GET: the caller's keys (prefixes only). POST: a new key, shown once."""
    actor = _actor(request, svc)
    if request.method == "GET":
        return _json({"ok": True, "keys": [k.as_dict() for k in keys.list_keys(svc.store, actor.account_id)]})
    data = await _body(request)
    name, days = data.get("name"), data.get("expires_in_days", svc.cfg.accounts.key_ttl_days)
    errors = {}
    if name is not None and (not isinstance(name, str) or len(name) > 100):
        errors["name"] = "名称须为不超过100字的文本 (name: text up to 100 characters)"
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 3660:
        errors["expires_in_days"] = "有效天数须为0-3660的整数 (0 = no expiry)"
    if errors:
        raise FieldErrors(errors)
    token, info = keys.create(svc.store, actor.account_id, name, days)
    return _json({"ok": True, "key": token, "info": info.as_dict(),
                  "note": "密钥只显示这一次，请妥善保存 (the key is shown only once)"}, 201)


@endpoint(("DELETE", "POST"))
async def key_item(request, svc: Services):
    """Revoke one of the caller's keys by its prefix (DELETE, or POST .../revoke)."""
    actor = _actor(request, svc)
    prefix = unquote(request.url_vars["prefix"])
    info = keys.revoke(svc.store, prefix, actor.account_id)
    return _json({"ok": True, "info": info.as_dict()})


@endpoint(("GET",))
async def account(request, svc: Services):
    """The caller's account, in masked form."""
    return _json({"ok": True, "account": svc.registry.get(_actor(request, svc).account_id)})


@endpoint(("GET",))
async def quotas(request, svc: Services):
    """The published limits of every tier."""
    return _json({"ok": True, "tiers": {n: {"requests_per_minute": t.per_minute, "rows_per_day": t.rows_per_day}
                                        for n, t in tiers(svc.cfg.quotas).items()}, "register": REGISTER_PAGE})


@endpoint(("GET",))
async def csrf(request, svc: Services):
    """A double-submit token: set as cookie `portal_csrf` and returned; send it back in X-CSRF-Token."""
    token = request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = _json({"ok": True, "csrf_token": token})
    response.set_cookie(CSRF_COOKIE, token, path="/api/portal/", samesite="strict", httponly=False)
    return response


@endpoint(("GET",))
async def openapi(request, svc: Services):
    return _json(document())


@endpoint(("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"))
async def not_found(request, svc: Services):
    return _error(404, "没有这个接口 (no such endpoint)")


ROUTES = [
    (r"^/api/portal/register$", register),
    (r"^/api/portal/send-code$", send_code),
    (r"^/api/portal/verify-code$", verify_code),
    (r"^/api/portal/claims$", claim),
    (r"^/api/portal/claims/verify$", claim_verify),
    (r"^/api/portal/keys$", keys_collection),
    (r"^/api/portal/keys/(?P<prefix>[^/]+?)(?:/revoke)?$", key_item),
    (r"^/api/portal/account$", account),
    (r"^/api/portal/quotas$", quotas),
    (r"^/api/portal/csrf$", csrf),
    (r"^/api/portal/openapi\.json$", openapi),
    (r"^/api/portal/.*$", not_found),
]


# ---- The OpenAPI 3 document (served at /api/portal/openapi.json) ----

_RATE_HEADERS = {h: {"required": True, "description": d, "schema": {"type": "integer"}} for h, d in (
    ("X-RateLimit-Limit", "本档每分钟请求上限 (requests per minute of the caller's tier)"),
    ("X-RateLimit-Remaining", "本分钟剩余请求数 (requests left this minute)"),
    ("X-RateLimit-Reset", "距本分钟窗口重置的秒数 (seconds until the window resets)"))}
_STATUS_TEXT = {200: "成功", 201: "已创建", 202: "已受理", 400: "字段错误 (field errors in `fields`)",
                401: "缺少或无效的API密钥", 403: "无权限、账户未激活或CSRF校验失败", 404: "不存在", 405: "方法不允许",
                409: "证件已注册", 410: "验证码已失效", 413: "请求体过大", 415: "须为JSON",
                429: "超出限额 (Retry-After)"}
_NULL_STR = {"type": "string", "nullable": True}


def _resp(status: int, schema: str) -> dict:
    # A malformed or oversized body (400/413) is refused by the outer security layer before quotas count.
    headers = {h: {**v, "required": status not in (400, 413)} for h, v in _RATE_HEADERS.items()}
    if status == 429:
        headers["Retry-After"] = {"required": True, "schema": {"type": "integer"}}
    return {"description": _STATUS_TEXT[status], "headers": headers,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _op(summary: str, ok: tuple[int, str], errors: tuple[int, ...], body: str | None = None,
        auth: bool = False, form: bool = False, params: list | None = None) -> dict:
    errors = (*errors, 401, 403, 405, 429) + ((400, 413, 415) if body else ())
    op = {"summary": summary, "responses": {str(ok[0]): _resp(*ok),
                                            **{str(s): _resp(s, "Error") for s in sorted(set(errors))}}}
    if body:
        op["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": {"$ref": f"#/components/schemas/{body}"}}}}
    if auth:
        op["security"] = [{"bearer": []}, {"ckanKey": []}]
    elif form:
        op["security"] = [{}, {"csrfHeader": [], "csrfCookie": []}]
    else:
        op["security"] = [{}]
    if params:
        op["parameters"] = params
    return op


def _obj(props: dict, required=(), extra: bool = False) -> dict:
    return {"type": "object", "properties": props, "required": list(required), "additionalProperties": extra}


def _schemas() -> dict:
    s, i = {"type": "string"}, {"type": "integer"}
    account = _obj({k: _NULL_STR for k in ("org_name", "id_kind", "id_masked", "mobile_masked", "department",
                                            "verified_at", "reviewed_at", "reviewed_by", "note")} |
                   {"id": i, "kind": {"type": "string", "enum": ["individual", "organisation", "staff"]},
                    "role": {"type": "string", "enum": ["applicant", "publisher", "reviewer", "operator"]},
                    "status": {"type": "string", "enum": ["pending_code", "review", "active", "suspended"]},
                    "name_masked": s, "created_at": s}, ("id", "kind", "role", "status", "name_masked"))
    key_info = _obj({"prefix": s, "name": _NULL_STR, "created_at": s, "last_used_at": _NULL_STR,
                     "expires_at": _NULL_STR, "revoked_at": _NULL_STR}, ("prefix", "created_at"))
    tier = _obj({"requests_per_minute": i, "rows_per_day": i}, ("requests_per_minute", "rows_per_day"))
    return {
        "Error": _obj({"ok": {"type": "boolean", "enum": [False]}, "status": i, "error": s,
                       "fields": {"type": "object", "additionalProperties": s}, "retry_after": i},
                      ("ok", "status", "error"), extra=True),
        "Account": account, "KeyInfo": key_info,
        "RegisterIndividual": _obj({"kind": {"type": "string", "enum": ["individual"]},
                                    "name": {"type": "string", "description": "真实姓名"},
                                    "id_number": {"type": "string", "description": "居民身份证号码 (GB 11643)"},
                                    "mobile": {"type": "string", "description": "手机号码"}},
                                   ("kind", "name", "id_number", "mobile")),
        "RegisterOrganisation": _obj({"kind": {"type": "string", "enum": ["organisation"]},
                                      "org_name": s, "credit_code": {"type": "string",
                                                                     "description": "统一社会信用代码 (GB 32100)"},
                                      "contact_name": s, "mobile": s},
                                     ("kind", "org_name", "credit_code", "contact_name", "mobile")),
        "Register": {"oneOf": [{"$ref": "#/components/schemas/RegisterIndividual"},
                               {"$ref": "#/components/schemas/RegisterOrganisation"}]},
        "AccountId": _obj({"account_id": {"type": "integer", "minimum": 1}, "registration": s}, ("account_id",)),
        "VerifyCode": _obj({"account_id": {"type": "integer", "minimum": 1}, "registration": s,
                            "code": {"type": "string", "pattern": "^[0-9]{6}$"}}, ("account_id", "code")),
        "NewKey": _obj({"name": {"type": "string", "maxLength": 100},
                        "expires_in_days": {"type": "integer", "minimum": 0, "maximum": 3660}}),
        "Registered": _obj({"ok": {"type": "boolean"}, "account": {"$ref": "#/components/schemas/Account"},
                            "code_sent": {"type": "boolean"}, "registration": s, "next": s}, ("ok", "account")),
        "CodeSent": _obj({"ok": {"type": "boolean"}, "code_sent": {"type": "boolean"}}, ("ok",)),
        "Verified": _obj({"ok": {"type": "boolean"}, "account": {"$ref": "#/components/schemas/Account"},
                          "key": s, "key_prefix": s, "note": s}, ("ok", "account", "key", "key_prefix")),
        "KeyList": _obj({"ok": {"type": "boolean"}, "keys": {"type": "array",
                                                             "items": {"$ref": "#/components/schemas/KeyInfo"}}},
                        ("ok", "keys")),
        "NewKeyIssued": _obj({"ok": {"type": "boolean"}, "key": s, "note": s,
                              "info": {"$ref": "#/components/schemas/KeyInfo"}}, ("ok", "key", "info")),
        "KeyRevoked": _obj({"ok": {"type": "boolean"}, "info": {"$ref": "#/components/schemas/KeyInfo"}},
                           ("ok", "info")),
        "AccountView": _obj({"ok": {"type": "boolean"}, "account": {"$ref": "#/components/schemas/Account"}},
                            ("ok", "account")),
        "Tiers": _obj({"ok": {"type": "boolean"}, "register": s, "tiers": _obj(
            {"anonymous": tier, "individual": tier, "organisation": tier})}, ("ok", "tiers")),
        "CsrfToken": _obj({"ok": {"type": "boolean"}, "csrf_token": s}, ("ok", "csrf_token")),
        "Claim": _obj({k: _NULL_STR for k in ("org_name", "verified_at", "resolved_at", "resolved_by", "note")} |
                      {"id": i, "account_id": {"type": "integer", "nullable": True}, "name_masked": s,
                       "kind": {"type": "string", "enum": ["individual", "organisation"]},
                       "mobile_masked": s, "created_at": s, "status": {"type": "string", "enum": [
                           "pending_code", "review", "granted", "refused", "rejected"]}},
                      ("id", "status", "name_masked", "mobile_masked", "created_at")),
        "VerifyClaim": _obj({"claim_id": {"type": "integer", "minimum": 1}, "registration": s,
                             "code": {"type": "string", "pattern": "^[0-9]{6}$"}}, ("claim_id", "code")),
        "ClaimOpened": _obj({"ok": {"type": "boolean"}, "claim": {"$ref": "#/components/schemas/Claim"},
                             "code_sent": {"type": "boolean"}, "registration": s, "next": s}, ("ok", "claim")),
        "ClaimVerified": _obj({"ok": {"type": "boolean"}, "claim": {"$ref": "#/components/schemas/Claim"},
                               "note": s}, ("ok", "claim")),
    }


def document() -> dict:
    """OpenAPI 3.0 description of /api/portal/ (checked against the live server by schemathesis)."""
    prefix = {"name": "prefix", "in": "path", "required": True, "description": "密钥前缀 (key prefix)",
              "schema": {"type": "string", "pattern": "^odp_[A-Za-z0-9_-]{8}$"}}
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "政务数据开放平台 门户接口 (portal API)", "version": "1",
                 "description": "实名注册、验证码、API密钥。表单接口（注册、验证码）在浏览器中使用双重提交Cookie防CSRF："
                                "先 GET /api/portal/csrf 取得 Cookie portal_csrf，再在 X-CSRF-Token 头中回传同一值；"
                                "不带 Cookie 与 Origin 的脚本客户端无需此步。API密钥可用 Authorization: Bearer <key>、"
                                "Authorization: <key> 或 X-CKAN-API-Key: <key> 发送。每个响应带 X-RateLimit-* 头。"},
        "servers": [{"url": "/"}],
        "paths": {
            "/api/portal/register": {"post": _op("实名注册（个人或单位），向手机发送验证码", (202, "Registered"),
                                                 (409,), "Register", form=True)},
            "/api/portal/send-code": {"post": _op("重新发送验证码", (202, "CodeSent"), (404,), "AccountId", form=True)},
            "/api/portal/verify-code": {"post": _op("验证手机，签发首个API密钥（只显示一次）", (201, "Verified"),
                                                    (404, 410), "VerifyCode", form=True)},
            "/api/portal/claims": {"post": _op("认领被他人注册的身份证号或统一社会信用代码（字段同注册），向手机发送验证码",
                                               (202, "ClaimOpened"), (404,), "Register", form=True)},
            "/api/portal/claims/verify": {"post": _op("验证认领人手机并核验身份，交工作人员处理", (200, "ClaimVerified"),
                                                      (404, 410), "VerifyClaim", form=True)},
            "/api/portal/keys": {"get": _op("列出本账户的密钥（仅前缀）", (200, "KeyList"), (), auth=True),
                                 "post": _op("新建密钥（只显示一次）", (201, "NewKeyIssued"), (), "NewKey", auth=True)},
            "/api/portal/keys/{prefix}": {"delete": _op("吊销密钥", (200, "KeyRevoked"), (404,), auth=True,
                                                        params=[prefix])},
            "/api/portal/account": {"get": _op("本账户信息（脱敏）", (200, "AccountView"), (404,), auth=True)},
            "/api/portal/quotas": {"get": _op("各档限额", (200, "Tiers"), ())},
            "/api/portal/csrf": {"get": _op("取得CSRF令牌（Cookie portal_csrf）", (200, "CsrfToken"), ())},
        },
        "components": {"schemas": _schemas(), "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": "Authorization: Bearer <key>（也接受裸 Authorization: <key>）"},
            "ckanKey": {"type": "apiKey", "in": "header", "name": "X-CKAN-API-Key"},
            "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                           "description": "双重提交：与 Cookie portal_csrf 相同的值 (double-submit token)"},
            "csrfCookie": {"type": "apiKey", "in": "cookie", "name": "portal_csrf"}}},
    }
    from .queue_api import add_to_openapi  # the reply queue's routes (portal/queue_api.py)
    from .workflow_api import add_to_openapi as add_workflow  # the department workflow (portal/workflow_api.py)
    from .staff_session import add_to_openapi as add_staff  # the staff page's sign-in (portal/staff_session.py)
    return add_staff(add_workflow(add_to_openapi(doc, _op), _op), _op)
