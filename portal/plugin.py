"""Datasette hooks only: each a few lines that delegate to the portal's modules."""
from __future__ import annotations

from datasette import hookimpl

from . import config as config_mod
from .middleware import PortalApp
from .state import PortalState

_states: dict[int, PortalState] = {}


def state_for(datasette) -> PortalState:
    """The portal state of this Datasette instance (made on first use; settings from plugin_config)."""
    st = _states.get(id(datasette))
    if st is None:
        settings = datasette.plugin_config("portal") or {}
        cfg = config_mod.load(settings.get("config_file"), **{k: v for k, v in settings.items()
                                                               if k != "config_file"})
        st = _states[id(datasette)] = PortalState(datasette, cfg)
        st.watcher.refresh()
    return st


@hookimpl
def startup(datasette):
    state_for(datasette)
    from . import audit_shape, logs
    audit_shape.redact("张三 13800000000")  # load the detector's lexicons now, not inside the first request
    logs.quiet_datasette_errors()  # our handle_exception below replaces it


@hookimpl
def prepare_connection(conn, database, datasette):
    from . import sql_guard
    if database in sql_guard.LIMITED:  # bounded functions, value length and memory for every query
        sql_guard.limit(conn)


@hookimpl
def asgi_wrapper(datasette):
    from . import logs
    from .security import SecurityLayer
    ops = state_for(datasette).cfg.operations  # outermost: access log, then headers and body limits
    return lambda app: logs.AccessLog(SecurityLayer(PortalApp(app, state_for(datasette)), ops.max_body_bytes),
                                      ops.access_log)


@hookimpl
def register_routes(datasette):
    from . import catalog_views, views
    from . import portal_api
    from . import health, queue_api, workflow_api
    from . import staff_session
    return views.routes() + catalog_views.ROUTES + health.ROUTES + queue_api.ROUTES + workflow_api.ROUTES + staff_session.ROUTES + portal_api.ROUTES  # last: its /api/portal/ catch-all


@hookimpl
def handle_exception(datasette, request, exception):
    from . import logs
    return logs.handle_exception(datasette, request, exception)  # no tracebacks with values on stderr


@hookimpl
def skip_csrf(datasette, scope):
    # The CKAN Action API is read-only and takes JSON posts from any client (ckanapi, scripts).
    # /api/portal/ forms do their own double-submit CSRF check (portal_api.csrf_ok).
    return scope["path"].startswith(("/api/action/", "/api/3/action/", "/api/portal/"))
