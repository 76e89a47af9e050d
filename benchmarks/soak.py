"""Soak test: a real server on loopback under anonymous readers, registered users filing requests and
new registrations for a bounded time; then every acknowledged write must be present, the audit chain
must verify, the server's memory must not have grown without bound, and no 5xx may have been returned.

    .venv/bin/python benchmarks/soak.py [--seconds 60] [--config portal.toml]

Uses the published build of --config (default: ./portal.toml or the defaults) read-only, with its own
temporary state directory. Exit status 1 when a check fails.
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from faker import Faker

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import audit  # noqa: E402
from portal import config as config_mod  # noqa: E402
from portal.accounts import read_outbox  # noqa: E402
from portal.store import Store  # noqa: E402
from tests.conftest import Server  # noqa: E402


class Tally:
    """Statuses, latencies and acknowledged writes of every client thread."""

    def __init__(self):
        self.lock = threading.Lock()
        self.statuses: Counter = Counter()
        self.latencies: list[float] = []
        self.fivexx: list[str] = []
        self.accounts: set[int] = set()
        self.requests: set[str] = set()

    def call(self, c: httpx.Client, method: str, path: str, **kw) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            r = c.request(method, path, **kw)
        except httpx.HTTPError as e:
            with self.lock:
                self.statuses[type(e).__name__] += 1
            return None
        with self.lock:
            self.latencies.append(time.perf_counter() - start)
            self.statuses[r.status_code] += 1
            if r.status_code >= 500:
                self.fivexx.append(f"{method} {path.split('?')[0]} {r.status_code}")
        return r


def write_config(work: Path, base: config_mod.Config) -> Path:
    path = work / "portal.toml"
    path.write_text(f'datasets_dir = "{base.datasets_dir.resolve()}"\nbuild_dir = "{base.build_dir.resolve()}"\n'
                    f'state_dir = "{work / "state"}"\n[quotas]\nanonymous_per_minute = 1000000\n'
                    "individual_per_minute = 1000000\nregister_per_hour = 1000000\ncodes_per_hour = 1000000\n"
                    "[operations]\naccess_log = false\n", encoding="utf-8")
    return path


def open_tables(cfg: config_mod.Config) -> list[tuple[str, str]]:
    """(identifier, department) of every open table."""
    import sqlite3
    conn = sqlite3.connect(cfg.current / "data.db")
    try:
        return conn.execute("select identifier, department from _catalog where database = 'data'").fetchall()
    finally:
        conn.close()


def register(srv: Server, tally: Tally, fake: Faker, ip: str, verify: bool) -> str | None:
    """Register one person (acknowledged = 202); with verify, confirm the code and return the key."""
    with httpx.Client(base_url=srv.url, timeout=30, headers={"x-forwarded-for": ip}) as c:
        r = tally.call(c, "POST", "/api/portal/register", json={
            "kind": "individual", "name": fake.name(), "id_number": fake.ssn(), "mobile": fake.phone_number()})
        if r is None or r.status_code != 202:
            return None
        acct = r.json()["account"]["id"]
        with tally.lock:
            tally.accounts.add(acct)
        if not verify:
            return None
        code = read_outbox(srv.config.parent / "state", acct)
        r = tally.call(c, "POST", "/api/portal/verify-code", json={"account_id": acct, "code": code})
        return r.json()["key"] if r is not None and r.status_code == 201 else None


def anonymous(srv, tally, tables, stop, i):
    fake = Faker("zh_CN")
    fake.seed_instance(i)
    with httpx.Client(base_url=srv.url, timeout=30, headers={"x-forwarded-for": f"10.20.0.{i}"}) as c:
        n = 0
        while not stop.is_set():
            t = tables[n % len(tables)][0]
            for path in (f"/data/{t}.json?_size=50", f"/api/3/action/package_search?q={fake.word()}",
                         f"/api/3/action/datastore_search?resource_id={t}&limit=20", "/", f"/data/{t}"):
                tally.call(c, "GET", path)
            n += 1


def registered(srv, tally, tables, stop, i):
    fake = Faker("zh_CN")
    fake.seed_instance(100 + i)
    key = register(srv, tally, fake, f"10.21.0.{i}", verify=True)
    if key is None:
        return
    with httpx.Client(base_url=srv.url, timeout=30, headers={"authorization": f"Bearer {key}"}) as c:
        n = 0
        while not stop.is_set():
            t, department = tables[n % len(tables)]
            tally.call(c, "GET", f"/data/{t}.json?_size=100")
            # A correction naming the department, not the dataset: one request per need (J art. 13)
            # allows only one open request per dataset and applicant.
            r = tally.call(c, "POST", "/api/portal/requests", json={
                "type": "correction", "department": department,
                "description": f"soak {i}-{n}: {t}: {fake.sentence()}"})
            if r is not None and r.status_code == 201:
                with tally.lock:
                    tally.requests.add(r.json()["tracking"])
            n += 1


def registrar(srv, tally, tables, stop, i):
    fake = Faker("zh_CN")
    fake.seed_instance(200 + i)
    n = 0
    while not stop.is_set():
        register(srv, tally, fake, f"10.22.{i}.{n % 250 + 1}", verify=False)
        n += 1


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run(seconds: float, base: config_mod.Config, readers: int, users: int, registrars: int) -> int:
    work = Path(tempfile.mkdtemp(prefix="soak-"))
    srv = Server(write_config(work, base)).start()
    cfg = config_mod.load(srv.config)
    tally, stop, rss = Tally(), threading.Event(), []
    tables = open_tables(cfg)
    roles = [(anonymous, readers), (registered, users), (registrar, registrars)]
    threads = [threading.Thread(target=fn, args=(srv, tally, tables, stop, i + 1), daemon=True)
               for fn, n in roles for i in range(n)]
    try:
        started = time.time()
        for t in threads:
            t.start()
        while time.time() - started < seconds:
            rss.append(rss_mb(srv.proc.pid))
            time.sleep(1)
        stop.set()
        for t in threads:
            t.join(60)
        elapsed = time.time() - started
        rss.append(rss_mb(srv.proc.pid))
    finally:
        srv.stop()
    return report(cfg, tally, rss, elapsed, work)


def report(cfg, tally: Tally, rss: list[float], elapsed: float, work: Path) -> int:
    store = Store(cfg.state_dir / "portal.db")
    try:
        accounts = {r[0] for r in store.all("select id from accounts")}
        tracked = {r[0] for r in store.all("select tracking from requests")}
        chain = audit.verify(store, cfg.secret("audit"))
    finally:
        store.close()
    total = sum(v for k, v in tally.statuses.items() if isinstance(k, int))
    lat = sorted(tally.latencies) or [0.0]
    warm = rss[len(rss) // 5: max(len(rss) // 5 + 1, 2 * len(rss) // 5)] or rss[:1]
    early, late = statistics.mean(warm), statistics.mean(rss[-max(1, len(rss) // 5):])
    checks = {
        "no 5xx": not tally.fivexx,
        "every acknowledged registration present": tally.accounts <= accounts,
        "every acknowledged request present": tally.requests <= tracked,
        "audit chain verifies": chain.ok,
        "memory bounded (late <= 1.5 x early + 50 MB)": late <= 1.5 * early + 50,
    }
    print(f"soak: {elapsed:.0f} s, {total} responses ({total / elapsed:.0f}/s), "
          f"p50 {lat[len(lat) // 2] * 1000:.0f} ms, p95 {lat[int(len(lat) * 0.95)] * 1000:.0f} ms, "
          f"p99 {lat[int(len(lat) * 0.99)] * 1000:.0f} ms")
    print(f"statuses: {dict(sorted(tally.statuses.items(), key=str))}")
    print(f"writes acknowledged: {len(tally.accounts)} registrations, {len(tally.requests)} requests; "
          f"audit entries verified: {chain.checked}")
    print(f"server RSS: start {rss[0]:.0f} MB, early {early:.0f} MB, late {late:.0f} MB, peak {max(rss):.0f} MB")
    for name, ok in checks.items():
        print(f"  [{'ok' if ok else 'FAIL'}] {name}")
    if tally.fivexx:
        print("  5xx:", Counter(tally.fivexx).most_common(5))
    print(f"state kept in {work}")
    return 0 if all(checks.values()) else 1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--config", type=Path, help="portal.toml whose build is served (default: ./portal.toml)")
    ap.add_argument("--readers", type=int, default=4, help="anonymous reading clients")
    ap.add_argument("--users", type=int, default=2, help="registered clients reading and filing requests")
    ap.add_argument("--registrars", type=int, default=1, help="clients registering new accounts")
    a = ap.parse_args()
    base = config_mod.load(a.config)
    if not base.current.exists():
        sys.exit(f"{base.current}: nothing published: run `portal build` first")
    sys.exit(run(a.seconds, base, a.readers, a.users, a.registrars))


if __name__ == "__main__":
    main()
