"""The portal's public address: the one place absolute links get their scheme and host ([site] in portal.toml)."""
from __future__ import annotations

from urllib.parse import urlsplit

from .config import Config

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def _host_header(scope) -> str | None:
    for k, v in scope.get("headers", []):
        if k.lower() == b"host":
            return v.decode("latin-1").strip().lower()
    return None


def _name(host: str) -> str:
    """"example.org:8001" -> "example.org"; "[::1]:8001" -> "::1"."""
    if host.startswith("["):
        return host[1:host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def allowed_hosts(cfg: Config) -> set[str]:
    """Host names (or host:port) a request may name when no base_url is configured."""
    given = [h.lower() for h in cfg.site.allowed_hosts]
    return set(given) if given else {cfg.host.lower(), *LOCAL_HOSTS}


def host_allowed(cfg: Config, scope) -> bool:
    """True when links may be built from this request: a base_url is configured, or the Host is allowed.

    A request without a Host header (HTTP/1.0) is allowed: links then use the listening address."""
    if cfg.site.base_url:
        return True
    host = _host_header(scope)
    if host is None:
        return True
    allowed = allowed_hosts(cfg)
    return host in allowed or _name(host) in allowed


def pinned(cfg: Config, scope) -> dict:
    """The scope with scheme and Host set to [site] base_url, so every layer below (Datasette's
    next_url included) builds its links from the configured address, never from what a client sent."""
    if not cfg.site.base_url:
        return scope
    u = urlsplit(cfg.site.base_url)
    host = u.hostname.encode("idna") + (f":{u.port}".encode() if u.port else b"")
    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"host"]
    return {**scope, "scheme": u.scheme, "headers": [(b"host", host), *headers]}


def base_url(scope) -> str:
    """scheme://host of a request that went through `pinned` and `host_allowed`: for absolute links."""
    scheme = scope.get("scheme") or "http"
    host = _host_header(scope)
    if host is None:
        server = scope.get("server") or ("127.0.0.1", 80)
        host = f"{server[0]}:{server[1]}"
    return f"{scheme}://{host}"
