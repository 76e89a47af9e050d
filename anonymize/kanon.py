"""k-anonymity over quasi-identifier columns: rows of classes smaller than k are generalized (with the
column's generalize rule) when that makes their class reach k, and suppressed (quasi-identifiers
replaced by *) otherwise.

Which classes are small is known only after the last row. enforce() therefore holds the rows back in a
temporary file and yields them changed; counting() yields them at once and leaves the changes in the
report (`decision`), for a consumer that can still change rows it has written (an SQLite table).
"""
from __future__ import annotations

import pickle
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable, Iterator

SUPPRESSED = "*"
BATCH = 1000  # rows per pickled batch in the temporary file


@dataclass
class KReport:
    k: int
    columns: list[str]
    classes: int = 0
    classes_below_k: int = 0
    rows_generalized: int = 0
    rows_suppressed: int = 0
    status: str = "not run"
    # After the last row: small class -> the quasi-identifier values its rows get, and its size.
    # Never part of the published report (it holds the rare values themselves).
    decision: dict = field(default_factory=dict, repr=False)
    sizes: dict = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict:
        return {"k": self.k, "quasi_identifiers": self.columns, "classes": self.classes,
                "classes_below_k": self.classes_below_k, "rows_generalized": self.rows_generalized,
                "rows_suppressed": self.rows_suppressed, "status": self.status}


def plan(counts: Counter, k: int, generalizers: list[Callable | None]) -> dict:
    """For each class smaller than k: its generalized class when that reaches k, else None (suppress).

    A generalized class counts its own small classes merged together, plus an existing class of at
    least k with the same values (generalizing is idempotent on already coarse values).
    """
    def coarse(key: tuple) -> tuple:
        return tuple(g(v) if g else SUPPRESSED for g, v in zip(generalizers, key))

    small = {key: coarse(key) for key, n in counts.items() if n < k}
    merged = Counter()
    for key, target in small.items():
        merged[target] += counts[key]
    decision = {}
    for key, target in small.items():
        big = counts.get(target, 0) if counts.get(target, 0) >= k and target not in small else 0
        ok = merged[target] + big >= k and any(t != SUPPRESSED for t in target)
        decision[key] = target if ok else None
    return decision


def _batches(f) -> Iterator[list[str]]:
    while True:
        try:
            batch = pickle.load(f)
        except EOFError:
            return
        yield from batch


def decide(counts: Counter, generalizers: list[Callable | None], report: KReport) -> None:
    """Fill the report from the class counts: the decision for every small class, and the tallies."""
    width = len(generalizers)
    decision = plan(counts, report.k, generalizers)
    report.decision = {key: target or (SUPPRESSED,) * width for key, target in decision.items()}
    report.sizes = {key: counts[key] for key in decision}
    report.classes, report.classes_below_k = len(counts), len(decision)
    report.rows_generalized = sum(counts[key] for key, target in decision.items() if target is not None)
    report.rows_suppressed = sum(counts[key] for key, target in decision.items() if target is None)
    report.status = (f"k={report.k}: {report.rows_generalized} 行泛化, {report.rows_suppressed} 行隐去 "
                     f"({report.rows_generalized} rows generalized, {report.rows_suppressed} suppressed)")


def apply(row: list[str], qi_idx: list[int], decision: dict) -> list[str]:
    """The row with its class's decision applied (unchanged when its class is not small)."""
    target = decision.get(tuple(row[i] for i in qi_idx))
    if target is not None:
        for i, v in zip(qi_idx, target):
            row[i] = v
    return row


def counting(rows: Iterator[list[str]], qi_idx: list[int], generalizers: list[Callable | None],
             report: KReport) -> Iterator[list[str]]:
    """Yield the rows unchanged, counting classes; after the last one the report holds the decision,
    which the consumer must apply to the rows it wrote."""
    counts: Counter = Counter()
    for row in rows:
        counts[tuple(row[i] for i in qi_idx)] += 1
        yield row
    decide(counts, generalizers, report)


def enforce(rows: Iterator[list[str]], qi_idx: list[int], generalizers: list[Callable | None],
            report: KReport) -> Iterator[list[str]]:
    """Yield the rows with k-anonymity enforced on the columns at qi_idx (see the module docstring)."""
    with tempfile.TemporaryFile("w+b") as tmp:
        batch: list = []
        for row in counting(rows, qi_idx, generalizers, report):
            batch.append(row)
            if len(batch) >= BATCH:
                pickle.dump(batch, tmp, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        pickle.dump(batch, tmp, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.seek(0)
        for row in _batches(tmp):
            yield apply(row, qi_idx, report.decision)
