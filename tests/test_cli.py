"""The `portal` command: help on every command, one clear error line for bad input, no traceback."""
from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from portal.cli import cli


def _walk(group: click.Group, prefix: list[str]) -> list[list[str]]:
    out = [prefix]
    for name, cmd in sorted(group.commands.items()):
        out += _walk(cmd, prefix + [name]) if isinstance(cmd, click.Group) else [prefix + [name]]
    return out


COMMANDS = _walk(cli, [])  # every command and subcommand of the real tree


@pytest.mark.parametrize("cmd", COMMANDS, ids=lambda c: " ".join(c) or "portal")
def test_every_command_has_help(cmd):
    result = CliRunner().invoke(cli, [*cmd, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    # The docstring's first line is the help summary: it must say something.
    assert len(result.output.splitlines()) > 3


def _one_clear_error(result, *must_contain):
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [l for l in result.output.splitlines() if l.strip()]
    assert len(lines) == 1, result.output
    for text in must_contain:
        assert text in lines[0]


def test_anonymize_missing_file(tmp_path):
    result = CliRunner().invoke(cli, ["anonymize", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")])
    _one_clear_error(result, "nope.csv", "not found")
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("content,problem", [
    (b"", "empty"),
    (b"a,b,a\n1,2,3\n", "duplicate header"),
    (b"a,,c\n1,2,3\n", "blank header"),
    (b"a,b\n1,2\n3,4,5\n", "ragged row"),
], ids=["empty", "dup-header", "blank-header", "ragged"])
def test_anonymize_malformed_file(tmp_path, content, problem):
    src = tmp_path / "bad.csv"
    src.write_bytes(content)
    result = CliRunner().invoke(cli, ["anonymize", str(src), "-o", str(tmp_path / "o.csv")])
    _one_clear_error(result, "bad.csv", problem)
    assert not (tmp_path / "o.csv").exists(), "nothing half-written is left behind"


def test_undecodable_bytes_name_the_row(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_bytes("姓名,备注\n甲,正常\n乙,".encode("gbk") + b"\xff\xff" + "\n".encode("gbk"))
    result = CliRunner().invoke(cli, ["anonymize", str(src), "-o", str(tmp_path / "o.csv"), "--encoding", "gbk"])
    _one_clear_error(result, "bad.csv", "undecodable", "row 3")
    assert not (tmp_path / "o.csv").exists()


def test_undecodable_bytes_deep_in_a_large_file_name_their_row(tmp_path):
    """The stream is decoded in blocks: the row is still the one holding the bad bytes (UTF-8 detected)."""
    src = tmp_path / "big.csv"
    body = "".join(f"{i},诉求内容正常{i}\n" for i in range(2, 6001)).encode("utf-8")
    src.write_bytes("编号,备注\n".encode() + body + b"6001,\xe4\xb8\n6002,ok\n")
    result = CliRunner().invoke(cli, ["anonymize", str(src), "-o", str(tmp_path / "o.csv"), "--encoding", "utf-8"])
    _one_clear_error(result, "big.csv", "undecodable", "row 6001")
    assert not (tmp_path / "o.csv").exists()


def test_ragged_row_names_the_row(tmp_path):
    src = tmp_path / "bad.csv"
    src.write_text("a,b\n1,2\n3,4\n5,6,7\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["anonymize", str(src), "-o", str(tmp_path / "o.csv")])
    _one_clear_error(result, "row 4")


def test_not_an_xlsx(tmp_path):
    src = tmp_path / "bad.xlsx"
    src.write_text("this is not a workbook", encoding="utf-8")
    result = CliRunner().invoke(cli, ["anonymize", str(src), "-o", str(tmp_path / "o.csv")])
    _one_clear_error(result, "bad.xlsx", "XLSX")


def test_catalog_validate_bad_path(tmp_path):
    result = CliRunner().invoke(cli, ["catalog", "validate", str(tmp_path / "missing")])
    _one_clear_error(result, "missing", "not found")


def test_catalog_validate_malformed_yaml(tmp_path):
    d = tmp_path / "broken"
    d.mkdir()
    (d / "dataset.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["catalog", "validate", str(d)])
    assert result.exit_code == 1
    assert "dataset.yaml" in result.output and "YAML" in result.output


def test_serve_before_publish_is_a_clear_error(tmp_path):
    cfg = tmp_path / "portal.toml"
    cfg.write_text(f'build_dir = "{tmp_path / "build"}"\nstate_dir = "{tmp_path / "state"}"\n')
    result = CliRunner().invoke(cli, ["--config", str(cfg), "serve", "--port", "1"])
    _one_clear_error(result, "portal build")


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_a_title_line_above_the_header_is_skipped(tmp_path, suffix):
    """Department exports often open with a title (and a blank line) above the header."""
    table = [["温州市低保对象名单（2026年10月）", "", ""], ["", "", ""], ["姓名", "身份证号", "区县"],
             ["王芳", "330302199001011235", "鹿城区"]]
    src = tmp_path / f"titled.{suffix}"
    if suffix == "csv":
        src.write_bytes("\n".join(",".join(r) for r in table).encode("gbk") + b"\n")
    else:
        import openpyxl
        wb = openpyxl.Workbook()
        for r in table:
            wb.active.append(r)
        wb.save(src)
    out = tmp_path / "o.csv"
    result = CliRunner().invoke(cli, ["anonymize", str(src), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").splitlines() == ["姓名,身份证号,区县", "［姓名］,［身份证号］,鹿城区"]


def test_a_one_column_table_keeps_its_first_row_as_header(tmp_path):
    src = tmp_path / "one.csv"
    src.write_text("区县\n鹿城区\n龙湾区\n", encoding="utf-8")
    out = tmp_path / "o.csv"
    assert CliRunner().invoke(cli, ["anonymize", str(src), "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8").splitlines() == ["区县", "鹿城区", "龙湾区"]
