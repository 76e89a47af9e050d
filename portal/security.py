"""The outermost ASGI layer: security headers (a fixed CSP, HSTS over HTTPS), body size limit, malformed JSON refused."""
from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import datasette

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# 'unsafe-inline' for styles only: Datasette's templates carry style="" attributes; styles cannot run code.
CSP = ("default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin"),
           (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin"),
           (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]
HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
# The values Datasette renders into its one templated inline script (table.html).
_TEMPLATE_VALUES = {"{{ datasette_allow_facet }}": ("true", "false")}


def shipped_inline_scripts(template_dir: Path) -> list[str]:
    """Every inline script Datasette's own templates can render, read from the template files.

    The static site has none (site/templates moves Material's into files); these few are Datasette's
    fixed menus and SQL-editor scripts. A script whose text depends on anything else is not allowed."""
    out = []
    for path in sorted(template_dir.rglob("*.html")):
        for body in _INLINE_SCRIPT.findall(path.read_text(encoding="utf-8")):
            variants = [body]
            for slot, values in _TEMPLATE_VALUES.items():
                if slot in body:
                    variants = [v.replace(slot, value) for v in variants for value in values]
            out += [v for v in variants if "{{" not in v and "{%" not in v]
    return out


def _hash(script: str) -> str:
    return f" 'sha256-{base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()}'"


def csp_for(scripts: list[str]) -> bytes:
    """The Content-Security-Policy: the site's own files, plus the given fixed inline scripts by hash."""
    return CSP.format(hashes="".join(dict.fromkeys(_hash(s) for s in scripts))).encode()


# Decided once, from files the portal ships: never from a response body, which may carry injected markup.
POLICY = csp_for(shipped_inline_scripts(Path(datasette.__file__).parent / "templates"))


def is_https(scope) -> bool:
    """Served over HTTPS: the ASGI scheme (uvicorn sets it from a trusted proxy's header when configured)."""
    return scope.get("scheme") in ("https", "wss")


def local_location(value: bytes) -> bytes:
    """A redirect target kept on this site: a path with one leading slash (any scheme, host, extra
    slashes or backslashes are dropped, so "//evil.example/x" and "/\\evil.example" stay here)."""
    text = value.decode("latin-1").strip()
    parts = urlsplit(text.replace("\\", "/"))
    rest = parts.path + (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    if parts.scheme or parts.netloc or not text.startswith("/") or text.startswith(("//", "/\\")):
        rest = "/" + rest.lstrip("/")
    return rest.encode("latin-1")


def with_headers(headers: list, https: bool = False) -> list:
    """The response headers with ours set (replacing any the inner app set itself); HSTS only over HTTPS;
    a Location never leaves the portal's origin."""
    ours = {k for k, _ in HEADERS} | {b"content-security-policy", HSTS[0]}
    kept = [(k, local_location(v) if k.lower() == b"location" else v) for k, v in headers if k.lower() not in ours]
    return [*kept, *HEADERS, (b"content-security-policy", POLICY), *([HSTS] if https else [])]


async def _refuse(send, status: int, message: str, https: bool = False) -> None:
    body = json.dumps({"ok": False, "status": status, "error": message}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status, "headers": with_headers([
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"), (b"connection", b"close")], https)})
    await send({"type": "http.response.body", "body": body})


def _too_large(limit: int) -> str:
    return f"请求体过大，上限 {limit} 字节 (request body too large: limit {limit} bytes)"


async def read_body(scope, receive, limit: int) -> bytes | None:
    """The whole body, or None as soon as it passes `limit` (Content-Length is checked before reading)."""
    headers = dict((k.lower(), v) for k, v in scope.get("headers", []))
    declared = headers.get(b"content-length")
    if declared is not None and (not declared.strip().isdigit() or int(declared) > limit):
        return None
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def json_problem(scope, body: bytes) -> str | None:
    """Why a JSON body sent to /api/ cannot be parsed, or None."""
    if not body or not scope["path"].startswith("/api/"):
        return None
    ctype = dict((k.lower(), v) for k, v in scope.get("headers", [])).get(b"content-type", b"")
    media = ctype.split(b";")[0].strip().lower()
    if media != b"application/json" and not media.endswith(b"+json"):
        return None
    try:
        json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return "请求体不是有效的 JSON (malformed JSON body: send UTF-8 JSON)"
    return None


class SecurityLayer:
    """Wraps the portal's ASGI app; `max_body` is operations.max_body_bytes."""

    def __init__(self, app, max_body: int):
        self.app, self.max_body = app, max_body

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        https = is_https(scope)
        if scope.get("method") in BODY_METHODS:
            body = await read_body(scope, receive, self.max_body)
            if body is None:
                return await _refuse(send, 413, _too_large(self.max_body), https)
            problem = json_problem(scope, body)
            if problem:
                return await _refuse(send, 400, problem, https)
            receive = _replay(body, receive)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                message = {**message, "headers": with_headers(message.get("headers", []), https)}
            await send(message)
        await self.app(scope, receive, send_with_headers)


def _replay(body: bytes, receive):
    """A receive() that hands the already-read body to the app once, then waits on the real one."""
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()
    return replay
