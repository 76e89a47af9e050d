"""Serve the current published release and switch to a new one, without a restart, when it is swapped."""
from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import threading
from pathlib import Path

from datasette.database import Database

from .publish import PUBLIC_DB, RESTRICTED_DB

_local = threading.local()


class ReleaseDatabase(Database):
    """An immutable release database whose worker-thread connections follow the file path.

    Datasette keys its per-thread connections by database name only, so after a swap the workers
    would keep reading the old file; here a thread reopens when the path it holds is not current.
    """

    async def execute(self, sql, params=None, truncate=False, custom_time_limit=None, page_size=None,
                      log_sql_errors=True):
        # Datasette writes a failing statement *with its parameters* (user input) to stderr: never.
        return await super().execute(sql, params, truncate, custom_time_limit, page_size, log_sql_errors=False)

    async def execute_fn(self, fn):
        def in_thread():
            held = getattr(_local, "conns", None)
            if held is None:
                held = _local.conns = {}
            path, conn = held.get(self.name, (None, None))
            if path != self.path:
                if conn is not None:
                    conn.close()
                conn = self.connect()
                self.ds._prepare_connection(conn, self.name)
                held[self.name] = (self.path, conn)
            return fn(conn)
        return await asyncio.get_running_loop().run_in_executor(self.ds.executor, in_thread)


def catalog_counts(db_path: Path, name: str) -> dict[str, int]:
    """Row counts recorded at publish time, so Datasette never counts a million rows per request."""
    conn = sqlite3.connect(f"file:{db_path.parent / (PUBLIC_DB + '.db')}?immutable=1", uri=True)
    try:
        rows = conn.execute("select identifier, row_count, database from _catalog").fetchall()
    finally:
        conn.close()
    counts = {ident: n for ident, n, db in rows if db == name}
    if name == PUBLIC_DB:
        counts["_catalog"] = len(rows)
    return counts


class ReleaseWatcher:
    """Checks build/current (one readlink, at most once a second) and loads a new release."""

    def __init__(self, ds, current: Path):
        self.ds, self.current = ds, current
        self.loaded: str | None = None
        self.lock = threading.Lock()

    def target(self) -> str | None:
        try:
            return os.readlink(self.current)
        except OSError:
            return None

    def refresh(self) -> None:
        target = self.target()
        if target == self.loaded or target is None:
            return
        with self.lock:
            if target == self.loaded:
                return
            release = self.current.parent / target
            dbs = dict(self.ds.databases)
            for name in (PUBLIC_DB, RESTRICTED_DB):
                path = release / f"{name}.db"
                db = ReleaseDatabase(self.ds, path=str(path), is_mutable=False)
                db.name = db.route = name
                db._cached_table_counts = catalog_counts(path, name)
                dbs[name] = db
            meta = json.loads((release / "metadata.json").read_text(encoding="utf-8"))
            # Datasette 0.65 keeps metadata in _metadata_local; keep our plugin settings across releases.
            meta["plugins"] = self.ds._metadata_local.get("plugins", {})
            self.ds._metadata_local = meta
            self.ds.databases = dbs
            self.loaded = target

    @property
    def release(self) -> Path | None:
        return self.current.parent / self.loaded if self.loaded else None
