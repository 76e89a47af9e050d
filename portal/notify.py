"""Notifications: in-portal messages and e-mail through the configured SMTP server, retried from an outbox."""
from __future__ import annotations

import logging
import os
import smtplib
import threading
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from pathlib import Path

from .config import Config
from .crypto import Crypto
from .store import Store, now_iso

log = logging.getLogger("portal.notify")
MAX_ATTEMPTS = 8          # then the mail is marked failed (it stays in the outbox for the operator)
BATCH = 50


def post(c, account_id: int, request_id: int | None, subject: str, body: str) -> None:
    """An in-portal message, inside the caller's transaction."""
    c.execute("insert into messages (account_id, request_id, subject, body, created_at) values (?, ?, ?, ?, ?)",
              (account_id, request_id, subject, body, now_iso()))


def enqueue(c, crypto: Crypto, to_addr: str, subject: str, body: str) -> None:
    """A mail to send, inside the caller's transaction: it is sent after the change is committed."""
    now = now_iso()
    c.execute("insert into mail_outbox (to_enc, subject, body, created_at, next_try_at) values (?, ?, ?, ?, ?)",
              (crypto.encrypt(to_addr, "email"), subject, body, now, now))


def messages(store: Store, account_id: int, limit: int = 100) -> list[dict]:
    return [dict(r) for r in store.all("select id, request_id, subject, body, created_at, read_at from messages"
                                       " where account_id = ? order by id desc limit ?", (account_id, limit))]


def mark_read(store: Store, account_id: int, message_id: int) -> bool:
    with store.tx() as c:
        return c.execute("update messages set read_at = coalesce(read_at, ?) where id = ? and account_id = ?",
                         (now_iso(), message_id, account_id)).rowcount == 1


def smtp_password(cfg: Config) -> str | None:
    """From PORTAL_SMTP_PASSWORD or state/secrets/smtp_password.key; never from the configuration file."""
    env = os.environ.get("PORTAL_SMTP_PASSWORD")
    path = Path(cfg.state_dir) / "secrets" / "smtp_password.key"
    return env or (path.read_text().strip() if path.exists() else None)


class Mailer:
    """Sends what the outbox holds; a failure is retried later with a growing delay and logged without addresses."""

    def __init__(self, cfg: Config, store: Store, crypto: Crypto):
        self.cfg, self.store, self.crypto = cfg, store, crypto
        self._wake, self._thread, self._lock = threading.Event(), None, threading.Lock()

    def deliver_due(self, now: datetime | None = None) -> tuple[int, int]:
        """Try every mail whose time has come: (sent, still failing)."""
        q = self.cfg.queue
        if not q.smtp_host:
            return 0, 0
        now = now or datetime.now(timezone.utc)
        sent = failed = 0
        with self._lock:   # one sender at a time: a mail is never sent twice by two threads
            rows = self.store.all("select id, to_enc, subject, body, attempts from mail_outbox where sent_at is null"
                                  " and failed_at is null and next_try_at <= ? order by id limit ?",
                                  (now.isoformat(timespec="seconds"), BATCH))
            for row in rows:
                ok = self._send_one(row, now)
                sent, failed = sent + ok, failed + (not ok)
        return sent, failed

    def _send_one(self, row, now: datetime) -> bool:
        q = self.cfg.queue
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = q.mail_from, self.crypto.decrypt(row["to_enc"], "email"), row["subject"]
        msg.set_content(row["body"])
        try:
            with smtplib.SMTP(q.smtp_host, q.smtp_port, timeout=10) as smtp:
                if q.smtp_starttls:
                    smtp.starttls()
                if q.smtp_user:
                    smtp.login(q.smtp_user, smtp_password(self.cfg) or "")
                smtp.send_message(msg)
        except (OSError, smtplib.SMTPException) as e:
            attempts = row["attempts"] + 1
            wait = timedelta(minutes=min(2 ** attempts, 240))
            gave_up = now.isoformat(timespec="seconds") if attempts >= MAX_ATTEMPTS else None
            # The exception text may carry the address: log and keep only its class.
            log.warning("mail %s not delivered (attempt %s%s): %s", row["id"], attempts,
                        ", giving up" if gave_up else "", type(e).__name__)
            with self.store.tx() as c:
                c.execute("update mail_outbox set attempts = ?, next_try_at = ?, failed_at = ?, last_error = ?"
                          " where id = ?", (attempts, (now + wait).isoformat(timespec="seconds"), gave_up,
                                            type(e).__name__, row["id"]))
            return False
        with self.store.tx() as c:
            c.execute("update mail_outbox set sent_at = ?, attempts = attempts + 1 where id = ?",
                      (now_iso(), row["id"]))
        return True

    def kick(self) -> None:
        """Wake the background sender (started on first use; it also retries once a minute)."""
        if not self.cfg.queue.smtp_host:
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="portal-mail", daemon=True)
            self._thread.start()
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait(60)
            self._wake.clear()
            try:
                self.deliver_due()
            except Exception as e:  # the sender must survive anything; the outbox keeps the mail
                log.error("mail sender error: %s", type(e).__name__)
