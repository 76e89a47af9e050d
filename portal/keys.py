"""API keys: created and shown once, stored as SHA-256 hashes, recognised by prefix, revocable, expiring."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from . import audit
from .store import Store, now_iso

KEY_PREFIX = "odp_"
PREFIX_LEN = len(KEY_PREFIX) + 8   # "odp_" + 8 random characters: shown in lists and the audit log


class KeyError_(Exception):
    """A key operation was refused (unknown key, not yours, already revoked)."""


@dataclass(frozen=True)
class KeyInfo:
    account_id: int
    prefix: str
    name: str | None
    created_at: str
    last_used_at: str | None
    expires_at: str | None
    revoked_at: str | None

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "account_id"}


def _hash(token: str) -> str:
    # Keys carry 32 random bytes, so a plain SHA-256 is enough (no slow KDF needed).
    return hashlib.sha256(token.encode()).hexdigest()


def create(store: Store, account_id: int, name: str | None = None, ttl_days: int = 0) -> tuple[str, KeyInfo]:
    """A new key for the account: (the key, shown only now; its stored description)."""
    expires = (datetime.now(timezone.utc) + timedelta(days=ttl_days)).isoformat(timespec="seconds") \
        if ttl_days > 0 else None
    with store.tx() as c:
        while True:
            token = KEY_PREFIX + secrets.token_urlsafe(32)
            prefix = token[:PREFIX_LEN]
            if not c.execute("select 1 from api_keys where prefix = ?", (prefix,)).fetchone():
                break
        c.execute("insert into api_keys (account_id, prefix, key_hash, name, created_at, expires_at)"
                  " values (?, ?, ?, ?, ?, ?)", (account_id, prefix, _hash(token), name, now_iso(), expires))
        audit.with_change(c, 201)
    return token, get(store, prefix)


def get(store: Store, prefix: str) -> KeyInfo | None:
    row = store.one("select account_id, prefix, name, created_at, last_used_at, expires_at, revoked_at"
                    " from api_keys where prefix = ?", (prefix,))
    return KeyInfo(**dict(row)) if row else None


def list_keys(store: Store, account_id: int) -> list[KeyInfo]:
    rows = store.all("select account_id, prefix, name, created_at, last_used_at, expires_at, revoked_at"
                     " from api_keys where account_id = ? order by id", (account_id,))
    return [KeyInfo(**dict(r)) for r in rows]


def revoke(store: Store, prefix: str, account_id: int | None = None) -> KeyInfo:
    """Revoke by prefix; with account_id only that account's key (the API), without it any (operator)."""
    with store.tx() as c:
        row = c.execute("select account_id, revoked_at from api_keys where prefix = ?", (prefix,)).fetchone()
        if row is None or (account_id is not None and row["account_id"] != account_id):
            raise KeyError_("没有这个密钥 (no such key)")
        if row["revoked_at"] is None:
            c.execute("update api_keys set revoked_at = ? where prefix = ?", (now_iso(), prefix))
            audit.with_change(c, 200)
    return get(store, prefix)


@dataclass(frozen=True)
class Check:
    """Result of looking a presented key up: `ok`, or why not ('unknown', 'revoked', 'expired')."""
    ok: bool
    reason: str = ""
    account_id: int | None = None
    prefix: str | None = None


def check(store: Store, token: str, now: datetime | None = None) -> Check:
    """Look a presented key up by prefix and compare its hash in constant time."""
    if not token.startswith(KEY_PREFIX) or len(token) < PREFIX_LEN + 16:
        return Check(False, "unknown")
    row = store.one("select account_id, prefix, key_hash, expires_at, revoked_at from api_keys where prefix = ?",
                    (token[:PREFIX_LEN],))
    # Compare against a dummy hash when the prefix is unknown so both paths cost the same.
    stored = row["key_hash"] if row else "0" * 64
    if not hmac.compare_digest(_hash(token), stored) or row is None:
        return Check(False, "unknown")
    if row["revoked_at"]:
        return Check(False, "revoked", row["account_id"], row["prefix"])
    now = now or datetime.now(timezone.utc)
    if row["expires_at"] and datetime.fromisoformat(row["expires_at"]) <= now:
        return Check(False, "expired", row["account_id"], row["prefix"])
    return Check(True, "", row["account_id"], row["prefix"])
