"""Download files built at publish time: CSV, Excel CSV (BOM), XLSX, JSON, datapackage.json, receipt."""
from __future__ import annotations

import csv
import hashlib
import json
import shutil
from pathlib import Path

import sqlite_utils
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from metadata import export
from metadata.schema import Record

BOM = "\ufeff"
# file suffix -> media type sent when served (formats and labels for catalogues: export.CKAN_DOWNLOADS)
KINDS = {
    ".csv": "text/csv; charset=utf-8",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".json": "application/json; charset=utf-8",
}


def downloads_dir(release: Path, identifier: str) -> Path:
    return release / "downloads" / identifier


def media_type(filename: str) -> str:
    for suffix, kind in KINDS.items():
        if filename.endswith(suffix):
            return kind
    return "application/octet-stream"


def _excel_text(value: str) -> str:
    """A text cell as Excel should read it from a CSV.

    Digit strings Excel would mangle (leading zero, or more than 15 digits: credit codes, ID-like
    numbers) are written as ="..." so Excel keeps them as text; other cells starting with a formula
    character get a leading apostrophe so they are never evaluated (CSV injection).
    """
    if value.isdigit() and (value[0] == "0" or len(value) > 15):
        return f'="{value}"'
    if value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _xlsx_cell(ws, value):
    """openpyxl would store a string starting with '=' as a formula: force those to text."""
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(ws, value=value)
        cell.data_type = "s"
        return cell
    return value


class _Writers:
    """The four data formats written in one pass over the table."""

    def __init__(self, folder: Path, ident: str, header: list[str], text_cols: set[int]):
        self.text_cols = text_cols
        self.files = [(folder / f"{ident}.csv").open("w", encoding="utf-8", newline=""),
                      (folder / f"{ident}-excel.csv").open("w", encoding="utf-8", newline=""),
                      (folder / f"{ident}.json").open("w", encoding="utf-8")]
        self.csv = csv.writer(self.files[0])
        self.excel = csv.writer(self.files[1], lineterminator="\r\n")
        self.files[1].write(BOM)
        self.header = header
        self.csv.writerow(header)
        self.excel.writerow(header)
        self.files[2].write("[")
        self.first = True
        self.wb = Workbook(write_only=True)
        self.ws = self.wb.create_sheet(ident[:31])
        self.ws.append(header)
        self.xlsx_path = folder / f"{ident}.xlsx"

    def row(self, row: tuple) -> None:
        plain = ["" if v is None else v for v in row]
        self.csv.writerow(plain)
        self.excel.writerow([_excel_text(v) if i in self.text_cols and isinstance(v, str) else v
                             for i, v in enumerate(plain)])
        self.files[2].write(("\n" if self.first else ",\n") +
                            json.dumps(dict(zip(self.header, row)), ensure_ascii=False))
        self.first = False
        self.ws.append([_xlsx_cell(self.ws, v) for v in row])

    def close(self) -> None:
        self.files[2].write("\n]\n")
        for f in self.files:
            f.close()
        self.wb.save(self.xlsx_path)


def _file_info(path: Path) -> dict:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "bytes": path.stat().st_size, "media_type": media_type(path.name)}


def _datapackage(record: Record, header: list[str], files: dict[str, dict], base_url: str) -> dict:
    """export.to_datapackage for the CSV beside it (relative path, its bytes and sha256)."""
    from .publish import record_json  # publish imports this module: import at call time
    entry = {"identifier": record.identifier, "record": record_json(record), "columns": header, "database": "data"}
    return export.to_datapackage(entry, base_url, files)


def write_all(db: sqlite_utils.Database, record: Record, release_dir: Path, base_url: str = "") -> dict:
    """Write every download of one published table into release_dir/downloads/<id>/.

    Returns {"files": {filename: {sha256, bytes, media_type}}} for the `downloads` column of _catalog.
    base_url, when known, puts the portal's links into datapackage.json (else they are left out).
    """
    ident = record.identifier
    folder = downloads_dir(release_dir, ident)
    folder.mkdir(parents=True, exist_ok=True)
    header = [c.name for c in db[record.table].columns]
    text_cols = {i for i, h in enumerate(header) if (record.column(h) is None or record.column(h).type == "text")}
    writers = _Writers(folder, ident, header, text_cols)
    try:
        for row in db.execute(f"select * from [{record.table}] order by rowid"):
            writers.row(row)
    finally:
        writers.close()
    receipt = release_dir / "receipts" / f"{ident}.json"
    if receipt.exists():
        shutil.copyfile(receipt, folder / f"{ident}-receipt.json")
    files = {p.name: _file_info(p) for p in sorted(folder.iterdir())}
    (folder / "datapackage.json").write_text(
        json.dumps(_datapackage(record, header, files, base_url), ensure_ascii=False, indent=2), encoding="utf-8")
    files["datapackage.json"] = _file_info(folder / "datapackage.json")
    return {"files": files}
