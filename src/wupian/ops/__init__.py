"""The operational store of the web app: users, sessions, login throttling, the append-only audit log and the screening cases.

An embedded SQLite file beside the warehouse by default, PostgreSQL when a ``postgresql://`` DSN is given.
This package is the only one that imports SQLAlchemy and Alembic; the schema is created and upgraded by the
Alembic migrations shipped in ``wupian/ops/migrations``. It depends on ``wupian.core`` only.

Names are imported lazily, so ``wupian.ops.roles`` (and ``wupian --help``) does not load SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "ROLES": "wupian.ops.roles", "Role": "wupian.ops.roles", "role": "wupian.ops.roles",
    "Session": "wupian.ops.sessions", "ThrottlePolicy": "wupian.ops.sessions",
    "AuditEntry": "wupian.ops.store", "OpsStore": "wupian.ops.store", "User": "wupian.ops.store",
    "default_ops_dsn": "wupian.ops.location",
    "OpsCaseStore": "wupian.ops.cases", "PendingClose": "wupian.ops.cases",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'wupian.ops' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
