"""Read a department's raw table (CSV/TSV in any common encoding, or XLSX) as a header and a row stream."""
from __future__ import annotations

import bisect
import codecs
import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Iterator

from . import layout

FIELD_LIMIT = 10 * 1024 * 1024  # free-text cells can be long; the default 128 KB is not enough
csv.field_size_limit(FIELD_LIMIT)
SNIFF_BYTES = 1 << 20
DELIMITERS = (",", "\t", ";", "|")
# Control characters have no place in a published cell (NUL, bell, form feed, escape, DEL); tab and line
# breaks do (free text). They are removed and counted per column in the notes.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same as bytes, for a one-pass check of each block read (0 marks a control byte). In UTF-8 and
# GB18030 these bytes are never part of another character; UTF-16 always trips it (rows are then checked).
_CONTROL_BYTES = bytes(0 if b in (*range(9), 11, 12, *range(14, 32), 127) else 1 for b in range(256))
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"   # old Excel (.xls), Word, ... compound files
_ZIP_MAGIC = b"PK\x03\x04"


class InputError(Exception):
    """A source file cannot be read; names the file, the row (1-based, as in the source) and the problem.

    Messages name columns by position only: a cell's text may be a person's data."""

    def __init__(self, path: Path | str, problem: str, row: int | None = None):
        self.path, self.problem, self.row = str(path), problem, row
        super().__init__(f"{self.path} {self.located}" if row else f"{self.path}: {problem}")

    @property
    def located(self) -> str:
        """The problem with its row, without the file's path (for messages that name the file otherwise)."""
        return f"第{self.row}行 (row {self.row}): {self.problem}" if self.row else self.problem


@dataclass
class ReadNotes:
    """What the reader did to the file beyond parsing it; filled as the rows are read."""
    delimiter: str = ","
    sheet: str | None = None                 # set when not the first sheet
    skipped_above: list[int] = field(default_factory=list)    # source rows above the header
    header_rows: list[int] = field(default_factory=list)
    skipped_below: list[int] = field(default_factory=list)    # note lines after the last record
    control_chars: Counter = field(default_factory=Counter)   # column name -> characters removed
    anchors: list[tuple[int, int]] = field(default_factory=list)  # (data row index, its source row) at jumps

    def source_row(self, n: int) -> int:
        """The source row of output line n (header = 1, first data row = 2), as a message should name it."""
        at = bisect.bisect_right(self.anchors, (n - 2, float("inf"))) - 1
        if at < 0:
            return n
        k, num = self.anchors[at]
        return num + (n - 2 - k)

    def as_dict(self) -> dict:
        return {"delimiter": self.delimiter, "sheet": self.sheet, "rows_skipped_above_header": self.skipped_above,
                "header_rows": self.header_rows, "rows_skipped_below_table": self.skipped_below,
                "control_characters_removed": dict(self.control_chars)}

    def as_text(self) -> list[str]:
        lines = []
        if self.delimiter != ",":
            lines.append(f"分隔符 (delimiter): {'TAB' if self.delimiter == chr(9) else self.delimiter}")
        if self.sheet:
            lines.append(f"读取工作表 {self.sheet}：第一个含表格的工作表 (sheet {self.sheet}: the first that holds a table)")
        if self.skipped_above:
            lines.append(f"表头上方跳过 {len(self.skipped_above)} 行 (title/caption/blank rows skipped above the "
                         f"header): 第{_spans(self.skipped_above)}行")
        if len(self.header_rows) > 1:
            lines.append(f"两行表头合并为一行 (two header lines joined): 第{_spans(self.header_rows)}行")
        if self.skipped_below:
            lines.append(f"表格下方跳过 {len(self.skipped_below)} 行注释 (note lines skipped below the table): "
                         f"第{_spans(self.skipped_below)}行")
        for name, n in self.control_chars.items():
            lines.append(f"列 '{name}' 删除了 {n} 个控制字符 (control characters removed)")
        return lines


def _spans(rows: list[int]) -> str:
    parts, start = [], None
    for k, r in enumerate(rows):
        if start is None:
            start = r
        if k + 1 == len(rows) or rows[k + 1] != r + 1:
            parts.append(str(start) if start == r else f"{start}-{r}")
            start = None
    return ",".join(parts)


@dataclass
class Table:
    path: Path
    header: list[str]
    rows: Iterator[list[str]]      # data rows, each as long as the header, as text
    encoding: str                  # detected or declared; "xlsx" for workbooks
    notes: ReadNotes = field(default_factory=ReadNotes)
    source: object = None          # what rows reads from; closed when rows ends, or by close()

    def close(self) -> None:
        """Stop reading before the end (the rows then raise StopIteration)."""
        self.rows.close()
        if self.source is not None:
            self.source.close()


def _col(j: int) -> str:
    """Column j (0-based) as the user finds it: its number and its spreadsheet letter."""
    letters, n = "", j + 1
    while n:
        n, r = divmod(n - 1, 26)
        letters = chr(65 + r) + letters
    return f"第{j + 1}列 (column {j + 1}, {letters})"


def _utf16_without_bom(head: bytes) -> str | None:
    """UTF-16 saved without a BOM: ASCII characters (digits, commas, line breaks) leave a zero byte on one side."""
    sample = head[:4096]
    if len(sample) < 16:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    half = len(sample) // 2
    for zeros, other, enc in ((odd, even, "utf-16-le"), (even, odd, "utf-16-be")):
        if zeros > half // 10 and other * 10 < zeros:
            try:
                sample[:len(sample) // 2 * 2].decode(enc)
                return enc
            except UnicodeDecodeError:
                pass
    return None


def detect_encoding(path: Path, declared: str | None = None) -> str:
    """BOM first, UTF-16 by its zero bytes, then strict UTF-8, then GB18030 (a superset of GBK/GB2312),
    then charset-normalizer."""
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            raise InputError(path, f"未知编码 '{declared}' (unknown encoding)") from None
        # GBK files from departments often hold characters only GB18030 has: read them as GB18030.
        return "gb18030" if name in ("gbk", "gb2312", "gb18030") else name
    with path.open("rb") as f:
        head = f.read(SNIFF_BYTES)
    for bom, enc in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                     (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return enc
    utf16 = _utf16_without_bom(head)
    if utf16:
        return utf16
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


def sniff_delimiter(text: str, suffix: str) -> str:
    """The delimiter that cuts most lines of the sample into the same number (two or more) of fields.
    Comma wins ties (tab for .tsv), so a comma file with stray tabs or semicolons stays a comma file."""
    lines = text.splitlines(keepends=True)
    hint = re.fullmatch(r"sep=(.)\r?\n?", lines[0]) if lines else None   # Excel's own delimiter line
    if hint:
        return hint.group(1)
    if len(lines) > 1:
        lines = lines[:-1]   # the sample may end inside a line
    sample = "".join(lines[:200])
    order = ("\t", ",", ";", "|") if suffix == ".tsv" else DELIMITERS
    best, best_score = order[0], 0
    for d in order:
        if d not in sample:
            continue
        try:
            widths = Counter(len(r) for r in csv.reader(io.StringIO(sample), delimiter=d) if len(r) > 1)
        except csv.Error:
            continue
        score = max(widths.values(), default=0)
        if score > best_score:
            best, best_score = d, score
    return best


def _check_header(path: Path, header: list[str], row: int, left: int = 0) -> list[str]:
    """Every column named, once; `left` empty margin columns come before the header's first."""
    problems = [f"{_col(left + j)}表头为空 (blank header)" for j, h in enumerate(header) if not h]
    seen: dict[str, int] = {}
    for j, h in enumerate(header, start=left):  # positions only: a cell's text may be a person's data
        if h and h in seen:
            problems.append(f"{_col(j)}表头与第{seen[h] + 1}列重复 (duplicate header: column {j + 1} repeats "
                            f"column {seen[h] + 1})")
        seen.setdefault(h, j)
    if problems:
        raise InputError(path, "; ".join(problems), row=row)
    return header


def _clean(row: list[str], header: list[str], notes: ReadNotes) -> list[str]:
    out = []
    for j, c in enumerate(row):
        cleaned, n = _CONTROL.subn("", c)
        if n:
            notes.control_chars[header[j] if j < len(header) else f"#{j + 1}"] += n
        out.append(cleaned)
    return out


class _Rows:
    """Turns source records into data rows as wide as the header: drops blank lines, holds note-like lines
    back until a record follows (after the last record they are a footer, skipped and reported)."""

    def __init__(self, path: Path, header: list[str], notes: ReadNotes, strict_width: bool, left: int = 0):
        self.path, self.header, self.notes, self.n, self.left = path, header, notes, len(header), left
        self.cleaned_names = [""] * left + header   # control characters are counted before the margin goes
        self.strict_width = strict_width     # CSV: a short row is broken; XLSX: blank trailing cells
        self.pending: list[tuple[int, list[str]]] = []

    def fit(self, num: int, row: list[str]) -> list[str]:
        n = self.n
        if len(row) > n:
            extra = next((j for j in range(n, len(row)) if row[j].strip()), None)
            if extra is not None and self.strict_width:
                raise InputError(self.path, f"该行有 {len(row)} 个字段，表头有 {n} 个，"
                                            f"{_col(self.left + extra)}有数据 (ragged row: {len(row)} fields, "
                                            f"header has {n})", num)
            if extra is not None:
                raise InputError(self.path, f"{_col(self.left + extra)}在表头之外有数据 (data beyond the {n} header "
                                            f"columns)", num)
            return row[:n]
        if len(row) < n:
            if self.strict_width:
                multi = next((j for j, c in enumerate(row) if "\n" in c), None)
                if multi is not None:
                    raise InputError(self.path, f"{_col(self.left + multi)}的引号未闭合，该字段吞并了后面的行 "
                                                f"(unclosed quote: the quoted field opening here runs over the "
                                                f"following lines)", num)
                raise InputError(self.path, f"该行有 {len(row)} 个字段，表头有 {n} 个 "
                                            f"(ragged row: {len(row)} fields, header has {n})", num)
            return row + [""] * (n - len(row))
        return row

    def _step(self, num: int, row: list[str], k: int) -> list[list[str]]:
        """The data rows this record releases (none, itself, or held note-like lines and itself); k is the
        number of data rows yielded before them."""
        if not any(c.strip() for c in row):
            return []
        if self.left:       # the table starts right of empty margin columns: they must stay empty
            margin = next((j for j in range(min(self.left, len(row))) if row[j].strip()), None)
            if margin is not None:
                raise InputError(self.path, f"{_col(margin)}在表格左边的空列中有数据 (data left of the table's "
                                            f"first column)", num)
            row = row[self.left:]
        if not self.strict_width and len(row) < self.n:   # a sheet row ends at its last cell
            row = row + [""] * (self.n - len(row))
        if layout.note_like(row, self.n):
            self.pending.append((num, row))
            return []
        self.pending.append((num, row))
        return self._release(k)

    def _release(self, k: int) -> list[list[str]]:
        """The held lines as data rows; k data rows came before them."""
        out, anchors = [], self.notes.anchors
        for p, r in self.pending:
            out.append(self.fit(p, r))
            if not anchors or anchors[-1][1] + (k - anchors[-1][0]) != p:
                anchors.append((k, p))      # the numbering jumps here (a skipped line)
            k += 1
        self.pending.clear()
        return out

    def stream(self, first: list[tuple[int, list[str]]], source) -> Iterator[list[str]]:
        """`first`: (row number, cells) read with the header; then the source's records, numbered only
        where a message or a note needs it."""
        n, pending, watch, where = self.n, self.pending, source.watch, source.where
        k = 0   # data rows yielded: notes.source_row maps them back to source rows
        try:
            for num, row in first:
                out = self._step(num, row, k)
                k += len(out)
                yield from out
            for row in source.records:
                if len(row) == n and not pending and not watch.seen:
                    filled = n - row.count("")
                    if filled > 3 or (filled > 1 and 2 * filled >= n):
                        k += 1
                        yield row               # the common case, kept cheap
                        continue
                if watch.seen:
                    row = _clean(row, self.cleaned_names, self.notes)
                out = self._step(where(row), row, k)
                k += len(out)
                yield from out
            if pending and (k == 0 or len(pending) > layout.FOOTER_MAX):   # sparse records, not a footer
                yield from self._release(k)
            self.notes.skipped_below = [num for num, _ in pending]
        except (csv.Error, UnicodeDecodeError) as e:
            raise source.error(e) from None
        finally:
            source.close()


def _quote_column(line: str, delimiter: str) -> int | None:
    """The field (0-based) of `line` whose opening quote is not closed before the line ends."""
    j, i, n = 0, 0, len(line)
    while i < n:
        if line[i] == '"':
            i += 1
            while True:
                q = line.find('"', i)
                if q < 0:
                    return j
                if line.startswith('""', q):
                    i = q + 2
                    continue
                i = q + 1
                break
        nxt = line.find(delimiter, i)
        if nxt < 0:
            return None
        j, i = j + 1, nxt + 1
    return None


class _ControlWatch(io.RawIOBase):
    """A binary file passed through unchanged, noting whether any block read held a control byte."""

    def __init__(self, raw):
        self.raw, self.seen = raw, False

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self.raw.read(len(b))
        b[:len(data)] = data
        if not self.seen and 0 in data.translate(_CONTROL_BYTES):
            self.seen = True
        return len(data)

    def close(self) -> None:
        self.raw.close()
        super().close()


class _CsvSource:
    """A CSV file's records, decoded as a stream; the line a record starts on is worked out only on demand."""

    def __init__(self, path: Path, encoding: str, delimiter: str):
        self.path, self.encoding, self.delimiter = path, encoding, delimiter
        self.watch = _ControlWatch(path.open("rb"))
        self.text = io.TextIOWrapper(io.BufferedReader(self.watch, 1 << 20), newline="",
                                     encoding="utf-8" if encoding == "utf-8-sig" else encoding)
        if encoding == "utf-8-sig":
            self.text.buffer.read(3)
        self.reader = csv.reader(self.text, delimiter=delimiter, strict=True)
        self.records = self.reader

    def where(self, row: list[str]) -> int:
        """The source line the record just read starts on (its cells may hold line breaks)."""
        return self.reader.line_num - sum(c.count("\n") + c.count("\r") - c.count("\r\n") for c in row)

    def error(self, e: Exception) -> InputError:
        if isinstance(e, UnicodeDecodeError):
            line, j = _undecodable_at(self.path, self.encoding, self.delimiter)
            return InputError(self.path, f"{_col(j) if j is not None else ''}无法按 {self.encoding} 解码 "
                                         f"(undecodable bytes for encoding {self.encoding})", row=line)
        at = self.reader.line_num
        opened = self._open_quote(at)
        if opened:
            line, j = opened
            return InputError(self.path, f"{_col(j)}的引号未闭合 (unclosed quote: the quoted field opening at "
                                         f"row {line}, column {j + 1} does not end where a field can end)", line)
        if "field larger" in str(e):
            return InputError(self.path, f"字段超过 {FIELD_LIMIT // (1024 * 1024)} MB (a field is larger than "
                                         f"{FIELD_LIMIT // (1024 * 1024)} MB)", at)
        return InputError(self.path, f"CSV 格式错误 (malformed CSV: {e})", at)

    def _open_quote(self, upto: int) -> tuple[int, int] | None:
        """(line, field) of a quote still open at line `upto`: quotes are counted line by line (a doubled
        quote counts twice, so an odd count opens or closes a quoted field across lines)."""
        opened = None
        with open(self.path, encoding=self.encoding, errors="replace", newline="") as f:
            for k, line in enumerate(f, start=1):
                if line.count('"') % 2:
                    opened = None if opened else (k, line)
                if k >= upto:
                    break
        if opened is None:
            return None
        j = _quote_column(opened[1], self.delimiter)
        return (opened[0], j) if j is not None else None

    def close(self) -> None:
        self.text.close()


def _undecodable_at(path: Path, encoding: str, delimiter: str) -> tuple[int | None, int | None]:
    """(line, field) of the first bytes `encoding` cannot decode (found again only after decoding failed).

    Splitting bytes on newlines is safe for UTF-8 and GB18030/GBK (no trail byte is 0x0A); UTF-16 is not
    line-split, so no line is named there. The field is counted on that line alone.
    """
    if encoding.startswith("utf-16"):
        return None, None
    decoder = codecs.getincrementaldecoder(encoding)()
    with path.open("rb") as raw:
        for n, line in enumerate(raw, start=1):
            try:
                decoder.decode(line)
            except UnicodeDecodeError as e:
                before = line[:e.start].decode(encoding, errors="replace")
                return n, len(next(csv.reader([before], delimiter=delimiter), [""])) - 1
    return None, None


def _header_text(name: str) -> str:
    """A header cell as a column name: a BOM left in it removed; a line break typed into the cell
    (身份证\n号码) joins Chinese text directly and other text with a space."""
    name = name.replace("\ufeff", "").strip()
    return re.sub(r"(.)\s*[\r\n]+\s*(.)", lambda m: m[1] + ("" if max(m[1], m[2]) > "\u2e7f" else " ") + m[2], name)


def _take_header(path: Path, source, notes: ReadNotes) -> tuple[list[str], list[tuple[int, list[str]]], int] | None:
    """Read the first rows and find the header in them: returns (header, the rows read after it, control
    characters removed, the number of empty margin columns left of it), or None when no cell is filled."""
    window: list[tuple[int, list[str]]] = []
    try:
        for row in source.records:
            if any(c.strip() for c in row):     # blank lines do not count: a sheet may start far down
                window.append((source.where(row), row))
                if len(window) >= layout.WINDOW_ROWS:
                    break
    except (csv.Error, UnicodeDecodeError) as e:
        raise source.error(e) from None
    left = min((layout.filled(r)[0] for _, r in window), default=0)    # empty margin columns (A, ...)
    found = layout.find_header([r[left:] for _, r in window])
    if found is None:
        return None
    nums = [num for num, _ in window]
    notes.skipped_above = list(range(1, nums[found.start]))
    notes.header_rows = nums[found.start:found.data_start]
    names = [_header_text(n) for n in _clean(found.names, found.names, notes)]
    header = _check_header(path, names, nums[found.start], left)
    return header, [(num, _clean(row, [""] * left + header, notes)) for num, row in window[found.data_start:]], left


def _csv_table(path: Path, encoding: str) -> Table:
    with path.open("rb") as f:
        head = codecs.getincrementaldecoder(encoding)(errors="replace").decode(f.read(1 << 16))
    notes = ReadNotes(delimiter=sniff_delimiter(head.lstrip("\ufeff"), path.suffix.lower()))
    src = _CsvSource(path, encoding, notes.delimiter)
    try:
        found = _take_header(path, src, notes)
        if found is None:
            raise InputError(path, "文件为空或没有表头 (empty file or no header row)")
    except BaseException:
        src.close()
        raise
    header, rest, left = found
    return Table(path, header, _Rows(path, header, notes, True, left).stream(rest, src), encoding, notes,
                 src)


def _cell_text(v) -> str:
    if v is None:
        return ""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, datetime):
        return v.isoformat(sep=" ") if (v.hour, v.minute, v.second) != (0, 0, 0) else v.date().isoformat()
    if isinstance(v, (date, time)):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return str(v)


def _xlsx_table(path: Path, sheet: str | None) -> Table:
    import openpyxl
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:   # openpyxl raises many kinds for a broken workbook; none should be a traceback
        raise InputError(path, f"不是有效的 XLSX 文件 (not a valid XLSX workbook: {type(e).__name__})") from None
    try:
        return _xlsx_open_sheet(path, wb, sheet)
    except BaseException:
        wb.close()
        raise


class _Checked:
    """A watch that has always seen a control character."""
    seen = True     # workbook cells are checked for control characters one by one (reading them is slow anyway)


class _XlsxSource:
    """A worksheet's rows as text, numbered as the sheet numbers them."""
    watch = _Checked()

    def __init__(self, path: Path, ws, close):
        self.path, self.num, self.close = path, 0, close
        self.records = self._rows(ws)

    def _rows(self, ws) -> Iterator[list[str]]:
        # A sheet's stated size can span thousands of empty formatted columns, and every row would be padded
        # to it: read each row only as far as its own last cell (shorter rows are padded to the header).
        if hasattr(ws, "reset_dimensions"):
            ws.reset_dimensions()
        try:
            for self.num, values in enumerate(ws.iter_rows(values_only=True), start=1):
                yield [_cell_text(v) for v in values]
        except Exception as e:   # a broken sheet part: whatever openpyxl raises, one clear message
            raise InputError(self.path, f"工作表无法读取 (the sheet cannot be read: {type(e).__name__})",
                             self.num + 1) from None

    def where(self, row: list[str]) -> int:
        return self.num

    def error(self, e: Exception) -> InputError:
        return InputError(self.path, f"工作表无法读取 (the sheet cannot be read: {type(e).__name__})", self.num)


def _xlsx_open_sheet(path: Path, wb, sheet: str | None) -> Table:
    sheets = wb.worksheets
    if not sheets:
        raise InputError(path, "工作簿中没有工作表 (the workbook has no worksheets)")
    if sheet is not None:
        if sheet not in wb.sheetnames or wb[sheet] not in sheets:
            raise InputError(path, f"工作表 '{sheet}' 不存在 (sheet not found; the workbook has "
                                   f"{len(sheets)} sheets)")
        candidates = [wb[sheet]]
    else:
        candidates = sheets
    chosen = None
    for ws in candidates:
        notes, src = ReadNotes(), _XlsxSource(path, ws, wb.close)
        found = _take_header(path, src, notes)
        if found is None:
            continue        # an empty sheet: the next one, unless one was named
        if chosen is None:
            chosen = (ws, notes, src, found)
        if len(found[0]) > 1:   # a table, not a sheet of explanations (填报说明) in one column
            chosen = (ws, notes, src, found)
            break
    if chosen is None:
        raise InputError(path, "工作表为空或没有表头 (empty sheet or no header row)" if sheet or len(sheets) == 1
                         else f"全部 {len(sheets)} 个工作表都是空的 (every sheet is empty)")
    ws, notes, src, (header, rest, left) = chosen
    if ws is not candidates[0]:
        notes.sheet = f"#{sheets.index(ws) + 1}"
    return Table(path, header, _Rows(path, header, notes, False, left).stream(rest, src), "xlsx", notes,
                 src)


def _kind(path: Path) -> str:
    """"xlsx", "xls" or "text", from the file's first bytes (a renamed file is read as what it is)."""
    with path.open("rb") as f:
        magic = f.read(8)
    if magic == _OLE_MAGIC or path.suffix.lower() in (".xls", ".et"):
        return "xls"
    if magic.startswith(_ZIP_MAGIC) or path.suffix.lower() in (".xlsx", ".xlsm"):
        return "xlsx"
    return "text"


def open_table(path: Path | str, encoding: str | None = None, sheet: str | None = None) -> Table:
    """Open a source file; raises InputError for a missing, empty or malformed file."""
    path = Path(path)
    if path.is_dir():
        raise InputError(path, "这是一个目录，不是文件 (is a directory: give a CSV, TSV or XLSX file)")
    if not path.exists():
        raise InputError(path, "文件不存在 (file not found)")
    if not path.is_file():
        raise InputError(path, "不是普通文件 (not a regular file)")
    if path.stat().st_size == 0:
        raise InputError(path, "文件为空 (empty file)")
    kind = _kind(path)
    if kind == "xls" and path.suffix.lower() in (".xlsx", ".xlsm"):   # Excel keeps encrypted workbooks in one
        raise InputError(path, "工作簿已加密，或是改名的旧版 .xls 文件；请取消密码，或另存为 .xlsx 或 CSV (an encrypted "
                               "workbook or a renamed old .xls: remove the password, or save it as .xlsx or CSV)")
    if kind == "xls":
        raise InputError(path, "不支持旧版 Excel (.xls) 文件，请在 Excel/WPS 中另存为 .xlsx 或 CSV (old Excel .xls is "
                               "not supported: save it as .xlsx or CSV)")
    if kind == "xlsx":
        return _xlsx_table(path, sheet)
    enc = detect_encoding(path, encoding)
    return _csv_table(path, enc)


def read_header(path: Path | str, encoding: str | None = None, sheet: str | None = None) -> list[str]:
    table = open_table(path, encoding, sheet)
    table.close()
    return table.header
