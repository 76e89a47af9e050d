"""A desensitized row stream in its published form: typed values, a content hash, and a SQLite table.

Publishing and the department workflow's pre-check share it, so both type and hash rows the same way.
The table is created by sqlite-utils; rows go in with one executemany per batch (sqlite-utils' insert_all
builds a dict and re-inspects every value per row, which costs more than reading the CSV does).
"""
from __future__ import annotations

import hashlib
import json
from typing import Callable, Iterable, Iterator

import sqlite_utils

from anonymize.kanon import KReport

from . import search

BATCH = 10_000
SQL_TYPES = {"text": str, "integer": int, "number": float, "date": str, "datetime": str, "boolean": int}
_BOOLEANS = {"true": 1, "false": 0, "1": 1, "0": 0, "是": 1, "否": 0}


class RowProblem(ValueError):
    """Rows cannot be published as they stand: a value does not fit its column's declared type, or
    k-anonymity cannot be applied to the written rows. The message names the place, never the value."""


def coerce(value: str, ctype: str, where: str):
    """Typed value for SQLite; '' is NULL."""
    v = value.strip()
    if v == "":
        return None
    try:
        if ctype == "integer":
            f = float(v.replace(",", ""))
            if not f.is_integer():
                raise ValueError
            return int(f)
        if ctype == "number":
            return float(v.replace(",", ""))
        if ctype == "boolean":
            return _BOOLEANS[v.lower()]
    except (ValueError, KeyError):
        raise RowProblem(f"{where}: 不是有效的 {ctype} 值 (value is not a valid {ctype})") from None
    return v


def _text(value: str, where: str):
    return value.strip() or None  # coerce() for text types, without its dispatch (most columns are text)


class Typed:
    """Types rows column by column and hashes them as published; `source` names the file in errors."""

    def __init__(self, columns: list, source: str, row_of: Callable[[int], int] | None = None):
        self.columns, self.source = columns, source
        self.row_of = row_of or (lambda n: n)   # output line -> source row (title lines, skipped blanks)
        self._convert: list[Callable] = [
            _text if SQL_TYPES[c.type] is str else (lambda v, where, t=c.type: coerce(v, t, where))
            for c in columns]
        self._all_text = all(f is _text for f in self._convert)
        self._digest = hashlib.sha256()

    def row(self, n: int, row: list[str]) -> list:
        """Row n (the source line, header = 1) as typed values."""
        # The hash covers every value in order; rows have a fixed width, so joining the values with a
        # character no CSV or XLSX cell holds (NUL) and ending each row with another is unambiguous.
        self._digest.update(("\x00".join(row) + "\x01").encode())
        if self._all_text:
            return [v.strip() or None for v in row]
        try:
            return [f(v, "") for f, v in zip(self._convert, row)]
        except RowProblem:  # name the place only now: building it per cell would cost more than typing
            for c, f, v in zip(self.columns, self._convert, row):
                f(v, f"{self.source} 第{self.row_of(n)}行 列'{c.name}'")
            raise

    def values(self, positions: list[int], values) -> list:
        """Some of a row's values typed as their columns type them (positions index the columns)."""
        return [self._convert[p](v, f"{self.source} 列'{self.columns[p].name}'") for p, v in zip(positions, values)]

    def fold_k(self, k: KReport | None) -> None:
        """Fold the k-anonymity changes a deferred stream still had to get into the hash (no change, no
        fold: the hash is then the same as that of the rows with the changes made)."""
        if k is not None and k.decision:
            changes = sorted([list(key), list(target)] for key, target in k.decision.items())
            self._digest.update(b"\x00k-anonymity\x00" + json.dumps(changes, ensure_ascii=False).encode())

    @property
    def content_hash(self) -> str:
        return "sha256:" + self._digest.hexdigest()


def write(db: sqlite_utils.Database, table: str, columns: list, rows: Iterable[list[str]], source: str,
          search_columns: Iterable[str] = (), k: KReport | None = None,
          row_of: Callable[[int], int] | None = None) -> tuple[int, str]:
    """Create `table` and insert the rows (with a bigram full-text index of `search_columns`).
    k: the k-anonymity report of a deferred stream (desensitize(defer_k=True)); its decision is applied
    to the written rows once the stream ends. Returns (rows written, content hash)."""
    db[table].create({c.name: SQL_TYPES[c.type] for c in columns})
    names, searched = [c.name for c in columns], set(search_columns)
    insert = f"insert into [{table}] ({', '.join(f'[{n}]' for n in names)}) values ({', '.join('?' * len(names))})"
    indexed = [i for i, n in enumerate(names) if n in searched]
    if indexed:
        db.execute(f"create virtual table [{table}_fts] using fts5(text)")
    insert_fts = f"insert into [{table}_fts] (rowid, text) values (?, ?)"
    typed, count = Typed(columns, source, row_of), 0
    for batch in _batches(enumerate(rows, start=2), BATCH):
        values = [typed.row(n, row) for n, row in batch]
        with db.conn:
            db.conn.executemany(insert, values)
            if indexed:
                db.conn.executemany(insert_fts, [(n - 1, _fts_text(row[i] for i in indexed)) for n, row in batch])
        count += len(batch)
    if k is not None and k.decision:
        _apply_k(db, table, typed, k, indexed)
    typed.fold_k(k)
    return count, typed.content_hash


def _fts_text(values) -> str:
    return search.to_index(" ".join(values))


def _apply_k(db: sqlite_utils.Database, table: str, typed: Typed, k: KReport, indexed: list[int]) -> None:
    """Give the rows of each small class their decided quasi-identifier values. All rows are found
    before any is changed, so a class changed into the values of another is not changed twice."""
    names = [c.name for c in typed.columns]
    pos = [names.index(n) for n in k.columns]
    where = " and ".join(f"[{names[p]}] is ?" for p in pos)
    found = {}
    for key in k.decision:
        found[key] = [r[0] for r in db.conn.execute(f"select rowid from [{table}] where {where}", typed.values(pos, key))]
        if len(found[key]) < k.sizes[key]:  # typed values that no longer match their class: never publish
            raise RowProblem(f"{typed.source}: k-匿名处理未能定位全部行 (k-anonymity could not find every row "
                              f"of a small class in columns {k.columns})")
    sets = ", ".join(f"[{names[p]}] = ?" for p in pos)
    with db.conn:
        for key, ids in found.items():
            target = typed.values(pos, k.decision[key])
            db.conn.executemany(f"update [{table}] set {sets} where rowid = ?", [(*target, i) for i in ids])
        if indexed and set(indexed) & set(pos):  # the full-text index holds the old values too
            cols = ", ".join(f"[{names[i]}]" for i in indexed)
            for key, ids in found.items():
                for rowid in ids:
                    row = db.conn.execute(f"select {cols} from [{table}] where rowid = ?", (rowid,)).fetchone()
                    text = _fts_text("" if v is None else str(v) for v in row)
                    db.conn.execute(f"update [{table}_fts] set text = ? where rowid = ?", (text, rowid))


def _batches(items: Iterator, size: int) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
