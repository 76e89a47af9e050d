"""`portal anonymize IN --output OUT.csv --report R.json` on every sample source, with no configuration."""
import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from anonymize.detect import PERSONAL_ENTITIES, find
from anonymize.headers import header_entity, is_blank
from anonymize.read import open_table
from portal.cli import cli
from conftest import write_config

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted(p for p in (ROOT / "datasets").glob("*/*") if p.suffix in (".csv", ".xlsx"))
CHECKED = {"CN_RESIDENT_ID", "CN_MOBILE"}


def _personal(text):
    return any(f.entity in PERSONAL_ENTITIES for f in find(text))


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    work = tmp_path_factory.mktemp("anon-cli")
    return write_config(work, work / "datasets")


@pytest.mark.parametrize("source", SOURCES, ids=lambda p: p.parent.name)
def test_anonymize_every_sample_source(source, config, tmp_path):
    out, report = tmp_path / "out.csv", tmp_path / "r.json"
    result = CliRunner().invoke(cli, ["--config", str(config), "anonymize", str(source),
                                      "--output", str(out), "--report", str(report)])
    assert result.exit_code == 0, result.output
    original = open_table(source)
    with out.open(encoding="utf-8", newline="") as f:   # strict UTF-8, no BOM
        rows = list(csv.reader(f))
    assert rows[0] == original.header
    source_rows = list(original.rows)
    assert len(rows) - 1 == len(source_rows)
    # Same rows in the same order: every cell with nothing personal in it is byte-identical, except in
    # columns whose header names an identifier (身份证号, 法定代表人): there no value survives.
    named = [header_entity(h) for h in original.header]
    for got, want in zip(rows[1:], source_rows):
        assert len(got) == len(want)
        assert all(g == w for g, w, e in zip(got, want, named) if not _personal(w) and e is None)
        assert all(g != w for g, w, e in zip(got, want, named) if e is not None and not is_blank(w))
    left = [(i, f.entity) for i, row in enumerate(rows[1:], 2) for cell in row for f in find(cell)
            if f.entity in CHECKED]
    assert left == []
    rep = json.loads(report.read_text(encoding="utf-8"))
    assert rep["rows"] == len(source_rows) and rep["residual_scan"].startswith("通过")
    assert [c["name"] for c in rep["columns"]] == original.header
    assert report.with_suffix(".txt").read_text(encoding="utf-8").startswith("数据集")


def test_hotline_source_loses_its_planted_identifiers(config, tmp_path):
    source = ROOT / "datasets" / "hotline-12345" / "tickets.csv"
    out = tmp_path / "out.csv"
    assert CliRunner().invoke(cli, ["--config", str(config), "anonymize", str(source), "-o", str(out)]).exit_code == 0
    before = [f.entity for row in open_table(source).rows for f in find(row[6]) if f.entity in CHECKED]
    assert len(before) > 100                      # the sample really carries IDs and mobiles
    text = out.read_text(encoding="utf-8")
    assert "［身份证号］" in text and "****" in text
