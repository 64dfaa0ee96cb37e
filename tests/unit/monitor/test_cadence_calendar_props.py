"""Properties of the recurring detector's domain data (``wupian.monitor.recurring.cadence``): the working-day
helpers agree with each other on any day of the calendar's years and beyond (``next_workday`` is the first working
day on or after the day, the calendar table is ``is_workday`` day by day), the official 2025 notices hold, and the
cadence table the engine joins against is the Python cadences, ordered and consistent."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.monitor.recurring.cadence import (
    CADENCE_BY_NAME,
    CADENCES,
    cadence_table,
    calendar_table,
    is_workday,
    next_workday,
)

days = st.dates(min_value=date(2018, 1, 1), max_value=date(2032, 12, 31))


@settings(deadline=None)  # the first call imports the calendar; the machine may be busy
@given(days)
def test_next_workday_is_the_first_working_day_on_or_after_the_day(day: date) -> None:
    nxt = next_workday(day)
    assert nxt >= day and is_workday(nxt)
    assert all(not is_workday(day + timedelta(days=i)) for i in range((nxt - day).days))
    assert next_workday(nxt) == nxt
    assert (nxt - day).days <= 9  # the longest break (春节/国庆 with weekends) is well under ten days


@settings(deadline=None)
@given(days, st.integers(0, 40))
def test_the_calendar_table_is_is_workday_day_by_day(start: date, length: int) -> None:
    end = start + timedelta(days=length)
    table = calendar_table(start, end).to_pylist()
    assert [r["d"] for r in table] == [start + timedelta(days=i) for i in range(length + 1)]
    assert [r["workday"] for r in table] == [is_workday(r["d"]) for r in table]


def test_the_2025_notices() -> None:
    assert not is_workday(date(2025, 1, 1)) and not is_workday(date(2025, 10, 1))  # 元旦, 国庆
    assert is_workday(date(2025, 1, 26)) and is_workday(date(2025, 9, 28))  # make-up Sundays
    assert not is_workday(date(2025, 1, 29))  # 春节
    assert next_workday(date(2025, 10, 1)) == date(2025, 10, 9)  # 国庆 and 中秋 1–8 October
    assert is_workday(date(2025, 10, 11))  # a make-up Saturday


def test_the_cadence_table_is_the_cadences_in_period_order() -> None:
    rows = cadence_table().to_pylist()
    assert [r["cadence"] for r in rows] == [c.name for c in CADENCES]
    assert [r["ord"] for r in rows] == list(range(len(CADENCES)))
    for r in rows:
        c = CADENCE_BY_NAME[r["cadence"]]
        assert (r["period"], r["tol"], r["min_n"], r["confirm_n"], r["month_step"]) == (
            c.period, c.tol, c.min_n, c.confirm_n, c.month_step)
    periods = [c.period for c in CADENCES]
    assert periods == sorted(periods) and len(set(periods)) == len(periods)
    for c in CADENCES:
        assert 2 <= c.min_n <= c.confirm_n, c.name
        assert 0 < c.lo < 1 < c.hi, c.name
        assert 0 < c.tol < c.period / 2, c.name  # a debit off by tol is never closer to the next slot
        assert (c.month_step == 0) == (c.period < 28), c.name  # calendar-month cadences step by months
        if c.month_step:
            assert abs(c.period - c.month_step * 365.25 / 12) < 1e-9, c.name
