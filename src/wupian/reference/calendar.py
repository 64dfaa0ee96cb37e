"""The Chinese working-day calendar (法定节假日与调休), for handling times counted in working days.

Backed by the ``chinesecalendar`` package (State Council holiday notices, published one year at a time).
For a year the package does not cover yet, the calendar falls back to "Monday–Friday are working days"
and says so: :meth:`WorkCalendar.fallback_years` lists the years where that happened, and
:func:`calendar_note` renders the note that reports print next to any figure computed from it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import chinese_calendar


def _covered(day: date) -> bool | None:
    """True/False from the official calendar, or None when the package has no data for that year."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


@dataclass
class WorkCalendar:
    """Working-day answers, recording every year for which the weekend-only fallback was used."""

    fallback: set[int] = field(default_factory=set)

    def is_workday(self, day: date) -> bool:
        official = _covered(day)
        if official is not None:
            return official
        self.fallback.add(day.year)
        return day.weekday() < 5

    def fallback_years(self) -> tuple[int, ...]:
        return tuple(sorted(self.fallback))

    def days(self, start: date, end: date) -> Iterator[tuple[date, bool]]:
        """Every day in [start, end] with its working-day flag."""
        day = start
        while day <= end:
            yield day, self.is_workday(day)
            day += timedelta(days=1)

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when finished the same day)."""
        if end <= start:
            return 0
        return sum(1 for _, work in self.days(start + timedelta(days=1), end) if work)

    def cumulative_index(self, start: date, end: date) -> list[tuple[date, int]]:
        """(day, number of working days from ``start`` through ``day``) — lets SQL subtract two indices."""
        out: list[tuple[date, int]] = []
        running = 0
        for day, work in self.days(start, end):
            running += 1 if work else 0
            out.append((day, running))
        return out


def calendar_note(years: tuple[int, ...]) -> str | None:
    """The zh note to print when the weekend-only fallback was used, else None."""
    if not years:
        return None
    listed = "、".join(f"{y}年" for y in years)
    return f"注：{listed}法定节假日安排尚未收录，工作日按周一至周五计算（未考虑节假日调休）。"
