"""Storage of screening cases in the DuckDB warehouse: three append-only tables and their queries.

``screening_cases`` (one row per case: customer and day), ``screening_case_requests`` (the alerts that opened or
joined it, with the decision as JSON) and ``screening_case_events`` (every transition; rows are only ever
inserted). The state of a case is its last event's. The monitor layer's ``WarehouseCaseStore`` is the only caller;
an operational store can implement the same repository interface instead.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from wupian.engine.warehouse import Warehouse

DDL = (
    """CREATE TABLE IF NOT EXISTS screening_cases (
        case_id VARCHAR PRIMARY KEY, customer_id VARCHAR NOT NULL, case_day DATE NOT NULL, branch_id VARCHAR,
        band VARCHAR NOT NULL, opened_at TIMESTAMP NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS screening_case_requests (
        case_id VARCHAR NOT NULL, request_id VARCHAR NOT NULL, band VARCHAR, score INTEGER,
        amount DECIMAL(38,2), decision_json VARCHAR, added_at TIMESTAMP, PRIMARY KEY (case_id, request_id))""",
    """CREATE TABLE IF NOT EXISTS screening_case_events (
        case_id VARCHAR NOT NULL, seq INTEGER NOT NULL, event_at TIMESTAMP NOT NULL, actor VARCHAR NOT NULL,
        from_state VARCHAR, to_state VARCHAR NOT NULL, note VARCHAR, outcome VARCHAR, amount DECIMAL(38,2),
        second_actor VARCHAR, reopen_on DATE, exempt_days INTEGER, PRIMARY KEY (case_id, seq))""",
)


def ensure_case_tables(wh: Warehouse) -> None:
    con = wh.con
    for ddl in DDL:
        con.execute(ddl)


def case_tables_exist(wh: Warehouse) -> bool:
    con = wh.con
    # duckdb_tables(): cheaper than information_schema, and the Spark warehouse answers it from its catalog
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'screening_case_events'").fetchone()
    return bool(row and row[0])


def insert_case(wh: Warehouse, case_id: str, customer_id: str, day: date, branch_id: str,
                band: str, at: datetime) -> None:
    con = wh.con
    con.execute("INSERT INTO screening_cases VALUES (?, ?, ?, ?, ?, ?)", [case_id, customer_id, day, branch_id,
                                                                         band, at])


def raise_band(wh: Warehouse, case_id: str, band: str) -> None:
    """A case's band is the highest of its alerts (high > medium; block above all)."""
    con = wh.con
    con.execute(
        "UPDATE screening_cases SET band = ? WHERE case_id = ? AND "
        "list_position(['low', 'medium', 'high', 'block'], band) < list_position(['low', 'medium', 'high', 'block'], ?)",
        [band, case_id, band],
    )


def insert_request(wh: Warehouse, case_id: str, request_id: str, band: str, score: int,
                   amount: Decimal, decision_json: str, at: datetime) -> bool:
    """Attach an alert to a case; False when it was attached before (screening again is idempotent)."""
    con = wh.con
    row = con.execute("SELECT count(*) FROM screening_case_requests WHERE case_id = ? AND request_id = ?",
                      [case_id, request_id]).fetchone()
    if row and row[0]:
        return False
    con.execute("INSERT INTO screening_case_requests VALUES (?, ?, ?, ?, ?, ?, ?)",
                [case_id, request_id, band, score, amount, decision_json, at])
    return True


EVENT_COLUMNS = ("case_id", "seq", "event_at", "actor", "from_state", "to_state", "note", "outcome", "amount",
                 "second_actor", "reopen_on", "exempt_days")


def insert_event(wh: Warehouse, values: tuple[Any, ...]) -> None:
    con = wh.con
    con.execute(f"INSERT INTO screening_case_events ({', '.join(EVENT_COLUMNS)}) VALUES "
                f"({', '.join('?' for _ in EVENT_COLUMNS)})", list(values))


def case_rows(wh: Warehouse, *, case_id: str | None = None, customer_id: str | None = None,
              day: date | None = None, state: str | None = None, date_from: date | None = None,
              date_to: date | None = None) -> list[dict[str, Any]]:
    """Cases with their current state, outcome, request ids and amount (filters are bound parameters)."""
    con = wh.con
    cur = con.execute(
        """WITH last AS (SELECT case_id, arg_max(to_state, seq) AS state,
                                arg_max(outcome, seq) AS outcome FROM screening_case_events GROUP BY case_id),
              req AS (SELECT case_id, list(request_id ORDER BY added_at, request_id) AS request_ids,
                             sum(amount) AS amount FROM screening_case_requests GROUP BY case_id)
        SELECT c.*, last.state, CASE WHEN last.state = 'closed' THEN last.outcome END AS outcome,
               coalesce(req.request_ids, []) AS request_ids, coalesce(req.amount, 0) AS amount
        FROM screening_cases AS c JOIN last USING (case_id) LEFT JOIN req USING (case_id)
        WHERE (CAST(? AS VARCHAR) IS NULL OR c.case_id = ?) AND (CAST(? AS VARCHAR) IS NULL OR c.customer_id = ?)
          AND (CAST(? AS DATE) IS NULL OR c.case_day = ?) AND (CAST(? AS VARCHAR) IS NULL OR last.state = ?)
          AND (CAST(? AS DATE) IS NULL OR c.case_day >= ?) AND (CAST(? AS DATE) IS NULL OR c.case_day <= ?)
        ORDER BY c.case_day, c.case_id""",
        [case_id, case_id, customer_id, customer_id, day, day, state, state, date_from, date_from, date_to, date_to],
    )
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def event_rows(wh: Warehouse, case_ids: list[str]) -> list[dict[str, Any]]:
    con = wh.con
    cols = ", ".join("event_at AS at" if c == "event_at" else c for c in EVENT_COLUMNS)
    cur = con.execute(f"SELECT {cols} FROM screening_case_events "
                      "WHERE list_contains(?, case_id) ORDER BY case_id, seq", [case_ids])
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def decision_json(wh: Warehouse, case_id: str) -> list[str]:
    con = wh.con
    rows = con.execute("SELECT decision_json FROM screening_case_requests WHERE case_id = ? ORDER BY added_at",
                       [case_id]).fetchall()
    return [r[0] for r in rows]


def exemption_rows(wh: Warehouse) -> list[tuple[str, datetime, date]]:
    """(customer_id, closed at, exempt until) of every case closed as not_fraud with an exemption."""
    con = wh.con
    if not case_tables_exist(wh):
        return []
    rows = con.execute(
        """SELECT c.customer_id, e.event_at, CAST(e.event_at AS DATE) + CAST(e.exempt_days AS INTEGER)
        FROM screening_case_events AS e JOIN screening_cases AS c USING (case_id)
        WHERE e.to_state = 'closed' AND e.outcome = 'not_fraud' AND coalesce(e.exempt_days, 0) > 0
        ORDER BY 1, 2"""
    ).fetchall()
    return [(r[0], r[1], r[2]) for r in rows]
