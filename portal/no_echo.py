"""Error answers that would quote back a value the caller sent get a fixed message and an error id."""
from __future__ import annotations

import json
import logging
import re
import secrets

MAX_ERROR_BODY = 1 << 20          # larger error bodies pass unchanged (Datasette's are a few KB)
_WORD = re.compile(r"\d{6,}|\w{6,}")   # long numbers and words inside a value (a column Datasette names)
FIXED = "请求无效 (bad request)"


def sent_values(params: list[tuple[str, str]]) -> set[str]:
    """What the caller sent that an answer must not repeat in an error: whole values and long words.

    Parameter names are left out on purpose: naming an unknown parameter back is the useful part of
    a 400, and a name is never a value."""
    found: set[str] = set()
    for _, value in params:
        if len(value) >= 4:
            found.add(value)
            found.update(_WORD.findall(value))
    return found


class NoEcho:
    """An ASGI `send` wrapper: holds an error answer (status >= 400) until it is complete, and replaces
    it when it quotes a sent value (Datasette answers "Invalid _shape: <what you sent>" itself)."""

    def __init__(self, send, values: set[str], keep_html: bool = False):
        self.send, self.values, self.keep_html = send, values, keep_html
        self.start: dict | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message):
        if message["type"] == "http.response.start":
            ctype = dict(message.get("headers", [])).get(b"content-type", b"")
            if message["status"] >= 400 and self.values and not (self.keep_html and b"html" in ctype):
                self.start = message
                return
        elif message["type"] == "http.response.body" and self.start is not None:
            self.chunks.append(message.get("body", b""))
            size = sum(map(len, self.chunks))
            if message.get("more_body") and size <= MAX_ERROR_BODY:
                return
            body, start = b"".join(self.chunks), self.start
            self.start, self.chunks = None, []
            if not message.get("more_body") and self._echoes(body):
                return await self._fixed(start["status"])
            await self.send(start)
            message = {**message, "body": body}
        await self.send(message)

    def _echoes(self, body: bytes) -> bool:
        """The body holds a sent value as it was sent, or as JSON writes it (escaped)."""
        text = body.decode("utf-8", "replace")
        return any(v in text or json.dumps(v)[1:-1] in text or json.dumps(v, ensure_ascii=False)[1:-1] in text
                   for v in self.values)

    async def _fixed(self, status: int) -> None:
        ref = secrets.token_hex(4)
        logging.getLogger("portal.error").info("error", extra={"fields": {
            "event": "error", "error_id": ref, "status": status, "kind": "answer quoted a sent value"}})
        body = json.dumps({"ok": False, "status": status, "error": f"{FIXED}（错误编号 error id: {ref}）",
                           "error_id": ref}, ensure_ascii=False).encode()
        await self.send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
            (b"cache-control", b"no-store")]})
        await self.send({"type": "http.response.body", "body": body})
