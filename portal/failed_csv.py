"""A CSV answer to ?sql= whose query failed becomes a 400 (Datasette sends 200 and a bare line break)."""
from __future__ import annotations

import json

MESSAGE = "SQL查询无效（语法、字段或函数有误，或超出限制） (invalid SQL query)"


class FailedCsv:
    """An ASGI `send` wrapper: holds a 200's start until the body shows more than line breaks."""

    def __init__(self, send, header_off: bool = False):
        self.send, self.header_off = send, header_off   # with _header=off an empty body is a real answer
        self.start: dict | None = None
        self.chunks: list[bytes] = []

    async def __call__(self, message):
        if message["type"] == "http.response.start" and message["status"] == 200:
            self.start = message
            return
        if message["type"] == "http.response.body" and self.start is not None:
            self.chunks.append(message.get("body", b""))
            body = b"".join(self.chunks)
            if not body.strip():
                if message.get("more_body"):
                    return
                if not self.header_off:
                    return await self._refuse()
            start, self.start, self.chunks = self.start, None, []
            await self.send(start)
            message = {**message, "body": body}
        await self.send(message)

    async def _refuse(self) -> None:
        body = json.dumps({"ok": False, "status": 400, "error": MESSAGE}, ensure_ascii=False).encode()
        await self.send({"type": "http.response.start", "status": 400, "headers": [
            (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
        await self.send({"type": "http.response.body", "body": body})
