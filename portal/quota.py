"""Quotas per tier: requests per minute AND rows per day, X-RateLimit-* headers, the 429 answer."""
from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from .config import Quotas
from .store import Store

CHINA = timezone(timedelta(hours=8))    # quota days run from midnight Beijing time
REGISTER_PAGE = "/register/"
TIER_NAMES = {"anonymous": "匿名用户", "individual": "实名注册个人", "organisation": "实名注册单位"}


@dataclass(frozen=True)
class Tier:
    name: str
    per_minute: int
    rows_per_day: int


def tiers(q: Quotas) -> dict[str, Tier]:
    """The published tiers; staff accounts use the organisation tier."""
    return {"anonymous": Tier("anonymous", q.anonymous_per_minute, q.anonymous_rows_per_day),
            "individual": Tier("individual", q.individual_per_minute, q.individual_rows_per_day),
            "organisation": Tier("organisation", q.organisation_per_minute, q.organisation_rows_per_day)}


@dataclass(frozen=True)
class Decision:
    allowed: bool
    tier: Tier
    remaining: int          # requests left in this minute
    reset: int              # seconds until the minute window resets
    rows_remaining: int     # rows left today (before this request)
    retry_after: int = 0
    exceeded: str = ""      # 'requests' | 'rows' when refused

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [(b"x-ratelimit-limit", str(self.tier.per_minute).encode()),
                (b"x-ratelimit-remaining", str(self.remaining).encode()),
                (b"x-ratelimit-reset", str(self.reset).encode()),
                (b"x-ratelimit-rows-limit", str(self.tier.rows_per_day).encode()),
                (b"x-ratelimit-rows-remaining", str(self.rows_remaining).encode())]

    def refusal(self) -> dict:
        """The Chinese JSON body of a 429: what the limit is, when to retry, where to register."""
        who = TIER_NAMES[self.tier.name]
        if self.exceeded == "rows":
            what = f"{who}每天最多获取 {self.tier.rows_per_day} 行数据"
        else:
            what = f"{who}每分钟最多 {self.tier.per_minute} 次请求"
        hint = "实名注册后可获得更高限额" if self.tier.name == "anonymous" else "如需更高限额请联系平台运营方"
        return {"ok": False, "status": 429,
                "error": f"请求超出限额：{what}。请在 {self.retry_after} 秒后重试；{hint}。"
                         f" (rate limit exceeded: retry after {self.retry_after} s)",
                "limit": {"tier": self.tier.name, "requests_per_minute": self.tier.per_minute,
                          "rows_per_day": self.tier.rows_per_day},
                "retry_after": self.retry_after, "register": REGISTER_PAGE,
                "register_api": "/api/portal/register"}


class Limiter:
    """Counts requests per minute in memory and rows per day (persisted in usage_daily by the audit write)."""

    def __init__(self, store: Store | None, clock=time.time):
        self.store, self.clock = store, clock
        self._lock = threading.Lock()
        self._minute: dict[str, tuple[int, int]] = {}      # subject -> (window, count)
        self._rows: dict[tuple[str, str], int] = {}         # (subject, day) -> rows
        self._hourly: dict[str, tuple[int, int]] = {}

    def day(self) -> str:
        return datetime.fromtimestamp(self.clock(), CHINA).date().isoformat()

    def rows_today(self, subject: str) -> int:
        key = (subject, self.day())
        if key not in self._rows:
            row = self.store.one("select rows from usage_daily where subject = ? and day = ?", key) \
                if self.store else None
            self._rows[key] = row["rows"] if row else 0
        return self._rows[key]

    def check(self, subject: str, tier: Tier) -> Decision:
        """Count one request; refuse it when the minute's requests or the day's rows are used up."""
        now = self.clock()
        window, reset = int(now // 60), 60 - int(now % 60)
        with self._lock:
            if len(self._minute) > 50_000:  # forget old windows so memory stays bounded
                self._minute = {k: v for k, v in self._minute.items() if v[0] == window}
            w, count = self._minute.get(subject, (window, 0))
            count = count if w == window else 0
            rows_left = max(0, tier.rows_per_day - self.rows_today(subject))
            if count >= tier.per_minute:
                return Decision(False, tier, 0, reset, rows_left, reset, "requests")
            if rows_left <= 0:
                return Decision(False, tier, tier.per_minute - count, reset, 0, self._to_midnight(now), "rows")
            self._minute[subject] = (window, count + 1)
            return Decision(True, tier, tier.per_minute - count - 1, reset, rows_left)

    def add_rows(self, subject: str, rows: int) -> None:
        with self._lock:
            key = (subject, self.day())
            self._rows[key] = self.rows_today(subject) + rows

    def hourly(self, key: str, limit: int) -> int:
        """Count one attempt at key (e.g. 'register:<ip>'); 0 when allowed, else seconds to wait."""
        now = self.clock()
        window = int(now // 3600)
        with self._lock:
            w, count = self._hourly.get(key, (window, 0))
            count = count if w == window else 0
            if count >= limit:
                return 3600 - int(now % 3600)
            self._hourly[key] = (window, count + 1)
            return 0

    def _to_midnight(self, now: float) -> int:
        local = datetime.fromtimestamp(now, CHINA)
        midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
        return max(1, math.ceil((midnight - local).total_seconds()))
