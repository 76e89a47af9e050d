"""Apply a dataset's desensitization policy to a row stream, re-scan the result, and keep a report."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator

from metadata.schema import PERSONAL_KINDS, Record

from . import operators
from .detect import PERSONAL_ENTITIES, find

# What replaces a personal value found inside a cell that is not declared personal (safe default).
ENTITY_LABELS = {
    "PERSON": "姓名", "CN_RESIDENT_ID": "身份证号", "CN_MOBILE": "手机号码", "CN_LANDLINE": "电话",
    "BANK_CARD": "银行卡号", "EMAIL": "电子邮箱", "CN_PASSPORT": "护照号", "CN_HMT_PERMIT": "通行证号",
    "CN_LICENSE_PLATE": "车牌号", "CN_ADDRESS": "地址", "CN_FLOAT_ID": "身份证号",
}
MEMO_MAX_LEN = 40          # short cells repeat (categories, districts): remember their scan result
MEMO_MAX_ITEMS = 200_000   # bounded, so memory does not grow with the number of rows


class ResidualError(Exception):
    """Personal information remains after desensitization; names row and column, never the value."""


def redact_span(entity: str, text: str) -> str:
    """The safe default for a personal value found in a cell: keep only what cannot identify."""
    if entity == "CN_MOBILE":
        digits = "".join(ch for ch in text if ch.isdigit())
        return operators.mask(digits[-11:], keep_first=3, keep_last=4)
    return f"［{ENTITY_LABELS.get(entity, '个人信息')}］"


@dataclass
class ColumnReport:
    name: str
    declared: str | None
    rule: str
    found: Counter = field(default_factory=Counter)
    changed: int = 0


@dataclass
class Report:
    dataset: str
    columns: list[ColumnReport]
    rows: int = 0
    residual: str = "not run"

    def as_dict(self) -> dict:
        return {
            "dataset": self.dataset, "rows": self.rows, "residual_scan": self.residual,
            "columns": [{"name": c.name, "declared_personal": c.declared, "rule": c.rule,
                         "found": dict(c.found), "cells_changed": c.changed} for c in self.columns],
        }

    def as_text(self) -> str:
        lines = [f"数据集 {self.dataset}: {self.rows} 行; 残留扫描: {self.residual}"]
        for c in self.columns:
            found = ", ".join(f"{ENTITY_LABELS.get(k, k)}×{v}" for k, v in c.found.items()) or "无"
            lines.append(f"- {c.name}: 规则 {c.rule}; 发现 {found}; 改动 {c.changed} 格")
        return "\n".join(lines)


class Scanner:
    """find() with a bounded memo for short cells, counting findings of personal entities only."""

    def __init__(self):
        self.memo: dict[str, list] = {}

    def personal(self, text: str) -> list:
        if not text:
            return []
        short = len(text) <= MEMO_MAX_LEN
        if short and text in self.memo:
            return self.memo[text]
        hits = [f for f in find(text) if f.entity in PERSONAL_ENTITIES]
        if short:
            if len(self.memo) >= MEMO_MAX_ITEMS:
                self.memo.clear()
            self.memo[text] = hits
        return hits


def redact(text: str, hits: list) -> str:
    out, pos = [], 0
    for f in sorted(hits, key=lambda f: f.start):
        out.append(text[pos:f.start])
        out.append(redact_span(f.entity, text[f.start:f.end]))
        pos = f.end
    out.append(text[pos:])
    return "".join(out)


def _column_functions(header: list[str], record: Record | None, key: bytes | None):
    """Per source column: (declared kind, rule name, value function or None when dropped)."""
    pseudonymizer = operators.Pseudonymizer(key) if key else None
    funcs = []
    for name in header:
        col = record.column(name) if record else None
        if col is None or col.rule.op == "keep":
            funcs.append((None, "keep+scan", "scan"))
            continue
        try:
            fn = operators.make(col.rule.op, col.rule.params, pseudonymizer, col.personal)
        except operators.PolicyError as e:
            raise operators.PolicyError(f"列 '{name}' 的规则: {e}") from None
        funcs.append((col.personal, col.rule.op, fn))
    return funcs


def desensitize(header: list[str], rows: Iterator[list[str]], record: Record | None = None,
                key: bytes | None = None, dataset: str = "-") -> tuple[list[str], Iterator[list[str]], Report]:
    """Return (output header, output rows, report); rows are produced lazily, the report fills as they go.

    Declared columns get their rule; every other cell is scanned and personal spans are redacted (safe
    default for anything detected but not declared). Each output row is re-scanned; a remaining finding
    raises ResidualError naming the row and column.
    """
    funcs = _column_functions(header, record, key)
    keep_idx = [i for i, (_, _, fn) in enumerate(funcs) if fn is not None]
    out_header = [header[i] for i in keep_idx]
    report = Report(dataset, [ColumnReport(header[i], funcs[i][0], funcs[i][1]) for i in range(len(header))])
    scanner = Scanner()
    # A pseudonymized column holds realistic surrogates by design: the re-scan ignores that one entity.
    exempt = {i: PERSONAL_KINDS.get(funcs[i][0] or "") for i in keep_idx if funcs[i][1] == "pseudonymize"}

    def process() -> Iterator[list[str]]:
        for n, row in enumerate(rows, start=2):
            out = []
            for i in keep_idx:
                value, (_, _, fn), rep = row[i], funcs[i], report.columns[i]
                if fn == "scan":
                    hits = scanner.personal(value)
                    if hits:
                        rep.found.update(f.entity for f in hits)
                        rep.changed += 1
                        value = redact(value, hits)
                else:
                    new = fn(value)
                    if value:
                        rep.found[PERSONAL_KINDS.get(rep.declared or "", "DECLARED")] += 1
                        rep.changed += new != value
                    value = new
                out.append(value)
            _residual(scanner, out, out_header, keep_idx, exempt, n)
            report.rows += 1
            yield out
        report.residual = "通过 (passed: nothing personal remains)"
    return out_header, process(), report


def _residual(scanner: Scanner, out: list[str], out_header: list[str], keep_idx: list[int],
              exempt: dict, row_no: int) -> None:
    for j, value in enumerate(out):
        hits = scanner.personal(value)
        allowed = exempt.get(keep_idx[j])
        if any(f.entity != allowed for f in hits):
            entity = next(f.entity for f in hits if f.entity != allowed)
            raise ResidualError(f"第{row_no}行 列'{out_header[j]}' 脱敏后仍含{ENTITY_LABELS.get(entity, entity)} "
                                f"(row {row_no}, column '{out_header[j]}': {entity} remains after desensitization)")
