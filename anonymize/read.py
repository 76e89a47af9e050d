"""Read a department's raw table (CSV in any common encoding, or XLSX) as a header and a row stream."""
from __future__ import annotations

import codecs
import csv
import io
import itertools
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Iterator

csv.field_size_limit(10 * 1024 * 1024)  # free-text cells can be long; the default 128 KB is not enough
SNIFF_BYTES = 1 << 20


class InputError(Exception):
    """A source file cannot be read; names the file, the row (1 = header) and the problem."""

    def __init__(self, path: Path | str, problem: str, row: int | None = None):
        self.path, self.problem, self.row = str(path), problem, row
        where = f" 第{row}行 (row {row})" if row else ""
        super().__init__(f"{self.path}{where}: {problem}")


@dataclass
class Table:
    path: Path
    header: list[str]
    rows: Iterator[list[str]]      # data rows, each as long as the header, as text
    encoding: str                  # detected or declared; "xlsx" for workbooks


def detect_encoding(path: Path, declared: str | None = None) -> str:
    """BOM first, then strict UTF-8, then GB18030 (a superset of GBK/GB2312), then charset-normalizer."""
    if declared:
        name = codecs.lookup(declared).name
        # GBK files from departments often hold characters only GB18030 has: read them as GB18030.
        return "gb18030" if name in ("gbk", "gb2312", "gb18030") else name
    head = path.open("rb").read(SNIFF_BYTES)
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return enc
    for enc in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(enc)().decode(head, final=len(head) < SNIFF_BYTES)
            return enc
        except UnicodeDecodeError:
            continue
    from charset_normalizer import from_bytes
    best = from_bytes(head).best()
    if best is None:
        raise InputError(path, "无法识别文件编码 (cannot detect the text encoding; save it as UTF-8 or GBK)")
    return best.encoding


TITLE_ROWS_MAX = 3


def _filled(cells) -> int:
    return sum(1 for c in cells if c not in (None, "") and str(c).strip())


def _past_titles(first: list, rest: Iterator[list]) -> tuple[list, int, Iterator[list]]:
    """Spreadsheets exported by departments often open with a title line (温州市…统计表) and blank
    lines above the real header. Rows with at most one filled cell are skipped when a row with more
    follows within TITLE_ROWS_MAX rows; otherwise (a one-column table) nothing is skipped.
    Returns (header row, rows skipped, the remaining rows)."""
    if _filled(first) > 1:
        return first, 0, rest
    peeked = []
    for row in rest:
        peeked.append(row)
        if _filled(row) > 1:
            return row, len(peeked), rest
        if len(peeked) >= TITLE_ROWS_MAX:
            break
    return first, 0, itertools.chain(peeked, rest)


def _check_header(path: Path, header: list[str], row: int = 1) -> list[str]:
    header = [h.strip() for h in header]
    problems = [f"第{i + 1}列表头为空 (blank header in column {i + 1})" for i, h in enumerate(header) if not h]
    seen: set[str] = set()
    for h in header:
        if h and h in seen:
            problems.append(f"表头 '{h}' 重复 (duplicate header)")
        seen.add(h)
    if problems:
        raise InputError(path, "; ".join(problems), row=row)
    return header


def _undecodable_line(path: Path, encoding: str) -> int | None:
    """The first line holding bytes `encoding` cannot decode (found again only after decoding failed).

    Splitting bytes on newlines is safe for UTF-8 and GB18030/GBK (no trail byte is 0x0A); UTF-16 is not
    line-split, so no line is named there.
    """
    if encoding.startswith("utf-16"):
        return None
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as raw:
        for n, line in enumerate(raw, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError:
                return n
    return None


def _csv_rows(path: Path, encoding: str) -> tuple[list[str], Iterator[list[str]]]:
    # Decoded as a stream (far faster than line by line); a decoding error is traced to its line after.
    text = io.TextIOWrapper(path.open("rb"), encoding="utf-8" if encoding == "utf-8-sig" else encoding,
                            newline="")
    if encoding == "utf-8-sig":
        text.buffer.read(3)
    reader = csv.reader(text)

    def undecodable() -> InputError:
        return InputError(path, f"无法按 {encoding} 解码 (undecodable bytes for encoding {encoding})",
                          row=_undecodable_line(path, encoding))
    try:
        header = next(reader, None)
    except (UnicodeDecodeError, csv.Error) as e:
        text.close()
        if isinstance(e, UnicodeDecodeError):
            raise undecodable() from None
        raise InputError(path, f"CSV 格式错误 (malformed CSV: {e})", row=1)
    if header is None or not any(h.strip() for h in header):
        text.close()
        raise InputError(path, "文件为空或没有表头 (empty file or no header row)")
    try:
        header, skipped, remaining = _past_titles(header, reader)
    except (UnicodeDecodeError, csv.Error) as e:
        text.close()
        if isinstance(e, UnicodeDecodeError):
            raise undecodable() from None
        raise InputError(path, f"CSV 格式错误 (malformed CSV: {e})", row=reader.line_num)
    header = _check_header(path, header, 1 + skipped)

    def rows() -> Iterator[list[str]]:
        with text:
            try:
                for row in remaining:
                    if len(row) != len(header):
                        if not any(cell.strip() for cell in row):
                            continue  # blank line
                        raise InputError(path, f"该行有 {len(row)} 个字段，表头有 {len(header)} 个 "
                                               f"(ragged row: {len(row)} fields, header has {len(header)})",
                                         reader.line_num)
                    yield row
            except csv.Error as e:
                raise InputError(path, f"CSV 格式错误 (malformed CSV: {e})", row=reader.line_num)
            except UnicodeDecodeError:
                raise undecodable() from None
    return header, rows()


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ") if (v.hour, v.minute, v.second) != (0, 0, 0) else v.date().isoformat()
    if isinstance(v, (date, time)):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def _xlsx_rows(path: Path, sheet: str | None) -> tuple[list[str], Iterator[list[str]]]:
    import openpyxl
    from zipfile import BadZipFile
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as e:
        raise InputError(path, f"不是有效的 XLSX 文件 (not a valid XLSX workbook: {type(e).__name__})")
    if sheet and sheet not in wb.sheetnames:
        raise InputError(path, f"工作表 '{sheet}' 不存在 (sheet not found; sheets: {wb.sheetnames})")
    it = wb[sheet or wb.sheetnames[0]].iter_rows(values_only=True)
    first = next(it, None)
    if first is None or not any(v not in (None, "") for v in first):
        wb.close()
        raise InputError(path, "工作表为空或没有表头 (empty sheet or no header row)")
    first, skipped, it = _past_titles(first, it)
    # Trailing empty header cells are formatting residue, not columns.
    cells = [_cell_text(v) for v in first]
    while cells and not cells[-1].strip():
        cells.pop()
    header = _check_header(path, cells, 1 + skipped)

    def rows() -> Iterator[list[str]]:
        try:
            for n, values in enumerate(it, start=2 + skipped):
                row = [_cell_text(v) for v in values]
                extra = row[len(header):]
                if any(c.strip() for c in extra):
                    raise InputError(path, f"表头之外的列有数据 (data beyond the {len(header)} header columns)", n)
                row = (row + [""] * len(header))[:len(header)]
                if any(c.strip() for c in row):
                    yield row
        finally:
            wb.close()
    return header, rows()


def open_table(path: Path | str, encoding: str | None = None, sheet: str | None = None) -> Table:
    """Open a source file; raises InputError for a missing, empty or malformed file."""
    path = Path(path)
    if not path.is_file():
        raise InputError(path, "文件不存在 (file not found)")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        header, rows = _xlsx_rows(path, sheet)
        return Table(path, header, rows, "xlsx")
    if path.stat().st_size == 0:
        raise InputError(path, "文件为空 (empty file)")
    enc = detect_encoding(path, encoding)
    header, rows = _csv_rows(path, enc)
    return Table(path, header, rows, enc)


def read_header(path: Path | str, encoding: str | None = None, sheet: str | None = None) -> list[str]:
    table = open_table(path, encoding, sheet)
    if hasattr(table.rows, "close"):
        table.rows.close()
    return table.header
