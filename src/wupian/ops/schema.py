"""The tables of the operational store (SQLAlchemy Core). The Alembic migrations create them; this module is
what the store's queries are written against. Timestamps are naive UTC on every backend."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, DateTime, Integer, MetaData, String, Table, Text

metadata = MetaData()

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("roles", String(200), nullable=False),  # comma-separated role ids (roles.yaml)
    Column("branch_id", String(64), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("token_hash", String(64), primary_key=True),  # sha256 of the cookie value; the value is never stored
    Column("user_id", Integer, nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=False),
    Column("address", String(64)),
)

login_throttle = Table(
    "login_throttle", metadata,
    Column("key", String(200), primary_key=True),  # "user:<name>" or "addr:<ip>"
    Column("failures", Integer, nullable=False),
    Column("first_failure_at", DateTime, nullable=False),
    Column("locked_until", DateTime),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64)),
    Column("action", String(64), nullable=False),
    Column("object_type", String(64)),
    Column("object_id", String(200)),
    Column("address", String(64)),
    Column("outcome", String(32), nullable=False),
    Column("detail", Text),
)
