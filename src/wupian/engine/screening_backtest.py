"""Backtest aggregates of scored requests against ``fraud_labels``, set-based.

Input: the scored Arrow table of ``engine.screening`` registered as ``_bt_scored`` (request_id, account_id,
branch_id, score, band, reason_codes, p_<rule> …). A request is positive when it carries a ``victim``/``mule``
request label, or its account a ``mule`` account label; ``not_fraud`` and unlabelled requests are negative.
"""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from wupian.engine.warehouse import Warehouse

LABELLED = """
CREATE OR REPLACE TEMP TABLE _bt AS
SELECT s.request_id, s.branch_id, s.score, s.band, s.reason_codes,
  coalesce(rl.label IN ('victim', 'mule'), false) OR coalesce(al.label = 'mule', false) AS positive,
  coalesce(CASE WHEN rl.label IN ('victim', 'mule') THEN rl.typology END,
           CASE WHEN al.label = 'mule' THEN coalesce(al.typology, 'mule') END) AS label_typology,
  s.band IN ('medium', 'high', 'block') AS alert, s.band IN ('high', 'block') AS high_alert
FROM _bt_scored AS s
LEFT JOIN fraud_labels AS rl ON rl.key_type = 'request' AND rl.key = s.request_id
LEFT JOIN fraud_labels AS al ON al.key_type = 'account' AND al.key = s.account_id
"""


def _rows(con: duckdb.DuckDBPyConnection, q: str) -> list[dict[str, Any]]:
    cur = con.execute(q)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def backtest_tables(wh: Warehouse, scored: pa.Table) -> dict[str, list[dict[str, Any]]]:
    """{overall, rules, typologies, branches, curve} rows."""
    con = wh.con
    con.register("_bt_scored", scored)
    try:
        con.execute(LABELLED)
    finally:
        con.unregister("_bt_scored")
    out = {
        "overall": _rows(con, """
            SELECT count(*) AS screened, count(*) FILTER (positive) AS positives,
              count(*) FILTER (alert) AS alerts, count(*) FILTER (high_alert) AS high_alerts,
              count(*) FILTER (alert AND positive) AS alert_tp, count(*) FILTER (high_alert AND positive) AS high_tp
            FROM _bt"""),
        "rules": _rows(con, """
            WITH hits AS (SELECT unnest(reason_codes) AS rule_id, positive FROM _bt),
                 base AS (SELECT count(*) FILTER (positive) / nullif(count(*), 0) AS rate,
                                 count(*) FILTER (positive) AS positives FROM _bt)
            SELECT rule_id, count(*) AS hits, count(*) FILTER (positive) AS tp,
              count(*) FILTER (positive) / count(*) AS precision,
              count(*) FILTER (positive) / nullif(any_value(base.positives), 0) AS recall,
              (count(*) FILTER (positive) / count(*)) / nullif(any_value(base.rate), 0) AS lift
            FROM hits, base GROUP BY rule_id ORDER BY rule_id"""),
        "typologies": _rows(con, """
            SELECT label_typology AS typology, count(*) AS positives, count(*) FILTER (alert) AS alerted,
              count(*) FILTER (high_alert) AS high, count(*) FILTER (alert) / count(*) AS recall
            FROM _bt WHERE positive GROUP BY label_typology ORDER BY typology"""),
        "branches": _rows(con, """
            SELECT branch_id, count(*) AS screened, count(*) FILTER (alert) AS alerts,
              count(*) FILTER (positive) AS positives, count(*) FILTER (alert AND positive) AS alert_tp,
              count(*) FILTER (alert) / count(*) AS alert_rate,
              count(*) FILTER (alert AND positive) / nullif(count(*) FILTER (positive), 0) AS recall
            FROM _bt GROUP BY branch_id ORDER BY branch_id"""),
        "curve": _rows(con, """
            WITH t AS (SELECT DISTINCT score AS threshold FROM _bt WHERE score > 0),
                 n AS (SELECT count(*) AS screened, count(*) FILTER (positive) AS positives FROM _bt)
            SELECT t.threshold, count(*) FILTER (b.score >= t.threshold) AS alerts,
              count(*) FILTER (b.score >= t.threshold) / any_value(n.screened) AS alert_rate,
              count(*) FILTER (b.score >= t.threshold AND b.positive) / nullif(any_value(n.positives), 0) AS recall,
              count(*) FILTER (b.score >= t.threshold AND b.positive)
                / nullif(count(*) FILTER (b.score >= t.threshold), 0) AS precision
            FROM t, _bt AS b, n GROUP BY t.threshold ORDER BY t.threshold DESC"""),
    }
    con.execute("DROP TABLE IF EXISTS _bt")
    return out
