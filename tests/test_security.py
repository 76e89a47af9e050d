"""A real server under hostile input: malformed JSON, 50 MB bodies, SQL injection, HTML; headers everywhere."""
from __future__ import annotations

import json
import socket
import sqlite3
import threading
from urllib.parse import quote

import httpx
import pytest
from faker import Faker

from portal import audit
from portal import config as config_mod
from portal.accounts import read_outbox
from portal.store import Store
from conftest import Server

pytestmark = pytest.mark.server
fake = Faker("zh_CN")
Faker.seed(909)
INJECTIONS = ["' OR '1'='1", "1; DROP TABLE accounts; --", '" OR 1=1 --', "1 UNION SELECT name FROM sqlite_master --",
              "%' --", "]; DROP TABLE [x]; --", "\x00'", "1e999999"]
HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'
MB = 1 << 20


@pytest.fixture(scope="module")
def srv(built_portal, tmp_path_factory):
    work = tmp_path_factory.mktemp("security")
    built = config_mod.load(built_portal)
    config = work / "portal.toml"
    config.write_text(f'datasets_dir = "{built.datasets_dir}"\nbuild_dir = "{built.build_dir}"\n'
                      f'state_dir = "{work / "state"}"\n[quotas]\nanonymous_per_minute = 100000\n'
                      "individual_per_minute = 100000\nregister_per_hour = 1000\ncodes_per_hour = 1000\n",
                      encoding="utf-8")
    server = Server(config).start()
    yield server
    server.stop()
    assert "Traceback" not in server.log.read_text()


@pytest.fixture(scope="module")
def table(srv):
    """An open table and its columns, from the served release's catalogue."""
    cfg = config_mod.load(srv.config)
    conn = sqlite3.connect(cfg.current / "data.db")
    ident, columns = conn.execute("select identifier, columns from _catalog where database = 'data'"
                                  " order by identifier").fetchone()
    conn.close()
    return ident, [c if isinstance(c, str) else c["name"] for c in json.loads(columns)]


@pytest.fixture(scope="module")
def key(srv):
    """A registered individual's API key."""
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        r = c.post("/api/portal/register", json={"kind": "individual", "name": fake.name(),
                                                  "id_number": fake.ssn(), "mobile": fake.phone_number()})
        assert r.status_code == 202, r.text
        acct = r.json()["account"]["id"]
        code = read_outbox(srv.config.parent / "state", acct)
        r = c.post("/api/portal/verify-code", json={"account_id": acct, "code": code})
        assert r.status_code == 201, r.text
        return r.json()["key"]


def assert_secure_headers(r: httpx.Response) -> None:
    h = r.headers
    assert h["x-content-type-options"] == "nosniff", r.url
    assert h["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in h["content-security-policy"], r.url
    assert "script-src 'self'" in h["content-security-policy"] and "unsafe-inline" not in \
        h["content-security-policy"].split("script-src")[1].split(";")[0], r.url
    assert h["referrer-policy"] == "strict-origin-when-cross-origin", r.url


def test_security_headers_on_every_kind_of_response(srv, table):
    ident, _ = table
    cases = [("GET", "/", 200), ("GET", "/assets/portal.css", 200), ("GET", "/no-such-page/", 404),
             ("GET", "/data", 200), ("GET", "/data.json", 200), (f"GET", f"/data/{ident}", 200),
             ("GET", f"/data/{ident}.json", 200), ("GET", f"/data/{ident}.csv", 200),
             ("GET", "/restricted/x.json", 403), ("GET", "/data/no_such_table.json", 404),
             ("GET", "/api/3/action/package_list", 200), ("GET", "/api/3/action/no_such_action", 400),
             ("GET", "/api/portal/quotas", 200), ("GET", "/api/portal/nope", 404),
             ("GET", "/api/portal/keys", 401), ("GET", "/-/health", 200), ("GET", "/catalog.jsonld", 200),
             ("POST", "/api/portal/register", 400), ("DELETE", "/api/portal/quotas", 405)]
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        for method, path, status in cases:
            kwargs = {"content": b"{", "headers": {"content-type": "application/json"}} if method == "POST" else {}
            r = c.request(method, path, **kwargs)
            assert r.status_code == status or (status == 400 and r.status_code in (400, 404)), (path, r.status_code)
            assert_secure_headers(r)


def test_inline_scripts_of_pages_are_allowed_by_hash_only(srv):
    r = httpx.get(srv.url + "/", timeout=30)
    csp = r.headers["content-security-policy"]
    assert "'sha256-" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]


@pytest.mark.parametrize("body", [b"{", b'{"a": }', b"[1,", b"\xff\xfe{}", b'{"kind": "individual",'])
@pytest.mark.parametrize("path", ["/api/portal/register", "/api/3/action/package_search",
                                  "/api/action/datastore_search", "/api/portal/requests", "/api/portal/keys"])
def test_malformed_json_is_a_clear_400(srv, path, body):
    r = httpx.post(srv.url + path, content=body, headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 400
    assert r.json()["ok"] is False and "JSON" in r.json()["error"]


def _send_raw(port: int, head: bytes, body_chunks) -> bytes:
    """Send a request from a thread (the server may stop reading) and return what the server answered."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)

    def writer():
        try:
            sock.sendall(head)
            for chunk in body_chunks:
                sock.sendall(chunk)
        except OSError:
            pass  # the server closed the connection after answering: that is the point
    t = threading.Thread(target=writer, daemon=True)
    t.start()
    answer = b""
    try:
        while b"\r\n\r\n" not in answer or len(answer) < 200:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    except OSError:
        pass
    sock.close()
    t.join(30)
    return answer


@pytest.mark.parametrize("chunked", [False, True])
def test_50_mb_body_is_refused_with_413(srv, chunked):
    size = 50 * MB
    block = b"a" * MB
    if chunked:
        head = (b"POST /api/portal/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n")
        chunks = [b"%x\r\n%s\r\n" % (len(block), block)] * 50 + [b"0\r\n\r\n"]
    else:
        head = (b"POST /api/portal/register HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n" % size)
        chunks = [block] * 50
    answer = _send_raw(srv.port, head, chunks)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b"x-content-type-options: nosniff" in answer.lower()
    assert httpx.get(srv.url + "/-/health/live", timeout=30).status_code == 200   # still serving


def test_sql_injection_in_every_data_api_parameter(srv, table, key):
    ident, columns = table
    params = ["_search", "_sort", "_sort_desc", "_size", "_next", "_facet", "_col", "_nocol", "_shape",
              "_labels", "_fts_table", "_where", "sql", "_through", "_json", "_nl", "_ttl"]
    for col in columns:
        params += [col, f"{col}__exact", f"{col}__contains", f"{col}__gt", f"{col}__in", f"{col}__isnull"]
    with httpx.Client(base_url=srv.url, timeout=30) as anon, \
            httpx.Client(base_url=srv.url, timeout=30, headers={"authorization": f"Bearer {key}"}) as reg:
        for payload in INJECTIONS:
            for p in params:
                for c in (anon, reg) if p in ("_where", "sql", "_sort", "_search") else (anon,):
                    r = c.get(f"/data/{ident}.json", params={p: payload})
                    assert r.status_code < 500, (p, payload, r.status_code)
            q = quote(payload, safe="")
            for path in (f"/data/{q}.json", f"/data/{ident}/{q}.json", f"/restricted/{q}"):
                assert anon.get(path).status_code < 500, path
    _assert_intact(srv, ident)


CKAN_PARAMS = {
    "package_show": ["id"], "resource_show": ["id"], "organization_show": ["id"], "group_list": ["sort"],
    "package_list": ["limit", "offset"], "organization_list": ["sort", "limit", "all_fields"],
    "tag_list": ["query"], "help_show": ["name"], "current_package_list_with_resources": ["limit", "offset"],
    "package_search": ["q", "fq", "sort", "rows", "start", "facet.field", "facet.limit", "include_private"],
    "datastore_search": ["resource_id", "q", "filters", "sort", "fields", "limit", "offset", "distinct",
                         "include_total", "plain", "language"],
}


def test_sql_injection_in_every_ckan_parameter(srv, table):
    ident, _ = table
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        for payload in INJECTIONS:
            for action, params in CKAN_PARAMS.items():
                for p in params:
                    base = {"resource_id": ident} if action == "datastore_search" and p != "resource_id" else {}
                    r = c.get(f"/api/3/action/{action}", params={**base, p: payload})
                    assert r.status_code < 500, (action, p, payload, r.status_code)
                    assert r.json()["success"] in (True, False)
                    r = c.post(f"/api/action/{action}", json={**base, p: payload})
                    assert r.status_code < 500, (action, p, payload, r.status_code)
    _assert_intact(srv, ident)


def test_sql_injection_in_every_portal_api_parameter(srv, table, key):
    ident, _ = table
    forms = {"individual": {"name": "张三", "id_number": "110101199003077578", "mobile": "13800138000"},
             "organisation": {"org_name": "测试公司", "credit_code": "91350100M000100Y43", "contact_name": "李四",
                              "mobile": "13800138000"}}
    with httpx.Client(base_url=srv.url, timeout=30) as c, \
            httpx.Client(base_url=srv.url, timeout=30, headers={"authorization": f"Bearer {key}"}) as reg:
        for payload in INJECTIONS:
            for kind, form in forms.items():
                for f in [*form, "kind"]:
                    r = c.post("/api/portal/register", json={**form, "kind": kind, f: payload})
                    if f == "org_name" and r.status_code in (202, 409):
                        continue   # an organisation may be called anything: stored as data, never as SQL
                    assert r.status_code == 400 and f in r.json()["fields"], (f, payload, r.status_code)
            for body in ({"account_id": payload, "code": "123456"}, {"account_id": 1, "code": payload}):
                assert c.post("/api/portal/verify-code", json=body).status_code in (400, 404, 410)
                assert c.post("/api/portal/send-code", json=body).status_code < 500
            assert reg.delete(f"/api/portal/keys/{quote(payload, safe='')}").status_code in (400, 404)
            assert reg.post("/api/portal/keys", json={"name": payload, "expires_in_days": payload}).status_code == 400
            for p in ("state", "urgency"):
                assert reg.get("/api/portal/requests", params={p: payload}).status_code == 400
            assert c.get("/api/portal/requests/stats", params={"year": payload}).status_code == 400
            r = reg.post("/api/portal/requests", json={"type": "correction", "dataset": payload,
                                                       "description": payload, "items": [payload]})
            assert r.status_code == 400, r.text
    _assert_intact(srv, ident)


def test_html_is_stored_inertly_and_rendered_escaped(srv, table, key):
    ident, columns = table
    with httpx.Client(base_url=srv.url, timeout=30, headers={"authorization": f"Bearer {key}"}) as reg:
        r = reg.post("/api/portal/keys", json={"name": HTML[:100]})
        assert r.status_code == 201
        listed = reg.get("/api/portal/keys")
        assert listed.headers["content-type"].startswith("application/json")
        assert HTML[:100] in [k["name"] for k in listed.json()["keys"]]        # kept exactly, as data
        r = reg.post("/api/portal/requests", json={"type": "correction", "dataset": ident,
                                                   "description": HTML, "items": []})
        assert r.status_code == 201, r.text
        shown = reg.get(r.json()["status_url"])
        assert shown.headers["content-type"].startswith("application/json")
        assert shown.json()["request"]["request"]["description"] == HTML   # kept exactly, as data
        # A person's name with markup is refused as a field error, never stored.
        r = httpx.post(srv.url + "/api/portal/register", json={"kind": "individual", "name": HTML,
                       "id_number": fake.ssn(), "mobile": fake.phone_number()}, timeout=30)
        assert r.status_code == 400 and "name" in r.json()["fields"]
    # HTML pages that echo query values escape them.
    for params in ({"_search": HTML}, {f"{columns[0]}__exact": HTML}, {"_sort": HTML}):
        page = httpx.get(f"{srv.url}/data/{ident}", params=params, timeout=30)
        assert page.status_code < 500 and "<script>alert" not in page.text and "<img src=x" not in page.text
    ckan = httpx.get(f"{srv.url}/api/3/action/package_show", params={"id": HTML}, timeout=30)
    assert ckan.headers["content-type"].startswith("application/json")


def _assert_intact(srv, ident: str) -> None:
    """Nothing was dropped or changed: the state tables, the published table and the audit chain."""
    cfg = config_mod.load(srv.config)
    store = Store(cfg.state_dir / "portal.db")
    try:
        assert store.one("select count(*) from accounts")[0] >= 0
        v = audit.verify(store, cfg.secret("audit"))
        assert v.ok, v
    finally:
        store.close()
    r = httpx.get(f"{srv.url}/data/{ident}.json", params={"_size": 1}, timeout=30)
    assert r.status_code == 200 and r.json()["rows"]
