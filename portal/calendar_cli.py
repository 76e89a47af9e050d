"""The `portal calendar` commands: legal due dates and a check of the working-day override file."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import chinese_calendar
import click

from portal.workdays import LIBRARY_YEARS, MAX_DAYS, Calendar, CalendarConfigError, Due

WEEKDAYS = "一二三四五六日"
OVERRIDES_OPTION = click.option(
    "--overrides", type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Operator override file (TOML), see calendar-overrides.example.toml.")


def _day(d: date) -> str:
    return f"{d.isoformat()}（星期{WEEKDAYS[d.weekday()]}）"


def _load(overrides: Path | None) -> Calendar:
    try:
        return Calendar(overrides)
    except CalendarConfigError as exc:
        lines = "\n".join(f"  {key}: {msg}" for key, msg in exc.errors)
        raise click.ClickException(
            f"override file has {len(exc.errors)} problem(s):\n{lines}\n"
            "Hint: see calendar-overrides.example.toml for the format.")


@click.group("calendar")
def calendar():
    """Chinese working days and legal due dates (中国工作日与法定期限)."""


@calendar.command("due")
@click.option("--start", required=True, type=click.DateTime(formats=["%Y-%m-%d"]),
              help="Day of acceptance or receipt, YYYY-MM-DD; it is not counted (Civil Code art. 201).")
@click.option("--days", required=True, type=click.IntRange(1, MAX_DAYS), help="Length of the period.")
@click.option("--kind", required=True, type=click.Choice(["working", "calendar"]),
              help="working: N working days; calendar: N days, moved to the next working day "
                   "when the last one is a rest day or holiday (Civil Code art. 203).")
@click.option("--explain", is_flag=True, help="List every day after the start and why it counts or not.")
@OVERRIDES_OPTION
def due(start, days, kind, explain, overrides):
    """Print the due date of a period of DAYS starting after START."""
    cal = _load(overrides)
    try:
        result = cal.due_date(start.date(), days, kind)
    except (ValueError, OverflowError):
        raise click.BadParameter("the period runs past the last supported date", param_hint="--start")
    if explain:
        _explain(start.date(), result)
    unit = "个工作日" if kind == "working" else "日（自然日，末日遇休息日顺延）"
    click.echo(f"到期日：{_day(result.date)}  [{days}{unit}]")
    if result.warning:
        click.echo(result.warning)


def _explain(start: date, result: Due) -> None:
    click.echo(f"起算：{_day(start)} 当日不计入（民法典第二百零一条）")
    ordinal = 0
    for step in result.steps:
        ordinal += step.counted
        mark = f"第{ordinal}日" if step.counted else "不计"
        click.echo(f"  {_day(step.date)}  {mark:<4}  {step.reason}")


@calendar.command("check")
@OVERRIDES_OPTION
def check(overrides):
    """Validate an override file and show which years each source covers."""
    cal = _load(overrides)
    if overrides:
        click.echo(f"覆盖文件有效：{overrides.name}")
    own = sorted(cal.overrides)
    last = max([date.today().year, LIBRARY_YEARS.stop, *own]) + 2
    fallback = [y for y in range(LIBRARY_YEARS.start, last + 1) if cal.source(y) == "fallback"]
    click.echo(f"chinesecalendar {chinese_calendar.__version__} 覆盖："
               f"{LIBRARY_YEARS.start}–{LIBRARY_YEARS.stop - 1}")
    click.echo(f"覆盖文件覆盖：{'、'.join(map(str, own)) or '无'}")
    click.echo(f"按周一至周五计算（结果暂定）：{'、'.join(map(str, fallback))} 及以后各年")
