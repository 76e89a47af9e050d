"""The outermost ASGI layer: security headers on every response, body size limit, malformed JSON refused."""
from __future__ import annotations

import base64
import hashlib
import json
import re

# Inline <script> blocks of an HTML page (Material's two small bootstrap scripts, Datasette's templates):
# each is allowed by its own sha256 instead of 'unsafe-inline', so injected markup could not run.
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S | re.I)
BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# 'unsafe-inline' for styles only: Datasette's templates carry style="" attributes; styles cannot run code.
CSP = ("default-src 'self'; script-src 'self'{hashes}; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
HEADERS = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"strict-origin-when-cross-origin"),
           (b"x-frame-options", b"DENY"), (b"cross-origin-opener-policy", b"same-origin"),
           (b"permissions-policy", b"camera=(), microphone=(), geolocation=()")]


def csp_for(html: bytes | None) -> bytes:
    """The Content-Security-Policy of a response: the hashes of an HTML page's own inline scripts."""
    hashes = "".join(f" 'sha256-{base64.b64encode(hashlib.sha256(s).digest()).decode()}'"
                     for s in dict.fromkeys(_INLINE_SCRIPT.findall(html or b"")))
    return CSP.format(hashes=hashes).encode()


def with_headers(headers: list, csp: bytes) -> list:
    """The response headers with ours set (replacing any the inner app set itself)."""
    ours = {k for k, _ in HEADERS} | {b"content-security-policy"}
    kept = [(k, v) for k, v in headers if k.lower() not in ours]
    return [*kept, *HEADERS, (b"content-security-policy", csp)]


async def _refuse(send, status: int, message: str) -> None:
    body = json.dumps({"ok": False, "status": status, "error": message}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status, "headers": with_headers([
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"), (b"connection", b"close")], csp_for(None))})
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
        if scope.get("method") in BODY_METHODS:
            body = await read_body(scope, receive, self.max_body)
            if body is None:
                return await _refuse(send, 413, _too_large(self.max_body))
            problem = json_problem(scope, body)
            if problem:
                return await _refuse(send, 400, problem)
            receive = _replay(body, receive)
        await self.app(scope, receive, _HeaderSender(send, hold_html=scope.get("method") != "HEAD"))


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


class _HeaderSender:
    """Adds the headers; HTML is held until complete so its inline scripts can be hashed into the CSP."""

    def __init__(self, send, hold_html: bool = True):
        self.send, self.hold_html, self.start, self.chunks = send, hold_html, None, []

    async def __call__(self, message):
        if message["type"] == "http.response.start":
            ctype = dict((k.lower(), v) for k, v in message.get("headers", [])).get(b"content-type", b"")
            if ctype.startswith(b"text/html") and self.hold_html:
                self.start = message
                return
            return await self.send({**message, "headers": with_headers(message.get("headers", []), csp_for(None))})
        if self.start is None or message["type"] != "http.response.body":
            return await self.send(message)
        self.chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        html = b"".join(self.chunks)
        headers = [(k, v) for k, v in self.start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(html)).encode()))
        await self.send({**self.start, "headers": with_headers(headers, csp_for(html))})
        await self.send({"type": "http.response.body", "body": html})
