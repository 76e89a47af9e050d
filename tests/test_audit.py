"""The audit trail: append-only, hash-chained; tampering is detected and named; 180-day minimum retention."""
from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from portal import audit
from portal.store import Store
from conftest import run_portal

KEY = b"a" * 32
T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def fill(store: Store, n: int, start: datetime = T0, step=timedelta(days=1)) -> None:
    for i in range(n):
        with store.tx() as c:
            audit.append(c, KEY, audit.Entry(i % 3 or None, "odp_abcdefgh", "127.0.0.1", "GET",
                                             f"/data/t.json?_size={i}", "t", i, 200),
                         at=(start + i * step).isoformat(timespec="seconds"))


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "portal.db")
    fill(s, 10)
    yield s
    s.close()


def tamper(store: Store, *sql: str) -> None:
    """What an intruder with the file can do: drop the guards and edit."""
    c = store.conn
    c.execute("drop trigger if exists audit_no_update")
    c.execute("drop trigger if exists audit_no_delete")
    for s in sql:
        c.execute(s)


def test_intact_chain(store):
    assert audit.verify(store, KEY) == audit.Verification(True, 10)


def test_guards_refuse_edits(store):
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("update audit set rows = 0 where seq = 3")
    with pytest.raises(sqlite3.IntegrityError):
        store.conn.execute("delete from audit where seq = 3")


@pytest.mark.parametrize("sql, bad", [
    (["update audit set rows = 999 where seq = 4"], 4),
    (["update audit set client_ip = '10.0.0.1' where seq = 7"], 7),
    (["delete from audit where seq = 5"], 5),
    (["delete from audit where seq = 1"], 1),
    (["delete from audit where seq = 10"], 10),              # the newest entry
    # swap the contents of entries 3 and 6 (each keeps its own valid hash)
    (["update audit set seq = -3 where seq = 3", "update audit set seq = 3 where seq = 6",
      "update audit set seq = 6 where seq = -3"], 3),
])
def test_tampering_is_named(store, sql, bad):
    tamper(store, *sql)
    v = audit.verify(store, KEY)
    assert not v.ok and v.bad_seq == bad


def test_wrong_key_fails(store):
    assert not audit.verify(store, b"b" * 32).ok


def test_prune_never_removes_young_entries(tmp_path):
    s = Store(tmp_path / "p.db")
    now = datetime.now(timezone.utc)
    fill(s, 30, start=now - timedelta(days=200), step=timedelta(days=3))   # 200 .. 113 days old
    # A configured retention of 30 days is raised to 180.
    removed = audit.prune(s, KEY, 30, now=now)
    left = [datetime.fromisoformat(r["at"]) for r in s.all("select at from audit")]
    assert removed == 7 and min(left) >= now - timedelta(days=180)
    assert audit.verify(s, KEY).ok
    fill(s, 2, start=now)
    assert audit.verify(s, KEY) == audit.Verification(True, 25)
    tamper(s, "delete from audit where seq = (select min(seq) from audit)")
    assert audit.verify(s, KEY).bad_seq == 8


def test_cli_verify_names_the_entry(tmp_path):
    config = tmp_path / "portal.toml"
    config.write_text(f'state_dir = "{tmp_path / "state"}"\nbuild_dir = "{tmp_path / "build"}"\n')
    from portal import config as config_mod
    from portal.access import services
    svc = services(config_mod.load(config))
    for i in range(5):
        audit.record(svc.store, svc.audit_key, audit.Entry(None, None, "127.0.0.1", "GET", "/data", None, i, 200))
    ok = run_portal(config, "audit", "verify")
    assert "5 entries" in ok.stdout
    tamper(svc.store, "update audit set path = '/data/other' where seq = 2")
    bad = run_portal(config, "audit", "verify", check=False)
    assert bad.returncode == 1 and "entry 2" in bad.stderr
