"""Hostile queries against a real server: column grants, SQL resources and functions, 5xx on malformed
input, echoed and logged values, the daily row quota (issue 15, items 4 5 6 7 11 12 18)."""
from __future__ import annotations

import csv
import io
import json
import re
import sqlite3

import httpx
import pytest

from conftest import Server, on_shared_build, run_portal

pytestmark = [pytest.mark.server, pytest.mark.security]
RESTRICTED, GRANTED = "water-use-enterprises", ["企业名称", "所属区县"]
HIDDEN_FACETS = ["行业类别", "水源类型", "统计月份"]   # facet: true in its dataset.yaml, outside the grant
MOBILE = "13912345678"                               # a planted personal value
ROWS_PER_DAY = 2500                                  # the quota server's organisation limit


def staff_key(config, name: str) -> tuple[int, str]:
    """A new staff account (organisation tier) and its key: each test counts against its own account."""
    out = run_portal(config, "users", "add-staff", name, "--role", "operator").stdout
    return json.loads(out.splitlines()[0])["id"], re.search(r"odp_\S+", out).group()


def client(srv, key: str | None = None) -> httpx.Client:
    return httpx.Client(base_url=srv.url, timeout=60,
                        headers={"authorization": f"Bearer {key}"} if key else {})


@pytest.fixture(scope="module")
def srv(built_portal, tmp_path_factory):
    work = tmp_path_factory.mktemp("security_queries")
    config = on_shared_build(built_portal, work, quotas={
        "anonymous_per_minute": 100000, "organisation_per_minute": 100000})
    server = Server(config).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def grantee(srv):
    """A key whose grant on the open-on-request table covers two of its columns."""
    account, key = staff_key(srv.config, "列授权")
    run_portal(srv.config, "users", "grant", str(account), RESTRICTED, "--until", "2099-12-31",
               *[a for c in GRANTED for a in ("--column", c)])
    return key


@pytest.fixture(scope="module")
def hidden_values(built_portal) -> set[str]:
    """Every value of the hidden facet columns, read from the published file itself."""
    db = sqlite3.connect((built_portal.parent / "build" / "current" / "restricted.db").resolve())
    return {v for c in HIDDEN_FACETS for (v,) in db.execute(f"select distinct [{c}] from [{RESTRICTED}]") if v}


# -- item 4: a column grant reveals nothing about the other columns -------------------------------

def _cells(r: httpx.Response) -> set[str]:
    """Every whole value an answer shows: JSON strings, CSV cells, HTML text between tags.

    Whole values, because a hidden industry (印染) may be part of a granted company name."""
    kind = r.headers["content-type"]
    if "json" in kind:
        found: set[str] = set()

        def walk(x):
            if isinstance(x, dict):
                for k, v in x.items():
                    found.add(k)
                    walk(v)
            elif isinstance(x, list):
                for v in x:
                    walk(v)
            elif isinstance(x, str):
                found.add(x)
        walk(r.json())
        return found
    if "html" in kind:
        return {t.strip() for t in re.findall(r">([^<]*)<", r.text)} | set(re.findall(r'value="([^"]*)"', r.text))
    return {cell for line in csv.reader(io.StringIO(r.text)) for cell in line}


def test_column_grant_reveals_no_other_column_in_json_csv_or_html(srv, grantee, hidden_values):
    base = f"/restricted/{RESTRICTED}"
    name = GRANTED[0]
    with client(srv, grantee) as c:
        one = c.get(base + ".json", params={"_size": 1, "_shape": "objects"}).json()["rows"][0][name]
        for path in (".json", ".csv", ""):
            for params in ({}, {name: one}, {"_size": 5, "_sort": name}):
                r = c.get(base + path, params=params)
                assert r.status_code == 200, (path, params, r.text[:300])
                leaked = sorted(hidden_values & _cells(r))
                assert not leaked, (path, params, leaked[:5])
        doc = c.get(base + ".json", params={name: one}).json()
        assert not doc.get("facet_results") and set(doc["columns"]) <= {"rowid", *GRANTED}


@pytest.mark.parametrize("params", [
    {"_facet": "行业类别"}, {"_facet": GRANTED[1]}, {"_facet_array": "行业类别"}, {"_facet_date": "统计月份"},
    {"_search": "水"}, {"_search_行业类别": "水"}, {"_where": "1=1"}, {"_through": '{"table":"x","column":"y","value":1}'},
    {"_col": "月取水量"}, {"_nocol": "所属区县"}, {"_labels": "on"}, {"_extra": "facet_results"},
    {"_json": "月取水量"}, {"_sort": "月取水量"}, {"_sort_desc": "行业类别"}, {"行业类别": "食品制造业"},
    {"月取水量__gt": "0"}, {"rowid__gt": "1"}, {"_fts_table": f"{RESTRICTED}_fts"}, {"_trace": "1"},
    {"sql": "select 1"}, {f"{GRANTED[0]}__bogus": "1"},
])
def test_column_grant_refuses_every_parameter_that_can_read_another_column(srv, grantee, params):
    with client(srv, grantee) as c:
        for fmt in (".json", ".csv", ""):
            r = c.get(f"/restricted/{RESTRICTED}{fmt}", params=params)
            assert r.status_code == 403, (fmt, params, r.status_code, r.text[:200])
        assert c.get(f"/restricted/{RESTRICTED}/1.json").status_code == 403      # no row page


# -- item 5: nothing a user sends reaches the server's log ------------------------------------------

def test_failing_search_and_sort_do_not_put_the_value_in_the_log(srv):
    with client(srv) as c:
        for params in ({"_search": f"{MOBILE} OR (", "_searchmode": "raw"}, {"_sort": MOBILE},
                       {"_search": f'"{MOBILE}'}, {"_facet": MOBILE}):
            assert c.get("/data/hotline-12345.json", params=params).status_code < 500, params
        assert c.get(f"/data/{MOBILE}.json").status_code == 404
        assert c.get("/data/张三丰.json").status_code < 500                      # a name typed into a path
    log = srv.log.read_text(encoding="utf-8", errors="replace")
    assert MOBILE not in log and "张三丰" not in log


# -- items 6 and 7: one SQL call is bounded in length, memory and the functions it may call ----------

@pytest.fixture(scope="module")
def sql_key(srv) -> str:
    return staff_key(srv.config, "SQL")[1]


@pytest.mark.parametrize("sql", [
    "select length(randomblob(10000000))",                        # allocation on demand
    "select length(zeroblob(10000000))",
    "select hex(fts3_tokenizer('simple'))",                      # discloses a native pointer
    "select load_extension('/tmp/x')",
    "select length(printf('%.*c', 10000000, 'x'))",               # width runs inside one call
    "select sqlite_compileoption_get(0)",
    "with recursive r(s) as (select 'x' union all select s || s from r where length(s) < 10000000)"
    " select max(length(s)) from r",                             # a doubling string: the length bound
    "select length(group_concat(a.[诉求内容] || b.[诉求内容])) from [hotline-12345] a, [hotline-12345] b",
])
def test_sql_that_allocates_or_discloses_is_a_400(srv, sql_key, sql):
    with client(srv, sql_key) as c:
        r = c.get("/data.csv", params={"sql": sql})
        assert r.status_code == 400, (sql, r.status_code, r.text[:200])


def test_ordinary_sql_and_search_still_work(srv, sql_key):
    with client(srv, sql_key) as c:
        r = c.get("/data.csv", params={"sql": "select upper('a') as u, count(*) as n, max(length([诉求内容])) as m,"
                                              " json_extract('{\"a\":1}', '$.a') as j, date('2026-01-02') as d"
                                              " from [hotline-12345] where [诉求内容] like '%噪%'"})
        assert r.status_code == 200 and r.text.splitlines()[0] == "u,n,m,j,d", r.text[:300]
        assert r.text.splitlines()[1].startswith("A,")
        r = c.get("/data/hotline-12345.json", params={"_search": "噪音", "_facet": "区县"})
        assert r.status_code == 200 and r.json()["rows"]


# -- item 11: malformed input is a clear 4xx, never a 5xx or a broken body --------------------------

def _ckan(c, body: str):
    return c.post("/api/3/action/datastore_search", content=body.encode(),
                  headers={"content-type": "application/json"})


def test_malformed_input_is_a_4xx_with_a_whole_body(srv, sql_key):
    with client(srv, sql_key) as c:
        answers = {
            "_through": c.get("/data/air-quality.json", params={"_through": '{"table":1}'}),
            "offset 1e30": _ckan(c, '{"resource_id": "air-quality", "offset": 1e30}'),
            "filters object": _ckan(c, '{"resource_id": "air-quality", "filters": {"监测站点": {"a": 1}}}'),
            "surrogate q": _ckan(c, '{"resource_id": "air-quality", "q": "\\ud800"}'),
            "surrogate filter key": _ckan(c, '{"resource_id": "air-quality", "filters": {"\\udc00": "x"}}'),
            "surrogate filter value": _ckan(c, '{"resource_id": "air-quality", "filters": {"监测站点": "\\ud800"}}'),
            "long path": c.get("/" + "a" * 8000),
            "long data path": c.get("/data/" + "a" * 8000 + ".json"),
            "POST table": c.post("/data/air-quality", data={"x": "1"}),
            "POST table json": c.post("/data/air-quality.json", json={}),
            "CSV timeout": c.get("/data.csv", params={
                "sql": "with recursive r(i) as (select 1 union all select i + 1 from r) select count(*) from r"}),
            "CSV bad SQL": c.get("/data.csv", params={"sql": "select no_such_column from [air-quality]"}),
            "CSV without SQL": c.get("/data.csv", params={"_size": "5"}),               # found by the fuzz run
            "CSV empty SQL": c.get("/data.csv", params={"sql": ""}),
        }
    for what, r in answers.items():
        assert 400 <= r.status_code < 500, (what, r.status_code, r.text[:200])
        assert r.content, what                                   # a body, not an aborted response
        if r.headers.get("content-type", "").startswith("application/json"):
            json.loads(r.content)


# -- item 18: errors carry a fixed message and an id, never the text that was sent -------------------

def test_errors_quote_nothing_sent_and_carry_an_id_found_in_the_log(srv):
    with client(srv) as c:
        answers = [c.get("/data/hotline-12345.json", params={"_sort": MOBILE}),
                   c.get("/data/hotline-12345.json", params={"_size": MOBILE}),
                   c.get("/data/hotline-12345.json", params={"_shape": f"x{MOBILE}"}),     # Datasette's own 400
                   c.get("/api/3/action/datastore_search", params={
                       "resource_id": "air-quality", "filters": json.dumps({MOBILE: 1})}),
                   c.get("/api/3/action/datastore_search", params={"resource_id": "air-quality", "sort": MOBILE}),
                   c.get("/api/3/action/datastore_search", params={"resource_id": MOBILE}),
                   c.get("/api/3/action/help_show", params={"name": MOBILE}),
                   c.get(f"/api/3/action/{MOBILE}"),
                   _ckan(c, '{"resource_id": "air-quality", "q": "%s\\ud800"}' % MOBILE)]
    for r in answers:
        assert 400 <= r.status_code < 500 and MOBILE not in r.text, (r.url, r.status_code, r.text[:300])
    ids = [r.json().get("error_id") for r in answers[:2]]
    log = srv.log.read_text(encoding="utf-8", errors="replace")
    assert all(i and i in log for i in ids), ids


# -- item 12: every format counts, and no answer goes past the day's rows ---------------------------

@pytest.fixture(scope="module")
def quota_srv(built_portal, tmp_path_factory):
    work = tmp_path_factory.mktemp("row_quota")
    config = on_shared_build(built_portal, work, quotas={
        "organisation_per_minute": 100000, "organisation_rows_per_day": ROWS_PER_DAY})
    server = Server(config).start()
    yield server
    server.stop()


def _rows_left(c) -> int:
    return int(c.get("/api/3/action/site_read").headers["x-ratelimit-rows-remaining"])


def test_an_xlsx_download_counts_its_rows(quota_srv):
    _, key = staff_key(quota_srv.config, "下载")
    with client(quota_srv, key) as c:
        assert c.get("/downloads/admin-penalty/admin-penalty.xlsx").status_code == 200
        assert _rows_left(c) == ROWS_PER_DAY - 300                    # admin-penalty has 300 rows
        assert c.get("/downloads/admin-penalty/datapackage.json").status_code == 200
        assert _rows_left(c) == ROWS_PER_DAY - 300                    # metadata: no rows
        assert c.get("/downloads/air-quality/air-quality.xlsx").status_code == 200   # 2000 rows
        r = c.get("/downloads/hotline-12345/hotline-12345.xlsx")      # 1500 rows, 200 left
        assert r.status_code == 429, r.status_code


def test_pages_are_cut_to_the_rows_left_and_never_overshoot(quota_srv):
    _, key = staff_key(quota_srv.config, "分页")
    served = 0
    with client(quota_srv, key) as c:
        for _ in range(6):
            r = c.get("/data/air-quality.json", params={"_size": 1000})
            if r.status_code == 429:
                break
            assert r.status_code == 200
            served += len(r.json()["rows"])
    assert served == ROWS_PER_DAY, served


def test_csv_stream_and_ckan_limit_stay_within_the_rows_left(quota_srv):
    _, key = staff_key(quota_srv.config, "流式")
    with client(quota_srv, key) as c:
        r = c.get("/data/air-quality.csv", params={"_stream": "on"})
        assert r.status_code == 200 and len(r.text.splitlines()) == 2001
        assert c.get("/data/air-quality.csv", params={"_stream": "on"}).status_code == 429   # 500 left
        r = c.get("/api/3/action/datastore_search", params={"resource_id": "hotline-12345", "limit": 32000})
        assert r.status_code == 200 and len(r.json()["result"]["records"]) == ROWS_PER_DAY - 2000
        assert c.get("/data/air-quality.json").status_code == 429


# -- the SQL bounds themselves, in process (the server tests above show them over HTTP) -------------

@pytest.mark.parametrize("sql, refused", [
    ("select upper('a'), count(*), json_extract('[1]', '$[0]'), date('2026-01-02'), '[1]' -> 0", False),
    ("select length(group_concat(x)) from (select 'abc' as x)", False),
    ("select randomblob(4)", True), ("select zeroblob(4)", True), ("select fts3_tokenizer('simple')", True),
    ("select printf('%d', 1)", True), ("select trim(' a ')", True), ("select sqlite_version()", True),
    ("select load_extension('x')", True), ("attach ':memory:' as other", True),
    ("select length(hex(substr(replace(quote(1), '1', '1111111111'), 1)))", False),
])
def test_sql_guard_allows_only_listed_functions_and_no_attach(sql, refused):
    from portal import sql_guard
    conn = sqlite3.connect(":memory:")
    sql_guard.limit(conn)
    if refused:
        with pytest.raises(sqlite3.DatabaseError, match="not authorized"):
            conn.execute(sql).fetchall()
    else:
        conn.execute(sql).fetchall()


def test_sql_guard_bounds_the_length_of_any_value():
    from portal import sql_guard
    conn = sqlite3.connect(":memory:")
    sql_guard.limit(conn)
    doubling = ("with recursive r(s) as (select 'x' union all select s || s from r where length(s) < 1000000)"
                " select max(length(s)) from r")
    with pytest.raises(sqlite3.DataError, match="too big"):
        conn.execute(doubling).fetchall()
    with pytest.raises(sqlite3.OperationalError, match="pattern too complex"):
        conn.execute("select 'a' like ?", ("%" * (sql_guard.MAX_PATTERN_BYTES + 1),)).fetchall()
