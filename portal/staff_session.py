"""Staff sign-in for the reply-queue page: the key goes into an HttpOnly cookie that page scripts cannot read."""
from __future__ import annotations

import hmac
from http.cookies import CookieError, SimpleCookie

from . import keys
from .access import Services
from .portal_api import CSRF_COOKIE, CSRF_HEADER, _body, _error, _json, _svc, csrf_ok, guarded

STAFF_COOKIE = "portal_staff"
COOKIE_PATH = "/api/portal/"   # sent to the portal API only: never to Datasette pages or the static site


def cookies(headers) -> dict[str, str]:
    """The request's cookies by name (a malformed Cookie header counts as none)."""
    jar = SimpleCookie()
    for k, v in headers:
        if k.lower() == b"cookie":
            try:
                jar.load(v.decode("latin-1"))
            except CookieError:
                return {}
    return {k: m.value for k, m in jar.items()}


def cookie_key(headers) -> str | None:
    """The staff key a sign-in cookie carries, when the request also echoes the CSRF token; else None.

    A browser sends the cookie whichever page makes the request, so a request it authenticates must
    also prove it came from our page (double-submit X-CSRF-Token). Without that proof the cookie is
    ignored: the request is anonymous, as if no cookie had been sent."""
    jar = cookies(headers)
    key = jar.get(STAFF_COOKIE)
    if not key:
        return None
    sent = next((v.decode("latin-1") for k, v in headers if k.lower() == CSRF_HEADER.encode()), "")
    expected = jar.get(CSRF_COOKIE, "")
    return key if expected and hmac.compare_digest(expected.encode(), sent.encode()) else None


def _staff_account(svc: Services, key: str):
    result = keys.check(svc.store, key)
    if not result.ok:
        return None
    acct = svc.store.one("select id, kind, role, department, status from accounts where id = ?",
                         (result.account_id,))
    return acct if acct and acct["kind"] == "staff" and acct["status"] == "active" else None


def _set_cookie(request, response, value: str, max_age: int | None = None) -> None:
    """HttpOnly (no page script reads it), SameSite=Strict (no other site sends it), Secure over HTTPS."""
    response.set_cookie(STAFF_COOKIE, value, max_age=max_age, path=COOKIE_PATH, httponly=True,
                        samesite="strict", secure=request.scope.get("scheme") == "https")


def _view(acct) -> dict:
    return {"ok": True, "signed_in": True, "role": acct["role"], "department": acct["department"]}


async def session(request, datasette):
    """POST {"key"}: sign in (staff keys only). GET: who is signed in. DELETE: sign out."""
    svc = _svc(datasette)
    if request.method == "DELETE":
        if not csrf_ok(request):
            return _error(403, "CSRF 校验失败 (CSRF check failed)")
        response = _json({"ok": True, "signed_in": False})
        _set_cookie(request, response, "", 0)
        return response
    if request.method == "GET":
        key = cookie_key(request.scope.get("headers", []))
        acct = _staff_account(svc, key) if key else None
        return _json(_view(acct) if acct else {"ok": True, "signed_in": False})
    data = await _body(request)
    key = data.get("key")
    acct = _staff_account(svc, key) if isinstance(key, str) and 0 < len(key) <= 200 else None
    if acct is None:
        return _error(403, "不是有效的工作人员 API 密钥 (not an active staff key)")
    response = _json(_view(acct))
    _set_cookie(request, response, key)
    return response


ROUTES = [(r"^/api/portal/staff/session$", guarded(("GET", "POST", "DELETE"), session, lambda e: None))]


def add_to_openapi(doc: dict, op) -> dict:
    """The sign-in path in the portal's OpenAPI document; `op` is portal_api._op."""
    doc["paths"]["/api/portal/staff/session"] = {
        "get": op("工作人员登录状态（Cookie portal_staff）", (200, "StaffSession"), ()),
        "post": op("工作人员登录：密钥存入 HttpOnly Cookie，页面脚本不可读取", (200, "StaffSession"), (), "StaffKey",
                   form=True),
        "delete": op("工作人员退出登录", (200, "StaffSession"), (), form=True)}
    doc["components"]["schemas"].update({
        "StaffKey": {"type": "object", "required": ["key"], "additionalProperties": True,
                     "properties": {"key": {"type": "string"}}},
        "StaffSession": {"type": "object", "required": ["ok", "signed_in"], "additionalProperties": True,
                         "properties": {"ok": {"type": "boolean"}, "signed_in": {"type": "boolean"},
                                        "role": {"type": "string", "nullable": True},
                                        "department": {"type": "string", "nullable": True}}}})
    return doc
