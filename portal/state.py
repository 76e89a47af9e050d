"""What the running portal holds: its configuration, the release watcher and the published catalogue."""
from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from .config import Config
from .publish import PUBLIC_DB
from .releases import ReleaseWatcher


class PortalState:
    def __init__(self, datasette, cfg: Config):
        self.cfg = cfg
        self.watcher = ReleaseWatcher(datasette, cfg.current)
        self._catalog: tuple[str | None, dict] = (None, {})

    @property
    def site_dir(self) -> Path:
        return self.cfg.site_dir

    def catalog(self) -> dict[str, dict]:
        """_catalog of the served release, parsed once per release: identifier -> entry."""
        loaded = self.watcher.loaded
        if self._catalog[0] != loaded:
            self._catalog = (loaded, read_catalog(self.watcher.release / f"{PUBLIC_DB}.db") if loaded else {})
        return self._catalog[1]


def read_catalog(db_path: Path) -> dict[str, dict]:
    conn = sqlite3.connect(f"file:{db_path}?immutable=1", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        rows = conn.execute("select * from _catalog order by identifier").fetchall()
    finally:
        conn.close()
    entries = {}
    for row in rows:
        entry = dict(row)
        for k in ("record", "columns", "receipt"):
            entry[k] = json.loads(entry[k]) if entry[k] else None
        entries[entry["identifier"]] = entry
    return entries
