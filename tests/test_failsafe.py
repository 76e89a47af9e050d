"""Fail safe, not fail stop: a cell the residual scan still flags is redacted whole and reported (row,
column, entity, never the value); the run stops only where a declared rule is contradicted, or when
strict_residual asks for the old refusal (argument, dataset.yaml, portal config, CLI flag)."""
import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from faker import Faker

from anonymize import chunk
from anonymize.detect import PERSONAL_ENTITIES, find
from anonymize.policy import ResidualError, desensitize
from metadata.schema import Column, Rule
from metadata.validate import load
from portal.cli import cli
from conftest import write_config

ROOT = Path(__file__).resolve().parent.parent
KEY = b"failsafe-test-key-0123456789abcd"
BASE = load(ROOT / "datasets" / "hotline-12345")[0]


def _mobiles(n, seed):
    fake = Faker("zh_CN")
    fake.seed_instance(seed)
    return [fake.phone_number() for _ in range(n)]


def _personal(text):
    return [f for f in find(text) if f.entity in PERSONAL_ENTITIES]


def _run(header, rows, rec=None, **kw):
    out_header, out, report = desensitize(header, iter(rows), rec, KEY, "t", workers=1, **kw)
    return out_header, list(out), report


def _col(name, **kw):
    return Column(name=name, type="text", description=name, **kw)


def _record(*columns, strict=False):
    return replace(BASE, columns=tuple(columns), strict_residual=strict)


# A declared mask that keeps the last 20 characters leaves a mobile behind: the rule's output is flagged.
LEAKY_MASK = Rule("mask", {"keep_first": 0, "keep_last": 20})


def _leaky_rows(seed):
    return [[f"身份证见附件，本人手机号{m}"] for m in _mobiles(8, seed)]


LEAKY_JOB = ("mask", {"keep_first": 0, "keep_last": 20}, "其他")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_flagged_cell_is_redacted_whole_and_listed(seed):
    # The real operator and the real re-scan: the mask leaves the mobile, the cell becomes its placeholder.
    rows = _leaky_rows(seed) + [["无"]]
    res = chunk.run_chunk((chunk.ColumnJob("rule", rule=LEAKY_JOB, declared="DECLARED"),), rows)
    assert res.failure is None
    assert [r[0] for r in res.rows] == ["［手机号码］"] * 8 + ["*"]
    assert res.residual == [(i, 0, "CN_MOBILE") for i in range(8)]
    assert res.changed == [9]  # each changed cell counted once


def test_stop_job_keeps_the_refusal():
    res = chunk.run_chunk((chunk.ColumnJob("rule", rule=LEAKY_JOB, declared="DECLARED", stop="strict_residual"),),
                          _leaky_rows(2))
    assert res.failure == (0, 0, "CN_MOBILE") and res.rows == []


def test_declared_rule_contradicted_by_the_data_stops_and_names_the_rule():
    with pytest.raises(ResidualError) as e:
        _run(["备注"], _leaky_rows(3), _record(_col("备注", personal="其他", rule=LEAKY_MASK)))
    msg = str(e.value)
    assert "第2行" in msg and "'备注'" in msg and "rule mask" in msg
    assert not any(m in msg or m[-4:] in msg for m in _mobiles(8, 3))


@pytest.mark.parametrize("column, strict, expected", [
    (None, False, ""),
    (None, True, "strict_residual"),
    (_col("备注", free_text=True), False, ""),
    (_col("备注", free_text=True), True, "strict_residual"),
    (_col("类别"), False, "declared non-personal"),
    (_col("办公电话", organisational=("固定电话",)), False, "organisational: [固定电话]"),
    (_col("手机", personal="手机号码", rule=Rule("mask")), False, "rule mask"),
])
def test_which_columns_stop(column, strict, expected):
    from anonymize.policy import _stop_rule
    why = _stop_rule(column, strict)
    assert (expected in why) if expected else why == ""


def test_strict_residual_from_the_record_or_the_argument():
    rows = _leaky_rows(4)
    col = _col("备注", personal="其他", rule=LEAKY_MASK)
    for kw, rec in (({}, _record(col, strict=True)), ({"strict_residual": True}, _record(col))):
        with pytest.raises(ResidualError) as e:
            _run(["备注"], rows, rec, **kw)
        assert "第2行" in str(e.value)


def _miss_first(monkeypatch):
    """A detector gap, simulated around the real scan: the first look leaves a mobile that the re-scan
    flags (real gaps get fixed, so the policy's handling is tested on a gap it cannot outgrow)."""
    import anonymize.scan as scan_mod
    real = scan_mod.scan_cell

    def missed(scanner, value, allowed=frozenset(), *a, **kw):
        cell = real(scanner, value, allowed, *a, **kw)
        if "手机" in value:
            cell.residual, cell.value = "CN_MOBILE", value
        return cell
    monkeypatch.setattr(chunk, "scan_cell", missed)


def test_report_counts_and_lists_cells_never_values(monkeypatch):
    _miss_first(monkeypatch)
    mobiles = _mobiles(6, 5)
    rows = [[f"T{i}", f"市民来电，手机{m}，反映噪音"] for i, m in enumerate(mobiles)]
    _, out, report = _run(["编号", "内容"], rows)
    assert [o[1] for o in out] == ["［手机号码］"] * 6 and [o[0] for o in out] == [r[0] for r in rows]
    assert report.residual_total == 6 and report.residual.startswith("通过")
    assert report.residual_cells[:2] == [{"row": 2, "column": "内容", "entity": "CN_MOBILE"},
                                         {"row": 3, "column": "内容", "entity": "CN_MOBILE"}]
    assert report.columns[1].residual == {"CN_MOBILE": 6}
    text, data = report.as_text(), json.dumps(report.as_dict(), ensure_ascii=False)
    assert "整格隐去" in text and "第 2, 3, 4, 5, 6, 7 行" in text
    assert not any(m in text or m in data for m in mobiles)
    with pytest.raises(ResidualError):
        _run(["编号", "内容"], rows, strict_residual=True)


@pytest.fixture()
def leaky_csv(tmp_path, monkeypatch):
    _miss_first(monkeypatch)
    src = tmp_path / "in.csv"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["编号", "内容"])
        w.writerows([f"T{i}", f"市民来电，手机{m}"] for i, m in enumerate(_mobiles(5, 6)))
    return src


def test_cli_fails_safe_by_default_and_refuses_with_the_flag(leaky_csv, tmp_path):
    config = write_config(tmp_path, tmp_path / "datasets")
    out, rep = tmp_path / "out.csv", tmp_path / "r.json"
    base = ["--config", str(config), "anonymize", str(leaky_csv), "-o", str(out)]
    ok = CliRunner().invoke(cli, base + ["--report", str(rep)])
    assert ok.exit_code == 0, ok.output
    with out.open(encoding="utf-8") as f:
        assert [r[1] for r in list(csv.reader(f))[1:]] == ["［手机号码］"] * 5
    assert json.loads(rep.read_text(encoding="utf-8"))["residual_redacted_whole"]["cells"] == 5
    out.unlink()
    refused = CliRunner().invoke(cli, base + ["--strict-residual"])
    assert refused.exit_code != 0 and "第2行" in refused.output and not out.exists()
    # The same refusal from portal.toml's [anonymize] strict_residual.
    (tmp_path / "strict").mkdir()
    strict = write_config(tmp_path / "strict", tmp_path / "datasets", anonymize={"strict_residual": True})
    refused = CliRunner().invoke(cli, ["--config", str(strict), "anonymize", str(leaky_csv), "-o", str(out)])
    assert refused.exit_code != 0 and "strict_residual" in refused.output and not out.exists()


def test_dataset_yaml_strict_residual_is_validated(tmp_path):
    from metadata.validate import CatalogError
    import shutil
    import yaml
    folder = tmp_path / "hotline-12345"
    shutil.copytree(ROOT / "datasets" / "hotline-12345", folder)
    raw = yaml.safe_load((folder / "dataset.yaml").read_text(encoding="utf-8"))
    raw["strict_residual"] = True
    (folder / "dataset.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load(folder)[0].strict_residual is True
    raw["strict_residual"] = "yes"
    (folder / "dataset.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError) as e:
        load(folder)
    assert "strict_residual" in str(e.value)
