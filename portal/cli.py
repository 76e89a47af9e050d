"""The `portal` command: a thin click layer; each command calls one library function."""
from __future__ import annotations

import csv
import json
import os
import sys
from functools import wraps
from pathlib import Path

import click

from anonymize.operators import PolicyError
from anonymize.policy import ResidualError
from anonymize.read import InputError
from metadata.validate import CatalogError

from . import config as config_mod
from .calendar_cli import calendar
from .config import ConfigError

DOMAIN_ERRORS = (InputError, CatalogError, PolicyError, ResidualError, ConfigError)


def domain_errors(fn):
    """Turn the portal's own errors into one clear message line each, exit 1, no traceback."""
    @wraps(fn)
    def wrapper(*args, **kwargs):
        from .publish import PublishError
        from .serve import NotPublished
        from .site_build import SiteError
        try:
            return fn(*args, **kwargs)
        except (*DOMAIN_ERRORS, PublishError, NotPublished, SiteError) as e:
            raise click.ClickException(str(e)) from None
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The portal configuration file (TOML). Default: ./portal.toml when present.")
@click.pass_context
def cli(ctx, config_file):
    """政务数据开放平台 — the open-data portal: desensitize, publish, catalogue, serve."""
    ctx.obj = {"config_file": config_file}


def _cfg(ctx) -> config_mod.Config:
    try:
        return config_mod.load(ctx.obj["config_file"])
    except ConfigError as e:
        raise click.ClickException(str(e)) from None


def _detector(files: list):
    """The built-in recognizers plus these Presidio recognizer YAML files (None: nothing custom)."""
    if not files:
        return None
    from anonymize.custom import from_files
    from anonymize.registry import RecognizerFileError
    try:
        return from_files(files)
    except RecognizerFileError as e:
        raise click.ClickException(str(e)) from None


@cli.command()
@click.argument("input_file", type=click.Path(path_type=Path))
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the desensitized UTF-8 CSV.")
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the desensitization report (JSON) here; a .txt beside it holds the readable form.")
@click.option("--encoding", help="Source encoding (detected when omitted).")
@click.option("--sheet", help="XLSX sheet name (first sheet when omitted).")
@click.option("--recognizers", "recognizer_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A Presidio recognizer YAML file (patterns with context words, deny-lists) added to the "
                   "built-in ones; repeatable; [anonymize] recognizers in portal.toml apply too.")
@click.option("--strict-residual", is_flag=True, default=None,
              help="Refuse the file when a cell is still flagged after masking (default: redact that cell "
                   "whole and list it in the report; also [anonymize] strict_residual in portal.toml).")
@click.pass_context
@domain_errors
def anonymize(ctx, input_file, output, report, encoding, sheet, strict_residual, recognizer_files):
    """Desensitize one CSV/XLSX file with safe defaults: every personal value found is redacted.

    Same columns and rows in the same order; nothing is written unless the whole file succeeds.
    A cell the re-scan still flags is redacted whole and counted in the report (row, column, entity).
    """
    from anonymize.read import open_table
    from anonymize.policy import desensitize
    cfg = _cfg(ctx)
    detector = _detector([*cfg.anonymize.recognizers, *recognizer_files])
    table = open_table(input_file, encoding, sheet)
    header, rows, rep = desensitize(table.header, table.rows, None, cfg.secret("pseudonym"), input_file.name,
                                    strict_residual=strict_residual or cfg.anonymize.strict_residual,
                                    detector=detector, row_of=table.notes.source_row)
    tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            w.writerow(header)
            w.writerows(rows)
        os.replace(tmp, output)
    finally:
        tmp.unlink(missing_ok=True)
    text = "\n".join([rep.as_text(), *table.notes.as_text()])   # what reading did: titles skipped, ...
    if report:
        report.write_text(json.dumps({**rep.as_dict(), "read": table.notes.as_dict()}, ensure_ascii=False,
                                     indent=2), encoding="utf-8")
        report.with_suffix(".txt").write_text(text + "\n", encoding="utf-8")
    click.echo(text)


@cli.command()
@click.option("--only", multiple=True, help="Re-read only these datasets; carry the others over from the served release.")
@click.pass_context
@domain_errors
def publish(ctx, only):
    """Desensitize every dataset and publish a new release (atomic: the old one is served until done)."""
    from .publish import publish as run_publish
    release = run_publish(_cfg(ctx), list(only) or None)
    click.echo(f"已发布 (published): {release}")


@cli.command()
@click.pass_context
@domain_errors
def site(ctx):
    """Build the static catalogue site from the published catalogue into build/site."""
    from .site_build import build_site
    out = build_site(_cfg(ctx))
    click.echo(f"站点已生成 (site built): {out}")


@cli.command()
@click.pass_context
def build(ctx):
    """Everything: desensitize + publish every dataset, then build the site."""
    ctx.invoke(publish)
    ctx.invoke(site)


@cli.command()
@click.option("--port", type=int, help="Port to listen on (default from config: 8001).")
@click.option("--host", help="Address to bind (default 127.0.0.1).")
@click.pass_context
@domain_errors
def serve(ctx, port, host):
    """Serve the site, the data API and the portal API on one port."""
    from .serve import make_datasette, run
    cfg = config_mod.load(ctx.obj["config_file"], port=port, host=host)
    ds = make_datasette(cfg, ctx.obj["config_file"])
    from .logs import setup as setup_logs
    setup_logs(cfg.operations.log_level)  # JSON lines on stderr, no personal data
    click.echo(f"门户已启动 (serving) on http://{cfg.host}:{cfg.port}/", err=True)
    run(ds, cfg)


@cli.group()
def catalog():
    """The data catalogue (数据资源目录)."""


@catalog.command("validate")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.pass_context
def catalog_validate(ctx, path):
    """Check every dataset.yaml under PATH (default: the datasets folder); report every problem at once."""
    from metadata.validate import load, load_all
    path = path or _cfg(ctx).datasets_dir
    if not path.exists():
        raise click.ClickException(f"{path}: 路径不存在 (path not found)")
    def warn(warnings):
        for f, p, m in warnings:
            click.echo(f"警告 (warning) {f}: {p}: {m}", err=True)
    try:
        if (path / "dataset.yaml").exists():
            record, warns = load(path)
            records, warnings = [record], [(str(path / "dataset.yaml"), p, m) for p, m in warns]
        else:
            records, warnings = load_all(path)
    except CatalogError as e:
        warn(e.warnings)
        for f, p, m in e.problems:
            click.echo(f"{f}: {p}: {m}", err=True)
        click.echo(f"{len(e.problems)} 个问题 (problems)", err=True)
        sys.exit(1)
    warn(warnings)
    click.echo(f"{len(records)} 个数据集目录有效 (valid)")


cli.add_command(calendar)
from .harvest_cli import harvest_ckan  # noqa: E402
cli.add_command(harvest_ckan)
from .users_cli import audit_group, keys_group, users  # noqa: E402
cli.add_command(users)
cli.add_command(keys_group)
cli.add_command(audit_group)
from .config_cli import config_group  # noqa: E402
cli.add_command(config_group)
from .backup_cli import backup, restore  # noqa: E402
cli.add_command(backup)
cli.add_command(restore)
from .queue_cli import requests_group  # noqa: E402
cli.add_command(requests_group)
from .workflow_cli import COMMANDS as _workflow_commands  # noqa: E402
for _command in _workflow_commands:
    cli.add_command(_command)
