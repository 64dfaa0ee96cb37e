"""Set-based execution of recurring-debit detection and stale-mandate search on the DuckDB warehouse.

The monitor layer (``wupian.monitor.recurring``) owns the domain parameters — cadence definitions, channel
prefixes, thresholds, the working-day calendar — and hands them here as values and Arrow tables; this module
runs the fixed SQL of ``recurring_sql`` with those values bound as parameters and returns Arrow tables.
Nothing here loops over transactions in Python.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pyarrow as pa

from wupian.engine import recurring_shape_sql as qf
from wupian.engine import recurring_sql as q
from wupian.engine import recurring_stale_sql as qs
from wupian.engine.warehouse import Warehouse

_TEMP_TABLES = (
    "_wp_rec_raw", "_wp_rec_names", "_wp_rec_keyed", "_wp_rec_cand", "_wp_rec_gaps", "_wp_rec_pairs",
    "_wp_rec_fit", "_wp_rec_best", "_wp_rec_streams", "_wp_rec_shaped",
)
_CADENCE_COLUMNS = (
    "cadence", "period", "tol", "span_rel", "min_n", "confirm_n", "month_step", "lo", "hi", "ord",
)


@dataclass(frozen=True, slots=True)
class DetectionParams:
    """Thresholds of the detector (chosen and documented by the monitor layer)."""

    prefix_pattern: str  # RE2/Java pattern of channel prefixes to strip from names, anchored at the start ('^')
    band_ratio: float = 1.3  # a new amount band starts where an amount exceeds the previous by this factor
    max_extra_share: float = 0.1  # share of debits allowed to fall between two periods (extra debits)
    min_share_in: float = 0.8  # share of debits within the cadence's day tolerance of the fitted schedule
    # A two-debit stream (annual, semi-annual) must be the payee's only debits, at (almost) the same amount.
    pair_ratio: float = 1.02
    band_spread: float = 1.15  # an amount band is a stream on its own only if its amounts stay this close
    near_fixed_step: float = 0.08  # a consecutive change above this share counts as a real amount change
    # Quick regularity screen before the fit: the gap quartiles must lie within these shares of the period.
    quartile_lo: float = 0.6
    quartile_hi: float = 1.6

    def __post_init__(self) -> None:
        # The SQL strips it with 'g' (every match: the same on DuckDB and Spark); anchored, that is one match.
        if not self.prefix_pattern.startswith("^"):
            raise ValueError(f"prefix_pattern must be anchored at the start ('^…'), got {self.prefix_pattern!r}")


def data_as_of(wh: Warehouse) -> date | None:
    """The date of the latest booked transaction, or None when there are none."""
    value = wh.scalar("SELECT CAST(MAX(booked_at) AS DATE) FROM transactions")
    return value if isinstance(value, date) else None


_CREATE = "CREATE OR REPLACE TEMP TABLE "


def _as_one_query(steps: tuple[tuple[str, str, dict[str, Any]], ...]) -> str:
    """The temporary-table steps rewritten as CTEs of one query ending in ``FINAL``."""
    ctes = []
    for _, sql, _ in steps:
        body = sql.strip()
        if not body.startswith(_CREATE):
            raise ValueError("step SQL must create a temporary table")
        name, _, select = body[len(_CREATE):].partition(" AS\n")
        materialized = "MATERIALIZED " if name == "_wp_rec_acct" else ""  # read once, used three times
        ctes.append(f"{name} AS {materialized}(\n{select}\n)")
    return (
        "WITH " + ",\n".join(ctes)
        + f"\nSELECT * FROM (\n{qf.FINAL}\n) r\n"
        + "ORDER BY account_id, cadence_rank, typical_amount DESC, payee_key, stream_key"
    )


def account_known(wh: Warehouse, account_id: str) -> bool:
    """True when the account has transactions or appears in any accounts snapshot."""
    return bool(
        wh.scalar(
            "SELECT EXISTS (SELECT 1 FROM transactions WHERE account_id = $a)"
            " OR EXISTS (SELECT 1 FROM accounts WHERE account_id = $a)",
            {"a": account_id},
        )
    )


def detect_streams(
    wh: Warehouse,
    *,
    start: date,
    as_of: date,
    cadences: pa.Table,
    calendar: pa.Table,
    params: DetectionParams,
    account_id: str | None = None,
    on_step: Callable[[str], None] | None = None,
) -> pa.Table:
    """Find recurring outgoing streams in ``[start, as_of]`` for one account or (``account_id=None``) all.

    ``cadences`` has the columns of ``_CADENCE_COLUMNS``; ``calendar`` has ``d DATE, workday BOOL`` covering
    the window and the year after it. Returns one row per stream (see ``recurring_sql.FINAL``).
    """
    missing = [c for c in _CADENCE_COLUMNS if c not in cadences.column_names]
    if missing:
        raise ValueError(f"cadence table lacks columns {missing}")
    if account_id is not None and getattr(wh, "engine", "duckdb") != "duckdb":
        raise ValueError("one account's streams run on DuckDB only (monitor.recurring.api.SPARK_ONE_ACCOUNT)")
    base: dict[str, Any] = {"as_of": as_of}
    window: dict[str, Any] = {"start": start, "as_of": as_of}
    if account_id is not None:
        window["account"] = account_id
    account_rows: tuple[tuple[str, str, dict[str, Any]], ...] = (
        () if account_id is None else (("account", q.ACCOUNT_ROWS, {"account": account_id}),))
    steps: tuple[tuple[str, str, dict[str, Any]], ...] = (
        *account_rows,
        ("scan", q.RAW_ALL if account_id is None else q.RAW_ONE, window),
        ("names", q.NAMES, {"prefix": params.prefix_pattern}),
        ("keyed", q.KEYED, {}),
        ("candidates", q.CAND, {"band_ratio": params.band_ratio}),
        ("gaps", q.GAPS, {}),
        ("cadences", q.PAIRS, {"q_lo": params.quartile_lo, "q_hi": params.quartile_hi}),
        ("fit", q.FIT, {}),
        (
            "best",
            q.BEST,
            {
                "max_extra_share": params.max_extra_share,
                "min_share_in": params.min_share_in,
                "pair_ratio": params.pair_ratio,
                "band_spread": params.band_spread,
            },
        ),
        (
            "streams",
            qf.STREAMS_ALL if account_id is None else qf.STREAMS_ONE,
            {"near_fixed_step": params.near_fixed_step},
        ),
        ("shape", qf.SHAPED, base),
    )
    wh.register("_wp_rec_cadences", cadences)
    wh.register("_wp_rec_calendar", calendar)
    # One account (the teller view, DuckDB only: docs/spark.md): one statement of CTEs, no temporary tables to
    # create and drop, on one thread (a few hundred rows: one thread avoids the coordination cost).
    if account_id is not None:
        threads = int(wh.scalar("SELECT current_setting('threads')"))
        wh.execute("SET threads = 1")
        try:
            merged: dict[str, Any] = {"prefix": params.prefix_pattern}
            for _, _, values in steps:
                merged.update(values)
            return wh.arrow(_as_one_query(steps), merged)
        finally:
            wh.execute(f"SET threads = {threads:d}")
            wh.unregister("_wp_rec_cadences")
            wh.unregister("_wp_rec_calendar")
    try:
        for name, sql, values in steps:
            if on_step is not None:
                on_step(name)
            wh.execute(sql, values)
        if on_step is not None:
            on_step("link")
        return wh.arrow(qf.FINAL, {"prefix": params.prefix_pattern})
    finally:
        for table in _TEMP_TABLES:
            wh.execute(f"DROP TABLE IF EXISTS {table}")
        wh.unregister("_wp_rec_cadences")
        wh.unregister("_wp_rec_calendar")


def stale_mandates(
    wh: Warehouse,
    *,
    as_of: date,
    idle_since: date,
    prefix_pattern: str,
    account_id: str | None = None,
) -> pa.Table:
    """Mandates active on ``as_of`` whose last matching debit (or signing) is before ``idle_since``."""
    values: dict[str, Any] = {"as_of": as_of, "idle_since": idle_since, "prefix": prefix_pattern}
    if account_id is not None:
        values["account"] = account_id
    return wh.arrow(qs.STALE_ALL if account_id is None else qs.STALE_ONE, values)
