"""Desensitize one batch of rows, column by column: the unit of work of a worker process (or done inline).

Everything here is picklable and stateless between batches except a per-process scanner memo, so the
same function runs in the main process for small tables and in forked workers for large ones.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from . import operators
from .scan import ENTITY_LABELS, Profile, Scanner, echo_names, redact_whole, scan_cell


@dataclass(frozen=True)
class ColumnJob:
    """What to do with one output column: scan it, apply a rule, or check values given by the caller."""
    kind: str                          # "scan" | "rule" | "given" (already pseudonymized in the main process)
    profile: Profile | None = None     # scan: cells that fit skip the detector
    allowed: frozenset = frozenset()   # entities kept here (organisational assertion)
    exempt: frozenset = frozenset()    # entities the residual scan ignores here
    rule: tuple = ()                   # rule: (op, params, declared kind)
    declared: str = "DECLARED"         # rule: the entity counted as found for each non-empty cell
    header: str = ""                   # the column's name: context words of custom recognizers
    stop: str = ""                     # non-empty: a residual finding stops the run (says which rule); else
                                       # the flagged cell is redacted whole and counted


@dataclass
class ChunkResult:
    rows: list
    found: list
    kept: list
    changed: list
    skipped: list
    failure: tuple | None = None       # (row offset in the batch, column position, entity)
    custom_cells: Counter = field(default_factory=Counter)  # custom entity -> cells it changed
    residual: list = field(default_factory=list)  # cells redacted whole: (row offset, column position, entity)


@dataclass
class _Funcs:
    cache: dict = field(default_factory=dict)

    def get(self, rule: tuple):
        key = (rule[0], tuple(sorted(rule[1].items())), rule[2])
        if key not in self.cache:
            self.cache[key] = operators.make(rule[0], rule[1], None, rule[2])
        return self.cache[key]


_SCANNER = Scanner()
_FUNCS = _Funcs()


def run_chunk(jobs: tuple, rows: list, scanner: Scanner | None = None, detector=None) -> ChunkResult:
    """Desensitize `rows` (kept columns only, in job order).

    A cell the re-scan still flags is redacted whole (fail safe) and listed in `residual`; in a column
    whose job says `stop`, the first such cell ends the batch as its `failure` instead."""
    # detector (anonymize.custom.Detector): a registry's custom recognizers; workers get it with each batch.
    scanner = scanner or (detector.scanner() if detector is not None else _SCANNER)
    custom = getattr(scanner, "custom", None)  # cells a profile lets skip still meet the custom recognizers
    custom_entities = scanner.detector.entities if custom else frozenset()
    n = len(jobs)
    res = ChunkResult([], [Counter() for _ in range(n)], [Counter() for _ in range(n)], [0] * n, [0] * n)
    funcs = [_FUNCS.get(j.rule) if j.kind == "rule" else None for j in jobs]
    scanned = [j.kind == "scan" for j in jobs]
    for r, row in enumerate(rows):
        out, names = [], []  # names: values a name column redacted whole, echoed in the row's text
        for c, (job, value) in enumerate(zip(jobs, row)):
            if job.kind == "scan":
                profile = job.profile.for_row(row)  # an institution's row keeps its public contact data
                allowed = job.allowed | profile.keep if profile.keep else job.allowed
                if profile.fits(value) and not (custom and value and custom(value, job.header)):
                    res.skipped[c] += 1
                else:
                    cell = redact_whole(scanner, value, profile.entity, allowed, job.header) \
                        if profile.whole else scan_cell(scanner, value, allowed, job.header)
                    if custom and cell.found:
                        res.custom_cells.update({e for e in cell.found if e in custom_entities})
                    if cell.found or cell.kept:
                        res.found[c].update(cell.found)
                        res.kept[c].update(cell.kept)
                        res.changed[c] += bool(cell.found)
                    if profile.whole and profile.entity == "PERSON" and cell.found == ["PERSON"]:
                        names.append(value)
                    value = cell.value
                    if cell.residual is not None:
                        if job.stop:
                            res.failure = (r, c, cell.residual)
                            return res
                        value = _whole(res, r, c, cell.residual, bool(cell.found), scanner.labels)
            else:
                changed = job.kind == "given"  # pseudonyms were made (and counted) by the caller
                if job.kind == "rule":
                    new = funcs[c](value)
                    if value:
                        res.found[c][job.declared] += 1
                        changed = new != value
                        res.changed[c] += changed
                    value = new
                if value:
                    rest = [f.entity for f in scanner.personal(value, job.exempt, job.header)]
                    if rest:
                        if job.stop:
                            res.failure = (r, c, rest[0])
                            return res
                        value = _whole(res, r, c, rest[0], changed, scanner.labels)
            out.append(value)
        if names:
            unchanged = [o == v for o, v in zip(out, row)]
            for c in echo_names(out, names, scanned):
                res.found[c]["PERSON"] += 1
                res.changed[c] += unchanged[c]
        res.rows.append(out)
    return res


def _whole(res: ChunkResult, r: int, c: int, entity: str, changed: bool, labels: dict = ENTITY_LABELS) -> str:
    """A cell still flagged after its treatment: the most protective form, the entity's placeholder."""
    res.residual.append((r, c, entity))
    res.changed[c] += not changed
    return f"［{labels.get(entity, '个人信息')}］"  # labels: custom recognizers' too
