"""The CKAN-compatible Action API, through the real server, with the real ckanapi client."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import ckanapi
import httpx
import pytest

from portal import ckan as actions
from portal.config import load as load_config
from portal.state import read_catalog

pytestmark = pytest.mark.server
OPEN, RESTRICTED, NOT_OPEN = "hotline-12345", "water-use-enterprises", "emergency-supply-depots"


@pytest.fixture(scope="module")
def ckan(server) -> ckanapi.RemoteCKAN:
    return ckanapi.RemoteCKAN(server.url)


@pytest.fixture(scope="module")
def data_db(built_portal) -> Path:
    return load_config(built_portal).current.resolve() / "data.db"


def _sql(db: Path, sql: str, *params):
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def test_package_list_is_the_published_catalogue(ckan, data_db):
    expected = sorted(r[0] for r in _sql(data_db, "select identifier from _catalog"))
    assert ckan.action.package_list() == expected
    assert ckan.action.package_list(limit=2, offset=1) == expected[1:3]


def test_package_show_has_downloads_and_the_table(ckan, server):
    pkg = ckan.action.package_show(id=OPEN)
    assert pkg["name"] == OPEN and pkg["organization"]["title"]
    urls = {r["url"] for r in pkg["resources"]}
    assert f"{server.url}/data/{OPEN}" in urls
    assert f"{server.url}/downloads/{OPEN}/{OPEN}-excel.csv" in urls
    table = next(r for r in pkg["resources"] if r["datastore_active"])
    assert table["id"] == OPEN
    res = ckan.action.resource_show(id=pkg["resources"][1]["id"])
    assert httpx.get(res["url"]).status_code == 200
    assert ckan.action.package_show(id=NOT_OPEN)["resources"] == []


def test_package_search_chinese_fq_facets_and_paging(ckan):
    result = ckan.action.package_search(q="空气")
    assert [p["name"] for p in result["results"]] == ["air-quality"] and result["count"] == 1
    org = ckan.action.package_show(id=OPEN)["organization"]["name"]
    by_org = ckan.action.package_search(fq=f"organization:{org}", **{"facet.field": '["organization","tags"]'})
    assert by_org["count"] >= 1 and all(p["organization"]["name"] == org for p in by_org["results"])
    items = by_org["search_facets"]["organization"]["items"]
    assert items[0]["name"] == org and items[0]["count"] == by_org["count"]
    everything = ckan.action.package_search(rows=2, start=1, sort="name asc")
    names = ckan.action.package_list()
    assert [p["name"] for p in everything["results"]] == names[1:3] and everything["count"] == len(names)
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_search(rows="many")


def test_organizations_groups_tags(ckan):
    pkgs = [ckan.action.package_show(id=n) for n in ckan.action.package_list()]
    orgs = ckan.action.organization_list(all_fields=True)
    assert {o["name"] for o in orgs} == {p["organization"]["name"] for p in pkgs}
    assert sum(o["package_count"] for o in orgs) == len(pkgs)
    one = ckan.action.organization_show(id=orgs[0]["name"], include_datasets=True)
    assert one["title"] == orgs[0]["title"] and len(one["packages"]) == orgs[0]["package_count"]
    assert set(ckan.action.group_list()) == {g["name"] for p in pkgs for g in p["groups"]}
    assert ckan.action.tag_list() == sorted({t["name"] for p in pkgs for t in p["tags"]})


def test_datastore_search_filters_and_two_character_query(ckan, data_db):
    district = _sql(data_db, f"select 区县 from [{OPEN}] limit 1")[0][0]
    expected = _sql(data_db, f"select count(*) from [{OPEN}] where 区县 = ?", district)[0][0]
    got = ckan.action.datastore_search(resource_id=OPEN, filters={"区县": district}, limit=5)
    assert got["total"] == expected and len(got["records"]) == min(5, expected)
    assert all(r["区县"] == district for r in got["records"])
    assert got["fields"][0] == {"id": "_id", "type": "int"}
    noise = _sql(data_db, f"select count(*) from [{OPEN}] where 诉求内容 like '%噪音%'")[0][0]
    assert noise > 0
    hits = ckan.action.datastore_search(resource_id=OPEN, q="噪音", fields="_id,诉求内容", limit=1000)
    assert hits["total"] == noise and all("噪音" in r["诉求内容"] for r in hits["records"])
    assert set(hits["records"][0]) == {"_id", "诉求内容"}
    page = ckan.action.datastore_search(resource_id=OPEN, sort="_id desc", limit=2, offset=1)
    assert [r["_id"] for r in page["records"]] == [page["total"] - 1, page["total"] - 2]


def test_datastore_limits(ckan):
    assert ckan.action.datastore_search(resource_id=OPEN)["limit"] == 100
    assert ckan.action.datastore_search(resource_id=OPEN, limit=50000, include_total=False)["limit"] == 32000


def test_errors_are_ckanapis_own_exceptions(ckan, server):
    with pytest.raises(ckanapi.NotFound):
        ckan.action.package_show(id="no-such-dataset")
    with pytest.raises(ckanapi.NotFound):
        ckan.action.datastore_search(resource_id="no-such-dataset")
    with pytest.raises(ckanapi.NotFound):
        ckan.call_action("no_such_action")
    with pytest.raises(ckanapi.ValidationError) as e:
        ckan.action.datastore_search(resource_id=OPEN, filters={"nope": 1}, limit=-1)
    assert set(e.value.error_dict) >= {"filters", "limit"}
    with pytest.raises(ckanapi.ValidationError):
        ckan.action.package_show()
    with pytest.raises(ckanapi.NotAuthorized):
        ckan.action.datastore_search(resource_id=RESTRICTED)
    assert RESTRICTED in ckan.action.package_list()


def test_envelope_statuses_get_and_form_post(server):
    ok = httpx.get(f"{server.url}/api/3/action/package_show", params={"id": OPEN})
    body = ok.json()
    assert ok.status_code == 200 and body["success"] is True and body["help"].endswith("name=package_show")
    missing = httpx.get(f"{server.url}/api/action/package_show", params={"id": "nope"})
    assert missing.status_code == 404 and missing.json()["error"]["__type"] == "Not Found Error"
    assert httpx.get(f"{server.url}/api/3/action/nope").status_code == 400
    assert httpx.get(f"{server.url}/api/3/action/datastore_search", params={"resource_id": RESTRICTED}).status_code == 403
    bad = httpx.post(f"{server.url}/api/action/datastore_search", json={"resource_id": OPEN, "limit": "x"})
    assert bad.status_code == 409 and bad.json()["error"]["__type"] == "Validation Error"
    form = httpx.post(f"{server.url}/api/action/datastore_search", data={"resource_id": OPEN, "limit": "1"})
    assert form.status_code == 200 and len(form.json()["result"]["records"]) == 1
    helptext = httpx.get(f"{server.url}/api/3/action/help_show", params={"name": "datastore_search"}).json()
    assert ":param resource_id:" in helptext["result"]
    assert httpx.get(f"{server.url}/api/3/action/status_show").json()["result"]["ckan_version"]


def test_ckanapi_dump_datasets_all(server, tmp_path):
    out = tmp_path / "dump.jsonl"
    cmd = [str(Path(sys.executable).with_name("ckanapi")), "dump", "datasets", "--all", "-r", server.url,
           "-O", str(out), "-p", "1"]
    # ckanapi's worker processes are started as `ckanapi` from PATH: put this venv's bin first
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    names = [json.loads(line)["name"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(names) == ckanapi.RemoteCKAN(server.url).action.package_list()


def test_withdrawn_dataset_stays_listed_marked_and_its_rows_are_gone(data_db):
    """In-process over the built release, with one entry as publish leaves it after a withdrawal."""
    catalog = read_catalog(data_db)
    reason = "发现残留个人信息，紧急下线"
    catalog[OPEN] = {**catalog[OPEN], "database": None, "row_count": None, "content_hash": None, "columns": [],
                     "downloads": None, "receipt": None, "withdrawn": 1, "withdrawn_reason": reason}
    ctx = actions.Context(catalog=catalog, data_db=data_db, base_url="http://portal.test")
    pkg = actions.package_show(ctx, {"id": OPEN})
    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert (extras["withdrawn"], extras["withdrawn_reason"]) == ("true", reason)
    assert pkg["resources"] == [] and pkg["num_resources"] == 0
    assert OPEN in actions.package_list(ctx, {})
    # Harvesters find it, and can filter on the mark (extras keys are fq/q fields).
    assert [p["name"] for p in actions.package_search(ctx, {"fq": "withdrawn:true"})["results"]] == [OPEN]
    kept = actions.package_search(ctx, {"q": "withdrawn:false", "rows": 1000})
    assert kept["count"] == len(catalog) - 1 and OPEN not in {p["name"] for p in kept["results"]}
    with pytest.raises(actions.NotFound) as e:
        actions.datastore_search(ctx, {"resource_id": OPEN})
    assert "撤回" in str(e.value) and reason not in str(e.value)
    with pytest.raises(actions.NotFound):
        actions.resource_show(ctx, {"id": OPEN})
    assert actions.datastore_search(ctx, {"resource_id": "air-quality", "limit": 1})["records"]  # the others stay
