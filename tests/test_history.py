"""Change history (field-level, carried from release to release) and overdue updates."""
from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml
from faker import Faker

from metadata import history
from metadata.history import Change, diff
from metadata.schema import UPDATE_FREQUENCIES
from metadata.validate import load, load_all
from portal import config as config_mod
from portal.publish import publish, record_json

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def records():
    recs, _ = load_all(ROOT / "datasets", check_source=False)
    return {r.identifier: record_json(r) for r in recs}


def test_diff_reports_each_changed_field_with_its_path(records):
    old = records["hotline-12345"]
    new = {**old, "title": "新标题", "keywords": [*old["keywords"], "新增关键词"],
           "department": {**old["department"], "name": "新部门"},
           "columns": [{**old["columns"][0], "description": "新说明"}, *old["columns"][1:]]}
    changes = diff(old, new)
    col = old["columns"][0]["name"]
    assert changes == sorted([
        Change("title", old["title"], "新标题"),
        Change("keywords", old["keywords"], new["keywords"]),
        Change("department.name", old["department"]["name"], "新部门"),
        Change(f"columns[{col}].description", old["columns"][0]["description"], "新说明"),
    ], key=lambda c: c.field)
    assert diff(old, old) == []


def test_diff_names_columns_not_positions(records):
    old = records["air-quality"]
    reordered = {**old, "columns": list(reversed(old["columns"]))}
    assert [c.field for c in diff(old, reordered)] == ["columns"]  # only the order changed
    dropped = {**old, "columns": old["columns"][:-1]}
    gone = old["columns"][-1]["name"]
    fields = {c.field for c in diff(old, dropped)}
    assert "columns" in fields and f"columns[{gone}].type" in fields


def test_diff_of_added_and_withdrawn_records(records):
    r = records["admin-penalty"]
    assert diff(None, r) == [Change(history.RECORD, None, history.ADDED)]
    assert diff(r, None) == [Change(history.RECORD, None, history.REMOVED)]


def test_overdue_matches_record_rule_for_every_frequency(records):
    fake = Faker("zh_CN")
    fake.seed_instance(3)
    rec, _ = load(ROOT / "datasets" / "hotline-12345", check_source=False)
    for term, (_, max_age) in UPDATE_FREQUENCIES.items():
        for _ in range(20):
            last = fake.date_between(start_date=date(2025, 1, 1), end_date=date(2026, 11, 1))
            today = last + timedelta(days=fake.random_int(0, 400))
            r = {**record_json(rec), "update_frequency": term, "last_updated": last.isoformat()}
            expected = max_age is not None and (today - last).days > max_age
            assert history.is_overdue(r, today) is expected
            assert rec.__class__(**{**rec.__dict__, "update_frequency": term, "last_updated": last}
                                 ).overdue(today) is expected


def test_overdue_by_department_counts_every_department(records):
    entries = [{"identifier": i, "record": r} for i, r in records.items()]
    today = date(2026, 11, 22)
    counts = history.overdue_by_department(entries, today)
    assert set(counts) == {r["department"]["name"] for r in records.values()}
    assert sum(counts.values()) == sum(history.is_overdue(r, today) for r in records.values())
    # Ten years on, every dataset with a fixed frequency is overdue.
    later = history.overdue_by_department(entries, today + timedelta(days=3650))
    fixed = [r for r in records.values() if UPDATE_FREQUENCIES[r["update_frequency"]][1] is not None]
    assert sum(later.values()) == len(fixed)


# --- _catalog_history through real publishes -----------------------------------------------------

def _edit(yml: Path, **changes) -> None:
    # dataset.yaml is edited as YAML (sample files are generated; a copy is changed here).
    raw = yaml.safe_load(yml.read_text(encoding="utf-8"))
    raw.update(changes)
    yml.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_history_is_kept_and_carried_from_release_to_release(tmp_path):
    slug = "emergency-supply-depots"  # catalogue-only (不予开放): publishing it is quick
    shutil.copytree(ROOT / "datasets" / slug, tmp_path / "datasets" / slug)
    config = tmp_path / "portal.toml"
    config.write_text(f'datasets_dir = "{tmp_path / "datasets"}"\nbuild_dir = "{tmp_path / "build"}"\n'
                      f'state_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    cfg = config_mod.load(config)
    yml = tmp_path / "datasets" / slug / "dataset.yaml"
    old_title = yaml.safe_load(yml.read_text(encoding="utf-8"))["title"]

    first = publish(cfg)
    assert history.read_history(first / "data.db") == []  # a first publication is not a change

    _edit(yml, title="应急物资储备库点（更新）", last_updated="2026-11-20")
    second = publish(cfg)
    rows = history.read_history(second / "data.db", slug)
    assert {(r["field"], r["old"], r["new"]) for r in rows} == {
        ("title", old_title, "应急物资储备库点（更新）"), ("last_updated", "2026-03-01", "2026-11-20")}
    assert {r["changed_at"] for r in rows} == {_published_at(second)}

    _edit(yml, keywords=["应急", "物资"])
    third = publish(cfg)
    rows = history.read_history(third / "data.db", slug)
    assert len(rows) == 3  # the earlier two are carried into the new release
    assert rows[0]["field"] == "keywords" and rows[0]["changed_at"] == _published_at(third)


def _published_at(release: Path) -> str:
    import sqlite3
    conn = sqlite3.connect(release / "data.db")
    try:
        return conn.execute("select published_at from _catalog").fetchone()[0]
    finally:
        conn.close()
