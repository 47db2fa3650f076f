"""The working calendar: deadlines in 工作时/工作日 across weekends, holidays and 调休上班."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from ioc.casework.calendar import DEFAULT_CALENDAR, HOUR_MS, WorkCalendar
from ioc.casework.vocabulary import ConfigError, TimeLimit

CST = timezone(timedelta(hours=8))


@pytest.fixture(scope="module")
def cal() -> WorkCalendar:
    return WorkCalendar.load(DEFAULT_CALENDAR)


def ms(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> int:
    return round(datetime(y, mo, d, h, mi, tzinfo=CST).timestamp() * 1000)


def local(t: int) -> datetime:
    return datetime.fromtimestamp(t / 1000, CST).replace(tzinfo=None)


def wh(v: float) -> TimeLimit:
    return TimeLimit(value=v, unit="work_hours")


def wd(v: float) -> TimeLimit:
    return TimeLimit(value=v, unit="work_days")


# ----------------------------------------------------------------------------- the file


def test_the_shipped_calendar(cal: WorkCalendar) -> None:
    assert cal.tz_offset_h == 8
    assert cal.day_hours == 7.5
    assert cal.covers(date(2025, 6, 1)) and cal.covers(date(2026, 12, 31))
    assert cal.covers(date(2024, 12, 31))  # from the chinesecalendar package
    assert not cal.covers(date(2099, 1, 1))
    # 2026 spans per 国务院办公厅 notice; the day before and after each span is checked too.
    for first, last in [
        ((1, 1), (1, 3)),
        ((2, 15), (2, 23)),
        ((4, 4), (4, 6)),
        ((5, 1), (5, 5)),
        ((6, 19), (6, 21)),
        ((9, 25), (9, 27)),
        ((10, 1), (10, 7)),
    ]:
        d, end = date(2026, *first), date(2026, *last)
        while d <= end:
            assert not cal.is_working_day(d), d
            d += timedelta(days=1)
    for d in [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
        date(2025, 1, 26),
        date(2025, 2, 8),
        date(2025, 4, 27),
        date(2025, 9, 28),
        date(2025, 10, 11),
    ]:
        assert d.weekday() >= 5 and cal.is_working_day(d), d
    assert cal.is_working_day(date(2026, 2, 24)) and cal.is_working_day(date(2026, 10, 8))
    assert not cal.is_working_day(date(2025, 10, 8))  # 2025: 国庆 and 中秋 together, 8 days
    assert cal.day_name(date(2026, 2, 17)) == "春节"


def test_outside_the_covered_years_weekends_only(cal: WorkCalendar) -> None:
    # 2099: in neither the file nor the package (2027 would be, once its notice is out)
    assert cal.is_working_day(date(2099, 1, 1))  # a Thursday; its 元旦 is unknown
    assert not cal.is_working_day(date(2099, 1, 3))
    assert local(cal.add(ms(2099, 1, 2, 16), wh(4))) == datetime(2099, 1, 5, 11, 0)


def file_only(cal: WorkCalendar) -> WorkCalendar:
    """The same calendar without the package: its file's dates alone."""
    return WorkCalendar(cal.spec.model_copy(update={"holidays_from": None}))


def package_only(cal: WorkCalendar) -> WorkCalendar:
    """The same calendar with none of its file's dates: the package alone."""
    spec = cal.spec.model_copy(update={"years": [], "holidays": [], "workdays": []})
    assert spec.holidays_from == "chinesecalendar"
    return WorkCalendar(spec)


def test_the_file_and_the_package_agree_for_2025_and_2026(cal: WorkCalendar) -> None:
    by_file, by_package = file_only(cal), package_only(cal)
    d = date(2025, 1, 1)
    while d <= date(2026, 12, 31):
        assert by_file.is_working_day(d) == by_package.is_working_day(d), d
        assert by_file.covers(d) and by_package.covers(d)
        d += timedelta(days=1)


def test_years_the_file_lacks_come_from_the_package(cal: WorkCalendar) -> None:
    # 2024: 春节 11-17 Feb, worked on Sunday 4 Feb and Saturday 18 Feb (国办发明电〔2023〕7号)
    assert not cal.is_working_day(date(2024, 2, 12))  # a Monday of the holiday
    assert cal.is_working_day(date(2024, 2, 4)) and cal.is_working_day(date(2024, 2, 18))
    assert cal.day_name(date(2024, 2, 12)) == "春节"
    assert cal.day_name(date(2024, 2, 4)) == "春节调休上班"
    assert cal.covers(date(2004, 1, 1)) and not cal.covers(date(2003, 12, 31))
    # the file alone knows only 2025-2026: 2024 is weekends only
    by_file = file_only(cal)
    assert by_file.is_working_day(date(2024, 2, 12)) and not by_file.is_working_day(
        date(2024, 2, 4)
    )
    assert not by_file.covers(date(2024, 2, 12))


def test_the_file_overrides_the_package_and_adds_years(tmp_path: Path) -> None:
    text = (
        GOOD.replace("years: [2026]", "years: [2026, 2099]\nholidays_from: chinesecalendar")
        .replace(
            "holidays: [{date: 2026-10-01, name: 国庆节}]",
            "holidays: [{date: 2026-03-02, name: 地方假日}, {date: 2099-01-01, name: 元旦}]",
        )
        .replace("workdays: [{date: 2026-10-10, name: 调休上班}]", "workdays: []")
    )
    cal = load_text(tmp_path, text)
    assert not cal.is_working_day(date(2026, 3, 2))  # a Monday: the file's local holiday
    assert cal.day_name(date(2026, 3, 2)) == "地方假日"
    assert not cal.is_working_day(date(2026, 10, 7))  # 国庆 (a Wednesday), from the package
    assert cal.is_working_day(date(2026, 10, 10))  # its 调休上班 Saturday, from the package
    assert not cal.is_working_day(date(2099, 1, 1)) and cal.covers(date(2099, 6, 1))


# ----------------------------------------------------------------------------- add


def test_across_a_weekend(cal: WorkCalendar) -> None:
    # Fri 16:00-17:30 is 1.5 h; the other 2.5 h run from Mon 08:30.
    assert local(cal.add(ms(2026, 3, 13, 16), wh(4))) == datetime(2026, 3, 16, 11, 0)


def test_across_public_holidays_and_make_up_days(cal: WorkCalendar) -> None:
    # National Day 2026: 10/1-10/7 off, Sat 10/10 worked.
    assert local(cal.add(ms(2026, 9, 30, 16), wh(4))) == datetime(2026, 10, 8, 11, 0)
    assert local(cal.add(ms(2026, 10, 9, 16), wh(4))) == datetime(2026, 10, 10, 11, 0)
    # Spring Festival 2026: Sat 2/14 worked, 2/15-2/23 off.
    assert local(cal.add(ms(2026, 2, 13, 16), wh(4))) == datetime(2026, 2, 14, 11, 0)
    assert local(cal.add(ms(2026, 2, 14, 16), wh(4))) == datetime(2026, 2, 24, 11, 0)
    # A start inside the holiday counts from the first working period after it.
    assert local(cal.add(ms(2026, 2, 18, 10), wh(1))) == datetime(2026, 2, 24, 9, 30)


def test_start_outside_working_time(cal: WorkCalendar) -> None:
    assert local(cal.add(ms(2026, 3, 16, 20), wh(2))) == datetime(2026, 3, 17, 10, 30)
    assert local(cal.add(ms(2026, 3, 16, 12, 30), wh(1))) == datetime(2026, 3, 16, 14, 30)
    assert local(cal.add(ms(2026, 3, 16, 7), wh(1))) == datetime(2026, 3, 16, 9, 30)
    assert local(cal.add(ms(2026, 3, 14, 10), wh(1))) == datetime(2026, 3, 16, 9, 30)  # Sat


def test_ending_exactly_at_a_period_end(cal: WorkCalendar) -> None:
    assert local(cal.add(ms(2026, 3, 16, 8, 30), wh(3.5))) == datetime(2026, 3, 16, 12, 0)
    assert local(cal.add(ms(2026, 3, 16, 13, 30), wh(4))) == datetime(2026, 3, 16, 17, 30)
    assert local(cal.add(ms(2026, 3, 16, 8, 30), wd(1))) == datetime(2026, 3, 16, 17, 30)
    assert local(cal.add(ms(2026, 3, 13, 17, 0), wh(0.5))) == datetime(2026, 3, 13, 17, 30)


def test_work_days(cal: WorkCalendar) -> None:
    # Tue 10:00: 6 h left that day, 1.5 h on Wed.
    assert local(cal.add(ms(2026, 3, 17, 10), wd(1))) == datetime(2026, 3, 18, 10, 0)
    # 2.5 x 7.5 h = 18.75 h: Mon, Tue, then 3.5 h + 0.25 h on Wed.
    assert local(cal.add(ms(2026, 3, 16, 8, 30), wd(2.5))) == datetime(2026, 3, 18, 13, 45)


def test_twenty_work_days_across_national_day(cal: WorkCalendar) -> None:
    start = ms(2026, 9, 21, 8, 30)
    d, left = date(2026, 9, 21), 20
    while True:
        left -= cal.is_working_day(d)
        if left == 0:
            break
        d += timedelta(days=1)
    # 9/21-24, 9/28-30, 10/8-10 (Sat 10/10 worked), 10/12-16, 10/19-23; 9/25-27, 10/1-7 off
    assert d == date(2026, 10, 23)
    assert local(cal.add(start, wd(20))) == datetime(2026, 10, 23, 17, 30)


def test_natural_units_ignore_the_calendar(cal: WorkCalendar) -> None:
    start = ms(2026, 3, 13, 16)  # a Friday
    assert local(cal.add(start, TimeLimit(value=4, unit="hours"))) == datetime(2026, 3, 13, 20)
    assert local(cal.add(start, TimeLimit(value=2, unit="days"))) == datetime(2026, 3, 15, 16)
    assert cal.add(start, TimeLimit(value=90, unit="minutes")) == start + 90 * 60_000
    assert local(cal.add(ms(2026, 10, 1, 9), TimeLimit(value=1.5, unit="days"))) == datetime(
        2026, 10, 2, 21, 0
    )


# ----------------------------------------------------------------------------- working_ms


def test_working_ms(cal: WorkCalendar) -> None:
    fri, mon = ms(2026, 3, 13, 16), ms(2026, 3, 16, 10)
    assert cal.working_ms(fri, mon) == 3 * HOUR_MS
    assert cal.working_ms(mon, fri) == -3 * HOUR_MS
    assert cal.working_ms(fri, fri) == 0
    assert cal.working_ms(ms(2026, 3, 16, 12), ms(2026, 3, 16, 13, 30)) == 0  # lunch
    # A quarter of a year: whole working days x 7.5 h.
    days = sum(cal.is_working_day(date(2026, 1, 1) + timedelta(days=i)) for i in range(90))
    assert cal.working_ms(ms(2026, 1, 1), ms(2026, 4, 1)) == round(days * 7.5 * HOUR_MS)


def test_working_ms_inverts_add() -> None:
    cal = WorkCalendar.load(DEFAULT_CALENDAR)
    rng = random.Random(2026)
    lo, hi = ms(2024, 12, 1), ms(2027, 1, 31)
    for _ in range(400):
        start = rng.randrange(lo, hi)
        unit = rng.choice(["work_hours", "work_days"])
        value = round(rng.uniform(0.01, 60 if unit == "work_hours" else 25), 3)
        limit = TimeLimit(value=value, unit=unit)
        end = cal.add(start, limit)
        need = cal.limit_ms(limit)
        assert end > start
        assert cal.working_ms(start, end) == need, (local(start), limit)
        assert cal.working_ms(end - 1, end) == 1  # the deadline is in (or ends) working time


# ----------------------------------------------------------------------------- bad files


GOOD = """\
name: test
tz_offset_h: 8
work_periods: [["08:30", "12:00"], ["13:30", "17:30"]]
weekend: [sat, sun]
years: [2026]
holidays: [{date: 2026-10-01, name: 国庆节}]
workdays: [{date: 2026-10-10, name: 调休上班}]
"""


def load_text(tmp_path: Path, text: str) -> WorkCalendar:
    path = tmp_path / "cal.yaml"
    path.write_text(text, encoding="utf-8")
    return WorkCalendar.load(path)


def problems(tmp_path: Path, text: str) -> list[tuple[str, str]]:
    with pytest.raises(ConfigError) as err:
        load_text(tmp_path, text)
    return err.value.problems


def test_a_good_file_loads(tmp_path: Path) -> None:
    cal = load_text(tmp_path, GOOD)
    assert cal.is_working_day(date(2026, 10, 10)) and not cal.is_working_day(date(2026, 10, 1))


@pytest.mark.parametrize(
    ("old", "new", "key", "words"),
    [
        ('["13:30", "17:30"]', '["11:30", "17:30"]', "work_periods[1]", "overlaps"),
        ('["13:30", "17:30"]', '["17:30", "13:30"]', "work_periods[1]", "after the start"),
        ('["13:30", "17:30"]', '["13:30", "25:00"]', "work_periods[1][1]", "pattern"),
        ('["13:30", "17:30"]', '[13:30, "17:30"]', "work_periods[1][0]", "quote clock times"),
        ("weekend: [sat, sun]", "weekend: [sat, sunday]", "weekend[1]", "'sun'"),
        (
            "weekend: [sat, sun]",
            "weekend: [mon, tue, wed, thu, fri, sat, sun]",
            "weekend",
            "no working time",
        ),
        ("2026-10-01", "2025-10-01", "holidays[0].date", "not in years"),
        ("2026-10-10", "2026-10-09", "workdays[0].date", "not a weekend day"),
        ("2026-10-10", "2026-10-01", "workdays[0].date", "also holidays[0].date"),
        ("years: [2026]", "years: [2026]\nextra: 1", "extra", "not permitted"),
    ],
)
def test_bad_files_name_the_key(tmp_path: Path, old: str, new: str, key: str, words: str) -> None:
    assert old in GOOD
    found = problems(tmp_path, GOOD.replace(old, new))
    assert any(k.split(" (line")[0] == key and words in msg for k, msg in found), found


def test_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        WorkCalendar.load(tmp_path / "nope.yaml")
