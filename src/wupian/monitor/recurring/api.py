"""Recurring-debit discovery for one account (teller view) or the whole bank (batch), and stale mandates.

The detection itself is set-based SQL in ``wupian.engine.recurring``; this module chooses the window and
parameters, adds the Chinese explanation and returns immutable records or an Arrow table.

Window: from the first day of the month ``months`` months before the as-of month up to ``as_of`` — so the
default ``months=12`` with as-of 2026-03-31 covers 2025-03-01…2026-03-31, and an annual debit paid in March
is seen twice. ``as_of`` defaults to the date of the latest booked transaction in the warehouse.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pyarrow as pa
import pyarrow.compute as pc

from wupian.core.errors import UsageError
from wupian.engine import recurring as engine
from wupian.engine.warehouse import Warehouse
from wupian.monitor.recurring.cadence import cadence_table, calendar_table
from wupian.monitor.recurring.explain import EXPLAIN_FIELDS, explain_stale, explain_stream
from wupian.monitor.recurring.model import RecurringStream, StaleMandate
from wupian.monitor.recurring.normalise import PREFIX_PATTERN

DEFAULT_PARAMS = engine.DetectionParams(prefix_pattern=PREFIX_PATTERN)
# One account's streams are the teller's interactive view (issue 14: < 200 ms): one DuckDB statement on one
# thread. On Spark the same SQL would be a chain of Spark jobs (about a minute on local[2]), so it is DuckDB-only;
# the batch and the stale-mandate search run on Spark (docs/spark.md).
SPARK_ONE_ACCOUNT = ("on --engine spark `wupian recurring` runs the batch (--all) and --stale-mandates; one "
                     "account's recurring debits (the teller view) run on --engine duckdb (an interactive answer "
                     "that one Spark job per step cannot give; docs/spark.md)")


def window_start(as_of: date, months: int) -> date:
    """First day of the month ``months`` months before the month of ``as_of``."""
    if months < 1:
        raise UsageError(f"--months must be at least 1, got {months}")
    index = as_of.year * 12 + (as_of.month - 1) - months
    return date(index // 12, index % 12 + 1, 1)


def months_before(as_of: date, months: int) -> date:
    """The same day ``months`` months earlier (clamped to the month's length)."""
    index = as_of.year * 12 + (as_of.month - 1) - months
    year, month = index // 12, index % 12 + 1
    for day in (as_of.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def resolve_as_of(wh: Warehouse, as_of: date | None) -> date:
    """``as_of`` or the latest transaction date (today when the warehouse has no transactions)."""
    if as_of is not None:
        return as_of
    return engine.data_as_of(wh) or date.today()


def account_known(wh: Warehouse, account_id: str) -> bool:
    """True when ``account_id`` has transactions or is in the accounts table."""
    return engine.account_known(wh, account_id)


def streams_table(
    wh: Warehouse,
    account_id: str | None = None,
    *,
    months: int = 12,
    as_of: date | None = None,
    unexplained_only: bool = False,
    params: engine.DetectionParams = DEFAULT_PARAMS,
    on_step: Callable[[str], None] | None = None,
) -> pa.Table:
    """Every recurring stream (one account or, with ``account_id=None``, the whole bank) as an Arrow table
    with an ``explanation`` column. ``unexplained_only`` keeps streams with no known mandate."""
    if account_id is not None and getattr(wh, "engine", "duckdb") != "duckdb":
        raise UsageError(SPARK_ONE_ACCOUNT)
    day = resolve_as_of(wh, as_of)
    start = window_start(day, months)
    table = engine.detect_streams(
        wh,
        start=start,
        as_of=day,
        cadences=cadence_table(),
        calendar=calendar_table(start - timedelta(days=7), day + timedelta(days=430)),
        params=params,
        account_id=account_id,
        on_step=on_step,
    )
    if unexplained_only:
        table = table.filter(pc.is_null(table["mandate_id"]))
    if on_step is not None:
        on_step("explain")
    explanations = [explain_stream(row) for row in table.select(list(EXPLAIN_FIELDS)).to_pylist()]
    return table.append_column("explanation", pa.array(explanations, pa.string()))


def find_streams(
    wh: Warehouse,
    account_id: str | None = None,
    *,
    months: int = 12,
    as_of: date | None = None,
    params: engine.DetectionParams = DEFAULT_PARAMS,
) -> list[RecurringStream]:
    """Recurring outgoing streams of ``account_id`` (or of every account when None), most regular first."""
    table = streams_table(wh, account_id, months=months, as_of=as_of, params=params)
    return [RecurringStream.from_row(row, row["explanation"]) for row in table.to_pylist()]


def stale_mandates_table(
    wh: Warehouse,
    *,
    as_of: date | None = None,
    idle_months: int = 6,
    account_id: str | None = None,
) -> pa.Table:
    """Mandates still active on ``as_of`` with no matching debit for ``idle_months`` months (or never used
    and signed that long ago), with an ``explanation`` column."""
    if idle_months < 1:
        raise UsageError(f"--idle-months must be at least 1, got {idle_months}")
    day = resolve_as_of(wh, as_of)
    table = engine.stale_mandates(
        wh,
        as_of=day,
        idle_since=months_before(day, idle_months),
        prefix_pattern=PREFIX_PATTERN,
        account_id=account_id,
    )
    explanations = [explain_stale(row) for row in table.to_pylist()]
    return table.append_column("explanation", pa.array(explanations, pa.string()))


def stale_mandates(
    wh: Warehouse,
    *,
    as_of: date | None = None,
    idle_months: int = 6,
    account_id: str | None = None,
) -> list[StaleMandate]:
    """Active mandates unused for ``idle_months`` months: candidates to close."""
    table = stale_mandates_table(wh, as_of=as_of, idle_months=idle_months, account_id=account_id)
    return [StaleMandate.from_row(row, row["explanation"]) for row in table.to_pylist()]
