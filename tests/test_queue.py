"""The reply queue in-process: every transition, legal due dates with known dates, supplements, extensions, refusals."""
from __future__ import annotations

import sqlite3
from datetime import date, timedelta

import pytest
from faker import Faker

from portal import queue
from portal.access import has_grant
from portal.config import Config, Queue, RequestType
from portal.crypto import Crypto
from portal.queue import Event, QueueError
from portal.queue_store import SYSTEM, QueueStore
from portal.workdays import Calendar

fake = Faker("zh_CN")
Faker.seed(7)
DEPT, OTHER = "温州市水利局", "温州市生态环境局"
COLUMNS = ["企业名称", "所属区县", "月取水量"]
CATALOG = {
    "water-use-enterprises": {"identifier": "water-use-enterprises", "department": DEPT, "open_type": "依申请开放",
                              "database": "restricted", "columns": COLUMNS,
                              "record": {"contact": {"email": "data@wzsl.example.gov.cn"}}},
    "air-quality": {"identifier": "air-quality", "department": OTHER, "open_type": "无条件开放", "database": "data",
                    "columns": ["站点"], "record": {"contact": {"email": "hb@example.gov.cn"}}},
}
OVERRIDES_2027 = '[2027]\nholidays = [{ start = 2027-01-01, end = 2027-01-03, name = "元旦" }]\n'


def ev(seq, on, action, to, frm=None, **cause):
    return Event(seq, "t", date.fromisoformat(on), "account:1", action, frm, to, cause)


# ---- the known dates, on the engine alone ----

def test_ten_working_days_across_national_day_and_the_make_up_saturday():
    rt = RequestType(10, "working", "accepted")
    c = queue.clock(rt, [ev(1, "2026-09-29", "submit", "submitted"), ev(2, "2026-09-30", "accept", "accepted")],
                    Calendar(), date(2026, 9, 30))
    assert c.start == date(2026, 9, 30) and c.due.date == date(2026, 10, 20) and not c.provisional
    counted = [s.date for s in c.due.steps if s.counted]
    assert date(2026, 10, 10) in counted and date(2026, 10, 5) not in counted   # 调休 Saturday counts, holiday not


def test_ten_calendar_days_whose_last_day_falls_in_the_holiday_move_to_the_next_working_day():
    rt = RequestType(10, "calendar", "accepted")
    c = queue.clock(rt, [ev(1, "2026-09-24", "submit", "submitted"), ev(2, "2026-09-25", "accept", "accepted")],
                    Calendar(), date(2026, 9, 25))
    assert c.due.date == date(2026, 10, 8)
    assert c.due.steps[9].date == date(2026, 10, 5) and "顺延" in c.due.steps[9].reason   # the 10th day, in the holiday


def test_clock_starts_at_receipt_for_corrections_and_at_acceptance_for_open_requests():
    events = [ev(1, "2026-11-02", "submit", "submitted"), ev(2, "2026-11-04", "accept", "accepted")]
    assert queue.clock(RequestType(5, "working", "received"), events, Calendar(), date(2026, 11, 4)).due.date \
        == date(2026, 11, 9)
    assert queue.clock(RequestType(5, "working", "accepted"), events, Calendar(), date(2026, 11, 4)).due.date \
        == date(2026, 11, 11)


def test_a_pause_for_third_party_consultation_does_not_count():
    rt = RequestType(5, "working", "received")
    events = [ev(1, "2026-11-02", "submit", "submitted"), ev(2, "2026-11-02", "accept", "accepted"),
              ev(3, "2026-11-04", "pause", "paused", reason="征求第三方意见"), ev(4, "2026-11-10", "resume", "accepted")]
    c = queue.clock(rt, events, Calendar(), date(2026, 11, 10))
    assert c.due.date == date(2026, 11, 13)   # 2 used before the pause, 3 after 11-10
    still_paused = queue.clock(rt, events[:3], Calendar(), date(2026, 11, 6))
    assert still_paused.stopped == "paused" and still_paused.due.date == date(2026, 11, 11)


# ---- the store: transitions, one transaction each ----

@pytest.fixture
def desk(tmp_path):
    clock = tmp_path / "today.txt"
    clock.write_text("2026-09-28")
    cfg = Config(state_dir=tmp_path / "state", queue=Queue(clock_file=str(clock), supplement_days=5))
    qs = QueueStore(cfg, Crypto(cfg.secret("identity")))
    ids = {}
    with qs.store.tx() as c:
        for name, kind, role, dept in (("applicant", "individual", "applicant", None),
                                       ("other_applicant", "individual", "applicant", None),
                                       ("staff", "staff", "publisher", DEPT), ("outsider", "staff", "publisher", OTHER)):
            ids[name] = c.execute("insert into accounts (kind, role, status, name_masked, department, created_at)"
                                  " values (?, ?, 'active', ?, ?, 'now')",
                                  (kind, role, fake.name()[0] + "*", dept)).lastrowid
    qs.who_ = {k: qs.who(v) for k, v in ids.items()}
    qs.set_today = lambda d: clock.write_text(d)
    return qs


def filing(**extra):
    return {"dataset": "water-use-enterprises", "purpose": "节水研究", "scenario": "学术论文", "items": COLUMNS,
            "use_until": "2027-06-30", **extra}


def file(desk, **extra):
    return desk.file(desk.who_["applicant"], filing(**extra), CATALOG)["tracking"]


def act(desk, tracking, action, who="staff", **cause):
    return desk.act(tracking, action, cause, desk.who_[who] if isinstance(who, str) else who, CATALOG)


def test_filing_gives_sequential_tracking_numbers_and_refuses_a_second_request_for_the_same_need(desk):
    first = file(desk)
    assert first == "YS-2026-000001"
    with pytest.raises(QueueError) as e:
        file(desk)
    assert e.value.status == 409 and e.value.fields["tracking"] == first
    second = desk.file(desk.who_["other_applicant"], filing(), CATALOG)["tracking"]
    assert second == "YS-2026-000002"


def test_filing_checks_every_field_at_once(desk):
    with pytest.raises(QueueError) as e:
        desk.file(desk.who_["applicant"], {"dataset": "water-use-enterprises", "items": ["没有的字段"],
                                          "use_until": "2020-01-01", "email": "nope"}, CATALOG)
    assert set(e.value.fields) == {"purpose", "scenario", "items", "use_until", "email"}
    with pytest.raises(QueueError) as e:    # wrongly typed values are field errors, not crashes
        desk.file(desk.who_["applicant"], {"dataset": "", "department": {}, "items": [1], "purpose": 3,
                                          "use_until": 5, "type": "open_request"}, CATALOG)
    assert {"dataset", "department", "items", "purpose", "use_until"} <= set(e.value.fields)
    with pytest.raises(QueueError) as e:
        desk.file(desk.who_["applicant"], filing(dataset="air-quality", items=["站点"]), CATALOG)
    assert "already open" in str(e.value)


@pytest.mark.parametrize("state", [None, *queue.STATE_NAMES])
def test_the_transition_table_is_enforced_for_every_state(state):
    rt = RequestType(10, "calendar", "accepted", extension_days=5)
    history = [ev(1, "2026-09-28", "submit", "submitted"), ev(2, "2026-09-28", "accept", "accepted", "submitted"),
               ev(3, "2026-09-28", "pause", "paused", "accepted", reason="x")]
    full = {"reason": "理由", "missing": "缺少用途", "note": "已补", "days": 2, "approved_by": "局长",
            "outcome": "not_held"}
    for action, (sources, target, _, _) in queue.TRANSITIONS.items():
        if state in sources:
            to, _ = queue.check(rt, state, action, full, history, date(2026, 9, 28), Calendar())
            assert to == (target or ("accepted" if action == "resume" else state))
        else:
            with pytest.raises(QueueError) as e:
                queue.check(rt, state, action, full, history, date(2026, 9, 28), Calendar())
            assert e.value.status == 409


def test_the_whole_path_to_closed_with_a_grant_until_the_end_date(desk):
    t = file(desk, email="shenqing@example.com")
    desk.set_today("2026-09-30")
    v = act(desk, t, "accept")
    assert v["state"] == "accepted" and v["due"] == "2026-10-10"   # the 10th day is the make-up working Saturday
    act(desk, t, "start")
    v = act(desk, t, "decide", outcome="granted", ends_on="2026-12-31")
    assert v["state"] == "fulfilled" and [e["action"] for e in v["events"]] == \
        ["submit", "accept", "start", "decide", "fulfil"]
    applicant = desk.who_["applicant"].account_id
    grant = has_grant(desk.store, applicant, "water-use-enterprises", date(2026, 12, 31))
    assert grant is not None and grant.columns is None
    assert has_grant(desk.store, applicant, "water-use-enterprises", date(2027, 1, 1)) is None
    assert act(desk, t, "close")["state"] == "closed"
    msgs = desk.messages(applicant)
    assert len(msgs) == 6 and all(t in m["subject"] for m in msgs)
    assert desk.store.one("select count(*) from mail_outbox")[0] == 6


def test_partial_grant_gives_only_the_granted_columns(desk):
    t = file(desk)
    act(desk, t, "accept")
    with pytest.raises(QueueError) as e:
        act(desk, t, "decide", outcome="partially_granted", columns=["企业名称"], reason="部分涉及商业秘密")
    assert "legal_basis" in e.value.fields
    act(desk, t, "decide", outcome="partially_granted", columns=["企业名称", "月取水量"], reason="部分涉及商业秘密",
        legal_basis="《反不正当竞争法》第九条")
    grant = has_grant(desk.store, desk.who_["applicant"].account_id, "water-use-enterprises", date(2026, 10, 1))
    assert grant.columns == ["企业名称", "月取水量"]


def test_a_refusal_without_a_legal_basis_is_rejected_with_a_clear_error(desk):
    t = file(desk)
    act(desk, t, "accept")
    with pytest.raises(QueueError) as e:
        act(desk, t, "decide", outcome="refused", reason="涉及商业秘密")
    assert e.value.status == 400 and "legal_basis" in e.value.fields and "法律依据" in str(e.value)
    assert desk.view(t, SYSTEM)["state"] == "accepted"            # nothing recorded
    v = act(desk, t, "decide", outcome="refused", reason="涉及商业秘密", legal_basis="《反不正当竞争法》第九条")
    assert v["state"] == "decided" and v["events"][-1]["cause"]["legal_basis"]
    assert desk.store.one("select count(*) from grants")[0] == 0


@pytest.mark.parametrize("outcome, needs", [("not_this_department", "department"), ("already_open", "link"),
                                            ("not_held", "reason")])
def test_each_decision_names_what_it_must(desk, outcome, needs):
    t = file(desk)
    act(desk, t, "accept")
    with pytest.raises(QueueError) as e:
        act(desk, t, "decide", outcome=outcome)
    assert needs in e.value.fields
    assert act(desk, t, "decide", outcome=outcome, **{needs: "温州市生态环境局"})["state"] == "decided"


def test_only_the_answering_department_acts_and_only_the_applicant_supplies(desk):
    t = file(desk)
    for who in ("outsider", "applicant"):
        with pytest.raises(QueueError) as e:
            act(desk, t, "accept", who=who)
        assert e.value.status == 403
    assert [r["tracking"] for r in desk.list(desk.who_["staff"])] == [t]
    assert desk.list(desk.who_["outsider"]) == []
    with pytest.raises(QueueError) as e:                                # strangers see nothing (issue 15)
        desk.view(t, desk.who_["other_applicant"])
    assert e.value.status == 404


def test_a_supplement_is_asked_once_and_restarts_the_clock(desk):
    desk.set_today("2026-09-01")
    t = file(desk)
    act(desk, t, "accept")
    desk.set_today("2026-09-03")
    v = act(desk, t, "supplement", missing="请说明使用场景的具体范围")
    assert v["due"] is None and v["clock_stopped"] == "needs_supplement" and v["supplement_due"] == "2026-09-10"
    with pytest.raises(QueueError):
        act(desk, t, "supply", who="other_applicant", note="补充")
    desk.set_today("2026-09-10")
    v = act(desk, t, "supply", who="applicant", note="已补充说明")
    # 10 days from 09-10: 09-20 is a Sunday but a make-up working day (调休), so it stays.
    assert v["state"] == "accepted" and v["due"] == "2026-09-20"
    with pytest.raises(QueueError) as e:
        act(desk, t, "supplement", missing="再补")
    assert e.value.status == 409


def test_an_unanswered_supplement_is_abandoned_by_the_daily_sweep(desk):
    desk.set_today("2026-11-02")
    t = file(desk)
    act(desk, t, "supplement", missing="缺少用途说明")
    desk.set_today("2026-11-09")                       # the 5th working day: still in time
    assert desk.sweep() == [] and desk.view(t, SYSTEM)["state"] == "needs_supplement"
    desk.set_today("2026-11-10")
    assert desk.sweep() == [(t, "abandon")] and desk.view(t, SYSTEM)["state"] == "abandoned"


def test_one_extension_where_the_type_allows_it_with_the_approving_official(desk):
    desk.set_today("2026-11-02")
    t = desk.file(desk.who_["applicant"], {"type": "correction", "dataset": "water-use-enterprises",
                                           "description": "2026-10 月取水量有误"}, CATALOG)["tracking"]
    assert desk.view(t, SYSTEM)["due"] == "2026-11-09"            # 5 working days from receipt
    act(desk, t, "accept")
    with pytest.raises(QueueError) as e:
        act(desk, t, "extend", days=10, reason="需现场核查")
    assert "approved_by" in e.value.fields
    with pytest.raises(QueueError):
        act(desk, t, "extend", days=11, reason="需现场核查", approved_by="局长")
    v = act(desk, t, "extend", days=10, reason="需现场核查", approved_by="局长")
    assert v["due"] == "2026-11-23" and v["events"][-1]["cause"]["approved_by"] == "局长"
    with pytest.raises(QueueError) as e:
        act(desk, t, "extend", days=1, reason="再延", approved_by="局长")
    assert e.value.status == 409 and "一次" in str(e.value)


def test_open_requests_allow_no_extension(desk):
    t = file(desk)
    act(desk, t, "accept")
    with pytest.raises(QueueError) as e:
        act(desk, t, "extend", days=1, reason="x", approved_by="局长")
    assert e.value.status == 409


def test_due_soon_overdue_and_seriously_overdue_are_computed_from_today(desk):
    desk.set_today("2026-11-02")
    t = desk.file(desk.who_["applicant"], {"type": "correction", "dataset": "water-use-enterprises",
                                           "description": "数据有误"}, CATALOG)["tracking"]
    seen = {}
    for day in ("2026-11-03", "2026-11-06", "2026-11-10", "2026-11-16"):
        desk.set_today(day)
        seen[day] = desk.view(t, SYSTEM)["urgency"]
    assert seen == {"2026-11-03": "on_track", "2026-11-06": "due_soon", "2026-11-10": "overdue",
                    "2026-11-16": "seriously_overdue"}
    assert desk.remind(CATALOG) == [(t, "seriously_overdue")]
    assert desk.remind(CATALOG) == []                           # once a day
    staff = desk.who_["staff"].account_id
    assert any("严重逾期" in m["subject"] for m in desk.messages(staff))


def test_a_date_in_an_uncovered_year_is_provisional_until_the_override_file_arrives(desk, tmp_path):
    desk.set_today("2026-12-28")
    t = desk.file(desk.who_["applicant"], {"type": "correction", "dataset": "water-use-enterprises",
                                           "description": "数据有误"}, CATALOG)["tracking"]
    desk.act(t, "accept", {}, desk.who_["staff"], CATALOG)
    v = desk.view(t, SYSTEM)
    assert v["due"] == "2027-01-04" and v["provisional"] and "2027" in v["warning"]
    overrides = tmp_path / "calendar.toml"
    overrides.write_text(OVERRIDES_2027, encoding="utf-8")
    later = QueueStore(Config(state_dir=desk.cfg.state_dir, queue=Queue(
        clock_file=desk.cfg.queue.clock_file, calendar_overrides=str(overrides))), desk.crypto)
    v = later.view(t, SYSTEM)
    assert v["due"] == "2027-01-05" and not v["provisional"] and v["warning"] is None
    assert later.sweep() == [(t, "recompute")]
    assert later.view(t, SYSTEM)["events"][-1]["due"] == "2027-01-05"
    assert later.sweep() == []


def test_events_are_append_only(desk):
    t = file(desk)
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        with desk.store.tx() as c:
            c.execute("update request_events set actor = 'x'")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        with desk.store.tx() as c:
            c.execute("delete from request_events")
    assert len(desk.view(t, SYSTEM)["events"]) == 1


def test_statistics_per_department_and_overall(desk):
    desk.set_today("2026-09-28")
    on_time = file(desk)
    late = desk.file(desk.who_["other_applicant"], filing(), CATALOG)["tracking"]
    desk.set_today("2026-09-29")
    act(desk, on_time, "accept")
    act(desk, late, "accept")
    desk.set_today("2026-10-09")
    act(desk, on_time, "decide", outcome="not_held", reason="未制作该数据")
    desk.set_today("2026-10-15")
    act(desk, late, "decide", outcome="refused", reason="商业秘密", legal_basis="《反不正当竞争法》第九条")
    stats = desk.statistics(2026)
    assert stats["overall"] == stats["departments"][DEPT]
    assert stats["overall"]["received"] == 2 and stats["overall"]["answered"] == 2
    assert stats["overall"]["on_time_percent"] == 50.0
    assert stats["overall"]["median_days"] == ((date(2026, 10, 9) - date(2026, 9, 28)).days
                                               + (date(2026, 10, 15) - date(2026, 9, 28)).days) / 2
    assert stats["overall"]["outcomes"] == {"not_held": 1, "refused": 1}
    assert desk.statistics(2025)["overall"]["received"] == 0
