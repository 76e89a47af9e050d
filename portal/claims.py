"""Claims of an ID number or credit code someone else registered first: the owner proves mobile and identity,
staff resolve."""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta, timezone

from . import audit
from .accounts import AccountError, Registry
from .crypto import mask_mobile, mask_name
from .identity import FieldErrors, Individual, Organisation, parse_individual, parse_organisation
from .store import now_iso

# What a claim shows anywhere (API, CLI): masked forms only.
PUBLIC_COLUMNS = ("id", "kind", "account_id", "status", "org_name", "name_masked", "mobile_masked", "created_at",
                  "verified_at", "resolved_at", "resolved_by", "note")


def outbox_ref(claim_id: int) -> str:
    """What the code sender is given instead of an account id (the development outbox file name)."""
    return f"claim-{claim_id}"


class Claims:
    """A claim: open (code to the claimant's mobile) -> verify (code + identity verifier) -> staff resolve."""

    def __init__(self, registry: Registry):
        self.r = registry

    def open(self, data: dict) -> dict:
        """Checked like a registration of the same kind; the ID number or credit code must be held by an account."""
        kind = data.get("kind", "individual")
        if kind == "individual":
            p = parse_individual(data)
            id_kind, id_value, name, org_name = "resident_id", p.id_number, p.name, None
        elif kind == "organisation":
            p = parse_organisation(data)
            id_kind, id_value, name, org_name = "uscc", p.credit_code, p.contact_name, p.org_name
        else:
            raise FieldErrors({"kind": "须为 individual 或 organisation (must be individual or organisation)"})
        crypto, now = self.r.crypto, _now()
        id_hash = crypto.keyed_hash(id_kind, id_value)
        code = f"{secrets.randbelow(10**6):06d}"
        with self.r.store.tx() as c:
            holder = c.execute("select id from accounts where id_hash = ?", (id_hash,)).fetchone()
            if holder is None:
                raise AccountError("该证件号码未被注册，请直接注册 (this ID is not registered: register instead)", 404)
            claim_id = c.execute(
                "insert into id_claims (kind, id_hash, account_id, org_name, status, name_enc, name_masked, id_enc,"
                " mobile_hash, mobile_enc, mobile_masked, code_expires_at, created_at)"
                " values (?, ?, ?, ?, 'pending_code', ?, ?, ?, ?, ?, ?, ?, ?)",
                (kind, id_hash, holder["id"], org_name, crypto.encrypt(name, "name"), mask_name(name),
                 crypto.encrypt(id_value, id_kind), crypto.keyed_hash("mobile", p.mobile),
                 crypto.encrypt(p.mobile, "mobile"), mask_mobile(p.mobile),
                 (now + timedelta(minutes=self.r.cfg.code_ttl_minutes)).isoformat(timespec="seconds"),
                 now_iso())).lastrowid
            c.execute("update id_claims set code_hash = ? where id = ?", (self._code_hash(claim_id, code), claim_id))
            audit.with_change(c, 202)
        self.r.sender.send(outbox_ref(claim_id), p.mobile, code)
        return self.get(claim_id)

    def secret(self, claim_id: int) -> str | None:
        """The secret the claim's answer carries: verify needs it (claim ids are sequential)."""
        row = self.r.store.one("select created_at from id_claims where id = ?", (claim_id,))
        return self.r.crypto.keyed_hash("claim", f"{claim_id}:{row['created_at']}") if row else None

    def secret_ok(self, claim_id: int, secret) -> bool:
        """A wrong secret and an unknown claim are the same answer: nobody burns another's attempts."""
        expected = self.secret(claim_id)
        return isinstance(secret, str) and expected is not None and hmac.compare_digest(
            secret.encode("utf-8", "replace"), expected.encode())

    def _code_hash(self, claim_id: int, code: str) -> str:
        return self.r.crypto.keyed_hash("claim-otp", f"{claim_id}:{code}")

    def verify(self, claim_id: int, code: str) -> dict:
        """The code proves the mobile; the deployment's identity verifier then checks name + ID + mobile."""
        with self.r.store.tx() as c:
            row = c.execute("select * from id_claims where id = ?", (claim_id,)).fetchone()
            if row is None or row["status"] != "pending_code":
                raise AccountError("没有待验证的认领 (no claim awaiting a code)", 404)
            if datetime.fromisoformat(row["code_expires_at"]) < _now() or row["code_attempts"] >= self.r.cfg.code_attempts:
                raise AccountError("验证码已失效，请重新提交认领 (code expired: open a new claim)", 410)
            ok = hmac.compare_digest(self._code_hash(claim_id, str(code)), row["code_hash"] or "")
            if not ok:
                c.execute("update id_claims set code_attempts = code_attempts + 1 where id = ?", (claim_id,))
                audit.with_change(c, 400)
        if not ok:
            raise AccountError("验证码错误 (wrong code)", 400)
        dec = self.r.crypto.decrypt
        name, mobile = dec(row["name_enc"], "name"), dec(row["mobile_enc"], "mobile")
        if row["kind"] == "organisation":
            verdict = self.r.verifier.verify_organisation(Organisation(
                row["org_name"], dec(row["id_enc"], "uscc"), name, mobile))
        else:
            verdict = self.r.verifier.verify_individual(Individual(name, dec(row["id_enc"], "resident_id"), mobile))
        status = "rejected" if verdict.outcome == "rejected" else "review"
        with self.r.store.tx() as c:
            c.execute("update id_claims set status = ?, verified_at = ?, code_hash = null, note = ? where id = ?",
                      (status, now_iso(), verdict.reason or None, claim_id))
            audit.with_change(c, 200)
        return self.get(claim_id)

    def resolve(self, claim_id: int, grant: bool, by: str, note: str | None = None) -> dict:
        """Grant: the holding account is suspended, its keys revoked and the ID freed for the claimant's mobile."""
        with self.r.store.tx() as c:
            row = c.execute("select * from id_claims where id = ?", (claim_id,)).fetchone()
            if row is None or row["status"] != "review":
                raise AccountError("没有待处理的认领 (no claim awaiting a decision)", 404)
            if grant:
                holder = c.execute("select id from accounts where id_hash = ?", (row["id_hash"],)).fetchone()
                if holder is not None:
                    c.execute("update accounts set status = 'suspended', id_hash = null, reviewed_at = ?, reviewed_by = ?,"
                              " note = ? where id = ?", (now_iso(), by, f"证件被本人认领 (ID claimed by its owner: claim "
                                                                       f"{claim_id})", holder["id"]))
                    c.execute("update api_keys set revoked_at = ? where account_id = ? and revoked_at is null",
                              (now_iso(), holder["id"]))
            c.execute("update id_claims set status = ?, resolved_at = ?, resolved_by = ?, note = coalesce(?, note)"
                      " where id = ?", ("granted" if grant else "refused", now_iso(), by, note, claim_id))
            audit.with_change(c, 200)
        return self.get(claim_id)

    def get(self, claim_id: int) -> dict:
        row = self.r.store.one(f"select {', '.join(PUBLIC_COLUMNS)} from id_claims where id = ?", (claim_id,))
        if row is None:
            raise AccountError("没有这个认领 (no such claim)", 404)
        return dict(row)

    def list(self, status: str | None = None) -> list[dict]:
        where, params = ("where status = ?", (status,)) if status else ("", ())
        return [dict(r) for r in self.r.store.all(
            f"select {', '.join(PUBLIC_COLUMNS)} from id_claims {where} order by id", params)]


def _now() -> datetime:
    return datetime.now(timezone.utc)
