"""Desensitization operators: each validates its parameters and turns one value into its safe form."""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass, field

from faker import Faker


class PolicyError(Exception):
    """A desensitization rule is invalid or missing; names the column and the problem."""


def _params(op: str, params: dict, allowed: dict) -> dict:
    unknown = set(params) - set(allowed)
    if unknown:
        raise PolicyError(f"{op}: 未知参数 {sorted(unknown)} (unknown parameters; allowed: {sorted(allowed)})")
    merged = {**allowed, **params}
    for k, default in allowed.items():
        if not isinstance(merged[k], type(default)):
            raise PolicyError(f"{op}.{k}: 应为 {type(default).__name__} (wrong type)")
    return merged


def mask(value: str, keep_first: int = 0, keep_last: int = 4, char: str = "*") -> str:
    """138****5678-style: keep the ends, replace the middle; short values are fully masked."""
    if not value:
        return value
    if len(value) <= keep_first + keep_last:
        return char * len(value)
    return value[:keep_first] + char * (len(value) - keep_first - keep_last) + value[len(value) - keep_last:]


# Administrative units only: a segment may not run through a road, number or building word, so
# "乐清市伯乐东路134号柳市公寓" stops at 乐清市 instead of at the second 市.
_SEG = r"[^\W\d_省盟区县旗路街道巷弄号幢栋单元室村镇乡楼院]{1,8}?"
ADDRESS_TO_DISTRICT = re.compile(
    rf"^\s*({_SEG}(?:省|自治区|特别行政区))?({_SEG}(?:市|自治州|州|盟|地区))?({_SEG}(?:区|县|旗|市))?")


def generalize(value: str, kind: str) -> str:
    """Coarsen a value: address -> district, date -> year, age -> 5-year band."""
    if not value:
        return value
    if kind == "address":
        m = ADDRESS_TO_DISTRICT.match(value)
        district = "".join(g for g in (m.groups() if m else ()) if g)
        return district or "（地址已隐去）"
    if kind == "year":
        m = re.match(r"^\s*(\d{4})", value)
        return m.group(1) if m else ""
    if kind == "age_band":
        try:
            age = int(float(value))
        except ValueError:
            return ""
        low = age - age % 5
        return f"{low}-{low + 4}"
    raise PolicyError(f"generalize.kind: '{kind}' 无效 (must be address | year | age_band)")


@dataclass
class Pseudonymizer:
    """Keyed (HMAC-SHA256) pseudonyms mapped to realistic zh_CN surrogates, one-to-one within a run.

    The same input always gets the same surrogate for a given key, so joins across tables still work;
    without the key the mapping cannot be rebuilt (unlike an unkeyed hash, which is brute-forceable).
    """
    key: bytes
    _forward: dict[tuple[str, str], str] = field(default_factory=dict)
    _taken: set[str] = field(default_factory=set)

    def __call__(self, value: str, kind: str = "name") -> str:
        if not value:
            return value
        k = (kind, value)
        if k in self._forward:
            return self._forward[k]
        digest = hmac.new(self.key, f"{kind}\x00{value}".encode(), hashlib.sha256).digest()
        seed = int.from_bytes(digest[:8], "big")
        attempt = 0
        while True:  # Faker's name pool is finite: walk on until the surrogate is unused
            fake = Faker("zh_CN")
            fake.seed_instance(seed + attempt)
            surrogate = self._surrogate(fake, kind, attempt)
            if surrogate not in self._taken:
                break
            attempt += 1
        self._taken.add(surrogate)
        self._forward[k] = surrogate
        return surrogate

    @staticmethod
    def _surrogate(fake: Faker, kind: str, attempt: int) -> str:
        if kind == "name":
            # After many collisions, widen the pool with a second given-name character.
            return fake.name() if attempt < 20 else fake.last_name() + fake.first_name() + fake.first_name()[0]
        if kind == "phone":
            return fake.phone_number()
        return "P" + fake.hexify("^^^^^^^^^^^^").upper()


def make(op: str, params: dict, pseudonymizer: Pseudonymizer | None, personal: str | None = None):
    """Return value -> value for a rule (None for drop); raises PolicyError on a bad rule."""
    if op == "keep":
        _params(op, params, {})
        return lambda v: v
    if op == "drop":
        _params(op, params, {})
        return None
    if op == "mask":
        p = _params(op, params, {"keep_first": 1 if personal == "姓名" else 0,
                                 "keep_last": 0 if personal == "姓名" else 4, "char": "*"})
        return lambda v: mask(v, p["keep_first"], p["keep_last"], p["char"])
    if op == "generalize":
        default = {"住址": "address", "出生日期": "year", "年龄": "age_band"}.get(personal or "", "address")
        p = _params(op, params, {"kind": default})
        generalize("x", p["kind"])  # validates the kind now, not on the first row
        return lambda v: generalize(v, p["kind"])
    if op == "pseudonymize":
        kind = {"姓名": "name", "手机号码": "phone"}.get(personal or "", "id")
        p = _params(op, params, {"kind": kind})
        if pseudonymizer is None:
            raise PolicyError("pseudonymize: 未配置假名化密钥 (no pseudonymization key configured)")
        return lambda v: pseudonymizer(v, p["kind"])
    raise PolicyError(f"'{op}' 不是有效规则 (unknown rule)")
