"""Day-indexed calendar helpers for the transaction generator (vectorised: numpy arrays over day offsets).

Day 0 is the first day of the generated window; arrays extend a margin past its end so shifted debits and
schedules that overshoot stay in range.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from wupian.monitor.recurring.cadence import is_workday

MARGIN_DAYS = 120


@dataclass(frozen=True)
class DayGrid:
    """The window ``[start, end]`` as day offsets, with month starts/lengths and next-working-day lookup."""

    start: date
    end: date
    n_days: int
    n_months: int
    month_start: np.ndarray  # day offset of the first day of month i (i = 0 … n_months + 12)
    month_len: np.ndarray  # days in month i
    next_workday: np.ndarray  # day offset → offset of the same or next working day
    workday: np.ndarray  # bool per day offset

    def to_dates(self, offsets: np.ndarray) -> np.ndarray:
        return np.datetime64(self.start, "D") + offsets.astype("timedelta64[D]")


def month_floor(d: date, back: int) -> date:
    """First day of the month ``back`` months before ``d``'s month."""
    index = d.year * 12 + d.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def build_grid(end: date, months: int) -> DayGrid:
    start = month_floor(end, months - 1)
    n_days = (end - start).days + 1
    total = n_days + MARGIN_DAYS
    days = [start + timedelta(days=i) for i in range(total)]
    work = np.array([is_workday(x) for x in days], dtype=bool)
    nxt = np.empty(total, dtype=np.int64)
    following = total - 1
    for i in range(total - 1, -1, -1):
        if work[i]:
            following = i
        nxt[i] = following
    starts, lens = [], []
    for i in range(months + 14):
        first = month_floor(start, -i)
        following_month = month_floor(start, -(i + 1))
        starts.append((first - start).days)
        lens.append((following_month - first).days)
    return DayGrid(
        start=start,
        end=end,
        n_days=n_days,
        n_months=months,
        month_start=np.array(starts, dtype=np.int64),
        month_len=np.array(lens, dtype=np.int64),
        next_workday=nxt,
        workday=work,
    )
