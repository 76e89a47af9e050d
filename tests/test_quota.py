"""Quotas: requests per minute AND rows per day per tier, headers, the Chinese 429 body, [quotas] config."""
from __future__ import annotations

import pytest

from portal import config
from portal.quota import Limiter, tiers


class Clock:
    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_requests_per_minute_then_reset():
    clock = Clock(1_800_000_000 - 1_800_000_000 % 60 + 10)    # 10 s into a minute
    lim, tier = Limiter(None, clock), tiers(config.Quotas(anonymous_per_minute=3))["anonymous"]
    got = [lim.check("ip:a", tier) for _ in range(4)]
    assert [d.allowed for d in got] == [True, True, True, False]
    assert [d.remaining for d in got[:3]] == [2, 1, 0]
    refused = got[3]
    assert refused.exceeded == "requests" and refused.retry_after == 50 and refused.reset == 50
    assert lim.check("ip:b", tier).allowed            # per subject
    clock.t += 50
    assert lim.check("ip:a", tier).allowed


def test_rows_per_day_cannot_be_bypassed_by_big_pages():
    clock = Clock()
    lim, tier = Limiter(None, clock), tiers(config.Quotas(individual_rows_per_day=1000))["individual"]
    assert lim.check("acct:1", tier).allowed
    lim.add_rows("acct:1", 1000)                      # one huge page uses the whole day
    d = lim.check("acct:1", tier)
    assert not d.allowed and d.exceeded == "rows" and 0 < d.retry_after <= 86400
    clock.t += 86400
    assert lim.check("acct:1", tier).allowed


def test_headers_and_chinese_refusal():
    lim, tier = Limiter(None, Clock()), tiers(config.Quotas(anonymous_per_minute=1))["anonymous"]
    lim.check("ip:a", tier)
    d = lim.check("ip:a", tier)
    h = dict(d.headers())
    assert h[b"x-ratelimit-limit"] == b"1" and h[b"x-ratelimit-remaining"] == b"0"
    assert int(h[b"x-ratelimit-reset"]) > 0
    body = d.refusal()
    assert body["status"] == 429 and "每分钟最多 1 次" in body["error"] and "注册" in body["error"]
    assert body["register"].startswith("/")


def test_tiers_are_ordered_by_default():
    t = tiers(config.Quotas())
    assert t["anonymous"].per_minute < t["individual"].per_minute < t["organisation"].per_minute
    assert t["anonymous"].rows_per_day < t["individual"].rows_per_day < t["organisation"].rows_per_day


def test_hourly_limit():
    lim = Limiter(None, Clock())
    assert [lim.hourly("register:a", 2) for _ in range(3)][:2] == [0, 0]
    assert lim.hourly("register:a", 2) > 0


def test_config_section(tmp_path):
    path = tmp_path / "portal.toml"
    path.write_text("[quotas]\nanonymous_per_minute = 7\n[accounts]\naudit_retention_days = 200\n")
    cfg = config.load(path)
    assert cfg.quotas.anonymous_per_minute == 7 and cfg.quotas.individual_per_minute == 300
    assert cfg.accounts.audit_retention_days == 200
    path.write_text("[quotas]\nanonymous_per_minut = 7\nindividual_per_minute = \"many\"\n")
    with pytest.raises(config.ConfigError) as e:
        config.load(path)
    assert [k for k, _ in e.value.problems] == ["quotas.anonymous_per_minut", "quotas.individual_per_minute"]
