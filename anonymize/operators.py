"""Desensitization operators: each validates its parameters and turns one value into its safe form."""
from __future__ import annotations

import bisect
import hashlib
import hmac
import itertools
import re
import sqlite3
from pathlib import Path

from faker.providers.person.zh_CN import Provider as _Names
from faker.providers.phone_number.zh_CN import Provider as _Phones

from . import addresses

_SURNAMES = list(_Names.last_names)
# Faker's weights (percentages) as integer cumulative weights, for drawing from a hash.
_SURNAME_CUM = list(itertools.accumulate(max(1, round(w * 10_000)) for w in _Names.last_names.values()))
_GIVEN = sorted({c for c in _Names.first_names if len(c) == 1})
_PHONE_PREFIXES = list(_Phones.phonenumber_prefixes)


def address(value: str) -> str:
    """An address found in a cell, at the declared granularity: 鹿城区［地址］ (the district stays)."""
    return addresses.redact(value)


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


def generalize(value: str, kind: str) -> str:
    """Coarsen a value: address -> district, date -> year, age -> 5-year band."""
    if not value:
        return value
    if kind == "address":  # the district, from the lexicon of divisions (翠苑一区 is an estate, not a 区)
        return addresses.district_prefix(value) or "（地址已隐去）"
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


class Pseudonymizer:
    """Keyed (HMAC-SHA256) pseudonyms mapped to realistic zh_CN surrogates, one-to-one.

    The same input always gets the same surrogate for a given key, so joins across tables still work;
    without the key the mapping cannot be rebuilt (unlike an unkeyed hash, which is brute-forceable).
    With `store` (a SQLite file in the state dir) the mapping persists across tables and publishes,
    keyed by the HMAC digest: the clear value is never written. Collisions in Faker's finite pool are
    resolved by walking on to the next candidate, so two people never share a surrogate.
    """

    CACHE_MAX = 100_000  # bounded in-memory cache in front of the store
    QUERY_MAX = 500      # digests per store query (SQLite's parameter limit is far above)

    def __init__(self, key: bytes, store: Path | str | None = None):
        self.key = key
        self._cache: dict[tuple[str, str], str] = {}
        self._pending = 0
        self._db = sqlite3.connect(str(store) if store else ":memory:", isolation_level=None)
        self._db.execute("pragma journal_mode=wal" if store else "pragma journal_mode=memory")
        self._db.execute("create table if not exists pseudonym (kind text not null, digest blob not null, "
                         "surrogate text not null, primary key (kind, digest), unique (kind, surrogate))")
        self._db.execute("begin")

    def digest(self, value: str, kind: str) -> bytes:
        return hmac.digest(self.key, f"{kind}\x00{value}".encode(), "sha256")

    def __call__(self, value: str, kind: str = "name") -> str:
        return self.many([value], kind)[0]

    def many(self, values: list[str], kind: str = "name") -> list[str]:
        """Surrogates for a batch of values: one store query for all the values not in the cache."""
        out, todo = list(values), {}
        for i, value in enumerate(values):
            if value:
                hit = self._cache.get((kind, value))  # in memory only; the store never sees the clear value
                if hit is None:
                    todo.setdefault(value, []).append(i)
                else:
                    out[i] = hit
        if not todo:
            return out
        digests = {value: self.digest(value, kind) for value in todo}
        known: dict[bytes, str] = {}
        wanted = list(digests.values())
        for start in range(0, len(wanted), self.QUERY_MAX):
            part = wanted[start:start + self.QUERY_MAX]
            known.update(self._db.execute(
                f"select digest, surrogate from pseudonym where kind = ? and digest in ({', '.join('?' * len(part))})",
                (kind, *part)))
        if len(self._cache) + len(todo) > self.CACHE_MAX:
            self._cache.clear()
        for value, positions in todo.items():
            d = digests[value]
            surrogate = known.get(d) or self._assign(kind, d)
            self._cache[(kind, value)] = surrogate
            for i in positions:
                out[i] = surrogate
        return out

    def _assign(self, kind: str, d: bytes) -> str:
        seed = int.from_bytes(d[:8], "big")
        attempt = 0
        while True:  # Faker's pool is finite: walk on until the surrogate is unused for this kind
            surrogate = self._candidate(kind, seed, attempt)
            try:
                self._db.execute("insert into pseudonym values (?, ?, ?)", (kind, d, surrogate))
                break
            except sqlite3.IntegrityError:  # unique (kind, surrogate): taken by someone else
                attempt += 1
        self._pending += 1
        if self._pending >= 1000:
            self.commit()
        return surrogate

    def _candidate(self, kind: str, seed: int, attempt: int) -> str:
        """A surrogate drawn from Faker's zh_CN pools by the digest. The draws come from a hash of (seed,
        attempt): seeding a random.Random per value cost more than the rest of pseudonymizing it."""
        h = int.from_bytes(hashlib.blake2b(seed.to_bytes(8, "big") + attempt.to_bytes(4, "big"),
                                           digest_size=32).digest(), "big")
        if kind == "name":
            h, pick = divmod(h, _SURNAME_CUM[-1])
            surname = _SURNAMES[bisect.bisect_right(_SURNAME_CUM, pick)]
            # Two given-name characters most of the time, as in real names; after many collisions, always.
            h, p = divmod(h, 10)
            chars = []
            for _ in range(2 if attempt >= 20 or p < 7 else 1):
                h, c = divmod(h, len(_GIVEN))
                chars.append(_GIVEN[c])
            name = surname + "".join(chars)
            return name if attempt < 200 else f"{name}{attempt}"
        if kind == "phone":
            h, prefix = divmod(h, len(_PHONE_PREFIXES))
            return f"{_PHONE_PREFIXES[prefix]}{h % 10 ** 8:08d}"
        return f"P{h % 16 ** (12 if attempt < 20 else 16):0{12 if attempt < 20 else 16}X}"

    def commit(self) -> None:
        self._db.execute("commit")
        self._db.execute("begin")
        self._pending = 0

    def close(self) -> None:
        if self._db is not None:
            self._db.execute("commit")
            self._db.close()
            self._db = None


class _Pseudonymize:
    """The pseudonymize rule: value -> surrogate, and many() for a whole column of a batch at once."""

    def __init__(self, pseudonymizer: Pseudonymizer, kind: str):
        self.pseudonymizer, self.kind = pseudonymizer, kind

    def __call__(self, value: str) -> str:
        return self.pseudonymizer(value, self.kind)

    def many(self, values: list[str]) -> list[str]:
        return self.pseudonymizer.many(values, self.kind)


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
        return _Pseudonymize(pseudonymizer, p["kind"])
    raise PolicyError(f"'{op}' 不是有效规则 (unknown rule)")
