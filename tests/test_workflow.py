"""Department workflow in-process: submit on a private snapshot, review rules, exact publication, withdrawal."""
from __future__ import annotations

import json
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from faker import Faker

from portal import audit, config as config_mod
from portal.access import services
from portal.publish import publish
from portal.state import read_catalog
from portal.workflow import Workflow, WorkflowError, content_hash, files_from_folder, folder_files, withdrawn
from conftest import write_config

DEPT, OTHER_DEPT = "温州市测试数据局", "温州市另一个局"
DISTRICTS = ["鹿城区", "龙湾区", "瓯海区", "洞头区", "乐清市", "瑞安市"]
YAML = """identifier: {ident}
title: {title}
description: 测试用的服务站点统计数据。
department: {{name: {dept}, code: '113303000000000001'}}
themes: [社会民生]
keywords: [测试]
source: {{file: stations.csv, encoding: utf-8}}
format: CSV
share_type: 无条件共享
share_method: [查询引用]
open_type: {open_type}
update_frequency: 每年
last_updated: 2026-01-01
security_level: 一般
usage_requirements: 使用时须注明数据来源。
licence: CC-BY-4.0
contact: {{name: 数据处, phone: 0577-88880000, email: data@test.example.gov.cn}}
columns:
- {{name: 区县, type: text, description: 所在区县, facet: true}}
- {{name: 站点, type: text, description: 服务站名称}}
- {{name: 数量, type: integer, description: 服务次数}}
- {{name: 负责人, type: text, description: 站点负责人, personal: 姓名, rule: {rule}}}
"""


def make_dataset(root: Path, ident: str, *, dept: str = DEPT, rows: int = 15, seed: int = 1,
                 rule: str = "pseudonymize", title: str = "服务站点统计", open_type: str = "无条件开放") -> Path:
    """A small dataset folder (dataset.yaml + stations.csv) from seeded zh_CN fakes."""
    folder = Path(root) / ident
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "dataset.yaml").write_text(YAML.format(ident=ident, title=title, dept=dept, rule=rule,
                                                     open_type=open_type), encoding="utf-8")
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    lines = ["区县,站点,数量,负责人"]
    for n in range(rows):
        district = DISTRICTS[n % len(DISTRICTS)]
        lines.append(f"{district},{district}第{n + 1}服务站,{fake.random_int(1, 900)},{fake.name()}")
    (folder / "stations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    """A published portal with one dataset, staff accounts, and the workflow (site builds skipped)."""
    work = tmp_path_factory.mktemp("workflow")
    make_dataset(work / "datasets", "base-stations", seed=7)
    cfg = config_mod.load(write_config(work, work / "datasets"))
    publish(cfg)
    svc = services(cfg)
    staff = {}
    for key, role, dept in (("pub1", "publisher", DEPT), ("pub2", "publisher", DEPT),
                            ("other", "publisher", OTHER_DEPT), ("rev", "reviewer", None)):
        acct, _ = svc.registry.create_staff(f"测试{key}", role, "测试", dept)
        staff[key] = acct["id"]
    wf = Workflow(cfg, svc.store, svc.audit_key, site=False)
    return {"cfg": cfg, "wf": wf, "work": work, "who": {k: wf.staff(v) for k, v in staff.items()}}


def served(cfg) -> dict:
    return read_catalog(cfg.current / "data.db")


def table_rows(cfg, ident: str) -> int | None:
    conn = sqlite3.connect(cfg.current / "data.db")
    try:
        return conn.execute(f"select count(*) from [{ident}]").fetchone()[0]
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()


def submit(p, ident: str, who: str = "pub1", **kw) -> dict:
    folder = make_dataset(p["work"] / "uploads" / who, ident, **kw)
    return p["wf"].submit(p["who"][who], files_from_folder(folder))


def test_submission_runs_the_pipeline_on_a_private_snapshot(portal):
    release_before = portal["cfg"].current.resolve()
    view = submit(portal, "new-stations", seed=11)
    assert view["status"] == "pending" and view["approvable"] and not view["problems"]
    assert view["residual_scan"] == "passed" and view["rows"] == 15
    source_names = [line.split(",")[3] for line in
                    (portal["work"] / "uploads/pub1/new-stations/stations.csv").read_text().splitlines()[1:11]]
    preview = view["preview"]
    assert preview["columns"] == ["区县", "站点", "数量", "负责人"] and len(preview["rows"]) == 10
    assert not set(r[3] for r in preview["rows"]) & set(source_names)      # pseudonymized in the preview
    assert view["report"]["rows"] == 15 and view["diff"]["published"] is False
    assert view["diff"]["record_changes"][0]["new"].startswith("新增")
    snapshot = portal["cfg"].state_dir / "submissions" / str(view["id"]) / "new-stations"
    assert content_hash(folder_files(snapshot))[0] == view["content_hash"]
    assert (snapshot.parent.stat().st_mode & 0o777, (snapshot / "stations.csv").stat().st_mode & 0o777) == (0o700, 0o600)
    # Nothing is public: same release, dataset not in it.
    assert portal["cfg"].current.resolve() == release_before and "new-stations" not in served(portal["cfg"])
    assert [e["action"] for e in view["events"]] == ["submit"]


def test_residual_personal_information_fails_and_cannot_be_approved(portal):
    # Pseudonymizing names into phone numbers leaves a mobile number in the output: the re-scan catches it.
    view = submit(portal, "leaky-stations", rule="{op: pseudonymize, kind: phone}", seed=12)
    assert view["status"] == "failed" and view["residual_scan"] == "failed" and not view["approvable"]
    assert any(p["kind"] == "residual" for p in view["problems"])
    with pytest.raises(WorkflowError) as e:
        portal["wf"].approve(portal["who"]["rev"], view["id"])
    assert e.value.status == 409 and "leaky-stations" not in served(portal["cfg"])
    assert [e["action"] for e in portal["wf"].view(portal["who"]["rev"], view["id"])["events"]] == \
        ["submit", "check_failed"]


def test_catalogue_errors_fail_the_submission(portal):
    view = submit(portal, "bad-stations", open_type="随便开放")
    assert view["status"] == "failed" and any(p["field"] == "open_type" for p in view["problems"])
    with pytest.raises(WorkflowError):
        portal["wf"].approve(portal["who"]["rev"], view["id"])


def test_publishers_act_only_on_their_own_department(portal):
    with pytest.raises(WorkflowError) as e:
        submit(portal, "foreign-stations", who="other")           # dataset.yaml names DEPT
    assert e.value.status == 403
    with pytest.raises(WorkflowError) as e:
        submit(portal, "base-stations", who="other", dept=OTHER_DEPT)   # published by DEPT
    assert e.value.status == 403
    with pytest.raises(WorkflowError):
        portal["wf"].submit(portal["who"]["rev"], {"dataset.yaml": b"identifier: x"})
    mine = submit(portal, "listed-stations", seed=13)
    assert mine["id"] not in [s["id"] for s in portal["wf"].list(portal["who"]["other"])]
    assert mine["id"] in [s["id"] for s in portal["wf"].list(portal["who"]["rev"], "pending")]
    with pytest.raises(WorkflowError) as e:
        portal["wf"].view(portal["who"]["other"], mine["id"])
    assert e.value.status == 403


def test_approval_rules_and_exact_publication_keeps_other_datasets(portal):
    cfg, wf, who = portal["cfg"], portal["wf"], portal["who"]
    base_before = served(cfg)["base-stations"]
    view = submit(portal, "approved-stations", seed=14)
    for actor in ("pub1", "pub2", "other"):
        with pytest.raises(WorkflowError) as e:
            wf.approve(who[actor], view["id"], "自己批准")
        assert e.value.status == 403, actor
    done = wf.approve(who["rev"], view["id"], "内容与目录一致")
    assert done["status"] == "published" and done["approval"]["content_hash"] == view["content_hash"]
    assert done["approval"]["by"] == who["rev"].account_id
    catalog = served(cfg)
    assert catalog["approved-stations"]["content_hash"] == view["output_hash"]
    assert table_rows(cfg, "approved-stations") == 15
    # publish(only=[slug]) carried the other dataset over untouched, downloads included.
    assert catalog["base-stations"]["content_hash"] == base_before["content_hash"]
    assert table_rows(cfg, "base-stations") == 15
    assert (cfg.current / "downloads" / "base-stations" / "base-stations.csv").is_file()
    publish_event = done["events"][-1]
    assert publish_event["action"] == "publish" and publish_event["detail"]["matches_checked_output"]
    installed = cfg.datasets_dir / "approved-stations"
    assert content_hash(folder_files(installed))[0] == view["content_hash"]


def test_a_change_after_approval_is_never_published(portal):
    cfg, wf, who = portal["cfg"], portal["wf"], portal["who"]
    view = submit(portal, "changing-stations", seed=15)
    wf.approve(who["rev"], view["id"], publish=False)
    # The publisher edits the source after approval: the folder they uploaded from and datasets/.
    make_dataset(portal["work"] / "uploads" / "pub1", "changing-stations", seed=99, rows=30)
    make_dataset(cfg.datasets_dir, "changing-stations", seed=99, rows=30)
    wf.publish(who["rev"], view["id"])
    assert served(cfg)["changing-stations"]["content_hash"] == view["output_hash"]
    assert table_rows(cfg, "changing-stations") == 15
    # A change to the stored snapshot itself is refused, and nothing is published.
    other = submit(portal, "tampered-stations", seed=16)
    wf.approve(who["rev"], other["id"], publish=False)
    csv = cfg.state_dir / "submissions" / str(other["id"]) / "tampered-stations" / "stations.csv"
    csv.write_text(csv.read_text() + "鹿城区,鹿城区第99服务站,5,张三\n", encoding="utf-8")
    release = cfg.current.resolve()
    with pytest.raises(WorkflowError) as e:
        wf.publish(who["rev"], other["id"])
    assert e.value.status == 409 and cfg.current.resolve() == release
    assert "tampered-stations" not in served(cfg)
    assert wf.view(who["rev"], other["id"])["events"][-1]["action"] == "publish_refused"


def test_withdrawal_removes_the_data_keeps_the_entry_and_is_audited(portal):
    cfg, wf, who = portal["cfg"], portal["wf"], portal["who"]
    view = submit(portal, "recalled-stations", seed=17)
    wf.approve(who["rev"], view["id"])
    stale = submit(portal, "recalled-stations", seed=23)
    wf.approve(who["rev"], stale["id"], publish=False)
    assert table_rows(cfg, "recalled-stations") == 15
    before = served(cfg)["recalled-stations"]["published_at"]
    time.sleep(1.1)  # published_at has a resolution of one second
    with pytest.raises(WorkflowError) as e:
        wf.withdraw(who["pub1"], "recalled-stations", "泄露")
    assert e.value.status == 403
    with pytest.raises(WorkflowError):
        wf.withdraw(who["rev"], "recalled-stations", "  ")           # a reason is required
    out = wf.withdraw(who["rev"], "recalled-stations", "发现未脱敏的个人信息")
    assert out["withdrawn"] and out["seconds"] < 60
    entry = served(cfg)["recalled-stations"]
    assert entry["withdrawn"] == 1 and entry["withdrawn_reason"] == "发现未脱敏的个人信息"
    assert entry["published_at"] > before                         # harvesters see the change
    assert entry["database"] is None and entry["downloads"] is None
    assert table_rows(cfg, "recalled-stations") is None
    assert not (cfg.current / "downloads" / "recalled-stations").exists()
    assert table_rows(cfg, "base-stations") == 15                  # the others stay
    svc = services(cfg)
    assert audit.verify(svc.store, svc.audit_key).ok
    last = svc.store.one("select dataset, path from audit order by seq desc limit 1")
    assert last["dataset"] == "recalled-stations" and "withdraw" in last["path"]
    with pytest.raises(WorkflowError) as e:
        wf.withdraw(who["rev"], "recalled-stations", "再次")
    assert e.value.status == 409
    with pytest.raises(WorkflowError) as e:      # an approval given before the withdrawal no longer counts
        wf.publish(who["rev"], stale["id"])
    assert e.value.status == 409 and table_rows(cfg, "recalled-stations") is None
    # A full rebuild (portal build) does not bring the data back.
    assert withdrawn(cfg.state_dir) == {"recalled-stations": "发现未脱敏的个人信息"}
    publish(cfg)
    assert table_rows(cfg, "recalled-stations") is None and served(cfg)["recalled-stations"]["withdrawn"] == 1
    # Restore is a new submission and a new review.
    again = submit(portal, "recalled-stations", seed=17)
    assert again["diff"]["withdrawn"] is True
    wf.approve(who["rev"], again["id"], "已核实")
    assert table_rows(cfg, "recalled-stations") == 15 and served(cfg)["recalled-stations"]["withdrawn"] == 0
    actions = [e["action"] for e in wf.history("recalled-stations", who["rev"])["events"]]
    assert actions == ["submit", "approve", "install", "publish", "submit", "approve", "withdraw",
                       "withdraw_applied", "submit", "approve", "install", "publish"]
    public = wf.history("recalled-stations")["events"]        # the stale approval was never published
    assert [e["submission"] for e in public if e["submission"]] == [view["id"]] * 4 + [again["id"]] * 4
    assert public[4]["reason"] == "发现未脱敏的个人信息" and public[4]["actor"]["role"] == "reviewer"


def test_events_are_append_only_and_an_approval_cannot_move(portal):
    store = portal["wf"].store
    view = submit(portal, "fixed-stations", seed=18)
    portal["wf"].approve(portal["who"]["rev"], view["id"], publish=False)
    with pytest.raises(sqlite3.DatabaseError):
        with store.tx() as c:
            c.execute("update workflow_events set reason = 'x' where submission_id = ?", (view["id"],))
    with pytest.raises(sqlite3.DatabaseError):
        with store.tx() as c:
            c.execute("delete from workflow_events where submission_id = ?", (view["id"],))
    with pytest.raises(sqlite3.DatabaseError):
        with store.tx() as c:
            c.execute("update submissions set approved_hash = 'sha256:0' where id = ?", (view["id"],))
    history = portal["wf"].history("fixed-stations", portal["who"]["rev"])
    assert json.loads(json.dumps(history))["events"][0]["action"] == "submit"


def test_cli_submit_and_review(portal):
    from click.testing import CliRunner
    from portal.cli import cli
    config, who = str(portal["work"] / "portal.toml"), portal["who"]
    run = CliRunner().invoke
    bad = make_dataset(portal["work"] / "cli", "cli-leaky", rule="{op: pseudonymize, kind: phone}", seed=19)
    out = run(cli, ["--config", config, "submit", str(bad), "--as", str(who["pub1"].account_id)])
    assert out.exit_code == 1 and "未通过检查" in out.output and "脱敏后仍含" in out.output
    good = make_dataset(portal["work"] / "cli", "cli-stations", seed=20)
    out = run(cli, ["--config", config, "submit", str(good), "--as", str(who["pub1"].account_id), "--json"])
    assert out.exit_code == 0, out.output
    sid = json.loads(out.output)["id"]
    rev = ["--as", str(who["rev"].account_id)]
    out = run(cli, ["--config", config, "review", "list", "--status", "pending", *rev])
    assert f"{sid}\tpending\tcli-stations" in out.output
    out = run(cli, ["--config", config, "review", "show", str(sid), *rev])
    assert "预览 (preview): 区县 | 站点 | 数量 | 负责人" in out.output and "新增" in out.output
    out = run(cli, ["--config", config, "review", "approve", str(sid), "--as", str(who["pub2"].account_id)])
    assert out.exit_code == 1 and "同一部门" in out.output
    out = run(cli, ["--config", config, "review", "reject", str(sid), "--reason", "字段说明不完整", *rev])
    assert out.exit_code == 0 and "已退回" in out.output
    out = run(cli, ["--config", config, "withdraw", "no-such-dataset", "--reason", "测试", *rev])
    assert out.exit_code == 1 and "没有这个数据集" in out.output
    assert "cli-stations" not in served(portal["cfg"])
