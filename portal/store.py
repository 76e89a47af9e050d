"""The portal's state database (state/portal.db): schema, migrations, one transaction per change."""
from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

# Each entry migrates from version i to i+1; never edit a released entry, append a new one.
MIGRATIONS = [
    """
    create table accounts (
      id integer primary key,
      kind text not null check (kind in ('individual', 'organisation', 'staff')),
      role text not null check (role in ('applicant', 'publisher', 'reviewer', 'operator')),
      status text not null check (status in ('pending_code', 'review', 'active', 'suspended')),
      name_masked text not null,          -- the only form of a person's name that is ever shown
      name_enc text,                      -- real name / contact person, encrypted
      org_name text,                      -- organisations are not natural persons: kept clear
      id_kind text,                       -- 'resident_id' | 'uscc' | null (staff)
      id_hash text unique,                -- keyed hash: one account per ID number or credit code
      id_enc text, id_masked text,
      mobile_hash text, mobile_enc text, mobile_masked text,
      department text,                    -- publishers belong to exactly one department
      created_at text not null, verified_at text, reviewed_at text, reviewed_by text, note text,
      check (role = 'applicant' or kind = 'staff'),
      check (role != 'publisher' or department is not null)
    );
    create table otp_codes (
      account_id integer primary key references accounts(id),
      code_hash text not null, expires_at text not null,
      attempts integer not null default 0, sent_at text not null
    );
    create table api_keys (
      id integer primary key,
      account_id integer not null references accounts(id),
      prefix text not null unique, key_hash text not null,
      name text, created_at text not null, last_used_at text, expires_at text, revoked_at text
    );
    create index api_keys_account on api_keys(account_id);
    create table grants (
      id integer primary key,
      account_id integer not null references accounts(id),
      dataset text not null,
      columns text,                       -- JSON list of granted columns; null = all columns
      ends_on text not null,              -- last day (inclusive, YYYY-MM-DD) of the grant
      granted_by text not null, request_id integer,
      created_at text not null, revoked_at text
    );
    create index grants_account on grants(account_id, dataset);
    create table usage_daily (
      subject text not null, day text not null,
      requests integer not null default 0, rows integer not null default 0,
      primary key (subject, day)
    );
    create table audit (
      seq integer primary key,
      at text not null, account_id integer, key_prefix text, client_ip text,
      method text not null, path text not null, dataset text, rows integer not null, status integer not null,
      prev_hash text not null, hash text not null
    );
    create table audit_meta (
      name text primary key,              -- 'head' (last entry) | 'anchor' (last pruned entry)
      seq integer not null, hash text not null, mac text not null
    );
    -- Append-only: edits and deletes are refused; pruning opens a one-transaction window.
    create table audit_prune_window (open integer);
    create trigger audit_no_update before update on audit
      begin select raise(abort, 'audit log is append-only'); end;
    create trigger audit_no_delete before delete on audit
      when not exists (select 1 from audit_prune_window)
      begin select raise(abort, 'audit log is append-only'); end;
    """,
    # 2: the reply queue (portal/queue_store.py). Due dates are never stored: they follow from the events.
    """
    create table requests (
      id integer primary key,
      tracking text not null unique,      -- YS-2026-000123
      type text not null,                 -- open_request | correction | share_request
      applicant_id integer not null references accounts(id),
      department text not null,           -- name of the department that must answer
      dataset text,                       -- catalogue identifier, or null: data described in `description`
      description text, purpose text not null, scenario text not null,
      items text not null,                -- JSON list of the data items asked for
      use_until text,                     -- last day of the period of use (YYYY-MM-DD)
      email_enc text,                     -- where notifications go (encrypted), optional
      state text not null,                -- cache of the last event's state, written in the same transaction
      created_at text not null
    );
    create index requests_department on requests(department, state);
    create index requests_applicant on requests(applicant_id);
    create table request_events (
      id integer primary key,
      request_id integer not null references requests(id),
      seq integer not null,               -- 1, 2, ... per request
      at text not null,                   -- when it was recorded (UTC)
      on_day text not null,               -- the legal date it counts from (China)
      actor text not null,                -- account:<id> | system
      action text not null, from_state text, to_state text not null,
      cause text not null,                -- JSON: reason, legal basis, days, approving official, ...
      due text,                           -- the due date as computed right after this event (for the record)
      unique (request_id, seq)
    );
    create trigger request_events_no_update before update on request_events
      begin select raise(abort, 'request events are append-only'); end;
    create trigger request_events_no_delete before delete on request_events
      begin select raise(abort, 'request events are append-only'); end;
    create table messages (
      id integer primary key,
      account_id integer not null references accounts(id),
      request_id integer references requests(id),
      subject text not null, body text not null, created_at text not null, read_at text
    );
    create index messages_account on messages(account_id, id);
    create table mail_outbox (
      id integer primary key,
      to_enc text not null,               -- recipient address, encrypted
      subject text not null, body text not null, created_at text not null,
      attempts integer not null default 0, next_try_at text not null,
      sent_at text, failed_at text, last_error text   -- last_error: exception class only, never an address
    );
    create table reminders (
      request_id integer not null references requests(id),
      kind text not null, on_day text not null,
      primary key (request_id, kind, on_day)
    );
    """,
    # 3: the department workflow (portal/workflow.py): submissions and their append-only events.
    """
    create table submissions (
      id integer primary key,
      dataset text,                       -- identifier from dataset.yaml (null when unreadable)
      department text not null,           -- the submitting publisher's department
      submitter_id integer not null references accounts(id),
      content_hash text not null,         -- sha256 over the snapshot's files (state/submissions/<id>/)
      files text not null,                -- JSON {file name: sha256}
      record text,                        -- JSON of the validated catalogue record
      result text not null,               -- JSON: problems, report, preview, row count, output hash
      status text not null,               -- cache of the last event: failed|pending|rejected|approved|published
      approved_hash text, approved_by integer references accounts(id), approved_at text,
      created_at text not null
    );
    create index submissions_dataset on submissions(dataset, id);
    create index submissions_status on submissions(status, id);
    -- An approval is given once, to one content hash: it can never be moved to other content.
    create trigger submissions_approval_once before update of approved_hash, approved_by, approved_at
      on submissions when old.approved_hash is not null
      begin select raise(abort, 'an approval cannot be changed'); end;
    create table workflow_events (
      id integer primary key,
      dataset text, submission_id integer references submissions(id),
      at text not null, actor_id integer references accounts(id), actor_role text,
      action text not null,               -- submit, check_failed, approve, reject, install, publish, withdraw ...
      reason text, detail text            -- why (people's words) and what (JSON: hashes, release, counts)
    );
    create index workflow_events_dataset on workflow_events(dataset, id);
    create trigger workflow_events_no_update before update on workflow_events
      begin select raise(abort, 'workflow events are append-only'); end;
    create trigger workflow_events_no_delete before delete on workflow_events
      begin select raise(abort, 'workflow events are append-only'); end;
    """,
    # 4: a request's status secret: sha256 of a random token shown once at filing (portal/queue_store.py).
    """
    alter table requests add column secret_hash text;
    """,
    # 5: claims of an ID number registered by someone else (portal/claims.py).
    """
    create table id_claims (
      id integer primary key,
      kind text not null default 'individual' check (kind in ('individual', 'organisation')),
      id_hash text not null,              -- the claimed ID number or credit code (keyed hash, as accounts.id_hash)
      account_id integer references accounts(id),   -- the account holding it when the claim was made
      org_name text,                      -- organisations are not natural persons: kept clear
      status text not null check (status in ('pending_code', 'review', 'granted', 'refused', 'rejected')),
      name_enc text not null, name_masked text not null, id_enc text not null,
      mobile_hash text not null, mobile_enc text not null, mobile_masked text not null,
      code_hash text, code_expires_at text, code_attempts integer not null default 0,
      created_at text not null, verified_at text, resolved_at text, resolved_by text, note text
    );
    create index id_claims_id_hash on id_claims(id_hash, status);
    """,
]


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class Store:
    """One SQLite file in WAL mode; `tx()` is one write transaction (BEGIN IMMEDIATE)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.RLock()
        self.conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=10)
        self.conn.row_factory = sqlite3.Row
        self.conn.execute("pragma journal_mode = wal")
        # NORMAL in WAL mode: durable against a process crash, cheap enough for one write per request.
        self.conn.execute("pragma synchronous = normal")
        self.conn.execute("pragma foreign_keys = on")
        self.migrate()

    def migrate(self) -> int:
        with self.tx() as c:
            version = c.execute("pragma user_version").fetchone()[0]
            for i, script in enumerate(MIGRATIONS[version:], start=version):
                for statement in _statements(script):
                    c.execute(statement)
                c.execute(f"pragma user_version = {i + 1}")
        return len(MIGRATIONS)

    @contextmanager
    def tx(self):
        """A write transaction: everything inside commits together or not at all."""
        with self._lock:
            self.conn.execute("begin immediate")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("rollback")
                raise
            self.conn.execute("commit")

    def one(self, sql: str, params=()) -> sqlite3.Row | None:
        with self._lock:
            return self.conn.execute(sql, params).fetchone()

    def all(self, sql: str, params=()) -> list[sqlite3.Row]:
        with self._lock:
            return self.conn.execute(sql, params).fetchall()

    def close(self) -> None:
        self.conn.close()


def _statements(script: str) -> list[str]:
    """Split a migration into statements (sqlite3.complete_statement keeps trigger bodies whole)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not buf.strip():
            continue
        buf += line
        if sqlite3.complete_statement(buf):
            out.append(buf.strip())
            buf = ""
    return [s for s in out if s.strip(" ;\n")]


def open_store(state_dir: Path) -> Store:
    return Store(Path(state_dir) / "portal.db")
