"""Tests for portal.workdays and the `calendar` CLI group: known due dates, overrides, validation."""

import random
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from click.testing import CliRunner

from portal.calendar_cli import calendar
from portal.workdays import Calendar, CalendarConfigError, due_date, is_working_day, load_overrides

DATA = Path(__file__).parent / "data"
OVERRIDES_2027 = DATA / "calendar-2027.toml"
EXAMPLE = Path(__file__).parent.parent / "calendar-overrides.example.toml"

# (start, days, kind, expected due date, why), each worked out by hand from the 2026 arrangement.
KNOWN = [
    (date(2026, 9, 30), 10, "working", date(2026, 10, 20), "National Day 10-01..07; Sat 10-10 is a make-up day"),
    (date(2026, 9, 25), 10, "calendar", date(2026, 10, 8), "10th day 10-05 is a holiday: moved to 10-08"),
    (date(2026, 9, 30), 10, "calendar", date(2026, 10, 10), "10th day is the make-up Saturday: not moved"),
    (date(2026, 2, 12), 5, "working", date(2026, 2, 26), "Sat 02-14 make-up day, Spring Festival 02-15..23"),
    (date(2026, 2, 12), 7, "working", date(2026, 2, 28), "ends on the make-up Saturday 02-28"),
    (date(2026, 2, 10), 10, "calendar", date(2026, 2, 24), "10th day 02-20 in Spring Festival"),
    (date(2026, 3, 6), 5, "working", date(2026, 3, 13), "Friday start, plain weekend"),
    (date(2026, 3, 7), 5, "working", date(2026, 3, 13), "start on a Saturday: counting starts next day"),
    (date(2026, 3, 4), 10, "calendar", date(2026, 3, 16), "10th day is a Saturday: moved to Monday"),
    (date(2026, 3, 2), 10, "calendar", date(2026, 3, 12), "10th day is a working Thursday"),
    (date(2026, 4, 29), 7, "working", date(2026, 5, 12), "Labour Day 05-01..05, Sat 05-09 make-up day"),
    (date(2026, 4, 2), 5, "working", date(2026, 4, 10), "Qingming 04-04..06"),
    (date(2026, 9, 18), 1, "working", date(2026, 9, 20), "Sun 09-20 is a make-up day"),
    (date(2026, 9, 23), 5, "working", date(2026, 10, 8), "Mid-autumn then National Day"),
]


@pytest.fixture(scope="module")
def cal():
    return Calendar()


@pytest.fixture(scope="module")
def cal_2027():
    return Calendar(OVERRIDES_2027)


@pytest.mark.parametrize("start,days,kind,expected,why", KNOWN)
def test_known_due_dates(cal, start, days, kind, expected, why):
    due = cal.due_date(start, days, kind)
    assert (due.date, due.provisional, due.warning) == (expected, False, None), why


def test_known_dates_agree_with_library_arithmetic(cal):
    # find_workday(n - 1, start + 1 day) is the n-th working day after start, computed by the library
    for start, days, kind, expected, _ in KNOWN:
        first = start + timedelta(days=1) if kind == "working" else start + timedelta(days=days)
        assert chinese_calendar.find_workday(days - 1 if kind == "working" else 0, first) == expected


def test_random_periods_match_library(cal):
    rng = random.Random(20260930)
    for _ in range(300):
        start = date(2024, 1, 1) + timedelta(days=rng.randrange(1000))  # up to 2026-09-26
        days = rng.randint(1, 25)
        working = cal.due_date(start, days, "working").date
        assert working == chinese_calendar.find_workday(days - 1, start + timedelta(days=1))
        calendar_due = cal.due_date(start, days, "calendar").date
        assert calendar_due == chinese_calendar.find_workday(0, start + timedelta(days=days))


@pytest.mark.parametrize("day,expected", [
    (date(2026, 10, 3), (False, "法定节假日：国庆节", False)),
    (date(2026, 10, 10), (True, "调休上班：国庆节", False)),
    (date(2026, 10, 11), (False, "周末", False)),
    (date(2026, 10, 12), (True, "工作日", False)),
    (date(2026, 2, 17), (False, "法定节假日：春节", False)),
    (date(2027, 1, 1), (True, "工作日", True)),   # not covered: Monday-Friday, provisional
    (date(2027, 1, 2), (False, "周末", True)),
])
def test_is_working_day(day, expected):
    assert tuple(is_working_day(day)) == expected


def test_steps_explain_every_day(cal):
    start = date(2026, 9, 30)
    for kind in ("working", "calendar"):
        due = cal.due_date(start, 10, kind)
        dates = [s.date for s in due.steps]
        assert dates == [start + timedelta(days=n) for n in range(1, len(dates) + 1)]
        assert dates[-1] == due.date and sum(s.counted for s in due.steps) == 10
        for step in due.steps:
            working = cal.is_working_day(step.date).working
            assert step.reason.startswith(cal.is_working_day(step.date).reason)
            if kind == "working":
                assert step.counted == working


def test_calendar_period_extension_is_explained(cal):
    due = cal.due_date(date(2026, 9, 25), 10, "calendar")
    tenth = [s for s in due.steps if s.counted][-1]
    assert tenth.date == date(2026, 10, 5) and "顺延" in tenth.reason
    extension = due.steps[due.steps.index(tenth) + 1:]
    assert [s.date for s in extension] == [date(2026, 10, d) for d in (6, 7, 8)]
    assert not any(s.counted for s in extension) and "顺延后的期限末日" in extension[-1].reason


def test_into_uncovered_2027_is_provisional(cal):
    due = cal.due_date(date(2026, 12, 24), 10, "working")
    assert due.date == date(2027, 1, 7)  # 2027-01-01 counted as an ordinary Friday
    assert due.provisional and due.fallback_years == (2027,)
    assert "2027年节假日安排尚未公布" in due.warning
    assert all(s.reason.endswith("（暂定）") == (s.date.year == 2027) for s in due.steps)


def test_override_file_makes_2027_final(cal_2027):
    due = cal_2027.due_date(date(2026, 12, 24), 10, "working")
    assert (due.date, due.provisional, due.warning) == (date(2027, 1, 8), False, None)
    assert cal_2027.due_date(date(2026, 12, 22), 10, "calendar").date == date(2027, 1, 4)
    assert tuple(cal_2027.is_working_day(date(2027, 2, 20))) == (True, "调休上班：春节", False)


def test_unlisted_day_of_an_override_year_is_final(cal_2027):
    assert tuple(cal_2027.is_working_day(date(2027, 3, 10))) == (True, "工作日", False)
    assert tuple(cal_2027.is_working_day(date(2027, 3, 13))) == (False, "周末", False)


def test_several_fallback_years_are_all_named(cal, cal_2027):
    assert cal.due_date(date(2027, 12, 20), 20, "working").fallback_years == (2027, 2028)
    due = cal_2027.due_date(date(2027, 12, 20), 20, "working")
    assert due.fallback_years == (2028,) and "2028年" in due.warning and "2027年" not in due.warning


def test_override_corrects_a_covered_year(tmp_path, cal):
    path = tmp_path / "fix.toml"
    path.write_text("[2026]\nworkdays = [2026-10-11]\nholidays = [{date = 2026-10-12, name = \"更正\"}]\n",
                    encoding="utf-8")
    fixed = Calendar(path)
    assert tuple(fixed.is_working_day(date(2026, 10, 11))) == (True, "调休上班", False)
    assert tuple(fixed.is_working_day(date(2026, 10, 12))) == (False, "法定节假日：更正", False)
    assert fixed.is_working_day(date(2026, 10, 3)) == cal.is_working_day(date(2026, 10, 3))
    assert fixed.source(2026) == "library+overrides" and fixed.source(2027) == "fallback"


def test_example_file_is_valid_and_agrees_with_library():
    example = Calendar(EXAMPLE)
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert example.is_working_day(day).working == chinese_calendar.is_workday(day), day
        day += timedelta(days=1)


def test_validation_reports_every_problem_with_its_key(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("""
title = "x"
[2027]
holidays = [
  {date = "2027-02-30", name = "春节"},
  {start = 2027-05-05, end = 2027-05-01},
  {date = 2026-10-01},
  2027-10-01,
  {date = 2027-06-09, colour = "red"},
]
workdays = [2027-10-01, "soon"]
extra = 1
[2028]
holidays = "2028-01-01"
""", encoding="utf-8")
    with pytest.raises(CalendarConfigError) as info:
        load_overrides(path)
    keys = [key for key, _ in info.value.errors]
    assert keys == ["title", "2027.extra", "2027.holidays[0]", "2027.holidays[1]", "2027.holidays[2]",
                    "2027.holidays[4]", "2027.workdays[0]", "2027.workdays[1]", "2028.holidays"]
    messages = dict(info.value.errors)
    assert "not a date" in messages["2027.holidays[0]"]
    assert "already listed at 2027.holidays[3]" in messages["2027.workdays[0]"]
    assert "not in 2027" in messages["2027.holidays[2]"]


@pytest.mark.parametrize("text", ["[2027\n", "not toml at all =", "\xff"])
def test_unreadable_override_file(tmp_path, text):
    path = tmp_path / "broken.toml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(CalendarConfigError) as info:
        Calendar(path)
    assert info.value.errors[0][0] == "broken.toml"


def test_bad_arguments(cal):
    for days, kind in [(0, "working"), (5, "weekly"), (10_000, "calendar")]:
        with pytest.raises(ValueError):
            cal.due_date(date(2026, 3, 2), days, kind)


def test_helpers_agree(cal):
    start = date(2026, 9, 30)
    end = cal.add_working_days(start, 10)
    assert end == due_date(start, 10, "working").date
    assert cal.working_days_between(start, end) == 10
    assert cal.working_days_between(end, start) == 0


def run(*args):
    return CliRunner().invoke(calendar, list(args))


def test_cli_due_explain():
    result = run("due", "--start", "2026-09-30", "--days", "10", "--kind", "working", "--explain")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[-1].startswith("到期日：2026-10-20（星期二）")
    assert len([line for line in lines if line.startswith("  2026-")]) == 20
    assert any("2026-10-10" in line and "第3日" in line and "调休上班" in line for line in lines)
    assert "暂定" not in result.output


def test_cli_due_provisional_then_final():
    args = ["due", "--start", "2026-12-24", "--days", "10", "--kind", "working"]
    provisional = run(*args)
    assert "2027-01-07" in provisional.output and "（暂定：2027年节假日安排尚未公布" in provisional.output
    final = run(*args, "--overrides", str(OVERRIDES_2027))
    assert "2027-01-08" in final.output and "暂定" not in final.output


def test_cli_check():
    plain = run("check")
    assert plain.exit_code == 0 and f"{min(chinese_calendar.holidays).year}–2026" in plain.output
    with_file = run("check", "--overrides", str(OVERRIDES_2027))
    assert with_file.exit_code == 0 and "覆盖文件覆盖：2027" in with_file.output
    fallback = with_file.output.splitlines()[-1]
    assert "2028" in fallback and "2027" not in fallback


@pytest.mark.parametrize("args,code", [
    (["due", "--start", "2026-02-30", "--days", "5", "--kind", "working"], 2),
    (["due", "--start", "2026-03-02", "--days", "0", "--kind", "working"], 2),
    (["due", "--start", "2026-03-02", "--days", "5", "--kind", "weekly"], 2),
    (["due", "--start", "9999-12-30", "--days", "5", "--kind", "calendar"], 2),
    (["due", "--start", "2026-03-02", "--days", "5", "--kind", "working", "--overrides", "/nonexistent"], 2),
    (["check", "--overrides", "BAD"], 1),
])
def test_cli_bad_input_is_a_click_error(tmp_path, args, code):
    bad = tmp_path / "bad.toml"
    bad.write_text('[2027]\nholidays = [{date = "x"}]\nworkdays = [2026-01-01]\n', encoding="utf-8")
    result = run(*[str(bad) if a == "BAD" else a for a in args])
    assert result.exit_code == code and isinstance(result.exception, SystemExit), result.output
    if code == 1:
        assert "2027.holidays[0]" in result.output and "2027.workdays[0]" in result.output
