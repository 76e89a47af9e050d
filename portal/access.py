"""The ASGI-side checks on API paths: who is calling (key), quota, SQL and grant rules, audit of every access."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from . import audit, keys, row_cap
from .accounts import Registry, load_sender
from .config import Config
from .crypto import Crypto
from .failed_csv import FailedCsv
from .identity import load_verifier
from .no_echo import NoEcho, personal_values, sent_values
from .quota import REGISTER_PAGE, Limiter, tiers
from .store import Store, now_iso, open_store

PUBLIC_DB, RESTRICTED_DB = "data", "restricted"
# Datasette's own assets: part of browsing the site, never counted or audited.
FREE_PREFIXES = ("/-/static/", "/-/static-plugins/", "/-/health")  # assets and probes: no quota, no audit
# A column grant allows only these table parameters (an allow-list: anything else is refused).
# Parameters whose value names a column are checked against the grant; facets are switched off
# (the published metadata declares default facets on columns the grant may not cover).
GRANT_PARAMS = {"_size", "_shape", "_nl", "_next", "_stream", "_dl", "_nocount", "_ttl", "_sort_by_desc"}
GRANT_COLUMN_PARAMS = {"_col", "_sort", "_sort_desc", "_json"}
GRANT_FORCED = [("_nofacet", "1"), ("_nosuggest", "1")]


@dataclass
class Services:
    """Everything the access layer and the portal API share for one state directory."""
    cfg: Config
    store: Store
    crypto: Crypto
    registry: Registry
    limiter: Limiter
    audit_key: bytes


_services: dict[str, Services] = {}


def services(cfg: Config) -> Services:
    """The services of this configuration's state directory (made once per process)."""
    k = str(Path(cfg.state_dir).resolve())
    if k not in _services:
        store = open_store(cfg.state_dir)
        crypto = Crypto(cfg.secret("identity"))
        registry = Registry(store, crypto, cfg.accounts, load_sender(cfg.accounts.sender, cfg.state_dir),
                            load_verifier(cfg.accounts.verifier))
        _services[k] = Services(cfg, store, crypto, registry, Limiter(store), cfg.secret("audit"))
    return _services[k]


@dataclass(frozen=True)
class Actor:
    account_id: int | None = None
    key_prefix: str | None = None
    kind: str = "anonymous"     # anonymous | individual | organisation | staff
    role: str | None = None

    @property
    def registered(self) -> bool:
        return self.account_id is not None

    @property
    def tier(self) -> str:
        return {"anonymous": "anonymous", "individual": "individual"}.get(self.kind, "organisation")


class Refused(Exception):
    """A request is refused before it reaches Datasette: HTTP status and a Chinese message."""

    def __init__(self, status: int, message: str, extra: dict | None = None):
        self.status, self.message, self.extra = status, message, extra or {}
        super().__init__(message)


def key_from_headers(headers: list[tuple[bytes, bytes]]) -> str | None:
    """`Authorization: Bearer K`, bare `Authorization: K` or `X-CKAN-API-Key: K` (what ckanapi sends)."""
    h = {k.lower(): v.decode("latin-1").strip() for k, v in headers}
    if h.get(b"x-ckan-api-key"):
        return h[b"x-ckan-api-key"]
    auth = h.get(b"authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return auth or None


def identify(svc: Services, headers) -> Actor:
    """The caller: anonymous without a key; raise Refused(401/403) for a bad key or an inactive account."""
    token = key_from_headers(headers)
    by_cookie = False
    if token is None:  # the staff page signs in once; the key then travels in an HttpOnly cookie
        from .staff_session import cookie_key
        token, by_cookie = cookie_key(headers), True
    if token is None:
        return Actor()
    result = keys.check(svc.store, token)
    if not result.ok:
        why = {"revoked": "API密钥已被吊销 (key revoked)", "expired": "API密钥已过期 (key expired)"}
        raise Refused(401, why.get(result.reason, "API密钥无效 (unknown key)"))
    acct = svc.store.one("select kind, role, status from accounts where id = ?", (result.account_id,))
    if acct is None:
        raise Refused(401, "API密钥无效 (unknown key)")
    if acct["status"] == "review":
        raise Refused(403, "账户正在等待运营人员审核，审核通过后密钥方可使用 (account awaiting review)")
    if acct["status"] != "active":
        raise Refused(403, "账户已暂停使用 (account suspended)")
    if by_cookie and acct["kind"] != "staff":
        raise Refused(403, "登录 Cookie 仅限工作人员 (the sign-in cookie is for staff only)")
    return Actor(result.account_id, result.prefix, acct["kind"], acct["role"])


@dataclass(frozen=True)
class Grant:
    dataset: str
    columns: list[str] | None
    ends_on: str


def has_grant(store: Store, account_id: int | None, dataset: str, today: date) -> Grant | None:
    """The account's valid grant on a dataset today (the widest if several), else None."""
    if account_id is None:
        return None
    rows = store.all("select columns, ends_on from grants where account_id = ? and dataset = ?"
                     " and ends_on >= ? and revoked_at is null", (account_id, dataset, today.isoformat()))
    grants = [Grant(dataset, json.loads(r["columns"]) if r["columns"] else None, r["ends_on"]) for r in rows]
    return next((g for g in grants if g.columns is None), grants[0] if grants else None)


def add_grant(store: Store, account_id: int, dataset: str, ends_on: date, granted_by: str,
              columns: list[str] | None = None, request_id: int | None = None) -> int:
    """Record a grant (the request queue calls this when a department approves an application)."""
    with store.tx() as c:
        audit.with_change(c, 201, dataset)   # the grant and its audit entry commit together
        return c.execute("insert into grants (account_id, dataset, columns, ends_on, granted_by, request_id,"
                         " created_at) values (?, ?, ?, ?, ?, ?, ?)",
                         (account_id, dataset, json.dumps(columns, ensure_ascii=False) if columns else None,
                          ends_on.isoformat(), granted_by, request_id, now_iso())).lastrowid


def target(path: str, params: list[tuple[str, str]]) -> tuple[str | None, str | None]:
    """(database, dataset) a request reads: /data/<t>..., /restricted/<t>..., CKAN ?resource_id= / ?id=."""
    parts = path.strip("/").split("/")
    db = parts[0].split(".")[0]
    if db in (PUBLIC_DB, RESTRICTED_DB):
        return db, parts[1].split(".")[0] if len(parts) > 1 and parts[1] else None
    if path.startswith(("/api/3/action/", "/api/action/")):
        p = dict(params)
        return None, p.get("resource_id") or p.get("id")
    return None, None


def wants_sql(params: list[tuple[str, str]]) -> bool:
    """Arbitrary SQL: ?sql= and Datasette's ?_where= fragments."""
    return any(k == "sql" or k.startswith("_where") for k, _ in params)


def sql_rule(actor: Actor, db: str | None, params) -> None:
    if not wants_sql(params):
        return
    if db == RESTRICTED_DB:
        raise Refused(403, "依申请开放数据不支持自定义SQL查询 (no custom SQL on open-on-request data)")
    if not actor.registered:
        raise Refused(403, "自定义SQL查询（?sql=）仅向实名注册用户开放：请注册后在请求头携带API密钥"
                           "（Authorization: Bearer <密钥>）。 (custom SQL needs a registered API key)",
                      {"register": REGISTER_PAGE})


def restricted_rule(svc: Services, actor: Actor, path: str, dataset: str | None, params, today: date):
    """Open-on-request tables: served only to a key with a valid grant, and only the granted columns.

    Returns the query parameters to pass on (the granted columns forced in), or raises Refused.
    """
    apply = {"apply": "/requests/", "register": REGISTER_PAGE}
    if dataset is None:
        raise Refused(403, "依申请开放数据库不可浏览，请按数据集申请 (browse open-on-request data by dataset)", apply)
    grant = has_grant(svc.store, actor.account_id, dataset, today)
    if grant is None:
        who = "请先实名注册并申请" if not actor.registered else "您的账户没有该数据集的有效授权，请提交申请"
        raise Refused(403, f"该数据为依申请开放，须经申请批准后使用：{who}。 (open on request: no valid grant)",
                      apply)
    if grant.columns is None:
        return params
    if len(path.strip("/").split("/")) > 2:
        raise Refused(403, "授权仅含部分字段，不可查看整行 (grant covers some columns only: no row pages)")
    return column_grant_params(grant.columns, params)


def column_grant_params(granted: list[str], params) -> list[tuple[str, str]]:
    """The parameters a column grant passes on (granted columns forced in, facets off), or Refused.

    Only an allow-list passes: filters on granted columns with a known operator, and the paging and
    shape parameters. No search, _where, _through, _facet*, _nocol, _labels, _extra or row page: each
    of those can read a column outside the grant.
    """
    from .params import FILTER_OPS
    allowed = set(granted)
    for k, v in params:
        column, _, op = k.rpartition("__") if "__" in k else (k, "", "")  # as Datasette splits it
        if k.startswith("_"):
            ok = k in GRANT_PARAMS or k in GRANT_COLUMN_PARAMS and v in allowed
        else:
            ok = column in allowed and (not op or op in FILTER_OPS)
        if not ok:
            raise Refused(403, f"授权仅含部分字段，不支持参数 {_short(k)} 或未授权的字段 (with a column grant only granted"
                               " columns and paging parameters may be used)", {"granted_columns": granted})
    asked = [v for k, v in params if k == "_col"]
    rest = [(k, v) for k, v in params if k not in ("_col", "_nofacet", "_nosuggest")]
    return rest + [("_col", c) for c in (asked or granted)] + GRANT_FORCED


def _short(name: str) -> str:
    """A parameter name fit to quote back: identifier-like and short, else a placeholder."""
    from .crypto import scrub
    return name if len(name) <= 30 and name == scrub(name) and name.replace("_", "a").isalnum() else "(?)"


def client_ip(scope) -> str:
    return (scope.get("client") or ("unknown", 0))[0]


async def send_json(send, status: int, body: dict, headers: list | None = None) -> None:
    data = json.dumps(body, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(data)).encode()),
        (b"cache-control", b"no-store"), *(headers or [])]})
    await send({"type": "http.response.body", "body": data})


class RowCounter:
    """Counts the rows a response returns (JSON rows/records, CSV lines, HTML table rows)."""

    def __init__(self):
        self.kind, self.chunks, self.newlines, self.trs = None, [], 0, 0
        self.fixed: int | None = None   # a download file: its rows are known, its bytes not parsed

    def start(self, headers) -> None:
        if self.fixed is not None:
            return
        ctype = dict((k.lower(), v) for k, v in headers).get(b"content-type", b"")
        self.kind = "json" if b"json" in ctype else "csv" if b"csv" in ctype or b"text/plain" in ctype \
            else "html" if b"html" in ctype else None

    def feed(self, body: bytes) -> None:
        if self.kind == "json":
            self.chunks.append(body)
        elif self.kind == "csv":
            self.newlines += body.count(b"\n")
        elif self.kind == "html":
            self.trs += body.count(b"<tr")

    def rows(self) -> int:
        if self.fixed is not None:
            return self.fixed
        if self.kind == "csv":
            return max(0, self.newlines - 1)
        if self.kind == "html":
            return max(0, self.trs - 1)
        if self.kind != "json":
            return 0
        try:
            doc = json.loads(b"".join(self.chunks))
        except ValueError:
            return 0
        if isinstance(doc, list):
            return len(doc)
        if isinstance(doc, dict):
            inner = doc.get("result") if isinstance(doc.get("result"), dict) else doc
            for k in ("rows", "records", "results"):
                if isinstance(inner.get(k), list):
                    return len(inner[k])
        return 0


READ_METHODS = ("GET", "HEAD", "OPTIONS")   # the data paths are read-only: a POST to a table is a 405


def _data_path(path: str) -> bool:
    return path.strip("/").split("/")[0].split(".")[0] in (PUBLIC_DB, RESTRICTED_DB)


def check_request(scope, params) -> None:
    """Refuse what Datasette would answer with a 500: a write method, a malformed parameter value."""
    from .params import problems
    if _data_path(scope["path"]) and scope.get("method", "GET") not in READ_METHODS:
        raise Refused(405, "数据接口只读，仅支持 GET (the data API is read-only: use GET)")
    parts = scope["path"].strip("/").split("/")
    # /data.csv without ?sql= makes Datasette fail (a 500); /data.json is the catalogue export (ours).
    if len(parts) == 1 and parts[0].partition(".")[2] not in ("", "json") \
            and not any(k == "sql" and v.strip() for k, v in params) \
            and _data_path(scope["path"]):
        raise Refused(400, "数据库级导出须带 ?sql= 查询，整表请用 /data/<表名>.csv (a database export needs ?sql=)")
    bad = problems(params) if _data_path(scope["path"]) else []
    if bad:
        raise Refused(400, f"参数值无效：{'、'.join(bad)} (invalid parameter value: {', '.join(bad)})")


async def guard(svc: Services, scope, receive, send, app, today: date | None = None,
                catalog: dict | None = None) -> None:
    """Identify, apply quota and access rules, pass on, then audit and count rows (one transaction)."""
    path = scope["path"]
    if path.startswith(FREE_PREFIXES):
        return await app(scope, receive, send)
    params = parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"), keep_blank_values=True)
    db, dataset = target(path, params)
    asked = params  # as sent (params may be narrowed below)
    ip = client_ip(scope)
    actor, decision, status, counter = Actor(), None, 0, RowCounter()
    table = tiers(svc.cfg.quotas)
    reserved, subject = 0, f"ip:{ip}"
    try:
        try:
            actor = identify(svc, scope.get("headers", []))
        finally:
            subject = f"acct:{actor.account_id}" if actor.registered else f"ip:{ip}"
            decision = svc.limiter.check(subject, table[actor.tier])
        if not decision.allowed:
            status = 429
            return await send_json(send, 429, decision.refusal(), [
                *decision.headers(), (b"retry-after", str(decision.retry_after).encode())])
        check_request(scope, params)
        sql_rule(actor, db, params)
        if db == RESTRICTED_DB:
            params = restricted_rule(svc, actor, path, dataset, params, today or svc.cfg.today())
        try:
            budget = row_cap.plan(path, params, decision.rows_remaining, catalog or {},
                                  svc.cfg.default_page_size, svc.cfg.max_returned_rows)
        except row_cap.OverBudget as e:
            raise Refused(429, f"请求超出今日行数限额：{e} (row quota)",
                          {"limit": {"tier": decision.tier.name, "rows_per_day": decision.tier.rows_per_day}})
        reserved = budget.reserve
        svc.limiter.add_rows(subject, reserved)   # held now, so parallel requests cannot overshoot
        counter.fixed = budget.fixed
        scope = {**scope, "query_string": urlencode(budget.params).encode(),
                 "portal.rows_remaining": decision.rows_remaining}
        if db == RESTRICTED_DB:
            scope["portal.grant"] = dataset
    except Refused as r:
        status = r.status
        extra = [(b"www-authenticate", b'Bearer realm="portal"')] if r.status == 401 else []
        return await send_json(send, r.status, {"ok": False, "status": r.status, "error": r.message, **r.extra},
                               [*(decision.headers() if decision else []), *extra])
    finally:
        if status:
            _record(svc, scope, actor, ip, dataset, 0, status)

    async def counting_send(message):
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            counter.start(message.get("headers", []))
            message = {**message, "headers": [*message.get("headers", []), *decision.headers()]}
        elif message["type"] == "http.response.body":
            counter.feed(message.get("body", b""))
        await send(message)

    reply = counting_send
    if path.split("/")[1].endswith(".csv") and wants_sql(asked):   # a failed query is a 400, not an empty 200
        reply = FailedCsv(reply, header_off=dict(asked).get("_header") == "off")
    # Errors that quote a sent value back get a fixed message (the SQL editor page keeps the query).
    # ... and no answer carries a personal value the caller sent (query or body): its placeholder instead.
    body = bytearray()

    async def reading():
        message = await receive()
        if message.get("type") == "http.request" and len(body) <= svc.cfg.operations.max_body_bytes:
            body.extend(message.get("body", b""))
        return message
    reply = NoEcho(reply, sent_values(asked), keep_html=wants_sql(asked),
                   personal=lambda: personal_values(asked, bytes(body)))
    scope = {**scope, "portal.actor": actor}
    rows = 0
    # A change the request makes writes this entry in its own transaction (audit.with_change).
    pending = audit.Pending(svc.audit_key, _entry(scope, actor, ip, dataset, 0, 0))
    token = audit.PENDING.set(pending)
    try:
        await app(scope, reading, reply)
        rows = counter.rows()
        if counter.fixed is not None and (status != 200 or scope.get("method") == "HEAD"):
            rows = 0   # a download not sent (304, HEAD, error) returned no rows
    finally:
        audit.PENDING.reset(token)
        svc.limiter.add_rows(subject, -reserved)
        _record(svc, scope, actor, ip, dataset, rows, status or 500, audited=pending.written)


def _entry(scope, actor: Actor, ip: str, dataset, rows: int, status: int) -> audit.Entry:
    qs = scope.get("query_string", b"").decode("utf-8", "replace")
    return audit.Entry(actor.account_id, actor.key_prefix, ip, scope.get("method", "GET"),
                       scope["path"] + (f"?{qs}" if qs else ""), dataset, rows, status)


def _record(svc: Services, scope, actor: Actor, ip: str, dataset, rows: int, status: int,
            audited: bool = False) -> None:
    """One transaction: the audit entry (unless a change already wrote it), the day's usage, the key's last use."""
    subject = f"acct:{actor.account_id}" if actor.registered else f"ip:{ip}"
    day = svc.limiter.day()
    with svc.store.tx() as c:
        if not audited:
            audit.append(c, svc.audit_key, _entry(scope, actor, ip, dataset, rows, status))
        c.execute("insert into usage_daily (subject, day, requests, rows) values (?, ?, 1, ?)"
                  " on conflict (subject, day) do update set requests = requests + 1, rows = rows + excluded.rows",
                  (subject, day, rows))
        if actor.key_prefix:
            c.execute("update api_keys set last_used_at = ? where prefix = ?", (now_iso(), actor.key_prefix))
    svc.limiter.add_rows(subject, rows)
