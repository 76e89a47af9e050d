"""Layouts departments really produce are read, not refused: title/caption/note lines, two-line headers, TSV."""
from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from anonymize.layout import find_header
from anonymize.read import open_table
from portal.cli import cli
from conftest import run_portal, write_config

HEADER = ["序号", "区县", "站点名称", "服务次数", "负责人"]
DATA = [["1", "鹿城区", "五马街道服务站", "120", "王建国"],
        ["2", "龙湾区", "永中街道服务站", "85", "李秀英"],
        ["3", "瓯海区", "娄桥街道服务站", "64", "陈志强"]]
# Above the header: a title, a caption line (label：value cells, one at the right end), a unit line, a blank.
ABOVE = [["温州市2026年第一季度便民服务站统计表"], ["填报单位：温州市民政局", "", "", "", "填报日期：2026-04-01"],
         ["", "", "", "", "单位：次"], []]
BELOW = [[], ["注：1. 服务次数含上门服务。"], ["制表人：张某", "", "审核人：李某"]]


def anonymize(tmp_path: Path, src: Path, *args: str) -> tuple[list[list[str]], dict, str]:
    """Run `portal anonymize SRC -o OUT --report R`; return (output rows, report, printed text)."""
    out, rep = tmp_path / "out.csv", tmp_path / "r.json"
    cfg = write_config(tmp_path, tmp_path / "datasets")
    result = CliRunner().invoke(cli, ["--config", str(cfg), "anonymize", str(src), "-o", str(out), "--report",
                                      str(rep), *args])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f)), json.loads(rep.read_text(encoding="utf-8")), result.output


def write_xlsx(path: Path, rows: list[list], merges: tuple[str, ...] = ()) -> Path:
    wb = openpyxl.Workbook()
    for r in rows:
        wb.active.append([None if c == "" else c for c in r])
    for m in merges:
        wb.active.merge_cells(m)
    wb.save(path)
    return path


def write_csv(path: Path, rows: list[list], encoding: str = "utf-8", pad: bool = False, delimiter: str = ",") -> Path:
    width = max(len(r) for r in rows)
    lines = [delimiter.join(r + [""] * (width - len(r)) if pad else r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def assert_table(rows: list[list[str]], header: list[str], n: int):
    """Exactly one header line, then n data rows as wide as it (the people's names redacted)."""
    assert rows[0] == header
    assert len(rows) == n + 1 and all(len(r) == len(header) for r in rows)


@pytest.mark.parametrize("form", ["xlsx", "csv-gbk-padded", "csv-utf8-bare"])
def test_title_caption_and_note_lines_around_the_table_are_not_part_of_it(tmp_path, form):
    grid = ABOVE + [HEADER] + DATA + BELOW
    if form == "xlsx":
        src = write_xlsx(tmp_path / "stations.xlsx", grid, merges=("A1:E1",))
    elif form == "csv-gbk-padded":    # as Excel exports it: every line as wide as the sheet
        src = write_csv(tmp_path / "stations.csv", grid, "gbk", pad=True)
    else:                             # as written by hand: a title line is one field
        src = write_csv(tmp_path / "stations.csv", grid)
    rows, rep, printed = anonymize(tmp_path, src)
    assert_table(rows, HEADER, len(DATA))
    assert [r[:4] for r in rows[1:]] == [d[:4] for d in DATA]
    assert not any("王建国" in c or "张某" in c for r in rows for c in r)
    assert rep["read"]["rows_skipped_above_header"] == [1, 2, 3, 4]
    assert rep["read"]["header_rows"] == [5]
    assert rep["read"]["rows_skipped_below_table"] == [10, 11]   # the blank line 9 is not a note
    assert "表头上方跳过 4 行" in printed and "表格下方跳过 2 行注释" in printed


def test_the_header_is_found_by_shape_not_by_known_words(tmp_path):
    """Invented column names, and data rows that are all text: the first row naming every column wins."""
    header = ["甲项", "乙项", "丙项"]
    grid = [["某某情况一览"], ["编制：某办公室"], header, ["东", "南", "西"], ["北", "中", "上"]]
    rows, rep, _ = anonymize(tmp_path, write_csv(tmp_path / "t.csv", grid))
    assert rows == [header, ["东", "南", "西"], ["北", "中", "上"]]


def test_a_one_cell_line_inside_the_data_is_kept_as_a_record(tmp_path):
    """Only note lines after the last record are dropped; a sparse record in the middle stays."""
    grid = [HEADER, DATA[0], ["", "", "", "0", ""], DATA[1]]
    rows, rep, _ = anonymize(tmp_path, write_csv(tmp_path / "t.csv", grid))
    assert_table(rows, HEADER, 3)
    assert rows[2] == ["", "", "", "0", ""] and rep["read"]["rows_skipped_below_table"] == []


TOP = ["序号", "姓名", "考试成绩", "", "", "备注"]
LOW = ["", "", "笔试成绩", "面试成绩", "总成绩", ""]
SCORES = [["1", "赵敏", "80", "90", "170", ""], ["2", "钱多", "75", "88", "163", "递补"]]


@pytest.mark.parametrize("form", ["csv", "xlsx-merged"])
def test_a_two_line_header_gives_one_line_of_column_names(tmp_path, form):
    grid = [["2026年招聘考试成绩公示"], TOP, LOW] + SCORES
    if form == "csv":
        src = write_csv(tmp_path / "scores.csv", grid, pad=True)
    else:   # merged cells: the group over three columns, the others down over both lines
        src = write_xlsx(tmp_path / "scores.xlsx", grid, merges=("C2:E2", "A2:A3", "B2:B3", "F2:F3"))
    rows, rep, printed = anonymize(tmp_path, src)
    assert_table(rows, ["序号", "姓名", "笔试成绩", "面试成绩", "总成绩", "备注"], 2)
    assert [r[2:5] for r in rows[1:]] == [s[2:5] for s in SCORES]
    assert rep["read"]["header_rows"] == [2, 3] and "两行表头合并为一行" in printed


def test_a_name_repeated_under_two_groups_is_joined_with_its_group(tmp_path):
    top = ["地区", "2025年", "", "2026年", ""]
    low = ["", "户数", "金额", "户数", "金额"]
    rows, _, _ = anonymize(tmp_path, write_csv(tmp_path / "t.csv", [top, low, ["鹿城区", "3", "1.5", "4", "2.0"]]))
    assert rows[0] == ["地区", "2025年_户数", "2025年_金额", "2026年_户数", "2026年_金额"]


def test_a_group_line_over_a_full_line_of_names(tmp_path):
    top = ["基本信息", "", "", "成绩", ""]
    low = ["序号", "姓名", "性别", "笔试", "面试"]
    rows, _, _ = anonymize(tmp_path, write_csv(tmp_path / "t.csv", [top, low, ["1", "孙立", "男", "80", "90"]]))
    assert rows[0] == low and rows[1][3:] == ["80", "90"]


def test_a_header_with_a_blank_cell_is_not_mistaken_for_a_group_line():
    """The first record must never become column names (its cells may be a person's data)."""
    window = [["姓名", "", "住址"], ["王小明", "男", "幸福小区"], ["李红", "女", "和平小区"]]
    found = find_header(window)
    assert (found.start, found.lines, found.names) == (0, 1, ["姓名", "", "住址"])


@pytest.mark.parametrize("name,delimiter", [("t.tsv", "\t"), ("t.csv", "\t"), ("t.txt", ";"), ("t.txt", "|")])
def test_the_delimiter_is_sniffed(tmp_path, name, delimiter):
    grid = [["温州市便民服务站统计表"], HEADER] + [[c.replace(",", "") for c in d] for d in DATA]
    rows, rep, _ = anonymize(tmp_path, write_csv(tmp_path / name, grid, delimiter=delimiter))
    assert_table(rows, HEADER, len(DATA))
    assert rep["read"]["delimiter"] == delimiter


def test_a_comma_file_with_tabs_and_semicolons_in_its_text_stays_a_comma_file(tmp_path):
    grid = [["编号", "诉求内容", "区县"]] + [[str(i), f"路灯不亮\t已转办;请核实", "鹿城区"] for i in range(5)]
    rows, rep, _ = anonymize(tmp_path, write_csv(tmp_path / "t.csv", grid))
    assert rows[0] == ["编号", "诉求内容", "区县"] and rep["read"]["delimiter"] == ","
    assert rows[1] == ["0", "路灯不亮\t已转办;请核实", "鹿城区"]


def test_a_notes_sheet_before_the_table_sheet_is_passed_over(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "填报说明"
    for line in (["说明"], ["本表数据见第二个工作表。"]):
        wb.active.append(line)
    ws = wb.create_sheet("数据")
    for r in [HEADER] + DATA:
        ws.append(r)
    wb.save(tmp_path / "two.xlsx")
    rows, rep, _ = anonymize(tmp_path, tmp_path / "two.xlsx")
    assert_table(rows, HEADER, len(DATA))
    assert rep["read"]["sheet"] == "#2"
    assert open_table(tmp_path / "two.xlsx", sheet="填报说明").header == ["说明"]   # a named sheet is read as named


YAML = """identifier: {ident}
title: 便民服务站统计
description: 各区县便民服务站的服务次数。
department: {{name: 温州市测试数据局, code: '113303000000000001'}}
themes: [社会民生]
keywords: [测试]
source: {{file: {file}}}
format: {fmt}
share_type: 无条件共享
share_method: [查询引用]
open_type: 无条件开放
update_frequency: 每年
last_updated: 2026-01-01
security_level: 一般
usage_requirements: 使用时须注明数据来源。
licence: CC-BY-4.0
contact: {{name: 数据处, phone: 0577-88880000, email: data@test.example.gov.cn}}
columns:
{columns}
"""


def _dataset(root: Path, ident: str, file: str, columns: list[tuple[str, str, str]]) -> Path:
    folder = root / ident
    folder.mkdir(parents=True)
    cols = "\n".join(f"- {{name: {n}, type: {t}, description: {n}{extra}}}" for n, t, extra in columns)
    fmt = "XLSX" if file.endswith("xlsx") else "CSV"
    (folder / "dataset.yaml").write_text(YAML.format(ident=ident, file=file, fmt=fmt, columns=cols), encoding="utf-8")
    return folder


def test_portal_build_publishes_department_layouts(tmp_path):
    """A titled XLSX, a GBK CSV with a two-line header and a TSV, through `portal build`."""
    datasets = tmp_path / "datasets"
    station_cols = [("序号", "integer", ""), ("区县", "text", ""), ("站点名称", "text", ""),
                    ("服务次数", "integer", ""), ("负责人", "text", ", personal: 姓名, rule: drop")]
    f = _dataset(datasets, "titled-stations", "stations.xlsx", station_cols)
    write_xlsx(f / "stations.xlsx", ABOVE + [HEADER] + DATA + BELOW, merges=("A1:E1",))
    f = _dataset(datasets, "tsv-stations", "stations.tsv", station_cols)
    write_csv(f / "stations.tsv", [HEADER] + DATA, delimiter="\t")
    score_cols = [("序号", "integer", ""), ("姓名", "text", ", personal: 姓名, rule: drop"),
                  ("笔试成绩", "integer", ""), ("面试成绩", "integer", ""), ("总成绩", "integer", ""),
                  ("备注", "text", "")]
    f = _dataset(datasets, "exam-scores", "scores.csv", score_cols)
    write_csv(f / "scores.csv", [["2026年招聘考试成绩公示"], TOP, LOW] + SCORES, "gbk", pad=True)
    run_portal(write_config(tmp_path, datasets), "build")
    db = sqlite3.connect(next((tmp_path / "build").rglob("data.db")))
    published = {}      # columns -> rows, for every data table
    for (table,) in db.execute("select name from sqlite_master where type='table' and name not like '%fts%' "
                               "and name not like '\\_%' escape '\\'"):
        cols = tuple(c[1] for c in db.execute(f"pragma table_info([{table}])"))
        published.setdefault(cols, []).append(db.execute(f"select * from [{table}]").fetchall())
    stations = published[("序号", "区县", "站点名称", "服务次数")]      # 负责人 dropped by its rule
    assert len(stations) == 2 and all(t[0] == (1, "鹿城区", "五马街道服务站", 120) and len(t) == 3 for t in stations)
    assert published[("序号", "笔试成绩", "面试成绩", "总成绩", "备注")] == [[(1, 80, 90, 170, None),
                                                                     (2, 75, 88, 163, "递补")]]


def test_year_columns_of_a_statistical_table_are_its_header(tmp_path):
    grid = [["各区县便民服务次数"], ["区县", "2024", "2025"], ["鹿城区", "120", "135"], ["龙湾区", "85", "90"]]
    rows, _, _ = anonymize(tmp_path, write_csv(tmp_path / "t.csv", grid))
    assert rows == grid[1:]


def test_a_group_name_repeated_over_its_merged_span(tmp_path):
    """Some exports write a merged cell's value into every cell of the span."""
    top = ["序号", "姓名", "考试成绩", "考试成绩", "考试成绩", "备注"]
    rows, _, _ = anonymize(tmp_path, write_csv(tmp_path / "t.csv", [top, LOW] + SCORES))
    assert_table(rows, ["序号", "姓名", "笔试成绩", "面试成绩", "总成绩", "备注"], 2)


def test_excel_sep_line_sets_the_delimiter(tmp_path):
    src = tmp_path / "t.csv"
    src.write_text("sep=;\r\n区县;站点\r\n鹿城区;五马街道服务站\r\n", encoding="utf-8")
    rows, rep, _ = anonymize(tmp_path, src)
    assert rows == [["区县", "站点"], ["鹿城区", "五马街道服务站"]] and rep["read"]["delimiter"] == ";"


def test_a_line_break_typed_into_a_header_cell_is_not_part_of_the_name(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["序号", "站点\n名称", "Service\ncount"])
    wb.active.append([1, "五马街道服务站", 120])
    wb.save(tmp_path / "t.xlsx")
    rows, _, _ = anonymize(tmp_path, tmp_path / "t.xlsx")
    assert rows[0] == ["序号", "站点名称", "Service count"]


def test_a_caption_with_an_aside_is_skipped_and_a_unit_in_a_column_name_is_not_a_caption(tmp_path):
    grid = [["填报单位（盖章）：某某局", "报送日期：2026-06-30"], ["项目", "金额（单位：元）"], ["办公经费", "1200"]]
    rows, rep, _ = anonymize(tmp_path, write_csv(tmp_path / "t.csv", grid))
    assert rows == grid[1:] and rep["read"]["rows_skipped_above_header"] == [1]


@pytest.mark.parametrize("form", ["xlsx", "csv"])
def test_a_table_right_of_an_empty_margin_column(tmp_path, form):
    grid = [["", "各区县服务次数"], [], ["", "区县", "服务次数"], ["", "鹿城区", "1"], ["", "龙湾区", ""]]
    src = write_xlsx(tmp_path / "m.xlsx", grid) if form == "xlsx" else write_csv(tmp_path / "m.csv", grid, pad=True)
    rows, rep, _ = anonymize(tmp_path, src)
    assert rows == [["区县", "服务次数"], ["鹿城区", "1"], ["龙湾区", ""]]


def test_a_sheet_formatted_far_to_the_right_reads_only_its_table(tmp_path):
    """A styled cell in column 5000 makes the sheet's stated size 5000 columns wide: rows are not padded."""
    from openpyxl.styles import Font
    wb = openpyxl.Workbook()
    for r in [HEADER] + DATA:
        wb.active.append(r)
    wb.active.cell(1, 5000).font = Font(bold=True)
    wb.save(tmp_path / "wide.xlsx")
    table = open_table(tmp_path / "wide.xlsx")
    assert table.header == HEADER and list(table.rows) == DATA


def test_rows_named_by_the_residual_scan_are_source_rows(tmp_path, monkeypatch):
    """Below a title and a blank line, a cell the re-scan still flags is named by the row the user sees."""
    from test_failsafe import _miss_first, _mobiles
    _miss_first(monkeypatch)
    grid = [["市民来电记录"], [], ["编号", "内容"]] + [[f"T{i}", f"市民来电，手机{m}"] for i, m in enumerate(_mobiles(2, 6))]
    src = write_csv(tmp_path / "t.csv", grid)
    _, rep, _ = anonymize(tmp_path, src)
    assert [c["row"] for c in rep["residual_redacted_whole"]["listed"]] == [4, 5]
    cfg = write_config(tmp_path, tmp_path / "datasets")
    refused = CliRunner().invoke(cli, ["--config", str(cfg), "anonymize", str(src), "-o", str(tmp_path / "o.csv"),
                                       "--strict-residual"])
    assert refused.exit_code == 1 and "第4行" in refused.output


def test_a_sparse_table_is_not_taken_for_a_footer(tmp_path):
    """Many one-cell lines at the end, or no other record at all: records, kept."""
    many = [HEADER, DATA[0]] + [[str(i), "", "", "", ""] for i in range(2, 14)]
    rows, rep, _ = anonymize(tmp_path, write_csv(tmp_path / "many.csv", many))
    assert len(rows) == 14 and rep["read"]["rows_skipped_below_table"] == []
    only = [["区县", "站点", "备注"], ["鹿城区", "", ""], ["龙湾区", "", ""]]
    rows, rep, _ = anonymize(tmp_path, write_csv(tmp_path / "only.csv", only))
    assert rows == only


def test_a_last_record_with_one_cell_right_of_the_first_column_is_kept(tmp_path):
    grid = [HEADER, DATA[0], ["", "", "", "0", ""]]
    rows, rep, _ = anonymize(tmp_path, write_csv(tmp_path / "t.csv", grid))
    assert rows[-1] == ["", "", "", "0", ""] and rep["read"]["rows_skipped_below_table"] == []
