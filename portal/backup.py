"""Online backup and verified restore of the portal: state database, published release, catalogue sources."""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from . import audit
from .config import Config
from .store import Store

FORMAT = 1
PREFIX = "portal-backup-"
MANIFEST, SUMS = "manifest.json", "SHA256SUMS"
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


class BackupError(Exception):
    """A backup could not be made or restored; `problems` names every file at fault."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.problems = problems or []
        super().__init__(message + "".join(f"\n  {p}" for p in self.problems))


@dataclass(frozen=True)
class Restored:
    source: Path
    files: int
    release: str | None
    audit_entries: int


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _sqlite_copy(src: Path, dest: Path) -> None:
    """One consistent snapshot with the SQLite backup API: safe while the server writes (WAL mode)."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)  # all pages in one step: one read transaction, one point in time
        if target.execute("pragma integrity_check").fetchone()[0] != "ok":
            raise BackupError(f"{src.name}: 备份副本完整性检查失败 (integrity check of the copy failed)")
        target.execute("pragma journal_mode = delete")  # a self-contained file, no -wal beside it
    finally:
        target.close()
        source.close()


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def _copy_state(state_dir: Path, dest: Path) -> None:
    """Every SQLite database through the backup API; other files (secrets, outbox) copied as they are."""
    for src in sorted(p for p in state_dir.rglob("*") if p.is_file()):
        if src.name.endswith(SQLITE_SIDE_FILES):
            continue
        out = dest / src.relative_to(state_dir)
        out.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if _is_sqlite(src):
            _sqlite_copy(src, out)
        else:
            shutil.copy2(src, out)


def backup(cfg: Config, dest_root: Path, keep: int | None = None) -> Path:
    """Write DEST/portal-backup-<UTC stamp>/ with state/, release/<name>/, datasets/ and manifest.json.

    The state database is copied first, so everything acknowledged before the call is in it.
    Built in a .partial folder and renamed when complete; then only the newest `keep` backups stay.
    """
    started = datetime.now(timezone.utc)
    dest_root = Path(dest_root)
    dest_root.mkdir(parents=True, exist_ok=True, mode=0o700)
    target = dest_root / f"{PREFIX}{started.strftime('%Y%m%dT%H%M%S%fZ')}"
    staging = target.with_name(target.name + ".partial")
    staging.mkdir(mode=0o700)
    try:
        if cfg.state_dir.exists():
            _copy_state(cfg.state_dir, staging / "state")
        release = cfg.current.resolve() if cfg.current.exists() else None
        if release is not None:
            shutil.copytree(release, staging / "release" / release.name, symlinks=False)
        if cfg.datasets_dir.exists():
            shutil.copytree(cfg.datasets_dir, staging / "datasets", ignore=shutil.ignore_patterns("__pycache__"))
        _write_manifest(staging, started, release.name if release else None)
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    prune(dest_root, keep if keep is not None else cfg.operations.backup_keep)
    return target


def _write_manifest(folder: Path, started: datetime, release: str | None) -> None:
    files = {str(p.relative_to(folder)): {"sha256": sha256(p), "bytes": p.stat().st_size}
             for p in sorted(folder.rglob("*")) if p.is_file() and p.name not in (MANIFEST, SUMS)}
    manifest = {"format": FORMAT, "started_at": started.isoformat(timespec="microseconds"),
                "finished_at": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                "release": release, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    # The same checksums in `sha256sum -c` form, for operators checking a copy by hand.
    (folder / SUMS).write_text("".join(f"{v['sha256']}  {k}\n" for k, v in files.items()))


def backups(dest_root: Path) -> list[Path]:
    """The complete backups in a folder, oldest first."""
    return sorted(p for p in Path(dest_root).glob(f"{PREFIX}*") if p.is_dir() and (p / MANIFEST).exists()
                  and not p.name.endswith(".partial"))


def prune(dest_root: Path, keep: int) -> list[Path]:
    """Remove all but the newest `keep` complete backups (and stale .partial folders); return the removed."""
    old = backups(dest_root)[:-keep] if keep > 0 else []
    old += [p for p in Path(dest_root).glob(f"{PREFIX}*.partial") if p.is_dir()]
    for p in old:
        shutil.rmtree(p, ignore_errors=True)
    return old


def verify_files(src: Path) -> dict:
    """The manifest, after checking every listed file's size and sha256; BackupError lists all failures."""
    try:
        manifest = json.loads((src / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise BackupError(f"{src}: 没有可读的 {MANIFEST} (not a portal backup)") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{src}: 备份格式不支持 (unsupported backup format {manifest.get('format')!r})")
    problems = []
    for rel, info in manifest["files"].items():
        p = src / rel
        if not p.is_file():
            problems.append(f"{rel}: 缺失 (missing)")
        elif p.stat().st_size != info["bytes"] or sha256(p) != info["sha256"]:
            problems.append(f"{rel}: 校验和不符 (checksum mismatch)")
    if problems:
        raise BackupError(f"{src}: 备份已损坏，未做任何恢复 (backup damaged; nothing restored)", problems)
    return manifest


def _audit_key(cfg: Config, state_dir: Path) -> bytes:
    env = os.environ.get("PORTAL_AUDIT")
    if env:
        return env.encode()
    key_file = state_dir / "secrets" / "audit.key"
    if not key_file.exists():
        raise BackupError("审计密钥缺失：备份中没有 secrets/audit.key，环境中也没有 PORTAL_AUDIT "
                          "(audit key missing: cannot verify the audit chain)")
    return key_file.read_text().strip().encode()


def verify_audit(cfg: Config, state_dir: Path) -> int:
    """Verify the audit chain of the state database in state_dir; return the entries checked."""
    db = state_dir / "portal.db"
    if not db.exists():
        return 0
    store = Store(db)
    try:
        v = audit.verify(store, _audit_key(cfg, state_dir))
    finally:
        store.close()
    if not v.ok:
        raise BackupError(f"审计日志校验失败 (audit chain broken): entry {v.bad_seq}: {v.problem}")
    return v.checked


def _verify_copy(cfg: Config, state: Path) -> None:
    """Verify the audit chain of a backup on a scratch copy: opening a Store writes, a backup must not change."""
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "state"
        (scratch / "secrets").mkdir(parents=True)
        if (state / "portal.db").exists():
            shutil.copy2(state / "portal.db", scratch / "portal.db")
        if (state / "secrets" / "audit.key").exists():
            shutil.copy2(state / "secrets" / "audit.key", scratch / "secrets" / "audit.key")
        verify_audit(cfg, scratch)


def _replace_dir(src: Path, dest: Path, stamp: str) -> None:
    """Put a copy of src at dest; an existing dest is kept beside it as <dest>.pre-restore-<stamp>."""
    tmp = dest.with_name(f".{dest.name}.restoring-{stamp}")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    if dest.exists():
        dest.rename(dest.with_name(f"{dest.name}.pre-restore-{stamp}"))
    tmp.rename(dest)


def restore(cfg: Config, src: Path, force: bool = False) -> Restored:
    """Check every checksum and the audit chain of backup SRC, then put it in place; verify again.

    Refuses to replace existing state unless `force` (stop the server first): the old state,
    datasets and nothing else are kept beside the new ones as *.pre-restore-<stamp>.
    """
    src = Path(src)
    manifest = verify_files(src)
    if (src / "state").exists():
        _verify_copy(cfg, src / "state")  # before touching anything
    if (cfg.state_dir / "portal.db").exists() and not force:
        raise BackupError(f"{cfg.state_dir}: 已有状态数据；停止服务后用 --force 恢复 (state exists: stop the "
                          "server, then restore with --force; the current state is kept aside)")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    if (src / "state").exists():
        _replace_dir(src / "state", cfg.state_dir, stamp)
        os.chmod(cfg.state_dir, 0o700)
    if (src / "datasets").exists():
        _replace_dir(src / "datasets", cfg.datasets_dir, stamp)
    release = manifest.get("release")
    if release:
        _restore_release(cfg, src / "release" / release)
    checked = verify_audit(cfg, cfg.state_dir)
    return Restored(src, len(manifest["files"]), release, checked)


def _restore_release(cfg: Config, release_src: Path) -> None:
    """Copy the release into build/releases/ (if absent) and point build/current at it atomically."""
    releases = cfg.build_dir / "releases"
    releases.mkdir(parents=True, exist_ok=True)
    dest = releases / release_src.name
    if not dest.exists():
        tmp = releases / f".{release_src.name}.restoring"
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(release_src, tmp)
        tmp.rename(dest)
    link = cfg.build_dir / f".current-restore-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(dest.relative_to(cfg.build_dir))
    os.replace(link, cfg.current)
