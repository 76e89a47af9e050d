"""The portal's configuration: one TOML file, every option documented next to its default."""
from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path


class ConfigError(Exception):
    """The configuration file has problems; `problems` lists (key, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))


@dataclass(frozen=True)
class Quotas:
    """[quotas]: published API limits per tier (shown on the API page); requests/minute AND rows/day."""
    # Anonymous callers, counted per client IP.
    anonymous_per_minute: int = 60
    anonymous_rows_per_day: int = 20_000
    # Registered individuals (实名注册个人), per account.
    individual_per_minute: int = 300
    individual_rows_per_day: int = 500_000
    # Registered organisations (and staff accounts), per account.
    organisation_per_minute: int = 1200
    organisation_rows_per_day: int = 5_000_000
    # Registration forms and one-time-code sending, per client IP per hour.
    register_per_hour: int = 10
    codes_per_hour: int = 5


@dataclass(frozen=True)
class Accounts:
    """[accounts]: registration, keys and the audit trail."""
    # Identity verifier: "builtin" (format + checksums; organisations go to operator review) or
    # "package.module:Class" implementing portal.identity.Verifier (e.g. the province's identity service).
    verifier: str = "builtin"
    # One-time-code sender: "outbox" (writes codes to state/outbox/ for the operator) or "package.module:Class".
    sender: str = "outbox"
    # How long a one-time code is valid, and how many wrong tries it allows.
    code_ttl_minutes: int = 10
    code_attempts: int = 5
    # Default lifetime of new API keys in days (0 = no expiry unless the caller asks for one).
    key_ttl_days: int = 0
    # Audit entries older than this are removed by `portal audit prune`; never less than 180 (Y art. 27).
    audit_retention_days: int = 365


SECTIONS = {"quotas": Quotas, "accounts": Accounts}


@dataclass(frozen=True)
class Config:
    # Where the department folders (dataset.yaml + raw source) live.
    datasets_dir: Path = Path("datasets")
    # Published releases, the current-release link and the built site; safe to delete and rebuild.
    build_dir: Path = Path("build")
    # Portal state (accounts, keys, audit, requests) and secrets; back this up, never serve it.
    state_dir: Path = Path("state")
    # Address `portal serve` listens on.
    host: str = "127.0.0.1"
    port: int = 8001
    # Datasette limits: SQL time limit (ms), maximum rows a query returns, default page size.
    sql_time_limit_ms: int = 1000
    max_returned_rows: int = 1000
    default_page_size: int = 100
    # How many published releases to keep for rollback.
    keep_releases: int = 3
    quotas: Quotas = field(default_factory=Quotas)
    accounts: Accounts = field(default_factory=Accounts)
    extra: dict = field(default_factory=dict)

    @property
    def current(self) -> Path:
        """The release being served: a symlink swapped atomically by `portal publish`."""
        return self.build_dir / "current"

    @property
    def site_dir(self) -> Path:
        return self.build_dir / "site"

    def secret(self, name: str) -> bytes:
        """A secret from the environment (PORTAL_<NAME>), else a key file made once in state/secrets/."""
        env = os.environ.get(f"PORTAL_{name.upper()}")
        if env:
            return env.encode()
        path = self.state_dir / "secrets" / f"{name}.key"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32))
        return path.read_text().strip().encode()


def _sections(raw: dict) -> dict:
    """The typed [sections] (SECTIONS), refusing unknown keys and wrongly typed values."""
    out, problems = {}, []
    for name, cls in SECTIONS.items():
        given = raw.get(name, {})
        if not isinstance(given, dict):
            problems.append((name, "应为一个 [表] (must be a [table])"))
            continue
        types = {f.name: f.type for f in fields(cls)}
        for k, v in given.items():
            if k not in types:
                problems.append((f"{name}.{k}", "未知配置项 (unknown option)"))
            elif type(v).__name__ != types[k]:
                problems.append((f"{name}.{k}", f"应为 {types[k]} (must be {types[k]})"))
        if name in raw:
            out[name] = cls(**{k: v for k, v in given.items() if k in types})
    if problems:
        raise ConfigError(problems)
    return out


def load(path: Path | None = None, **overrides) -> Config:
    """Read portal.toml (if given or present) and apply overrides; paths are relative to the file."""
    values: dict = {}
    base = Path(".")
    if path is None and Path("portal.toml").exists():
        path = Path("portal.toml")
    if path is not None:
        path = Path(path)
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise ConfigError([(str(path), f"无法读取配置 (cannot read: {e})")])
        base = path.parent
        known = {f.name for f in fields(Config)} - {"extra"}
        problems = [(k, "未知配置项 (unknown option)") for k in raw if k not in known and not isinstance(raw[k], dict)]
        if problems:
            raise ConfigError(problems)
        values = {k: v for k, v in raw.items() if k in known}
        values["extra"] = {k: v for k, v in raw.items() if isinstance(v, dict) and k not in SECTIONS}
        values.update(_sections(raw))
    values.update({k: v for k, v in overrides.items() if v is not None})
    for k in ("datasets_dir", "build_dir", "state_dir"):
        if k in values:
            p = Path(values[k])
            values[k] = p if p.is_absolute() else base / p
    return Config(**values)
