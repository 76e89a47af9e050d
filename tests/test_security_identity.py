"""Adversarial tests of identity and accountability: client IP behind proxies, the audit's stored query,
audit entries committed with their change, proof for the CLI's --as, and registration squatting."""
from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import pytest
from faker import Faker

from portal.accounts import read_outbox
from conftest import Server, on_shared_build, run_portal

pytestmark = [pytest.mark.security, pytest.mark.server]
fake = Faker("zh_CN")
Faker.seed(1515)


def _config(built_portal: Path, tmp_path: Path, server: dict | None = None, **sections) -> Path:
    """A portal on the shared build with its own state; [server] written by hand (it holds a list)."""
    path = on_shared_build(built_portal, tmp_path, **sections)
    if server:
        lines = [f"{k} = [{', '.join(repr(x) for x in v)}]" if isinstance(v, list) else f"{k} = {v!r}"
                 for k, v in server.items()]
        path.write_text(path.read_text(encoding="utf-8") + "[server]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def serve():
    started = []

    def start(config: Path) -> Server:
        started.append(Server(config).start())
        return started[-1]
    yield start
    for srv in started:
        srv.stop()


def _audit_rows(srv: Server) -> list[dict]:
    """The audit trail once the server has stopped (an entry of a read is written after its answer)."""
    srv.stop()
    db = sqlite3.connect(srv.config.parent / "state" / "portal.db")
    db.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in db.execute("select * from audit order by seq")]
    finally:
        db.close()


def _person() -> dict:
    return {"kind": "individual", "name": fake.name(), "id_number": fake.ssn(), "mobile": fake.phone_number()}


# ---- item 8: X-Forwarded-For is believed only from configured proxies ----

def test_rotating_forwarded_for_does_not_escape_the_anonymous_quota(built_portal, tmp_path, serve):
    srv = serve(_config(built_portal, tmp_path, quotas={"anonymous_per_minute": 3}))
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        statuses = [c.get("/api/3/action/package_list", headers={"x-forwarded-for": f"203.0.113.{i}",
                                                                   "forwarded": f"for=198.51.100.{i}"}).status_code
                    for i in range(8)]
        # The scheme is not the caller's to pick either: no HSTS promise over plain HTTP.
        plain = c.get("/", headers={"x-forwarded-proto": "https"})
    # 8 requests fall in at most two minute windows, so one of them holds 4 > 3: a refusal must come.
    assert 429 in statuses, statuses
    assert "strict-transport-security" not in plain.headers
    assert {r["client_ip"] for r in _audit_rows(srv)} == {"127.0.0.1"}


def test_rotating_forwarded_for_does_not_escape_the_registration_limit(built_portal, tmp_path, serve):
    srv = serve(_config(built_portal, tmp_path, quotas={"register_per_hour": 2, "codes_per_hour": 100}))
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        statuses = [c.post("/api/portal/register", json=_person(),
                           headers={"x-forwarded-for": f"203.0.113.{i}", "x-real-ip": f"203.0.113.{i}"}).status_code
                    for i in range(4)]
    assert statuses[:2] == [202, 202] and statuses[2:] == [429, 429], statuses


def test_a_configured_proxy_names_the_client(built_portal, tmp_path, serve):
    srv = serve(_config(built_portal, tmp_path, server={"trusted_proxies": ["127.0.0.1", "::1"]},
                        quotas={"anonymous_per_minute": 3}))
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        statuses = [c.get("/api/3/action/package_list", headers={"x-forwarded-for": f"203.0.113.{i}"}).status_code
                    for i in range(5)]
        # A client-supplied address left of the proxy's own entry is not believed: the right-most one is.
        c.get("/api/3/action/package_list", headers={"x-forwarded-for": "192.0.2.66, 198.51.100.7"})
        via_tls = c.get("/", headers={"x-forwarded-proto": "https"})     # the proxy terminated TLS
    assert statuses == [200] * 5
    assert "strict-transport-security" in via_tls.headers
    ips = [r["client_ip"] for r in _audit_rows(srv)]
    assert ips == [f"203.0.113.{i}" for i in range(5)] + ["198.51.100.7"]


def test_trusted_proxies_must_be_addresses(tmp_path):
    config = _config(tmp_path / "x" / "portal.toml", tmp_path, server={"trusted_proxies": ["*", "10.0.0.0/8"]})
    proc = run_portal(config, "config", "check", check=False)
    assert proc.returncode == 1 and "server.trusted_proxies" in proc.stderr


# ---- item 10: the audit keeps what was asked, not the personal values or keys in it ----

MOBILE, ID_NUMBER, NAME = "13912345678", "451424198708028257", "王秀英"


def _digits(text: str) -> str:
    import unicodedata
    from urllib.parse import unquote_plus
    for _ in range(3):
        text = unquote_plus(text)
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())


def test_audit_stores_no_personal_value_however_encoded(built_portal, tmp_path, serve):
    srv = serve(_config(built_portal, tmp_path))
    secret_key = "odp_" + "k" * 43
    hidden = [f"_search=139+1234+5678", "q=%E7%8E%8B%E7%A7%80%E8%8B%B1", "q=%25E7%258E%258B%25E7%25A7%2580%25E8%258B%25B1",
              "q=１３９１２３４５６７８", "q=139%201234%205678", f"q={ID_NUMBER[:6]}+{ID_NUMBER[6:14]}+{ID_NUMBER[14:]}",
              f"api_key={secret_key}", f"token={secret_key}", "q=139-1234-5678"]
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        for query in hidden:
            c.get(f"/api/3/action/package_search?{query}")
        c.get(f"/data/{ID_NUMBER}.json?_size=5")
    paths = [r["path"] for r in _audit_rows(srv) if r["path"].startswith(("/api/3/action/package_search", "/data/"))]
    assert len(paths) == len(hidden) + 1
    for p in paths:
        assert MOBILE not in _digits(p) and ID_NUMBER[:17] not in _digits(p), p
        assert NAME not in decode_all(p) and secret_key not in p and "k" * 20 not in p, p
    # What was asked stays readable: the path and every parameter name.
    assert paths[0].startswith("/api/3/action/package_search?_search=")
    assert any(p.endswith("api_key=<SECRET>") for p in paths)
    assert paths[-1].endswith("?_size=5")


def decode_all(text: str) -> str:
    import unicodedata
    from urllib.parse import unquote_plus
    for _ in range(3):
        text = unquote_plus(text)
    return unicodedata.normalize("NFKC", text)


# ---- item 19: a change and its audit entry commit together (kill -9 cannot separate them) ----

PAUSING_SENDER = '''"""An SMS gateway stand-in that stops mid-request (after the account is committed) until killed."""
import time
from pathlib import Path

HERE = Path(__file__).parent


class Sender:
    def send(self, account_id, mobile, code):
        (HERE / f"sending-{account_id}").write_text("paused")
        while True:
            time.sleep(0.05)
'''


def test_a_registration_committed_before_kill_has_its_audit_entry(built_portal, tmp_path, monkeypatch, serve):
    import signal
    import threading
    import time
    plug = tmp_path / "plug"
    plug.mkdir()
    (plug / "pausing_sender.py").write_text(PAUSING_SENDER, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", str(plug))
    srv = serve(_config(built_portal, tmp_path, accounts={"sender": "pausing_sender:Sender"}))

    def post():
        try:
            httpx.post(srv.url + "/api/portal/register", json=_person(), timeout=60)
        except httpx.HTTPError:
            pass                      # the server is killed under it
    t = threading.Thread(target=post)
    t.start()
    deadline = time.time() + 60
    while not list(plug.glob("sending-*")) and time.time() < deadline:
        time.sleep(0.05)
    assert list(plug.glob("sending-*")), "the server never reached the code sender"
    srv.stop(signal.SIGKILL)
    t.join(30)
    db = sqlite3.connect(srv.config.parent / "state" / "portal.db")
    try:
        accounts = db.execute("select count(*) from accounts").fetchone()[0]
        entries = db.execute("select method, path, status from audit where path = '/api/portal/register'").fetchall()
    finally:
        db.close()
    assert accounts == 1                       # the registration was committed...
    assert entries == [("POST", "/api/portal/register", 202)]   # ...and so was its audit entry


def test_every_committed_key_has_its_audit_entry_after_sigkill(built_portal, tmp_path, serve):
    import signal
    import threading
    import time
    config = _config(built_portal, tmp_path)
    srv = serve(config)
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        acct = c.post("/api/portal/register", json=_person()).json()["account"]
        code = read_outbox(tmp_path / "state", acct["id"])
        key = c.post("/api/portal/verify-code", json={"account_id": acct["id"], "code": code}).json()["key"]
    stop, acked = threading.Event(), []

    def create_keys():
        with httpx.Client(base_url=srv.url, timeout=5, headers={"authorization": f"Bearer {key}"}) as c:
            while not stop.is_set():
                try:
                    if c.post("/api/portal/keys", json={"name": "k"}).status_code == 201:
                        acked.append(1)
                except httpx.HTTPError:
                    return
    workers = [threading.Thread(target=create_keys) for _ in range(3)]
    for w in workers:
        w.start()
    deadline = time.time() + 30
    while len(acked) < 60 and time.time() < deadline:
        time.sleep(0.01)
    srv.stop(signal.SIGKILL)
    stop.set()
    for w in workers:
        w.join(10)
    db = sqlite3.connect(tmp_path / "state" / "portal.db")
    try:
        keys = db.execute("select count(*) from api_keys where account_id = ? and name = 'k'", (acct["id"],)).fetchone()[0]
        entries = db.execute("select count(*) from audit where method = 'POST' and path = '/api/portal/keys'"
                             " and status = 201").fetchone()[0]
    finally:
        db.close()
    assert keys >= len(acked) >= 20
    # Not one committed key without its entry, none counted twice. (Kill timing decides whether the old
    # write-after-answer code fails here; the paused registration above fails it every time.)
    assert entries == keys


# ---- item 20: the CLI's --as needs proof, and the audit names the OS user ----

DEPT = "温州市水利局"


def _staff(config: Path, role: str, department: str | None = None) -> tuple[int, str]:
    import json
    args = ["users", "add-staff", fake.name(), "--role", role] + (["--department", department] if department else [])
    first, second = run_portal(config, *args).stdout.strip().splitlines()[:2]
    return json.loads(first)["id"], second.rsplit(":", 1)[1].strip()


def test_cli_as_needs_the_staff_key_unless_run_by_the_state_owner(built_portal, tmp_path, serve, monkeypatch):
    import getpass
    import os
    monkeypatch.delenv("PORTAL_STAFF_KEY", raising=False)
    srv = serve(_config(built_portal, tmp_path))
    pub_id, pub_key = _staff(srv.config, "publisher", DEPT)
    _, reviewer_key = _staff(srv.config, "reviewer")
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        acct = c.post("/api/portal/register", json=_person()).json()["account"]
        code = read_outbox(tmp_path / "state", acct["id"])
        key = c.post("/api/portal/verify-code", json={"account_id": acct["id"], "code": code}).json()["key"]
        tracking = c.post("/api/portal/requests", headers={"authorization": f"Bearer {key}"}, json={
            "description": "各区县月度取水汇总", "department": DEPT, "purpose": "研究", "scenario": "报告",
            "items": ["取水量"], "use_until": "2027-12-31"}).json()["tracking"]
    srv.stop()
    state = tmp_path / "state"
    owner = state.stat().st_uid
    os.chown(state, owner + 12345, -1)      # this OS user can still read the state, but is not its owner
    try:
        listed = run_portal(srv.config, "requests", "list", "--as", str(pub_id), check=False)
        accepted = run_portal(srv.config, "requests", "accept", tracking, "--as", str(pub_id), check=False)
        monkeypatch.setenv("PORTAL_STAFF_KEY", reviewer_key)     # another staff member's key
        borrowed = run_portal(srv.config, "requests", "accept", tracking, "--as", str(pub_id), check=False)
        for proc in (listed, accepted, borrowed):
            assert proc.returncode == 1 and "PORTAL_STAFF_KEY" in proc.stderr, proc.stdout + proc.stderr
            assert tracking not in proc.stdout
        monkeypatch.setenv("PORTAL_STAFF_KEY", pub_key)
        proven = run_portal(srv.config, "requests", "accept", tracking, "--as", str(pub_id), check=False)
        assert proven.returncode == 0 and tracking in proven.stdout, proven.stderr
    finally:
        os.chown(state, owner, -1)
    cli = [r for r in _audit_rows(srv) if r["path"].startswith("/cli/requests/")]
    assert [(r["account_id"], r["key_prefix"], r["client_ip"], r["path"], r["status"]) for r in cli] == [
        (pub_id, pub_key[:12], f"local:{getpass.getuser()}", "/cli/requests/accept", 200)]


def test_operator_commands_are_audited_with_the_os_user(built_portal, tmp_path):
    import getpass
    config = _config(built_portal, tmp_path)
    staff_id, staff_key = _staff(config, "reviewer")
    run_portal(config, "users", "grant", str(staff_id), "some-dataset", "--until", "2027-01-01")
    run_portal(config, "keys", "revoke", staff_key[:12])
    run_portal(config, "users", "suspend", str(staff_id), "--note", "left")
    db = sqlite3.connect(tmp_path / "state" / "portal.db")
    try:
        rows = db.execute("select client_ip, method, path, status from audit order by seq").fetchall()
    finally:
        db.close()
    me = f"local:{getpass.getuser()}"
    assert rows == [(me, "CLI", "/cli/users/add-staff", 201), (me, "CLI", "/cli/users/grant", 201),
                    (me, "CLI", "/cli/keys/revoke", 200), (me, "CLI", "/cli/users/suspend", 200)]


# ---- item 13: registration checks the area code, limits accounts per mobile, lets the owner claim an ID ----

def _id(first17: str) -> str:
    from anonymize.checksums import id_check_digit
    return first17 + id_check_digit(first17)


def _register(c: httpx.Client, state: Path, person: dict) -> tuple[int, str]:
    r = c.post("/api/portal/register", json=person)
    assert r.status_code == 202, r.text
    account_id = r.json()["account"]["id"]
    r = c.post("/api/portal/verify-code", json={"account_id": account_id, "code": read_outbox(state, account_id)})
    assert r.status_code == 201, r.text
    return account_id, r.json()["key"]


def test_registration_checks_the_area_code_and_the_mobile(built_portal, tmp_path, serve):
    srv = serve(_config(built_portal, tmp_path))
    mobile = fake.phone_number()
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        invented = c.post("/api/portal/register", json={**_person(), "id_number": _id("12345619900101123")})
        abolished = c.post("/api/portal/register", json={**_person(), "mobile": mobile,   # 崇文区, merged 2010
                                                         "id_number": _id("11010319800101123")})
        second = c.post("/api/portal/register", json={**_person(), "mobile": mobile})
    assert invented.status_code == 400 and "地址码" in invented.json()["fields"]["id_number"]
    assert abolished.status_code == 202, abolished.text
    assert second.status_code == 409 and "mobile" in second.json()["fields"], second.text


def test_the_owner_claims_an_id_a_squatter_registered(built_portal, tmp_path, serve):
    srv = serve(_config(built_portal, tmp_path))
    state = tmp_path / "state"
    owner = _person()
    squatter = {**owner, "name": fake.name(), "mobile": fake.phone_number()}
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        squatter_id, squatter_key = _register(c, state, squatter)
        assert c.post("/api/portal/register", json=owner).status_code == 409      # the ID is taken
        r = c.post("/api/portal/claims", json=owner)
        assert r.status_code == 202, r.text
        claim_id = r.json()["claim"]["id"]
        code = read_outbox(state, f"claim-{claim_id}")        # sent to the claimant's mobile
        wrong = "000000" if code != "000000" else "111111"
        assert c.post("/api/portal/claims/verify", json={"claim_id": claim_id, "code": wrong}).status_code == 400
        r = c.post("/api/portal/claims/verify", json={"claim_id": claim_id, "code": code})
        assert r.status_code == 200 and r.json()["claim"]["status"] == "review", r.text
        assert c.get("/api/portal/account", headers={"authorization": f"Bearer {squatter_key}"}).status_code == 200
    listed = run_portal(srv.config, "users", "claims", "--status", "review").stdout
    assert f'"id": {claim_id}' in listed and owner["mobile"] not in listed and owner["id_number"] not in listed
    run_portal(srv.config, "users", "resolve-claim", str(claim_id), "--grant", "--note", "核对身份证原件")
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        assert c.get("/api/portal/account", headers={"authorization": f"Bearer {squatter_key}"}).status_code == 401
        third = c.post("/api/portal/register", json={**owner, "name": fake.name(), "mobile": fake.phone_number()})
        assert third.status_code == 409, third.text          # the freed ID is kept for the proven mobile
        owner_id, owner_key = _register(c, state, owner)
        me = c.get("/api/portal/account", headers={"authorization": f"Bearer {owner_key}"}).json()["account"]
    assert me["id"] == owner_id != squatter_id and me["status"] == "active"
    shown = json_of(run_portal(srv.config, "users", "show", str(squatter_id)).stdout)
    assert shown["status"] == "suspended" and all(k["revoked_at"] for k in shown["keys"])
    trail = [(r["method"], r["path"], r["status"]) for r in _audit_rows(srv)
             if "claim" in r["path"]]
    assert trail == [("POST", "/api/portal/claims", 202), ("POST", "/api/portal/claims/verify", 400),
                     ("POST", "/api/portal/claims/verify", 200), ("CLI", "/cli/users/resolve-claim", 200)]


def json_of(text: str) -> dict:
    import json
    return json.loads(text)


def test_an_organisation_claims_its_credit_code(built_portal, tmp_path, serve):
    from anonymize.checksums import uscc_check_char
    srv = serve(_config(built_portal, tmp_path))
    state, body = tmp_path / "state", "91330300MA2H5678"[:17].ljust(17, "0")
    owner = {"kind": "organisation", "org_name": "温州市某某科技有限公司", "credit_code": body + uscc_check_char(body),
             "contact_name": fake.name(), "mobile": fake.phone_number()}
    squatter = {**owner, "contact_name": fake.name(), "mobile": fake.phone_number()}
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        squatter_id, squatter_key = _register(c, state, squatter)
        run_portal(srv.config, "users", "approve", str(squatter_id))     # an operator was fooled
        assert c.get("/api/portal/account", headers={"authorization": f"Bearer {squatter_key}"}).status_code == 200
        assert c.post("/api/portal/register", json=owner).status_code == 409
        claim_id = c.post("/api/portal/claims", json=owner).json()["claim"]["id"]
        r = c.post("/api/portal/claims/verify", json={"claim_id": claim_id,
                                                      "code": read_outbox(state, f"claim-{claim_id}")})
        assert r.json()["claim"]["status"] == "review" and r.json()["claim"]["kind"] == "organisation", r.text
    run_portal(srv.config, "users", "resolve-claim", str(claim_id), "--grant")
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        assert c.get("/api/portal/account", headers={"authorization": f"Bearer {squatter_key}"}).status_code in (401, 403)
        assert c.post("/api/portal/register", json=owner).status_code == 202


def test_access_log_holds_no_number_typed_with_spaces_or_dashes(built_portal, tmp_path, serve):
    """Same class as item 10, in the server's log: the path and parameter names are redacted like the audit."""
    srv = serve(_config(built_portal, tmp_path))
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        c.get("/data/air-quality/139%201234%205678.json")
        c.get("/data/air-quality/139-1234-5678.json")
        c.get("/data/air-quality.json?139+1234+5678=1")
    srv.stop()
    log = srv.log.read_text(encoding="utf-8")
    assert "/data/air-quality" in log and MOBILE not in _digits(log)
