"""Apply a dataset's desensitization policy to a row stream, re-scan the result, and keep a report."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path
from typing import Iterator

from metadata.schema import PERSONAL_KINDS, Record

from . import kanon, operators
from .headers import classify as header_match
from .parallel import OrderedPool, default_workers
from .chunk import ChunkResult, ColumnJob, run_chunk
from .scan import ENTITY_LABELS, SAMPLE_ROWS, Profile, Scanner, profile_table, redact, redact_span

__all__ = ["desensitize", "Report", "ColumnReport", "ResidualError", "redact", "redact_span", "Scanner"]

RESIDUAL_LISTED = 1000    # residual cells listed one by one in the report (all are counted)
CHUNK_ROWS = 1000          # rows per batch (and per worker task)
POOL_AFTER_ROWS = 5_000    # small tables never start worker processes
PSEUDONYM_STORE = "pseudonyms.sqlite"


class ResidualError(Exception):
    """Personal information remains where a declared rule (or strict_residual) forbids redacting it whole;
    names row, column and rule, never the value."""


@dataclass
class ColumnReport:
    name: str
    declared: str | None
    rule: str
    profile: str = ""
    organisational: tuple = ()
    found: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)
    changed: int = 0
    skipped: int = 0
    residual: Counter = field(default_factory=Counter)   # cells still flagged, then redacted whole

    def as_dict(self) -> dict:
        return {"name": self.name, "declared_personal": self.declared, "rule": self.rule,
                "profile": self.profile, "organisational_assertion": list(self.organisational),
                "found": dict(self.found), "kept_as_organisational": dict(self.kept),
                "cells_changed": self.changed, "cells_skipped_by_profile": self.skipped,
                "residual_redacted_whole": dict(self.residual)}


@dataclass
class Report:
    dataset: str
    columns: list[ColumnReport]
    rows: int = 0
    residual: str = "not run"
    k_anonymity: kanon.KReport | None = None
    recognizers: list = field(default_factory=list)         # custom recognizers (custom.Detector.summary)
    custom_cells: Counter = field(default_factory=Counter)  # custom entity -> cells in which it was redacted
    residual_cells: list = field(default_factory=list)  # {"row", "column", "entity"}: the first RESIDUAL_LISTED
    residual_total: int = 0

    def custom_recognizers(self) -> list[dict]:
        """Each custom recognizer with the number of cells in which its entity was redacted."""
        return [{**r, "cells_changed": self.custom_cells[r["entity"]]} for r in self.recognizers]

    def as_dict(self) -> dict:
        return {"dataset": self.dataset, "rows": self.rows, "residual_scan": self.residual,
                "residual_redacted_whole": {"cells": self.residual_total, "listed": self.residual_cells},
                "custom_recognizers": self.custom_recognizers(),
                "k_anonymity": self.k_anonymity.as_dict() if self.k_anonymity else None,
                "columns": [c.as_dict() for c in self.columns]}

    def as_text(self) -> str:
        lines = [f"数据集 {self.dataset}: {self.rows} 行; 残留扫描: {self.residual}"]
        if self.k_anonymity:
            k = self.k_anonymity
            lines.append(f"k-匿名 (k={k.k}, 准标识符 {', '.join(k.columns)}): {k.classes_below_k} 个等价类不足 k; "
                         f"泛化 {k.rows_generalized} 行, 隐去 {k.rows_suppressed} 行")
        for r in self.custom_recognizers():
            lines.append(f"自定义识别器 (custom recognizer) {r['name']}: 实体 {r['entity']} → ［{r['label']}］, "
                         f"改动 {r['cells_changed']} 格 ({r['source']})")
        for c in self.columns:
            found = ", ".join(f"{ENTITY_LABELS.get(k, k)}×{v}" for k, v in c.found.items()) or "无"
            line = f"- {c.name}: 规则 {c.rule}; 画像 {c.profile}; 发现 {found}; 改动 {c.changed} 格"
            if c.organisational:
                kept = ", ".join(f"{ENTITY_LABELS.get(k, k)}×{v}" for k, v in c.kept.items()) or "无"
                line += f"; 单位声明为机构信息: {'、'.join(c.organisational)} (保留 {kept})"
            if c.residual:
                rows = [str(x["row"]) for x in self.residual_cells if x["column"] == c.name][:10]
                more = " …" if sum(c.residual.values()) > len(rows) else ""
                line += (f"; 复扫仍有发现、整格隐去 {', '.join(f'{ENTITY_LABELS.get(k, k)}×{v}' for k, v in c.residual.items())}"
                         f" (第 {', '.join(rows)}{more} 行)")
            lines.append(line)
        return "\n".join(lines)


def _stop_rule(col, strict: bool) -> str:
    """Why a residual finding in this column stops the run ("" = redact the cell whole and go on).

    A declared rule that the data contradicts is the department's to fix, so the run names it: a column
    declared non-personal, or organisational, or whose declared operator leaves personal data behind.
    A column nobody declared (or declared free text, where the scanner is the rule) fails safe."""
    if col is not None:
        if col.organisational:
            return f"声明为机构信息 organisational: [{', '.join(col.organisational)}]"
        if col.rule.op != "keep":
            return f"声明规则 rule {col.rule.op} ({col.personal or '-'})"
        if not col.free_text and not col.personal:
            return "声明为非个人信息 declared non-personal (rule keep)"
    return "strict_residual" if strict else ""


def _column_functions(header: list[str], record: Record | None, pseudonymizer):
    """Per source column: (declared kind, rule name, value function; "scan" when kept, None when dropped)."""
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


def _needs_pseudonymizer(record: Record | None) -> bool:
    return bool(record) and any(c.rule.op == "pseudonymize" for c in record.columns)


def desensitize(header: list[str], rows: Iterator[list[str]], record: Record | None = None,
                key: bytes | None = None, dataset: str = "-", state_dir: Path | str | None = None,
                workers: int | None = None, defer_k: bool = False,
                strict_residual: bool | None = None, detector=None,
                row_of=None) -> tuple[list[str], Iterator[list[str]], Report]:
    """Return (output header, output rows, report); rows are produced lazily, the report fills as they go.

    Declared columns get their rule; every other cell is scanned (unless the column's profile, learned on
    a sample, says the cell's shape is safe) and personal spans are redacted, except kinds the column
    asserts are organisational. Changed cells are re-scanned; a cell still flagged is redacted whole with
    its entity's placeholder and listed in the report (row, column, entity). ResidualError (naming row,
    column and rule) is raised instead where a declared rule is contradicted (see _stop_rule), and
    everywhere when strict_residual (argument, else the record's) asks for today's refusal.
    Quasi-identifier columns are then made k-anonymous (Record.k_anonymity).
    state_dir: where the pseudonym mapping persists (keyed by HMAC), so surrogates agree across tables.
    detector: an anonymize.custom.Detector (a recognizer registry with custom recognizers, e.g. from YAML):
    they are scanned beside the built-in ones, in every cell and in the re-scan, and the report lists them.
    defer_k: rows stream out before k-anonymity is known and report.k_anonymity.decision must then be
    applied by the caller to what it wrote (portal.tables.write does); otherwise rows wait for the last.
    """
    pseudonymizer = None
    if key and _needs_pseudonymizer(record):
        store = Path(state_dir) / PSEUDONYM_STORE if state_dir else None
        if store:
            store.parent.mkdir(parents=True, exist_ok=True)
        pseudonymizer = operators.Pseudonymizer(key, store)
    funcs = _column_functions(header, record, pseudonymizer)
    cols = [record.column(h) if record else None for h in header]
    keep_idx = [i for i, (_, _, fn) in enumerate(funcs) if fn is not None]
    out_header = [header[i] for i in keep_idx]
    report = Report(dataset, [ColumnReport(header[i], funcs[i][0], funcs[i][1],
                                           organisational=tuple(c.organisational) if c else ())
                              for i, c in enumerate(cols)])
    sample = list(islice(rows, SAMPLE_ROWS))
    # A header names the entity only where the dataset has not examined the column (declared it
    # personal, or asserted kinds in it organisational); scan.profile_table reads the table as a whole.
    hints = [header_match(h) if not (c and c.organisational) else None for h, c in zip(header, cols)]
    profiles = profile_table(header, sample, hints, [bool(c and c.free_text) for c in cols],
                             [fn == "scan" for _, _, fn in funcs], keep_idx)
    for i, p in enumerate(profiles):
        report.columns[i].profile = p.describe()
    strict = bool(strict_residual if strict_residual is not None else getattr(record, "strict_residual", False))
    stops = [_stop_rule(c, strict) for c in cols]
    run = _Run(funcs, profiles, cols, keep_idx, out_header, report, pseudonymizer,
               default_workers() if workers is None else workers, stops)
    if row_of is not None:      # output line -> source row (the reader skipped title lines ...)
        run.row_of = row_of
    if detector is not None:
        run.use(detector)
    out = run.rows(chain(sample, rows))
    qi = [j for j, i in enumerate(keep_idx) if cols[i] and cols[i].quasi_identifier]
    if qi:
        report.k_anonymity = kanon.KReport(record.k_anonymity, [out_header[j] for j in qi])
        gens = [_generalizer(cols[keep_idx[j]]) for j in qi]
        out = (kanon.counting if defer_k else kanon.enforce)(out, qi, gens, report.k_anonymity)
    return out_header, out, report


def _generalizer(col):
    """The column's generalize rule as a function (None: the column can only be suppressed)."""
    if col.rule.op != "generalize":
        return None
    return operators.make("generalize", col.rule.params, None, col.personal)


class _Run:
    """The row loop. Pseudonyms are made here (one mapping, one store); every other column is done by
    chunk.run_chunk, inline for small tables and in worker processes once a table proves large."""

    def __init__(self, funcs, profiles, cols, keep_idx, out_header, report, pseudonymizer, workers, stops):
        self.funcs, self.keep_idx, self.report = funcs, keep_idx, report
        self.row_of = lambda n: n
        self.pseudonymizer, self.workers, self.stops = pseudonymizer, workers, stops
        self.scanner = Scanner()
        self.jobs = tuple(_job(funcs[i], profiles[i], cols[i], stops[i]) for i in keep_idx)
        self.given = [(j, i) for j, i in enumerate(keep_idx) if funcs[i][1] == "pseudonymize"]
        self.parallel = any(p.kind == "free_text" for p in profiles)

    detector = None  # anonymize.custom.Detector: custom recognizers beside the built-in scan

    def use(self, detector) -> None:
        """Scan with a registry's custom recognizers too; they take each column's name as context."""
        self.detector, self.scanner = detector, detector.scanner()
        self.jobs = tuple(replace(j, header=self.report.columns[i].name) for j, i in zip(self.jobs, self.keep_idx))
        self.report.recognizers = detector.summary()

    def rows(self, rows: Iterator[list[str]]) -> Iterator[list[str]]:
        pool = None
        try:
            row_no = 2
            for chunk in _chunks(rows, CHUNK_ROWS):
                if pool is None and self.workers > 1 and self.parallel and row_no - 2 >= POOL_AFTER_ROWS:
                    pool = OrderedPool(self.workers)
                batch = self._prepare(chunk)
                if pool is None:
                    yield from self._finish(run_chunk(self.jobs, batch, self.scanner), row_no)
                else:
                    for n, (result,) in pool.submit(row_no, [(run_chunk, (self.jobs, batch, None, self.detector))]):
                        yield from self._finish(result, n)
                row_no += len(chunk)
            if pool is not None:
                for n, (result,) in pool.drain():
                    yield from self._finish(result, n)
            n = self.report.residual_total
            self.report.residual = (f"通过: 复扫仍有发现的 {n} 格已整格隐去 (passed: {n} flagged cells redacted whole)"
                                    if n else "通过 (passed: nothing personal remains)")
        finally:
            if pool is not None:
                pool.close()
            if self.pseudonymizer is not None:
                self.pseudonymizer.close()

    def _prepare(self, chunk: list[list[str]]) -> list[list[str]]:
        """The kept columns of each row, pseudonymized columns already replaced (and counted) here."""
        keep = self.keep_idx
        batch = [[row[i] for i in keep] for row in chunk]
        for j, i in self.given:
            fn, rep = self.funcs[i][2], self.report.columns[i]
            declared = PERSONAL_KINDS.get(rep.declared or "", "DECLARED")
            column = [values[j] for values in batch]
            for values, value, new in zip(batch, column, fn.many(column)):
                if value:
                    values[j] = new
                    rep.found[declared] += 1
                    rep.changed += new != value
        return batch

    def _finish(self, result: ChunkResult, row_no: int) -> Iterator[list[str]]:
        for j, i in enumerate(self.keep_idx):
            rep = self.report.columns[i]
            rep.found.update(result.found[j])
            rep.kept.update(result.kept[j])
            rep.changed += result.changed[j]
            rep.skipped += result.skipped[j]
        self.report.custom_cells.update(result.custom_cells)
        for r, j, entity in result.residual:
            rep = self.report.columns[self.keep_idx[j]]
            rep.residual[entity] += 1
            self.report.residual_total += 1
            if len(self.report.residual_cells) < RESIDUAL_LISTED:
                self.report.residual_cells.append({"row": self.row_of(row_no + r), "column": rep.name,
                                                   "entity": entity})
        if result.failure is not None:
            r, j, entity = result.failure
            yield from result.rows[:r]
            self.report.rows += r
            self._fail(self.keep_idx[j], entity, self.row_of(row_no + r))
        self.report.rows += len(result.rows)
        yield from result.rows

    def _fail(self, i: int, entity: str, row_no: int) -> None:
        name, why = self.report.columns[i].name, self.stops[i]
        raise ResidualError(f"第{row_no}行 列'{name}' 脱敏后仍含{ENTITY_LABELS.get(entity, entity)}; 停止原因: {why} "
                            f"(row {row_no}, column '{name}': {entity} remains after desensitization; "
                            f"the run stops because of: {why})")


def _job(func: tuple, profile: Profile, col, stop: str = "") -> ColumnJob:
    declared, op, _ = func
    allowed = frozenset(PERSONAL_KINDS[t] for t in (col.organisational if col else ()))
    if op == "keep+scan":
        return ColumnJob("scan", profile, allowed, allowed, stop=stop)
    kind = PERSONAL_KINDS.get(declared or "", "DECLARED")
    if op == "pseudonymize":
        # Realistic surrogates by design: the re-scan ignores that one entity in this column.
        return ColumnJob("given", exempt=allowed | {kind}, stop=stop)
    return ColumnJob("rule", exempt=allowed, rule=(op, dict(col.rule.params), declared), declared=kind, stop=stop)


def _chunks(rows: Iterator[list[str]], size: int) -> Iterator[list[list[str]]]:
    it = iter(rows)
    while True:
        chunk = list(islice(it, size))
        if not chunk:
            return
        yield chunk
