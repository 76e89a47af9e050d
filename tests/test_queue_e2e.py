"""The reply queue against a real server: register, apply, accept, grant, read, expire; mail to a real SMTP server."""
from __future__ import annotations

import sqlite3
import time

import httpx
import pytest
from aiosmtpd.controller import Controller
from faker import Faker

from portal.accounts import read_outbox
from conftest import Server, free_port, on_shared_build, run_portal

pytestmark = pytest.mark.server
fake = Faker("zh_CN")
Faker.seed(77)
DATASET, DEPT = "water-use-enterprises", "温州市水利局"


class Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self):
        self.mails = []

    async def handle_DATA(self, server, session, envelope):
        self.mails.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
        return "250 OK"

    def wait_for(self, n: int, seconds: float = 20) -> list:
        deadline = time.time() + seconds
        while len(self.mails) < n and time.time() < deadline:
            time.sleep(0.1)
        return self.mails


@pytest.fixture(scope="module")
def world(built_portal, tmp_path_factory):
    """A server on the shared build with its own state, a test-only clock file and a real SMTP server."""
    inbox = Inbox()
    smtp = Controller(inbox, hostname="127.0.0.1", port=free_port())
    smtp.start()
    work = tmp_path_factory.mktemp("queue_e2e")
    clock = work / "today.txt"
    clock.write_text("2026-09-30")
    config = on_shared_build(built_portal, work, queue={
        "clock_file": clock, "smtp_host": "127.0.0.1", "smtp_port": smtp.port, "mail_from": "portal@example.gov.cn"})
    srv = Server(config).start()
    yield srv, inbox, clock
    srv.stop()
    smtp.stop()


def client(srv, key=None) -> httpx.Client:
    return httpx.Client(base_url=srv.url, timeout=30, headers={"authorization": f"Bearer {key}"} if key else {})


def register(srv) -> tuple[int, str]:
    data = {"kind": "individual", "name": fake.name(), "id_number": fake.ssn(), "mobile": fake.phone_number()}
    with client(srv) as c:
        acct = c.post("/api/portal/register", json=data).json()["account"]
        code = read_outbox(srv.config.parent / "state", acct["id"])
        r = c.post("/api/portal/verify-code", json={"account_id": acct["id"], "code": code})
        assert r.status_code == 201, r.text
        return acct["id"], r.json()["key"]


def staff(srv, department: str) -> str:
    out = run_portal(srv.config, "users", "add-staff", fake.name(), "--role", "publisher",
                     "--department", department).stdout
    return out.rsplit(":", 1)[1].strip()


def application(**extra) -> dict:
    return {"dataset": DATASET, "purpose": "研究重点企业节水成效", "scenario": "高校课题报告",
            "items": ["企业名称", "统计月份", "月取水量"], "use_until": "2026-10-31", **extra}


def test_apply_accept_grant_read_only_that_table_until_the_end_date(world):
    srv, inbox, clock = world
    applicant_id, key = register(srv)
    email = "applicant@example.com"
    water, outsider = staff(srv, DEPT), staff(srv, "温州市生态环境局")
    table = f"/restricted/{DATASET}.json"
    with client(srv, key) as me:
        assert me.get(table).status_code == 403                                  # no grant yet
        r = me.post("/api/portal/requests", json=application(email=email))
        assert r.status_code == 201, r.text
        tracking = r.json()["tracking"]
        assert tracking.startswith("YS-2026-") and len(tracking) == 14
        assert me.post("/api/portal/requests", json=application()).status_code == 409   # one request per need

    with client(srv, outsider) as other:
        assert other.post(f"/api/portal/requests/{tracking}/accept", json={}).status_code == 403
        assert other.get("/api/portal/requests").json()["requests"] == []
    with client(srv, water) as dept:
        assert [v["tracking"] for v in dept.get("/api/portal/requests").json()["requests"]] == [tracking]
        r = dept.post(f"/api/portal/requests/{tracking}/accept", json={})
        assert r.status_code == 200 and r.json()["request"]["due"] == "2026-10-10", r.text
        r = dept.post(f"/api/portal/requests/{tracking}/decide", json={"outcome": "granted"})
        assert r.status_code == 200 and r.json()["request"]["state"] == "fulfilled", r.text

    with client(srv, key) as me:
        r = me.get(table + "?_size=5")
        assert r.status_code == 200 and len(r.json()["rows"]) == 5
        assert set(r.json()["columns"]) - {"rowid"} == {"企业名称", "统计月份", "月取水量"}   # the items asked for
        for elsewhere in ("/restricted.json", "/restricted/emergency-supply-depots.json",
                          f"/restricted.json?sql=select+*+from+[{DATASET}]"):
            assert me.get(elsewhere).status_code == 403, elsewhere
        full = me.get(f"/api/portal/requests/{tracking}").json()["request"]
        assert [e["action"] for e in full["events"]] == ["submit", "accept", "decide", "fulfil"]
    _, stranger = register(srv)
    with client(srv, stranger) as them:
        assert them.get(table).status_code == 403
    with client(srv) as anyone:                           # the number alone shows nothing (issue 15)
        assert anyone.get(f"/api/portal/requests/{tracking}").status_code == 401

    db = sqlite3.connect(srv.config.parent / "state" / "portal.db")
    audited = db.execute("select count(*) from audit where account_id = ? and dataset = ? and status = 200",
                         (applicant_id, DATASET)).fetchone()[0]
    assert audited >= 1                                                        # audited like any other access

    clock.write_text("2026-11-01")                                             # the day after the end date
    with client(srv, key) as me:
        assert me.get(table).status_code == 403

    mails = inbox.wait_for(4)
    to_applicant = [body for rcpt, body in mails if rcpt == [email]]
    assert len(to_applicant) == 4 and all(tracking in body for body in to_applicant)
    with client(srv, key) as me:
        assert len(me.get("/api/portal/messages").json()["messages"]) == 4


def test_a_refusal_without_a_legal_basis_is_refused_over_http_and_stats_count_answers(world):
    srv, inbox, clock = world
    clock.write_text("2026-11-02")
    _, key = register(srv)
    water = staff(srv, DEPT)
    with client(srv, key) as me:
        tracking = me.post("/api/portal/requests", json=application(use_until="2027-03-31")).json()["tracking"]
    with client(srv, water) as dept:
        dept.post(f"/api/portal/requests/{tracking}/accept", json={})
        r = dept.post(f"/api/portal/requests/{tracking}/decide", json={"outcome": "refused", "reason": "商业秘密"})
        assert r.status_code == 400 and "legal_basis" in r.json()["fields"] and "法律依据" in r.json()["error"]
        r = dept.post(f"/api/portal/requests/{tracking}/decide", json={
            "outcome": "refused", "reason": "商业秘密", "legal_basis": "《反不正当竞争法》第九条"})
        assert r.status_code == 200
    stats = httpx.get(srv.url + "/api/portal/requests/stats?year=2026").json()
    dept_stats = stats["departments"][DEPT]
    assert dept_stats["answered"] >= 2 and dept_stats["outcomes"]["refused"] >= 1
    paths = httpx.get(srv.url + "/api/portal/openapi.json").json()["paths"]
    assert {"/api/portal/requests", "/api/portal/requests/{tracking}/{action}", "/api/portal/requests/stats"} <= set(paths)
