"""`portal submit`, `portal review ...`, `portal withdraw`: the department workflow from the command line."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import config as config_mod
from .access import services
from .acting import as_option
from .config import ConfigError
from .workflow import STATUS_NAMES, Workflow, WorkflowError, files_from_folder

AS_OPTION = as_option("The staff account acting (publisher: submit; reviewer: review, withdraw).")
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print the full JSON.")


def _wf(ctx) -> Workflow:
    try:
        cfg = config_mod.load((ctx.find_root().obj or {}).get("config_file"))
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    svc = services(cfg)
    return Workflow(cfg, svc.store, svc.audit_key)


def _run(fn):
    try:
        return fn()
    except WorkflowError as e:
        fields = "".join(f"\n  {k}: {v}" for k, v in e.fields.items())
        raise click.ClickException(f"{e}{fields}") from None


def _show(view: dict, as_json: bool) -> None:
    """A submission: status, hash, checks, problems, changes against the published version, preview."""
    if as_json:
        click.echo(json.dumps(view, ensure_ascii=False, indent=2))
        return
    click.echo(f"提交 #{view['id']} {view['dataset'] or '-'} [{view['status_name']}] {view['department']}")
    click.echo(f"  内容哈希 (content hash): {view['content_hash']}")
    if view.get("approval"):
        a = view["approval"]
        click.echo(f"  批准 (approved): 账户 {a['by']} {a['at']} {a['content_hash']}")
    click.echo("  发布时读取的文件 (files publishing reads):")
    for f in view.get("reads") or []:
        click.echo(f"    {f['name']}\t{f['size']} bytes\tsha256:{f['sha256']}")
    click.echo(f"  行数 (rows): {view.get('rows')}; 残留扫描 (residual scan): {view.get('residual_scan')}")
    for p in view.get("problems") or []:
        click.echo(f"  问题 (problem) {p['field']}: {p['message']}")
    diff = view.get("diff") or {}
    if diff:
        rows = diff["rows"]
        click.echo(f"  与已发布版本比较 (against the published version): 行数 {rows['published']} -> "
                   f"{rows['submitted']}; 数据{'有' if diff['data_changed'] else '无'}变化")
        for c in diff["record_changes"]:
            click.echo(f"    {c['field']}: {c['old']} -> {c['new']}")
    preview = view.get("preview")
    if preview:
        click.echo("  预览 (preview): " + " | ".join(preview["columns"]))
        for row in preview["rows"]:
            click.echo("    " + " | ".join(row))


@click.command("submit")
@click.argument("dataset_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@AS_OPTION
@JSON_OPTION
@click.pass_context
def submit(ctx, dataset_dir, as_id, as_json):
    """Submit DATASET_DIR (dataset.yaml + its source file): checked at once, nothing is public until review."""
    wf = _wf(ctx)
    view = _run(lambda: wf.submit(wf.staff(as_id), files_from_folder(dataset_dir)))
    _show(view, as_json)
    if view["status"] == "failed":
        sys.exit(1)


@click.group("review")
def review():
    """Review submissions (reviewers): list, show, approve (publishes), reject, publish again, history."""


@review.command("list")
@AS_OPTION
@click.option("--status", type=click.Choice(list(STATUS_NAMES)))
@click.pass_context
def review_list(ctx, as_id, status):
    """One line per submission: id, status, dataset, department, submitted at."""
    wf = _wf(ctx)
    for s in _run(lambda: wf.list(wf.staff(as_id), status)):
        click.echo(f"{s['id']}\t{s['status']}\t{s['dataset'] or '-'}\t{s['department']}\t{s['created_at']}")


@review.command("show")
@click.argument("submission_id", type=int)
@AS_OPTION
@JSON_OPTION
@click.pass_context
def review_show(ctx, submission_id, as_id, as_json):
    """The report, preview and diff of one submission."""
    wf = _wf(ctx)
    _show(_run(lambda: wf.view(wf.staff(as_id), submission_id)), as_json)


@review.command("approve")
@click.argument("submission_id", type=int)
@AS_OPTION
@click.option("--reason", help="Why (recorded with the approval).")
@click.option("--no-publish", is_flag=True, help="Record the approval only; publish later with `review publish`.")
@JSON_OPTION
@click.pass_context
def review_approve(ctx, submission_id, as_id, reason, no_publish, as_json):
    """Approve the exact content submitted and publish it."""
    wf = _wf(ctx)
    _show(_run(lambda: wf.approve(wf.staff(as_id), submission_id, reason, publish=not no_publish)), as_json)


@review.command("reject")
@click.argument("submission_id", type=int)
@AS_OPTION
@click.option("--reason", required=True, help="Why (shown to the department).")
@click.pass_context
def review_reject(ctx, submission_id, as_id, reason):
    """Send a submission back with a reason."""
    wf = _wf(ctx)
    _show(_run(lambda: wf.reject(wf.staff(as_id), submission_id, reason)), False)


@review.command("publish")
@click.argument("submission_id", type=int)
@AS_OPTION
@click.pass_context
def review_publish(ctx, submission_id, as_id):
    """Publish an approved submission (again, after a failure): exactly the approved content or nothing."""
    wf = _wf(ctx)
    _show(_run(lambda: wf.publish(wf.staff(as_id), submission_id)), False)


@review.command("history")
@click.argument("dataset")
@click.pass_context
def review_history(ctx, dataset):
    """Every workflow event of a dataset, oldest first."""
    h = _run(lambda: _wf(ctx).history(dataset, full=True))
    if h["withdrawn"]:
        click.echo(f"已撤回 (withdrawn): {h['withdrawn_reason']}")
    for e in h["events"]:
        who = f"{e['actor']['role']} {e['actor']['name'] or ''}".strip()
        click.echo(f"{e['at']}\t{e['action']}\t{who}\t#{e['submission'] or '-'}\t{e['reason'] or ''}")


@click.command("withdraw")
@click.argument("dataset")
@AS_OPTION
@click.option("--reason", required=True, help="Why the dataset comes down (kept in the catalogue).")
@click.pass_context
def withdraw(ctx, dataset, as_id, reason):
    """Withdraw a published dataset: its data leaves the API, downloads and site; the entry stays, marked."""
    wf = _wf(ctx)
    out = _run(lambda: wf.withdraw(wf.staff(as_id), dataset, reason))
    click.echo(f"已撤回 (withdrawn) {dataset}: release {out['release']}, {out['seconds']} s, site {out['site']}")


COMMANDS = (submit, review, withdraw)
