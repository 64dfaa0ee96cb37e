"""The one home of comparison dates: 上年末 and 上年同期 (month-end of the same month a year earlier)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from wupian.core.periods import comparison_dates, is_month_end, month_end, year_ago, year_end_before


def test_year_ago_of_a_february_month_end_is_the_february_month_end() -> None:
    # issue 9: for 2025-02-28 the month-end job classified 2024-02-28 while yoy_growth read 2024-02-29
    assert year_ago(date(2025, 2, 28)) == date(2024, 2, 29)
    assert year_ago(date(2024, 2, 29)) == date(2023, 2, 28)
    assert comparison_dates(date(2025, 2, 28)) == (date(2024, 2, 29), date(2024, 12, 31))


def test_ordinary_dates() -> None:
    assert comparison_dates(date(2026, 3, 31)) == (date(2025, 3, 31), date(2025, 12, 31))
    assert comparison_dates(date(2025, 12, 31)) == (date(2024, 12, 31),)  # both are the same day
    assert year_end_before(date(2026, 1, 31)) == date(2025, 12, 31)
    assert year_ago(date(2026, 3, 15)) == date(2025, 3, 15)  # not a month-end: the same day
    assert year_ago(date(2028, 2, 29)) == date(2027, 2, 28)


@given(st.dates(min_value=date(1901, 1, 1), max_value=date(2999, 12, 31)))
def test_comparison_dates_are_earlier_and_month_ends_stay_month_ends(day: date) -> None:
    dates = comparison_dates(day)
    assert all(d < day for d in dates) and list(dates) == sorted(set(dates))
    assert year_end_before(day) in dates
    ago = year_ago(day)
    assert ago.year == day.year - 1 and ago.month == day.month
    assert is_month_end(ago) == is_month_end(day) or (day.month, day.day) == (2, 28)
    assert month_end(day.year, day.month) + timedelta(days=1) == date(day.year + (day.month == 12),
                                                                      day.month % 12 + 1, 1)
