"""Structured JSON logs with no personal data: the logging setup of `portal serve` and its access log."""
from __future__ import annotations

import json
import logging
import re
import sys
import time
from datetime import datetime, timezone
from urllib.parse import parse_qsl

from .crypto import scrub
from .keys import KEY_PREFIX, PREFIX_LEN
from .security import csp_for, with_headers

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
    path = scrub(scope.get("path", ""))
    return path + ("?" + "&".join(f"{scrub(n)[:40]}=" for n in names) if names else "")


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
    await send({"type": "http.response.start", "status": 500, "headers": with_headers(headers, csp_for(None))})
    await send({"type": "http.response.body", "body": body})


def handle_exception(datasette, request, exception):
    """Datasette's error page without its stderr traceback (it prints every local variable, so query
    values): log the type and place only. Datasette raises DatasetteError with status 500 for bad
    parameters (`_sort` on an unknown column, ...): those are the caller's mistake, so 400."""
    from datasette.utils.asgi import Base400, Response
    from datasette.views.base import DatasetteError

    async def inner():
        title, info = None, {}
        if isinstance(exception, Base400):
            status, message = exception.status, exception.args[0] if exception.args else ""
        elif isinstance(exception, DatasetteError):
            status = 400 if exception.status == 500 else exception.status
            info, message, title = dict(exception.error_dict), exception.message, exception.title
        elif _callers_mistake(exception):
            status, message = 400, f"参数无效 (invalid parameter): {exception}"
        else:
            status, message = 500, "服务器内部错误 (internal error)"
            logging.getLogger("portal.error").error("unhandled error", exc_info=exception)
        info.update({"ok": False, "error": message, "status": status, "title": title})
        if request.path.split("?")[0].endswith(".json") or request.path.startswith("/api/"):
            return Response.json(info, status=status)
        template = datasette.jinja_env.select_template([f"{status}.html", "error.html"])
        return Response.html(await template.render_async(
            dict(info, urls=datasette.urls, app_css_hash=datasette.app_css_hash(), menu_links=lambda: [])),
            status=status)
    return inner


# SQLite errors caused by what the caller wrote (a column, a _where fragment), not by the server.
_SQL_INPUT_ERRORS = ("no such column", "near ", "unrecognized token", "no such table", "ambiguous column",
                     "incomplete input", "malformed MATCH", "fts5: syntax error", "no such function")


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
    return isinstance(exception, sqlite3.OperationalError) and str(exception).startswith(_SQL_INPUT_ERRORS)


def quiet_datasette_errors() -> None:
    """Unregister Datasette's default error hook: Datasette runs every handle_exception hook, and the
    default one prints a traceback with every local variable (query values) to stderr. Ours replaces it."""
    import datasette.handle_exception as default
    from datasette.plugins import pm
    if pm.is_registered(default):
        pm.unregister(default)
