"""Follow-ups of issue 15 against a real server or the real CLI: no answer reflects a personal value the
caller sent, harvest stays inside its own folder, a custom recognizer cannot hang a build, registration
codes need the registration's secret, no header names a version, one public address setting."""
from __future__ import annotations

import json
import re
from urllib.parse import quote

import httpx
import pytest

from conftest import Server, on_shared_build, run_portal, write_config

pytestmark = [pytest.mark.security]
MOBILE = "13912345678"     # a planted personal value
NAME = "张三丰"


def _forms(value: str) -> list[str]:
    return [value, quote(value), json.dumps(value)[1:-1]]


def _carries(text: str, value: str) -> bool:
    return any(f in text for f in _forms(value))


@pytest.fixture(scope="module")
def srv(built_portal, tmp_path_factory):
    work = tmp_path_factory.mktemp("followups")
    config = on_shared_build(built_portal, work, quotas={
        "anonymous_per_minute": 100000, "organisation_per_minute": 100000})
    server = Server(config).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def sql_client(srv):
    out = run_portal(srv.config, "users", "add-staff", "回显", "--role", "operator").stdout
    key = re.search(r"odp_\S+", out).group()
    with httpx.Client(base_url=srv.url, timeout=60, headers={"authorization": f"Bearer {key}"}) as c:
        yield c


# ---- item 1: a personal value the caller sent is never reflected, in any answer ----

REFLECTING = [
    ("GET", "/api/3/action/package_search", {"q": f"热线 {MOBILE}"}, None),
    ("GET", "/api/3/action/datastore_search", {"resource_id": "hotline-12345", "q": MOBILE}, None),
    ("GET", "/api/3/action/datastore_search",
     {"resource_id": "hotline-12345", "filters": json.dumps({"区县": MOBILE}, ensure_ascii=False)}, None),
    ("POST", "/api/3/action/datastore_search", None, {"resource_id": "hotline-12345", "q": MOBILE}),
    ("GET", "/data/hotline-12345", {"_search": MOBILE}, None),               # the search box keeps its value
    ("GET", "/data/hotline-12345.json", {"_search": MOBILE}, None),
    ("GET", "/data", {"sql": f"select '{MOBILE}' as v"}, None),               # the SQL editor and its result
    ("GET", "/data.csv", {"sql": f"select '{MOBILE}' as v, '联系人{NAME}' as w"}, None),
    ("GET", "/data", {"sql": f"select '{MOBILE}' from no_such_table"}, None),  # the editor after an error
]


@pytest.mark.server
@pytest.mark.parametrize("method,path,params,body", REFLECTING)
def test_no_answer_reflects_a_sent_personal_value(sql_client, method, path, params, body):
    r = sql_client.request(method, path, params=params, json=body)
    assert r.status_code < 500, r.text[:500]
    assert not _carries(r.text, MOBILE), (r.status_code, r.text[:2000])
    assert not any(_carries(v, MOBILE) for v in r.headers.values())
    assert NAME not in r.text


@pytest.mark.server
def test_the_placeholder_stands_where_the_value_was(sql_client):
    r = sql_client.get("/data.csv", params={"sql": f"select '{MOBILE}' as v, 'pm25' as w"})
    assert r.status_code == 200 and r.text.splitlines() == ["v,w", "［手机号码］,pm25"], r.text
    r = sql_client.get("/api/3/action/datastore_search", params={"resource_id": "hotline-12345", "q": MOBILE})
    assert r.status_code == 200 and "［手机号码］" in r.text, r.text[:1000]


def test_a_value_split_across_streamed_chunks_is_still_replaced():
    from portal.no_echo import Reflection
    r = Reflection({MOBILE: "［手机号码］"})
    data = f"a,{MOBILE}\nb,{MOBILE}".encode()
    out = b"".join(r.feed(data[i:i + 3], final=i + 3 >= len(data)) for i in range(0, len(data), 3))
    assert out.decode() == "a,［手机号码］\nb,［手机号码］"


# ---- item 2: a harvested package never overwrites a local dataset nor leaves its own folder ----

@pytest.mark.server
def test_harvest_keeps_a_local_dataset_of_the_same_name(server, tmp_path):
    datasets = tmp_path / "datasets"
    mine = datasets / "air-quality"
    mine.mkdir(parents=True)
    (mine / "dataset.yaml").write_text("# 本地数据集 (local)\nidentifier: air-quality\n", encoding="utf-8")
    (mine / "data.csv").write_text("本地,数据\n1,2\n", encoding="utf-8")
    config = write_config(tmp_path, datasets)
    for _ in range(2):    # a second harvest updates its own folder, it does not make a third
        run_portal(config, "harvest-ckan", server.url, "--datasets-dir", str(datasets))
    assert (mine / "dataset.yaml").read_text(encoding="utf-8") == "# 本地数据集 (local)\nidentifier: air-quality\n"
    assert (mine / "data.csv").read_text(encoding="utf-8") == "本地,数据\n1,2\n"
    import yaml
    harvested = yaml.safe_load((datasets / "air-quality-2" / "dataset.yaml").read_text(encoding="utf-8"))
    assert harvested["identifier"] == "air-quality-2" and not (datasets / "air-quality-3").exists()


def test_a_hostile_package_name_stays_one_folder_and_one_comment_line(tmp_path):
    import requests
    import yaml
    from portal import harvest

    class Remote:
        address = "http://ckan.example"

        class action:
            @staticmethod
            def datastore_search(resource_id, limit):
                return {"fields": []}
    pkg = {"name": "../../outside\nsource: {file: /etc/passwd}", "title": "t",
           "resources": [{"id": "r", "name": "../../../evil.csv", "format": "XLS", "url": "http://127.0.0.1:9/x"}]}
    datasets = tmp_path / "datasets"
    folder = harvest.harvest_package(Remote(), requests.Session(), pkg, datasets)
    assert folder.parent == datasets and sorted(p.name for p in tmp_path.iterdir()) == ["datasets"]
    record = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    assert record["source"]["file"] == "data.csv" and sorted(p.name for p in folder.iterdir()) == ["data.csv", "dataset.yaml"]


# ---- item 5: no header names the software or its version ----

@pytest.mark.server
def test_no_header_names_the_server_software_or_a_version(srv):
    paths = ["/", "/-/health", "/api/3/action/package_list", "/data/air-quality.json", "/no-such-page",
             "/api/portal/openapi.json", "/data/air-quality.json?_shape=bad"]
    with httpx.Client(base_url=srv.url, timeout=30) as c:
        answers = [c.get(p) for p in paths] + [c.post("/api/3/action/package_list", json={})]
    for r in answers:
        assert "server" not in r.headers and "x-powered-by" not in r.headers, (r.url, dict(r.headers))
        for name, value in r.headers.items():
            assert not re.search(r"uvicorn|datasette|python|sqlite|starlette|(?<![\d.])\d+\.\d+\.\d+(?![\d.])",
                                 value, re.I), (name, value)


# ---- item 4: send-code / verify-code act only for whoever registered ----

@pytest.mark.server
def test_codes_need_the_registration_secret_and_unknown_ids_look_the_same(srv):
    from faker import Faker
    from portal.accounts import read_outbox
    fake = Faker("zh_CN")
    Faker.seed(4015)
    state = srv.config.parent / "state"
    victim = {"kind": "individual", "name": fake.name(), "id_number": fake.ssn(), "mobile": fake.phone_number()}
    with httpx.Client(base_url=srv.url, timeout=30) as mine, httpx.Client(base_url=srv.url, timeout=30) as other:
        r = mine.post("/api/portal/register", json=victim)
        assert r.status_code == 202, r.text
        account, secret = r.json()["account"]["id"], r.json().get("registration")
        code = read_outbox(state, account)
        # A stranger knows the sequential id, even the code: no code is sent, none is accepted, none burned.
        resend = other.post("/api/portal/send-code", json={"account_id": account})
        stolen = other.post("/api/portal/verify-code", json={"account_id": account, "code": code})
        guessed = [other.post("/api/portal/verify-code", json={"account_id": account, "code": f"{n:06d}",
                                                                "registration": "0" * 64}) for n in range(6)]
        unknown = other.post("/api/portal/verify-code", json={"account_id": account + 1000, "code": code})
        assert read_outbox(state, account) == code
        assert resend.status_code == stolen.status_code == unknown.status_code == 404
        assert {g.status_code for g in guessed} == {404}
        assert resend.json()["error"] == stolen.json()["error"] == unknown.json()["error"]
        # The registrant: the cookie the registration set (a browser, the same client) or the secret in the body.
        assert mine.post("/api/portal/send-code", json={"account_id": account}).status_code == 202
        fresh = read_outbox(state, account)
        done = other.post("/api/portal/verify-code", json={"account_id": account, "code": fresh,
                                                            "registration": secret})
        assert done.status_code == 201 and done.json()["key"], done.text


# ---- item 3: a custom recognizer that backtracks forever cannot hang a build, and fails safe ----

SLOW_YAML = r"""recognizers:
  - name: 回溯识别器
    supported_language: zh
    supported_entity: SLOW_CODE
    label: 慢码
    patterns:
      - name: 嵌套重复
        regex: "(a|a)+$"
        score: 0.9
"""


def test_a_backtracking_recognizer_redacts_the_cell_whole_and_says_so(tmp_path):
    import csv
    rules = tmp_path / "slow-recognizers.yaml"
    rules.write_text(SLOW_YAML, encoding="utf-8")
    source = tmp_path / "in.csv"
    hostile = "a" * 40 + "!"          # 2^40 ways to split: without a bound this cell never finishes
    source.write_text(f"备注\n{hostile}\n正常记录\n", encoding="utf-8")
    config = write_config(tmp_path, tmp_path / "datasets")
    run_portal(config, "anonymize", str(source), "-o", str(tmp_path / "out.csv"), "--report",
               str(tmp_path / "report.json"), "--recognizers", str(rules))
    with (tmp_path / "out.csv").open(encoding="utf-8") as f:
        assert list(csv.reader(f)) == [["备注"], ["［慢码］"], ["正常记录"]]
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    counts = {r["name"]: r["cells_changed"] for r in report["custom_recognizers"]}
    assert counts == {"回溯识别器": 1}


# ---- item 6: one setting holds the portal's address ([site] base_url); the old key warns ----

def test_the_old_public_url_works_as_base_url_and_config_check_warns(tmp_path):
    from portal import config as config_mod
    (tmp_path / "datasets").mkdir()
    old = write_config(tmp_path, tmp_path / "datasets", queue={"public_url": "https://data.example.gov.cn/"})
    proc = run_portal(old, "config", "check", str(old))
    assert "警告 (warning) queue.public_url" in proc.stderr and "[site] base_url" in proc.stderr
    cfg = config_mod.load(old)
    assert cfg.site.base_url == "https://data.example.gov.cn" and cfg.public_base() == "https://data.example.gov.cn"
    both = write_config(tmp_path, tmp_path / "datasets", queue={"public_url": "https://a.example.gov.cn"},
                        site={"base_url": "https://b.example.gov.cn"})
    proc = run_portal(both, "config", "check", str(both), check=False)
    assert proc.returncode == 1 and "queue.public_url" in proc.stderr and "b.example.gov.cn" in proc.stderr
    new = write_config(tmp_path, tmp_path / "datasets", site={"base_url": "https://data.example.gov.cn"})
    proc = run_portal(new, "config", "check", str(new))
    assert "warning" not in proc.stderr and config_mod.load(new).public_base() == "https://data.example.gov.cn"
    assert config_mod.load(write_config(tmp_path, tmp_path / "datasets")).public_base() == "http://127.0.0.1:8001"


@pytest.mark.server
def test_a_stranger_cannot_burn_the_attempts_of_someone_elses_claim(srv):
    from faker import Faker
    from portal.accounts import read_outbox
    fake = Faker("zh_CN")
    Faker.seed(4016)
    state = srv.config.parent / "state"
    owner = {"kind": "individual", "name": fake.name(), "id_number": fake.ssn(), "mobile": fake.phone_number()}
    squatter = {**owner, "name": fake.name(), "mobile": fake.phone_number()}
    with httpx.Client(base_url=srv.url, timeout=30) as mine, httpx.Client(base_url=srv.url, timeout=30) as other:
        assert other.post("/api/portal/register", json=squatter).status_code == 202
        r = mine.post("/api/portal/claims", json=owner)
        assert r.status_code == 202, r.text
        claim = r.json()["claim"]["id"]
        code = read_outbox(state, f"claim-{claim}")
        tries = [other.post("/api/portal/claims/verify", json={"claim_id": claim, "code": f"{n:06d}"})
                 for n in range(6)]                           # more than [accounts] code_attempts
        unknown = other.post("/api/portal/claims/verify", json={"claim_id": claim + 1000, "code": code})
        assert {t.status_code for t in tries} == {404} and unknown.status_code == 404
        assert tries[0].json()["error"] == unknown.json()["error"]
        done = mine.post("/api/portal/claims/verify", json={"claim_id": claim, "code": code})
        assert done.status_code == 200 and done.json()["claim"]["status"] == "review", done.text
