"""The pipeline end to end: nothing personal reaches the published databases; publishing is atomic."""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from anonymize.checksums import id_check_digit, normalize_digits, resident_id_ok
from anonymize.read import open_table
from metadata.validate import load_all

from conftest import run_portal, write_config

ID18 = re.compile(r"(?<!\d)\d{6}(?:19|20)\d{9}[\dXx](?!\d)")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def raw_identifiers(datasets: Path) -> tuple[set[str], set[str]]:
    """Every valid resident ID and mobile number in the raw sources (normalized digits)."""
    ids, mobiles = set(), set()
    records, _ = load_all(datasets)
    for r in records:
        t = open_table(datasets / r.identifier / r.source.file, r.source.encoding, r.source.sheet)
        for row in t.rows:
            for cell in row:
                text = normalize_digits(cell)
                ids.update(m.upper() for m in ID18.findall(text) if resident_id_ok(m))
                mobiles.update(MOBILE.findall(text))
    return ids, mobiles


def published_text(release: Path) -> str:
    """All text of every table of both published databases, digits normalized."""
    parts = []
    for name in ("data.db", "restricted.db"):
        conn = sqlite3.connect(release / name)
        tables = [t for (t,) in conn.execute("select name from sqlite_master where type='table'")]
        for t in tables:
            for row in conn.execute(f"select * from [{t}]"):
                parts.extend(str(v) for v in row if v is not None)
        conn.close()
    return normalize_digits("\n".join(parts))


def test_no_raw_id_or_mobile_is_published(built_portal, sample_datasets):
    ids, mobiles = raw_identifiers(sample_datasets)
    assert len(ids) > 50 and len(mobiles) > 50, "the samples must actually contain personal identifiers"
    release = (built_portal.parent / "build" / "current").resolve()
    text = published_text(release)
    leaked = [i for i in ids if i in text] + [m for m in mobiles if m in text]
    assert not leaked, f"{len(leaked)} personal identifiers reached the published databases"


def test_planted_identifiers_are_removed(tmp_path, sample_datasets):
    """Plant an ID and mobiles in an undeclared column and in free text; none may be published."""
    datasets = tmp_path / "datasets"
    shutil.copytree(sample_datasets / "hotline-12345", datasets / "hotline-12345")
    planted_id, planted_mobile = "33030219880307002" + id_check_digit("33030219880307002"), "13957712345"
    assert resident_id_ok(planted_id)
    src = datasets / "hotline-12345" / "tickets.csv"
    lines = src.read_bytes().decode("gb18030").splitlines()
    header = lines[0].split(",")
    # Put the values into the free-text column of the first data row, in awkward formats.
    import csv
    import io
    rows = list(csv.reader(io.StringIO("\n".join(lines))))
    text_col = header.index("诉求内容")
    rows[1][text_col] = f"来电人身份证{planted_id}，电话+86 139-5771-2345，请回电"
    rows[2][text_col] = f"联系方式：１３９５７７１２３４５"
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    src.write_bytes(out.getvalue().encode("gb18030"))
    config = write_config(tmp_path, datasets)
    run_portal(config, "publish")
    text = published_text((tmp_path / "build" / "current").resolve())
    assert planted_id not in text and planted_id[:17] not in text
    assert planted_mobile not in text


def test_failed_publish_leaves_served_release_untouched(tmp_path, sample_datasets):
    datasets = tmp_path / "datasets"
    shutil.copytree(sample_datasets / "air-quality", datasets / "air-quality")
    config = write_config(tmp_path, datasets)
    run_portal(config, "publish")
    current = tmp_path / "build" / "current"
    before = os.readlink(current)
    # Break the source: a ragged row in the middle.
    src = next(p for p in (datasets / "air-quality").iterdir() if p.suffix == ".csv")
    data = src.read_text(encoding="utf-8").splitlines()
    data.insert(5, "1,2")
    src.write_text("\n".join(data) + "\n", encoding="utf-8")
    proc = run_portal(config, "publish", check=False)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert src.name in proc.stderr and "row 6" in proc.stderr
    assert os.readlink(current) == before
    leftovers = [p.name for p in (tmp_path / "build" / "releases").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_catalog_records_what_was_published(built_portal, sample_datasets):
    release = (built_portal.parent / "build" / "current").resolve()
    conn = sqlite3.connect(release / "data.db")
    rows = {r[0]: r[1:] for r in conn.execute(
        "select identifier, database, row_count, content_hash, open_type from _catalog")}
    records, _ = load_all(sample_datasets)
    assert set(rows) == {r.identifier for r in records}
    for r in records:
        database, count, digest, open_type = rows[r.identifier]
        if r.open_type == "不予开放":
            assert database is None and count is None
        else:
            assert count > 0 and digest.startswith("sha256:")
            db = sqlite3.connect(release / f"{database}.db")
            assert db.execute(f"select count(*) from [{r.identifier}]").fetchone()[0] == count
