"""Which store ``wupian cases`` and ``wupian screen`` keep cases in.

The operational store (the web app's database, ``wupian.ops.OpsCaseStore``) when one is configured — ``--ops-db``,
``$WUPIAN_OPS_DB``, or the default SQLite file beside the warehouse exists (``wupian users add`` / ``wupian demo``
created it) — so the command line and the web app work the same queue. Otherwise the warehouse's own store
(``WarehouseCaseStore``), as before any web app was set up. On opening the operational store, cases kept in the
warehouse that it does not have yet are copied into it once (a one-way migration; docs/web.md).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from wupian.core.errors import UsageError
from wupian.engine.warehouse import Warehouse


def ops_dsn_for(db_path: str, ops_db: str | None) -> str | None:
    """The operational database to use, or None for the warehouse's store. A look at the environment and the
    file system only: nothing heavy is imported (the store's SQLAlchemy, the screening engine) to learn that
    there is no operational store."""
    if ops_db:
        return ops_db
    if os.environ.get("WUPIAN_OPS_DB"):
        return os.environ["WUPIAN_OPS_DB"]
    if db_path == ":memory:":
        return None
    from wupian.ops.location import default_ops_dsn

    dsn = default_ops_dsn(db_path)
    if not Path(dsn.removeprefix("sqlite:///")).is_file():
        return None
    from importlib.util import find_spec

    return dsn if find_spec("sqlalchemy") is not None else None  # no web extra: no operational store


@contextmanager
def case_store(wh: Warehouse, db_path: str, ops_db: str | None) -> Iterator[Any]:
    """The CaseRepository for this command (see the module docstring); the operational store is closed after."""
    dsn = ops_dsn_for(db_path, ops_db)
    if dsn is None:
        from wupian.monitor.screening import WarehouseCaseStore

        yield WarehouseCaseStore(wh)
        return
    try:
        from wupian.ops import OpsCaseStore, OpsStore
        from wupian.web.case_sync import import_warehouse_cases
    except ImportError as exc:
        raise UsageError(f"an operational database is configured ({dsn}) but the web extra is missing: "
                         "pip install 'wupian[web]'") from exc
    store = OpsStore.open(dsn)
    try:
        ops = OpsCaseStore(store)
        import_warehouse_cases(ops, wh)
        yield ops
    finally:
        store.close()


def export_to_warehouse(wh: Warehouse, db_path: str) -> int:
    """Before a month-end job: append the operational store's cases to the warehouse (when one is configured), so
    the month-end ``fraud.*`` figures include the cases worked in the web app; rows added."""
    dsn = ops_dsn_for(db_path, None)
    if dsn is None:
        return 0
    from wupian.ops import OpsCaseStore, OpsStore
    from wupian.web.case_sync import export_cases_to_warehouse

    store = OpsStore.open(dsn)
    try:
        return export_cases_to_warehouse(OpsCaseStore(store), wh)
    finally:
        store.close()
