"""No answer quotes back what the caller sent: fixed error messages, sent personal values as placeholders."""
from __future__ import annotations

import html
import json
import logging
import re
import secrets
from urllib.parse import quote, quote_plus

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


def _strings(value) -> list[str]:
    """Every string inside a parsed JSON body (keys too: a key is something the caller typed)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_strings(k), *_strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def personal_values(params: list[tuple[str, str]], body: bytes = b"") -> dict[str, str]:
    """The personal values (detector findings) in what the caller sent, each with its placeholder.

    The rule: published tables are already desensitized, so a personal value in an answer can only be
    the caller's own input reflected (a search box, a filter, the SQL editor, CKAN's echo of q/filters
    and its _links, `select '<a mobile>'`). The caller knows it already; nobody else who sees the answer
    (a shared screen, a proxy or browser cache, a pasted link, a log downstream) should. So every
    answer, whatever its status or format, carries the placeholder instead."""
    from anonymize.detect import PERSONAL_ENTITIES, find
    from anonymize.scan import ENTITY_LABELS

    from .audit_shape import decode, _plainly_impersonal
    texts = [v for _, v in params] + [decode(v) for _, v in params]
    if body:
        try:
            texts += _strings(json.loads(body))
        except (ValueError, RecursionError):
            texts.append(body.decode("utf-8", "replace"))
    found: dict[str, str] = {}
    for text in dict.fromkeys(texts):
        if not text or _plainly_impersonal(text):
            continue
        for f in find(text):
            if f.entity in PERSONAL_ENTITIES and f.end - f.start >= 2:
                found[text[f.start:f.end]] = f"［{ENTITY_LABELS.get(f.entity, '个人信息')}］"
    return found


class Reflection:
    """Replaces personal values in answer bytes, in the forms an answer writes them: as sent, JSON-escaped,
    HTML-escaped and percent-encoded (a link back to the same query). Streams: a chunk's last bytes wait
    for the next chunk, so a value split across two chunks is still found."""

    def __init__(self, found: dict[str, str]):
        self.forms: dict[bytes, bytes] = {}
        for value, mark in found.items():
            for enc in (lambda s: s, lambda s: json.dumps(s)[1:-1], lambda s: json.dumps(s, ensure_ascii=False)[1:-1],
                        html.escape, lambda s: quote(s, safe=""), quote_plus, lambda s: quote(s, safe="/:")):
                form = enc(value).encode("utf-8")
                if len(form) >= 2:
                    self.forms.setdefault(form, enc(mark).encode("utf-8"))
        alts = sorted(self.forms, key=len, reverse=True)
        self.pattern = re.compile(b"|".join(map(re.escape, alts))) if alts else None
        self.hold = max(map(len, alts), default=1) - 1
        self.carry = b""

    def __bool__(self) -> bool:
        return self.pattern is not None

    def replace(self, data: bytes) -> bytes:
        return self.pattern.sub(lambda m: self.forms[m.group()], data) if self.pattern else data

    def feed(self, chunk: bytes, final: bool) -> bytes:
        data, out, pos = self.carry + chunk, [], 0
        limit = len(data) if final else max(0, len(data) - self.hold)
        for m in self.pattern.finditer(data):
            if m.start() >= limit:
                break
            out += [data[pos:m.start()], self.forms[m.group()]]
            pos = m.end()
        keep = max(pos, limit)
        out.append(data[pos:keep])
        self.carry = data[keep:]
        return b"".join(out)


class NoEcho:
    """An ASGI `send` wrapper: holds an error answer (status >= 400) until it is complete, and replaces
    it when it quotes a sent value (Datasette answers "Invalid _shape: <what you sent>" itself).
    With `personal` (a callable giving personal_values once the request body has been read), every
    answer, success or error, has those values replaced by their placeholders (Reflection)."""

    def __init__(self, send, values: set[str], keep_html: bool = False, personal=None):
        self.send, self.values, self.keep_html = send, values, keep_html
        self.start: dict | None = None
        self.chunks: list[bytes] = []
        self.personal, self.reflection = personal, None
        self.held: dict | None = None   # a success start waiting for its first body (content-length)

    async def __call__(self, message):
        if message["type"] == "http.response.start":
            if self.personal is not None and self.reflection is None:
                self.reflection = Reflection(self.personal())
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
            message = {**message, "body": body}
            if self.reflection:
                await self._reflected(start)
            else:
                await self.send(start)
        if self.reflection:
            return await self._reflected(message)
        await self.send(message)

    async def _reflected(self, message) -> None:
        """Send with personal values replaced: headers too; content-length recomputed for a one-part
        body, dropped (chunked) for a streamed one."""
        r = self.reflection
        if message["type"] == "http.response.start":
            self.held = {**message, "headers": [(k, r.replace(v)) for k, v in message.get("headers", [])]}
            return
        if message["type"] != "http.response.body":
            return await self.send(message)
        more = bool(message.get("more_body"))
        body = r.feed(message.get("body", b""), final=not more)
        if self.held is not None:
            start, self.held = self.held, None
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
            if not more:
                headers.append((b"content-length", str(len(body)).encode()))
            await self.send({**start, "headers": headers})
        await self.send({**message, "body": body})

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
