"""The Python surface of wupian that the CLI and the web app call.

One import gives the month-end jobs: open a warehouse, check and load snapshots and events, classify loans,
compute indicators and coverage, and explain any number down to the loans behind it. Everything here is a
thin composition of the layers below (ingest, rules, metrics, engine); business rules live there.
"""

from __future__ import annotations

from wupian.engine.warehouse import Warehouse, default_db_path
from wupian.ingest import CheckReport, LoadReport, check_snapshot, load_events, load_snapshot
from wupian.metrics import (
    CoverageResult,
    IndicatorResult,
    compute_indicators,
    coverage,
    explain_indicator,
    indicator_label,
)


def open_warehouse(path: str | None = None, *, read_only: bool = False) -> Warehouse:
    """Open the warehouse at ``path`` (default ``$WUPIAN_DB`` or ``./wupian.duckdb``)."""
    return Warehouse(path if path is not None else default_db_path(), read_only=read_only)


__all__ = [
    "CheckReport",
    "CoverageResult",
    "IndicatorResult",
    "LoadReport",
    "Warehouse",
    "check_snapshot",
    "compute_indicators",
    "coverage",
    "explain_indicator",
    "indicator_label",
    "load_events",
    "load_snapshot",
    "open_warehouse",
]
