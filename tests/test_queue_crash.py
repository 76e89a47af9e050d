"""SIGKILL the server while requests are filed and accepted: every acknowledged one survives with its events."""
from __future__ import annotations

import signal
import sqlite3
import threading
import time

import httpx
import pytest
from faker import Faker

from portal.accounts import read_outbox
from conftest import Server, on_shared_build, run_portal

pytestmark = pytest.mark.server
fake = Faker("zh_CN")
Faker.seed(99)
DEPT = "温州市水利局"


def register(srv) -> str:
    data = {"kind": "individual", "name": fake.name(), "id_number": fake.ssn(), "mobile": fake.phone_number()}
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        acct = c.post("/api/portal/register", json=data).json()["account"]
        code = read_outbox(srv.config.parent / "state", acct["id"])
        return c.post("/api/portal/verify-code", json={"account_id": acct["id"], "code": code}).json()["key"]


def described(i: int) -> dict:
    return {"description": f"第{i}号：各区县月度取水汇总", "department": DEPT, "purpose": "研究", "scenario": "报告",
            "items": ["取水量"], "use_until": "2027-12-31"}


def test_every_acknowledged_submission_and_event_survives_sigkill(built_portal, tmp_path):
    config = on_shared_build(built_portal, tmp_path)
    srv = Server(config).start()
    key = register(srv)
    staff_key = run_portal(config, "users", "add-staff", fake.name(), "--role", "publisher",
                           "--department", DEPT).stdout.rsplit(":", 1)[1].strip()
    acked: dict[str, int] = {}          # tracking -> events acknowledged to the client
    stop = threading.Event()

    def file_and_accept():
        with httpx.Client(base_url=srv.url, timeout=5) as c:
            i = 0
            while not stop.is_set():
                i += 1
                try:
                    r = c.post("/api/portal/requests", json=described(i), headers={"authorization": f"Bearer {key}"})
                    if r.status_code != 201:
                        continue
                    tracking = r.json()["tracking"]
                    acked[tracking] = 1
                    r = c.post(f"/api/portal/requests/{tracking}/accept", json={},
                               headers={"authorization": f"Bearer {staff_key}"})
                    if r.status_code == 200:
                        acked[tracking] = 2
                except httpx.HTTPError:
                    return                  # the server is gone

    workers = [threading.Thread(target=file_and_accept) for _ in range(3)]
    for w in workers:
        w.start()
    deadline = time.time() + 20
    while len(acked) < 40 and time.time() < deadline:
        time.sleep(0.05)
    srv.stop(signal.SIGKILL)            # mid-way: requests are in flight
    stop.set()
    for w in workers:
        w.join(10)
    assert len(acked) >= 20, len(acked)

    db = sqlite3.connect(tmp_path / "state" / "portal.db")   # recovery of the WAL happens on open
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    db.close()
    srv = Server(config).start()
    try:
        with httpx.Client(base_url=srv.url, timeout=30, headers={"authorization": f"Bearer {key}"}) as me:
            for tracking, n in acked.items():
                r = me.get(f"/api/portal/requests/{tracking}")
                assert r.status_code == 200, tracking
                events = r.json()["request"]["events"]
                assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
                assert [e["action"] for e in events][:n] == ["submit", "accept"][:n]
                assert r.json()["request"]["state"] == events[-1]["to"]
            mine = me.get("/api/portal/requests").json()["requests"]
        numbers = sorted(int(v["tracking"][-6:]) for v in mine)
        assert numbers == list(range(1, len(numbers) + 1))          # no gaps, no duplicates
    finally:
        srv.stop()
