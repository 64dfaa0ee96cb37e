"""Set-based counter anti-fraud figures per branch node for one month (the ``fraud.*`` indicators).

Requests are attributed to their accepting branch (``screening_requests.branch_id``), alerts and cases to the
case's branch; every figure is rolled up through the branch closure. The month is the calendar month of
``as_of`` up to ``as_of``. Alerts are the requests recorded in the case store when screened (every alert at
medium or above opens or joins a case); outcomes are each case's current closing outcome; minutes to police
run from the case opening to its first ``police_contacted`` event.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pyarrow as pa

from wupian.engine.metrics import closure_sql, table_exists
from wupian.engine.warehouse import Warehouse


def fraud_by_node(wh: Warehouse, as_of: date, *, subtree: str | None = None) -> pa.Table | None:
    """Per node: screened, alerts_medium, alerts_high, cases_opened, police_contacted, prevented_count,
    prevented_amount, not_fraud_count, lost_count, lost_amount, median_minutes_to_police; None without data.

    The minutes to police are the median of whole seconds between the case's opening and the police contact
    (seconds boundaries crossed, as DuckDB's ``date_diff`` counts them; the Spark dialect keeps that meaning),
    divided by 60 once, as a DOUBLE on both engines (a median of ``x / 60.0`` is a DOUBLE on DuckDB but a
    6-place DECIMAL on Spark)."""
    if not table_exists(wh, "screening_requests") or not wh.scalar(
        "SELECT count(*) FROM screening_requests WHERE CAST(requested_at AS DATE) BETWEEN ? AND ?",
        [as_of.replace(day=1), as_of],
    ):
        return None
    has_cases = table_exists(wh, "screening_case_events")
    closure, cparams = closure_sql(wh, as_of)
    sub = "WHERE c.ancestor_id IN (SELECT descendant_id FROM closure WHERE ancestor_id = ?)" if subtree else ""
    month: list[Any] = [as_of.replace(day=1), as_of]
    if has_cases:
        cases = """
        cr AS (SELECT k.branch_id, r.band FROM screening_case_requests AS r JOIN screening_cases AS k USING (case_id)
               JOIN screening_requests AS q ON q.request_id = r.request_id
               WHERE CAST(q.requested_at AS DATE) BETWEEN ? AND ?),
        last AS (SELECT case_id, arg_max(to_state, seq) AS state, arg_max(outcome, seq) AS outcome,
                        arg_max(amount, seq) AS amount FROM screening_case_events GROUP BY case_id),
        police AS (SELECT case_id, min(event_at) AS at FROM screening_case_events
                   WHERE to_state = 'police_contacted' GROUP BY case_id),
        ks AS (SELECT k.case_id, k.branch_id, k.opened_at, last.state, last.outcome, last.amount, police.at AS police_at
               FROM screening_cases AS k JOIN last USING (case_id) LEFT JOIN police USING (case_id)
               WHERE k.case_day BETWEEN ? AND ?)"""
        params = month + month
    else:
        cases = """
        cr AS (SELECT NULL::VARCHAR AS branch_id, NULL::VARCHAR AS band WHERE false),
        ks AS (SELECT NULL::VARCHAR AS case_id, NULL::VARCHAR AS branch_id, NULL::TIMESTAMP AS opened_at,
                      NULL::VARCHAR AS state, NULL::VARCHAR AS outcome, NULL::DECIMAL(38,2) AS amount,
                      NULL::TIMESTAMP AS police_at WHERE false)"""
        params = []
    sql = f"""
        WITH closure AS (SELECT * FROM {closure}),
        rq AS (SELECT branch_id FROM screening_requests WHERE CAST(requested_at AS DATE) BETWEEN ? AND ?),
        {cases},
        a AS (SELECT c.ancestor_id AS node, count(*) AS screened FROM rq JOIN closure AS c ON c.descendant_id = rq.branch_id
              GROUP BY c.ancestor_id),
        b AS (SELECT c.ancestor_id AS node, count(*) FILTER (band = 'medium') AS alerts_medium,
                     count(*) FILTER (band IN ('high', 'block')) AS alerts_high
              FROM cr JOIN closure AS c ON c.descendant_id = cr.branch_id GROUP BY c.ancestor_id),
        d AS (SELECT c.ancestor_id AS node, count(*) AS cases_opened,
                     count(*) FILTER (police_at IS NOT NULL) AS police_contacted,
                     count(*) FILTER (state = 'closed' AND outcome = 'prevented') AS prevented_count,
                     coalesce(sum(amount) FILTER (state = 'closed' AND outcome = 'prevented'), 0) AS prevented_amount,
                     count(*) FILTER (state = 'closed' AND outcome = 'not_fraud') AS not_fraud_count,
                     count(*) FILTER (state = 'closed' AND outcome = 'lost') AS lost_count,
                     coalesce(sum(amount) FILTER (state = 'closed' AND outcome = 'lost'), 0) AS lost_amount,
                     median(date_diff('second', opened_at, police_at)) / 60 AS median_minutes_to_police
              FROM ks JOIN closure AS c ON c.descendant_id = ks.branch_id GROUP BY c.ancestor_id)
        SELECT a.node AS branch_id, a.screened, coalesce(b.alerts_medium, 0) AS alerts_medium,
               coalesce(b.alerts_high, 0) AS alerts_high, coalesce(d.cases_opened, 0) AS cases_opened,
               coalesce(d.police_contacted, 0) AS police_contacted, coalesce(d.prevented_count, 0) AS prevented_count,
               coalesce(d.prevented_amount, 0) AS prevented_amount, coalesce(d.not_fraud_count, 0) AS not_fraud_count,
               coalesce(d.lost_count, 0) AS lost_count, coalesce(d.lost_amount, 0) AS lost_amount,
               d.median_minutes_to_police
        FROM a AS a LEFT JOIN b ON b.node = a.node LEFT JOIN d ON d.node = a.node
        {sub.replace('c.ancestor_id', 'a.node')}
        ORDER BY 1
    """
    return wh.arrow(sql, [*cparams, *month, *params, *([subtree] if subtree else [])])
