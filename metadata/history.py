"""Keeping the catalogue current: field-level change history and overdue updates (W art. 14, H art. 10)."""
from __future__ import annotations

import json
import sqlite3
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from . import schema as s

TABLE = "_catalog_history"
# Whole-record events use this pseudo field; old/new say what happened.
RECORD = "(record)"
ADDED, REMOVED = "新增 (added)", "撤销 (withdrawn)"
PORTAL_TZ = ZoneInfo("Asia/Shanghai")  # "today" is the catalogue's day, not the server's


@dataclass(frozen=True)
class Change:
    field: str        # a field path: title, department.name, columns[区县].description, themes ...
    old: object
    new: object


def _flatten(value, path: str, out: dict) -> None:
    """Nested record -> {field path: scalar or list}; columns are keyed by their name, not position."""
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{path}.{k}" if path else k, out)
    elif path == "columns" and isinstance(value, list):
        for col in value:
            _flatten({k: v for k, v in col.items() if k != "name"}, f"columns[{col.get('name')}]", out)
        out["columns"] = [col.get("name") for col in value]  # order and membership of the dictionary
    else:
        out[path] = value


def flatten(record: dict) -> dict:
    out: dict = {}
    _flatten(record, "", out)
    return out


def diff(old_record: dict | None, new_record: dict | None) -> list[Change]:
    """Field-level changes between two records (Record as JSON, see portal.publish.record_json)."""
    if old_record is None and new_record is None:
        return []
    if old_record is None:
        return [Change(RECORD, None, ADDED)]
    if new_record is None:
        return [Change(RECORD, None, REMOVED)]
    old, new = flatten(old_record), flatten(new_record)
    return [Change(k, old.get(k), new.get(k)) for k in sorted(old.keys() | new.keys())
            if old.get(k) != new.get(k)]


def _text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def create_table(conn: sqlite3.Connection) -> None:
    conn.execute(f"""create table if not exists [{TABLE}] (
        identifier text not null, field text not null, old text, new text, changed_at text not null)""")
    conn.execute(f"create index if not exists [{TABLE}_identifier] on [{TABLE}] (identifier, changed_at)")


def _previous(previous_db: Path | None) -> tuple[list[tuple], dict[str, dict] | None]:
    """History rows and records of the previous release (none when there was no release yet)."""
    if previous_db is None or not Path(previous_db).is_file():
        return [], None
    conn = sqlite3.connect(f"file:{previous_db}?immutable=1", uri=True)
    try:
        tables = {r[0] for r in conn.execute("select name from sqlite_master where type = 'table'")}
        rows = conn.execute(f"select identifier, field, old, new, changed_at from [{TABLE}] order by rowid"
                            ).fetchall() if TABLE in tables else []
        records = {i: json.loads(r) for i, r in conn.execute("select identifier, record from _catalog")} \
            if "_catalog" in tables else None
    finally:
        conn.close()
    return rows, records


def carry_forward(conn: sqlite3.Connection, previous_db: Path | None, records: dict[str, dict],
                  changed_at: str) -> int:
    """Copy the previous release's history into `conn` and add this release's changes; return how many.

    `records` maps identifier -> the new record JSON. Without a previous release nothing counts as
    changed (the first publication is not a change of the catalogue).
    """
    rows, old_records = _previous(previous_db)
    new_rows = [(ident, c.field, _text(c.old), _text(c.new), changed_at)
                for ident in sorted(old_records.keys() | records.keys())
                for c in diff(old_records.get(ident), records.get(ident))] if old_records is not None else []
    with conn:  # committed here: the caller vacuums next, which needs no open transaction
        create_table(conn)
        conn.executemany(f"insert into [{TABLE}] values (?, ?, ?, ?, ?)", rows + new_rows)
    return len(new_rows)


def read_history(db_path: Path, identifier: str | None = None) -> list[dict]:
    """The change history of one dataset (or all), newest first, from a release's data.db."""
    conn = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        if not conn.execute("select 1 from sqlite_master where name = ?", (TABLE,)).fetchone():
            return []
        where, args = ("where identifier = ?", (identifier,)) if identifier else ("", ())
        rows = conn.execute(f"select * from [{TABLE}] {where} order by changed_at desc, rowid desc", args)
        return [dict(r) for r in rows]
    finally:
        conn.close()


# --- overdue updates -----------------------------------------------------------------------------

def today_in_portal() -> date:
    return datetime.now(PORTAL_TZ).date()


def is_overdue(record: dict, today: date | None = None) -> bool:
    """The data is older than its declared update frequency allows (record as JSON)."""
    max_age = s.UPDATE_FREQUENCIES[record["update_frequency"]][1]
    if max_age is None:
        return False
    today = today or today_in_portal()
    return (today - date.fromisoformat(str(record["last_updated"]))).days > max_age


def overdue_by_department(entries, today: date | None = None) -> dict[str, int]:
    """Department name -> number of its overdue datasets (every department listed, zeros included)."""
    entries = list(entries.values()) if isinstance(entries, dict) else list(entries)
    counts = Counter({e["record"]["department"]["name"]: 0 for e in entries})
    counts.update(e["record"]["department"]["name"] for e in entries if is_overdue(e["record"], today))
    return dict(sorted(counts.items()))
