"""The working calendar (工作日历): deadlines in working hours (工作时) and working days (工作日).

Times are epoch milliseconds (UTC); the calendar's `tz_offset_h` (China: +8, no DST) gives
the local date and clock time. The calendar file (YAML, `CalendarFile`) lists the working
periods of a day, the weekend days, the years it has official data for, the public holidays
and the make-up working days (调休上班).

Public holidays and 调休 come from the PyPI package `chinesecalendar` when the file says
`holidays_from: chinesecalendar` (it knows the State Council's arrangements from 2004 on and
is updated each year when the next year's notice comes out); the file's own dates override it
(a local holiday, a correction) and add years the package does not know yet.

- Working day: a make-up working day, or a day that is neither a weekend day nor a holiday
  (the file's dates first, then the package's for the years it knows). Dates of years that
  neither has follow the weekend only (`covers` is False for them, so the IOC can warn).
- Working time: the working periods of working days.
- Natural units (`minutes`, `hours`, `days`): the deadline is start + value x unit, whatever
  the calendar says.
- `work_hours`: value hours of working time are consumed from the start; a start outside
  working time counts from the next working period. The deadline is the instant the time
  runs out: running out exactly at the end of a period gives that end, not the start of the
  next period.
- `work_days`: value x `day_hours` of working time (1 工作日 = one normal working day's
  hours), counted the same way; fractions are allowed.
- Working time is counted in whole milliseconds, so `working_ms(start, add(start, limit))`
  is exactly the limit's working time. Both step by day, not by minute.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, StringConstraints

from ioc.casework.vocabulary import DEFAULT_DIR, ConfigError, ConfModel, TimeLimit
from ioc.contract import load_yaml_model

DEFAULT_CALENDAR = DEFAULT_DIR / "calendar" / "cn-2026.yaml"

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000
_NATURAL_MS = {"minutes": MINUTE_MS, "hours": HOUR_MS, "days": DAY_MS}
_EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()


def _clock_hint(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        # YAML 1.1 reads unquoted 13:30 as the base-60 number 810.
        h, m = divmod(value, 60)
        raise ValueError(
            f"quote clock times: YAML reads unquoted {h}:{m:02d} as the number {value}"
        )
    return value


Clock = Annotated[
    str,
    BeforeValidator(_clock_hint),
    StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$"),
]


class CalendarDay(ConfModel):
    """A dated day: a holiday or a make-up working day."""

    date: datetime.date
    name: str = ""


class CalendarFile(ConfModel):
    """A working calendar file. `work_periods` are local [start, end) clock times "HH:MM"
    (end may be "24:00"), in order; `holidays` and `workdays` must fall in `years`.
    `holidays_from: chinesecalendar` takes the mainland's public holidays and make-up working
    days from that package for the years it knows; the file's dates override it."""

    name: str
    source: str = ""
    tz_offset_h: float = Field(default=8.0, ge=-14, le=14)
    work_periods: list[tuple[Clock, Clock]] = Field(min_length=1)
    weekend: list[Weekday] = Field(default_factory=lambda: ["sat", "sun"])
    years: list[int] = Field(default_factory=list)
    holidays: list[CalendarDay] = Field(default_factory=list)
    workdays: list[CalendarDay] = Field(default_factory=list)
    holidays_from: Literal["chinesecalendar"] | None = None


def _clock_ms(text: str) -> int:
    h, m = text.split(":")
    return (int(h) * 60 + int(m)) * MINUTE_MS


def calendar_problems(spec: CalendarFile) -> list[tuple[str, str]]:
    """What is wrong with a parsed calendar beyond its types, as (key path, message)."""
    problems: list[tuple[str, str]] = []
    prev_end: int | None = None
    for i, (a, b) in enumerate(spec.work_periods):
        start, end = _clock_ms(a), _clock_ms(b)
        if start >= end:
            problems.append((f"work_periods[{i}]", f"{a}-{b}: the end must be after the start"))
        elif prev_end is not None and start < prev_end:
            problems.append(
                (
                    f"work_periods[{i}]",
                    f"{a}-{b} overlaps or precedes "
                    f"work_periods[{i - 1}]: periods must be in order, not overlapping",
                )
            )
        prev_end = end if prev_end is None else max(end, prev_end)
    for i, day in enumerate(spec.weekend):
        if day in spec.weekend[:i]:
            problems.append((f"weekend[{i}]", f"{day!r} is listed twice"))
    if len(set(spec.weekend)) == len(WEEKDAYS):
        problems.append(("weekend", "every day is a weekend day: there would be no working time"))
    for i, year in enumerate(spec.years):
        if year in spec.years[:i]:
            problems.append((f"years[{i}]", f"{year} is listed twice"))
    seen: dict[datetime.date, str] = {}
    for key in ("holidays", "workdays"):
        for i, day in enumerate(getattr(spec, key)):
            where = f"{key}[{i}].date"
            if day.date.year not in spec.years:
                problems.append(
                    (
                        where,
                        f"{day.date} is not in years {spec.years}: add the year "
                        "(with all of its official dates) or remove the date",
                    )
                )
            if day.date in seen:
                problems.append((where, f"{day.date} is also {seen[day.date]}"))
            else:
                seen[day.date] = where
            weekday = WEEKDAYS[day.date.weekday()]
            if key == "workdays" and weekday not in spec.weekend:
                problems.append(
                    (
                        where,
                        f"{day.date} is a {weekday}, not a weekend day: "
                        "make-up working days are weekend days",
                    )
                )
    return problems


class WorkCalendar:
    """Working time for deadlines: working periods per day, weekends, public holidays and
    make-up working days (调休上班) as data."""

    def __init__(self, spec: CalendarFile, file: str | Path = "(calendar)"):
        problems = calendar_problems(spec)
        if problems:
            raise ConfigError(file, problems)
        self.spec = spec
        self.name = spec.name
        self.source = spec.source
        self.tz_offset_h: float = spec.tz_offset_h
        self._offset_ms = round(spec.tz_offset_h * HOUR_MS)
        self._periods = [(_clock_ms(a), _clock_ms(b)) for a, b in spec.work_periods]
        self._day_ms = sum(b - a for a, b in self._periods)
        self.day_hours: float = self._day_ms / HOUR_MS
        self._weekend = {WEEKDAYS.index(d) for d in spec.weekend}
        self._years = set(spec.years)
        self._holidays = {d.date: d.name for d in spec.holidays}
        self._workdays = {d.date: d.name for d in spec.workdays}
        self._lib_holidays: dict[datetime.date, str] = {}
        self._lib_workdays: dict[datetime.date, str] = {}
        self._lib_years: set[int] = set()
        if spec.holidays_from == "chinesecalendar":
            self._lib_holidays, self._lib_workdays, self._lib_years = _chinese_calendar()
        self._working: dict[int, bool] = {}  # local day number -> working

    @classmethod
    def load(cls, path: str | Path = DEFAULT_CALENDAR) -> WorkCalendar:
        """A calendar from its YAML file; raises ConfigError naming key paths."""
        path = Path(path)
        return cls(load_yaml_model(path, CalendarFile, ConfigError), path)

    def __repr__(self) -> str:
        years = sorted(self._years | self._lib_years)
        span = f"{years[0]}-{years[-1]}" if years else "none"
        return f"WorkCalendar({self.name!r}, years={span})"

    # ------------------------------------------------------------------------- days

    def is_working_day(self, d: datetime.date) -> bool:
        if d in self._workdays:
            return True
        if d in self._holidays:
            return False
        if d in self._lib_workdays:
            return True
        return d.weekday() not in self._weekend and d not in self._lib_holidays

    def covers(self, d: datetime.date) -> bool:
        """Whether the file or the package has official holiday data for the date's year."""
        return d.year in self._years or d.year in self._lib_years

    def day_name(self, d: datetime.date) -> str | None:
        """The holiday or make-up working day's name, if the date is listed."""
        for names in (self._holidays, self._workdays, self._lib_holidays, self._lib_workdays):
            if d in names:
                return names[d]
        return None

    def local_date(self, ms: int) -> datetime.date:
        return datetime.date.fromordinal(_EPOCH_ORDINAL + (ms + self._offset_ms) // DAY_MS)

    def _working_day(self, day: int) -> bool:
        working = self._working.get(day)
        if working is None:
            working = self.is_working_day(datetime.date.fromordinal(_EPOCH_ORDINAL + day))
            self._working[day] = working
        return working

    # ------------------------------------------------------------------------- time

    def limit_ms(self, limit: TimeLimit) -> int:
        """The limit's length in ms: natural time, or working time for work units."""
        if limit.unit == "work_hours":
            return round(limit.value * HOUR_MS)
        if limit.unit == "work_days":
            return round(limit.value * self._day_ms)
        return round(limit.value * _NATURAL_MS[limit.unit])

    def add(self, start_ms: int, limit: TimeLimit) -> int:
        """The deadline (epoch ms) of `limit` counted from `start_ms`."""
        need = self.limit_ms(limit)
        if not limit.working:
            return start_ms + need
        if need <= 0:
            return start_ms
        day, t = divmod(start_ms + self._offset_ms, DAY_MS)
        while True:
            if self._working_day(day):
                if t == 0 and need > self._day_ms:  # a whole working day
                    need -= self._day_ms
                else:
                    for a, b in self._periods:
                        if b <= t:
                            continue
                        s = max(a, t)
                        if need <= b - s:
                            return day * DAY_MS + s + need - self._offset_ms
                        need -= b - s
            day, t = day + 1, 0

    def working_ms(self, a_ms: int, b_ms: int) -> int:
        """Working time between two instants, in ms (negative when `b_ms` is before `a_ms`)."""
        if b_ms < a_ms:
            return -self.working_ms(b_ms, a_ms)
        da, ta = divmod(a_ms + self._offset_ms, DAY_MS)
        db, tb = divmod(b_ms + self._offset_ms, DAY_MS)
        total = 0
        for day in range(da, db + 1):
            if not self._working_day(day):
                continue
            lo = ta if day == da else 0
            hi = tb if day == db else DAY_MS
            if lo == 0 and hi == DAY_MS:
                total += self._day_ms
                continue
            for p, q in self._periods:
                total += max(0, min(q, hi) - max(p, lo))
        return total


def _chinese_calendar() -> tuple[dict[datetime.date, str], dict[datetime.date, str], set[int]]:
    """The `chinesecalendar` package's holidays and make-up working days (with the holiday's
    Chinese name) and the years it has the arrangements of."""
    import chinese_calendar

    zh = {h.value: h.chinese for h in chinese_calendar.Holiday}  # keyed by the English name
    holidays = {d: zh.get(name, name) for d, name in chinese_calendar.holidays.items()}
    workdays = {d: f"{zh.get(name, name)}调休上班" for d, name in chinese_calendar.workdays.items()}
    return holidays, workdays, {d.year for d in holidays}
