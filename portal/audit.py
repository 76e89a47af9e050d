"""The audit trail of data access: append-only, HMAC hash-chained, verifiable, pruned no younger than 180 days."""
from __future__ import annotations

import hashlib
import hmac
import json
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import datetime, timedelta, timezone

from .audit_shape import shape
from .store import Store, now_iso

MIN_RETENTION_DAYS = 180    # Y art. 27: access logs are kept at least 6 months
GENESIS = "0" * 64
FIELDS = ("seq", "at", "account_id", "key_prefix", "client_ip", "method", "path", "dataset", "rows", "status")


@dataclass(frozen=True)
class Entry:
    account_id: int | None
    key_prefix: str | None
    client_ip: str | None
    method: str
    path: str           # path and query string as asked; stored reduced by audit_shape.shape
    dataset: str | None
    rows: int
    status: int


def entry_hash(key: bytes, prev_hash: str, values: dict) -> str:
    """HMAC over the previous hash and this entry's fields: editing, removing or moving any entry breaks it."""
    body = json.dumps([prev_hash, *[values[f] for f in FIELDS]], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, body.encode(), hashlib.sha256).hexdigest()


def _meta_mac(key: bytes, name: str, seq: int, h: str) -> str:
    return hmac.new(key, f"{name}|{seq}|{h}".encode(), hashlib.sha256).hexdigest()


def append(c, key: bytes, e: Entry, at: str | None = None) -> int:
    """Append one entry inside the caller's transaction `c` (so usage and audit commit together)."""
    head = c.execute("select seq, hash from audit_meta where name = 'head'").fetchone()
    seq, prev = (head["seq"] + 1, head["hash"]) if head else (1, _anchor_hash(c))
    values = {"seq": seq, "at": at or now_iso(), "account_id": e.account_id, "key_prefix": e.key_prefix,
              "client_ip": e.client_ip, "method": e.method, "path": shape(e.path), "dataset": e.dataset,
              "rows": e.rows, "status": e.status}
    h = entry_hash(key, prev, values)
    c.execute(f"insert into audit ({', '.join(FIELDS)}, prev_hash, hash) values ({', '.join('?' * 12)})",
              (*[values[f] for f in FIELDS], prev, h))
    c.execute("insert or replace into audit_meta (name, seq, hash, mac) values ('head', ?, ?, ?)",
              (seq, h, _meta_mac(key, "head", seq, h)))
    return seq


def _anchor_hash(c) -> str:
    row = c.execute("select hash from audit_meta where name = 'anchor'").fetchone()
    return row["hash"] if row else GENESIS


def record(store: Store, key: bytes, e: Entry) -> int:
    with store.tx() as c:
        return append(c, key, e)


# ---- the entry of a request that changes state, committed in the same transaction as the change ----

@dataclass
class Pending:
    """The audit entry of the request being served (status still unknown), until a change writes it."""
    key: bytes
    entry: Entry
    written: bool = False


# Set by the access guard (and the CLI) around one request; asyncio.to_thread copies it into threads.
PENDING: ContextVar[Pending | None] = ContextVar("portal_audit_pending", default=None)


def with_change(c, status: int, dataset: str | None = None) -> None:
    """Call inside the transaction of a change: the current request's entry commits with it or not at all.

    `status` is what the request answers on success (the change committing is that success). Once
    per request: the guard then writes no second entry. Outside a request (in-process use) a no-op.
    """
    p = PENDING.get()
    if p is None or p.written:
        return
    append(c, p.key, replace(p.entry, status=status, dataset=dataset or p.entry.dataset))
    p.written = True


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    bad_seq: int | None = None
    problem: str = ""


def verify(store: Store, key: bytes) -> Verification:
    """Walk the chain from the prune anchor to the head; name the first entry that does not fit."""
    meta = {r["name"]: r for r in store.all("select * from audit_meta")}
    for name, m in meta.items():
        if not hmac.compare_digest(m["mac"], _meta_mac(key, name, m["seq"], m["hash"])):
            return Verification(False, 0, m["seq"], f"{name} record altered")
    expected_seq = meta["anchor"]["seq"] + 1 if "anchor" in meta else 1
    prev = meta["anchor"]["hash"] if "anchor" in meta else GENESIS
    checked = 0
    with store._lock:
        cursor = store.conn.execute(f"select {', '.join(FIELDS)}, prev_hash, hash from audit order by seq")
        for row in cursor:
            values = dict(row)
            if values["seq"] != expected_seq:
                return Verification(False, checked, expected_seq, f"entry {expected_seq} missing")
            if values["prev_hash"] != prev:
                return Verification(False, checked, values["seq"], "does not follow the previous entry")
            if not hmac.compare_digest(entry_hash(key, prev, values), values["hash"]):
                return Verification(False, checked, values["seq"], "content altered")
            prev, expected_seq, checked = values["hash"], expected_seq + 1, checked + 1
    head = meta.get("head")
    if head and (head["seq"] != expected_seq - 1 or head["hash"] != prev):
        return Verification(False, checked, expected_seq, f"entries after {expected_seq - 1} missing")
    return Verification(True, checked)


def prune(store: Store, key: bytes, retention_days: int, now: datetime | None = None) -> int:
    """Remove the oldest entries older than the retention (never below 180 days); returns how many."""
    days = max(MIN_RETENTION_DAYS, retention_days)
    cutoff = ((now or datetime.now(timezone.utc)) - timedelta(days=days)).isoformat(timespec="seconds")
    with store.tx() as c:
        # Entries are appended in time order, so the old ones are a prefix: cut at the first young one.
        first_young = c.execute("select min(seq) from audit where at >= ?", (cutoff,)).fetchone()[0]
        last = c.execute("select max(seq) from audit").fetchone()[0]
        if last is None:
            return 0
        upto = (first_young - 1) if first_young is not None else last
        row = c.execute("select seq, hash from audit where seq = ?", (upto,)).fetchone()
        if row is None:
            return 0
        c.execute("insert into audit_prune_window values (1)")
        n = c.execute("delete from audit where seq <= ?", (upto,)).rowcount
        c.execute("delete from audit_prune_window")
        c.execute("insert or replace into audit_meta (name, seq, hash, mac) values ('anchor', ?, ?, ?)",
                  (row["seq"], row["hash"], _meta_mac(key, "anchor", row["seq"], row["hash"])))
    return n
