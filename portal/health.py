"""`/-/health`: liveness and readiness as JSON (databases, calendar data for this year, disk space)."""
from __future__ import annotations

import asyncio
import json
import shutil
from datetime import date
from pathlib import Path

from datasette.utils.asgi import Response

from .publish import PUBLIC_DB, RESTRICTED_DB


async def _database(datasette, name: str) -> dict:
    if name not in datasette.databases:
        return {"ok": False, "problem": "未加载 (not loaded: nothing published?)"}
    try:
        await datasette.databases[name].execute("select count(*) from sqlite_master")
    except Exception as e:  # any failure to read means not ready; the type says enough
        return {"ok": False, "problem": type(e).__name__}
    return {"ok": True}


def _state_db(cfg) -> dict:
    from .access import services
    try:
        services(cfg).store.one("select count(*) from sqlite_master")
    except Exception as e:
        return {"ok": False, "problem": type(e).__name__}
    return {"ok": True}


def calendar_check(cfg, today: date) -> dict:
    """This year's working-day calendar must come from the library or the operator's override file."""
    from .workdays import Calendar, CalendarConfigError
    overrides = getattr(getattr(cfg, "queue", None), "calendar_overrides", "") or None
    try:
        source = Calendar(Path(overrides) if overrides else None).source(today.year)
    except (OSError, CalendarConfigError) as e:
        return {"ok": False, "year": today.year, "problem": f"override file unreadable ({type(e).__name__})"}
    check = {"ok": source != "fallback", "year": today.year, "source": source}
    if source == "fallback":
        check["problem"] = ("本年度节假日安排缺失，按周一至周五计算 (no holiday calendar for this year: add it to "
                            "queue.calendar_overrides or upgrade chinesecalendar)")
    return check


def disk_check(cfg) -> dict:
    """Free space where the portal writes (state, build); below operations.min_free_disk_mb = not ready."""
    minimum = cfg.operations.min_free_disk_mb
    out = {}
    for key in ("state_dir", "build_dir"):
        p = Path(getattr(cfg, key))
        while not p.exists() and p != p.parent:
            p = p.parent
        free = shutil.disk_usage(p).free // (1 << 20)
        out[key] = {"free_mb": free, "ok": free >= minimum}
    return {"ok": all(v["ok"] for v in out.values()), "min_free_mb": minimum, **out}


async def report(datasette, today: date | None = None) -> dict:
    from .plugin import state_for
    st = state_for(datasette)
    st.watcher.refresh()
    cfg = st.cfg
    state_db = await asyncio.get_running_loop().run_in_executor(None, _state_db, cfg)
    checks = {
        "release": {"ok": st.watcher.loaded is not None, "loaded": st.watcher.loaded},
        "databases": {PUBLIC_DB: await _database(datasette, PUBLIC_DB),
                      RESTRICTED_DB: await _database(datasette, RESTRICTED_DB), "state": state_db},
        "calendar": calendar_check(cfg, today or cfg.today()),
        "disk": disk_check(cfg),
    }
    checks["databases"]["ok"] = all(v["ok"] for v in checks["databases"].values())
    ready = all(c["ok"] for c in checks.values())
    return {"status": "ok" if ready else "not_ready", "live": True, "ready": ready, "checks": checks}


async def health(request, datasette):
    """200 when ready to serve, 503 (with the failing checks) when alive but not ready."""
    body = await report(datasette)
    return Response(json.dumps(body, ensure_ascii=False), status=200 if body["ready"] else 503,
                    headers={"cache-control": "no-store"}, content_type="application/json; charset=utf-8")


async def live(request, datasette):
    """Liveness only: the process answers."""
    return Response.json({"status": "ok", "live": True}, headers={"cache-control": "no-store"})


ROUTES = [(r"^/-/health$", health), (r"^/-/health/live$", live)]
