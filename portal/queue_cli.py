"""`portal requests ...`: the department's reply queue from the command line (list, show, act, remind, stats)."""
from __future__ import annotations

import csv
import json
import sys

import click

from . import config as config_mod
from .access import services
from .acting import as_option
from .config import ConfigError
from .publish import PUBLIC_DB
from .queue import OUTCOMES, STATE_NAMES, QueueError
from .queue_store import SYSTEM, open_queue
from .state import read_catalog

URGENCIES = ("on_track", "due_soon", "overdue", "seriously_overdue", "supplement_expired")


def _ctx(ctx):
    """(queue, catalogue of the served release) for this configuration."""
    try:
        cfg = config_mod.load((ctx.find_root().obj or {}).get("config_file"))
    except ConfigError as e:
        raise click.ClickException(str(e)) from None
    db = cfg.current / f"{PUBLIC_DB}.db"
    return open_queue(cfg, services(cfg).crypto), read_catalog(db) if db.exists() else {}


def _run(fn):
    try:
        return fn()
    except QueueError as e:
        fields = "".join(f"\n  {k}: {v}" for k, v in e.fields.items())
        raise click.ClickException(f"{e}{fields}") from None


def _echo(obj) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


AS_OPTION = as_option("The staff account acting (its department's queue only).")


@click.group("requests")
def requests_group():
    """The reply queue (依申请开放、校核、共享申请): list, show, act, remind, statistics."""


@requests_group.command("list")
@AS_OPTION
@click.option("--state", type=click.Choice(list(STATE_NAMES)))
@click.option("--urgency", type=click.Choice(URGENCIES))
@click.pass_context
def list_cmd(ctx, as_id, state, urgency):
    """One line per request of the account's department: tracking, state, due date, urgency."""
    qs, _ = _ctx(ctx)
    for v in _run(lambda: qs.list(qs.who(as_id), state, urgency)):
        flag = "（暂定）" if v["provisional"] else ""
        click.echo(f"{v['tracking']}  {v['state_name']:<8}  到期 {v['due'] or '-'}{flag}  {v['urgency'] or ''}"
                   f"  {v['dataset'] or '目录外数据'}")


@requests_group.command("show")
@click.argument("tracking")
@AS_OPTION
@click.pass_context
def show(ctx, tracking, as_id):
    """Everything about one request, with how its due date was computed and every event."""
    qs, _ = _ctx(ctx)
    _echo(_run(lambda: qs.view(tracking, qs.who(as_id))))


def _act(ctx, tracking, as_id, action, **cause):
    qs, catalog = _ctx(ctx)
    v = _run(lambda: qs.act(tracking, action, {k: v for k, v in cause.items() if v not in (None, ())},
                            qs.who(as_id), catalog))
    click.echo(f"{v['tracking']}: {v['state_name']}  到期 {v['due'] or '-'}")
    qs.mailer.deliver_due()


def _simple(action: str, help_text: str, *fields: str):
    @click.argument("tracking")
    @AS_OPTION
    @click.pass_context
    def command(ctx, tracking, as_id, **cause):
        _act(ctx, tracking, as_id, action, **cause)
    command.__doc__ = help_text
    for f in fields:
        command = click.option(f"--{f}", required=f != "note", help=f"{f} (recorded with the event)")(command)
    requests_group.command(action)(command)


_simple("accept", "Accept a valid request (the clock of open-on-request applications starts).")
_simple("reject", "Reject as not a valid request, with the reason.", "reason")
_simple("start", "Mark an accepted request as in progress.")
_simple("supplement", "Tell the applicant, once, what is missing (the clock stops).", "missing")
_simple("pause", "Pause for third-party consultation (the time does not count).", "reason")
_simple("resume", "Resume after a pause.")
_simple("fulfil", "Record that the decided data has been provided.", "note")
_simple("close", "Close a decided or fulfilled request.")


@requests_group.command("decide")
@click.argument("tracking")
@AS_OPTION
@click.option("--outcome", required=True, type=click.Choice(list(OUTCOMES)))
@click.option("--reason", help="Required for refusals, partial grants and not held.")
@click.option("--legal-basis", "legal_basis", help="Required with a refusal or a partial grant.")
@click.option("--department", help="not_this_department: the department to apply to.")
@click.option("--link", help="already_open: where the data is published.")
@click.option("--column", "columns", multiple=True, help="partially_granted: a granted column (repeat).")
@click.option("--until", "ends_on", help="Last day of the grant (YYYY-MM-DD); default: the period of use asked for.")
@click.pass_context
def decide(ctx, tracking, as_id, outcome, reason, legal_basis, department, link, columns, ends_on):
    """Answer a request; a grant opens the dataset to the applicant's keys until the end date."""
    _act(ctx, tracking, as_id, "decide", outcome=outcome, reason=reason, legal_basis=legal_basis,
         department=department, link=link, columns=list(columns) or None, ends_on=ends_on)


@requests_group.command("extend")
@click.argument("tracking")
@AS_OPTION
@click.option("--days", type=int, required=True, help="Extension length (once, where the type allows it).")
@click.option("--approved-by", "approved_by", required=True, help="The official who approved the extension.")
@click.option("--reason", required=True)
@click.pass_context
def extend(ctx, tracking, as_id, days, approved_by, reason):
    """Extend the period once (e.g. corrections: up to 10 working days, Y art. 23)."""
    _act(ctx, tracking, as_id, "extend", days=days, approved_by=approved_by, reason=reason)


@requests_group.command("remind")
@click.pass_context
def remind(ctx):
    """Run daily: abandon unanswered supplements, note recomputed due dates, send due-soon and overdue reminders."""
    qs, catalog = _ctx(ctx)
    done = qs.sweep() + qs.remind(catalog)
    for tracking, what in done:
        click.echo(f"{tracking}  {what}")
    click.echo(f"{len(done)} 项 (items)")


@requests_group.command("stats")
@click.option("--year", type=int, help="Only requests received in this year (the yearly report).")
@click.option("--csv", "as_csv", is_flag=True, help="The yearly report table as CSV (one row per department).")
@click.pass_context
def stats(ctx, year, as_csv):
    """Received, answered, on time (%), median days and outcomes, per department and overall."""
    qs, _ = _ctx(ctx)
    s = qs.statistics(year)
    if not as_csv:
        return _echo(s)
    w = csv.writer(sys.stdout)
    w.writerow(["部门", "收到", "答复", "按时答复率(%)", "答复天数中位数", *OUTCOMES, "rejected", "abandoned"])
    for name, d in [*s["departments"].items(), ("合计", s["overall"])]:
        w.writerow([name, d["received"], d["answered"], d["on_time_percent"], d["median_days"],
                    *[d["outcomes"].get(o, 0) for o in [*OUTCOMES, "rejected", "abandoned"]]])
