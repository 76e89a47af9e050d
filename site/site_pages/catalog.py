"""Read the published release for the site: _catalog, history, preview rows, and derived facts."""
from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from metadata.schema import UPDATE_FREQUENCIES

PREVIEW_ROWS = 10
JSON_COLUMNS = ("record", "columns", "receipt", "downloads")
# Download files offered on dataset pages, in order, with their Chinese label and format.
DOWNLOAD_KINDS = (("-excel.csv", "CSV（Excel 适用，带 BOM）", "CSV"), (".csv", "CSV（UTF-8）", "CSV"),
                  (".xlsx", "Excel 工作簿", "XLSX"), (".json", "JSON", "JSON"))


def _connect(release: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{release / 'data.db'}?immutable=1", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def load_catalog(release: Path) -> dict[str, dict]:
    """{identifier: _catalog row} with its JSON columns parsed."""
    with _connect(release) as conn:
        rows = [dict(r) for r in conn.execute("select * from _catalog order by identifier")]
    for r in rows:
        for k in JSON_COLUMNS:
            if isinstance(r.get(k), str):
                r[k] = json.loads(r[k]) if r[k] else None
    return {r["identifier"]: r for r in rows}


def load_history(release: Path) -> dict[str, list[dict]]:
    """{identifier: [change rows, newest first]} from _catalog_history when the release has one."""
    with _connect(release) as conn:
        if not conn.execute("select 1 from sqlite_master where name='_catalog_history'").fetchone():
            return {}
        cols = [r[1] for r in conn.execute("pragma table_info(_catalog_history)")]
        key = "identifier" if "identifier" in cols else cols[0]
        rows = [dict(r) for r in conn.execute("select * from _catalog_history order by rowid desc")]
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r.pop(key), []).append(r)
    return out


def preview(release: Path, entry: dict, limit: int = PREVIEW_ROWS) -> tuple[list[str], list[tuple]]:
    """The first rows of an open table; nothing for data that is not open to everyone."""
    if entry.get("database") != "data":
        return [], []
    with _connect(release) as conn:
        cur = conn.execute(f"select * from [{entry['identifier']}] limit ?", (limit,))
        return [d[0] for d in cur.description], [tuple(r) for r in cur.fetchall()]


def dept_slug(name: str) -> str:
    """Same id as metadata.schema.Department.slug (CKAN organisation name)."""
    return "dept-" + hashlib.sha1(name.encode()).hexdigest()[:10]


def last_updated(entry: dict) -> date:
    return date.fromisoformat(str(entry["record"]["last_updated"])[:10])


def due_date(entry: dict) -> date | None:
    """The day after which the dataset counts as overdue; None for irregular updates."""
    max_age = UPDATE_FREQUENCIES.get(entry["record"]["update_frequency"], (None, None))[1]
    return None if max_age is None else last_updated(entry) + timedelta(days=max_age)


def status(entry: dict, today: date) -> str:
    """"overdue", "current" or "irregular" (the update-timeliness of a dataset on `today`)."""
    due = due_date(entry)
    if due is None:
        return "irregular"
    return "overdue" if today > due else "current"


OPEN_KINDS = {"无条件开放": "open", "依申请开放": "request", "不予开放": "closed"}  # badge CSS classes
STATUS_LABELS = {"overdue": "已逾期未更新", "current": "按时更新", "irregular": "不定期更新"}


def downloads(entry: dict) -> list[dict]:
    """Offered download files: [{file, label, format, bytes, sha256, url}] (open data only)."""
    files = ((entry.get("downloads") or {}).get("files") or {}) if entry.get("database") == "data" else {}
    ident, out = entry["identifier"], []
    for suffix, label, fmt in DOWNLOAD_KINDS:
        name = ident + suffix
        if name in files:
            info = files[name]
            out.append({"file": name, "label": label, "format": fmt, "bytes": info.get("bytes"),
                        "sha256": info.get("sha256"), "url": f"/downloads/{ident}/{name}"})
    return out


def formats(entry: dict) -> list[str]:
    """Formats a citizen can get the data in (downloads), else the source format if published."""
    got = sorted({d["format"] for d in downloads(entry)})
    if got:
        return got
    return [entry["record"]["format"]] if entry.get("database") == "data" else []


def human_size(n: int | None) -> str:
    if n is None:
        return "—"
    for unit in ("字节", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "字节" else f"{n:.1f} {unit}"
        n /= 1024
    return str(n)


def short_time(stamp: str | None) -> str | None:
    """"2026-11-22T02:24:17+00:00" -> "2026-11-22 02:24 UTC" for people to read."""
    if not stamp:
        return stamp
    text = str(stamp).replace("T", " ")[:16]
    return text + (" UTC" if str(stamp).endswith(("+00:00", "Z")) else "")
