"""SQL text of the stale-mandate search (run by ``wupian.engine.recurring.stale_mandates``).

A mandate is stale when it is active on ``$as_of`` and its last matching debit — same mandate id, same
merchant id, or a matching normalised payee name on the same account — is before ``$idle_since`` (or it was
never used and was signed before then). Names are normalised by ``recurring_sql.norm`` (an expression template;
no macros). Portable SQL (docs/spark.md): idle days are ``date_diff('day', …)``, not a date minus a date (an
interval on Spark).
"""

from __future__ import annotations

from wupian.engine.recurring_sql import norm

STALE_TEMPLATE = """
WITH act AS (
  SELECT m.*, {norm_mandate} AS np
  FROM mandates m
  WHERE {mandate_scope} m.signed_at <= $as_of AND (m.revoked_at IS NULL OR m.revoked_at > $as_of)
), deb AS (
  SELECT t.account_id, CAST(t.booked_at AS DATE) AS d, NULLIF(TRIM(t.mandate_id), '') AS mid,
         NULLIF(TRIM(t.merchant_id), '') AS mer,
         COALESCE(NULLIF(TRIM(t.counterparty_name), ''), NULLIF(TRIM(t.summary), ''), '') AS raw
  FROM transactions t
  WHERE {debit_scope} -t.amount > 0 AND t.booked_at < CAST($as_of AS TIMESTAMP) + INTERVAL 1 DAY
    AND t.account_id IN (SELECT account_id FROM act)
), nm AS (
  SELECT raw, {norm_raw} AS n FROM (SELECT DISTINCT raw FROM deb) r
), used AS (
  SELECT a.mandate_id, MAX(deb.d) AS last_used, COUNT(*) AS uses
  FROM act a JOIN deb ON deb.account_id = a.account_id LEFT JOIN nm ON nm.raw = deb.raw
  WHERE deb.mid = a.mandate_id
     OR (a.merchant_id IS NOT NULL AND deb.mer = a.merchant_id)
     OR (deb.mer IS NULL AND a.np <> '?' AND (nm.n = a.np
         OR (length(nm.n) >= 3 AND contains(a.np, nm.n)) OR (length(a.np) >= 3 AND contains(nm.n, a.np))))
  GROUP BY a.mandate_id
)
SELECT a.mandate_id, a.account_id, a.payee_name, a.merchant_id, a.purpose, a.signed_at, a.channel,
       a.amount_limit, u.last_used, COALESCE(u.uses, 0) AS uses,
       CAST(date_diff('day', COALESCE(u.last_used, a.signed_at), CAST($as_of AS DATE)) AS BIGINT) AS idle_days,
       mer.name AS merchant_name, mer.payment_institution, mer.cancel_hint
FROM act a
LEFT JOIN used u USING (mandate_id)
LEFT JOIN merchants mer ON mer.merchant_id = a.merchant_id
WHERE COALESCE(u.last_used, a.signed_at) < $idle_since
ORDER BY idle_days DESC, a.account_id, a.mandate_id
"""
_NORMS = {"norm_mandate": norm("m.payee_name"), "norm_raw": norm("raw")}
STALE_ALL = STALE_TEMPLATE.format(mandate_scope="", debit_scope="", **_NORMS)
STALE_ONE = STALE_TEMPLATE.format(mandate_scope="m.account_id = $account AND",
                                  debit_scope="t.account_id = $account AND", **_NORMS)
