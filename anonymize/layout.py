"""Find a department table's header by its shape: title, unit and note lines around it, one or two header lines."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

WINDOW_ROWS = 60        # rows read before the header is chosen (titles and notes sit in the first few)
FOOTER_MAX = 10         # note lines after the last record; more such lines are sparse records, kept
HEADER_CELL_MAX = 40    # a column name is short; a title or a note is a sentence
GROUP_JOIN = "_"

# "填报单位（盖章）：某局", "单位：元", "填报日期: 2024-06-30": a short label (bracketed asides allowed), a
# colon outside brackets, a value. "金额（单位：元）" is a column name, not a caption.
_LABELLED = re.compile(r"(?:[^\d：:（(【\[]|（[^）]*）|\([^)]*\)|【[^】]*】){1,20}[：:]\s*\S")
# Values, not names: numbers (1,234.56, -3, 12%), dates (2024-06-30, 2024/6/30), long digit strings (IDs).
_NUMERIC = re.compile(r"[+\-]?[\d,]*\.?\d+%?|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}.*|[\dXx\s\-]{6,}")


@dataclass(frozen=True)
class Layout:
    start: int          # index (in the window) of the first header line
    lines: int          # 1, or 2 for a group line over the column names
    names: list[str]    # column names; "" where the file names none (reported by the reader)
    width: int          # data width the header was matched against

    @property
    def data_start(self) -> int:
        return self.start + self.lines


def filled(row: list[str]) -> list[int]:
    return [j for j, c in enumerate(row) if c and c.strip()]


def _extent(row: list[str]) -> int:
    f = filled(row)
    return f[-1] + 1 if f else 0


def _labelled(cell: str) -> bool:
    return bool(_LABELLED.match(cell.strip()))


def _meta(row: list[str], idx: list[int]) -> bool:
    """A caption line (填报单位：…, 单位：元): at least half of its filled cells are 'label：value'."""
    return bool(idx) and 2 * sum(_labelled(row[j]) for j in idx) >= len(idx)


_YEAR = re.compile(r"(19|20)\d\d")    # a year heads a column in statistical tables (地区,2024,2025)


def _namelike(cell: str) -> bool:
    s = cell.strip()
    return len(s) <= HEADER_CELL_MAX and (not _NUMERIC.fullmatch(s) or bool(_YEAR.fullmatch(s)))


def _texty(row: list[str], idx: list[int]) -> bool:
    """Mostly short non-numeric text, as a line of column names is."""
    return bool(idx) and 5 * sum(_namelike(row[j]) for j in idx) >= 4 * len(idx)


def note_like(row: list[str], width: int) -> bool:
    """A line that is not a record of a table `width` wide: a note (注：…), a signature line (制表人：…)."""
    idx = filled(row)
    if len(idx) <= 1:   # one cell: a note starts at the left (a sparse record may fill any one column)
        return idx == [0] and (width >= 3 or len(row) < width)
    return len(idx) <= 3 and 2 * len(idx) < width and all(_labelled(row[j]) for j in idx)


def data_width(window: list[list[str]]) -> int:
    """The table's width: the widest row that has two or more cells and is not a caption line."""
    widths = [_extent(r) for r in window if len(filled(r)) >= 2 and not _meta(r, filled(r))]
    return max(widths, default=1 if any(filled(r) for r in window) else 0)


def _groups_start_spans(upper: list[str], width: int) -> bool:
    """Each filled cell of a group line is followed by at least one blank (the rest of its merged span)."""
    idx = [j for j in filled(upper) if j < width]
    return all(j + 1 < width and not (upper[j + 1] or "").strip() for j in idx)


def _two_line(upper: list[str], lower: list[str], width: int) -> bool:
    """`upper` holds group names over merged (blank) cells and `lower` the column names under them."""
    up, low = set(filled(upper)), set(filled(lower))
    if not low or not _texty(lower, sorted(low)) or not set(range(width)) <= up | low or not low - up:
        return False
    if up - low:    # some columns named only above (merged down over both lines): lower names only
        return all(j not in up or j + 1 in low - up for j in low)      # under a group's span
    return 2 * len(up) <= width and _groups_start_spans(upper, width)


def _repeated_group(upper: list[str], lower: list[str]) -> bool:
    """A group name written into every cell of its merged span (some exports fill merged cells) over
    the column names: the repeated cells, and only they, have a name below."""
    names = [c.strip() for c in upper]
    repeated = {j for j in filled(upper) if names.count(names[j]) > 1}
    low = set(filled(lower))
    return bool(repeated) and low == repeated and _texty(lower, sorted(low))


def _joined(upper: list[str], lower: list[str], width: int) -> list[str]:
    """Column names of a two-line header: the lower name; the upper one where the lower is blank; the group
    name joined in front (考试成绩_笔试成绩) where the lower name alone repeats in the row."""
    up = [(upper[j] if j < len(upper) else "").strip() for j in range(width)]
    low = [(lower[j] if j < len(lower) else "").strip() for j in range(width)]
    repeats = Counter(n for n in low if n) + Counter(u for u, n in zip(up, low) if u and not n)
    names, group = [], ""
    for j in range(width):
        if up[j]:
            group = up[j] if low[j] else ""   # a name over a blank lower cell spans one column only
        if not low[j]:
            names.append(up[j])
        elif group and repeats[low[j]] > 1:
            names.append(f"{group}{GROUP_JOIN}{low[j]}")
        else:
            names.append(low[j])
    return names


def find_header(window: list[list[str]]) -> Layout | None:
    """The first row (or pair of rows) that names every column of the data width, skipping title lines,
    caption lines (填报单位：…, 单位：元), blank and note lines above it. None when the window is empty."""
    width = data_width(window)
    if width == 0:
        return None
    for i, row in enumerate(window):
        idx = filled(row)
        if not idx or (width > 1 and (len(idx) <= 1 or _meta(row, idx))) or not _texty(row, idx):
            continue
        if set(range(width)) <= set(idx):
            if i + 1 < len(window) and _repeated_group(row, window[i + 1]):
                return Layout(i, 2, _joined(row, window[i + 1], width), width)
            return Layout(i, 1, [row[j].strip() for j in range(_extent(row))], width)
        if i + 1 < len(window) and _two_line(row, window[i + 1], width):
            return Layout(i, 2, _joined(row, window[i + 1], width), width)
        if 2 * len(idx) > width:        # names most columns: the header (blank names and cells to the
            return Layout(i, 1, [c.strip() for c in row[:_extent(row)]], width)   # right of it are reported)
    # No row looks like names (a table of one column, or of numbers): the first row as wide as most of the
    # data, else the first filled row.
    first = next((i for i, r in enumerate(window) if 2 * len(filled(r)) > width and not _meta(r, filled(r))),
                 next(i for i, r in enumerate(window) if filled(r)))
    return Layout(first, 1, [c.strip() for c in window[first][:_extent(window[first])]], width)
