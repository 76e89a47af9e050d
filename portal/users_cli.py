"""Operator commands: `portal users ...`, `portal keys ...`, `portal audit ...` (masked output only)."""
from __future__ import annotations

import getpass
import json

import click

from . import audit as audit_mod
from . import config as config_mod
from . import keys as keys_mod
from .access import add_grant, services
from .accounts import STAFF_ROLES, AccountError
from .acting import audit_changes
from .config import ConfigError


def _svc(ctx):
    """The services, with this command's changes audited as the operator's (OS user) in their transaction."""
    try:
        svc = services(config_mod.load((ctx.find_root().obj or {}).get("config_file")))
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    if audit_mod.PENDING.get() is None:
        audit_changes(ctx, svc)
    return svc


def _show(row: dict) -> str:
    return json.dumps(row, ensure_ascii=False)


def _by_option(fn):
    return click.option("--by", default=getpass.getuser, show_default="login name",
                        help="The operator recorded as reviewer.")(fn)


@click.group()
def users():
    """Registered accounts (实名注册账户) and staff: list, show, approve, suspend; claims of squatted IDs."""


@users.command("list")
@click.option("--status", type=click.Choice(["pending_code", "review", "active", "suspended"]),
              help="Only accounts in this state (review = the operator's queue).")
@click.pass_context
def users_list(ctx, status):
    """One line per account (JSON, masked fields only)."""
    for row in _svc(ctx).registry.accounts(status):
        click.echo(_show(row))


@users.command("show")
@click.argument("account_id", type=int)
@click.pass_context
def users_show(ctx, account_id):
    """An account with its keys (prefixes) and grants."""
    svc = _svc(ctx)
    try:
        row = svc.registry.get(account_id)
    except AccountError as e:
        raise click.ClickException(str(e)) from None
    row["keys"] = [k.as_dict() for k in keys_mod.list_keys(svc.store, account_id)]
    row["grants"] = [dict(g) for g in svc.store.all(
        "select dataset, columns, ends_on, granted_by, request_id, revoked_at from grants where account_id = ?",
        (account_id,))]
    click.echo(json.dumps(row, ensure_ascii=False, indent=2))


def _set_status(ctx, account_id, status, by, note=None):
    try:
        click.echo(_show(_svc(ctx).registry.set_status(account_id, status, by, note)))
    except AccountError as e:
        raise click.ClickException(str(e)) from None


@users.command("approve")
@click.argument("account_id", type=int)
@_by_option
@click.pass_context
def users_approve(ctx, account_id, by):
    """Approve an account from the review queue (its keys start working)."""
    _set_status(ctx, account_id, "active", by)


@users.command("suspend")
@click.argument("account_id", type=int)
@click.option("--note", help="Why (kept with the account).")
@_by_option
@click.pass_context
def users_suspend(ctx, account_id, note, by):
    """Suspend an account: all its keys are refused until it is approved again."""
    _set_status(ctx, account_id, "suspended", by, note)


@users.command("add-staff")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(STAFF_ROLES))
@click.option("--department", help="The one department a publisher belongs to.")
@_by_option
@click.pass_context
def users_add_staff(ctx, name, role, department, by):
    """Create a staff account and print its first API key (shown only once)."""
    try:
        acct, token = _svc(ctx).registry.create_staff(name, role, by, department)
    except AccountError as e:
        raise click.ClickException(str(e)) from None
    click.echo(_show(acct))
    click.echo(f"API密钥（只显示一次） (key, shown once): {token}")


@users.command("grant")
@click.argument("account_id", type=int)
@click.argument("dataset")
@click.option("--until", "ends_on", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD).")
@click.option("--column", "columns", multiple=True, help="A granted column (repeat); none = all columns.")
@_by_option
@click.pass_context
def users_grant(ctx, account_id, dataset, ends_on, columns, by):
    """Grant an account access to one open-on-request dataset (the request queue normally does this)."""
    svc = _svc(ctx)
    try:
        svc.registry.get(account_id)
    except AccountError as e:
        raise click.ClickException(str(e)) from None
    gid = add_grant(svc.store, account_id, dataset, ends_on.date(), by, list(columns) or None)
    click.echo(f"授权 (grant) {gid}: account {account_id} -> {dataset} until {ends_on.date()}")


@users.command("claims")
@click.option("--status", type=click.Choice(["pending_code", "review", "granted", "refused", "rejected"]),
              help="Only claims in this state (review = waiting for a decision).")
@click.pass_context
def users_claims(ctx, status):
    """Claims of ID numbers or credit codes registered by someone else (masked fields), one JSON line each."""
    from .claims import Claims
    for row in Claims(_svc(ctx).registry).list(status):
        click.echo(_show(row))


@users.command("resolve-claim")
@click.argument("claim_id", type=int)
@click.option("--grant/--refuse", required=True,
              help="Grant: the account holding the ID is suspended, its keys revoked, and the ID kept for the "
                   "claimant's verified mobile. Refuse: nothing changes.")
@click.option("--note", help="Why (kept with the claim).")
@_by_option
@click.pass_context
def users_resolve_claim(ctx, claim_id, grant, note, by):
    """Decide a verified claim after checking the claimant's identity documents."""
    from .claims import Claims
    try:
        click.echo(_show(Claims(_svc(ctx).registry).resolve(claim_id, grant, by, note)))
    except AccountError as e:
        raise click.ClickException(str(e)) from None


@click.group("keys")
def keys_group():
    """API keys: list an account's keys, revoke a key by prefix."""


@keys_group.command("list")
@click.argument("account_id", type=int)
@click.pass_context
def keys_list(ctx, account_id):
    for k in keys_mod.list_keys(_svc(ctx).store, account_id):
        click.echo(_show(k.as_dict()))


@keys_group.command("revoke")
@click.argument("prefix")
@click.pass_context
def keys_revoke(ctx, prefix):
    """Revoke a key (any account's) by the prefix shown in lists and the audit log."""
    try:
        info = keys_mod.revoke(_svc(ctx).store, prefix)
    except keys_mod.KeyError_ as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"已吊销 (revoked): {info.prefix} at {info.revoked_at}")


@click.group("audit")
def audit_group():
    """The audit trail of data access: verify the hash chain, prune old entries."""


@audit_group.command("verify")
@click.pass_context
def audit_verify(ctx):
    """Check every entry; exit 1 naming the first edited, deleted or reordered one."""
    svc = _svc(ctx)
    v = audit_mod.verify(svc.store, svc.audit_key)
    if not v.ok:
        raise click.ClickException(f"审计日志被篡改 (audit log tampered): entry {v.bad_seq}: {v.problem}"
                                   f" ({v.checked} entries checked before it)")
    click.echo(f"审计日志完整 (audit log intact): {v.checked} entries")


@audit_group.command("prune")
@click.option("--days", type=int, help="Keep this many days (default from config; never less than 180).")
@click.pass_context
def audit_prune(ctx, days):
    """Remove entries older than the retention period; entries younger than 180 days always stay."""
    svc = _svc(ctx)
    days = days if days is not None else svc.cfg.accounts.audit_retention_days
    n = audit_mod.prune(svc.store, svc.audit_key, days)
    click.echo(f"已清理 (pruned) {n} entries older than {max(days, audit_mod.MIN_RETENTION_DAYS)} days")
