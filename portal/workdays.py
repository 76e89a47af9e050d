"""Chinese working days and legal due dates (Civil Code art. 201, 203), with operator overrides."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal, NamedTuple

import chinese_calendar

WEEKEND, WORKDAY, HOLIDAY, MAKEUP = "周末", "工作日", "法定节假日", "调休上班"
PROVISIONAL_MARK = "（暂定）"
MAX_DAYS = 3660  # no legal period we model is longer; bounds the loops
MAX_RANGE = 31  # a holiday range longer than a month in an override file is a typo
LIBRARY_YEARS = range(min(chinese_calendar.holidays).year, max(chinese_calendar.holidays).year + 1)
Kind = Literal["working", "calendar"]


class CalendarConfigError(ValueError):
    """An override file with problems; `errors` holds every (key, message) pair found."""

    def __init__(self, errors: list[tuple[str, str]]):
        self.errors = errors
        super().__init__("; ".join(f"{key}: {msg}" for key, msg in errors))


class Day(NamedTuple):
    working: bool
    reason: str  # 周末 | 工作日 | 法定节假日：名称 | 调休上班[：名称]
    provisional: bool  # True when the year is covered by neither the library nor the overrides


class Step(NamedTuple):
    date: date
    counted: bool
    reason: str


@dataclass(frozen=True)
class Due:
    date: date
    provisional: bool
    steps: list[Step]
    fallback_years: tuple[int, ...] = ()  # years that fell back to Monday-Friday

    @property
    def warning(self) -> str | None:
        if not self.provisional:
            return None
        years = "、".join(f"{y}年" for y in self.fallback_years)
        return f"（暂定：{years}节假日安排尚未公布，按周一至周五计算）"


class Calendar:
    """Working days from an override file, then chinesecalendar, then Monday-Friday (provisional)."""

    def __init__(self, overrides_path: Path | None = None):
        self.overrides = load_overrides(Path(overrides_path)) if overrides_path else {}

    def is_working_day(self, d: date) -> Day:
        listed = self.overrides.get(d.year)
        if listed is not None and d in listed:  # an operator may correct the library
            return listed[d]
        if d.year in LIBRARY_YEARS:
            return _library_day(d)
        weekday = d.weekday() < 5
        return Day(weekday, WORKDAY if weekday else WEEKEND, listed is None)

    def source(self, year: int) -> str:
        """Where a year's calendar comes from: library, overrides, library+overrides or fallback."""
        found = [name for name, ok in (("library", year in LIBRARY_YEARS),
                                       ("overrides", year in self.overrides)) if ok]
        return "+".join(found) or "fallback"

    def due_date(self, start: date, days: int, kind: Kind = "working") -> Due:
        """The last day of a period of `days` starting the day after `start` (art. 201)."""
        if kind not in ("working", "calendar"):
            raise ValueError(f"kind must be 'working' or 'calendar', not {kind!r}")
        if not 1 <= days <= MAX_DAYS:
            raise ValueError(f"days must be between 1 and {MAX_DAYS}")
        steps, fallback, counted, d = [], set(), 0, start
        while counted < days:
            d += timedelta(days=1)
            day = self.is_working_day(d)
            fallback |= {d.year} if day.provisional else set()
            count = day.working or kind == "calendar"
            counted += count
            steps.append(Step(d, count, _label(day)))
        if kind == "calendar" and not day.working:
            # art. 203: a period ending on a rest day or holiday ends on the next working day
            steps[-1] = steps[-1]._replace(reason=steps[-1].reason + "，期限末日顺延")
            while True:
                d += timedelta(days=1)
                day = self.is_working_day(d)
                fallback |= {d.year} if day.provisional else set()
                if day.working:
                    steps.append(Step(d, False, _label(day) + "，顺延后的期限末日"))
                    break
                steps.append(Step(d, False, _label(day) + "，继续顺延"))
        return Due(d, bool(fallback), steps, tuple(sorted(fallback)))

    def add_working_days(self, start: date, days: int) -> date:
        return self.due_date(start, days, "working").date

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end` (0 if end <= start)."""
        total, d = 0, start
        while d < end:
            d += timedelta(days=1)
            total += self.is_working_day(d).working
        return total


def _label(day: Day) -> str:
    return day.reason + (PROVISIONAL_MARK if day.provisional else "")


def _library_day(d: date) -> Day:
    rest, name = chinese_calendar.get_holiday_detail(d)
    if name is None:
        return Day(not rest, WEEKEND if rest else WORKDAY, False)
    try:
        name = chinese_calendar.Holiday(name).chinese
    except ValueError:  # a holiday name this version of the table does not know: keep it
        pass
    return Day(not rest, f"{HOLIDAY if rest else MAKEUP}：{name}", False)


def load_overrides(path: Path) -> dict[int, dict[date, Day]]:
    """Read an override file: {year: {date: Day}}, or CalendarConfigError with every problem."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CalendarConfigError([(path.name, f"cannot read the file ({type(exc).__name__})")])
    except tomllib.TOMLDecodeError as exc:
        raise CalendarConfigError([(path.name, f"not valid TOML: {exc}")])
    errors: list[tuple[str, str]] = []
    result = {}
    for key, section in raw.items():
        if not (key.isdigit() and len(key) == 4):
            errors.append((key, "top-level keys must be years such as [2027]"))
        elif not isinstance(section, dict):
            errors.append((key, "must be a table with holidays = [...] and workdays = [...]"))
        else:
            result[int(key)] = _parse_year(int(key), section, errors)
    if errors:
        raise CalendarConfigError(errors)
    return result


def _parse_year(year: int, section: dict, errors: list) -> dict[date, Day]:
    days: dict[date, Day] = {}
    where: dict[date, str] = {}  # date -> key that listed it, to report duplicates
    for key in sorted(section.keys() - {"holidays", "workdays"}):
        errors.append((f"{year}.{key}", "unknown key; expected holidays or workdays"))
    for kind, working in (("holidays", False), ("workdays", True)):
        entries = section.get(kind, [])
        if not isinstance(entries, list):
            errors.append((f"{year}.{kind}", "must be a list"))
            continue
        for i, entry in enumerate(entries):
            key = f"{year}.{kind}[{i}]"
            for d, name in _entry_dates(entry, key, year, errors):
                if d in where:
                    errors.append((key, f"{d} is already listed at {where[d]}"))
                    continue
                where[d] = key
                reason = (MAKEUP if working else HOLIDAY) + (f"：{name}" if name else "")
                days[d] = Day(working, reason, False)
    return days


def _entry_dates(entry, key: str, year: int, errors: list) -> list[tuple[date, str]]:
    """One entry: a date, or a table {date=..., name=...} or {start=..., end=..., name=...}."""
    if not isinstance(entry, dict):
        entry = {"date": entry}
    problems = [f"unknown key {k!r}" for k in sorted(entry.keys() - {"date", "start", "end", "name"})]
    name = entry.get("name", "")
    if not isinstance(name, str):
        problems.append("name must be a string")
    if ("date" in entry) == ("start" in entry or "end" in entry):
        problems.append("give either date, or start and end")
    fields = ["date"] if "date" in entry else ["start", "end"]
    parsed = {f: _as_date(entry.get(f)) for f in fields}
    problems += [f"{f}: not a date (YYYY-MM-DD)" for f, v in parsed.items() if v is None]
    problems += [f"{f}: {v} is not in {year}" for f, v in parsed.items() if v and v.year != year]
    first, last = parsed.get("date") or parsed.get("start"), parsed.get("date") or parsed.get("end")
    if first and last and not 0 <= (last - first).days < MAX_RANGE:
        problems.append(f"start must not be after end, and a range is at most {MAX_RANGE} days")
    errors += [(key, p) for p in problems]
    if problems:
        return []
    return [(first + timedelta(days=n), name) for n in range((last - first).days + 1)]


def _as_date(value) -> date | None:
    """A TOML local date or an ISO string; a TOML datetime is not a date here."""
    if isinstance(value, date) and not hasattr(value, "hour"):
        return value
    if isinstance(value, str) and len(value) == 10:  # YYYY-MM-DD only, not other ISO forms
        try:
            return date.fromisoformat(value)
        except ValueError:
            return None
    return None


def is_working_day(d: date, calendar: Calendar | None = None) -> Day:
    return (calendar or Calendar()).is_working_day(d)


def due_date(start: date, days: int, kind: Kind = "working", calendar: Calendar | None = None) -> Due:
    return (calendar or Calendar()).due_date(start, days, kind)
