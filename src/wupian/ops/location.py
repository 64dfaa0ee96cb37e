"""Where the operational store is: the one rule, standard library only, so that a command asking whether a web
app's store exists (``wupian month-end``, ``screen``, ``cases``) does not import SQLAlchemy to find out."""

from __future__ import annotations

import os
from pathlib import Path

OPS_DB_ENV = "WUPIAN_OPS_DB"


def default_ops_dsn(warehouse_path: str) -> str:
    """``$WUPIAN_OPS_DB`` or a SQLite file beside the warehouse (``wupian.duckdb`` → ``wupian.ops.sqlite``)."""
    env = os.environ.get(OPS_DB_ENV)
    if env:
        return env
    p = Path(warehouse_path).resolve()
    return f"sqlite:///{p.with_name(p.stem + '.ops.sqlite')}"
