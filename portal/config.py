"""The portal's configuration: one TOML file, every option documented next to its default."""
from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime, timedelta, timezone
from pathlib import Path


class ConfigError(Exception):
    """The configuration file has problems; `problems` lists (key, message)."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {m}" for k, m in problems))


def bounded(default, lo=None, hi=None):
    """An option with its default and allowed range (inclusive; None = open), checked by `check_value`."""
    return field(default=default, metadata={"range": (lo, hi)})


def choice(default, allowed: tuple):
    """An option with its default and the only values it may take."""
    return field(default=default, metadata={"choices": allowed})


@dataclass(frozen=True)
class Quotas:
    """[quotas]: published API limits per tier (shown on the API page); requests/minute AND rows/day."""
    # Anonymous callers, counted per client IP.
    anonymous_per_minute: int = bounded(60, 1)
    anonymous_rows_per_day: int = bounded(20_000, 1)
    # Registered individuals (实名注册个人), per account.
    individual_per_minute: int = bounded(300, 1)
    individual_rows_per_day: int = bounded(500_000, 1)
    # Registered organisations (and staff accounts), per account.
    organisation_per_minute: int = bounded(1200, 1)
    organisation_rows_per_day: int = bounded(5_000_000, 1)
    # Registration forms and one-time-code sending, per client IP per hour.
    register_per_hour: int = bounded(10, 1)
    codes_per_hour: int = bounded(5, 1)


@dataclass(frozen=True)
class Accounts:
    """[accounts]: registration, keys and the audit trail."""
    # Identity verifier: "builtin" (format + checksums; organisations go to operator review) or
    # "package.module:Class" implementing portal.identity.Verifier (e.g. the province's identity service).
    verifier: str = "builtin"
    # One-time-code sender: "outbox" (writes codes to state/outbox/ for the operator) or "package.module:Class".
    sender: str = "outbox"
    # How long a one-time code is valid, and how many wrong tries it allows.
    code_ttl_minutes: int = bounded(10, 1, 1440)
    code_attempts: int = bounded(5, 1, 20)
    # Default lifetime of new API keys in days (0 = no expiry unless the caller asks for one).
    key_ttl_days: int = bounded(0, 0, 3660)
    # How many accounts of each kind (individual, organisation) one mobile number may hold; an abandoned
    # registration (code expired) does not count. A person whose ID was registered by someone else
    # claims it (POST /api/portal/claims, then `portal users resolve-claim`).
    accounts_per_mobile: int = bounded(1, 1, 100)
    # Audit entries older than this are removed by `portal audit prune`; never less than 180 (Y art. 27).
    audit_retention_days: int = bounded(365, 180)


@dataclass(frozen=True)
class RequestType:
    """[queue.<type>]: the legal clock of one request type (see portal/queue.py)."""
    # Length of the answer period, and how it is counted: "calendar" days as in the Civil Code
    # (art. 201: the start day is not counted; art. 203: a last day on a rest day or holiday moves to
    # the next working day) or "working" days (Chinese working days, portal/workdays.py).
    days: int = 10
    kind: str = "calendar"
    # The clock starts at "accepted" (acceptance) or "received" (receipt of the request).
    starts: str = "accepted"
    # One extension of at most this many days of the same kind, with the approving official recorded
    # (0 = no extension allowed).
    extension_days: int = 0
    # A refusal must cite a legal basis as well as a reason.
    refusal_needs_legal_basis: bool = True
    # Shown on the status page: where the period comes from.
    law: str = ""


@dataclass(frozen=True)
class Queue:
    """[queue]: the reply queue (open-on-request applications, corrections, sharing requests)."""
    # Working-day override file for years chinesecalendar does not cover yet (calendar-overrides.example.toml);
    # relative to this file. Empty = library data, then Monday-Friday with provisional due dates.
    calendar_overrides: str = ""
    # Working days before the due date from which a request counts as due soon; working days after it
    # from which an overdue request counts as seriously overdue.
    due_soon_days: int = 2
    seriously_overdue_days: int = 5
    # Working days the applicant has to supply what is missing; afterwards the request is abandoned.
    supplement_days: int = 15
    # Longest grant (days) a department may give; a grant never outlives the requested period of use.
    max_grant_days: int = 366
    # Outgoing mail: empty smtp_host = in-portal messages only. The password, if any, comes from the
    # environment (PORTAL_SMTP_PASSWORD) or state/secrets/smtp_password.key, never from this file.
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_user: str = ""
    mail_from: str = "noreply@portal.invalid"
    # DEPRECATED: the portal's address is [site] base_url (links in notifications use it too). A value
    # here still works as base_url when that is empty; `portal config check` warns. Empty = unset.
    public_url: str = ""
    # TESTS ONLY: a file holding YYYY-MM-DD that replaces today's date everywhere (deadlines, grants);
    # relative to this file. Never set it in production.
    clock_file: str = ""
    open_request: RequestType = RequestType(10, "calendar", "accepted", 0, True, "H art. 18 (依申请开放)")
    correction: RequestType = RequestType(5, "working", "received", 10, True, "H art. 10; Y art. 23 (校核)")
    share_request: RequestType = RequestType(7, "working", "received", 0, True, "W art. 17 (有条件共享)")


@dataclass(frozen=True)
class Operations:
    """[operations]: request limits, health thresholds, logs, secrets policy and backups."""
    # Largest request body accepted (bytes); a bigger one gets 413 before it is read.
    max_body_bytes: int = bounded(1_048_576, 1024, 1 << 30)
    # /-/health is "not ready" when free space under build_dir or state_dir falls below this (MB).
    min_free_disk_mb: int = bounded(500, 0)
    # Level of the JSON log lines on stderr.
    log_level: str = choice("info", ("debug", "info", "warning", "error"))
    # One JSON line per HTTP request: method, path (query values left out), status, duration, key prefix.
    access_log: bool = True
    # Production: every secret must come from the environment (PORTAL_<NAME>), never state/secrets/.
    require_env_secrets: bool = False
    # How many backups `portal backup DEST` keeps in DEST; older ones go after a verified new one.
    backup_keep: int = bounded(14, 1, 10_000)


def _proxy_problem(v) -> str | None:
    """Why a trusted_proxies list is refused: each entry is an IP address or a network (CIDR)."""
    import ipaddress
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        return "应为字符串列表 (must be a list of IP addresses or networks)"
    for x in v:
        try:
            ipaddress.ip_network(x, strict=False)
        except ValueError:
            return f"不是IP地址或网段 (not an IP address or network: {x!r})"
    return None


@dataclass(frozen=True)
class Server:
    """[server]: how the portal sits behind a reverse proxy."""
    # Addresses (or CIDR networks) of the reverse proxies whose X-Forwarded-For / X-Forwarded-Proto
    # headers are believed (client IP for quotas, limits and the audit; the request scheme). Empty =
    # no proxy: those headers and Forwarded are ignored and the connecting address is the client.
    trusted_proxies: list = field(default_factory=list, metadata={"check": _proxy_problem})


def _files_problem(v) -> str | None:
    """Why a list of files is refused (whether they load is for `portal config check`)."""
    if not isinstance(v, list) or not all(isinstance(x, str) and x.strip() for x in v):
        return "应为文件路径列表 (must be a list of file paths)"
    return None


@dataclass(frozen=True)
class Anonymize:
    """[anonymize]: desensitization settings that apply to every dataset."""
    # Presidio recognizer YAML files (relative to this file) added to the built-in Chinese recognizers for
    # every dataset and for `portal anonymize`: a department's own patterns with context words, deny-lists.
    # A dataset.yaml may add its own with `recognizers: [...]`. Example: ["recognizers/hr.yaml"].
    recognizers: list = field(default_factory=list, metadata={"check": _files_problem})
    # A cell still flagged after desensitization stops the run (today's refusal) instead of being redacted
    # whole and listed in the report. A dataset.yaml may ask for it too (strict_residual: true).
    strict_residual: bool = False


def _origin_problem(v) -> str | None:
    """Why a base_url is refused: it must be an origin (http(s)://host[:port]), nothing more."""
    from urllib.parse import urlsplit
    if v == "":
        return None
    try:
        u = urlsplit(v)
        ok = u.scheme in ("http", "https") and u.hostname and u.path in ("", "/") and not (
            u.query or u.fragment or u.username or u.password) and (u.port or 1)
    except ValueError:
        ok = False
    return None if ok else f"应为 http(s)://主机[:端口]，不含路径 (must be http(s)://host[:port] with no path: {v!r})"


def _hosts_problem(v) -> str | None:
    """Why an allowed_hosts list is refused: each entry is a host name or host:port, nothing more."""
    import re
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        return "应为字符串列表 (must be a list of host names)"
    bad = [x for x in v if not re.fullmatch(r"(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+|[0-9a-fA-F:]+)(:[0-9]{1,5})?", x)]
    return f"不是主机名 (not a host name: {bad[0]!r})" if bad else None


@dataclass(frozen=True)
class Site:
    """[site]: the portal's public address, the one source of every absolute link it gives out."""
    # Public base URL (http(s)://host[:port]) used in absolute links: CKAN, DCAT, data.json, next_url,
    # the site's API examples and links in notifications. Empty = links use the request's Host header,
    # which must be allowed below (notifications then use the listening address).
    base_url: str = field(default="", metadata={"check": _origin_problem})
    # Host names (or host:port) accepted in the Host header when base_url is empty; any other gets 400.
    # Empty = the listen address (host) and localhost (localhost, 127.0.0.1, ::1).
    allowed_hosts: list = field(default_factory=list, metadata={"check": _hosts_problem})


SECTIONS = {"quotas": Quotas, "accounts": Accounts, "queue": Queue, "operations": Operations,
            "server": Server, "anonymize": Anonymize, "site": Site}
# The secrets the portal uses (cfg.secret(name)): environment variable PORTAL_<NAME>, else state/secrets/.
SECRETS = {
    "pseudonym": "keys the pseudonyms in published data (changing it changes every pseudonym)",
    "identity": "encrypts and hashes registrants' personal data (losing it loses those records)",
    "audit": "keys the audit hash chain (losing it makes the trail unverifiable)",
}


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
    port: int = bounded(8001, 1, 65535)
    # Datasette limits: SQL time limit (ms), maximum rows a query returns, default page size.
    sql_time_limit_ms: int = bounded(1000, 10, 60_000)
    max_returned_rows: int = bounded(1000, 1, 100_000)
    default_page_size: int = bounded(100, 1, 100_000)
    # How many published releases to keep for rollback.
    keep_releases: int = bounded(3, 1, 100)
    quotas: Quotas = field(default_factory=Quotas)
    accounts: Accounts = field(default_factory=Accounts)
    queue: Queue = field(default_factory=Queue)
    operations: Operations = field(default_factory=Operations)
    anonymize: Anonymize = field(default_factory=Anonymize)
    server: Server = field(default_factory=Server)
    site: Site = field(default_factory=Site)
    extra: dict = field(default_factory=dict)

    def today(self) -> date:
        """Today's date in China (UTC+8, no daylight saving); [queue] clock_file replaces it in tests."""
        if self.queue.clock_file:
            return date.fromisoformat(Path(self.queue.clock_file).read_text(encoding="utf-8").strip())
        return datetime.now(timezone(timedelta(hours=8))).date()

    @property
    def current(self) -> Path:
        """The release being served: a symlink swapped atomically by `portal publish`."""
        return self.build_dir / "current"

    @property
    def site_dir(self) -> Path:
        return self.build_dir / "site"

    def public_base(self) -> str:
        """The portal's address for links sent out of a request (mail, messages): [site] base_url, else
        the listening address."""
        return self.site.base_url.rstrip("/") or f"http://{self.host}:{self.port}"

    def secret(self, name: str) -> bytes:
        """A secret from the environment (PORTAL_<NAME>), else a key file made once in state/secrets/."""
        env = os.environ.get(f"PORTAL_{name.upper()}")
        if env:
            return env.encode()
        if self.operations.require_env_secrets:
            raise ConfigError([(f"secrets.{name}", f"环境变量 PORTAL_{name.upper()} 未设置 (not set; "
                                "operations.require_env_secrets is on)")])
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
        nested = {f.name: type(f.default) for f in fields(cls) if hasattr(f.default, "__dataclass_fields__")}
        given = dict(given)
        for k, sub in nested.items():  # a [section.sub] table of a typed sub-section (e.g. [queue.correction])
            if k in given:
                given[k] = _sub(f"{name}.{k}", sub, cls.__dataclass_fields__[k].default, given[k], problems)
        for k, v in given.items():
            if k in nested:
                continue
            if k not in types:
                problems.append((f"{name}.{k}", "未知配置项 (unknown option)"))
            else:
                check_value(f"{name}.{k}", cls.__dataclass_fields__[k], v, problems)
        if name in raw:
            out[name] = cls(**{k: v for k, v in given.items() if k in types})
    if problems:
        raise ConfigError(problems)
    return out


def _sub(where: str, cls, default, given, problems: list):
    """One typed sub-table, starting from the default (only the keys given change)."""
    if not isinstance(given, dict):
        problems.append((where, "应为一个 [表] (must be a [table])"))
        return default
    types = {f.name: f.type for f in fields(cls)}
    for k, v in given.items():
        if k not in types:
            problems.append((f"{where}.{k}", "未知配置项 (unknown option)"))
        else:
            check_value(f"{where}.{k}", cls.__dataclass_fields__[k], v, problems)
    return replace(default, **{k: v for k, v in given.items() if k in types})


def check_value(where: str, f, v, problems: list) -> None:
    """Type, range and allowed values of one option (declared next to its default)."""
    want = str(f.type).replace(" ", "")
    ok = {"int": isinstance(v, int) and not isinstance(v, bool), "bool": isinstance(v, bool),
          "float": isinstance(v, (int, float)) and not isinstance(v, bool),
          "str": isinstance(v, str), "Path": isinstance(v, str) and v != ""}.get(want, True)
    if not ok:
        problems.append((where, f"应为 {want} (must be {want}, got {type(v).__name__})"))
        return
    lo, hi = f.metadata.get("range", (None, None))
    if (lo is not None and v < lo) or (hi is not None and v > hi):
        span = f"{lo if lo is not None else '-∞'}..{hi if hi is not None else '∞'}"
        problems.append((where, f"超出范围 (out of range: must be within {span})"))
    problem = f.metadata.get("check", lambda _: None)(v)
    if problem:
        problems.append((where, problem))
    allowed = f.metadata.get("choices")
    if allowed and v not in allowed:
        problems.append((where, f"取值无效 (must be one of: {', '.join(map(str, allowed))})"))


def _top_level(raw: dict, known: set[str]) -> list[tuple[str, str]]:
    """Problems of the top-level options: unknown keys or [sections], wrong types, out of range."""
    problems = []
    for k, v in raw.items():
        if k in SECTIONS:
            continue
        if k not in known:
            what = "未知配置节 (unknown [section])" if isinstance(v, dict) else "未知配置项 (unknown option)"
            problems.append((k, what))
        else:
            check_value(k, Config.__dataclass_fields__[k], v, problems)
    return problems


def load(path: Path | None = None, **overrides) -> Config:
    """Read portal.toml (if given or present) and apply overrides; paths are relative to the file."""
    if path is None and Path("portal.toml").exists():
        path = Path("portal.toml")
    if path is None:
        return from_raw(None, Path("."), **overrides)
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        raise ConfigError([(str(path), f"无法读取配置 (cannot read: {e})")])
    return from_raw(raw, path.parent, **overrides)


def from_raw(raw: dict | None, base: Path, **overrides) -> Config:
    """The Config of a parsed file (None = defaults); every problem raised at once as ConfigError."""
    values: dict = {}
    if raw is not None:
        known = {f.name for f in fields(Config)} - {"extra"} - set(SECTIONS)
        problems = _top_level(raw, known)
        try:
            sections = _sections(raw)
        except ConfigError as e:  # report the top-level and the section problems together
            problems += e.problems
        if problems:
            raise ConfigError(problems)
        values = {k: v for k, v in raw.items() if k in known}
        values.update(sections)
    values.update({k: v for k, v in overrides.items() if v is not None})
    for k in ("datasets_dir", "build_dir", "state_dir"):
        if k in values:
            p = Path(values[k])
            values[k] = p if p.is_absolute() else base / p
    if "anonymize" in values:  # recognizer files are relative to the configuration file too
        values["anonymize"] = replace(values["anonymize"], recognizers=[
            p if Path(p).is_absolute() else str(base / p) for p in values["anonymize"].recognizers])
    if "queue" in values and values["queue"].public_url:
        values["site"] = _moved_public_url(values["queue"].public_url, values.get("site", Site()))
    if "queue" in values:  # the queue's file options are relative to the configuration file too
        q = values["queue"]
        values["queue"] = replace(q, **{k: str(base / getattr(q, k)) for k in ("calendar_overrides", "clock_file")
                                        if getattr(q, k) and not Path(getattr(q, k)).is_absolute()})
    return Config(**values)


def _moved_public_url(public_url: str, site: Site) -> Site:
    """[queue] public_url (deprecated) is [site] base_url: used as such when base_url is empty, refused
    when it names another address (one portal, one address)."""
    old = public_url.rstrip("/")
    problem = _origin_problem(old)
    if problem:
        raise ConfigError([("queue.public_url", f"{problem}；请改用 [site] base_url (use [site] base_url)")])
    if site.base_url and site.base_url.rstrip("/") != old:
        raise ConfigError([("queue.public_url", f"已弃用，且与 site.base_url 不同 (deprecated and differs from "
                                                f"[site] base_url {site.base_url!r}: keep only base_url)")])
    return replace(site, base_url=site.base_url or old)


DEPRECATED = {("queue", "public_url"): "已弃用，请改用 [site] base_url (deprecated: move it to [site] base_url)"}


def deprecations(path: Path) -> list[tuple[str, str]]:
    """Options a file still sets that have moved: they work, `portal config check` warns."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return []
    return [(f"{section}.{key}", why) for (section, key), why in DEPRECATED.items()
            if isinstance(raw.get(section), dict) and key in raw[section]]


# ---- `portal config check`: the file's own problems plus those of the machine it describes ----

def check(path: Path) -> list[tuple[str, str]]:
    """Every problem of a configuration file at once, keyed by option: syntax, unknown keys, types,
    ranges, then paths, secrets and plug-ins on this machine. An empty list means the file is good."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return [(str(path), f"无法读取配置 (cannot read: {e})")]
    try:
        return environment_problems(from_raw(raw, path.parent))
    except ConfigError as e:
        # Check the machine too, against the options that were valid (bad ones fall back to defaults).
        bad = {k.split(".")[0] for k, _ in e.problems}
        try:
            cfg = from_raw({k: v for k, v in raw.items() if k not in bad}, path.parent)
        except ConfigError:
            return e.problems
        return e.problems + environment_problems(cfg)


def environment_problems(cfg: Config) -> list[tuple[str, str]]:
    """Paths, secrets and plug-ins: what a valid file can still get wrong about this machine."""
    problems = []
    if not cfg.datasets_dir.is_dir():
        problems.append(("datasets_dir", f"目录不存在 (no such folder: {cfg.datasets_dir})"))
    for key in ("build_dir", "state_dir"):
        p = getattr(cfg, key)
        probe = p if p.exists() else p.parent
        if p.exists() and not p.is_dir():
            problems.append((key, f"不是目录 (not a folder: {p})"))
        elif not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
            problems.append((key, f"无法写入 (cannot create or write: {p})"))
    state, build = cfg.state_dir.resolve(), cfg.build_dir.resolve()
    if state == build or build in state.parents or state in build.parents:
        problems.append(("state_dir", "状态目录不得与发布目录重叠，发布目录会被公开 (must not overlap build_dir: "
                                      "build/ is served, state/ holds secrets)"))
    if cfg.default_page_size > cfg.max_returned_rows:
        problems.append(("default_page_size", "不得大于 max_returned_rows (must not exceed max_returned_rows)"))
    problems += _calendar_problems(cfg) + _secret_problems(cfg) + _plugin_problems(cfg) + _recognizer_problems(cfg)
    return problems


def _calendar_problems(cfg: Config) -> list[tuple[str, str]]:
    overrides = getattr(getattr(cfg, "queue", None), "calendar_overrides", "")
    if not overrides:
        return []
    from .workdays import CalendarConfigError, load_overrides
    try:
        load_overrides(Path(overrides))
    except OSError:
        return [("queue.calendar_overrides", f"文件不存在 (cannot read: {overrides})")]
    except CalendarConfigError as e:
        return [("queue.calendar_overrides", f"{where}: {msg}") for where, msg in e.errors]
    return []


def _recognizer_problems(cfg: Config) -> list[tuple[str, str]]:
    """[anonymize] recognizers: every file must load as Presidio recognizers (YAML, regexes)."""
    if not cfg.anonymize.recognizers:
        return []
    from anonymize.registry import RecognizerFileError, build
    try:
        build(cfg.anonymize.recognizers)
    except RecognizerFileError as e:
        return [("anonymize.recognizers", f"{f}: {m}") for f, m in e.problems]
    return []


def _secret_problems(cfg: Config) -> list[tuple[str, str]]:
    """A secret missing from the environment (when required), too short, or lost while data needs it."""
    problems = []
    has_state = (cfg.state_dir / "portal.db").exists()
    for name in SECRETS:
        env = os.environ.get(f"PORTAL_{name.upper()}")
        key_file = cfg.state_dir / "secrets" / f"{name}.key"
        if env is not None and len(env) < 32:
            problems.append((f"secrets.{name}", f"PORTAL_{name.upper()} 过短，至少32个字符 (too short: 32+ characters)"))
        elif env is None and cfg.operations.require_env_secrets:
            problems.append((f"secrets.{name}", f"环境变量 PORTAL_{name.upper()} 未设置 (not set in the environment)"))
        elif env is None and has_state and name != "pseudonym" and not key_file.exists():
            problems.append((f"secrets.{name}", f"密钥缺失：既无 PORTAL_{name.upper()} 也无 {key_file} "
                                                "(missing while state exists: restore it from the backup)"))
    smtp_user = getattr(getattr(cfg, "queue", None), "smtp_user", "")
    if smtp_user and not os.environ.get("PORTAL_SMTP_PASSWORD") \
            and not (cfg.state_dir / "secrets" / "smtp_password.key").exists():
        problems.append(("secrets.smtp_password", "已设置 queue.smtp_user 但没有 PORTAL_SMTP_PASSWORD (not set)"))
    return problems


def _plugin_problems(cfg: Config) -> list[tuple[str, str]]:
    """`package.module:Class` options must name a class that can be imported."""
    import importlib
    problems = []
    for key, builtin in (("verifier", "builtin"), ("sender", "outbox")):
        spec = getattr(cfg.accounts, key)
        if spec == builtin:
            continue
        module, _, cls = spec.partition(":")
        try:
            if not cls or not hasattr(importlib.import_module(module), cls):
                raise ImportError
        except Exception:  # any failure to import is the same problem for the operator
            problems.append((f"accounts.{key}", f"无法加载 (cannot import {spec!r}: use \"{builtin}\" or "
                                                "\"package.module:Class\")"))
    return problems
