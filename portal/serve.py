"""Build the Datasette instance that serves the portal, and run it on one port."""
from __future__ import annotations

from pathlib import Path

from datasette.app import Datasette

from .config import Config


class NotPublished(Exception):
    """There is no published release to serve yet."""


def make_datasette(cfg: Config, config_file: Path | None = None) -> Datasette:
    """Datasette with the portal plugin; the databases come from the current release (see releases.py)."""
    if not cfg.current.exists():
        raise NotPublished(f"{cfg.current}: 尚未发布数据 (nothing published yet: run `portal build` first)")
    plugin = {"config_file": str(config_file) if config_file else None,
              "datasets_dir": str(cfg.datasets_dir), "build_dir": str(cfg.build_dir),
              "state_dir": str(cfg.state_dir)}
    return Datasette(
        files=[],
        metadata={"plugins": {"portal": plugin}},
        settings={
            # Facet suggestions count distinct values over whole tables on every request: off
            # (PERFORMANCE.md: 1 -> 150 requests/s on a million rows). Declared facets still work.
            "suggest_facets": False,
            "sql_time_limit_ms": cfg.sql_time_limit_ms,
            "max_returned_rows": cfg.max_returned_rows,
            "default_page_size": cfg.default_page_size,
            "allow_download": False,   # raw database files are never downloadable
            "default_allow_sql": True,  # the plugin restricts ?sql= to registered keys
        },
    )


PROXY_HEADERS = (b"x-forwarded-for", b"x-forwarded-proto", b"forwarded", b"x-forwarded-host", b"x-real-ip")


def trusting_proxies(app, trusted: list[str]):
    """The ASGI app seeing the client as [server] trusted_proxies say, and never the raw proxy headers.

    From a trusted proxy, X-Forwarded-For names the client (the right-most address that is not itself
    a trusted proxy) and X-Forwarded-Proto the scheme (uvicorn's ProxyHeadersMiddleware); from anyone
    else they are ignored. Either way the headers are then removed, so no later layer can believe them.
    """
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    async def strip(scope, receive, send):
        if scope["type"] in ("http", "websocket"):
            scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k.lower() not in PROXY_HEADERS]}
        await app(scope, receive, send)
    return ProxyHeadersMiddleware(strip, trusted_hosts=list(trusted)) if trusted else strip


def run(ds: Datasette, cfg: Config) -> None:
    import uvicorn
    # proxy_headers=False: uvicorn's default believes X-Forwarded-For from 127.0.0.1, i.e. from anyone
    # on a same-host deployment; trusting_proxies applies the configured list instead.
    uvicorn.run(trusting_proxies(ds.app(), cfg.server.trusted_proxies), host=cfg.host, port=cfg.port,
                log_level="warning", access_log=False, proxy_headers=False,
                server_header=False,  # `server: uvicorn` tells an attacker what to look up
                log_config=None)  # our JSON logging (portal/logs.py) is already set up
