"""The real server: one process, one port; the site at /, Datasette at /data, provenance, Chinese search."""
from __future__ import annotations

import sqlite3
from urllib.parse import unquote

import httpx


def _public_tables(built_portal):
    release = (built_portal.parent / "build" / "current").resolve()
    conn = sqlite3.connect(release / "data.db")
    return [r[0] for r in conn.execute("select identifier from _catalog where database = 'data'")]


def test_home_is_chinese_and_lists_datasets(server, built_portal):
    r = httpx.get(server.url + "/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert '<html lang="zh-CN"' in r.text
    release = (built_portal.parent / "build" / "current").resolve()
    titles = [t for (t,) in sqlite3.connect(release / "data.db").execute("select title from _catalog")]
    for title in titles:
        assert title in r.text


def test_every_public_table_returns_rows(server, built_portal):
    tables = _public_tables(built_portal)
    assert len(tables) >= 4
    for t in tables:
        r = httpx.get(f"{server.url}/data/{t}.json?_size=5")
        assert r.status_code == 200, t
        body = r.json()
        assert len(body["rows"]) == 5, t


def test_provenance_in_body_and_headers(server, built_portal):
    t = _public_tables(built_portal)[0]
    r = httpx.get(f"{server.url}/data/{t}.json?_size=1")
    p = r.json()["_provenance"]
    assert p["dataset"] == t and p["licence"] and p["content_hash"].startswith("sha256:")
    assert p["retrieved_at"] and p["published_at"] and p["source_department"]
    assert unquote(r.headers["x-data-source"]) == p["source_department"]
    assert r.headers["x-data-dataset"] == t


def test_two_character_chinese_search(server):
    for word in ("噪音", "物业"):
        r = httpx.get(f"{server.url}/data/hotline-12345.json", params={"_search": word, "_size": 50, "_shape": "objects"})
        assert r.status_code == 200
        rows = r.json()["rows"]
        assert rows, word
        assert all(word in (row["诉求内容"] or "") + (row["承办部门"] or "") for row in rows)


def test_open_on_request_table_is_closed(server, built_portal):
    release = (built_portal.parent / "build" / "current").resolve()
    restricted = [r[0] for r in sqlite3.connect(release / "data.db").execute(
        "select identifier from _catalog where database = 'restricted'")]
    assert restricted
    r = httpx.get(f"{server.url}/restricted/{restricted[0]}.json")
    assert r.status_code == 403
    assert "依申请开放" in r.json()["error"]


def test_unknown_page_is_404_and_traversal_is_refused(server):
    assert httpx.get(server.url + "/no-such-page/").status_code == 404
    r = httpx.get(server.url + "/..%2f..%2fportal.toml")
    assert r.status_code == 404


def test_developer_page_shows_the_configured_limits(server):
    """The tiers' limits come from the configuration (H art. 23: published limits)."""
    from conftest import SHARED_SERVER_QUOTAS
    r = httpx.get(server.url + "/developers/")
    assert r.status_code == 200
    assert f"<td>{SHARED_SERVER_QUOTAS['anonymous_per_minute']:,}</td>" in r.text
    assert "<td>300</td>" in r.text  # the registered individual's default per-minute limit


def test_unknown_parameters_get_a_400_naming_them(server):
    base = f"{server.url}/data/air-quality.json"
    r = httpx.get(base, params={"_sizee": "5", "bogus": "1"})
    assert r.status_code == 400
    assert "_sizee" in r.json()["error"] and "bogus" in r.json()["error"]
    # Column filters with operators, Datasette's own parameters and its HTML form's fields still work.
    column = r.json()["columns"][-1]
    ok = httpx.get(base, params={"_size": "2", f"{column}__gte": "0", "_sort_desc": column, "_nocount": "1"})
    assert ok.status_code == 200, ok.text[:300]
    html = httpx.get(f"{server.url}/data/air-quality", params={"_filter_column_1": column, "_filter_op_1": "gt",
                                                                "_filter_value_1": "0", "_sort_by_desc": "on"})
    assert html.status_code in (200, 302)
