"""The reply queue's persistence: requests and their append-only events, one transaction per transition."""
from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from . import audit, notify, queue
from .config import Config
from .crypto import Crypto
from .queue import Event, QueueError
from .store import Store, now_iso
from .workdays import Calendar

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")
RESTRICTED = "restricted"
OPEN_TYPE_OPEN = "无条件开放"


@dataclass(frozen=True)
class Who:
    """The account acting: applicants act on their own requests, staff on their department's queue."""
    account_id: int | None
    kind: str = "system"
    role: str | None = None
    department: str | None = None

    @property
    def actor(self) -> str:
        return f"account:{self.account_id}" if self.account_id else "system"

    @property
    def staff(self) -> bool:
        return self.kind == "staff"


SYSTEM = Who(None)


class QueueStore:
    """The queue over state/portal.db, on its own connection with synchronous=FULL: an acknowledged
    submission is on disk before the answer leaves (it survives SIGKILL and power loss)."""

    def __init__(self, cfg: Config, crypto: Crypto):
        self.cfg, self.q, self.crypto = cfg, cfg.queue, crypto
        self.store = Store(Path(cfg.state_dir) / "portal.db")
        self.store.conn.execute("pragma synchronous = full")
        self.cal = Calendar(Path(self.q.calendar_overrides) if self.q.calendar_overrides else None)
        self.mailer = notify.Mailer(cfg, self.store, crypto)

    # ---- who ----
    def who(self, account_id: int) -> Who:
        row = self.store.one("select kind, role, department from accounts where id = ?", (account_id,))
        if row is None:
            raise QueueError("没有这个账户 (no such account)", 404)
        return Who(account_id, row["kind"], row["role"], row["department"])

    # ---- filing ----
    def file(self, who: Who, data: dict, catalog: dict) -> dict:
        """File a request (one transaction); returns its view with the tracking number and, this once, the
        secret that lets its holder read the status (only its hash is kept)."""
        kind = data.get("type", "open_request")
        rt = queue.request_type(self.q, kind)
        row = self._validate_filing(who, kind, data, catalog)
        today = self.cfg.today()
        with self.store.tx() as c:
            self._one_per_need(c, who, row)
            prefix = f"YS-{today.year}-"
            last = c.execute("select max(tracking) from requests where tracking like ?", (prefix + "%",)).fetchone()[0]
            tracking = queue.tracking_number(today.year, int(last[-6:]) + 1 if last else 1)
            secret = secrets.token_urlsafe(18)
            row.update(tracking=tracking, type=kind, applicant_id=who.account_id, state="submitted",
                       created_at=now_iso(), secret_hash=_secret_hash(secret))
            cols = ", ".join(row)
            rid = c.execute(f"insert into requests ({cols}) values ({', '.join('?' * len(row))})",
                            tuple(row.values())).lastrowid
            ev = Event(1, now_iso(), today, who.actor, "submit", None, "submitted", {})
            self._record(c, rid, rt, [], ev)
            self._notify(c, rid, tracking, kind, ev, row, staff_too=True)
            audit.with_change(c, 201)   # the filing's audit entry commits with it
        self.mailer.kick()
        return {**self.view(tracking, who), "secret": secret}

    def _validate_filing(self, who: Who, kind: str, data: dict, catalog: dict) -> dict:
        problems, text = {}, {}
        for k in ("purpose", "scenario", "description"):
            v = data.get(k)
            if v is not None and (not isinstance(v, str) or len(v) > queue.TEXT_MAX):
                problems[k] = f"须为不超过{queue.TEXT_MAX}字的文本"
            text[k] = v.strip() if isinstance(v, str) and v.strip() else None
        need = ("description",) if kind == "correction" else ("purpose", "scenario")
        problems.update({k: "必填 (required)" for k in need if not text[k] and k not in problems})
        if kind == "share_request" and not who.staff:
            problems["type"] = "共享申请须由部门工作人员提出 (sharing requests come from department staff)"
        dataset, entry = data.get("dataset"), None
        if dataset is not None:
            entry = catalog.get(dataset) if isinstance(dataset, str) else None
            if entry is None:
                problems["dataset"] = "目录中没有这个数据集 (not in the catalogue)"
            elif entry["open_type"] == OPEN_TYPE_OPEN and kind == "open_request":
                raise QueueError("该数据已无条件开放，无需申请 (already open)", 400,
                                 {"dataset": f"/data/{dataset}"})
        department = entry["department"] if entry else data.get("department")
        department = department if isinstance(department, str) else None
        if entry is None and department not in {e["department"] for e in catalog.values()}:
            problems["department"] = "未在目录中列出数据集时，须写明目录中的部门名称 (name a catalogued department)"
        if dataset is None and not text["description"]:
            problems["dataset"] = "须指定数据集，或在 description 中描述目录外的数据 (dataset or description)"
        items = data.get("items", [] if kind == "correction" else None)
        if not isinstance(items, list) or not all(isinstance(i, str) and 0 < len(i) <= 200 for i in items) \
                or (kind != "correction" and not items):
            problems["items"] = "须为所需数据项（字段名）列表 (a list of data items)"
        elif entry and any(i not in entry["columns"] for i in items):
            problems["items"] = "数据项须为该数据集的字段 (items must be columns of the dataset)"
        use_until = self._use_until(kind, data.get("use_until"), problems)
        email = data.get("email")
        if email is not None and (not isinstance(email, str) or not EMAIL.match(email)):
            problems["email"] = "电子邮箱格式不正确 (invalid e-mail address)"
        if problems:
            raise QueueError("请检查填写的内容 (please correct the fields)", 400, problems)
        return {"department": department, "dataset": dataset, "description": text["description"],
                "purpose": text["purpose"] or "", "scenario": text["scenario"] or "",
                "items": json.dumps(items, ensure_ascii=False), "use_until": use_until,
                "email_enc": self.crypto.encrypt(email, "email") if email else None}

    def _use_until(self, kind: str, value, problems: dict) -> str | None:
        if kind == "correction" and value is None:
            return None
        try:
            d = date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
        except ValueError:
            d = None
        if d is None or d <= self.cfg.today():
            problems["use_until"] = "须写明使用期限的最后一天（YYYY-MM-DD，晚于今天）(period of use)"
            return None
        return d.isoformat()

    def _one_per_need(self, c, who: Who, row: dict) -> None:
        """J art. 13: one request per need — no second open request for the same data by the same applicant."""
        if row["dataset"] is None:
            return
        dup = c.execute("select tracking from requests where applicant_id = ? and dataset = ? and state in"
                        " ('submitted', 'accepted', 'in_progress', 'needs_supplement', 'paused')",
                        (who.account_id, row["dataset"])).fetchone()
        if dup:
            raise QueueError("同一需求已有在办申请 (an open request for this data already exists)", 409,
                             {"tracking": dup["tracking"]})

    # ---- transitions ----
    def act(self, tracking: str, action: str, cause: dict, who: Who, catalog: dict | None = None) -> dict:
        """One action on a request, in one transaction with its event, grant and notifications."""
        today = self.cfg.today()
        with self.store.tx() as c:
            req = self._request(c, tracking)
            rt = queue.request_type(self.q, req["type"])
            self._may_act(who, req, action)
            events = self._events(c, req["id"])
            to_state, cause = queue.check(rt, req["state"], action, dict(cause), events, today, self.cal)
            if action == "decide":
                self._check_grant(req, cause, catalog or {}, today)
            ev = Event(len(events) + 1, now_iso(), today, who.actor, action, req["state"], to_state, cause)
            self._record(c, req["id"], rt, events, ev)
            self._notify(c, req["id"], tracking, req["type"], ev, dict(req), staff_too=action == "supply")
            audit.with_change(c, 200)   # the action's (and any grant's) audit entry commits with it
            if action == "decide" and cause.get("grant"):
                events.append(ev)
                self._fulfil_with_grant(c, req, rt, events, cause["grant"], who, today)
        self.mailer.kick()
        return self.view(tracking, who)

    def _may_act(self, who: Who, req, action: str) -> None:
        by = queue.TRANSITIONS.get(action, (None, None, None))[2]
        if by == queue.STAFF and not (who.staff and who.department == req["department"]):
            raise QueueError("只有答复部门的工作人员可以办理 (only the answering department's staff)", 403)
        if by == queue.APPLICANT and who.account_id != req["applicant_id"]:
            raise QueueError("只有申请人可以补正 (only the applicant)", 403)
        if by == queue.SYSTEM and who is not SYSTEM:
            raise QueueError("该操作由系统执行 (done by the system)", 403)

    def _check_grant(self, req, cause: dict, catalog: dict, today: date) -> None:
        """Granting a catalogued open-on-request table: which columns, until when (least privilege, J art. 16)."""
        entry = catalog.get(req["dataset"]) if req["dataset"] else None
        if cause["outcome"] not in queue.GRANTING or req["type"] == "correction" or not entry \
                or entry["database"] != RESTRICTED:
            return
        asked = json.loads(req["items"])
        columns = cause.get("columns") or asked
        if any(col not in entry["columns"] for col in columns):
            raise QueueError("授权字段须为该数据集的字段", 400, {"columns": "未知字段 (unknown column)"})
        ends = self._grant_end(req, cause.get("ends_on"), today)
        full = set(columns) == set(entry["columns"])
        cause["grant"] = {"columns": None if full else columns, "ends_on": ends.isoformat()}

    def _grant_end(self, req, given, today: date) -> date:
        limit = min(date.fromisoformat(req["use_until"]), today + timedelta(days=self.q.max_grant_days))
        try:
            ends = date.fromisoformat(given) if given else limit
        except (TypeError, ValueError):
            ends = None
        if ends is None or not today <= ends <= limit:
            raise QueueError("授权截止日期无效", 400, {"ends_on": f"须在 {today} 至 {limit} 之间 (YYYY-MM-DD)"})
        return ends

    def _fulfil_with_grant(self, c, req, rt, events: list[Event], grant: dict, who: Who, today: date) -> None:
        """The data is opened to the applicant: the grant and the 'fulfil' event commit together."""
        cols = json.dumps(grant["columns"], ensure_ascii=False) if grant["columns"] else None
        gid = c.execute("insert into grants (account_id, dataset, columns, ends_on, granted_by, request_id,"
                        " created_at) values (?, ?, ?, ?, ?, ?, ?)",
                        (req["applicant_id"], req["dataset"], cols, grant["ends_on"], who.actor, req["id"],
                         now_iso())).lastrowid
        ev = Event(len(events) + 1, now_iso(), today, who.actor, "fulfil", "decided", "fulfilled",
                   {"grant_id": gid, **grant})
        self._record(c, req["id"], rt, events, ev)
        self._notify(c, req["id"], req["tracking"], req["type"], ev, dict(req))

    def _record(self, c, rid: int, rt, events: list[Event], ev: Event) -> None:
        clk = queue.clock(rt, [*events, ev], self.cal, ev.on, self.q.supplement_days)
        due = clk.due.date.isoformat() + (" provisional" if clk.provisional else "") if clk.due else None
        c.execute("insert into request_events (request_id, seq, at, on_day, actor, action, from_state, to_state,"
                  " cause, due) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  (rid, ev.seq, ev.at, ev.on.isoformat(), ev.actor, ev.action, ev.from_state, ev.to_state,
                   json.dumps(ev.cause, ensure_ascii=False), due))
        c.execute("update requests set state = ? where id = ?", (ev.to_state, rid))

    def _notify(self, c, rid: int, tracking: str, kind: str, ev: Event, req: dict, staff_too: bool = False) -> None:
        """The applicant hears of every change (message + mail); staff of new and supplemented requests."""
        subject = f"[{tracking}] {queue.STATE_NAMES[ev.to_state]}"
        body = (f"申请编号：{tracking}\n类型：{queue.TYPE_NAMES[kind]}\n数据集：{req.get('dataset') or '目录外数据'}\n"
                f"办理：{ev.action} -> {queue.STATE_NAMES[ev.to_state]}（{ev.on}）\n"
                f"查询：{self.cfg.public_base()}/requests/status/?tracking={tracking}"
                "（凭申请时显示的查询密码或API密钥）\n")
        applicant = req["applicant_id"]
        notify.post(c, applicant, rid, subject, body)
        if req.get("email_enc"):
            notify.enqueue(c, self.crypto, self.crypto.decrypt(req["email_enc"], "email"), subject, body)
        if staff_too:
            for s in c.execute("select id from accounts where kind = 'staff' and department = ? and status = 'active'",
                               (req["department"],)):
                notify.post(c, s["id"], rid, subject, body)

    # ---- reading ----
    def _request(self, c, tracking: str):
        tracking = queue.normalize_tracking(tracking)  # numbers are read aloud and typed: any case
        row = c.execute("select * from requests where tracking = ?", (tracking,)).fetchone() if tracking else None
        if row is None:
            raise QueueError("没有这个申请编号 (no such tracking number)", 404)
        return row

    def _events(self, c, rid: int) -> list[Event]:
        return [Event(r["seq"], r["at"], date.fromisoformat(r["on_day"]), r["actor"], r["action"], r["from_state"],
                      r["to_state"], json.loads(r["cause"]))
                for r in c.execute("select * from request_events where request_id = ? order by seq", (rid,))]

    def view(self, tracking: str, who: Who | None, secret: str | None = None) -> dict:
        """The status page, for the applicant, the answering department's staff, operators, and whoever holds
        the request's secret; anyone else is told there is no such request (numbers are sequential)."""
        with self.store._lock:
            try:
                req = self._request(self.store.conn, tracking)
            except QueueError:
                req = None
            if req is None or not (self._may_see(who, req) or _secret_matches(secret, req["secret_hash"])):
                raise QueueError(NOT_FOUND, 404)  # one answer for both: no oracle of which numbers exist
            events = self._events(self.store.conn, req["id"])
            due_column = [r["due"] for r in self.store.conn.execute(
                "select due from request_events where request_id = ? order by seq", (req["id"],))]
        return self._view(req, events, due_column)

    def _may_see(self, who: Who | None, req) -> bool:
        if who is None or who.account_id is None:
            return who is SYSTEM
        return who.account_id == req["applicant_id"] or (who.staff and (
            who.department == req["department"] or who.role == "operator"))

    def _view(self, req, events: list[Event], dues: list) -> dict:
        rt = queue.request_type(self.q, req["type"])
        today = self.cfg.today()
        clk = queue.clock(rt, events, self.cal, today, self.q.supplement_days)
        out = {"tracking": req["tracking"], "type": req["type"], "type_name": queue.TYPE_NAMES[req["type"]],
               "state": req["state"], "state_name": queue.STATE_NAMES[req["state"]], "department": req["department"],
               "dataset": req["dataset"], "submitted_on": events[0].on.isoformat(), "law": rt.law,
               "period": {"days": rt.days, "kind": rt.kind, "starts": rt.starts},
               "due": clk.due.date.isoformat() if clk.due else None, "provisional": clk.provisional,
               "warning": clk.due.warning if clk.due else None, "clock_stopped": clk.stopped,
               "supplement_due": clk.supplement_due.isoformat() if clk.supplement_due else None,
               "urgency": queue.urgency(req["state"], clk, today, self.cal, self.q)}
        steps = [{"date": st.date.isoformat(), "counted": st.counted, "reason": st.reason}
                 for st in (clk.due.steps if clk.due else [])]
        out.update(how_computed=list(clk.explain), day_by_day=steps, extension_days=clk.extension, request={
            "purpose": req["purpose"], "scenario": req["scenario"], "description": req["description"],
            "items": json.loads(req["items"]), "use_until": req["use_until"]},
            events=[{"seq": e.seq, "at": e.at, "on": e.on.isoformat(), "actor": e.actor, "action": e.action,
                     "from": e.from_state, "to": e.to_state, "cause": e.cause, "due": d}
                    for e, d in zip(events, dues)])
        return out

    def list(self, who: Who, state: str | None = None, urgency: str | None = None) -> list[dict]:
        """Staff: their department's queue (operators: every queue); applicants: their own requests."""
        if who.staff and who.role == "operator" and not who.department:
            where, params = "1 = 1", []
        elif who.staff:
            where, params = "department = ?", [who.department]
        else:
            where, params = "applicant_id = ?", [who.account_id]
        if state:
            where, params = where + " and state = ?", params + [state]
        rows = self.store.all(f"select tracking from requests where {where} order by id", params)
        views = [self.view(r["tracking"], who) for r in rows]
        return [v for v in views if urgency is None or v["urgency"] == urgency]

    def messages(self, account_id: int) -> list[dict]:
        return notify.messages(self.store, account_id)

    # ---- statistics ----
    def statistics(self, year: int | None = None) -> dict:
        rows = []
        with self.store._lock:
            reqs = self.store.conn.execute("select id, type, department from requests order by id").fetchall()
            for r in reqs:
                events = self._events(self.store.conn, r["id"])
                if year is None or events[0].on.year == year:
                    rows.append((r["department"], queue.request_type(self.q, r["type"]), events))
        return {"year": year, **queue.statistics_by_department(rows, self.cal)}

    # ---- the daily run ----
    def sweep(self) -> list[tuple[str, str]]:
        """Abandon requests whose supplement is overdue; record due dates changed by new calendar data."""
        today, done = self.cfg.today(), []
        for row in self.store.all("select tracking from requests where state not in ('closed', 'rejected',"
                                  " 'abandoned') order by id"):
            with self.store.tx() as c:
                req = self._request(c, row["tracking"])
                rt = queue.request_type(self.q, req["type"])
                events = self._events(c, req["id"])
                clk = queue.clock(rt, events, self.cal, today, self.q.supplement_days)
                if req["state"] == "needs_supplement" and clk.supplement_due and today > clk.supplement_due:
                    ev = Event(len(events) + 1, now_iso(), today, "system", "abandon", req["state"], "abandoned",
                               {"reason": f"逾期未补正（补正期限 {clk.supplement_due}）"})
                elif self._due_changed(c, req["id"], clk):
                    ev = Event(len(events) + 1, now_iso(), today, "system", "recompute", req["state"], req["state"],
                               {"reason": "节假日安排更新，到期日重新计算 (calendar data changed)"})
                else:
                    continue
                self._record(c, req["id"], rt, events, ev)
                self._notify(c, req["id"], req["tracking"], req["type"], ev, dict(req))
                done.append((req["tracking"], ev.action))
        return done

    def _due_changed(self, c, rid: int, clk: queue.Clock) -> bool:
        if clk.due is None or clk.stopped:
            return False
        last = c.execute("select due from request_events where request_id = ? and due is not null"
                         " order by seq desc limit 1", (rid,)).fetchone()
        now = clk.due.date.isoformat() + (" provisional" if clk.provisional else "")
        return last is not None and last["due"] != now

    def remind(self, catalog: dict) -> list[tuple[str, str]]:
        """Due-soon and overdue reminders to the department (staff messages + its catalogue contact), once a day."""
        self.sweep()
        today, sent = self.cfg.today(), []
        for row in self.store.all("select tracking from requests where state in ('submitted', 'accepted',"
                                  " 'in_progress') order by id"):
            v = self.view(row["tracking"], SYSTEM)
            if v["urgency"] not in ("due_soon", "overdue", "seriously_overdue"):
                continue
            with self.store.tx() as c:
                if c.execute("insert or ignore into reminders values ((select id from requests where tracking = ?),"
                             " ?, ?)", (v["tracking"], v["urgency"], today.isoformat())).rowcount == 0:
                    continue
                self._remind_department(c, v, catalog)
            sent.append((v["tracking"], v["urgency"]))
        self.mailer.deliver_due()
        return sent

    def _remind_department(self, c, v: dict, catalog: dict) -> None:
        words = {"due_soon": "即将到期", "overdue": "已逾期", "seriously_overdue": "严重逾期"}[v["urgency"]]
        subject = f"[{v['tracking']}] 办理提醒：{words}（到期日 {v['due']}）"
        body = f"申请编号：{v['tracking']}\n状态：{v['state_name']}\n到期日：{v['due']}\n请及时答复。\n"
        rid = c.execute("select id from requests where tracking = ?", (v["tracking"],)).fetchone()["id"]
        for s in c.execute("select id from accounts where kind = 'staff' and department = ? and status = 'active'",
                           (v["department"],)).fetchall():
            notify.post(c, s["id"], rid, subject, body)
        contacts = {((e.get("record") or {}).get("contact") or {}).get("email") for e in catalog.values()
                    if e["department"] == v["department"]}
        for addr in sorted(a for a in contacts if a):
            notify.enqueue(c, self.crypto, addr, subject, body)


NOT_FOUND = "没有这个申请编号，或查询密码不正确 (no such request, or a wrong secret)"


def _secret_hash(secret: str) -> str:
    # A random 144-bit token: a plain sha256 is enough (nothing to brute-force), and it is what is stored.
    return hashlib.sha256(secret.encode()).hexdigest()


def _secret_matches(secret, stored: str | None) -> bool:
    if not isinstance(secret, str) or not secret or stored is None or len(secret) > 200:
        return False
    return hmac.compare_digest(_secret_hash(secret.strip()), stored)


_desks: dict[str, QueueStore] = {}


def open_queue(cfg: Config, crypto: Crypto) -> QueueStore:
    """The queue of this configuration's state directory (one per process)."""
    k = str(Path(cfg.state_dir).resolve())
    if k not in _desks:
        _desks[k] = QueueStore(cfg, crypto)
    return _desks[k]
