"""API keys: shown once, stored hashed, prefix, revoke, expiry, the three header forms."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal import keys
from portal.access import key_from_headers
from portal.store import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "portal.db")
    with s.tx() as c:
        c.execute("insert into accounts (id, kind, role, status, name_masked, created_at)"
                  " values (1, 'individual', 'applicant', 'active', '张*', 'now'),"
                  " (2, 'individual', 'applicant', 'active', '李*', 'now')")
    yield s
    s.close()


def test_create_stores_only_a_hash(store, tmp_path):
    token, info = keys.create(store, 1, "脚本")
    assert token.startswith("odp_") and info.prefix == token[:keys.PREFIX_LEN]
    row = store.one("select * from api_keys where prefix = ?", (info.prefix,))
    assert token not in [str(v) for v in dict(row).values()]
    assert keys.check(store, token) == keys.Check(True, "", 1, info.prefix)


def test_list_shows_prefixes_and_last_use_fields(store):
    t1, _ = keys.create(store, 1)
    t2, _ = keys.create(store, 1)
    keys.create(store, 2)
    listed = keys.list_keys(store, 1)
    assert [k.prefix for k in listed] == [t1[:12], t2[:12]]
    assert all("key_hash" not in k.as_dict() and "last_used_at" in k.as_dict() for k in listed)


def test_unknown_and_tampered_keys(store):
    token, _ = keys.create(store, 1)
    assert keys.check(store, token[:-1] + ("A" if token[-1] != "A" else "B")).reason == "unknown"
    assert keys.check(store, "odp_" + "x" * 40).reason == "unknown"
    assert keys.check(store, "short").reason == "unknown"


def test_revoke_only_own_key_via_api_but_any_by_operator(store):
    token, info = keys.create(store, 1)
    with pytest.raises(keys.KeyError_):
        keys.revoke(store, info.prefix, account_id=2)
    assert keys.check(store, token).ok
    assert keys.revoke(store, info.prefix).revoked_at
    assert keys.check(store, token).reason == "revoked"


def test_expiry(store):
    token, info = keys.create(store, 1, ttl_days=1)
    assert keys.check(store, token).ok
    later = datetime.now(timezone.utc) + timedelta(days=2)
    assert keys.check(store, token, now=later).reason == "expired"


@pytest.mark.parametrize("headers", [
    [(b"authorization", b"Bearer odp_abc")], [(b"Authorization", b"bearer odp_abc")],
    [(b"authorization", b"odp_abc")], [(b"x-ckan-api-key", b"odp_abc")],
    [(b"authorization", b"odp_abc"), (b"x-ckan-api-key", b"odp_abc")],
])
def test_key_header_forms(headers):
    assert key_from_headers(headers) == "odp_abc"


def test_no_key_header():
    assert key_from_headers([(b"accept", b"*/*")]) is None
