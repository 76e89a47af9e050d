"""The citizen site in real headless Chromium against a running portal: browse, filter, search, axe, forms."""
from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

playwright = pytest.importorskip("playwright.sync_api")
from axe_playwright_python.sync_playwright import Axe  # noqa: E402

pytestmark = [pytest.mark.browser, pytest.mark.server]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
DESKTOP, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
BLOCKING = ("serious", "critical")


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed (run `make browser`)")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def index(server) -> list[dict]:
    return httpx.get(server.url + "/catalog/index.json", timeout=10).json()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def first(index: list[dict], open_type: str) -> dict:
    return next(d for d in index if d["open_type"] == open_type)


def test_keyboard_browse_from_home_to_dataset(page, server):
    page.goto(server.url + "/")
    for _ in range(80):  # keyboard only: Tab until a dataset link has focus, then Enter
        page.keyboard.press("Tab")
        if "/datasets/" in (page.evaluate("document.activeElement.href || ''")):
            break
    else:
        pytest.fail("no dataset link reachable with the Tab key")
    title = page.evaluate("document.activeElement.textContent")
    page.keyboard.press("Enter")
    page.wait_for_url("**/datasets/**")
    assert page.locator("h1").inner_text() == title
    assert page.locator("main").count() == 1 and page.locator("h2", has_text="字段说明").count() == 1


def test_filter_and_sort_the_catalogue(page, server, index):
    page.goto(server.url + "/catalog/")
    form = page.locator("#odp-filters")
    form.wait_for(state="visible")
    cards = page.locator("#odp-list > li:not([hidden])")
    assert cards.count() == len(index)
    page.get_by_label("开放属性").select_option("依申请开放")
    expected = {d["id"] for d in index if d["open_type"] == "依申请开放"}
    assert {c.get_attribute("data-id") for c in cards.all()} == expected
    assert page.locator("#odp-count").inner_text() == f"找到 {len(expected)} 个数据集（共 {len(index)} 个）"
    page.get_by_role("button", name="清除筛选").click()
    page.get_by_label("排序").select_option("rows")
    rows = [next(d["rows"] for d in index if d["id"] == c.get_attribute("data-id")) for c in cards.all()]
    assert rows == sorted(rows, reverse=True) and len(rows) == len(index)
    page.get_by_label("关键词").fill("空气")
    assert all("空气" in d["text"] for d in index if d["id"] in {c.get_attribute("data-id") for c in cards.all()})
    assert cards.count() >= 1 and "q=" in page.url


def test_search_two_character_chinese_word(page, server, index):
    page.goto(server.url + "/")
    box = page.locator("input.md-search__input")
    box.click()
    box.fill("空气")
    box.press("End")  # Material queries on key events; an IME's commit is followed by one too
    hit = page.locator(".md-search-result__item a[href*='datasets/']").first
    hit.wait_for()
    assert "空气" in hit.inner_text()
    air = next(d for d in index if "空气" in d["title"])    # and the data API's full-text search
    data = httpx.get(f"{server.url}/data/{air['id']}.json", params={"_search": "鹿城", "_size": 5}).json()
    assert data["rows"]


def page_types(index: list[dict]) -> dict[str, str]:
    on_request = first(index, "依申请开放")
    return {"home": "/", "catalogue": "/catalog/", "dataset": f"/datasets/{first(index, '无条件开放')['id']}/",
            "on-request": f"/datasets/{on_request['id']}/", "not-open": f"/datasets/{first(index, '不予开放')['id']}/",
            "departments": "/departments/", "statistics": "/statistics/", "developers": "/developers/",
            "register": "/register/", "keys": "/keys/", "request": "/requests/", "status": "/requests/status/",
            "report": "/report/", "staff": "/staff/requests/", "about": "/about/"}


def test_axe_reports_no_serious_violations(page, server, index):
    axe, problems = Axe(), {}
    for name, path in page_types(index).items():
        page.goto(server.url + path)
        violations = axe.run(page).response["violations"]
        bad = [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}" for v in violations if v["impact"] in BLOCKING]
        if bad:
            problems[name] = bad
    assert problems == {}


def test_screenshots_desktop_and_phone(browser, server, index):
    SHOTS.mkdir(parents=True, exist_ok=True)
    paths = {k: v for k, v in page_types(index).items() if k in ("home", "catalogue", "dataset", "statistics")}
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        context = browser.new_context(viewport=viewport, locale="zh-CN")
        pg = context.new_page()
        for name, path in paths.items():
            pg.goto(server.url + path)
            target = SHOTS / f"{name}-{label}.png"
            pg.screenshot(path=str(target), full_page=True)
            assert target.stat().st_size > 5_000
        context.close()


def test_form_shows_chinese_errors_next_to_fields(page, server, index):
    ident = first(index, "无条件开放")["id"]
    page.goto(f"{server.url}/report/?dataset={ident}")
    assert page.get_by_label("数据集").input_value() == ident          # prefilled from the dataset page's link
    page.get_by_role("button", name="提交").click()
    assert page.locator("#report-description-error").inner_text() == "请填写此项"
    assert page.locator("#report-description").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "report-api_key"    # focus moves to the first error


def require_endpoint(server, path: str) -> None:
    status = httpx.post(server.url + path, json={}, timeout=10).status_code
    if status in (404, 405):  # Datasette answers unknown /api/ paths with 404 or 405
        pytest.skip(f"{path} does not exist yet (the registration/request API is another issue)")


def register(page, server, id_number: str, mobile: str) -> None:
    page.goto(server.url + "/register/")
    page.locator("#register-kind").select_option("individual")
    page.locator("#register-name").fill("张三")
    page.locator("#register-id_number").fill(id_number)
    page.locator("#register-mobile").fill(mobile)
    page.get_by_role("button", name="提交注册").click()


def test_registration_errors_come_from_the_server(page, server):
    require_endpoint(server, "/api/portal/register")
    register(page, server, "110101199003070000", "13800000000")   # wrong check digit
    error = page.locator("#register-id_number-error")
    error.wait_for()
    assert any("\u4e00" <= ch <= "\u9fff" for ch in error.inner_text())
    assert page.locator("#register-id_number").get_attribute("aria-invalid") == "true"


def result_code(page, form_id: str, label: str) -> str:
    line = page.locator(f"#form-{form_id} + .odp-result p", has_text=label)
    line.wait_for()
    return line.locator("code").inner_text()


def test_register_key_request_and_status_through_the_pages(page, server, index):
    require_endpoint(server, "/api/portal/register")
    from faker import Faker
    from portal.accounts import read_outbox
    from portal.config import load
    fake = Faker("zh_CN")
    fake.seed_instance(8)
    register(page, server, fake.ssn(min_age=20, max_age=60), fake.phone_number())
    account = result_code(page, "register", "账户编号")
    code = read_outbox(load(server.config).state_dir, int(account))    # the development SMS outbox
    assert page.locator("#verify-account_id").input_value() == account  # filled in from the answer
    page.locator("#verify-code").fill(code)
    page.get_by_role("button", name="验证并获取密钥").click()
    key = result_code(page, "verify", "API 密钥")

    page.goto(server.url + "/keys/")
    page.locator("#key-create-api_key").fill(key)
    page.locator("#key-create-name").fill("浏览器测试")
    page.get_by_role("button", name="创建密钥").click()
    assert result_code(page, "key-create", "API 密钥") != key

    wanted = first(index, "依申请开放")["id"]
    page.goto(f"{server.url}/requests/?dataset={wanted}")
    page.locator("#request-api_key").fill(key)
    page.locator("#request-purpose").fill("研究本市用水效率")
    page.locator("#request-scenario").fill("高校课题组内部分析")
    page.locator("#request-items").fill(first_column(server, wanted))
    page.locator("#request-use_until").fill("2027-06-30")
    page.get_by_role("button", name="提交申请").click()
    tracking = result_code(page, "request", "申请编号")

    page.goto(server.url + "/requests/status/")
    page.locator("#status-tracking").fill(tracking)
    page.locator("#status-api_key").fill(key)
    page.get_by_role("button", name="查询").click()
    assert tracking in page.locator("#form-status + .odp-result pre").inner_text()


def first_column(server, ident: str) -> str:
    """The first published column of a dataset, read from its dataset page's field dictionary."""
    html = httpx.get(f"{server.url}/datasets/{ident}/").text
    return re.search(r"<tr><td>([^<]+)</td><td>(?:text|integer|number|date|datetime|boolean)</td>", html).group(1)


def file_request(server, dataset: str, fake) -> str:
    """Register an applicant through the API and file one request for `dataset`; its tracking number."""
    from portal.accounts import read_outbox
    from portal.config import load
    person = {"kind": "individual", "name": fake.name(), "id_number": fake.ssn(min_age=20, max_age=60),
              "mobile": fake.phone_number()}
    with httpx.Client(base_url=server.url, timeout=30) as c:
        acct = c.post("/api/portal/register", json=person).json()["account"]
        code = read_outbox(load(server.config).state_dir, acct["id"])
        key = c.post("/api/portal/verify-code", json={"account_id": acct["id"], "code": code}).json()["key"]
        r = c.post("/api/portal/requests", headers={"authorization": f"Bearer {key}"}, json={
            "dataset": dataset, "purpose": "核对本单位用水记录", "scenario": "内部统计", "use_until": "2027-06-30",
            "items": [first_column(server, dataset)]})
        assert r.status_code == 201, r.text
        return r.json()["tracking"]


def test_staff_accept_a_request_through_the_queue_page(page, server, index):
    require_endpoint(server, "/api/portal/requests")
    from faker import Faker
    from conftest import run_portal
    fake = Faker("zh_CN")
    fake.seed_instance(19)
    wanted = first(index, "依申请开放")
    tracking = file_request(server, wanted["id"], fake)
    out = run_portal(server.config, "users", "add-staff", fake.name(), "--role", "publisher",
                     "--department", wanted["department"]).stdout
    staff_key = out.rsplit(":", 1)[1].strip()

    page.goto(server.url + "/staff/requests/")
    page.get_by_label("工作人员 API 密钥").fill(staff_key)
    page.get_by_label("工作人员 API 密钥").press("Enter")                   # keyboard: submit the key form
    row = page.locator(f'#staff-queue tr[data-tracking="{tracking}"]')
    row.wait_for()
    assert wanted["id"] in row.inner_text() and "已提交" in row.inner_text()
    # The key sits in an HttpOnly cookie (portal/staff_session.py): no page script can read it.
    assert page.evaluate("sessionStorage.length + localStorage.length") == 0
    assert staff_key not in page.evaluate("document.cookie")

    row.get_by_role("button").focus()
    page.keyboard.press("Enter")
    page.locator("#staff-detail-h", has_text=tracking).wait_for()
    assert page.evaluate("document.activeElement.id") == "staff-detail-h"
    assert page.locator("#staff-events tbody tr").count() == 1 and page.locator("#staff-decide-outcome").is_hidden()
    page.get_by_role("button", name="受理", exact=True).click()
    page.locator("#staff-action-status", has_text="已受理").wait_for()
    view = httpx.get(f"{server.url}/api/portal/requests/{tracking}",
                     headers={"authorization": f"Bearer {staff_key}"}).json()["request"]
    assert view["state"] == "accepted" and [e["action"] for e in view["events"]] == ["submit", "accept"]
    assert page.locator("#staff-how li").count() >= 1 and page.locator("#staff-events tbody tr").count() == 2
    assert "已受理" in page.locator(f'#staff-queue tr[data-tracking="{tracking}"]').inner_text()

    page.get_by_label("答复结果").select_option("refused")                   # the API's Chinese field errors
    page.locator("#staff-decide-reason").fill("涉及第三方商业秘密")
    page.get_by_role("button", name="作出答复", exact=True).click()
    error = page.locator("#staff-decide-legal_basis-error")
    error.wait_for()
    assert "法律依据" in error.inner_text()
    assert page.locator("#staff-decide-legal_basis").get_attribute("aria-invalid") == "true"
