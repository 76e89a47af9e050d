"""Structured JSON logs with no personal data: the logging setup of `portal serve` and its access log."""
from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from .crypto import scrub
from .keys import KEY_PREFIX, PREFIX_LEN
from .security import with_headers

ACCESS = logging.getLogger("portal.access")
_KEY_SHAPE = re.compile(re.escape(KEY_PREFIX) + r"[A-Za-z0-9_-]{8}")


class JsonFormatter(logging.Formatter):
    """One JSON object per line. Exception *messages* are left out: they may quote a value."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "logger": record.name}
        fields = getattr(record, "fields", None)
        if fields:
            line.update(fields)
        else:
            line["message"] = scrub(record.getMessage())
        if record.exc_info and record.exc_info[0]:
            line["exception"] = record.exc_info[0].__name__
            tb = record.exc_info[2]
            while tb and tb.tb_next:
                tb = tb.tb_next
            if tb:  # where it happened, never what it said
                line["at"] = f"{tb.tb_frame.f_code.co_filename.rsplit('/', 1)[-1]}:{tb.tb_lineno}"
        return json.dumps(line, ensure_ascii=False)


def setup(level: str = "info", stream=None) -> None:
    """JSON lines on stderr for the portal, Datasette and uvicorn loggers (called by `portal serve`)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "datasette"):
        lg = logging.getLogger(name)
        lg.handlers[:] = []
        lg.propagate = True
    logging.getLogger("uvicorn.access").disabled = True  # ours has the duration and no query values


def safe_path(scope) -> str:
    """The path with long numbers masked, and the query reduced to its parameter names."""
    names = sorted({k for k, _ in parse_qsl(scope.get("query_string", b"").decode("utf-8", "replace"),
                                            keep_blank_values=True)})
    # Our paths are ASCII slugs: a segment with other text, or a long one, is something a caller typed.
    # redact (audit_shape): numbers typed with spaces or dashes (139 1234 5678) that scrub does not see.
    from .audit_shape import redact
    path = "/".join(seg if seg.isascii() and len(seg) <= 80 else "…"
                    for seg in redact(scrub(scope.get("path", ""))).split("/"))
    return path + ("?" + "&".join(f"{redact(scrub(n))[:40]}=" for n in names) if names else "")


def key_prefix(scope) -> str | None:
    """The public prefix of the API key sent, if it has the shape of one of ours (never the key)."""
    for k, v in scope.get("headers", []):
        if k.lower() in (b"authorization", b"x-ckan-api-key"):
            m = _KEY_SHAPE.search(v.decode("latin-1"))
            if m:
                return m.group()[:PREFIX_LEN]
    return None


class AccessLog:
    """One log line per HTTP request; a crash inside becomes a logged 500, never a traceback to stderr."""

    def __init__(self, app, enabled: bool = True):
        self.app, self.enabled = app, enabled

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status, sent = time.perf_counter(), 0, 0

        async def watch(message):
            nonlocal status, sent
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)
        try:
            await self.app(scope, receive, watch)
        except Exception:
            logging.getLogger("portal.error").error("unhandled error", exc_info=True)
            if not status:
                status = 500
                await _internal_error(send)
        finally:
            if self.enabled:
                ACCESS.info("request", extra={"fields": {
                    "event": "access", "method": scope.get("method"), "path": safe_path(scope),
                    "status": status or 499, "ms": round((time.perf_counter() - start) * 1000, 1),
                    "bytes": sent, "key": key_prefix(scope)}})


async def _internal_error(send) -> None:
    body = json.dumps({"ok": False, "status": 500, "error": "服务器内部错误 (internal error)"},
                      ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": with_headers(headers)})
    await send({"type": "http.response.body", "body": body})


def handle_exception(datasette, request, exception):
    """Datasette's error page with a fixed message and an error id, never the exception's text (it may
    quote what the caller sent: a column, a value, an undecodable character) and never a traceback.
    The log line has the id, the exception's type and place, never its message."""
    from datasette.utils.asgi import Response

    async def inner():
        status, message, title = classify(exception)
        ref = secrets.token_hex(4)
        logging.getLogger("portal.error").log(
            logging.ERROR if status >= 500 else logging.INFO, "error", exc_info=exception,
            extra={"fields": {"event": "error", "error_id": ref, "status": status}})
        info = {"ok": False, "error": f"{message}（错误编号 error id: {ref}）", "error_id": ref,
                "status": status, "title": title}
        if request.path.split("?")[0].endswith(".json") or request.path.startswith("/api/"):
            return Response.json(info, status=status)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        return Response.html(await template.render_async(
            dict(info, urls=datasette.urls, app_css_hash=datasette.app_css_hash(), menu_links=lambda: [])),
            status=status)
    return inner


FIXED = {400: "请求参数无效 (bad request)", 403: "禁止访问 (forbidden)", 404: "未找到 (not found)",
         405: "方法不允许 (method not allowed)", 500: "服务器内部错误 (internal error)"}
# SQLite errors caused by what the caller wrote, by the start of SQLite's message -> what we say.
_SQL_INPUT_ERRORS = {
    "no such column": "字段不存在 (no such column)", "near ": "SQL语法错误 (syntax error)",
    "unrecognized token": "SQL语法错误 (syntax error)", "incomplete input": "SQL语法错误 (syntax error)",
    "no such table": "数据表不存在 (no such table)", "ambiguous column": "字段名有歧义 (ambiguous column)",
    "malformed MATCH": "全文检索表达式无效 (invalid search)", "fts5: syntax error": "全文检索表达式无效 (invalid search)",
    "no such function": "函数不存在 (no such function)",
    "not authorized": "不允许使用该函数或语句 (function or statement not allowed)",
    "string or blob too big": "值过长，超出限制 (value too long)",
    "interrupted": "查询超时 (query took too long)",
    "LIKE or GLOB pattern too complex": "匹配模式过长 (pattern too long)",
}


def classify(exception: Exception) -> tuple[int, str, str | None]:
    """(status, fixed message, fixed title) for an exception raised while answering a request."""
    import sqlite3

    from datasette.database import QueryInterrupted
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError
    if isinstance(exception, Base400):
        return exception.status, FIXED.get(exception.status, FIXED[400]), None
    if isinstance(exception, DatasetteError):  # Datasette's 500 for bad parameters is the caller's mistake
        status = 400 if exception.status == 500 else exception.status
        return status, FIXED.get(status, FIXED[400]), exception.title
    if isinstance(exception, QueryInterrupted):
        return 400, _SQL_INPUT_ERRORS["interrupted"], None
    if isinstance(exception, sqlite3.Error):
        text = str(exception)
        said = next((v for k, v in _SQL_INPUT_ERRORS.items() if text.startswith(k)), None)
        if said:
            return 400, said, None
    if isinstance(exception, MemoryError):  # SQLite's heap limit reached by one query
        return 400, "查询所需内存超出限制 (query needs too much memory)", None
    if _callers_mistake(exception):
        return 400, FIXED[400], None
    return 500, FIXED[500], None


def _callers_mistake(exception: Exception) -> bool:
    """Bad parameters Datasette does not check itself: `_through` that is not JSON, SQL that does not parse."""
    import sqlite3
    if isinstance(exception, ValueError):  # json.JSONDecodeError, int("x"), ...
        return True
    if isinstance(exception, TypeError):  # a filter given JSON of the wrong shape (`_through=1e999`)
        tb = exception.__traceback__
        while tb and tb.tb_next:
            tb = tb.tb_next
        return bool(tb) and tb.tb_frame.f_code.co_filename.endswith("datasette/filters.py")
    if isinstance(exception, sqlite3.ProgrammingError):  # several statements, or a NUL in a value
        return any(m in str(exception) for m in ("one statement", "null character"))
    return False


def quiet_datasette_errors() -> None:
    """Unregister Datasette's default error hook: Datasette runs every handle_exception hook, and the
    default one prints a traceback with every local variable (query values) to stderr. Ours replaces it."""
    import datasette.handle_exception as default
    from datasette.plugins import pm
    if pm.is_registered(default):
        pm.unregister(default)
