"""Loading a snapshot into a Spark warehouse: the files are read and checked by the same code as a DuckDB load,
in a private staging DuckDB, and the accepted date is then published to Spark (``wupian.engine.spark_publish``).
A refused load (``DataError``) publishes nothing."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from wupian.engine.spark_publish import publish_snapshot
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
