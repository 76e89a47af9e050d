"""Downloads built at publish time: formats, checksums in _catalog, and serving them over HTTP."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import sqlite3
from pathlib import Path

import httpx
import openpyxl
import pytest
import sqlite_utils
from jsonschema import Draft4Validator

from metadata.validate import load
from portal import downloads
from portal.config import load as load_config

OPEN, RESTRICTED = "hotline-12345", "water-use-enterprises"
PROFILE = Path(__file__).parent / "data" / "schemas" / "datapackage-v1" / "tabular-data-package.json"


@pytest.fixture(scope="module")
def release(built_portal) -> Path:
    return load_config(built_portal).current.resolve()


def _catalog(release: Path) -> dict:
    conn = sqlite3.connect(release / "data.db")
    conn.row_factory = sqlite3.Row
    try:
        return {r["identifier"]: dict(r) for r in conn.execute("select * from _catalog")}
    finally:
        conn.close()


def _table(release: Path, ident: str) -> tuple[list[str], list[tuple]]:
    conn = sqlite3.connect(release / "data.db")
    try:
        cur = conn.execute(f"select * from [{ident}] order by rowid")
        return [d[0] for d in cur.description], cur.fetchall()
    finally:
        conn.close()


def test_every_open_table_has_every_format_with_its_checksum(release):
    catalog = _catalog(release)
    open_ids = [i for i, e in catalog.items() if e["database"] == "data"]
    assert open_ids
    for ident in open_ids:
        files = json.loads(catalog[ident]["downloads"])["files"]
        expected = {f"{ident}.csv", f"{ident}-excel.csv", f"{ident}.xlsx", f"{ident}.json",
                    "datapackage.json", f"{ident}-receipt.json"}
        assert set(files) == expected
        for name, info in files.items():
            data = (release / "downloads" / ident / name).read_bytes()
            assert info["sha256"] == hashlib.sha256(data).hexdigest() and info["bytes"] == len(data)


def test_restricted_and_not_open_data_have_no_downloads(release):
    catalog = _catalog(release)
    for ident, entry in catalog.items():
        if entry["database"] != "data":
            assert entry["downloads"] is None
            assert not (release / "downloads" / ident).exists()


def test_bom_csv_for_excel_and_plain_csv_hold_the_table(release):
    header, rows = _table(release, OPEN)
    raw = (release / "downloads" / OPEN / f"{OPEN}-excel.csv").read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf" and b"\r\n" in raw
    plain = (release / "downloads" / OPEN / f"{OPEN}.csv").read_bytes()
    assert not plain.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.reader(io.StringIO(plain.decode("utf-8"), newline="")))
    assert parsed[0] == header and len(parsed) - 1 == len(rows)
    assert parsed[1] == ["" if v is None else str(v) for v in rows[0]]


def test_xlsx_has_the_same_rows_as_the_table(release):
    header, rows = _table(release, OPEN)
    wb = openpyxl.load_workbook(release / "downloads" / OPEN / f"{OPEN}.xlsx", read_only=True)
    got = list(wb.worksheets[0].iter_rows(values_only=True))
    assert list(got[0]) == header
    # openpyxl's read-only reader ends a row at its last non-empty cell: pad with empty cells
    assert [tuple(r) + (None,) * (len(header) - len(r)) for r in got[1:]] == rows


def test_json_and_datapackage(release):
    header, rows = _table(release, OPEN)
    data = json.loads((release / "downloads" / OPEN / f"{OPEN}.json").read_text(encoding="utf-8"))
    assert len(data) == len(rows) and list(data[0]) == header and tuple(data[-1].values()) == rows[-1]
    pkg = json.loads((release / "downloads" / OPEN / "datapackage.json").read_text(encoding="utf-8"))
    res = pkg["resources"][0]
    assert res["path"] == f"{OPEN}.csv" and [f["name"] for f in res["schema"]["fields"]] == header
    csv_bytes = (release / "downloads" / OPEN / f"{OPEN}.csv").read_bytes()
    assert res["hash"] == "sha256:" + hashlib.sha256(csv_bytes).hexdigest() and res["bytes"] == len(csv_bytes)
    profile = Draft4Validator(json.loads(PROFILE.read_text(encoding="utf-8")))
    assert [e.message for e in profile.iter_errors(pkg)] == []


def test_formula_text_and_long_digit_codes_are_safe_in_excel(tmp_path, sample_datasets):
    """A text cell '=1+1' must stay text in XLSX and be neutralised in the Excel CSV."""
    record, _ = load(sample_datasets / "admin-penalty", check_source=False)
    db = sqlite_utils.Database(tmp_path / "d.db")
    cols = [c.name for c in record.columns if c.published]
    rows = [{c: None for c in cols} | {"当事人名称": "=1+1", "行政处罚决定书文号": "0012345678901234567"}]
    db[record.table].insert_all(rows)
    (tmp_path / "receipts").mkdir()
    info = downloads.write_all(db, record, tmp_path)
    folder = tmp_path / "downloads" / record.identifier
    ws = openpyxl.load_workbook(folder / f"{record.identifier}.xlsx").worksheets[0]
    values = [c.value for c in ws[2]]
    assert "=1+1" in values and ws.cell(2, cols.index("当事人名称") + 1).data_type == "s"
    excel = (folder / f"{record.identifier}-excel.csv").read_text(encoding="utf-8-sig")
    assert "'=1+1" in excel and '"=""0012345678901234567"""' in excel
    assert "=1+1" in (folder / f"{record.identifier}.csv").read_text(encoding="utf-8")
    assert f"{record.identifier}-receipt.json" not in info["files"]


@pytest.mark.server
def test_downloads_are_served_with_types_and_filenames(server, release):
    r = httpx.get(f"{server.url}/downloads/{OPEN}/{OPEN}-excel.csv")
    assert r.status_code == 200 and r.content[:3] == b"\xef\xbb\xbf"
    assert r.headers["content-type"].startswith("text/csv")
    assert f"filename*=UTF-8''{OPEN}-excel.csv" in r.headers["content-disposition"]
    assert r.headers["x-checksum-sha256"] == hashlib.sha256(r.content).hexdigest()
    assert r.headers["x-data-dataset"] == OPEN
    x = httpx.get(f"{server.url}/downloads/{OPEN}/{OPEN}.xlsx")
    assert x.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(x.content), read_only=True).worksheets[0]
    assert len(list(sheet.iter_rows(values_only=True))) == len(_table(release, OPEN)[1]) + 1
    again = httpx.get(f"{server.url}/downloads/{OPEN}/{OPEN}-excel.csv", headers={"if-none-match": r.headers["etag"]})
    assert again.status_code == 304 and not again.content
    for path in (f"/downloads/{RESTRICTED}/{RESTRICTED}.csv", f"/downloads/{OPEN}/nope.csv",
                 f"/downloads/{OPEN}/..%2Fdata.db", "/downloads/nope/nope.csv"):
        assert httpx.get(server.url + path).status_code == 404, path
