"""The one home of comparison dates: 上年末 (the previous 31 December) and 上年同期 (the same period a year
earlier), used by the YTD/YoY indicators, the month-end job and the classify-on-demand service alike.

Reading of 上年同期 for a month-end: the month-end of the same month a year earlier — so 2025-02-28 compares with
2024-02-29 (the leap-year February month-end), and 2024-02-29 with 2023-02-28. For a date that is not a
month-end, the same calendar day a year earlier (29 February → 28 February).
"""

from __future__ import annotations

import calendar
from datetime import date


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def is_month_end(day: date) -> bool:
    return day == month_end(day.year, day.month)


def year_end_before(as_of: date) -> date:
    """上年末: 31 December of the previous year (the base of every 较年初 / 比年初 figure)."""
    return date(as_of.year - 1, 12, 31)


def year_ago(as_of: date) -> date:
    """上年同期: the month-end of the same month a year earlier (or the same day, for a mid-month date)."""
    if is_month_end(as_of):
        return month_end(as_of.year - 1, as_of.month)
    if as_of.month == 2 and as_of.day == 29:
        return date(as_of.year - 1, 2, 28)
    return as_of.replace(year=as_of.year - 1)


def comparison_dates(as_of: date) -> tuple[date, ...]:
    """The dates the YTD and YoY figures of ``as_of`` read, ascending, without ``as_of`` itself."""
    return tuple(sorted({year_end_before(as_of), year_ago(as_of)} - {as_of}))
