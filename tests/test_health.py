"""/-/health: liveness and readiness (release, databases, this year's calendar, disk space), in-process."""
from __future__ import annotations

import asyncio
from datetime import date

import pytest

from portal import config as config_mod
from portal import health
from portal.serve import make_datasette


def _portal(built_portal, tmp_path, extra: str = ""):
    built = config_mod.load(built_portal)
    path = tmp_path / "portal.toml"
    path.write_text(f'datasets_dir = "{built.datasets_dir}"\nbuild_dir = "{built.build_dir}"\n'
                    f'state_dir = "{tmp_path / "state"}"\n{extra}', encoding="utf-8")
    return make_datasette(config_mod.load(path), path)


def _get(ds, path: str):
    async def go():
        await ds.invoke_startup()
        return await ds.client.get(path)
    return asyncio.run(go())


def test_ready_portal_answers_200_with_every_check(built_portal, tmp_path):
    r = _get(_portal(built_portal, tmp_path), "/-/health")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["live"] and body["ready"] and body["status"] == "ok"
    checks = body["checks"]
    assert checks["release"]["loaded"].startswith("releases/")
    assert {k: v["ok"] for k, v in checks["databases"].items() if k != "ok"} == \
        {"data": True, "restricted": True, "state": True}
    assert checks["calendar"]["year"] == date.today().year and checks["calendar"]["source"] != "fallback"
    assert checks["disk"]["state_dir"]["free_mb"] > 0
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_low_disk_makes_it_not_ready_503(built_portal, tmp_path):
    ds = _portal(built_portal, tmp_path, "[operations]\nmin_free_disk_mb = 1000000000\n")
    r = _get(ds, "/-/health")
    assert r.status_code == 503
    body = r.json()
    assert body["live"] and not body["ready"] and not body["checks"]["disk"]["ok"]
    assert _get(ds, "/-/health/live").status_code == 200   # alive all the same


def test_year_without_calendar_data_is_not_ready(built_portal, tmp_path):
    cfg = config_mod.load(built_portal)
    check = health.calendar_check(cfg, date(2199, 6, 1))
    assert check == {**check, "ok": False, "year": 2199, "source": "fallback"} and "problem" in check


def test_override_file_makes_a_year_ready(tmp_path):
    overrides = tmp_path / "calendar.toml"
    overrides.write_text('[2199]\nholidays = ["2199-01-01"]\nworkdays = []\n', encoding="utf-8")
    cfg = config_mod.load(_write(tmp_path, f'[queue]\ncalendar_overrides = "{overrides}"\n'))
    check = health.calendar_check(cfg, date(2199, 6, 1))
    assert check["ok"] and check["source"] == "overrides", check


def _write(tmp_path, text: str):
    path = tmp_path / "p.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", ["/-/health", "/-/health/live"])
def test_health_is_json(built_portal, tmp_path, path):
    r = _get(_portal(built_portal, tmp_path), path)
    assert r.headers["content-type"].startswith("application/json")
    assert r.json()["live"] is True
