"""schemathesis (property-based API testing) against /api/portal/openapi.json on a live server: no 5xx, no schema violations."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from conftest import Server, run_portal, write_config

pytestmark = pytest.mark.server
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
CHECKS = ("not_a_server_error,status_code_conformance,content_type_conformance,"
          "response_schema_conformance,response_headers_conformance")


@pytest.fixture(scope="module")
def live(built_portal, tmp_path_factory):
    work = tmp_path_factory.mktemp("schemathesis")
    base = built_portal.parent
    # Limits high enough that the fuzzer tests the API, not the quota (429 is documented anyway).
    config = write_config(work, base / "datasets", build=base / "build", quotas={
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
