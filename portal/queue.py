"""The reply queue's engine: request types, the state table, legal due dates computed from events."""
from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from datetime import date

from .config import Queue as QueueConfig, RequestType
from .workdays import Calendar, Due

TYPES = ("open_request", "correction", "share_request")
TYPE_NAMES = {"open_request": "依申请开放", "correction": "数据校核（纠错、异议）", "share_request": "有条件共享"}
STATE_NAMES = {"submitted": "已提交", "accepted": "已受理", "in_progress": "办理中", "needs_supplement": "待补正",
               "paused": "征求第三方意见（暂停计时）", "decided": "已答复", "fulfilled": "已提供", "closed": "已办结",
               "rejected": "不予受理", "abandoned": "视为放弃"}
FINAL = {"closed", "rejected", "abandoned"}
# Who may take an action: staff of the answering department, the applicant, or the daily sweep.
STAFF, APPLICANT, SYSTEM = "staff", "applicant", "system"
# action -> (states it may start from, state it leads to (None = back to where it was), who, required fields)
TRANSITIONS: dict[str, tuple[frozenset, str | None, str, tuple[str, ...]]] = {
    "submit": (frozenset({None}), "submitted", APPLICANT, ()),
    "accept": (frozenset({"submitted"}), "accepted", STAFF, ()),
    "reject": (frozenset({"submitted"}), "rejected", STAFF, ("reason",)),
    "supplement": (frozenset({"submitted", "accepted", "in_progress"}), "needs_supplement", STAFF, ("missing",)),
    "supply": (frozenset({"needs_supplement"}), "accepted", APPLICANT, ("note",)),
    "abandon": (frozenset({"needs_supplement"}), "abandoned", SYSTEM, ()),
    "start": (frozenset({"accepted"}), "in_progress", STAFF, ()),
    "pause": (frozenset({"accepted", "in_progress"}), "paused", STAFF, ("reason",)),
    "resume": (frozenset({"paused"}), None, STAFF, ()),
    "extend": (frozenset({"accepted", "in_progress", "paused"}), None, STAFF, ("days", "approved_by", "reason")),
    "decide": (frozenset({"accepted", "in_progress"}), "decided", STAFF, ("outcome",)),
    "fulfil": (frozenset({"decided"}), "fulfilled", STAFF, ()),
    "close": (frozenset({"decided", "fulfilled"}), "closed", STAFF, ()),
    "recompute": (frozenset(STATE_NAMES), None, SYSTEM, ("reason",)),
}
# outcome -> fields it requires (refused also needs legal_basis where the type says so)
OUTCOMES = {"granted": (), "partially_granted": ("columns", "reason"), "refused": ("reason",),
            "not_held": ("reason",), "not_this_department": ("department",), "already_open": ("link",)}
OUTCOME_NAMES = {"granted": "同意开放", "partially_granted": "部分同意", "refused": "不予开放", "not_held": "信息不存在",
                 "not_this_department": "非本部门数据", "already_open": "已主动开放"}
GRANTING = {"granted", "partially_granted"}
# Every field an action may carry, and its type (anything else in a request body is ignored).
FIELDS = {"reason": str, "missing": str, "note": str, "legal_basis": str, "outcome": str, "department": str,
          "link": str, "approved_by": str, "ends_on": str, "days": int, "columns": list}
TEXT_MAX = 2000
TRACKING = re.compile(r"^YS-(\d{4})-(\d{6})$")


def normalize_tracking(value) -> str | None:
    """'ys-2026-000001 ' -> 'YS-2026-000001'; None for anything that is not a tracking number."""
    if not isinstance(value, str):
        return None
    value = value.strip().upper()
    return value if TRACKING.match(value) else None


class QueueError(Exception):
    """An action the queue refuses: `status` (HTTP), and `fields` naming each problem."""

    def __init__(self, message: str, status: int = 400, fields: dict | None = None):
        self.status, self.fields = status, fields or {}
        super().__init__(message)


@dataclass(frozen=True)
class Event:
    seq: int
    at: str
    on: date
    actor: str
    action: str
    from_state: str | None
    to_state: str
    cause: dict = field(default_factory=dict)


def request_type(qcfg: QueueConfig, name: str) -> RequestType:
    if name not in TYPES:
        raise QueueError("未知的申请类型 (unknown request type)", fields={"type": f"须为 {'/'.join(TYPES)}"})
    rt = getattr(qcfg, name)
    if rt.kind not in ("working", "calendar") or rt.starts not in ("accepted", "received") or rt.days < 1:
        raise QueueError(f"配置错误 queue.{name}: kind 须为 working/calendar，starts 须为 accepted/received",
                         status=500)
    return rt


def tracking_number(year: int, n: int) -> str:
    return f"YS-{year}-{n:06d}"


# ---- transitions ----

def check(rt: RequestType, state: str | None, action: str, cause: dict, events: list[Event],
          today: date, cal: Calendar) -> tuple[str, dict]:
    """Validate one action on a request: (the state it leads to, the cleaned cause), or QueueError."""
    if action not in TRANSITIONS:
        raise QueueError("未知的操作 (unknown action)", 404)
    sources, target, _, required = TRANSITIONS[action]
    if state not in sources:
        raise QueueError(f"当前状态“{STATE_NAMES.get(state, state)}”下不能执行 {action} (not allowed in state {state})",
                         409)
    cause = {k: v for k, v in cause.items() if k in FIELDS and v not in (None, "", [])}
    problems = {k: "必填 (required)" for k in required if k not in cause}
    for k, v in cause.items():
        if FIELDS[k] is str and not (isinstance(v, str) and len(v) <= TEXT_MAX):
            problems[k] = f"须为不超过{TEXT_MAX}字的文本 (text up to {TEXT_MAX} characters)"
    if problems:
        raise QueueError("请补全必填项 (missing fields)", fields=problems)
    if action == "supplement" and any(e.action == "supplement" for e in events):
        raise QueueError("补正只能一次性告知 (the applicant is told once what is missing)", 409)
    if action == "extend":
        _check_extension(rt, cause, events, today, cal)
    if action == "decide":
        _check_decision(rt, cause)
    if target is None:
        target = _before_pause(events) if action == "resume" else state
    return target, cause


def _check_extension(rt: RequestType, cause: dict, events: list[Event], today: date, cal: Calendar) -> None:
    if rt.extension_days <= 0:
        raise QueueError("该类申请不允许延期 (this request type allows no extension)", 409)
    if any(e.action == "extend" for e in events):
        raise QueueError("只能延期一次 (only one extension is allowed)", 409)
    days = cause["days"]
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= rt.extension_days:
        raise QueueError("延期天数不符 (extension length)", fields={"days": f"须为1至{rt.extension_days}的整数"})
    c = clock(rt, events, cal, today)
    if c.due is not None and today > c.due.date:
        raise QueueError("已逾期，不能再延期 (the period has already run out)", 409)


def _check_decision(rt: RequestType, cause: dict) -> None:
    outcome = cause["outcome"]
    if outcome not in OUTCOMES:
        raise QueueError("未知的答复结果 (unknown outcome)", fields={"outcome": f"须为 {'/'.join(OUTCOMES)}"})
    required = OUTCOMES[outcome]
    if outcome in ("refused", "partially_granted") and rt.refusal_needs_legal_basis:
        required += ("legal_basis",)
    missing = {k: "必填 (required)" for k in required if k not in cause}
    if "legal_basis" in missing:
        missing["legal_basis"] = "不予开放须同时说明理由和法律依据 (a refusal needs a reason AND a legal basis)"
    if missing:
        raise QueueError("答复缺少必填项：拒绝须说明理由和法律依据 (decision incomplete)", fields=missing)
    if "columns" in cause and not (isinstance(cause["columns"], list) and cause["columns"]
                                   and all(isinstance(c, str) for c in cause["columns"])):
        raise QueueError("字段列表无效", fields={"columns": "须为非空的字段名列表 (a list of column names)"})


def _before_pause(events: list[Event]) -> str:
    return next(e.from_state for e in reversed(events) if e.action == "pause")


# ---- the clock: due dates follow from the events, never stored as the truth ----

@dataclass(frozen=True)
class Clock:
    start: date | None              # the day the running period started (not counted, Civil Code art. 201)
    due: Due | None                 # None before the clock starts or while a supplement is awaited
    stopped: str | None = None      # "paused" | "needs_supplement" | None
    extension: int = 0
    supplement_due: date | None = None
    explain: tuple[str, ...] = ()

    @property
    def provisional(self) -> bool:
        return bool(self.due and self.due.provisional)


def clock(rt: RequestType, events: list[Event], cal: Calendar, today: date, supplement_days: int = 15) -> Clock:
    """Replay the events: start (acceptance or receipt, restarted by a supplement), pauses, one extension."""
    start, pauses, paused_on, ext, supplement_on, notes = None, [], None, 0, None, []
    for e in events:
        if e.action == ("accept" if rt.starts == "accepted" else "submit") and start is None:
            start, notes = e.on, [f"{e.on} {'受理' if rt.starts == 'accepted' else '收到申请'}，次日起算"]
        elif e.action == "supplement":
            supplement_on = e.on
        elif e.action == "supply":
            start, pauses, supplement_on = e.on, [], None
            notes = [f"{e.on} 收到补正材料，期限重新起算"]
        elif e.action == "pause":
            paused_on = e.on
        elif e.action == "resume":
            pauses.append((paused_on, e.on))
            paused_on = None
        elif e.action == "extend":
            ext = e.cause["days"]
    last_state = events[-1].to_state if events else None
    if last_state == "needs_supplement":
        due = cal.due_date(supplement_on, supplement_days, "working").date if supplement_on else None
        return Clock(start, None, "needs_supplement", ext, due, tuple(notes))
    if start is None:
        return Clock(None, None, None, ext, None, ())
    if paused_on is not None:   # still paused: shown as if it resumed today
        pauses.append((paused_on, max(today, paused_on)))
    due, lines = _due(cal, start, rt, pauses, ext)
    return Clock(start, due, "paused" if paused_on else None, ext, None, tuple(notes + lines))


def _due(cal: Calendar, start: date, rt: RequestType, pauses: list, ext: int) -> tuple[Due, list[str]]:
    unit = "个工作日" if rt.kind == "working" else "日"
    remaining, seg, lines = rt.days, start, [f"期限 {rt.days}{unit}（{rt.law}）"]
    for paused, resumed in pauses:
        candidate = cal.due_date(seg, remaining, rt.kind)
        if candidate.date <= paused:    # the period ran out before the pause: the pause changes nothing
            break
        used = (paused - seg).days if rt.kind == "calendar" else cal.working_days_between(seg, paused)
        remaining -= used
        lines.append(f"{paused} 暂停（已用{used}{unit}，余{remaining}{unit}），{resumed} 恢复，次日续算")
        seg = resumed
    due = cal.due_date(seg, remaining, rt.kind)
    years = set(range(start.year, due.date.year + 1))
    if ext:
        base = due.date
        due = cal.due_date(base, ext, rt.kind)
        years |= set(range(base.year, due.date.year + 1))
        lines.append(f"延期 {ext}{unit}：自原到期日 {base} 次日起算")
    fallback = tuple(sorted(y for y in years if cal.source(y) == "fallback"))
    lines.append(f"到期日 {due.date}" + ("（暂定）" if fallback else ""))
    return Due(due.date, bool(fallback), due.steps, fallback), lines


def urgency(state: str, c: Clock, today: date, cal: Calendar, qcfg: QueueConfig) -> str | None:
    """due_soon | overdue | seriously_overdue | on_track | supplement_expired; None when no clock runs."""
    if state == "needs_supplement":
        return "supplement_expired" if c.supplement_due and today > c.supplement_due else None
    if state not in ("submitted", "accepted", "in_progress") or c.due is None or c.stopped:
        return None
    due = c.due.date
    if today > due:
        late = cal.working_days_between(due, today)
        return "seriously_overdue" if late >= qcfg.seriously_overdue_days else "overdue"
    return "due_soon" if cal.working_days_between(today, due) <= qcfg.due_soon_days else "on_track"


# ---- statistics ----

def outcome_of(events: list[Event]) -> str | None:
    for e in reversed(events):
        if e.action == "decide":
            return e.cause["outcome"]
        if e.action in ("reject", "abandon"):
            return {"reject": "rejected", "abandon": "abandoned"}[e.action]
    return None


def answer(rt: RequestType, events: list[Event], cal: Calendar) -> tuple[date, bool] | None:
    """(day of the decision, whether it came on time) for a decided request, else None."""
    for i, e in enumerate(events):
        if e.action == "decide":
            c = clock(rt, events[:i], cal, e.on)
            return e.on, c.due is None or e.on <= c.due.date
    return None


def summarize(rows: list[tuple[str, RequestType, list[Event]]], cal: Calendar) -> dict:
    """received, answered, on time (%), median days (receipt to decision), outcomes, for (dept, type, events)."""
    answered, on_time, days, outcomes = 0, 0, [], {}
    for _, rt, events in rows:
        a = answer(rt, events, cal)
        if a:
            answered += 1
            on_time += a[1]
            days.append((a[0] - events[0].on).days)
        o = outcome_of(events)
        if o:
            outcomes[o] = outcomes.get(o, 0) + 1
    return {"received": len(rows), "answered": answered,
            "on_time_percent": round(100 * on_time / answered, 1) if answered else None,
            "median_days": statistics.median(days) if days else None, "outcomes": outcomes}


def statistics_by_department(rows: list[tuple[str, RequestType, list[Event]]], cal: Calendar) -> dict:
    """Overall, per department, and per year of filing (the yearly report's view, newest first)."""
    depts = sorted({d for d, _, _ in rows})
    years = sorted({events[0].on.year for _, _, events in rows}, reverse=True)
    return {"overall": summarize(rows, cal),
            "departments": {d: summarize([r for r in rows if r[0] == d], cal) for d in depts},
            "years": {y: summarize([r for r in rows if r[2][0].on.year == y], cal) for y in years}}
