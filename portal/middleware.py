"""The portal's ASGI layer around Datasette: URL routing, Chinese search, provenance, closed databases."""
from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from . import access, params, provenance, public_url, search, static
from .publish import PUBLIC_DB, RESTRICTED_DB

# Paths Datasette answers; everything else is the static site.
DATASETTE_PREFIXES = ("/-/", "/api/", f"/{PUBLIC_DB}", f"/{RESTRICTED_DB}", "/catalog.jsonld",
                      "/downloads/")


# Datasette's /-/ pages anyone may fetch: its CSS/JS and the health probes. The rest (metadata,
# databases, versions, threads, plugins, settings, config, actor, permissions, messages, patterns...)
# disclose paths, versions and configuration: staff only.
PUBLIC_INTROSPECTION = ("/-/static/", "/-/static-plugins/", "/-/health")


def staff_only(path: str) -> bool:
    """A Datasette /-/ introspection page, which only staff may see."""
    return (path == "/-" or path.startswith("/-/")) and not path.startswith(PUBLIC_INTROSPECTION)


def is_datasette(path: str) -> bool:
    return any(path == p.rstrip("/") or path.startswith(p if p.endswith("/") else p + "/")
               or path.startswith(p + ".") for p in DATASETTE_PREFIXES)


def table_of(path: str) -> tuple[str, str] | None:
    """(database, table) for /data/<table>[.json|/...], else None."""
    parts = path.strip("/").split("/")
    if len(parts) < 2 or parts[0] not in (PUBLIC_DB, RESTRICTED_DB):
        return None
    table = parts[1].split(".")[0]
    return parts[0], table


def rewrite_search(scope: dict) -> dict:
    """Cut `_search` into bigrams the way the index was cut, so 2-character queries match."""
    qs = scope.get("query_string", b"").decode("utf-8", "replace")
    if "_search" not in qs:
        return scope
    pairs = [(k, search.to_query(v) if k == "_search" or k.startswith("_search_") else v)
             for k, v in parse_qsl(qs, keep_blank_values=True)]
    return {**scope, "query_string": urlencode(pairs).encode()}


async def json_error(send, status: int, message: str, extra: dict | None = None, headers=None):
    body = json.dumps({"ok": False, "status": status, "error": message, **(extra or {})},
                      ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode()),
        *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class PortalApp:
    """Wraps Datasette's ASGI app; `state` is the PortalState made at startup."""

    def __init__(self, app, state):
        self.app, self.state = app, state

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        self.state.watcher.refresh()
        cfg = self.state.cfg
        if not public_url.host_allowed(cfg, scope):  # links are built from the Host: never from an unknown one
            return await json_error(send, 400, "未知的主机名 (unknown Host: set [site] base_url or allowed_hosts)")
        scope = public_url.pinned(cfg, scope)
        path = scope["path"]
        if not is_datasette(path):
            return await static.serve(scope, send, self.state.site_dir)
        # Keys, quotas, SQL and grant rules, audit (portal/access.py); then Datasette.
        return await access.guard(access.services(self.state.cfg), scope, receive, send, self._datasette,
                                  catalog=self.state.catalog())

    async def _datasette(self, scope, receive, send):
        path = scope["path"]
        actor = scope.get("portal.actor")  # set by access.guard
        if staff_only(path) and getattr(actor, "kind", None) != "staff":
            return await json_error(send, 403, "仅限工作人员 (staff only)")
        target = table_of(path)
        # Defence in depth: access.guard marks the one restricted table a grant opens.
        if target and target[0] == RESTRICTED_DB and scope.get("portal.grant") != target[1]:
            return await json_error(send, 403, "该数据为依申请开放，须经申请批准后使用 (open on request: "
                                    "apply through the portal)", {"apply": "/requests/"})
        entry = self.state.catalog().get(target[1]) if target else None
        if entry is None or not entry.get("database"):  # catalogue-only or withdrawn: no data, no provenance
            return await self.app(rewrite_search(scope), receive, send)
        bad = params.unknown(scope.get("query_string", b""), entry.get("columns") or [])
        if bad:
            return await json_error(send, 400, f"未知参数：{'、'.join(bad)}（既不是数据表的列，也不是接口参数）"
                                    f" (unknown parameter: {', '.join(bad)})", {"columns": entry.get("columns")})
        return await self._with_provenance(rewrite_search(scope), receive, send, provenance.for_dataset(entry))

    async def _with_provenance(self, scope, receive, send, prov: dict):
        start: dict = {}
        chunks: list[bytes] = []
        extra = provenance.headers(prov)

        async def capture(message):
            if message["type"] == "http.response.start":
                start.update(message)
                ctype = dict(message.get("headers", [])).get(b"content-type", b"")
                if not ctype.startswith(b"application/json"):
                    start["passthrough"] = True
                    await send({**message, "headers": [*message.get("headers", []), *extra]})
                return
            if start.get("passthrough"):
                return await send(message)
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                body = provenance.add_to_json(b"".join(chunks), prov)
                headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
                await send({"type": "http.response.start", "status": start["status"],
                            "headers": [*headers, (b"content-length", str(len(body)).encode()), *extra]})
                await send({"type": "http.response.body", "body": body})
        await self.app(scope, receive, capture)
