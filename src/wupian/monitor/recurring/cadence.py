"""Cadences of recurring debits and the working-day calendar the detector uses (domain data, no SQL).

Each cadence is a nominal period in days with a tolerance: ``tol`` is how far (days) one debit may sit from
the fitted schedule (weekend and holiday shifts, month-length drift, manual jitter), ``span_rel`` how far the
whole span may drift per period, ``min_n`` the fewest debits that make a stream and ``confirm_n`` the
debits after which a stream is no longer "early". ``lo``/``hi`` bound the median gap (as a share of the
period) for which the cadence is tried at all.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, timedelta

import chinese_calendar
import pyarrow as pa


@dataclass(frozen=True, slots=True)
class Cadence:
    """One recurring cadence."""

    name: str
    zh: str
    period: float  # nominal days
    tol: float  # days a single debit may sit off the fitted schedule
    span_rel: float  # allowed drift of the whole span per period (share of the period)
    min_n: int  # debits needed to call it a stream
    confirm_n: int  # debits after which it is no longer "early"
    month_step: int  # months between debits for calendar-month cadences, else 0
    lo: float = 0.75
    hi: float = 1.35


CADENCES: tuple[Cadence, ...] = (
    Cadence("weekly", "每周", 7.0, 2.0, 0.01, 4, 6, 0),
    Cadence("biweekly", "每两周", 14.0, 3.0, 0.01, 3, 4, 0),
    Cadence("semimonthly", "每半月", 365.25 / 24, 4.0, 0.02, 4, 5, 0),
    Cadence("monthly", "每月", 365.25 / 12, 5.0, 0.02, 3, 4, 1),
    Cadence("bimonthly", "每两个月", 365.25 / 6, 6.0, 0.02, 3, 3, 2),
    Cadence("quarterly", "每季度", 365.25 / 4, 7.0, 0.02, 3, 3, 3),
    Cadence("semiannual", "每半年", 365.25 / 2, 8.0, 0.02, 2, 2, 6),
    Cadence("annual", "每年", 365.25, 8.0, 0.01, 2, 2, 12),
)
CADENCE_BY_NAME = {c.name: c for c in CADENCES}
CADENCE_NAMES = tuple(c.name for c in CADENCES)


def cadence_table(cadences: tuple[Cadence, ...] = CADENCES) -> pa.Table:
    """The cadences as the Arrow table the engine joins against."""
    return pa.table(
        {
            "cadence": [c.name for c in cadences],
            "period": pa.array([c.period for c in cadences], pa.float64()),
            "tol": pa.array([c.tol for c in cadences], pa.float64()),
            "span_rel": pa.array([c.span_rel for c in cadences], pa.float64()),
            "min_n": pa.array([c.min_n for c in cadences], pa.int64()),
            "confirm_n": pa.array([c.confirm_n for c in cadences], pa.int64()),
            "month_step": pa.array([c.month_step for c in cadences], pa.int64()),
            "lo": pa.array([c.lo for c in cadences], pa.float64()),
            "hi": pa.array([c.hi for c in cadences], pa.float64()),
            "ord": pa.array(list(range(len(cadences))), pa.int64()),
        }
    )


def is_workday(day: date) -> bool:
    """Chinese working day (statutory holidays and make-up working days); weekends-only outside the
    years the ``chinesecalendar`` package covers."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return day.weekday() < 5


def next_workday(day: date) -> date:
    """``day`` itself when it is a working day, else the next one."""
    while not is_workday(day):
        day += timedelta(days=1)
    return day


@functools.lru_cache(maxsize=8)
def calendar_table(start: date, end: date) -> pa.Table:
    """``d DATE, workday BOOL`` for every day in ``[start, end]`` (a few hundred rows)."""
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return pa.table({"d": pa.array(days, pa.date32()), "workday": [is_workday(x) for x in days]})
