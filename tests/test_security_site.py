"""Issue 15 on the site and the outer HTTP layer: hostile catalogue strings, CSP, redirects, Host, /-/ pages,
form pre-fill, staff sign-in cookie and HSTS, each against a real build and a real server (and Chromium)."""
from __future__ import annotations

import base64
import hashlib
import http.client
import json
import re
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
import yaml
from faker import Faker

from conftest import ROOT, SHARED_SERVER_QUOTAS, Server, run_portal, write_config
from portal.accounts import read_outbox

pytestmark = [pytest.mark.security, pytest.mark.server]
DATASET = "air-quality"
PWN = "window.__pwned=(window.__pwned||[]).concat(['{}'])"
# Each catalogue string carries markup meant to break out of the slot it lands in.
PAYLOADS = {
    "title": f"热线</title><script>{PWN.format('title')}</script>\"><img src=x onerror=\"{PWN.format('img')}\">"
             f" *强调* [点我](javascript:{PWN.format('md')}) `代码`",
    "description": f"说明</script><script>{PWN.format('desc')}</script>\" onmouseover=\"{PWN.format('attr')}\" x=\"<!--",
    "keyword": f"词</script><!--<script>{PWN.format('kw')}</script>",
    "keyword2": f"\"onmouseover={PWN.format('kw2')} x=\"",
    "department": f"部门</title><script>{PWN.format('dept')}</script>[链接](javascript:{PWN.format('mdd')})",
    "column": f"列</td><script>{PWN.format('col')}</script>",
    "usage": f"<a href=\"javascript:{PWN.format('href')}\">用法</a>",
    "email": f"javascript:{PWN.format('mail')}",
}


def hostile_copy(dest: Path) -> Path:
    """A datasets folder holding one sample dataset whose catalogue strings are all payloads."""
    shutil.copytree(ROOT / "datasets" / DATASET, dest / DATASET)
    path = dest / DATASET / "dataset.yaml"
    d = yaml.safe_load(path.read_text(encoding="utf-8"))
    d.update(title=PAYLOADS["title"], description=PAYLOADS["description"], usage_requirements=PAYLOADS["usage"],
             keywords=[PAYLOADS["keyword"], PAYLOADS["keyword2"]])
    d["department"]["name"] = PAYLOADS["department"]
    d["contact"]["email"] = PAYLOADS["email"]
    d["columns"][0]["description"] = PAYLOADS["column"]
    path.write_text(yaml.safe_dump(d, allow_unicode=True), encoding="utf-8")
    return dest


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """A portal built from the hostile dataset, served; .staff_key is a staff account of its department."""
    work = tmp_path_factory.mktemp("hostile")
    datasets = hostile_copy(work / "datasets")
    config = write_config(work, datasets, quotas=SHARED_SERVER_QUOTAS)
    with config.open("a", encoding="utf-8") as f:  # the test client stands for a TLS-terminating proxy
        f.write('[server]\ntrusted_proxies = ["127.0.0.1"]\n')
    run_portal(config, "build")
    out = run_portal(config, "users", "add-staff", "王芳", "--role", "publisher",
                     "--department", PAYLOADS["department"]).stdout
    srv = Server(config).start()
    srv.staff_key = out.rsplit(":", 1)[1].strip()
    srv.site = work / "build" / "site"
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def registered_key(hostile) -> str:
    """A registered individual's API key (not staff)."""
    srv = hostile
    fake = Faker("zh_CN")
    fake.seed_instance(1515)
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        r = c.post("/api/portal/register", json={"kind": "individual", "name": fake.name(),
                                                  "id_number": fake.ssn(), "mobile": fake.phone_number()})
        assert r.status_code == 202, r.text
        acct = r.json()["account"]["id"]
        r = c.post("/api/portal/verify-code", json={"account_id": acct, "code": read_outbox(
            srv.config.parent / "state", acct)})
        assert r.status_code == 201, r.text
        return r.json()["key"]


def raw_get(srv, target: str, headers: dict | None = None) -> http.client.HTTPResponse:
    """GET with the request target sent byte for byte (no client-side normalisation)."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    conn.putrequest("GET", target, skip_host=bool(headers and "Host" in headers), skip_accept_encoding=True)
    for k, v in (headers or {}).items():
        conn.putheader(k, v)
    conn.endheaders()
    resp = conn.getresponse()
    resp.read()
    conn.close()
    return resp


# ---- item 3: stored XSS through catalogue strings ----

class _Runnable(HTMLParser):
    """What a browser would run: inline <script> elements (not JSON data blocks), on* handlers, javascript: URLs."""

    def __init__(self):
        super().__init__()
        self.scripts: list = []
        self.attributes: list = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script" and "src" not in a and a.get("type") not in ("application/json", "application/ld+json"):
            self.scripts.append(self.get_starttag_text())
        for k, v in attrs:
            if k.startswith("on") or (v or "").strip().lower().startswith("javascript:"):
                self.attributes.append((tag, k, v))


def runnable(html: str) -> _Runnable:
    parser = _Runnable()
    parser.feed(html)
    return parser


def test_built_pages_run_no_inline_script_and_escape_every_slot(hostile):
    pages = sorted(hostile.site.rglob("*.html"))
    assert len(pages) > 10
    for page in pages:
        html = page.read_text(encoding="utf-8")
        found = runnable(html)
        assert found.scripts == [], page        # the CSP allows the site's files only: nothing inline may run
        assert found.attributes == [], page
        assert "<script>window.__pwned" not in html and "<img src=x" not in html, page
    dataset = (hostile.site / "datasets" / DATASET / "index.html").read_text(encoding="utf-8")
    title = re.search(r"<title>(.*?)</title>", dataset, re.S).group(1)
    assert "&lt;/title&gt;&lt;script&gt;" in title
    ld = re.search(r'<script type="application/ld\+json">(.*?)</script>', dataset, re.S).group(1)
    assert "<" not in ld and ">" not in ld                  # no </script> or <!-- inside the data block
    assert json.loads(ld)["name"] == PAYLOADS["title"]       # ... and the same text once parsed
    meta = re.search(r'<meta name="description" content="([^"]*)">', dataset).group(1)
    assert "&lt;/script&gt;" in meta and "&#34; onmouseover=" in meta


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    chromium = Path("/usr/bin/chromium")
    if not chromium.exists():
        pytest.skip("Chromium is not installed (run `make browser`)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(chromium), args=["--headless", "--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def dept_path(site: Path) -> str:
    return "/" + next(site.glob("departments/dept-*/index.html")).parent.relative_to(site).as_posix() + "/"


@pytest.mark.browser
@pytest.mark.parametrize("where", ["dataset", "catalogue", "department", "home", "statistics", "request form",
                                   "report form", "staff", "data table"])
def test_no_injected_script_runs_in_chromium(hostile, registered_key, page, where):
    path = {"dataset": f"/datasets/{DATASET}/", "catalogue": "/catalog/", "department": dept_path(hostile.site),
            "home": "/", "statistics": "/statistics/", "request form": f"/requests/?dataset={DATASET}",
            "report form": f"/report/?dataset={DATASET}", "staff": "/staff/requests/",
            "data table": f"/data/{DATASET}"}[where]
    page.goto(hostile.url + path)
    page.wait_for_load_state("load")
    if where == "staff":            # signed in, a request carrying payloads opened from the queue
        r = httpx.post(hostile.url + "/api/portal/requests", headers={"authorization": f"Bearer {registered_key}"},
                       json={"type": "correction", "dataset": DATASET, "description": PAYLOADS["description"],
                             "items": []}, timeout=30)
        assert r.status_code == 201, r.text
        page.get_by_label("工作人员 API 密钥").fill(hostile.staff_key)
        page.get_by_label("工作人员 API 密钥").press("Enter")
        row = page.locator(f'#staff-queue tr[data-tracking="{r.json()["tracking"]}"]')
        row.get_by_role("button").click()
        page.locator("#staff-summary", has_text="说明</script>").wait_for()   # shown as text
    for el in page.locator("a, p, td, li, h1, span").all()[:200]:  # hover whatever the payloads may sit in
        if el.is_visible():
            el.hover(timeout=2000, force=True)
    assert page.evaluate("window.__pwned === undefined"), page.evaluate("window.__pwned")
    if where != "data table":
        assert page.evaluate("typeof window.__md_get") == "function"   # the theme's own scripts still run
    if where == "dataset":
        assert page.title().startswith(PAYLOADS["title"])               # shown as text, whole
        assert page.locator("h1").inner_text() == PAYLOADS["title"]
    if where == "catalogue":
        page.locator("#odp-filters").wait_for(state="visible")          # catalog.js ran under the CSP


@pytest.mark.browser
def test_search_results_show_payloads_as_text(hostile, page):
    page.goto(hostile.url + "/")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("热线")
    box.press("End")            # Material queries on key events
    results = page.locator(".md-search-result__item")
    results.first.wait_for()
    for el in results.all()[:10]:
        el.hover(force=True)
    assert page.evaluate("window.__pwned === undefined"), page.evaluate("window.__pwned")
    assert page.locator(".md-search-result img, .md-search-result script").count() == 0
    assert "</script>" in page.locator(".md-search-result").inner_text()      # the payload, shown as text


def test_csp_is_fixed_whatever_the_page_holds(hostile):
    paths = ["/", f"/datasets/{DATASET}/", dept_path(hostile.site), f"/data/{DATASET}", "/data", "/no-such-page/",
             f"/data?sql=select+'<script>{PWN.format('sql')}</script>'"]
    with httpx.Client(base_url=hostile.url, timeout=30) as c:
        policies = {c.get(p).headers["content-security-policy"] for p in paths}
    assert len(policies) == 1                 # decided before any page is seen, so the same for all
    injected = f"'sha256-{base64.b64encode(hashlib.sha256(PWN.format('title').encode()).digest()).decode()}'"
    policy = policies.pop()
    assert injected not in policy and "unsafe-inline" not in policy.split("style-src")[0]


# ---- item 9: open redirect ----

@pytest.mark.parametrize("target", ["//evil.example/%252e%252e/catalog", "//evil.example/%2e%2e/catalog",
                                    "//evil.example/../catalog", "/\\evil.example/../catalog",
                                    "/%2F%2Fevil.example/%2e%2e/catalog", "//evil.example/%2e%2e/%2e%2e/catalog",
                                    "///evil.example/..%2f..%2fcatalog", "//catalog", "/catalog", "/data/"])
def test_no_redirect_leaves_the_portal(hostile, target):
    resp = raw_get(hostile, target)
    location = resp.getheader("location")
    if resp.status in (301, 302, 303, 307, 308):
        assert location.startswith("/") and not location.startswith(("//", "/\\")), (target, location)
        assert "evil.example" not in location, (target, location)
    else:
        assert resp.status in (200, 400, 404), (target, resp.status)


# ---- item 15: Host header ----

def test_unknown_host_is_refused_before_any_link_is_built(hostile):
    for path in (f"/api/3/action/package_show?id={DATASET}", "/catalog.jsonld", "/data.json",
                 f"/data/{DATASET}.json?_size=1", "/"):
        assert raw_get(hostile, path, {"Host": "evil.example"}).status == 400, path
        assert raw_get(hostile, path, {"Host": f"localhost:{hostile.port}"}).status == 200, path
    r = httpx.get(f"{hostile.url}/data/{DATASET}.json", params={"_size": 1}, timeout=30)
    assert r.json()["next_url"].startswith(hostile.url + "/")


def test_configured_base_url_is_used_in_every_absolute_link(hostile, tmp_path):
    base = "https://data.example.gov.cn"
    cfg = write_config(tmp_path, hostile.config.parent / "datasets", build=hostile.config.parent / "build",
                       quotas=SHARED_SERVER_QUOTAS, site={"base_url": base})
    srv = Server(cfg).start()
    try:
        with httpx.Client(base_url=srv.url, timeout=30, headers={"host": "evil.example"}) as c:
            texts = [c.get(f"/api/3/action/package_show?id={DATASET}").text, c.get("/catalog.jsonld").text,
                     c.get("/data.json").text, c.get(f"/data/{DATASET}.json?_size=1").text,
                     c.get("/api/3/action/status_show").text]
        assert all("evil.example" not in t for t in texts)
        assert all(base in t for t in texts[:4])
        assert json.loads(texts[3])["next_url"].startswith(base + "/")
    finally:
        srv.stop()


# ---- item 16: Datasette's introspection pages ----

INTROSPECTION = ["/-/metadata.json", "/-/metadata", "/-/databases.json", "/-/versions.json", "/-/threads.json",
                 "/-/plugins.json", "/-/settings.json", "/-/config.json", "/-/actor.json", "/-/allow-debug",
                 "/-/permissions", "/-/messages", "/-/patterns", "/-/versions", "/-/threads"]


def test_introspection_pages_are_for_staff_only(hostile, registered_key):
    key = registered_key
    state = str(hostile.config.parent / "state")
    with httpx.Client(base_url=hostile.url, timeout=30) as c:
        for path in INTROSPECTION:
            for who in ({}, {"authorization": f"Bearer {key}"}):
                r = c.get(path, headers=who)
                assert r.status_code == 403, (path, who, r.status_code)
                assert state not in r.text and "sqlite_version" not in r.text
        staff = {"authorization": f"Bearer {hostile.staff_key}"}
        assert c.get("/-/versions.json", headers=staff).status_code == 200
        for path in ("/-/health", "/-/health/live", "/-/static/app.css"):     # what the site needs stays open
            assert c.get(path).status_code == 200, path


# ---- item 17: URL pre-fill ----

@pytest.mark.browser
def test_links_prefill_only_harmless_fields(hostile, page):
    page.goto(f"{hostile.url}/report/?dataset={DATASET}&api_key=odp_planted_key&description=planted&email=a@b.c")
    page.wait_for_function("window.odpForm !== undefined")
    assert page.locator("#report-dataset").input_value() == DATASET      # a dataset page's link still works
    for field in ("#report-api_key", "#report-description", "#report-email"):
        assert page.locator(field).input_value() == "", field
    page.goto(f"{hostile.url}/keys/?api_key=odp_planted_key&name=planted")
    page.wait_for_function("window.odpForm !== undefined")
    assert page.locator("#key-create-api_key").input_value() == "" and page.locator("#key-create-name").input_value() == ""


# ---- item 3 (credentials): the staff key is kept where page scripts cannot read it ----

@pytest.mark.browser
def test_staff_key_lives_in_an_httponly_cookie(hostile, page):
    page.goto(hostile.url + "/staff/requests/")
    page.get_by_label("工作人员 API 密钥").fill(hostile.staff_key)
    page.get_by_label("工作人员 API 密钥").press("Enter")
    page.locator("#staff-queue-status", has_text="共").wait_for()
    readable = page.evaluate("""() => [document.cookie, JSON.stringify(sessionStorage), JSON.stringify(localStorage),
        document.documentElement.outerHTML, Array.from(document.querySelectorAll('input')).map(i => i.value).join()]""")
    assert all(hostile.staff_key not in r for r in readable)
    cookie = next(c for c in page.context.cookies() if c["name"] == "portal_staff")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and cookie["path"] == "/api/portal/"
    page.reload()                                           # still signed in: the queue loads by itself
    page.locator("#staff-queue-status", has_text="共").wait_for()
    page.get_by_role("button", name="退出登录").click()
    page.locator("#staff-queue-status", has_text="已退出").wait_for()
    assert not [c for c in page.context.cookies() if c["name"] == "portal_staff"]


def test_cookie_sign_in_needs_staff_key_and_csrf_token(hostile, registered_key):
    with httpx.Client(base_url=hostile.url, timeout=30) as c:
        token = c.get("/api/portal/csrf").json()["csrf_token"]
        csrf = {"x-csrf-token": token}
        assert c.post("/api/portal/staff/session", json={"key": hostile.staff_key}).status_code == 403  # no token
        assert c.post("/api/portal/staff/session", json={"key": registered_key},
                      headers=csrf).status_code == 403      # not a staff key
        r = c.post("/api/portal/staff/session", json={"key": hostile.staff_key}, headers=csrf)
        assert r.status_code == 200 and hostile.staff_key not in r.text
        set_cookie = r.headers["set-cookie"].lower()
        assert "httponly" in set_cookie and "samesite=strict" in set_cookie and "path=/api/portal/" in set_cookie
        assert c.get("/api/portal/requests").status_code == 401             # the cookie alone proves nothing
        assert c.get("/api/portal/requests", headers={"x-csrf-token": "forged"}).status_code == 401
        assert c.get("/api/portal/requests", headers=csrf).status_code == 200
        assert c.request("DELETE", "/api/portal/staff/session", headers=csrf).status_code == 200
        assert c.get("/api/portal/requests", headers=csrf).status_code == 401


# ---- item 20 (HSTS) ----

def test_hsts_only_when_served_over_https(hostile):
    plain = httpx.get(hostile.url + "/", timeout=30)
    assert "strict-transport-security" not in plain.headers
    # The configured proxy (127.0.0.1 here) said the client connection was HTTPS.
    https = httpx.get(hostile.url + "/", headers={"x-forwarded-proto": "https"}, timeout=30)
    assert https.headers["strict-transport-security"].startswith("max-age=")
    assert "strict-transport-security" in httpx.get(hostile.url + "/api/3/action/status_show",
                                                    headers={"x-forwarded-proto": "https"}, timeout=30).headers


# ---- the pieces, as tables ----

@pytest.mark.parametrize("html, runs", [
    ('<script src="../assets/x.js"></script>', False), ('<script type="application/ld+json">{}</script>', False),
    ('<script id="__config" type="application/json">{}</script>', False), ("<script>alert(1)</script>", True),
    ('<SCRIPT type="module">x()</SCRIPT>', True), ('<script type="text/javascript">x()</script>', True),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", False)])
def test_build_check_finds_every_inline_script(html, runs):
    sys.path.insert(0, str(ROOT / "site"))
    from site_pages.scripts import inline_scripts
    assert bool(inline_scripts(html)) is runs


@pytest.mark.parametrize("location, kept", [
    ("/catalog/", "/catalog/"), ("//evil.example/x", "/x"), ("/\\evil.example/x", "/x"),
    ("https://evil.example/a?b=1", "/a?b=1"), ("\\\\evil.example", "/"), ("/data?x=1#f", "/data?x=1#f"),
    ("javascript:alert(1)", "/alert(1)"), ("/\t/evil.example/x", "/x"), ("/\n/evil.example", "/")])
def test_location_header_stays_on_the_portal(location, kept):
    from portal.security import local_location
    assert local_location(location.encode()) == kept.encode()
