"""Where the rows of one as-of date of a dated table live on disk — one naming for both engines.

A dated table keeps each as-of date in its own folder ``<root>/<table>/as_of=YYYY-MM-DD/``: the Spark warehouse's
tables (``spark_con``) and the Parquet parts beside a DuckDB warehouse file (``parts``) use the same folders, so a
date is replaced by writing new files for that folder only.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def date_part(as_of: dt.date | None) -> str:
    """The folder name of one date: ``as_of=YYYY-MM-DD`` (``as_of=null`` for rows without a date)."""
    return f"as_of={as_of.isoformat() if as_of is not None else 'null'}"


def date_folder(root: Path, table: str, as_of: dt.date | None) -> Path:
    """``<root>/<table>/as_of=YYYY-MM-DD`` on a local file system (the Spark warehouse joins the same
    ``date_part`` onto a Hadoop path string)."""
    return root / table / date_part(as_of)
