"""Loading into a Spark warehouse: the files are read and checked by the same code as a DuckDB load, in a private
staging DuckDB, and what was accepted is then published to Spark (``wupian.engine.spark_publish``): a snapshot
date replaced (its folders overwritten), or events appended. For events the staging DuckDB first receives the
Spark warehouse's earlier events and the keys they refer to, so the duplicate and reference checks see them.
A refused load (``DataError``) publishes nothing."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from wupian.engine.spark_publish import publish_events, publish_snapshot, stage_events
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load as _load
from wupian.ingest.report import LoadReport


def load_snapshot(wh: Any, as_of: dt.date, directory: Path, **options: Any) -> LoadReport:
    """Check ``directory`` and replace the date ``as_of`` of the Spark warehouse ``wh`` with it (``options``:
    those of :func:`wupian.ingest.load.load_snapshot`)."""
    with tempfile.TemporaryDirectory(prefix="wupian-spark-stage-") as work:
        with Warehouse(Path(work) / "stage.duckdb") as stage:
            report = _load.load_snapshot(stage, as_of, directory, **options)
            publish_snapshot(stage, wh, as_of)
    return report


def load_events(wh: Any, directory: Path, **options: Any) -> LoadReport:
    """Check the event files of ``directory`` against the Spark warehouse ``wh``'s earlier events and append the
    accepted ones (``options``: those of :func:`wupian.ingest.load.load_events`)."""
    with tempfile.TemporaryDirectory(prefix="wupian-spark-stage-") as work:
        with Warehouse(Path(work) / "stage.duckdb") as stage:
            before = stage_events(wh, stage)
            report = _load.load_events(stage, directory, **options)
            publish_events(stage, wh, before)
    return report
