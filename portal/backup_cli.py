"""`portal backup DEST` and `portal restore SRC`: thin click commands over portal/backup.py."""
from __future__ import annotations

from pathlib import Path

import click

from . import backup as backup_mod
from . import config as config_mod
from .config import ConfigError


def _cfg(ctx) -> config_mod.Config:
    try:
        return config_mod.load((ctx.find_root().obj or {}).get("config_file"))
    except ConfigError as e:
        raise click.ClickException(str(e)) from None


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@click.option("--keep", type=click.IntRange(min=1), help="Backups to keep in DEST (default: operations.backup_keep).")
@click.pass_context
def backup(ctx, dest, keep):
    """Back up the state database (online, safe while serving), the served release and datasets/ into
    DEST/portal-backup-<stamp>/ with a manifest of sha256 checksums; keep the newest backups only."""
    try:
        out = backup_mod.backup(_cfg(ctx), dest, keep)
    except backup_mod.BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"已备份 (backed up): {out}")


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace existing state (stop the server first); it is kept aside.")
@click.pass_context
def restore(ctx, src, force):
    """Verify every checksum and the audit chain of backup SRC, restore it, and verify the chain again."""
    try:
        r = backup_mod.restore(_cfg(ctx), src, force)
    except backup_mod.BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"已恢复 (restored) {r.files} files from {r.source}; release {r.release or '-'}; "
               f"审计日志完整 (audit chain intact): {r.audit_entries} entries")
