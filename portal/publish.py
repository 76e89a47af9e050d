"""The pipeline: load -> read -> desensitize -> insert -> record in _catalog -> atomic swap."""
from __future__ import annotations

import dataclasses
import json
import os
import shutil
import sqlite3
from datetime import date, datetime, timezone
from pathlib import Path

import sqlite_utils

from anonymize.policy import desensitize
from anonymize.read import open_table
from metadata import history
from metadata.schema import Record
from metadata.validate import load, load_all, source_path

from . import downloads, tables
from .config import Config

PUBLIC_DB, RESTRICTED_DB = "data", "restricted"
FACET_MAX_ROWS = 50_000  # larger tables offer facets on request (?_facet=column), not by default


class PublishError(Exception):
    """Publishing failed; the served release is untouched. Names the file, row and column."""

    def __init__(self, message: str, kind: str = "failed"):
        self.kind = kind  # "unexpected_output": the data built is not the data its review saw
        super().__init__(message)


def record_json(record: Record) -> dict:
    """The record as plain JSON (dates as ISO strings)."""
    def default(o):
        if isinstance(o, date):
            return o.isoformat()
        raise TypeError(type(o).__name__)
    return json.loads(json.dumps(dataclasses.asdict(record), default=default, ensure_ascii=False))


def _insert(db: sqlite_utils.Database, record: Record, folder: Path, key: bytes, state_dir: Path,
            recognizers: list = (), strict_residual: bool = False) -> dict:
    """Desensitize one dataset into its table; return row count, content hash and the report."""
    src = source_path(folder, record.source.file)  # a file of the dataset's folder, never a path elsewhere
    table = open_table(src, record.source.encoding, record.source.sheet)
    # state_dir keeps the pseudonym mapping, so a person keeps one surrogate across tables and releases.
    # defer_k: rows are written as they come; tables.write applies k-anonymity to them at the end.
    detector = _detector(recognizers, folder, record)  # custom recognizers, when configured
    header, rows, report = desensitize(table.header, table.rows, record, key, record.identifier, state_dir,
                                       detector=detector, defer_k=True, strict_residual=strict_residual or None,
                                       row_of=table.notes.source_row)
    cols = [record.column(h) for h in header]
    try:
        _, content_hash = tables.write(db, record.table, cols, rows, str(src), [c.name for c in cols if c.search],
                                       report.k_anonymity, table.notes.source_row)
    except tables.RowProblem as e:
        raise PublishError(str(e)) from None
    for c in cols:
        if c.facet:
            db[record.table].create_index([c.name], if_not_exists=True)
    return {"row_count": report.rows, "content_hash": content_hash,
            "report": {**report.as_dict(), "read": table.notes.as_dict()},
            "report_text": "\n".join([report.as_text(), *table.notes.as_text()]), "columns": header}


def _detector(shared: list, folder: Path, record: Record):
    """The dataset's recognizer registry: built-in, portal.toml [anonymize] recognizers and its own
    dataset.yaml recognizers (files of its folder only); None when nothing custom is configured."""
    files = [*shared, *(folder / name for name in record.recognizers)]
    if not files:
        return None
    from anonymize.custom import from_files
    from anonymize.registry import RecognizerFileError
    for name in record.recognizers:
        if (folder / name).resolve().parent != folder.resolve():
            raise PublishError(f"{record.identifier}: recognizers: {name}: 须为数据集目录中的文件 (must be a file of "
                               "the dataset folder)")
    try:
        return from_files(files)
    except RecognizerFileError as e:
        raise PublishError(f"{record.identifier}: 识别器文件有误 (recognizer file problem): {e}") from None


def _datasette_metadata(records: list[Record], published: dict) -> dict:
    from metadata.schema import LICENCES
    tables: dict[str, dict] = {}
    for r in records:
        if r.identifier not in published:
            continue
        name, url = LICENCES[r.licence]
        searchable = [c.name for c in r.columns if c.search and c.published]
        t = {
            "title": r.title, "description": r.description, "license": name, "license_url": url,
            "source": r.department.name, "source_url": f"/datasets/{r.identifier}/",
            "columns": {c.name: c.description + (f"（单位：{c.unit}）" if c.unit else "")
                        for c in r.columns if c.published},
            # Default facets are computed on every page request: only where the table is small.
            "facets": [c.name for c in r.columns if c.facet and c.published]
            if published[r.identifier]["row_count"] <= FACET_MAX_ROWS else [],
        }
        if searchable:
            t.update(fts_table=f"{r.table}_fts", fts_pk="rowid")
        tables[r.table] = t
    meta_tables = {db: {t: v for t, v in tables.items() if published[t]["database"] == db}
                   for db in (PUBLIC_DB, RESTRICTED_DB)}
    return {
        "title": "政务数据开放平台", "description": "依法开放的政务数据：可查询、可下载、机器可读。",
        "databases": {db: {"tables": {**t, "_catalog": {"hidden": True}}} for db, t in meta_tables.items()},
    }


def _swap(cfg: Config, release: Path) -> None:
    """Point build/current at the new release atomically (rename of a symlink)."""
    tmp = cfg.build_dir / f".current-{os.getpid()}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    tmp.symlink_to(release.relative_to(cfg.build_dir))
    os.replace(tmp, cfg.current)


def _prune(cfg: Config, keep: Path) -> None:
    releases = sorted((cfg.build_dir / "releases").iterdir())
    for old in releases[:-cfg.keep_releases]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


def publish(cfg: Config, only: list[str] | None = None, expect: dict[str, str | None] | None = None) -> Path:
    """Build a complete new release beside the served one and swap it in; return its directory.

    With `only` (even empty), just those folders are read again; every other dataset of the served
    release is carried over unchanged. Withdrawn datasets keep their catalogue entry, never their data.
    With `expect` ({identifier: content hash}), a dataset whose built data has another hash stops the
    release before it is served (PublishError kind "unexpected_output").
    """
    from .workflow import withdrawn as withdrawals  # reviewers' withdrawals, in the state database
    records = [load(cfg.datasets_dir / i)[0] for i in only] if only is not None \
        else load_all(cfg.datasets_dir)[0]
    withdrawn = withdrawals(cfg.state_dir)
    key = cfg.secret("pseudonym")
    stamp = datetime.now(timezone.utc)
    release = cfg.build_dir / "releases" / stamp.strftime("%Y%m%dT%H%M%S%fZ")
    staging = release.with_name(release.name + ".tmp")
    staging.mkdir(parents=True)
    try:
        published = _build(cfg, records, staging, key, stamp, withdrawn, carry=only is not None)
        for ident, wanted in (expect or {}).items():
            if published.get(ident, {}).get("content_hash") != wanted:
                raise PublishError(f"{ident}: 生成的数据与预期的内容哈希不一致 (the data built does not have the "
                                   "expected content hash)", "unexpected_output")
        _verify(staging, published)
        staging.rename(release)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap(cfg, release)
    _prune(cfg, release)
    return release


def _build(cfg: Config, records: list[Record], staging: Path, key: bytes, stamp: datetime,
           withdrawn: dict | None = None, carry: bool = False) -> dict:
    withdrawn = withdrawn or {}
    dbs = {name: sqlite_utils.Database(staging / f"{name}.db") for name in (PUBLIC_DB, RESTRICTED_DB)}
    for db in dbs.values():
        db.execute("pragma journal_mode = off")  # a staging file: crash safety comes from the swap
        db.execute("pragma synchronous = off")
    published: dict[str, dict] = {}
    (staging / "receipts").mkdir()
    for r in records:
        if not r.publishes_data or r.identifier in withdrawn:
            continue
        dbname = PUBLIC_DB if r.open_type == "无条件开放" else RESTRICTED_DB
        with dbs[dbname].conn:
            info = _insert(dbs[dbname], r, cfg.datasets_dir / r.identifier, key, cfg.state_dir,
                           cfg.anonymize.recognizers, cfg.anonymize.strict_residual)
        info["database"] = dbname
        published[r.identifier] = info
        (staging / "receipts" / f"{r.identifier}.json").write_text(
            json.dumps(info["report"], ensure_ascii=False, indent=2), encoding="utf-8")
        (staging / "receipts" / f"{r.identifier}.txt").write_text(info["report_text"], encoding="utf-8")
        if dbname == PUBLIC_DB:  # only open data is downloadable by everyone
            info["downloads"] = downloads.write_all(dbs[dbname], r, staging)
    carried = _carry(cfg.current, staging, dbs, {r.identifier for r in records}, withdrawn) if carry else {}
    _write_catalog(dbs[PUBLIC_DB], records, published, stamp, withdrawn, [c["row"] for c in carried.values()])
    # Field-level changes since the served release join the history carried from release to release.
    history.carry_forward(dbs[PUBLIC_DB].conn, cfg.current / f"{PUBLIC_DB}.db",
                          {**{i: json.loads(c["row"]["record"]) for i, c in carried.items()},
                           **{r.identifier: record_json(r) for r in records}}, stamp.isoformat(timespec="seconds"))
    for db in dbs.values():
        db.execute("vacuum")
        db.close()
    meta = _datasette_metadata(records, published)
    for ident, c in carried.items():
        if c["table"] is not None:
            meta["databases"][c["row"]["database"]]["tables"][ident] = c["table"]
    (staging / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
    return {**published, **{i: c["row"] for i, c in carried.items() if c["row"]["database"]}}


def _carry(current: Path, staging: Path, dbs: dict, rebuilt: set[str], withdrawn: dict) -> dict[str, dict]:
    """Copy the datasets not rebuilt from the served release: _catalog row, tables, downloads, receipts."""
    old = current.resolve()
    if not (old / f"{PUBLIC_DB}.db").is_file():
        return {}
    conn = sqlite3.connect(f"file:{old / f'{PUBLIC_DB}.db'}?immutable=1", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        rows = [dict(r) for r in conn.execute("select * from _catalog") if r["identifier"] not in rebuilt]
    finally:
        conn.close()
    meta = json.loads((old / "metadata.json").read_text(encoding="utf-8"))["databases"]
    out = {}
    for row in rows:
        ident, dbname = row["identifier"], row["database"]
        if ident in withdrawn:  # the catalogue keeps the entry; its data stays out of the release
            row.update(database=None, row_count=None, content_hash=None, columns="[]", receipt=None, downloads=None)
        elif dbname:
            _copy_tables(dbs[dbname], old / f"{dbname}.db", [ident, f"{ident}_fts"])
            for name in (f"{ident}.json", f"{ident}.txt"):
                if (old / "receipts" / name).exists():
                    shutil.copyfile(old / "receipts" / name, staging / "receipts" / name)
            if downloads.downloads_dir(old, ident).is_dir():  # releases are immutable: hard links suffice
                shutil.copytree(downloads.downloads_dir(old, ident), downloads.downloads_dir(staging, ident),
                                copy_function=_link_or_copy)
        table = meta.get(row["database"], {}).get("tables", {}).get(ident) if row["database"] else None
        out[ident] = {"row": row, "table": table}
    return out


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _copy_tables(db: sqlite_utils.Database, old_db: Path, names: list[str]) -> None:
    """Copy tables with their rowids, indexes and full-text index from a served release's database."""
    db.execute("attach database ? as old", [str(old_db)])
    try:
        marks = ", ".join("?" * len(names))
        objects = db.execute(f"select type, name, sql from old.sqlite_master where tbl_name in ({marks})"
                             " and sql is not null order by type = 'index'", names).fetchall()
        with db.conn:
            for kind, name, sql in objects:
                db.execute(sql)
                if kind == "table":
                    info = db.execute(f"pragma old.table_info([{name}])").fetchall()
                    cols = ", ".join(["rowid"] + [f"[{c[1]}]" for c in info])
                    db.execute(f"insert into main.[{name}] ({cols}) select {cols} from old.[{name}]")
    finally:
        db.execute("detach database old")


def _write_catalog(db: sqlite_utils.Database, records: list[Record], published: dict, stamp: datetime,
                   withdrawn: dict | None = None, carried: list[dict] = ()) -> None:
    """_catalog: what was really published; the site, CKAN API and exports read only this."""
    rows = []
    for r in records:
        info = published.get(r.identifier, {})
        rows.append({
            "identifier": r.identifier, "title": r.title, "department": r.department.name,
            "open_type": r.open_type, "database": info.get("database"),
            "row_count": info.get("row_count"), "content_hash": info.get("content_hash"),
            "columns": json.dumps(info.get("columns", []), ensure_ascii=False),
            "published_at": stamp.isoformat(timespec="seconds"),
            "record": json.dumps(record_json(r), ensure_ascii=False),
            "receipt": json.dumps(info.get("report"), ensure_ascii=False) if info else None,
            "downloads": json.dumps(info["downloads"], ensure_ascii=False) if info.get("downloads") else None,
        })
    withdrawn = withdrawn or {}
    now = stamp.isoformat(timespec="seconds")
    rows = [{**row, "withdrawn": int(row["identifier"] in withdrawn),
             "withdrawn_reason": withdrawn.get(row["identifier"]),
             # A withdrawal changes the entry: harvesters that fetch what changed since a date see it.
             "published_at": now if row["identifier"] in withdrawn and not row.get("withdrawn") else row["published_at"]}
            for row in [*rows, *carried]]
    db["_catalog"].insert_all(rows, pk="identifier", alter=True)


def _verify(staging: Path, published: dict) -> None:
    """The new release must be readable and complete before it may be served."""
    for name in (PUBLIC_DB, RESTRICTED_DB):
        conn = sqlite3.connect(staging / f"{name}.db")
        try:
            if conn.execute("pragma integrity_check").fetchone()[0] != "ok":
                raise PublishError(f"{name}.db: 完整性检查失败 (integrity check failed)")
            for ident, info in published.items():
                if info["database"] == name:
                    n = conn.execute(f"select count(*) from [{ident}]").fetchone()[0]
                    if n != info["row_count"]:
                        raise PublishError(f"{ident}: 行数不符 (row count {n} != {info['row_count']})")
        finally:
            conn.close()
