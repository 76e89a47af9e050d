"""Adversarial tests against a real server: a hostile publisher (source paths, tampering) and strangers
reading request status and unpublished workflow history by guessing numbers (issue 15, items 1, 2, 14)."""
from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import sqlite3

import httpx
import pytest

from conftest import Server, on_shared_build, run_portal, write_config
from test_workflow import DEPT, make_dataset

pytestmark = [pytest.mark.security, pytest.mark.server]
BASE = "/api/portal/workflow"
OTHER_DEPT = "温州市另一个局"
SECRET_MARK = "KEYMATERIAL-5f1c9e"           # stands for the bytes of state/secrets/identity.key


def add_staff(config, name: str, role: str, dept: str | None = None) -> tuple[int, str]:
    out = run_portal(config, "users", "add-staff", name, "--role", role,
                     *(["--department", dept] if dept else [])).stdout
    return json.loads(out.splitlines()[0])["id"], re.search(r"odp_\S+", out).group()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A served portal with another department's open-on-request dataset, two publishers and a reviewer."""
    work = tmp_path_factory.mktemp("security-publisher")
    make_dataset(work / "datasets", "base-stations", seed=7)
    other = make_dataset(work / "datasets", "other-stations", dept=OTHER_DEPT, seed=8, open_type="依申请开放")
    with (other / "dataset.yaml").open("a", encoding="utf-8") as f:
        f.write("legal_basis: 《温州市公共数据管理办法》第二十条\n")
    config = write_config(work, work / "datasets")
    run_portal(config, "build")
    keys = {k: add_staff(config, f"员工{k}", role, dept) for k, role, dept in (
        ("pub1", "publisher", DEPT), ("pub2", "publisher", DEPT), ("other", "publisher", OTHER_DEPT),
        ("rev", "reviewer", None))}
    planted = work / "state" / "secrets" / "planted.key"      # a key file beside the portal's real keys
    planted.write_text(SECRET_MARK + "\n")
    srv = Server(config).start()
    srv.work, srv.keys, srv.planted = work, keys, planted
    yield srv
    srv.stop()


def client(live, who: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {live.keys[who][1]}"} if who else {}
    return httpx.Client(base_url=live.url, headers=headers, timeout=120)


def upload(folder, source_file: str | None = None, skip: tuple[str, ...] = ()) -> dict:
    """The folder's files as the API takes them; `source_file` rewrites source.file in dataset.yaml."""
    files = {}
    for p in sorted(folder.iterdir()):
        if p.name in skip:
            continue
        data = p.read_bytes()
        if p.name == "dataset.yaml" and source_file is not None:
            data = data.decode().replace("file: stations.csv", f"file: '{source_file}'").encode()
        files[p.name] = base64.b64encode(data).decode()
    return {"files": files}


def other_department_names(live) -> list[str]:
    lines = (live.work / "datasets" / "other-stations" / "stations.csv").read_text().splitlines()[1:]
    return [line.split(",")[3] for line in lines]


# ---- item 1: source.file is a plain file name inside the submission snapshot ---------------------------

@pytest.mark.parametrize("how", ["absolute", "dotdot"])
def test_source_file_cannot_read_a_key_file_outside_the_submission(live, how):
    folder = make_dataset(live.work / f"upload-key-{how}", f"key-thief-{how}", seed=31)
    # The snapshot is state/submissions/.incoming-*/<slug>/: three levels up is the state directory.
    target = str(live.planted) if how == "absolute" else "../../../secrets/planted.key"
    with client(live, "pub1") as c:
        r = c.post(f"{BASE}/submissions", json=upload(folder, target, skip=("stations.csv",)))
    assert r.status_code == 201, r.text
    sub = r.json()["submission"]
    assert SECRET_MARK not in r.text and "KEYMATERIAL" not in r.text
    assert sub["status"] == "failed" and sub["preview"] is None
    assert [p["field"] for p in sub["problems"]] == ["source.file"]
    assert [f["name"] for f in sub["reads"]] == ["dataset.yaml"]          # nothing outside is ever read


@pytest.mark.parametrize("how", ["absolute", "dotdot"])
def test_another_departments_csv_is_neither_previewed_nor_published(live, how):
    ident = f"borrowed-{how}"
    folder = make_dataset(live.work / f"upload-borrow-{how}", ident, seed=32)
    victim = live.work / "datasets" / "other-stations" / "stations.csv"
    target = str(victim) if how == "absolute" else "../../../../datasets/other-stations/stations.csv"
    with client(live, "pub1") as c:
        r = c.post(f"{BASE}/submissions", json=upload(folder, target, skip=("stations.csv",)))
    assert r.status_code == 201, r.text
    sub = r.json()["submission"]
    assert sub["status"] == "failed" and sub["preview"] is None
    assert not any(name in r.text for name in other_department_names(live))
    with client(live, "rev") as c:
        assert c.post(f"{BASE}/submissions/{sub['id']}/approve", json={"reason": "看起来没问题"}).status_code == 409
        assert c.get(f"/data/{ident}.json").status_code == 404


def test_a_header_mismatch_names_positions_never_the_files_cells(live):
    folder = make_dataset(live.work / "upload-headerless", "headerless-stations", seed=33)
    csv = folder / "stations.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    csv.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")   # no header row: the first line is a person's
    first = lines[1].split(",")
    with client(live, "pub1") as c:
        r = c.post(f"{BASE}/submissions", json=upload(folder))
    sub = r.json()["submission"]
    assert sub["status"] == "failed"
    message = " ".join(p["message"] for p in sub["problems"])
    assert "第1列 '区县'" in message and "第4列 '负责人'" in message        # positions + the declared names
    assert first[3] not in r.text and first[1] not in r.text                 # the file's cells: never


def test_the_reviewer_sees_every_file_publishing_reads(live):
    folder = make_dataset(live.work / "upload-reads", "read-stations", seed=34)
    with client(live, "pub1") as c:
        sid = c.post(f"{BASE}/submissions", json=upload(folder)).json()["submission"]["id"]
    with client(live, "rev") as c:
        shown = c.get(f"{BASE}/submissions/{sid}").json()["submission"]
    expected = [{"name": n, "size": (folder / n).stat().st_size,
                 "sha256": hashlib.sha256((folder / n).read_bytes()).hexdigest()} for n in ("dataset.yaml", "stations.csv")]
    assert [{k: f[k] for k in ("name", "size", "sha256")} for f in shown["reads"]] == expected
    reviewer_id = live.keys["rev"][0]
    out = run_portal(live.config, "review", "show", str(sid), "--as", str(reviewer_id)).stdout
    assert all(f["sha256"] in out and f["name"] in out and str(f["size"]) in out for f in expected)


def test_catalog_validate_and_build_refuse_a_source_outside_the_folder(tmp_path):
    datasets = tmp_path / "datasets"
    make_dataset(datasets, "base-stations", seed=7)
    outside = make_dataset(tmp_path / "elsewhere", "other-stations", dept=OTHER_DEPT, seed=8)
    linked = make_dataset(datasets, "linked-stations", seed=9)
    (linked / "stations.csv").unlink()
    os.symlink(outside / "stations.csv", linked / "stations.csv")      # a link leaving the folder
    pathy = make_dataset(datasets, "pathy-stations", seed=10)
    yml = pathy / "dataset.yaml"
    yml.write_text(yml.read_text().replace("file: stations.csv", f"file: '{outside / 'stations.csv'}'"))
    linked_rules = make_dataset(datasets, "linked-rules", seed=11)
    (tmp_path / "rules.yaml").write_text(DENY_YAML, encoding="utf-8")
    os.symlink(tmp_path / "rules.yaml", linked_rules / "rules.yaml")
    with (linked_rules / "dataset.yaml").open("a", encoding="utf-8") as f:
        f.write("recognizers: [rules.yaml]\n")
    config = write_config(tmp_path, datasets)
    checked = run_portal(config, "catalog", "validate", check=False)
    out = checked.stdout + checked.stderr
    assert checked.returncode != 0
    assert all(f"{ident}/dataset.yaml: {field}" in out for ident, field in (
        ("linked-stations", "source.file"), ("pathy-stations", "source.file"), ("linked-rules", "recognizers[0]")))
    built = run_portal(config, "build", check=False)
    assert built.returncode != 0 and not (tmp_path / "build" / "current").exists()


# ---- item 2: what was reviewed is what is published -------------------------------------------------

def test_a_source_changed_after_review_is_never_published(live):
    ident = "switched-stations"
    folder = make_dataset(live.work / "upload-switch", ident, seed=35)
    outside = make_dataset(live.work / "publisher-share", ident, seed=35)     # a file only the path names
    with client(live, "pub1") as c:
        r = c.post(f"{BASE}/submissions", json=upload(folder, str(outside / "stations.csv")))
    sid = r.json()["submission"]["id"]
    csv = outside / "stations.csv"                                          # changed after the review
    csv.write_text(csv.read_text(encoding="utf-8") + "鹿城区,篡改站点XYZ,5,王小明\n", encoding="utf-8")
    with client(live, "rev") as c:
        r = c.post(f"{BASE}/submissions/{sid}/approve", json={"reason": "预览无误"})
        assert r.status_code == 409, r.text
        table = c.get(f"/data/{ident}.json")
    assert "篡改站点XYZ" not in table.text and table.status_code == 404


def test_data_that_differs_from_the_reviewed_preview_is_refused_and_audited(live):
    ident = "drifting-stations"
    folder = make_dataset(live.work / "upload-drift", ident, seed=36)
    with client(live, "pub1") as c:
        sid = c.post(f"{BASE}/submissions", json=upload(folder)).json()["submission"]["id"]
    set_checked_output(live, sid, "sha256:" + "0" * 64)
    with client(live, "rev") as c:
        r = c.post(f"{BASE}/submissions/{sid}/approve", json={"reason": "预览无误"})
        assert r.status_code == 409, r.text
        assert c.get(f"/data/{ident}.json").status_code == 404
        events = c.get(f"{BASE}/submissions/{sid}").json()["submission"]["events"]
    assert [e["action"] for e in events][-3:] == ["install", "install_reverted", "publish_refused"]
    assert not (live.work / "datasets" / ident).exists()          # a later full build cannot publish it either
    db = sqlite3.connect(live.work / "state" / "portal.db")
    audited = db.execute("select status from audit where path like ?", (f"%publish_refused/{sid}%",)).fetchall()
    db.close()
    assert audited == [(409,)]



def set_checked_output(live, sid: int, output_hash: str) -> None:
    """What the reviewer saw stops matching what publishing builds (a changed rule set, say)."""
    db = sqlite3.connect(live.work / "state" / "portal.db")
    with db:
        result = json.loads(db.execute("select result from submissions where id = ?", (sid,)).fetchone()[0])
        result["output_hash"] = output_hash
        db.execute("update submissions set result = ? where id = ?", (json.dumps(result), sid))
    db.close()


def test_a_refused_publication_leaves_a_withdrawal_in_force(live):
    ident = "comeback-stations"
    first = make_dataset(live.work / "upload-comeback-1", ident, seed=42)
    with client(live, "pub1") as c:
        sid = c.post(f"{BASE}/submissions", json=upload(first)).json()["submission"]["id"]
    with client(live, "rev") as c:
        assert c.post(f"{BASE}/submissions/{sid}/approve", json={"reason": "核对无误"}).status_code == 200
        assert c.post(f"{BASE}/datasets/{ident}/withdraw", json={"reason": "发现问题，下线"}).status_code == 200
    installed = (live.work / "datasets" / ident / "stations.csv").read_bytes()
    second = make_dataset(live.work / "upload-comeback-2", ident, seed=43)
    with client(live, "pub1") as c:
        again = c.post(f"{BASE}/submissions", json=upload(second)).json()["submission"]["id"]
    set_checked_output(live, again, "sha256:" + "1" * 64)
    with client(live, "rev") as c:
        assert c.post(f"{BASE}/submissions/{again}/approve", json={"reason": "已整改"}).status_code == 409
        history = c.get(f"{BASE}/datasets/{ident}/history").json()
    assert history["withdrawn"] is True                       # the refused install did not lift it
    assert (live.work / "datasets" / ident / "stations.csv").read_bytes() == installed
    run_portal(live.config, "build")                          # a full rebuild brings nothing back
    with client(live) as c:
        assert c.get(f"/data/{ident}.json").status_code == 404


DENY_YAML = """recognizers:
  - name: 内部人员名单
    supported_language: zh
    supported_entity: STAFF_NAME
    label: 内部人员
    deny_list: [库尔班, 其木格, 第1服务站]
"""


def test_a_recognizer_file_is_shown_hashed_and_covered_by_the_approval(live):
    ident = "recognized-stations"
    folder = make_dataset(live.work / "upload-recognizers", ident, seed=38)
    (folder / "deny.yaml").write_text(DENY_YAML, encoding="utf-8")
    yml = folder / "dataset.yaml"
    yml.write_text(yml.read_text(encoding="utf-8") + "recognizers: [deny.yaml]\n", encoding="utf-8")
    with client(live, "pub1") as c:
        sub = c.post(f"{BASE}/submissions", json=upload(folder)).json()["submission"]
    assert sub["status"] == "pending", sub["problems"]
    assert [(f["name"], f["role"], f["sha256"]) for f in sub["reads"]] == [
        (n, role, hashlib.sha256((folder / n).read_bytes()).hexdigest())
        for n, role in (("dataset.yaml", "record"), ("stations.csv", "source"), ("deny.yaml", "recognizers"))]
    # The recognizer file changes after the review (a deny-list entry dropped): nothing is published.
    stored = live.work / "state" / "submissions" / str(sub["id"]) / ident / "deny.yaml"
    stored.write_text(DENY_YAML.replace("第1服务站", "无关"), encoding="utf-8")
    with client(live, "rev") as c:
        r = c.post(f"{BASE}/submissions/{sub['id']}/approve", json={"reason": "预览无误"})
        assert r.status_code == 409, r.text
        assert c.get(f"/data/{ident}.json").status_code == 404
    db = sqlite3.connect(live.work / "state" / "portal.db")
    audited = db.execute("select status from audit where path like ?", (f"%publish_refused/{sub['id']}%",)).fetchall()
    db.close()
    assert audited == [(409,)]
    # The same files untouched: published as reviewed (the check used the recognizer as publishing does,
    # so the station it denies is redacted in both and the hashes agree).
    with client(live, "pub1") as c:
        again = c.post(f"{BASE}/submissions", json=upload(folder)).json()["submission"]
    with client(live, "rev") as c:
        r = c.post(f"{BASE}/submissions/{again['id']}/approve", json={"reason": "预览无误"})
    assert r.status_code == 200, r.text
    assert r.json()["submission"]["events"][-1]["detail"]["matches_checked_output"] is True


def test_a_recognizer_path_outside_the_submission_is_refused(live):
    folder = make_dataset(live.work / "upload-recognizer-path", "pathy-recognizers", seed=39)
    yml = folder / "dataset.yaml"
    yml.write_text(yml.read_text(encoding="utf-8") + f"recognizers: ['{live.planted}']\n", encoding="utf-8")
    with client(live, "pub1") as c:
        r = c.post(f"{BASE}/submissions", json=upload(folder))
    sub = r.json()["submission"]
    assert sub["status"] == "failed" and "recognizers[0]" in [p["field"] for p in sub["problems"]]
    assert SECRET_MARK not in r.text


def test_a_publisher_cannot_take_over_another_departments_unpublished_folder(live):
    # datasets/<slug>/ of another department, not built yet: an approval would replace that folder.
    theirs = make_dataset(live.work / "datasets", "unbuilt-stations", dept=OTHER_DEPT, seed=40)
    before = (theirs / "stations.csv").read_bytes()
    folder = make_dataset(live.work / "upload-takeover", "unbuilt-stations", seed=41)
    with client(live, "pub1") as c:
        r = c.post(f"{BASE}/submissions", json=upload(folder))
    assert r.status_code == 403, r.text
    assert (theirs / "stations.csv").read_bytes() == before

# ---- item 14 (workflow part): unpublished history is not public -------------------------------------

def test_unpublished_submission_history_is_for_staff_and_the_department_only(live):
    ident = "secret-plan-stations"
    folder = make_dataset(live.work / "upload-plan", ident, seed=37)
    with client(live, "pub1") as c:
        r = c.post(f"{BASE}/submissions", json=upload(folder))
    assert r.status_code == 201
    url = f"{BASE}/datasets/{ident}/history"
    for who in (None, "other"):                                     # anyone, another department's publisher
        with client(live, who) as c:
            r = c.get(url)
        assert r.status_code == 404 and ident not in r.text.replace(url, ""), (who, r.text)
    for who in ("pub2", "rev"):                                     # the department, the reviewers
        with client(live, who) as c:
            r = c.get(url)
        assert r.status_code == 200 and [e["action"] for e in r.json()["events"]] == ["submit"], who


# ---- item 14: request status needs the request's secret or the applicant's credentials -----------------

REQUEST_DATASET, REQUEST_DEPT = "water-use-enterprises", "温州市水利局"


@pytest.fixture(scope="module")
def desk(built_portal, tmp_path_factory):
    """A server on the shared sample build with its own state (accounts, requests)."""
    work = tmp_path_factory.mktemp("security-requests")
    clock = work / "today.txt"
    clock.write_text("2026-09-30")
    config = on_shared_build(built_portal, work, queue={"clock_file": clock})
    srv = Server(config).start()
    yield srv
    srv.stop()


def register(srv, seed: int) -> tuple[int, str]:
    from faker import Faker
    from portal.accounts import read_outbox
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    person = {"kind": "individual", "name": fake.name(), "id_number": fake.ssn(min_age=20, max_age=60),
              "mobile": fake.phone_number()}
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        acct = c.post("/api/portal/register", json=person).json()["account"]
        code = read_outbox(srv.config.parent / "state", acct["id"])
        r = c.post("/api/portal/verify-code", json={"account_id": acct["id"], "code": code})
        assert r.status_code == 201, r.text
        return acct["id"], r.json()["key"]


def file_request(srv, key: str) -> dict:
    with httpx.Client(base_url=srv.url, timeout=30, headers={"authorization": f"Bearer {key}"}) as c:
        r = c.post("/api/portal/requests", json={
            "dataset": REQUEST_DATASET, "purpose": "研究重点企业节水成效", "scenario": "高校课题报告",
            "items": ["企业名称", "统计月份"], "use_until": "2026-10-31"})
    assert r.status_code == 201, r.text
    return r.json()


def test_request_status_is_not_readable_by_guessing_numbers(desk):
    _, key = register(desk, 51)
    filed = file_request(desk, key)
    tracking, secret = filed["tracking"], filed["secret"]
    _, stranger = register(desk, 52)
    with httpx.Client(base_url=desk.url, timeout=30) as anyone:
        for n in range(1, 6):                                   # walking the sequential numbers
            r = anyone.get(f"/api/portal/requests/YS-2026-{n:06d}")
            assert r.status_code == 401 and "state" not in r.text and REQUEST_DATASET not in r.text, r.text
        wrong = anyone.get(f"/api/portal/requests/{tracking}", headers={"x-request-secret": secret[:-2] + "xx"})
        missing = anyone.get("/api/portal/requests/YS-2026-999999", headers={"x-request-secret": secret})
        assert wrong.status_code == missing.status_code == 404 and wrong.json()["error"] == missing.json()["error"]
        r = anyone.get(f"/api/portal/requests/{tracking}", headers={"authorization": f"Bearer {stranger}"})
        assert r.status_code == 404 and REQUEST_DATASET not in r.text          # another registered user
        r = anyone.get(f"/api/portal/requests/{tracking}?secret={secret}")     # the secret never rides a URL
        assert r.status_code == 401
        for number in (tracking, tracking.lower(), "yS" + tracking[2:]):      # any case
            r = anyone.get(f"/api/portal/requests/{number}", headers={"x-request-secret": secret})
            assert r.status_code == 200, r.text
            assert r.json()["request"]["tracking"] == tracking and r.json()["request"]["events"]
        mine = anyone.get(f"/api/portal/requests/{tracking}", headers={"authorization": f"Bearer {key}"})
        assert mine.status_code == 200 and mine.json()["request"]["state"] == "submitted"


def test_the_request_secret_is_shown_once_and_stored_hashed(desk):
    _, key = register(desk, 53)
    filed = file_request(desk, key)
    secret = filed["secret"]
    assert len(secret) >= 20 and "secret" not in filed["request"]
    with httpx.Client(base_url=desk.url, timeout=30, headers={"authorization": f"Bearer {key}"}) as me:
        again = me.get(f"/api/portal/requests/{filed['tracking']}").text + me.get("/api/portal/requests").text
    assert secret not in again
    db = sqlite3.connect(desk.config.parent / "state" / "portal.db")
    stored = db.execute("select secret_hash from requests where tracking = ?", (filed["tracking"],)).fetchone()[0]
    dump = "\n".join(db.iterdump())
    db.close()
    assert stored == hashlib.sha256(secret.encode()).hexdigest() and secret not in dump


def test_the_status_page_looks_a_request_up_with_number_and_secret(desk):
    playwright = pytest.importorskip("playwright.sync_api")
    from pathlib import Path
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Chromium is not installed (run `make browser`)")
    _, key = register(desk, 54)
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page(locale="zh-CN")
            page.set_default_timeout(10_000)
            page.goto(f"{desk.url}/requests/?dataset={REQUEST_DATASET}")        # filing shows the secret once
            page.locator("#request-api_key").fill(key)
            page.locator("#request-purpose").fill("研究重点企业节水成效")
            page.locator("#request-scenario").fill("高校课题报告")
            page.locator("#request-items").fill("企业名称")
            page.locator("#request-use_until").fill("2026-10-31")
            page.get_by_role("button", name="提交申请").click()
            shown = page.locator("#form-request ~ .odp-result p", has_text="查询密码")
            shown.wait_for()
            secret = shown.locator("code").inner_text()
            tracking = page.locator("#form-request ~ .odp-result p", has_text="申请编号").locator("code").inner_text()
            page.goto(f"{desk.url}/requests/status/?tracking={tracking.lower()}&secret=planted")
            assert page.locator("#status-secret").input_value() == ""          # never pre-filled from a link
            page.locator("#status-secret").fill(secret)                         # number + secret, no key
            page.get_by_role("button", name="查询").click()
            page.locator("#form-status ~ .odp-result pre").wait_for()
            answer = page.locator("#form-status ~ .odp-result").inner_text()
            assert tracking in answer and "submitted" in answer
        finally:
            browser.close()
