"""Registration field checks (GB 11643 ID numbers, GB 32100 credit codes, mobiles) and pluggable verifiers."""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Protocol

from anonymize.checksums import date_ok, normalize_digits, resident_id_ok, uscc_ok

from .area_codes import is_known

_MOBILE = re.compile(r"1[3-9]\d{9}")
_NAME = re.compile(r"[\u3400-\u9fff·•]{2,20}|[A-Za-z][A-Za-z .'-]{1,58}[A-Za-z]")
_ORG_NAME_MAX = 100


def id_problem(value: str) -> str | None:
    """Why a resident ID number is refused (no echo of the value), or None when it is valid."""
    s = normalize_digits(value or "")
    if len(s) != 18 or not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        return "身份证号码须为18位，最后一位可为数字或X (must be 18 characters: 17 digits and a digit or X)"
    if not is_known(s[:6]):   # GB/T 2260, current or historical: a number keeps its issuing county's code
        return "身份证号码地址码无效 (area code not in GB/T 2260)"
    if not date_ok(s[6:14]):
        return "身份证号码中的出生日期无效 (impossible birth date)"
    if not resident_id_ok(s):
        return "身份证号码校验位错误 (wrong check digit)"
    return None


def uscc_problem(value: str) -> str | None:
    s = normalize_digits(value or "")
    if len(s) != 18:
        return "统一社会信用代码须为18位 (must be 18 characters)"
    if not uscc_ok(s):
        return "统一社会信用代码无效或校验码错误 (invalid code or check character, GB 32100)"
    return None


def mobile_problem(value: str) -> str | None:
    s = normalize_digits(value or "").removeprefix("+86")
    return None if _MOBILE.fullmatch(s) else "手机号码须为11位中国大陆手机号 (must be an 11-digit mainland mobile)"


def name_problem(value: str) -> str | None:
    return None if _NAME.fullmatch((value or "").strip()) else "姓名须为2-20个汉字 (name: 2-20 Chinese characters)"


def normalize_mobile(value: str) -> str:
    return normalize_digits(value).removeprefix("+86")


@dataclass(frozen=True)
class Individual:
    name: str
    id_number: str
    mobile: str


@dataclass(frozen=True)
class Organisation:
    org_name: str
    credit_code: str
    contact_name: str
    mobile: str


class FieldErrors(Exception):
    """Every problem of a registration form at once: {field: message}; messages never hold the value."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))


def _text(data: dict, key: str) -> str:
    v = data.get(key)
    return v.strip() if isinstance(v, str) else ""


def parse_individual(data: dict) -> Individual:
    """Check an individual's form; raise FieldErrors naming every bad field."""
    name, idn, mobile = _text(data, "name"), _text(data, "id_number"), _text(data, "mobile")
    errors = {k: m for k, m in (("name", name_problem(name)), ("id_number", id_problem(idn)),
                                ("mobile", mobile_problem(mobile))) if m}
    if errors:
        raise FieldErrors(errors)
    return Individual(name, normalize_digits(idn), normalize_mobile(mobile))


def parse_organisation(data: dict) -> Organisation:
    org, code = _text(data, "org_name"), _text(data, "credit_code")
    contact, mobile = _text(data, "contact_name"), _text(data, "mobile")
    errors = {}
    if not 2 <= len(org) <= _ORG_NAME_MAX:
        errors["org_name"] = f"单位名称须为2-{_ORG_NAME_MAX}个字符 (organisation name required)"
    for key, msg in (("credit_code", uscc_problem(code)), ("contact_name", name_problem(contact)),
                     ("mobile", mobile_problem(mobile))):
        if msg:
            errors[key] = msg
    if errors:
        raise FieldErrors(errors)
    return Organisation(org, normalize_digits(code), contact, normalize_mobile(mobile))


@dataclass(frozen=True)
class Verdict:
    """'verified' (account becomes active), 'review' (operator queue) or 'rejected' (with a reason)."""
    outcome: str
    reason: str = ""


class Verifier(Protocol):
    """A deployment plugs in the province's identity service by implementing this."""

    def verify_individual(self, person: Individual) -> Verdict: ...

    def verify_organisation(self, org: Organisation) -> Verdict: ...


class BuiltinVerifier:
    """Format and checksums only (already checked by parse_*): people pass, organisations wait for review."""

    def verify_individual(self, person: Individual) -> Verdict:
        return Verdict("verified")

    def verify_organisation(self, org: Organisation) -> Verdict:
        return Verdict("review", "待运营人员审核 (awaiting operator review)")


def load_verifier(spec: str) -> Verifier:
    """'builtin' or 'package.module:ClassName' (instantiated without arguments)."""
    if spec in ("", "builtin"):
        return BuiltinVerifier()
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)()
