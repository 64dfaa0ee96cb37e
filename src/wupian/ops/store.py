"""``OpsStore``: the operational database (SQLite beside the warehouse, or PostgreSQL) — users, audit log,
and the migrations that create them. Sessions and login throttling are in ``wupian.ops.sessions``."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from wupian.core.errors import UsageError
from wupian.ops import schema as s
from wupian.ops.location import OPS_DB_ENV as OPS_DB_ENV  # re-exported: one rule, in ops.location
from wupian.ops.location import default_ops_dsn as default_ops_dsn
from wupian.ops.passwords import hash_password
from wupian.ops.roles import role


def utcnow() -> datetime:
    """Naive UTC now (the store keeps naive UTC on every backend)."""
    return datetime.now(UTC).replace(tzinfo=None)


def engine_url(dsn: str) -> str:
    """Accept ``postgresql://…`` (driven by psycopg 3), ``sqlite:///path`` or a bare file path."""
    if dsn.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + dsn.split("://", 1)[1]
    if dsn.startswith(("postgresql+", "sqlite:")):
        return dsn
    if "://" in dsn:
        raise UsageError(f"--ops-db must be postgresql://… or a SQLite file path, got {dsn.split('://')[0]}://…")
    return f"sqlite:///{Path(dsn).resolve()}"


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    roles: tuple[str, ...]
    branch_id: str
    disabled: bool
    created_at: datetime
    updated_at: datetime

    def can(self, permission: str) -> bool:
        return not self.disabled and any(permission in role(r).permissions for r in self.roles)


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str | None
    action: str
    object_type: str | None
    object_id: str | None
    address: str | None
    outcome: str
    detail: dict[str, Any]


def parse_roles(text: str | Sequence[str]) -> tuple[str, ...]:
    """``"manager,auditor"`` → ("manager", "auditor"), each validated against roles.yaml."""
    items = text.split(",") if isinstance(text, str) else list(text)
    out = tuple(dict.fromkeys(r.strip() for r in items if r.strip()))
    if not out:
        raise UsageError("give at least one role")
    for r in out:
        role(r)
    return out


def _sqlite_pragmas(dbapi_con: Any, _record: Any) -> None:
    cur = dbapi_con.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


class OpsStore:
    """One operational database. ``OpsStore.open(dsn)`` connects and migrates to the current schema."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, dsn: str, *, migrate: bool = True) -> OpsStore:
        url = engine_url(dsn)
        if url.startswith("sqlite:///"):
            folder = Path(url.removeprefix("sqlite:///")).parent
            if not folder.is_dir():
                raise UsageError(f"folder of the operational database does not exist: {folder}")
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except (SQLAlchemyError, ImportError) as exc:
            raise UsageError(f"cannot use operational database {dsn!r}: {exc}") from exc
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        store = cls(engine)
        if migrate:
            store.migrate()
        return store

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration shipped in the package (idempotent)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(Path(__file__).with_name("migrations")))
        try:
            with self.engine.begin() as con:
                cfg.attributes["connection"] = con
                command.upgrade(cfg, "head")
        except SQLAlchemyError as exc:
            raise UsageError(f"cannot open the operational database: {exc.__class__.__name__}: "
                             f"{str(exc).splitlines()[0]}") from exc

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as con:
            yield con

    # -- users ---------------------------------------------------------------------------------------
    @staticmethod
    def _user(row: Any) -> User:
        return User(row.id, row.username, tuple(row.roles.split(",")), row.branch_id, bool(row.disabled),
                    row.created_at, row.updated_at)

    def add_user(self, username: str, roles: Sequence[str], branch_id: str, password: str) -> User:
        if not username or len(username) > 64 or not all(c.isalnum() or c in "._-" for c in username):
            raise UsageError(f"user name {username!r}: use 1–64 letters, digits, '.', '_' or '-'")
        roles = parse_roles(roles)
        now = utcnow()
        try:
            with self.begin() as con:
                con.execute(insert(s.users).values(
                    username=username, roles=",".join(roles), branch_id=branch_id,
                    password_hash=hash_password(password), disabled=False, created_at=now, updated_at=now))
        except IntegrityError:
            raise UsageError(f"user {username!r} already exists") from None
        return self.user(username)

    def user(self, username: str) -> User:
        found = self.find_user(username)
        if found is None:
            raise UsageError(f"no user {username!r}")
        return found

    def find_user(self, username: str) -> User | None:
        with self.engine.connect() as con:
            row = con.execute(select(s.users).where(s.users.c.username == username)).first()
        return None if row is None else self._user(row)

    def user_by_id(self, user_id: int) -> User | None:
        with self.engine.connect() as con:
            row = con.execute(select(s.users).where(s.users.c.id == user_id)).first()
        return None if row is None else self._user(row)

    def password_hash(self, username: str) -> str | None:
        with self.engine.connect() as con:
            return con.execute(select(s.users.c.password_hash).where(s.users.c.username == username)).scalar()

    def users(self) -> list[User]:
        with self.engine.connect() as con:
            return [self._user(r) for r in con.execute(select(s.users).order_by(s.users.c.username))]

    def _change(self, username: str, **values: Any) -> User:
        """Update a user and end every session of theirs (a role, password or status change logs them out)."""
        user = self.user(username)
        with self.begin() as con:
            con.execute(update(s.users).where(s.users.c.id == user.id).values(updated_at=utcnow(), **values))
            con.execute(s.sessions.delete().where(s.sessions.c.user_id == user.id))
        return self.user(username)

    def set_roles(self, username: str, roles: Sequence[str]) -> User:
        return self._change(username, roles=",".join(parse_roles(roles)))

    def set_password(self, username: str, password: str) -> User:
        return self._change(username, password_hash=hash_password(password))

    def set_disabled(self, username: str, disabled: bool = True) -> User:
        return self._change(username, disabled=disabled)

    # -- audit log (append-only) ---------------------------------------------------------------------
    def audit(self, action: str, *, actor: str | None, outcome: str = "ok", object_type: str | None = None,
              object_id: str | None = None, address: str | None = None, **detail: Any) -> None:
        with self.begin() as con:
            con.execute(insert(s.audit_log).values(
                at=utcnow(), actor=actor, action=action, object_type=object_type,
                object_id=None if object_id is None else str(object_id)[:200], address=address, outcome=outcome,
                detail=json.dumps(detail, ensure_ascii=False, default=str, sort_keys=True) if detail else None))

    def audit_entries(self, *, limit: int = 200, actor: str | None = None, action: str | None = None,
                      before_id: int | None = None) -> list[AuditEntry]:
        q = select(s.audit_log).order_by(s.audit_log.c.id.desc()).limit(limit)
        if actor:
            q = q.where(s.audit_log.c.actor == actor)
        if action:
            q = q.where(s.audit_log.c.action == action)
        if before_id is not None:
            q = q.where(s.audit_log.c.id < before_id)
        with self.engine.connect() as con:
            return [AuditEntry(r.id, r.at, r.actor, r.action, r.object_type, r.object_id, r.address, r.outcome,
                               json.loads(r.detail) if r.detail else {}) for r in con.execute(q)]

    def audit_count(self) -> int:
        with self.engine.connect() as con:
            return int(con.execute(select(func.count()).select_from(s.audit_log)).scalar_one())
