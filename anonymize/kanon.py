"""k-anonymity over quasi-identifier columns, streaming in two passes through a temporary file.

Pass one writes the desensitized rows to a temporary file and counts equivalence classes; pass two
reads them back: rows of classes smaller than k are generalized (with the column's generalize rule)
when that makes their class reach k, and suppressed (quasi-identifiers replaced by *) otherwise.
"""
from __future__ import annotations

import pickle
import tempfile
from collections import Counter
from dataclasses import dataclass
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


def enforce(rows: Iterator[list[str]], qi_idx: list[int], generalizers: list[Callable | None],
            report: KReport) -> Iterator[list[str]]:
    """Yield the rows with k-anonymity enforced on the columns at qi_idx (see the module docstring)."""
    counts: Counter = Counter()
    with tempfile.TemporaryFile("w+b") as tmp:
        batch: list = []
        for row in rows:
            counts[tuple(row[i] for i in qi_idx)] += 1
            batch.append(row)
            if len(batch) >= BATCH:
                pickle.dump(batch, tmp, protocol=pickle.HIGHEST_PROTOCOL)
                batch = []
        pickle.dump(batch, tmp, protocol=pickle.HIGHEST_PROTOCOL)
        decision = plan(counts, report.k, generalizers)
        report.classes = len(counts)
        report.classes_below_k = len(decision)
        tmp.seek(0)
        for row in _batches(tmp):
            key = tuple(row[i] for i in qi_idx)
            if key in decision:
                target = decision[key]
                if target is None:
                    report.rows_suppressed += 1
                    target = (SUPPRESSED,) * len(qi_idx)
                else:
                    report.rows_generalized += 1
                for i, v in zip(qi_idx, target):
                    row[i] = v
            yield row
    report.status = (f"k={report.k}: {report.rows_generalized} 行泛化, {report.rows_suppressed} 行隐去 "
                     f"({report.rows_generalized} rows generalized, {report.rows_suppressed} suppressed)")
