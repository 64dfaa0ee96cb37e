"""Read CSV/XLSX/Parquet snapshot folders, check them against the data contract, quarantine and load.

Public API: ``check_snapshot``, ``load_snapshot``, ``load_events`` and their reports. ``load_snapshot`` into a
Spark warehouse checks in a staging DuckDB and publishes the date, ``load_events`` the accepted events
(``wupian.ingest.spark_load``).
"""

from __future__ import annotations

from typing import Any

from wupian.ingest import load as _load
from wupian.ingest.load import check_snapshot
from wupian.ingest.report import CheckReport, LoadReport


def load_snapshot(wh: Any, *args: Any, **kwargs: Any) -> LoadReport:
    """Load (or replace) one as-of date; see :func:`wupian.ingest.load.load_snapshot`."""
    if getattr(wh, "engine", "duckdb") == "spark":
        from wupian.ingest import spark_load

        return spark_load.load_snapshot(wh, *args, **kwargs)
    return _load.load_snapshot(wh, *args, **kwargs)


def load_events(wh: Any, *args: Any, **kwargs: Any) -> LoadReport:
    """Append events; see :func:`wupian.ingest.load.load_events` (on Spark checked in a staging DuckDB that
    holds the warehouse's earlier events, then appended: ``wupian.ingest.spark_load``)."""
    if getattr(wh, "engine", "duckdb") == "spark":
        from wupian.ingest import spark_load

        return spark_load.load_events(wh, *args, **kwargs)
    return _load.load_events(wh, *args, **kwargs)


__all__ = ["CheckReport", "LoadReport", "check_snapshot", "load_events", "load_snapshot"]
