"""Generated catalogue releases (seeded Faker zh_CN) for the site's tests and benchmark."""
from __future__ import annotations

import json
import random
import sqlite3
from datetime import date, timedelta
from pathlib import Path

from faker import Faker

from metadata.schema import OPEN_TYPES, THEMES, UPDATE_FREQUENCIES

DEPARTMENTS = ("温州市生态环境局", "温州市市场监督管理局", "温州市水利局", "温州市住房和城乡建设局", "温州市应急管理局")
COLUMNS = (("区县", "text", None, None), ("申请人", "text", "姓名", {"op": "pseudonymize", "params": {}}),
           ("联系电话", "text", "手机号码", {"op": "mask", "params": {"keep_last": 4}}), ("数量", "integer", None, None))


def column(name, ctype, personal, rule) -> dict:
    return {"name": name, "type": ctype, "description": f"{name}说明", "unit": None, "personal": personal,
            "rule": rule or {"op": "keep", "params": {}}, "facet": False, "search": False,
            "free_text": False, "quasi_identifier": False}


def entry(i: int, rng: random.Random, fake: Faker, today: date) -> dict:
    """One _catalog row (JSON columns as Python objects), shaped like portal.publish writes it."""
    ident = f"dataset-{i:04d}"
    open_type = list(OPEN_TYPES)[i % 3]
    dept = DEPARTMENTS[i % len(DEPARTMENTS)]
    title = f"{fake.city_name()}{rng.choice(['空气质量', '行政处罚', '企业登记', '公共设施', '用水量'])}数据{i}"
    cols = [column(*c) for c in COLUMNS]
    record = {
        "identifier": ident, "title": title, "description": fake.sentence(nb_words=12),
        "department": {"name": dept, "code": None}, "themes": rng.sample(list(THEMES), 2),
        "keywords": [fake.word(), fake.word()], "source": {"file": "x.csv", "encoding": None, "sheet": None},
        "format": rng.choice(["CSV", "XLSX"]), "share_type": "无条件共享", "share_method": ["批量复制"],
        "open_type": open_type, "legal_basis": None if open_type == "无条件开放" else "《某办法》第十条",
        "update_frequency": rng.choice(list(UPDATE_FREQUENCIES)),
        "last_updated": (today - timedelta(days=rng.randint(0, 400))).isoformat(), "issued": None,
        "security_level": "一般", "usage_requirements": "注明来源。", "licence": "CC-BY-4.0",
        "contact": {"name": "数据处", "phone": None, "email": None}, "columns": cols, "title_en": None,
        "spatial": "浙江省温州市", "temporal_start": None, "temporal_end": None, "k_anonymity": 5}
    database = {"无条件开放": "data", "依申请开放": "restricted", "不予开放": None}[open_type]
    published = database is not None
    receipt = {"dataset": ident, "rows": 3, "residual_scan": "通过", "columns": [
        {"name": c["name"], "declared_personal": c["personal"], "rule": c["rule"]["op"],
         "found": {"PERSON": 3} if c["personal"] else {}, "cells_changed": 3 if c["personal"] else 0}
        for c in cols]} if published else None
    files = {f"{ident}{s}": {"sha256": f"{i:064x}", "bytes": 1000 + i, "media_type": "text/csv"}
             for s in (".csv", "-excel.csv", ".xlsx", ".json")} if database == "data" else None
    return {"identifier": ident, "title": title, "department": dept, "open_type": open_type,
            "database": database, "row_count": 3 if published else None,
            "content_hash": f"sha256:{i:064x}" if published else None,
            "columns": [c["name"] for c in cols] if published else None,
            "published_at": "2026-11-20T08:00:00+00:00", "record": record, "receipt": receipt,
            "downloads": {"files": files} if files else None}


def catalog(n: int, today: date, seed: int = 8) -> dict[str, dict]:
    rng, fake = random.Random(seed), Faker("zh_CN")
    fake.seed_instance(seed)
    return {e["identifier"]: e for e in (entry(i, rng, fake, today) for i in range(n))}


def write_release(folder: Path, entries: dict[str, dict], history: bool = False) -> Path:
    """A release folder whose data.db holds _catalog (+ _catalog_history) and each open table."""
    folder.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(folder / "data.db")
    keys = list(next(iter(entries.values())).keys())
    conn.execute(f"create table _catalog ({', '.join(k + (' text primary key' if k == 'identifier' else '') for k in keys)})")
    for e in entries.values():
        conn.execute(f"insert into _catalog values ({', '.join('?' * len(keys))})",
                     [json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v for v in e.values()])
        if e["database"] == "data":
            conn.execute(f"create table [{e['identifier']}] (区县 text, 申请人 text, 联系电话 text, 数量 integer)")
            conn.executemany(f"insert into [{e['identifier']}] values (?, ?, ?, ?)",
                             [("鹿城区", f"张{k}", "*******1234", k) for k in range(3)])
    if history:
        conn.execute("create table _catalog_history (identifier text, changed_at text, field text, old text, new text)")
        conn.executemany("insert into _catalog_history values (?, ?, ?, ?, ?)",
                         [(ident, "2026-11-01", "update_frequency", "每月", "每周") for ident in entries])
    conn.commit()
    conn.close()
    return folder


def request_statistics(entries: dict[str, dict], today: date, seed: int = 8) -> dict:
    """Reply-queue statistics from generated requests (portal.queue's own summary): every department
    but the last has requests, some still open; decisions fall 3 to 25 days after filing (some late)."""
    from portal.config import RequestType
    from portal.queue import OUTCOMES, Event, statistics_by_department
    from portal.workdays import Calendar

    rng, rt, rows = random.Random(seed), RequestType(15, "working", "received"), []
    depts = sorted({e["department"] for e in entries.values()})[:-1]
    for n in range(40):
        filed = today - timedelta(days=rng.randint(30, 400))  # this year and the last
        events = [Event(1, "t", filed, "account:1", "submit", None, "submitted", {})]
        if rng.random() < 0.75:   # about one in four is still being handled
            on = filed + timedelta(days=rng.randint(3, 25))
            events.append(Event(2, "t", on, "account:2", "decide", "submitted", "decided",
                                {"outcome": rng.choice(list(OUTCOMES))}))
        rows.append((depts[n % len(depts)], rt, events))
    return {"year": None, **statistics_by_department(rows, Calendar())}
