"""A department's own Presidio recognizers (YAML): loaded into the one registry, applied by `portal anonymize`
and `portal build`, listed in the report; bad files give one clear message."""
from __future__ import annotations

import csv
import json
import random
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerResult

from anonymize import custom, detect, registry
from anonymize.nlp import LANGUAGE, BlankChineseNlpEngine
from anonymize.policy import ResidualError, desensitize
from anonymize.recognizers import RECOGNIZER_CLASSES, ChineseRecognizer
from anonymize.scan import Scanner
from metadata.validate import CatalogError, load
from portal import config as config_mod
from portal.cli import cli
from conftest import run_portal, write_config

EMPLOYEE_YAML = r"""recognizers:
  - name: 工号识别器
    supported_language: zh
    supported_entity: EMPLOYEE_ID
    label: 工号
    patterns:
      - name: 工号格式
        regex: "GH\\d{6}(?!\\d)"
        score: 0.3
    context: [工号, 员工编号, 职工代码]
    score_thresholds: {EMPLOYEE_ID: 0.5}
"""
DENY_YAML = """recognizers:
  - name: 内部人员名单
    supported_language: zh
    supported_entity: STAFF_NAME
    label: 内部人员
    deny_list: [库尔班, 其木格]
"""
# Names the built-in detector does not know (no listed surname): only the deny-list finds them.
DENIED = ("库尔班", "其木格")
DECOY = "GH500100"  # the employee-number shape without a context word: not an employee number, kept
# 职工代码 is no header the built-in vocabulary knows: only the recognizer's context word makes it one.
HEADER = ["区县", "岗位", "职工代码", "备注"]
ROWS = 80  # over scan.SHAPE_MIN: the profile learns the 职工代码 shape and would let those cells skip the detector

DATASET_YAML = """identifier: {ident}
title: 岗位登记测试表
description: 测试用的岗位登记数据。
department: {{name: 温州市测试数据局, code: '113303000000000001'}}
themes: [社会民生]
keywords: [测试]
source: {{file: staff.csv, encoding: utf-8}}
format: CSV
share_type: 无条件共享
share_method: [查询引用]
open_type: 无条件开放
update_frequency: 每年
last_updated: 2026-01-01
security_level: 一般
usage_requirements: 使用时须注明数据来源。
licence: CC-BY-4.0
contact: {{name: 数据处, phone: 0577-88880000, email: data@test.example.gov.cn}}
recognizers: [{recognizers}]
columns:
- {{name: 区县, type: text, description: 所在区县}}
- {{name: 岗位, type: text, description: 岗位名称}}
- {{name: 职工代码, type: text, description: 内部编号}}
- {{name: 备注, type: text, description: 备注, free_text: true}}
"""


def staff_table(rows: int = ROWS, seed: int = 3) -> tuple[list[list[str]], set[str]]:
    """Seeded rows and the planted values (employee numbers, denied names) that must not survive."""
    rng = random.Random(seed)
    planted, out = set(), []
    for n in range(rows):
        number, other = f"GH{rng.randrange(100000, 999999)}", f"GH{rng.randrange(100000, 999999)}"
        note = [f"由{DENIED[n % 2]}负责复核", f"员工编号{other}已归档", f"设备型号{DECOY}，无需处理", "正常"][n % 4]
        planted |= {number} | ({other} if n % 4 == 1 else set())
        out.append([["鹿城区", "龙湾区", "瓯海区"][n % 3], ["科员", "主任"][n % 2], number, note])
    return out, planted | set(DENIED)


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows([HEADER, *rows])
    return path


def make_files(folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    employee, deny = folder / "hr-recognizers.yaml", folder / "staff-names.yaml"
    employee.write_text(EMPLOYEE_YAML, encoding="utf-8")
    deny.write_text(DENY_YAML, encoding="utf-8")
    return employee, deny


def assert_clean(cells: list[str], planted: set[str]) -> None:
    leaks = sorted(v for v in planted if any(v in c for c in cells))
    assert leaks == [], f"{len(leaks)} planted values survived"
    assert any(DECOY in c for c in cells), "the decoy without context was redacted"
    assert any("［工号］" in c for c in cells) and any("［内部人员］" in c for c in cells)


def by_name(recognizers: list[dict]) -> dict:
    return {r["name"]: r for r in recognizers}


# ---- the one registry ----

def test_builtin_recognizers_come_from_the_registry():
    reg = registry.build()
    builtin = registry.builtin(reg)
    assert [type(r) for r in builtin] == list(RECOGNIZER_CLASSES)
    assert {r.SPEC for r in builtin} == set(detect.SPECS)  # the fast path's table is the registry's
    assert registry.custom(reg) == []
    assert custom.Detector(reg).builtin == frozenset(detect.SPEC_BY_ENTITY)


def test_the_scan_looks_for_what_the_registry_holds(tmp_path):
    reg = registry.build(make_files(tmp_path))
    reg.remove_recognizer("EmailRecognizer")
    text = "联系邮箱 zhang.wei@example.com，工号GH123456"
    assert any(f.entity == "EMAIL" for f in Scanner().personal(text))
    found = {f.entity for f in custom.Detector(reg).scanner().personal(text)}
    assert found == {"EMPLOYEE_ID"}


def test_yaml_recognizers_join_the_registry(tmp_path):
    reg = registry.build(make_files(tmp_path))
    extra = registry.custom(reg)
    assert [(r.name, r.supported_entities, registry.label(r)) for r in extra] == [
        ("工号识别器", ["EMPLOYEE_ID"], "工号"), ("内部人员名单", ["STAFF_NAME"], "内部人员")]
    assert len(registry.builtin(reg)) == len(RECOGNIZER_CLASSES)


# ---- the fast path agrees with Presidio's AnalyzerEngine on pattern recognizers ----

CASES = [  # (text, header, the employee numbers found)
    ("工号GH123456已登记", "", ["GH123456"]),
    ("新进员工工号：GH654321", "", ["GH654321"]),
    ("GH123456", "职工代码", ["GH123456"]),     # the column's name is context
    ("GH123456", "备注", []),                   # no context word: below the threshold
    (f"设备型号{DECOY}，无需处理", "备注", []),
    ("工号GH1234567", "", []),                  # seven digits: not the pattern
]


@pytest.fixture(scope="module")
def engines(tmp_path_factory):
    files = make_files(tmp_path_factory.mktemp("rec"))
    reg = registry.build(files)
    analyzer = AnalyzerEngine(registry=reg, nlp_engine=BlankChineseNlpEngine(), supported_languages=[LANGUAGE])
    return custom.Detector(reg), analyzer


@pytest.mark.parametrize("text, header, expected", CASES)
def test_fast_path_matches_the_analyzer_engine(engines, text, header, expected):
    detector, analyzer = engines
    fast = [text[f.start:f.end] for f in detector.find(text, header) if f.entity == "EMPLOYEE_ID"]
    slow = [text[r.start:r.end] for r in analyzer.analyze(text, language=LANGUAGE, entities=["EMPLOYEE_ID"],
                                                          context=[header] if header else None)]
    assert fast == slow == expected


def test_a_context_word_of_several_jieba_words_counts_in_the_fast_path(engines):
    # Presidio compares context words with single tokens; jieba cuts 员工编号 into 员工 + 编号, so the engine
    # misses it. The fast path compares characters, so a department's context word works as written.
    detector, _ = engines
    assert [f.entity for f in detector.find("员工编号：GH654321")] == ["EMPLOYEE_ID"]


@pytest.mark.parametrize("text, expected", [
    ("由库尔班负责复核", ["库尔班"]),          # inside Chinese text (Presidio's \W boundaries would miss it)
    ("经办：其木格", ["其木格"]),
    ("库尔班江大道", ["库尔班"]),
    ("无人员", []),
])
def test_deny_list_matches_inside_chinese_text(engines, text, expected):
    detector, _ = engines
    assert [text[f.start:f.end] for f in detector.find(text) if f.entity == "STAFF_NAME"] == expected


# ---- a recognizer that is not a pattern runs through Presidio's AnalyzerEngine ----

class TicketCodeRecognizer(EntityRecognizer):
    """Not a pattern: a word after 取件码 is the code (Python logic, so it needs the engine)."""

    def __init__(self):
        super().__init__(supported_entities=["PICKUP_CODE"], name="取件码识别器", supported_language=LANGUAGE)

    def load(self):
        pass

    def analyze(self, text, entities, nlp_artifacts=None):
        at = text.find("取件码")
        if at < 0:
            return []
        start = at + 3
        end = start
        while end < len(text) and text[end].isalnum() and text[end].isascii():
            end += 1
        return [RecognizerResult("PICKUP_CODE", start, end, 0.9)] if end > start else []


def test_other_recognizers_run_through_the_analyzer_engine():
    detector = custom.from_files([], [TicketCodeRecognizer()])
    assert detector.summary()[0]["runs_in"] == "presidio AnalyzerEngine"
    header, rows, report = desensitize(["备注"], iter([["取件码A7K9Q2，请尽快领取"], ["无"]]), workers=1,
                                       detector=detector)
    assert list(rows) == [["取件码［PICKUP_CODE］，请尽快领取"], ["无"]]
    assert by_name(report.as_dict()["custom_recognizers"])["取件码识别器"]["cells_changed"] == 1


# ---- desensitize: profiles, the re-scan and worker processes ----

def test_cells_a_profile_would_skip_still_meet_the_custom_recognizers(tmp_path):
    rows, planted = staff_table()
    detector = custom.from_files(make_files(tmp_path))
    header, out, report = desensitize(HEADER, iter(rows), workers=1, detector=detector)
    cells = [c for r in out for c in r]
    assert_clean(cells, planted)
    counts = {r["name"]: r["cells_changed"] for r in report.custom_recognizers()}
    assert counts == {"工号识别器": ROWS + ROWS // 4, "内部人员名单": ROWS // 4}


def test_custom_recognizers_reach_worker_processes(tmp_path):
    folder, _ = make_dataset(tmp_path, "staff-roster", "hr-recognizers.yaml")
    record = load(folder)[0]  # 备注 is declared free text: large tables scan it in worker processes
    rows, planted = staff_table(rows=6500)  # past policy.POOL_AFTER_ROWS: later batches go to forked workers
    detector = custom.from_files(make_files(tmp_path / "rec"))
    header, out, report = desensitize(HEADER, iter(rows), record, workers=2, detector=detector)
    assert_clean([c for r in out for c in r], planted)
    assert report.rows == 6500
    assert by_name(report.custom_recognizers())["内部人员名单"]["cells_changed"] == 6500 // 4


# ---- bad files: one clear message naming the file and the recognizer ----

BAD = [
    ("recognizers: [unclosed\n", "YAML"),
    ("recognizers:\n  - name: 坏正则\n    supported_entity: X\n    patterns:\n      - {name: p, regex: 'GH(\\d', score: 0.5}\n",
     "坏正则"),
    ("recognizers:\n  - name: 无实体\n    deny_list: [甲]\n", "无实体"),
    ("recognizers:\n  - name: 错分数\n    supported_entity: X\n    patterns:\n      - {name: p, regex: 'x', score: 5}\n",
     "错分数"),
    ("something: else\n", "recognizers:"),
]


@pytest.mark.parametrize("text, named", BAD, ids=["yaml", "regex", "entity", "score", "shape"])
def test_bad_recognizer_file_is_one_clear_error(tmp_path, text, named):
    bad = tmp_path / "bad-recognizers.yaml"
    bad.write_text(text, encoding="utf-8")
    source = write_csv(tmp_path / "staff.csv", staff_table(5)[0])
    config = write_config(tmp_path, tmp_path / "datasets")
    result = CliRunner().invoke(cli, ["--config", str(config), "anonymize", str(source), "-o",
                                      str(tmp_path / "out.csv"), "--recognizers", str(bad)])
    assert result.exit_code == 1
    assert "bad-recognizers.yaml" in result.output and named in result.output
    assert "Traceback" not in result.output and not (tmp_path / "out.csv").exists()


def test_every_bad_recognizer_of_a_file_is_named(tmp_path):
    bad = tmp_path / "two.yaml"
    bad.write_text(BAD[1][0] + BAD[3][0].replace("recognizers:\n", ""), encoding="utf-8")
    with pytest.raises(registry.RecognizerFileError) as e:
        registry.read_file(bad)
    assert [p.split(":")[0] for _, p in e.value.problems] == ["recognizers[0] '坏正则'", "recognizers[1] '错分数'"]


# ---- configuration and catalogue ----

def test_portal_toml_recognizers_are_relative_to_the_file(tmp_path):
    make_files(tmp_path / "conf")
    path = tmp_path / "conf" / "portal.toml"
    path.write_text('[anonymize]\nrecognizers = ["hr-recognizers.yaml"]\n', encoding="utf-8")
    assert config_mod.load(path).anonymize.recognizers == [str(tmp_path / "conf" / "hr-recognizers.yaml")]
    path.write_text('[anonymize]\nrecognizers = "hr-recognizers.yaml"\n', encoding="utf-8")
    with pytest.raises(config_mod.ConfigError, match="anonymize.recognizers"):
        config_mod.load(path)


def test_config_check_names_a_broken_recognizer_file(tmp_path):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "bad.yaml").write_text(BAD[1][0], encoding="utf-8")
    path = write_config(tmp_path, tmp_path / "datasets")
    path.write_text(path.read_text(encoding="utf-8") + '[anonymize]\nrecognizers = ["bad.yaml"]\n', encoding="utf-8")
    problems = dict(config_mod.check(path))
    assert "坏正则" in problems["anonymize.recognizers"] and "bad.yaml" in problems["anonymize.recognizers"]


def make_dataset(root: Path, ident: str, recognizers: str) -> tuple[Path, set[str]]:
    folder = root / ident
    make_files(folder)
    rows, planted = staff_table()
    write_csv(folder / "staff.csv", rows)
    (folder / "dataset.yaml").write_text(DATASET_YAML.format(ident=ident, recognizers=recognizers), encoding="utf-8")
    return folder, planted


def test_catalogue_checks_the_dataset_recognizer_files(tmp_path):
    folder, _ = make_dataset(tmp_path, "staff-roster", "hr-recognizers.yaml")
    assert load(folder)[0].recognizers == ("hr-recognizers.yaml",)

    def problems(names: str) -> dict:
        (folder / "dataset.yaml").write_text(DATASET_YAML.format(ident="staff-roster", recognizers=names),
                                             encoding="utf-8")
        with pytest.raises(CatalogError) as e:
            load(folder)
        return {p: m for _, p, m in e.value.problems}

    assert "../x.yaml" in problems("hr-recognizers.yaml, ../x.yaml")["recognizers[1]"]
    assert "file not found" in problems("hr-recognizers.yaml, missing.yaml")["recognizers[1]"]
    (folder / "hr-recognizers.yaml").write_text(BAD[1][0], encoding="utf-8")
    where = problems("hr-recognizers.yaml")
    assert "坏正则" in where["recognizers[0]"] and "invalid regex" in where["recognizers[0]"]


# ---- end to end: the two commands a department runs ----

def test_portal_anonymize_applies_recognizers_from_option_and_config(tmp_path):
    employee, deny = make_files(tmp_path / "rec")
    rows, planted = staff_table()
    source = write_csv(tmp_path / "staff.csv", rows)
    config = write_config(tmp_path, tmp_path / "datasets")
    config.write_text(config.read_text(encoding="utf-8") + f'[anonymize]\nrecognizers = ["{deny}"]\n',
                      encoding="utf-8")
    out, report = tmp_path / "out.csv", tmp_path / "report.json"
    proc = run_portal(config, "anonymize", str(source), "-o", str(out), "--report", str(report),
                      "--recognizers", str(employee))
    with out.open(encoding="utf-8", newline="") as f:
        got = list(csv.reader(f))
    assert got[0] == HEADER and len(got) == ROWS + 1
    assert_clean([c for r in got[1:] for c in r], planted)
    listed = by_name(json.loads(report.read_text(encoding="utf-8"))["custom_recognizers"])
    assert listed["工号识别器"]["entity"] == "EMPLOYEE_ID" and listed["工号识别器"]["cells_changed"] == ROWS + ROWS // 4
    assert listed["内部人员名单"]["entity"] == "STAFF_NAME" and listed["内部人员名单"]["cells_changed"] == ROWS // 4
    assert "工号识别器" in proc.stdout and "内部人员名单" in proc.stdout


def test_portal_build_publishes_without_the_planted_values(tmp_path):
    datasets = tmp_path / "datasets"
    folder, planted = make_dataset(datasets, "staff-roster", "hr-recognizers.yaml")
    config = write_config(tmp_path, datasets)
    # The deny-list comes from portal.toml, the employee pattern from dataset.yaml.
    config.write_text(config.read_text(encoding="utf-8")
                      + f'[anonymize]\nrecognizers = ["{folder / "staff-names.yaml"}"]\n', encoding="utf-8")
    run_portal(config, "build")
    release = tmp_path / "build" / "current"
    conn = sqlite3.connect(release / "data.db")
    try:
        cells = [str(c) for row in conn.execute("select * from [staff-roster]") for c in row]
        receipt = json.loads(conn.execute("select receipt from _catalog where identifier = 'staff-roster'")
                             .fetchone()[0])
    finally:
        conn.close()
    assert len(cells) == ROWS * len(HEADER)
    assert_clean(cells, planted)
    listed = by_name(receipt["custom_recognizers"])
    assert listed["工号识别器"]["cells_changed"] == ROWS + ROWS // 4
    assert listed["内部人员名单"]["cells_changed"] == ROWS // 4
    text = (release / "receipts" / "staff-roster.txt").read_text(encoding="utf-8")
    assert "工号识别器" in text and "EMPLOYEE_ID" in text and "内部人员名单" in text


def test_portal_publish_names_a_broken_shared_recognizer_file(tmp_path):
    datasets = tmp_path / "datasets"
    make_dataset(datasets, "staff-roster", "hr-recognizers.yaml")
    (tmp_path / "shared.yaml").write_text(BAD[1][0], encoding="utf-8")
    config = write_config(tmp_path, datasets)
    config.write_text(config.read_text(encoding="utf-8") + '[anonymize]\nrecognizers = ["shared.yaml"]\n',
                      encoding="utf-8")
    proc = run_portal(config, "publish", check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "shared.yaml" in proc.stderr and "坏正则" in proc.stderr and "invalid regex" in proc.stderr
    assert not (tmp_path / "build" / "current").exists()


def test_the_residual_rescan_includes_custom_recognizers(tmp_path):
    # A declared mask that leaves the employee number: the re-scan (with the column's name as context)
    # finds it and the run stops, naming the rule; the value is never in the message.
    folder, _ = make_dataset(tmp_path, "staff-roster", "hr-recognizers.yaml")
    yml = folder / "dataset.yaml"
    yml.write_text(yml.read_text(encoding="utf-8").replace(
        "- {name: 职工代码, type: text, description: 内部编号}",
        "- {name: 职工代码, type: text, description: 内部编号, personal: 其他, rule: {op: mask, keep_last: 8}}"),
        encoding="utf-8")
    record = load(folder)[0]
    detector = custom.from_files([folder / "hr-recognizers.yaml"])
    with pytest.raises(ResidualError) as e:
        list(desensitize(HEADER, iter([["鹿城区", "科员", "编号GH123456", "正常"]]), record, workers=1,
                         detector=detector)[1])
    assert "EMPLOYEE_ID" in str(e.value) and "职工代码" in str(e.value) and "GH123456" not in str(e.value)


def test_a_cell_still_flagged_is_redacted_whole_with_the_custom_placeholder(tmp_path):
    # The label is also a denied word: after redaction the re-scan still finds it, so the cell goes whole.
    path = tmp_path / "loop.yaml"
    path.write_text(DENY_YAML.replace("deny_list: [库尔班, 其木格]", "deny_list: [库尔班, 内部人员]"), encoding="utf-8")
    header, rows, report = desensitize(["备注"], iter([["由库尔班负责复核"]]), workers=1,
                                       detector=custom.from_files([path]))
    assert list(rows) == [["［内部人员］"]]
    assert report.residual_total == 1
