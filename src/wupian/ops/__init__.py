"""The operational store of the web app: users, sessions, login throttling and the append-only audit log.

An embedded SQLite file beside the warehouse by default, PostgreSQL when a ``postgresql://`` DSN is given.
This package is the only one that imports SQLAlchemy and Alembic; the schema is created and upgraded by the
Alembic migrations shipped in ``wupian/ops/migrations``. It depends on ``wupian.core`` only.
"""

from __future__ import annotations

from wupian.ops.roles import ROLES, Role, role
from wupian.ops.sessions import Session, ThrottlePolicy
from wupian.ops.store import AuditEntry, OpsStore, User, default_ops_dsn

__all__ = ["ROLES", "AuditEntry", "OpsStore", "Role", "Session", "ThrottlePolicy", "User", "default_ops_dsn", "role"]
