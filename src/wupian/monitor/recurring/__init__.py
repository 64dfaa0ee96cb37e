"""Recurring-debit discovery (job 5): find recurring outgoing streams, link them to mandates and merchants,
explain them in Chinese, and list mandates that sit unused.

Public surface::

    find_streams(wh, account_id=None, *, months=12, as_of=None) -> list[RecurringStream]
    streams_table(wh, account_id=None, *, months=12, as_of=None, unexplained_only=False) -> pyarrow.Table
    stale_mandates(wh, *, as_of=None, idle_months=6, account_id=None) -> list[StaleMandate]
    stale_mandates_table(...) -> pyarrow.Table
"""

from __future__ import annotations

from wupian.monitor.recurring.api import (
    find_streams,
    stale_mandates,
    stale_mandates_table,
    streams_table,
    window_start,
)
from wupian.monitor.recurring.model import RecurringStream, StaleMandate

__all__ = [
    "RecurringStream",
    "StaleMandate",
    "find_streams",
    "stale_mandates",
    "stale_mandates_table",
    "streams_table",
    "window_start",
]
