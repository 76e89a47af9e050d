"""schemathesis on a live server: the portal API (its OpenAPI document) and the data API (CKAN actions, Datasette parameters) with a planted personal value: no 5xx, no echo in errors, no sent personal value in any answer, no log line."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest import Server, on_shared_build, run_portal

pytestmark = pytest.mark.server
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance")


@pytest.fixture(scope="module")
def live(built_portal, tmp_path_factory):
    work = tmp_path_factory.mktemp("schemathesis")
    # Limits high enough that the fuzzer tests the API, not the quota (429 is documented anyway).
    config = on_shared_build(built_portal, work, quotas={
        "anonymous_per_minute": 100000, "individual_per_minute": 100000, "organisation_per_minute": 100000,
        "register_per_hour": 100000, "codes_per_hour": 100000})
    srv = Server(config).start()
    yield srv
    srv.stop()


def test_openapi_document_is_served(live):
    doc = httpx.get(live.url + "/api/portal/openapi.json").json()
    assert doc["openapi"].startswith("3.") and "/api/portal/register" in doc["paths"]
    assert "X-CSRF-Token" in str(doc["components"]["securitySchemes"])


@pytest.mark.skipif(not SCHEMATHESIS.exists(), reason="schemathesis is not installed")
def test_schemathesis_finds_no_server_errors_or_schema_violations(live):
    out = run_portal(live.config, "users", "add-staff", "测试员", "--role", "operator").stdout
    key = re.search(r"odp_\S+", out).group()
    proc = subprocess.run([str(SCHEMATHESIS), "run", live.url + "/api/portal/openapi.json",
                           "-H", f"Authorization: Bearer {key}", "--checks", CHECKS, "--max-time", "40",
                           "--max-examples", "30", "--seed", "6", "--report-dir", str(live.config.parent / "st")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-4000:]
    assert re.search(r"\d+ generated, \d+ passed", proc.stdout)
    assert httpx.get(live.url + "/").status_code == 200          # the server survived the run


# -- the data side: CKAN actions and Datasette parameters, with a planted personal value -------------

PLANTED = "13912345678"  # a mobile number put into inputs: no error answer and no log line may hold it
OPEN_TABLES = ["air-quality", "hotline-12345", "admin-penalty"]
DATASETTE_PARAMS = ["_facet", "_facet_array", "_facet_date", "_facet_size", "_sort", "_sort_desc", "_search",
                    "_searchmode", "_where", "_through", "_col", "_nocol", "_size", "_next", "_shape", "_labels",
                    "_json", "_nofacet", "_stream", "区县", "区县__contains", "区县__in", "受理时间__gt"]
CKAN_PARAMS = ["id", "q", "fq", "filters", "sort", "fields", "limit", "offset", "resource_id", "rows", "start",
               "facet.field", "facet.limit", "name", "query", "all_fields", "include_total", "records_format"]
# A hook module for the schemathesis CLI: a check that no error answer quotes the planted value back.
HOOKS = f'''
import schemathesis

@schemathesis.check
def planted_value_not_in_error_answers(ctx, response, case):
    if response.status_code >= 400 and "{PLANTED}" in response.text:
        raise AssertionError("an error answer quotes the planted value back")


def _sent(value):
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in (*_sent(k), *_sent(v))]
    if isinstance(value, (list, tuple)):
        return [s for v in value for s in _sent(v)]
    return []


@schemathesis.check
def no_sent_personal_value_in_any_answer(ctx, response, case):
    """Every answer, success too: a value the project's detector finds in what was sent is not in it."""
    import json
    from urllib.parse import quote, quote_plus
    from anonymize.detect import PERSONAL_ENTITIES, find
    sent = _sent([case.query or {{}}, case.path_parameters or {{}}, case.body if case.body is not None else []])
    spans = {{v[f.start:f.end] for v in sent for f in find(v) if f.entity in PERSONAL_ENTITIES}}
    text = " ".join([response.content.decode("utf-8", "replace"), *(f"{{k}}: {{v}}" for k, v in response.headers.items())])
    for span in spans:
        for form in {{span, quote(span, safe=""), quote_plus(span), json.dumps(span)[1:-1]}}:
            if len(form) >= 4 and form in text:
                raise AssertionError(f"answer {{response.status_code}} reflects a personal value the caller sent")
'''


def _text(enum: list[str] | None = None) -> dict:
    """A string parameter: mostly text holding the planted value (the JSON Schema pattern is a search)."""
    planted = {"type": "string", "pattern": PLANTED}
    return {"anyOf": [{"type": "string", "enum": enum}, planted]} if enum else planted


def _query(names: list[str], **enums) -> list[dict]:
    return [{"name": n, "in": "query", "required": False, "schema": _text(enums.get(n.replace(".", "_")))}
            for n in names]


def data_api_schema() -> dict:
    """OpenAPI 3 for the endpoints the portal's own document does not describe: CKAN and Datasette."""
    from portal.ckan import ACTIONS
    any_answer = {"default": {"description": "any answer"}}
    table = {"name": "table", "in": "path", "required": True, "schema": {"type": "string", "enum": OPEN_TABLES}}
    action = {"name": "action", "in": "path", "required": True, "schema": {"type": "string", "enum": sorted(ACTIONS)}}
    table_params = [table, *_query(DATASETTE_PARAMS, _sort=["区县", "受理时间"], _facet=["区县", "诉求类型"])]
    paths = {
        "/api/3/action/{action}": {"get": {"parameters": [action, *_query(CKAN_PARAMS, resource_id=OPEN_TABLES)],
                                           "responses": any_answer}},
        "/api/action/{action}": {"post": {"parameters": [action], "responses": any_answer, "requestBody": {
            "required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {n: _text(OPEN_TABLES if n == "resource_id" else None)
                                                 for n in CKAN_PARAMS}}}}}}},
        "/data/{table}.json": {"get": {"parameters": table_params, "responses": any_answer}},
        "/data/{table}.csv": {"get": {"parameters": table_params, "responses": any_answer}},
        "/data/{table}": {"get": {"parameters": table_params, "responses": any_answer}},
        "/data.csv": {"get": {"parameters": _query(["sql", "_size", "_header"]), "responses": any_answer}},
        "/restricted/water-use-enterprises.json": {"get": {"parameters": _query(
            ["企业名称", "_col", "_sort", "_size", "_next", "_facet", "_search"]), "responses": any_answer}},
        "/downloads/{ident}/{file}": {"get": {"parameters": [
            {"name": "ident", "in": "path", "required": True, "schema": _text(OPEN_TABLES)},
            {"name": "file", "in": "path", "required": True, "schema": _text(
                [f"air-quality{s}" for s in (".csv", ".xlsx", ".json", "-excel.csv")] + ["datapackage.json"])}],
            "responses": any_answer}},
    }
    return {"openapi": "3.0.3", "info": {"title": "portal data API (test)", "version": "1"}, "paths": paths}


@pytest.mark.security
@pytest.mark.skipif(not SCHEMATHESIS.exists(), reason="schemathesis is not installed")
def test_fuzzing_the_data_api_finds_no_server_error_and_no_echoed_or_logged_value(live, tmp_path):
    out = run_portal(live.config, "users", "add-staff", "模糊测试", "--role", "operator").stdout
    account, key = json.loads(out.splitlines()[0])["id"], re.search(r"odp_\S+", out).group()
    run_portal(live.config, "users", "grant", str(account), "water-use-enterprises", "--until", "2099-12-31",
               "--column", "企业名称", "--column", "所属区县")
    (tmp_path / "schema.json").write_text(json.dumps(data_api_schema(), ensure_ascii=False), encoding="utf-8")
    (tmp_path / "planted_hooks.py").write_text(HOOKS, encoding="utf-8")
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "planted_hooks", "PYTHONPATH": str(tmp_path)}
    seconds = os.environ.get("PORTAL_FUZZ_SECONDS", "45")   # bounded for `make test`; set it for a long run
    proc = subprocess.run([str(SCHEMATHESIS), "run", str(tmp_path / "schema.json"), "--url", live.url,
                           "-H", f"Authorization: Bearer {key}", "--checks",
                           "not_a_server_error,planted_value_not_in_error_answers,no_sent_personal_value_in_any_answer", "--max-time", seconds,
                           "--max-examples", "40", "--seed", "15", "--generation-database", "none",
                           "--report-dir", str(tmp_path / "report"), "--request-timeout", "30"],
                          capture_output=True, text=True, timeout=int(seconds) + 180, cwd=tmp_path, env=env)
    assert proc.returncode == 0, proc.stdout[-12000:]
    assert re.search(r"\d+ generated, \d+ passed", proc.stdout)
    assert PLANTED not in live.log.read_text(encoding="utf-8", errors="replace")
    assert httpx.get(live.url + "/").status_code == 200
