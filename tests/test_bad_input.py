"""Unusual or broken input files: read when they can be, else one clear error naming file, row and column."""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from anonymize.read import open_table
from portal.cli import cli
from conftest import ROOT, write_config


def run(tmp_path: Path, src: Path, *args: str):
    out = tmp_path / "out.csv"
    cfg = write_config(tmp_path, tmp_path / "datasets")
    return CliRunner().invoke(cli, ["--config", str(cfg), "anonymize", str(src), "-o", str(out),
                                    "--report", str(tmp_path / "r.json"), *args]), out


def refused(tmp_path: Path, src: Path, *must_contain: str, args: tuple = ()) -> str:
    """The run fails with one line naming the file and each of must_contain, and writes no output."""
    result, out = run(tmp_path, src, *args)
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    lines = [l for l in result.output.splitlines() if l.strip()]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    assert str(src) in lines[0]
    for text in must_contain:
        assert text in lines[0], lines[0]
    assert not out.exists() and not list(tmp_path.glob(".out.csv*")), "nothing half-written is left behind"
    return lines[0]


def read_back(tmp_path: Path, src: Path, *args: str) -> tuple[list[list[str]], dict]:
    result, out = run(tmp_path, src, *args)
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f)), json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))


def real_cli(tmp_path: Path, src: Path) -> subprocess.CompletedProcess:
    cfg = write_config(tmp_path, tmp_path / "datasets")
    return subprocess.run([sys.executable, "-m", "portal", "--config", str(cfg), "anonymize", str(src), "-o",
                           str(tmp_path / "out.csv")], capture_output=True, text=True, cwd=ROOT, timeout=120)


# --- what is not a table file -------------------------------------------------------------------------

def test_a_directory_is_named_as_a_directory(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    proc = real_cli(tmp_path, folder)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "is a directory" in proc.stderr and "not found" not in proc.stderr and str(folder) in proc.stderr


def test_old_excel_is_refused_with_what_to_do(tmp_path):
    src = tmp_path / "名单.xls"
    src.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)   # a compound-file header, as .xls has
    refused(tmp_path, src, ".xls", "save it as .xlsx or CSV")


def test_an_old_excel_file_renamed_to_csv_is_still_named_for_what_it_is(tmp_path):
    src = tmp_path / "名单.csv"
    src.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    refused(tmp_path, src, "save it as .xlsx or CSV")


def test_an_encrypted_workbook_says_so(tmp_path):
    src = tmp_path / "名单.xlsx"     # Excel stores a password-protected workbook in a compound file
    src.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504)
    refused(tmp_path, src, "encrypted workbook", "remove the password")


def _workbook_without_sheets(path: Path) -> Path:
    openpyxl.Workbook().save(path.with_suffix(".tmp"))
    with zipfile.ZipFile(path.with_suffix(".tmp")) as zin, zipfile.ZipFile(path, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", data)
            if not item.filename.startswith("xl/worksheets/"):
                zout.writestr(item, data)
    return path


def test_a_workbook_without_sheets_is_a_clear_error_not_a_traceback(tmp_path):
    src = _workbook_without_sheets(tmp_path / "empty.xlsx")
    proc = real_cli(tmp_path, src)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "no worksheets" in proc.stderr and str(src) in proc.stderr


def test_a_workbook_of_empty_sheets(tmp_path):
    wb = openpyxl.Workbook()
    wb.create_sheet("Sheet2")
    wb.save(tmp_path / "blank.xlsx")
    refused(tmp_path, tmp_path / "blank.xlsx", "every sheet is empty")


def test_a_broken_workbook(tmp_path):
    src = tmp_path / "broken.xlsx"
    src.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    refused(tmp_path, src, "not a valid XLSX")


@pytest.mark.parametrize("content", [b"", b"\n\n  \r\n", "\ufeff".encode("utf-8"), b",,,\n,,\n"],
                         ids=["zero-bytes", "blank-lines", "bom-only", "empty-cells"])
def test_an_empty_file(tmp_path, content):
    src = tmp_path / "empty.csv"
    src.write_bytes(content)
    refused(tmp_path, src, "empty")


def test_a_header_only_file_gives_a_header_only_output(tmp_path):
    src = tmp_path / "h.csv"
    src.write_text("姓名,区县,金额\n", encoding="utf-8")
    rows, rep = read_back(tmp_path, src)
    assert rows == [["姓名", "区县", "金额"]] and rep["rows"] == 0


# --- header problems -----------------------------------------------------------------------------------

def test_duplicate_column_names_name_both_positions(tmp_path):
    src = tmp_path / "d.csv"
    src.write_text("标题行\n姓名,备注,区县,备注\n王芳,无,鹿城区,无\n", encoding="utf-8")
    refused(tmp_path, src, "row 2", "duplicate header: column 4 repeats column 2", "D")


def test_blank_header_cells_name_their_column(tmp_path):
    src = tmp_path / "b.csv"
    src.write_text("姓名,,区县\n王芳,女,鹿城区\n", encoding="utf-8")
    line = refused(tmp_path, src, "row 1", "column 2", "blank header")
    assert "王芳" not in line


# --- encodings -----------------------------------------------------------------------------------------

TEXT = "姓名,单位,备注\n王芳,温州市民政局,䶮字与𬱖字在GB18030里\n"


@pytest.mark.parametrize("encoding,bom", [("utf-8", b"\xef\xbb\xbf"), ("gb18030", b""), ("utf-16-le", b"\xff\xfe"),
                                          ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b"")],
                         ids=["utf8-bom", "gb18030", "utf16le-bom", "utf16be-bom", "utf16le-no-bom"])
def test_encodings_are_detected(tmp_path, encoding, bom):
    src = tmp_path / "e.csv"
    src.write_bytes(bom + TEXT.encode(encoding))
    rows, _ = read_back(tmp_path, src)
    assert rows[0] == ["姓名", "单位", "备注"] and rows[1][1:] == ["温州市民政局", "䶮字与𬱖字在GB18030里"]


def test_gbk(tmp_path):
    src = tmp_path / "g.csv"
    src.write_bytes("区县,站点\n鹿城区,五马街道服务站\n".encode("gbk"))
    assert read_back(tmp_path, src)[0] == [["区县", "站点"], ["鹿城区", "五马街道服务站"]]


def test_an_unknown_declared_encoding(tmp_path):
    src = tmp_path / "g.csv"
    src.write_text("a,b\n1,2\n", encoding="utf-8")
    refused(tmp_path, src, "unknown encoding", args=("--encoding", "klingon"))


# --- cells ---------------------------------------------------------------------------------------------

def test_control_characters_are_removed_and_counted_per_column(tmp_path):
    src = tmp_path / "c.csv"
    src.write_bytes("编号,区县,备注\n1,鹿城\x00区,正常\n2,龙湾区,含\x07响铃\x1b和\x7f\n3,瓯海区,\"多行\n备注\"\n"
                    .encode("utf-8"))
    rows, rep = read_back(tmp_path, src)
    assert rows[1:] == [["1", "鹿城区", "正常"], ["2", "龙湾区", "含响铃和"], ["3", "瓯海区", "多行\n备注"]]
    assert rep["read"]["control_characters_removed"] == {"区县": 1, "备注": 3}


def test_a_stray_bom_in_a_declared_utf8_header_is_removed(tmp_path):
    src = tmp_path / "c.csv"
    src.write_bytes("\ufeff编号,区县\n1,鹿城区\n".encode("utf-8"))
    rows, _ = read_back(tmp_path, src, "--encoding", "utf-8")
    assert rows[0] == ["编号", "区县"]


def test_an_unclosed_quote_names_the_row_and_column_where_it_opens(tmp_path):
    src = tmp_path / "q.csv"
    body = "".join(f"{i},鹿城区,正常\n" for i in range(1, 100))
    src.write_text("编号,区县,备注\n" + body + '100,龙湾区,"未闭合的引号\n101,瓯海区,正常\n', encoding="utf-8")
    refused(tmp_path, src, "row 101", "column 3", "unclosed quote")


def test_a_quote_closed_too_late_names_where_it_opens(tmp_path):
    src = tmp_path / "q.csv"
    src.write_text('编号,区县,备注\n1,"鹿城区,正常\n2,龙湾区,"引号"\n3,瓯海区,正常\n', encoding="utf-8")
    refused(tmp_path, src, "row 2", "column 2", "unclosed quote")


def test_a_ragged_row_names_its_row(tmp_path):
    src = tmp_path / "r.csv"
    src.write_text("编号,区县,备注\n1,鹿城区,正常\n2,龙湾区\n3,瓯海区,正常\n", encoding="utf-8")
    refused(tmp_path, src, "row 3", "ragged row: 2 fields, header has 3")


def test_data_beyond_the_header_in_a_workbook_names_row_and_column(tmp_path):
    wb = openpyxl.Workbook()
    for r in (["编号", "区县"], [1, "鹿城区"], [2, "龙湾区", "多出来的"]):
        wb.active.append(r)
    wb.save(tmp_path / "w.xlsx")
    refused(tmp_path, tmp_path / "w.xlsx", "row 3", "column 3, C", "beyond")


def test_a_huge_field_is_read_and_one_over_the_limit_is_named(tmp_path):
    src = tmp_path / "big.csv"
    src.write_text("编号,诉求内容\n1," + "很长" * 1_000_000 + "\n", encoding="utf-8")     # 2 million characters
    rows, _ = read_back(tmp_path, src)
    assert len(rows[1][1]) == 2_000_000
    again = tmp_path / "again"
    again.mkdir()
    src = again / "bigger.csv"
    src.write_text("编号,诉求内容\n1,正常\n2,\"" + "长" * (11 * 1024 * 1024) + "\"\n", encoding="utf-8")
    refused(again, src, "row 3", "larger than 10 MB")


def test_an_error_deep_in_a_large_file_leaves_no_output(tmp_path):
    """Rows stream out as they are read: the failure on row 20001 must still leave nothing behind."""
    src = tmp_path / "late.csv"
    body = "".join(f"{i},鹿城区,正常\n" for i in range(1, 20001))
    src.write_text("编号,区县,备注\n" + body + "20001,多,出,来\n", encoding="utf-8")
    (tmp_path / "out.csv").write_text("an earlier result\n", encoding="utf-8")
    result, out = run(tmp_path, src)
    assert result.exit_code == 1 and "row 20002" in result.output
    assert out.read_text(encoding="utf-8") == "an earlier result\n"   # untouched
    assert not list(tmp_path.glob(".out.csv*"))


def test_the_reader_streams_rows(tmp_path):
    """open_table reads lazily: a file's later rows are not parsed before the first is consumed."""
    src = tmp_path / "s.csv"
    src.write_text("编号,区县\n1,鹿城区\n2,龙湾区\n" + "3,多,出\n", encoding="utf-8")
    table = open_table(src)
    assert table.header == ["编号", "区县"] and next(table.rows) == ["1", "鹿城区"]


def test_undecodable_bytes_name_row_and_column(tmp_path):
    src = tmp_path / "u.csv"
    src.write_bytes("编号,区县,备注\n1,鹿城区,正常\n2,".encode("gbk") + b"\xff\xfe" + ",正常\n".encode("gbk"))
    refused(tmp_path, src, "row 3", "column 2", "undecodable", args=("--encoding", "gbk"))


def test_portal_build_names_a_broken_source_and_publishes_nothing(tmp_path):
    from test_read_layouts import _dataset
    datasets = tmp_path / "datasets"
    folder = _dataset(datasets, "broken-stations", "stations.csv",
                      [("区县", "text", ""), ("站点名称", "text", "")])
    (folder / "stations.csv").write_text('区县,站点名称\n鹿城区,"五马街道服务站\n龙湾区,永中街道服务站\n',
                                         encoding="utf-8")
    cfg = write_config(tmp_path, datasets)
    proc = subprocess.run([sys.executable, "-m", "portal", "--config", str(cfg), "build"], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "stations.csv" in proc.stderr and "row 2" in proc.stderr and "unclosed quote" in proc.stderr
    assert not list((tmp_path / "build").rglob("data.db"))


def test_a_value_of_the_wrong_type_is_named_by_its_source_row_below_titles_and_blank_lines(tmp_path):
    from test_read_layouts import _dataset
    datasets = tmp_path / "datasets"
    folder = _dataset(datasets, "typed-stations", "stations.csv", [("区县", "text", ""), ("服务次数", "integer", "")])
    lines = ["各区县服务次数", "填报单位：某局", "区县,服务次数", "鹿城区,1", "", "龙湾区,2", "瓯海区,很多"]
    (folder / "stations.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cfg = write_config(tmp_path, datasets)
    proc = subprocess.run([sys.executable, "-m", "portal", "--config", str(cfg), "publish"], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "stations.csv 第7行 列'服务次数'" in proc.stderr, proc.stderr
