"""The CLI's `--as ID`: acting as a staff account needs proof, and the audit names the OS user who acted."""
from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path

import click

from . import audit, keys
from . import config as config_mod
from .config import ConfigError

KEY_ENV = "PORTAL_STAFF_KEY"
PROOF_HELP = (f"Proof: the account's API key in ${KEY_ENV} (or typed at the hidden prompt); without a key only "
              "the OS user owning the state folder (the service account) may act, and the audit names the OS user.")


def os_user() -> str:
    """The login acting on this machine; through sudo, the person behind it too."""
    user = getpass.getuser()
    sudo = os.environ.get("SUDO_USER")
    return f"{user}(sudo:{sudo})" if sudo and sudo != user else user


def owns_state(state_dir: Path) -> bool:
    """The service account: it owns state/ and can read or rewrite everything in it anyway."""
    try:
        return Path(state_dir).stat().st_uid == os.geteuid()
    except OSError:
        return False


def _presented_key(owner: bool) -> str | None:
    """The key in the environment; else, for anyone but the state's owner, typed at a hidden prompt."""
    key = os.environ.get(KEY_ENV, "").strip()
    if key or owner:
        return key or None
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt("员工API密钥 (staff API key)", hide_input=True, default="", show_default=False).strip() or None
    return None


def prove(svc, account_id: int) -> str | None:
    """The key prefix that proves `account_id`, None for the state owner without a key; else ClickException."""
    owner = owns_state(svc.cfg.state_dir)
    token = _presented_key(owner)
    if token is None:
        if owner:
            return None
        raise click.ClickException(
            f"--as {account_id} 需要该员工的API密钥：请设置环境变量 {KEY_ENV} (acting as a staff account needs its "
            f"API key in ${KEY_ENV}, or run as the service account that owns {svc.cfg.state_dir})")
    result = keys.check(svc.store, token)
    row = svc.store.one("select kind, status from accounts where id = ?", (result.account_id,)) if result.ok else None
    if row is None or result.account_id != account_id or row["kind"] != "staff" or row["status"] != "active":
        raise click.ClickException(f"{KEY_ENV} 不是账户 {account_id} 的有效员工密钥 (not a valid key of staff "
                                   f"account {account_id})")
    return result.prefix


def _acting(ctx: click.Context, param, account_id):
    """Option callback: prove the account, then let every change this command makes be audited as it."""
    if account_id is None or ctx.resilient_parsing:
        return account_id
    from .access import services
    try:
        cfg = config_mod.load((ctx.find_root().obj or {}).get("config_file"))
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    svc = services(cfg)
    audit_changes(ctx, svc, account_id, prove(svc, account_id))
    return account_id


def audit_changes(ctx: click.Context, svc, account_id: int | None = None, key_prefix: str | None = None) -> None:
    """Until the command ends, a change it makes commits with an entry naming the OS user (audit.with_change)."""
    names, c = [], ctx
    while c.parent is not None:      # the command's words, whatever the program was called
        names.append(c.info_name)
        c = c.parent
    command = "/".join(reversed(names))
    entry = audit.Entry(account_id, key_prefix, f"local:{os_user()}", "CLI", f"/cli/{command}", None, 0, 0)
    token = audit.PENDING.set(audit.Pending(svc.audit_key, entry))
    ctx.call_on_close(lambda: audit.PENDING.reset(token))


def as_option(help_text: str):
    """`--as ID`, proven (see PROOF_HELP) before the command runs."""
    return click.option("--as", "as_id", type=int, required=True, callback=_acting, expose_value=True,
                        help=f"{help_text} {PROOF_HELP}")
