"""Read CSV/XLSX/Parquet snapshot folders, check them against the data contract, quarantine and load.

Public API: ``check_snapshot``, ``load_snapshot``, ``load_events`` and their reports.
"""

from wupian.ingest.load import check_snapshot, load_events, load_snapshot
from wupian.ingest.report import CheckReport, LoadReport

__all__ = ["CheckReport", "LoadReport", "check_snapshot", "load_events", "load_snapshot"]
