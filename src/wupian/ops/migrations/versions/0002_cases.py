"""Screening cases in the operational store: cases, the alerts that opened or joined them, their append-only
history, and closings of high cases waiting for the second person.

``case_events`` and ``case_requests`` refuse UPDATE and DELETE (and TRUNCATE on PostgreSQL) with triggers, like
the audit log: a recorded transition is never edited.

Revision ID: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_PG_FUNCTION = """
CREATE FUNCTION wupian_case_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END $$
"""
APPEND_ONLY = ("case_events", "case_requests")


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(120), primary_key=True),
        sa.Column("customer_id", sa.String(64), nullable=False, index=True),
        sa.Column("case_day", sa.Date, nullable=False, index=True),
        sa.Column("branch_id", sa.String(64), nullable=False, index=True),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("opened_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "case_requests",
        sa.Column("case_id", sa.String(120), primary_key=True),
        sa.Column("request_id", sa.String(120), primary_key=True),
        sa.Column("band", sa.String(16), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("amount", sa.Numeric(38, 2), nullable=False),
        sa.Column("decision_json", sa.Text, nullable=False),
        sa.Column("added_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "case_events",
        sa.Column("case_id", sa.String(120), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False, index=True),
        sa.Column("from_state", sa.String(32)),
        sa.Column("to_state", sa.String(32), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(32)),
        sa.Column("amount", sa.Numeric(38, 2)),
        sa.Column("second_actor", sa.String(64)),
        sa.Column("reopen_on", sa.Date),
        sa.Column("exempt_days", sa.Integer),
    )
    op.create_table(
        "case_pending_close",
        sa.Column("case_id", sa.String(120), primary_key=True),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=False),
        sa.Column("amount", sa.Numeric(38, 2)),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("exempt_days", sa.Integer),
        sa.Column("at", sa.DateTime, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        for table in APPEND_ONLY:
            op.execute(f"CREATE TRIGGER {table}_no_update_delete BEFORE UPDATE OR DELETE ON {table} "
                       "FOR EACH ROW EXECUTE FUNCTION wupian_case_history_append_only()")
            op.execute(f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                       "FOR EACH STATEMENT EXECUTE FUNCTION wupian_case_history_append_only()")
    else:
        for table in APPEND_ONLY:
            for verb in ("UPDATE", "DELETE"):
                op.execute(f"CREATE TRIGGER {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
                           f"BEGIN SELECT RAISE(ABORT, '{table} is append-only: {verb} refused'); END")


def downgrade() -> None:
    raise NotImplementedError("case history is append-only; the operational store is never downgraded")
