"""Department workflow through the real server: submit, refused self-department approval, approve, withdraw."""
from __future__ import annotations

import base64
import json
import re
import time

import httpx
import pytest

from conftest import Server, run_portal, write_config
from tests.test_workflow import DEPT, make_dataset

pytestmark = pytest.mark.server
IDENT = "e2e-stations"
BASE = "/api/portal/workflow"


def add_staff(config, name: str, role: str, dept: str | None = None) -> tuple[int, str]:
    out = run_portal(config, "users", "add-staff", name, "--role", role,
                     *(["--department", dept] if dept else [])).stdout
    return json.loads(out.splitlines()[0])["id"], re.search(r"odp_\S+", out).group()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    work = tmp_path_factory.mktemp("workflow-e2e")
    make_dataset(work / "datasets", "base-stations", seed=7)
    config = write_config(work, work / "datasets")
    run_portal(config, "build")
    keys = {k: add_staff(config, f"员工{k}", role, dept) for k, role, dept in (
        ("pub1", "publisher", DEPT), ("pub2", "publisher", DEPT), ("rev", "reviewer", None))}
    srv = Server(config).start()
    srv.work, srv.keys = work, keys
    yield srv
    srv.stop()


def client(live, who: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {live.keys[who][1]}"} if who else {}
    return httpx.Client(base_url=live.url, headers=headers, timeout=120)


def public_surfaces(live) -> dict[str, httpx.Response]:
    with client(live) as c:
        return {
            "table": c.get(f"/data/{IDENT}.json"),
            "package_show": c.get("/api/3/action/package_show", params={"id": IDENT}),
            "datastore_search": c.get("/api/3/action/datastore_search", params={"resource_id": IDENT}),
            "download": c.get(f"/downloads/{IDENT}/{IDENT}.csv"),
            "page": c.get(f"/datasets/{IDENT}/"),
        }


def test_submit_review_publish_withdraw_through_the_server(live):
    folder = make_dataset(live.work / "upload", IDENT, seed=21)
    files = {p.name: base64.b64encode(p.read_bytes()).decode() for p in folder.iterdir()}
    with client(live, "pub1") as c:
        r = c.post(f"{BASE}/submissions", json={"files": files})
    assert r.status_code == 201, r.text
    sub = r.json()["submission"]
    assert sub["status"] == "pending" and len(sub["preview"]["rows"]) == 10 and sub["residual_scan"] == "passed"
    sid, station = sub["id"], sub["preview"]["rows"][0][1]
    before = public_surfaces(live)
    assert before["table"].status_code == 404 and before["download"].status_code == 404
    assert before["package_show"].status_code == 404 and before["page"].status_code == 404

    with client(live, "pub2") as c:   # a second publisher of the same department
        r = c.post(f"{BASE}/submissions/{sid}/approve", json={"reason": "同部门"})
    assert r.status_code == 403, r.text
    with client(live) as c:
        assert c.post(f"{BASE}/submissions/{sid}/approve", json={}).status_code == 401
    with client(live, "rev") as c:
        shown = c.get(f"{BASE}/submissions/{sid}").json()["submission"]
        assert shown["diff"]["rows"] == {"published": None, "submitted": 15}
        r = c.post(f"{BASE}/submissions/{sid}/approve", json={"reason": "已核对脱敏报告"})
    assert r.status_code == 200, r.text
    assert r.json()["submission"]["status"] == "published"

    up = public_surfaces(live)
    assert up["table"].status_code == 200 and len(up["table"].json()["rows"]) == 15
    assert up["package_show"].json()["result"]["num_resources"] >= 2
    assert len(up["datastore_search"].json()["result"]["records"]) == 15
    assert up["download"].status_code == 200 and station in up["download"].text
    assert up["page"].status_code == 200 and station in up["page"].text

    started = time.monotonic()
    with client(live, "pub1") as c:
        assert c.post(f"{BASE}/datasets/{IDENT}/withdraw", json={"reason": "越权"}).status_code == 403
    with client(live, "rev") as c:
        r = c.post(f"{BASE}/datasets/{IDENT}/withdraw", json={"reason": "发现残留个人信息，紧急下线"})
    assert r.status_code == 200, r.text
    down = public_surfaces(live)
    assert time.monotonic() - started < 60
    assert down["table"].status_code == 404
    assert down["package_show"].status_code == 404 or down["package_show"].json()["result"]["num_resources"] == 0
    assert down["datastore_search"].status_code == 404 and not down["datastore_search"].json()["success"]
    assert down["download"].status_code == 404
    assert station not in down["page"].text and f"/downloads/{IDENT}/" not in down["page"].text
    with client(live) as c:
        row = c.get(f"/data/{IDENT}/1.json")
        assert row.status_code in (400, 404) and station not in row.text           # Datasette: no such table
        assert c.get(f"/downloads/{IDENT}/{IDENT}.xlsx").status_code == 404
        assert c.get("/data/base-stations.json").json()["rows"]               # the others stay
        history = c.get(f"{BASE}/datasets/{IDENT}/history").json()
    assert history["withdrawn"] and history["withdrawn_reason"] == "发现残留个人信息，紧急下线"
    assert [e["action"] for e in history["events"]] == ["submit", "approve", "install", "publish", "withdraw",
                                                         "withdraw_applied"]
    cli = run_portal(live.config, "review", "history", IDENT).stdout
    assert "withdraw" in cli and "紧急下线" in cli
