"""Serve the built static site (build/site) as ASGI: files, directory index pages and a 404 page."""
from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import quote

mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("application/ld+json", ".jsonld")
mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("application/manifest+json", ".webmanifest")


def clean_path(url_path: str) -> str | None:
    """The site path a request names: one leading slash, no empty or dot segments; None for one that
    climbs with .. or holds a backslash or NUL (browsers read a backslash as a slash).

    url_path is the ASGI path, decoded once by the server: it is never decoded again, so
    %252e%252e stays the literal name "%2e%2e" instead of becoming "..".
    """
    if "\\" in url_path or "\x00" in url_path:
        return None
    parts = [seg for seg in url_path.split("/") if seg not in ("", ".")]
    if ".." in parts:
        return None
    return "/" + "/".join(parts) + ("/" if parts and url_path.endswith("/") else "")


def resolve(site_dir: Path, url_path: str) -> Path | None:
    """The file a URL path names inside site_dir, or None; never a file outside it."""
    clean = clean_path(url_path)
    if clean is None:
        return None
    root = site_dir.resolve()
    try:  # a name too long for the file system names no file (not a 500)
        candidate = (root / clean.lstrip("/")).resolve()
        if not candidate.is_relative_to(root):
            return None
        if candidate.is_dir():
            candidate = candidate / "index.html"
        return candidate if candidate.is_file() else None
    except OSError:
        return None


def location(clean: str) -> bytes:
    """A redirect target on this site: always a path with exactly one leading slash, re-encoded."""
    return quote("/" + clean.lstrip("/"), safe="/").encode()


async def send_file(send, path: Path, status: int = 200, head: bool = False, headers: list | None = None):
    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if ctype.startswith("text/") or ctype in ("application/javascript", "application/json"):
        ctype += "; charset=utf-8"
    body = path.read_bytes()
    cache = b"no-cache" if path.suffix == ".html" else b"public, max-age=3600"
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode()),
        (b"cache-control", cache), *(headers or [])]})
    await send({"type": "http.response.body", "body": b"" if head else body})


async def serve(scope, send, site_dir: Path) -> None:
    """Answer a GET/HEAD for the static site; redirect /dir to /dir/ as MkDocs links expect."""
    path = scope["path"]
    head = scope["method"] == "HEAD"
    if scope["method"] not in ("GET", "HEAD"):
        await send({"type": "http.response.start", "status": 405,
                    "headers": [(b"allow", b"GET, HEAD"), (b"content-type", b"text/plain; charset=utf-8")]})
        await send({"type": "http.response.body", "body": "方法不允许 (method not allowed)".encode()})
        return
    found = resolve(site_dir, path)
    if found is not None and not path.endswith("/") and found.name == "index.html" \
            and not path.endswith("index.html"):
        # Built from the cleaned path, never the raw one: "//evil.example/x" must not become a
        # protocol-relative Location that leaves the site.
        await send({"type": "http.response.start", "status": 301,
                    "headers": [(b"location", location(clean_path(path) + "/"))]})
        await send({"type": "http.response.body", "body": b""})
        return
    if found is None:
        page = site_dir / "404.html"
        if page.is_file():
            await send_file(send, page, 404, head)
            return
        await send({"type": "http.response.start", "status": 404, "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
        await send({"type": "http.response.body", "body": "页面不存在 (not found)".encode()})
        return
    await send_file(send, found, 200, head)
