"""HTTP for the CKAN Action API and the download files: routes, CKAN's envelope, status codes."""
from __future__ import annotations

import asyncio
import json
import logging
import secrets
from urllib.parse import parse_qsl, quote

from datasette.utils.asgi import Response, asgi_send_file

from . import ckan, downloads, provenance, public_url
from .publish import PUBLIC_DB

log = logging.getLogger(__name__)
_contexts: dict[tuple, ckan.Context] = {}
# (status, CKAN __type, message prefix) per error class, as ckan/views/api.py answers them.
ERRORS = {ckan.NotFound: (404, "Not Found Error", "Not found"),
          ckan.NotAuthorized: (403, "Authorization Error", "Access denied")}


def routes():
    return [
        (r"^/api/(?:3/)?action/(?P<name>[^/]*)$", action_view),
        (r"^/downloads/(?P<ident>[a-z0-9][a-z0-9-]*)/(?P<file>[^/]+)$", download_view),
    ]


def _state(datasette):
    from .plugin import state_for
    return state_for(datasette)


def _context(datasette, request) -> ckan.Context:
    """One Context per (release, base URL): the package dicts are built once and reused."""
    st = _state(datasette)
    st.watcher.refresh()
    base = public_url.base_url(request.scope)  # [site] base_url or a checked Host (portal/public_url.py)
    key = (id(st), st.watcher.loaded, base)
    ctx = _contexts.get(key)
    if ctx is None:
        if len(_contexts) > 16:  # Host is client-supplied: keep the cache bounded
            _contexts.clear()
        release = st.watcher.release
        ctx = _contexts[key] = ckan.Context(
            catalog=st.catalog(), data_db=release / f"{PUBLIC_DB}.db" if release else None, base_url=base,
            release=st.watcher.loaded or "", time_limit_ms=st.cfg.sql_time_limit_ms)
    return ctx


def _mixed(pairs: list[tuple[str, str]]) -> dict:
    """Query or form pairs as CKAN reads them: repeated keys become lists."""
    out: dict = {}
    for k, v in pairs:
        out[k] = [*out[k], v] if isinstance(out.get(k), list) else [out[k], v] if k in out else v
    return out


async def _request_data(request) -> dict:
    """GET query parameters, or a POST body as JSON or form (CKAN's _get_request_data)."""
    if request.method != "POST":
        return _mixed(parse_qsl(request.query_string, keep_blank_values=True))
    body = await request.post_body()
    ctype = request.headers.get("content-type", "").split(";")[0].strip()
    if ctype == "application/x-www-form-urlencoded":
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True)
        if len(pairs) == 1 and pairs[0][1] in ("", "1"):  # a JSON document posted as a form key
            data = json.loads(pairs[0][0])
        else:
            data = _mixed(pairs)
    else:
        data = json.loads(body) if body.strip() else {}
    if not isinstance(data, dict):
        raise ValueError("Request data JSON decoded to a non-dictionary but it needs to be a dictionary.")
    return data


def _has_surrogate(data) -> bool:
    """A lone surrogate (JSON "\\ud800") cannot be encoded as UTF-8: SQLite and the response would fail."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _capped(data: dict, name: str, remaining: int | None) -> dict:
    """datastore_search returns no more rows than the caller has left today (access.guard's count)."""
    if name != "datastore_search" or remaining is None:
        return data
    limit = data.get("limit")
    asked = int(limit) if isinstance(limit, (int, str)) and str(limit).isdigit() else ckan.ROWS_DEFAULT
    return {**data, "limit": min(asked, ckan.ROWS_MAX, remaining)} if asked > remaining else data


def _finish(status: int, body) -> Response:
    return Response(json.dumps(body, ensure_ascii=False, default=str), status=status,
                    content_type="application/json;charset=utf-8")


async def action_view(datasette, request):
    name = request.url_vars["name"]
    base = public_url.base_url(request.scope)  # [site] base_url or a checked Host (portal/public_url.py)
    fn = ckan.ACTIONS.get(name)
    envelope = {"help": f"{base}/api/3/action/help_show?name={quote(name if fn else 'help_show')}"}
    if fn is None:
        # CKAN answers 400 with a bare string here; we keep the status and give the envelope, so
        # ckanapi raises NotFound (a CKANAPIError subclass) instead of a generic CKANAPIError.
        # The name sent is not quoted back (it may be anything).
        return _finish(400, {**envelope, "success": False, "error": {
            "__type": "Not Found Error", "message": "Not found: Action name not known"}})
    try:
        data = await _request_data(request)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return _finish(400, {**envelope, "success": False, "error": {
            "__type": "Validation Error", "message": "Bad request - JSON Error: not a JSON object"}})
    if _has_surrogate(data):
        return _finish(400, {**envelope, "success": False, "error": {
            "__type": "Validation Error", "message": "Bad request - text is not valid Unicode (lone surrogate)"}})
    data.pop("callback", None)
    data = _capped(data, name, request.scope.get("portal.rows_remaining"))
    try:
        ctx = _context(datasette, request)
        result = await asyncio.to_thread(fn, ctx, data)
    except ckan.ValidationError as e:
        return _finish(409, {**envelope, "success": False, "error": {**e.errors, "__type": "Validation Error"}})
    except (ckan.NotFound, ckan.NotAuthorized) as e:
        status, kind, prefix = ERRORS[type(e)]
        return _finish(status, {**envelope, "success": False,
                                "error": {"__type": kind, "message": f"{prefix}: {e}" if str(e) else prefix}})
    except Exception:
        ref = secrets.token_hex(4)   # the caller quotes it; the log line has the place, never the values
        log.exception("CKAN action %s failed (error %s)", name, ref)
        return _finish(500, {**envelope, "success": False, "error": {
            "__type": "Internal Server Error", "message": f"Internal Server Error (error id {ref})",
            "error_id": ref}})
    return _finish(200, {**envelope, "success": True, "result": result})


async def download_view(datasette, request, send):
    """A published download file, streamed, with its checksum as ETag and provenance headers."""
    ident, name = request.url_vars["ident"], request.url_vars["file"]
    st = _state(datasette)
    st.watcher.refresh()
    entry = st.catalog().get(ident)
    files = ((ckan._json(entry.get("downloads")) or {}).get("files", {}) if entry else {})
    # Only files recorded in _catalog (open data only) are served: no path from the URL reaches the disk.
    if entry is None or entry.get("database") != PUBLIC_DB or name not in files:
        return await Response.text("Not found", status=404).asgi_send(send)
    info = files[name]
    headers = {
        "content-disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}",
        "etag": f'"{info["sha256"]}"', "x-checksum-sha256": info["sha256"], "cache-control": "public, max-age=300",
        **{k.decode(): v.decode() for k, v in provenance.headers(provenance.for_dataset(entry))},
    }
    if request.headers.get("if-none-match") == headers["etag"]:
        return await Response("", status=304, headers=headers).asgi_send(send)
    path = downloads.downloads_dir(st.watcher.release, ident) / name
    await asgi_send_file(send, path, content_type=info["media_type"], chunk_size=1 << 16, headers=headers)
