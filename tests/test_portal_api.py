"""A real server: quotas and 429, registration and keys, 401/403 rules, grants, CSRF, audit, no clear PII."""
from __future__ import annotations

import time

import httpx
import pytest
from faker import Faker

from anonymize.checksums import uscc_check_char
from portal.accounts import read_outbox
from conftest import Server, on_shared_build, run_portal

pytestmark = pytest.mark.server
fake = Faker("zh_CN")
Faker.seed(66)
ANON_LIMIT, PERSON_LIMIT, REGISTER_LIMIT = 15, 40, 6
RESTRICTED = "water-use-enterprises"
REGISTERED: list[str] = []       # every ID number and mobile sent to the server (for the grep test)


@pytest.fixture(scope="module")
def portal(built_portal, tmp_path_factory):
    """A server on the shared build with its own state directory and small published limits."""
    work = tmp_path_factory.mktemp("portal_api")
    config = on_shared_build(built_portal, work, quotas={
        "anonymous_per_minute": ANON_LIMIT, "individual_per_minute": PERSON_LIMIT,
        "register_per_hour": REGISTER_LIMIT, "codes_per_hour": REGISTER_LIMIT})
    # The tests play clients behind a reverse proxy on loopback, each with its own X-Forwarded-For.
    config.write_text(config.read_text(encoding="utf-8") + '[server]\ntrusted_proxies = ["127.0.0.1", "::1"]\n',
                      encoding="utf-8")
    srv = Server(config).start()
    yield srv
    srv.stop()


_ip = iter(range(2, 250))


def client(srv, key: str | None = None, form: str = "bearer") -> httpx.Client:
    """A client with its own address (the test server trusts X-Forwarded-For from loopback) and optional key."""
    headers = {"x-forwarded-for": f"10.6.0.{next(_ip)}"}
    if key:
        headers.update({"bearer": {"authorization": f"Bearer {key}"}, "bare": {"authorization": key},
                        "ckan": {"x-ckan-api-key": key}}[form])
    return httpx.Client(base_url=srv.url, headers=headers, timeout=30)


def person() -> dict:
    p = {"kind": "individual", "name": fake.name(), "id_number": fake.ssn(), "mobile": fake.phone_number()}
    REGISTERED.extend([p["id_number"], p["mobile"]])
    return p


def register(srv, data: dict) -> tuple[dict, str]:
    """Register through the API, read the code from the development outbox, verify: (account, key)."""
    with client(srv) as c:
        r = c.post("/api/portal/register", json=data)
        assert r.status_code == 202, r.text
        acct = r.json()["account"]
        code = read_outbox(srv.config.parent / "state", acct["id"])
        r = c.post("/api/portal/verify-code", json={"account_id": acct["id"], "code": code})
        assert r.status_code == 201, r.text
        return r.json()["account"], r.json()["key"]


def burst_until_refused(c: httpx.Client, path: str, limit: int) -> list[httpx.Response]:
    reset = int(c.get("/api/portal/quotas").headers["x-ratelimit-reset"])
    if reset < 10:                      # do not straddle a minute boundary
        time.sleep(reset + 0.5)
    return [c.get(path) for _ in range(limit + 2)]


def test_anonymous_burst_gets_429_after_the_limit(portal):
    with client(portal) as c:
        got = burst_until_refused(c, "/data/air-quality.json?_size=1", ANON_LIMIT)
    codes = [r.status_code for r in got]
    assert codes.index(429) in (ANON_LIMIT - 1, ANON_LIMIT), codes   # the quota probe counted too
    refused = got[codes.index(429)]
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining"] == "0" and refused.headers["x-ratelimit-limit"] == str(ANON_LIMIT)
    body = refused.json()
    assert "注册" in body["error"] and body["register"]
    ok = got[0]
    assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(ok.headers)


def test_static_site_has_no_limits(portal):
    with client(portal) as c:
        codes = {c.get("/").status_code for _ in range(ANON_LIMIT + 3)}
        assert codes == {200} and "x-ratelimit-limit" not in c.get("/").headers


def test_registered_key_gets_the_higher_limit_in_every_header_form(portal):
    _, key = register(portal, person())
    for form in ("bearer", "bare", "ckan"):
        with client(portal, key, form) as c:
            r = c.get("/data/air-quality.json?_size=1")
            assert r.status_code == 200 and r.headers["x-ratelimit-limit"] == str(PERSON_LIMIT), form
    with client(portal, key) as c:
        got = burst_until_refused(c, "/data/air-quality.json?_size=1", PERSON_LIMIT)
    codes = [r.status_code for r in got]
    assert codes.count(200) > ANON_LIMIT and codes[-1] == 429


def test_sql_needs_a_registered_key(portal):
    with client(portal) as c:
        for path in ("/data.json?sql=select+1", "/data?sql=select+1", "/data/air-quality.json?_where=1=1"):
            r = c.get(path)
            assert r.status_code == 403 and "注册" in r.json()["error"], path
    _, key = register(portal, person())
    with client(portal, key) as c:
        r = c.get("/data", params={"sql": "select 'ok' || 'ay' as answer"})
        assert r.status_code == 200 and "okay" in r.text


def test_key_lifecycle_and_revoked_key_is_401(portal):
    _, key = register(portal, person())
    with client(portal, key) as c:
        new = c.post("/api/portal/keys", json={"name": "脚本", "expires_in_days": 30})
        assert new.status_code == 201
        second, prefix = new.json()["key"], new.json()["info"]["prefix"]
        listed = c.get("/api/portal/keys").json()["keys"]
        assert [k["prefix"] for k in listed] == [key[:12], prefix] and second not in str(listed)
        assert c.delete(f"/api/portal/keys/{prefix}").json()["info"]["revoked_at"]
    with client(portal, second) as c:
        r = c.get("/data/air-quality.json?_size=1")
        assert r.status_code == 401 and "吊销" in r.json()["error"]
    with client(portal, "odp_" + "x" * 43) as c:
        assert c.get("/data/air-quality.json").status_code == 401
    with client(portal) as c:
        assert c.get("/api/portal/keys").status_code == 401


def test_open_on_request_table_needs_a_grant(portal):
    acct, key = register(portal, person())
    path = f"/restricted/{RESTRICTED}.json"
    with client(portal) as c:
        r = c.get(path)
        assert r.status_code == 403 and "依申请开放" in r.json()["error"]
    with client(portal, key) as c:
        assert c.get(path).status_code == 403
        run_portal(portal.config, "users", "grant", str(acct["id"]), "some-other-table", "--until", "2099-12-31")
        assert c.get(path).status_code == 403                     # a grant opens only its own table
        run_portal(portal.config, "users", "grant", str(acct["id"]), RESTRICTED, "--until", "2099-12-31",
                   "--column", "企业名称", "--column", "所属区县")
        r = c.get(path, params={"_size": 3, "_shape": "objects"})
        assert r.status_code == 200, r.text
        assert {k for row in r.json()["rows"] for k in row} <= {"rowid", "企业名称", "所属区县"}
        for bad in ({"sql": "select 1"}, {"_col": "月取水量", "月取水量__gt": "0"}, {"_search": "水"},
                    {"_sort": "月取水量"}):
            assert c.get(path, params=bad).status_code == 403, bad
        assert c.get("/restricted.json").status_code == 403
        assert c.get(f"/restricted/{RESTRICTED}/1.json").status_code == 403


def test_expired_grant_is_refused(portal):
    acct, key = register(portal, person())
    run_portal(portal.config, "users", "grant", str(acct["id"]), RESTRICTED, "--until", "2020-01-01")
    with client(portal, key) as c:
        assert c.get(f"/restricted/{RESTRICTED}.json").status_code == 403


def _valid_uscc() -> str:
    body = "91330300MA2H" + f"{fake.random_int(10000, 99999)}"
    return body + uscc_check_char(body)


@pytest.mark.parametrize("field, value", [
    ("id_number", "11010519491231002"),                 # invalid: 17 characters
    ("id_number", "wrong-check"),
    ("id_number", "110105199902301235"),                # 30 February
    ("credit_code", "91330300MA2H12345Z"),
])
def test_registration_refuses_bad_numbers_with_a_field_error(portal, field, value):
    if value == "wrong-check":
        good = fake.ssn()
        value = good[:-1] + ("X" if good[-1] != "X" else "0")
    if field == "credit_code":
        data = {"kind": "organisation", "org_name": "某某科技有限公司", "credit_code": value,
                "contact_name": "李四", "mobile": "13912345678"}
    else:
        data = {**person(), field: value}
    with client(portal) as c:
        r = c.post("/api/portal/register", json=data)
    assert r.status_code == 400 and list(r.json()["fields"]) == [field]
    assert value not in r.text


def test_duplicate_id_is_refused(portal):
    p = person()
    register(portal, p)
    with client(portal) as c:
        r = c.post("/api/portal/register", json={**p, "mobile": fake.phone_number()})
    assert r.status_code == 409 and "id_number" in r.json()["fields"]


def test_registration_is_rate_limited(portal):
    with client(portal) as c:
        codes = [c.post("/api/portal/register", json={"kind": "individual"}).status_code
                 for _ in range(REGISTER_LIMIT + 1)]
        last = c.post("/api/portal/register", json={"kind": "individual"})
    assert codes[:REGISTER_LIMIT] == [400] * REGISTER_LIMIT and last.status_code == 429
    assert int(last.headers["retry-after"]) > 0


def test_csrf_double_submit_for_browsers(portal):
    with client(portal) as c:
        r = c.post("/api/portal/register", json=person(), headers={"origin": "https://evil.example"})
        assert r.status_code == 403 and "CSRF" in r.json()["error"]
        token = c.get("/api/portal/csrf").json()["csrf_token"]
        assert c.cookies.get("portal_csrf") == token
        r = c.post("/api/portal/register", json=person(), headers={"x-csrf-token": token})
        assert r.status_code == 202, r.text


def test_organisation_waits_for_operator_review(portal):
    mobile = fake.phone_number()
    REGISTERED.append(mobile)
    acct, key = register(portal, {"kind": "organisation", "org_name": "温州某某数据科技有限公司",
                                  "credit_code": _valid_uscc(), "contact_name": "王五", "mobile": mobile})
    assert acct["status"] == "review"
    with client(portal, key) as c:
        assert c.get("/data/air-quality.json?_size=1").status_code == 403
        queue = run_portal(portal.config, "users", "list", "--status", "review").stdout
        assert f'"id": {acct["id"]}' in queue
        run_portal(portal.config, "users", "approve", str(acct["id"]))
        assert c.get("/data/air-quality.json?_size=1").status_code == 200
        run_portal(portal.config, "users", "suspend", str(acct["id"]), "--note", "测试")
        assert c.get("/data/air-quality.json?_size=1").status_code == 403


def test_audit_trail_of_the_run_is_intact(portal):
    out = run_portal(portal.config, "audit", "verify").stdout
    assert "intact" in out and int(out.split(":")[1].split()[0]) > 50
    shown = run_portal(portal.config, "users", "show", "1").stdout
    assert '"id_masked": "' in shown and "***" in shown


def test_no_clear_id_number_or_mobile_anywhere(portal, built_portal):
    """Grep the state directory, the server log and the published databases for every registered value."""
    assert len(REGISTERED) > 10
    portal.stop()                       # flush the WAL into the database file
    state = portal.config.parent / "state"
    files = [p for p in state.rglob("*") if p.is_file()] + [portal.log]
    files += list((built_portal.parent / "build" / "current").resolve().glob("*.db"))
    assert any(p.name == "portal.db" for p in files)
    for path in files:
        data = path.read_bytes()
        for value in REGISTERED:
            assert value.encode() not in data, f"{value[:3]}… in {path.name}"
