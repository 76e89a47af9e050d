"""`portal catalog validate`: every problem of every dataset in one run, keyed by field path."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from portal.cli import cli

ROOT = Path(__file__).resolve().parent.parent


def _copy(dest: Path, slug: str) -> Path:
    shutil.copytree(ROOT / "datasets" / slug, dest / "datasets" / slug)
    return dest / "datasets" / slug / "dataset.yaml"


def _rewrite(yml: Path, change) -> None:
    raw = yaml.safe_load(yml.read_text(encoding="utf-8"))
    change(raw)
    yml.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _validate(workdir: Path, monkeypatch, *args: str):
    # Relative paths, as a department would type them: messages then read datasets/<slug>/dataset.yaml.
    monkeypatch.chdir(workdir)
    return CliRunner().invoke(cli, ["catalog", "validate", *args])


def _break_five_ways(raw: dict) -> None:
    raw["open_type"] = "半开放"                      # not a term of the vocabulary
    raw["last_updated"] = "2026-13-45"               # not a date
    raw["themes"] = ["市场监管", "不存在的主题"]        # second theme unknown
    del raw["contact"]["name"]                        # required nested field missing
    raw["columns"][9]["type"] = "money"               # not a column type
    raw["colour"] = "蓝色"                            # unknown key: a warning, not an error


FIVE = {
    "open_type": "不是有效取值", "last_updated": "不是有效日期", "themes[1]": "不是有效取值",
    "contact.name": "必填项缺失", "columns[9].type": "不是有效类型",
}


def test_five_breaks_reported_at_once_with_field_paths(tmp_path, monkeypatch):
    yml = _copy(tmp_path, "admin-penalty")
    _rewrite(yml, _break_five_ways)
    result = _validate(tmp_path, monkeypatch, "datasets")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("datasets/")]
    by_path = {line.split(": ")[1]: line for line in lines}
    assert set(by_path) == set(FIVE)  # exactly the five, nothing about the unknown key
    for path, words in FIVE.items():
        assert by_path[path].startswith(f"datasets/admin-penalty/dataset.yaml: {path}: ")
        assert words in by_path[path]
    assert "5 个问题" in result.stderr
    # The unknown key is still reported, as a warning, in the same run as the errors.
    assert [line.split(": ")[1] for line in result.stderr.splitlines() if line.startswith("警告")] == ["colour"]


def test_problems_of_several_datasets_and_a_header_mismatch_in_one_run(tmp_path, monkeypatch):
    _rewrite(_copy(tmp_path, "admin-penalty"), _break_five_ways)
    # A column renamed in the dictionary no longer matches the source file's header.
    _rewrite(_copy(tmp_path, "emergency-supply-depots"),
             lambda raw: raw["columns"][0].update(name="库点名"))
    _copy(tmp_path, "air-quality")  # a valid one stays quiet
    result = _validate(tmp_path, monkeypatch, "datasets")
    assert result.exit_code == 1
    mismatch = [line for line in result.stderr.splitlines()
                if line.startswith("datasets/emergency-supply-depots/dataset.yaml: columns: ")]
    assert len(mismatch) == 1 and "库点名" in mismatch[0]
    assert sum(line.startswith("datasets/admin-penalty/") for line in result.stderr.splitlines()) == 5
    assert "air-quality" not in result.stderr


def test_unknown_keys_are_warnings_only(tmp_path, monkeypatch):
    _rewrite(_copy(tmp_path, "air-quality"),
             lambda raw: (raw.update(colour="蓝色"), raw["columns"][0].update(colour="红")))
    result = _validate(tmp_path, monkeypatch, "datasets/air-quality")
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("警告")]
    assert {w.split(": ")[1] for w in warnings} == {"colour", "columns[0].colour"}
    assert "1 个数据集目录有效" in result.stdout


@pytest.mark.parametrize("slug", sorted(p.parent.name for p in (ROOT / "datasets").glob("*/dataset.yaml")))
def test_every_sample_dataset_is_valid(slug, tmp_path, monkeypatch):
    _copy(tmp_path, slug)
    result = _validate(tmp_path, monkeypatch, f"datasets/{slug}")
    assert result.exit_code == 0, result.output
