"""Backups taken while a real server writes restore every acknowledged write, with checksums and audit verified."""
from __future__ import annotations

import json
import sqlite3
import threading
import time

import httpx
import pytest
from faker import Faker

from portal import backup as backup_mod
from portal import config as config_mod
from conftest import Server, run_portal

pytestmark = pytest.mark.server


def _config(path, datasets, build, state, **ops) -> config_mod.Config:
    lines = [f'datasets_dir = "{datasets}"', f'build_dir = "{build}"', f'state_dir = "{state}"',
             "[quotas]", "register_per_hour = 100000", "codes_per_hour = 100000",
             "anonymous_per_minute = 100000", "[operations]", *[f"{k} = {v}" for k, v in ops.items()]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def live(built_portal, tmp_path_factory):
    """A server on the shared build with its own state directory."""
    work = tmp_path_factory.mktemp("backup_live")
    built = config_mod.load(built_portal)
    config = _config(work / "portal.toml", built.datasets_dir, built.build_dir, work / "state", backup_keep=2)
    srv = Server(config).start()
    httpx.get(srv.url + "/data.json", timeout=30)   # one audited read: the state database exists
    yield srv
    srv.stop()


class Writers:
    """Threads registering people and reading data until stopped; remembers what was acknowledged."""

    def __init__(self, url: str, n: int = 3):
        self.url, self.stop, self.lock = url, threading.Event(), threading.Lock()
        self.acked: list[tuple[float, int]] = []   # (monotonic time of the answer, account id)
        self.statuses: list[int] = []
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(n)]

    def run(self, i: int) -> None:
        fake = Faker("zh_CN")
        fake.seed_instance(1000 + i)
        with httpx.Client(base_url=self.url, timeout=30, headers={"x-forwarded-for": f"10.9.0.{i + 2}"}) as c:
            while not self.stop.is_set():
                r = c.post("/api/portal/register", json={"kind": "individual", "name": fake.name(),
                                                          "id_number": fake.ssn(), "mobile": fake.phone_number()})
                c.get("/data.json")
                with self.lock:
                    self.statuses.append(r.status_code)
                    if r.status_code == 202:
                        self.acked.append((time.monotonic(), r.json()["account"]["id"]))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def acked_before(self, t: float) -> set[int]:
        with self.lock:
            return {a for when, a in self.acked if when <= t}


def _wait_for(writers: Writers, n: int) -> None:
    deadline = time.time() + 60
    while len(writers.acked) < n and time.time() < deadline:
        time.sleep(0.05)
    assert len(writers.acked) >= n, "the server acknowledged too few registrations"


def test_backup_during_writes_restores_every_acknowledged_request(live, tmp_path):
    cfg = config_mod.load(live.config)
    dest = tmp_path / "backups"
    with Writers(live.url) as writers:
        _wait_for(writers, 10)
        started = time.monotonic()
        before = writers.acked_before(started)
        out = backup_mod.backup(cfg, dest)
        _wait_for(writers, len(writers.acked) + 5)     # the server kept writing during and after
    assert all(s < 500 for s in writers.statuses)
    target = tmp_path / "restored"
    restore_toml = _config(tmp_path / "restore.toml", target / "datasets", target / "build", target / "state")
    restore_cfg = config_mod.load(restore_toml)
    result = run_portal(restore_toml, "restore", str(out))
    assert "audit chain intact" in result.stdout
    conn = sqlite3.connect(restore_cfg.state_dir / "portal.db")
    restored = {r[0] for r in conn.execute("select id from accounts")}
    conn.close()
    assert before and before <= restored, "an acknowledged registration is missing from the restored state"
    assert run_portal(restore_toml, "audit", "verify").returncode == 0
    # The restored release is served as the current one, with the catalogue sources beside it.
    assert (restore_cfg.current / "data.db").exists()
    assert (restore_cfg.datasets_dir).is_dir() and any(restore_cfg.datasets_dir.glob("*/dataset.yaml"))


def test_manifest_lists_every_file_with_its_checksum(live, tmp_path):
    out = backup_mod.backup(config_mod.load(live.config), tmp_path)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} - {"manifest.json", "SHA256SUMS"}
    assert set(manifest["files"]) == on_disk
    assert "state/portal.db" in on_disk and any(f.startswith("release/") and f.endswith("/data.db") for f in on_disk)
    for rel, info in manifest["files"].items():
        assert backup_mod.sha256(out / rel) == info["sha256"]


def test_damaged_backup_restores_nothing_and_names_every_bad_file(live, tmp_path):
    out = backup_mod.backup(config_mod.load(live.config), tmp_path / "b")
    (out / "state" / "portal.db").write_bytes(b"x" * 100)
    catalogue = next(out.glob("datasets/*/dataset.yaml"))
    catalogue.unlink()
    cfg = config_mod.load(_config(tmp_path / "r.toml", tmp_path / "r" / "datasets", tmp_path / "r" / "build",
                                  tmp_path / "r" / "state"))
    with pytest.raises(backup_mod.BackupError) as e:
        backup_mod.restore(cfg, out)
    assert {p.split(":")[0] for p in e.value.problems} == {"state/portal.db", str(catalogue.relative_to(out))}
    assert not cfg.state_dir.exists() and not cfg.build_dir.exists()


def test_tampered_audit_chain_is_refused_before_restoring(live, tmp_path):
    out = backup_mod.backup(config_mod.load(live.config), tmp_path / "b")
    db = out / "state" / "portal.db"
    conn = sqlite3.connect(db)
    conn.execute("drop trigger audit_no_update")
    conn.execute("update audit set rows = rows + 1 where seq = (select min(seq) from audit)")
    conn.commit()
    conn.close()
    backup_mod._write_manifest(out, backup_mod.datetime.now(backup_mod.timezone.utc),  # re-seal the checksums
                               json.loads((out / "manifest.json").read_text())["release"])
    cfg = config_mod.load(_config(tmp_path / "r.toml", tmp_path / "r" / "datasets", tmp_path / "r" / "build",
                                  tmp_path / "r" / "state"))
    with pytest.raises(backup_mod.BackupError, match="audit chain broken"):
        backup_mod.restore(cfg, out)
    assert not cfg.state_dir.exists()


def test_existing_state_needs_force_and_is_kept_aside(live, tmp_path):
    out = backup_mod.backup(config_mod.load(live.config), tmp_path / "b")
    cfg = config_mod.load(_config(tmp_path / "r.toml", tmp_path / "r" / "datasets", tmp_path / "r" / "build",
                                  tmp_path / "r" / "state"))
    backup_mod.restore(cfg, out)
    with pytest.raises(backup_mod.BackupError, match="--force"):
        backup_mod.restore(cfg, out)
    backup_mod.restore(cfg, out, force=True)
    assert len(list(cfg.state_dir.parent.glob("state.pre-restore-*"))) == 1


def test_retention_keeps_the_newest_backups(live, tmp_path):
    cfg = config_mod.load(live.config)   # operations.backup_keep = 2
    made = [backup_mod.backup(cfg, tmp_path) for _ in range(3)]
    assert backup_mod.backups(tmp_path) == made[1:]
    assert [p.name for p in backup_mod.prune(tmp_path, 1)] == [made[1].name]
