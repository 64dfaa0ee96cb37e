"""The tables of the operational store (SQLAlchemy Core). The Alembic migrations create them; this module is
what the store's queries are written against. Timestamps are naive UTC on every backend."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)

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

# -- screening cases (migration 0002); the records are wupian.core.cases ------------------------------------------
cases = Table(
    "cases", metadata,
    Column("case_id", String(120), primary_key=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("case_day", Date, nullable=False, index=True),
    Column("branch_id", String(64), nullable=False, index=True),
    Column("band", String(16), nullable=False),  # raised when a higher alert joins; nothing else changes
    Column("opened_at", DateTime, nullable=False),
)

case_requests = Table(  # append-only (triggers)
    "case_requests", metadata,
    Column("case_id", String(120), primary_key=True),
    Column("request_id", String(120), primary_key=True),
    Column("band", String(16), nullable=False),
    Column("score", Integer, nullable=False),
    Column("amount", Numeric(38, 2), nullable=False),
    Column("decision_json", Text, nullable=False),
    Column("added_at", DateTime, nullable=False),
)

case_events = Table(  # append-only (triggers): the immutable history of every case
    "case_events", metadata,
    Column("case_id", String(120), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False, index=True),
    Column("from_state", String(32)),
    Column("to_state", String(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("outcome", String(32)),
    Column("amount", Numeric(38, 2)),
    Column("second_actor", String(64)),
    Column("reopen_on", Date),
    Column("exempt_days", Integer),
)

case_pending_close = Table(  # a closing of a high/block case waiting for the second person (web app)
    "case_pending_close", metadata,
    Column("case_id", String(120), primary_key=True),
    Column("actor", String(64), nullable=False),
    Column("outcome", String(32), nullable=False),
    Column("amount", Numeric(38, 2)),
    Column("note", Text, nullable=False),
    Column("exempt_days", Integer),
    Column("at", DateTime, nullable=False),
)
