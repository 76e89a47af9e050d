"""Accounts: real-name registration (individual / organisation), one-time codes, staff, review."""
from __future__ import annotations

import hmac
import importlib
import os
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Protocol

from . import audit, keys
from .config import Accounts as AccountsConfig
from .crypto import Crypto, mask_id, mask_mobile, mask_name
from .identity import FieldErrors, Verifier, parse_individual, parse_organisation
from .store import Store, now_iso

ROLES = ("applicant", "publisher", "reviewer", "operator")
STAFF_ROLES = ROLES[1:]
# What an account shows anywhere (CLI, API): masked forms only, never the encrypted columns.
PUBLIC_COLUMNS = ("id", "kind", "role", "status", "name_masked", "org_name", "id_kind", "id_masked",
                  "mobile_masked", "department", "created_at", "verified_at", "reviewed_at", "reviewed_by", "note")


class AccountError(Exception):
    """An account operation was refused; `status` is the matching HTTP status."""

    def __init__(self, message: str, status: int = 400):
        self.status = status
        super().__init__(message)


class Duplicate(FieldErrors):
    """One account per ID number or credit code."""


class Sender(Protocol):
    """Delivers a one-time code to a mobile number (a deployment plugs in its SMS gateway)."""

    def send(self, account_id: int, mobile: str, code: str) -> None: ...


class OutboxSender:
    """Development sender: writes the code to state/outbox/<account>.txt for the operator, never to a log."""

    def __init__(self, outbox: Path):
        self.outbox = Path(outbox)

    def send(self, account_id: int, mobile: str, code: str) -> None:
        self.outbox.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = self.outbox / f"{account_id}.txt"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(f"account {account_id} mobile {mask_mobile(mobile)} code {code}\n")


def load_sender(spec: str, state_dir: Path) -> Sender:
    if spec in ("", "outbox"):
        return OutboxSender(Path(state_dir) / "outbox")
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)()


def read_outbox(state_dir: Path, account_id: int) -> str | None:
    """The last code the development sender wrote for an account (operator / tests)."""
    path = Path(state_dir) / "outbox" / f"{account_id}.txt"
    return path.read_text(encoding="utf-8").split()[-1] if path.exists() else None


@dataclass
class Verified:
    account: dict
    key: str | None
    key_prefix: str | None


class Registry:
    """Registration and account administration over the state store."""

    def __init__(self, store: Store, crypto: Crypto, cfg: AccountsConfig, sender: Sender, verifier: Verifier):
        self.store, self.crypto, self.cfg, self.sender, self.verifier = store, crypto, cfg, sender, verifier

    def register(self, data: dict) -> dict:
        """Create a pending account from a form ({kind, ...}) and send a one-time code to its mobile."""
        kind = data.get("kind")
        if kind == "individual":
            p = parse_individual(data)
            row = self._personal(p.name, "resident_id", p.id_number, p.mobile)
        elif kind == "organisation":
            p = parse_organisation(data)
            row = self._personal(p.contact_name, "uscc", p.credit_code, p.mobile)
            row["org_name"] = p.org_name
        else:
            raise FieldErrors({"kind": "须为 individual 或 organisation (must be individual or organisation)"})
        row.update(kind=kind, role="applicant", status="pending_code", created_at=now_iso())
        with self.store.tx() as c:
            self._free_identity(c, row["id_hash"], "id_number" if kind == "individual" else "credit_code",
                                row["mobile_hash"])
            self._mobile_free(c, kind, row["mobile_hash"])
            cols = ", ".join(row)
            account_id = c.execute(f"insert into accounts ({cols}) values ({', '.join('?' * len(row))})",
                                   tuple(row.values())).lastrowid
            audit.with_change(c, 202)
        self.send_code(account_id)
        return self.get(account_id)

    def _personal(self, name: str, id_kind: str, id_value: str, mobile: str) -> dict:
        enc = self.crypto.encrypt
        return {"name_masked": mask_name(name), "name_enc": enc(name, "name"), "id_kind": id_kind,
                "id_hash": self.crypto.keyed_hash(id_kind, id_value), "id_enc": enc(id_value, id_kind),
                "id_masked": mask_id(id_value), "mobile_hash": self.crypto.keyed_hash("mobile", mobile),
                "mobile_enc": enc(mobile, "mobile"), "mobile_masked": mask_mobile(mobile)}

    def _free_identity(self, c, id_hash: str, field: str, mobile_hash: str) -> None:
        """Refuse a registered ID; drop an abandoned registration whose code has expired.

        An ID whose owner won a claim (portal/claims.py) is kept for the mobile the owner proved.
        """
        claim = c.execute("select mobile_hash from id_claims where id_hash = ? and status = 'granted'"
                          " order by id desc limit 1", (id_hash,)).fetchone()
        if claim is not None and claim["mobile_hash"] != mobile_hash:
            raise Duplicate({field: "该证件号码已由本人认领，仅可用认领时验证的手机号注册 (claimed by its owner)"})
        row = c.execute("select a.id, a.status, o.expires_at from accounts a left join otp_codes o"
                        " on o.account_id = a.id where a.id_hash = ?", (id_hash,)).fetchone()
        if row is None:
            return
        if not _abandoned(row):
            raise Duplicate({field: "该证件号码已注册，每个证件只能注册一个账户；如被他人冒用，请提交认领 "
                                    "(already registered; if not by you, claim it: /api/portal/claims)"})
        c.execute("delete from otp_codes where account_id = ?", (row["id"],))
        c.execute("delete from accounts where id = ?", (row["id"],))

    def _mobile_free(self, c, kind: str, mobile_hash: str) -> None:
        """At most accounts_per_mobile accounts of a kind per mobile (abandoned registrations do not count)."""
        rows = c.execute("select a.status, o.expires_at from accounts a left join otp_codes o on o.account_id = a.id"
                         " where a.mobile_hash = ? and a.kind = ?", (mobile_hash, kind)).fetchall()
        if sum(not _abandoned(r) for r in rows) >= self.cfg.accounts_per_mobile:
            raise Duplicate({"mobile": f"该手机号码已注册{self.cfg.accounts_per_mobile}个账户，不能再注册 "
                                       "(this mobile already holds the accounts it may)"})

    def registration_secret(self, account_id: int) -> str | None:
        """The secret a registration's answer carries: send_code/verify_code need it (ids are sequential)."""
        acct = self.store.one("select created_at from accounts where id = ?", (account_id,))
        return self.crypto.keyed_hash("registration", f"{account_id}:{acct['created_at']}") if acct else None

    def registration_ok(self, account_id: int, secret) -> bool:
        """The secret is this pending registration's; a wrong one, a finished or an unknown registration
        are the same answer, so nobody learns which account ids exist or await a code."""
        acct = self.store.one("select status from accounts where id = ?", (account_id,))
        expected = self.registration_secret(account_id) if acct and acct["status"] == "pending_code" else None
        return isinstance(secret, str) and expected is not None and hmac.compare_digest(
            secret.encode("utf-8", "replace"), expected.encode())

    def send_code(self, account_id: int) -> None:
        """A fresh 6-digit code for a pending account (replaces any earlier one)."""
        acct = self.store.one("select status, mobile_enc from accounts where id = ?", (account_id,))
        if acct is None or acct["status"] != "pending_code":
            raise AccountError("没有待验证的注册 (no registration awaiting a code)", 404)
        code = f"{secrets.randbelow(10**6):06d}"
        expires = (_now() + timedelta(minutes=self.cfg.code_ttl_minutes)).isoformat(timespec="seconds")
        with self.store.tx() as c:
            c.execute("insert or replace into otp_codes (account_id, code_hash, expires_at, attempts, sent_at)"
                      " values (?, ?, ?, 0, ?)", (account_id, self._code_hash(account_id, code), expires, now_iso()))
            audit.with_change(c, 202)
        self.sender.send(account_id, self.crypto.decrypt(acct["mobile_enc"], "mobile"), code)

    def _code_hash(self, account_id: int, code: str) -> str:
        return self.crypto.keyed_hash("otp", f"{account_id}:{code}")

    def verify_code(self, account_id: int, code: str) -> Verified:
        """Confirm the mobile; individuals become active with their first key, organisations go to review."""
        with self.store.tx() as c:
            otp = c.execute("select * from otp_codes where account_id = ?", (account_id,)).fetchone()
            if otp is None:
                raise AccountError("没有待验证的注册 (no registration awaiting a code)", 404)
            if datetime.fromisoformat(otp["expires_at"]) < _now() or otp["attempts"] >= self.cfg.code_attempts:
                raise AccountError("验证码已失效，请重新获取 (code expired: request a new one)", 410)
            if not hmac.compare_digest(self._code_hash(account_id, str(code)), otp["code_hash"]):
                c.execute("update otp_codes set attempts = attempts + 1 where account_id = ?", (account_id,))
                audit.with_change(c, 400)   # a wrong guess is counted and audited together
                ok = False
            else:
                c.execute("delete from otp_codes where account_id = ?", (account_id,))
                ok = True
        if not ok:
            raise AccountError("验证码错误 (wrong code)", 400)
        return self._activate(account_id)

    def _activate(self, account_id: int) -> Verified:
        acct = self.store.one("select * from accounts where id = ?", (account_id,))
        verdict = self._verdict(acct)
        status = {"verified": "active", "review": "review"}.get(verdict.outcome, "suspended")
        with self.store.tx() as c:
            c.execute("update accounts set status = ?, verified_at = ?, note = ? where id = ?",
                      (status, now_iso(), verdict.reason or None, account_id))
            audit.with_change(c, 201 if status != "suspended" else 403)
        if status == "suspended":
            raise AccountError(f"身份核验未通过 (identity not verified): {verdict.reason}", 403)
        token, info = keys.create(self.store, account_id, "注册时签发 (issued at registration)",
                                  self.cfg.key_ttl_days)
        return Verified(self.get(account_id), token, info.prefix)

    def _verdict(self, acct):
        from .identity import Individual, Organisation
        dec = self.crypto.decrypt
        mobile = dec(acct["mobile_enc"], "mobile")
        if acct["kind"] == "individual":
            return self.verifier.verify_individual(Individual(
                dec(acct["name_enc"], "name"), dec(acct["id_enc"], "resident_id"), mobile))
        return self.verifier.verify_organisation(Organisation(
            acct["org_name"], dec(acct["id_enc"], "uscc"), dec(acct["name_enc"], "name"), mobile))

    def get(self, account_id: int) -> dict:
        row = self.store.one(f"select {', '.join(PUBLIC_COLUMNS)} from accounts where id = ?", (account_id,))
        if row is None:
            raise AccountError("没有这个账户 (no such account)", 404)
        return dict(row)

    def accounts(self, status: str | None = None) -> list[dict]:
        where, params = ("where status = ?", (status,)) if status else ("", ())
        return [dict(r) for r in self.store.all(
            f"select {', '.join(PUBLIC_COLUMNS)} from accounts {where} order by id", params)]

    def set_status(self, account_id: int, status: str, by: str, note: str | None = None) -> dict:
        """approve (-> active) or suspend (-> suspended); recorded with the operator's name."""
        self.get(account_id)
        with self.store.tx() as c:
            c.execute("update accounts set status = ?, reviewed_at = ?, reviewed_by = ?, note = coalesce(?, note)"
                      " where id = ?", (status, now_iso(), by, note, account_id))
            audit.with_change(c, 200)
        return self.get(account_id)

    def create_staff(self, name: str, role: str, by: str, department: str | None = None) -> tuple[dict, str]:
        """A staff account (publisher of one department, reviewer, operator) and its first key."""
        if role not in STAFF_ROLES:
            raise AccountError(f"角色须为 {'/'.join(STAFF_ROLES)} (role must be one of them)")
        if role == "publisher" and not department:
            raise AccountError("发布人员必须属于一个部门 (a publisher needs --department)")
        with self.store.tx() as c:
            account_id = c.execute(
                "insert into accounts (kind, role, status, name_masked, name_enc, department, created_at,"
                " reviewed_at, reviewed_by) values ('staff', ?, 'active', ?, ?, ?, ?, ?, ?)",
                (role, mask_name(name), self.crypto.encrypt(name, "name"), department, now_iso(), now_iso(),
                 by)).lastrowid
            audit.with_change(c, 201)
        token, _ = keys.create(self.store, account_id, "员工初始密钥 (staff initial key)", self.cfg.key_ttl_days)
        return self.get(account_id), token


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _abandoned(row) -> bool:
    """A registration never confirmed whose code has expired: it holds neither its ID nor its mobile."""
    return row["status"] == "pending_code" and (
        row["expires_at"] is None or datetime.fromisoformat(row["expires_at"]) < _now())
