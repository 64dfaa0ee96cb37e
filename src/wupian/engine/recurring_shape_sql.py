"""SQL text of recurring-debit detection, steps 9–11 (run by ``wupian.engine.recurring`` after the steps of
``recurring_sql``): per-stream facts, the stream's shape and next date, then the mandate link, merchant record,
holiday adjustment and confidence handed back to the monitor.

Portable SQL like ``recurring_sql`` (docs/spark.md): the median amount is the lower middle member by amount (a
row number, exact money, no floating-point percentile), the most frequent mandate id ties to the smallest id,
the anchor day is the median day of month rounded half to even in integers, shares are integer counts divided
as doubles, the confidence is rounded to cents of a unit by ``floor(x·100 + 0.5) / 100`` (Spark's ``round`` on
a double rounds its decimal text, DuckDB's its binary value), and ``QUALIFY`` / ``SELECT * EXCLUDE`` are spelled
as a subquery and column lists.
"""

from __future__ import annotations

from wupian.engine.recurring_sql import KEY_SRC, RAW_NAME, norm

# Per-stream facts: numbers from the member debits; mandate ids of the members and the text fields of the
# latest debit fetched by transaction id (so the wide transaction rows are read only for stream members).
# Members are ordered by date, then transaction id (``pos``); the latest member is the last in that order.
STREAMS = f"""
CREATE OR REPLACE TEMP TABLE _wp_rec_streams AS
WITH sm AS (
  SELECT b.gid, b.band, c.rid, c.d, c.amt,
         ROW_NUMBER() OVER (PARTITION BY b.gid, b.band ORDER BY c.d, c.rid) AS pos,
         LAG(c.amt) OVER (PARTITION BY b.gid, b.band ORDER BY c.d, c.rid) AS prev_amt,
         ROW_NUMBER() OVER (PARTITION BY b.gid, b.band ORDER BY c.amt) AS arn,
         COUNT(*) OVER (PARTITION BY b.gid, b.band) AS cnt
  FROM _wp_rec_best b
  JOIN _wp_rec_cand c ON c.gid = b.gid AND c.band = b.band
), sagg AS (
  SELECT sm.gid, sm.band,
         COUNT(*) AS occurrences, MIN(sm.d) AS first_date, MAX(sm.d) AS last_date,
         arg_max(sm.amt, sm.pos) AS last_amount, arg_max(sm.rid, sm.pos) AS last_rid,
         MAX(sm.amt) FILTER (WHERE 2 * sm.arn <= sm.cnt + 1) AS median_amount,
         MIN(sm.amt) AS min_amount, MAX(sm.amt) AS max_amount,
         COUNT(*) FILTER (WHERE sm.amt <> sm.prev_amt) AS n_changes,
         COUNT(*) FILTER (WHERE abs(sm.amt - sm.prev_amt) > sm.prev_amt * $near_fixed_step) AS n_big_changes,
         MAX(sm.d) FILTER (WHERE sm.amt <> sm.prev_amt) AS change_date,
         arg_max(sm.prev_amt, sm.pos) FILTER (WHERE sm.amt <> sm.prev_amt) AS previous_amount,
         CAST(2 * MEDIAN(day(sm.d)) AS BIGINT) AS day2,
         CAST(SUM(CASE WHEN sm.d = last_day(sm.d) THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*) AS month_end_share,
         CAST(SUM(CASE WHEN cal.workday THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*) AS workday_share
  FROM sm LEFT JOIN _wp_rec_calendar cal ON cal.d = sm.d
  GROUP BY sm.gid, sm.band
), smid AS (
  SELECT sm.gid, sm.band, NULLIF(TRIM(t.mandate_id), '') AS mandate_id, COUNT(*) AS uses
  FROM sm JOIN {{source}} t ON t.{{rid}} = sm.rid
  WHERE NULLIF(TRIM(t.mandate_id), '') IS NOT NULL
  GROUP BY sm.gid, sm.band, NULLIF(TRIM(t.mandate_id), '')
), smand AS (
  SELECT gid, band, mandate_id AS txn_mandate_id
  FROM (SELECT smid.*, ROW_NUMBER() OVER (PARTITION BY gid, band ORDER BY uses DESC, mandate_id) AS pick
        FROM smid) r
  WHERE pick = 1
), slatest AS (
  SELECT a.gid, a.band, t.account_id,
         COALESCE({KEY_SRC.format(t='t.')}, 'n:' || n.norm_name) AS payee_key,
         NULLIF(TRIM(t.merchant_id), '') AS merchant_id,
         NULLIF(TRIM(t.counterparty_name), '') AS counterparty_name,
         NULLIF(TRIM(t.counterparty_account), '') AS counterparty_account,
         NULLIF(TRIM(t.counterparty_bank), '') AS counterparty_bank,
         NULLIF(TRIM(t.summary), '') AS summary,
         NULLIF(TRIM(t.channel), '') AS channel
  FROM sagg a
  JOIN {{source}} t ON t.{{rid}} = a.last_rid
  LEFT JOIN _wp_rec_names n ON n.raw_name = {RAW_NAME.format(t='t.')}
)
-- the median day of month (a whole or half day) rounded half to even, as a cast of the median did before
SELECT sagg.gid, sagg.band, sagg.occurrences, sagg.first_date, sagg.last_date, sagg.last_amount, sagg.median_amount,
       sagg.min_amount, sagg.max_amount, sagg.n_changes, sagg.n_big_changes, sagg.change_date, sagg.previous_amount,
       CAST((sagg.day2 + CASE sagg.day2 % 4 WHEN 3 THEN 1 WHEN 1 THEN -1 ELSE 0 END) / 2 AS INTEGER) AS anchor_day,
       sagg.month_end_share, sagg.workday_share,
       slatest.account_id, slatest.payee_key, slatest.merchant_id, slatest.counterparty_name,
       slatest.counterparty_account, slatest.counterparty_bank, slatest.summary, slatest.channel,
       smand.txn_mandate_id
FROM sagg JOIN slatest ON slatest.gid = sagg.gid AND slatest.band = sagg.band
LEFT JOIN smand ON smand.gid = sagg.gid AND smand.band = sagg.band
"""
# A transaction-id join still scans the table (bank-wide); for one account the rows come from ``_wp_rec_acct``.
STREAMS_ALL = STREAMS.format(source="transactions", rid="txn_id")
STREAMS_ONE = STREAMS.format(source="_wp_rec_acct", rid="rid")


def month_start(x: str) -> str:
    """SQL expression: the first day of the month of the date ``x``."""
    return f"make_date(year({x}), month({x}), 1)"


def anchor(mstart: str, dom: str, me: str) -> str:
    """SQL expression: the anchor day ``dom`` in the month starting ``mstart`` (its last day when ``me``)."""
    return (f"CASE WHEN {me} THEN last_day({mstart}) "
            f"ELSE make_date(year({mstart}), month({mstart}), LEAST({dom}, day(last_day({mstart})))) END")


def pick3(approx: str, c0: str, c1: str, c2: str) -> str:
    """SQL expression: the closest of three anchored dates (previous, same, next month) to ``approx``."""
    d = {c: f"abs(date_diff('day', {approx}, {c}))" for c in (c0, c1, c2)}
    return (f"CASE WHEN {d[c1]} <= {d[c0]} AND {d[c1]} <= {d[c2]} THEN {c1} "
            f"WHEN {d[c0]} <= {d[c2]} THEN {c0} ELSE {c2} END")


SHAPE_COLUMNS = (
    "gid, band, occurrences, first_date, last_date, last_amount, median_amount, min_amount, max_amount, "
    "n_changes, n_big_changes, change_date, previous_amount, anchor_day, month_end_share, workday_share, "
    "account_id, payee_key, merchant_id, counterparty_name, counterparty_account, counterparty_bank, summary, "
    "channel, txn_mandate_id, cadence, period, tol, p_hat, a, big_k, share_in, mar, skips, confirm_n, "
    "month_step, ord, month_end, amount_pattern")

# Stream facts + cadence fit → pattern, typical amount, next expected date, status.
SHAPED = """
CREATE OR REPLACE TEMP TABLE _wp_rec_shaped AS
WITH hj AS (
  SELECT s.*, b.cadence, b.period, b.tol, b.p_hat, b.a, b.big_k, b.share_in, b.mar, b.skips,
         c.confirm_n, c.month_step, c.ord,
         s.month_end_share >= 0.6 AS month_end,
         CASE WHEN s.n_changes <= 1 THEN 'fixed'
              WHEN s.n_big_changes <= 1 THEN 'near_fixed'
              ELSE 'variable' END AS amount_pattern
  FROM _wp_rec_streams s
  JOIN _wp_rec_best b ON b.gid = s.gid AND b.band = s.band
  JOIN _wp_rec_cadences c ON c.cadence = b.cadence
), hn1 AS (
  SELECT hj.*,
         CAST(first_date + CAST(round(a + p_hat * (big_k + 1)) AS INTEGER) AS DATE) AS approx1,
         CAST(first_date + CAST(round(a + p_hat * (big_k + 2)) AS INTEGER) AS DATE) AS approx2
  FROM hj
), hm AS (
  SELECT hn1.*, {m1} AS m1, {m2} AS m2
  FROM hn1
), ha AS (
  SELECT hm.*,
         {a10} AS a10,
         {a11} AS a11,
         {a12} AS a12,
         {a20} AS a20,
         {a21} AS a21,
         {a22} AS a22
  FROM hm
), hn2 AS (
  SELECT ha.*,
         CASE WHEN month_step > 0 THEN {pick1} ELSE approx1 END AS nom1,
         CASE WHEN month_step > 0 THEN {pick2} ELSE approx2 END AS nom2
  FROM ha
)
SELECT {cols},
       CASE WHEN nom1 > last_date THEN nom1 ELSE nom2 END AS next_nominal_date,
       CASE WHEN amount_pattern = 'fixed' THEN last_amount ELSE median_amount END AS typical_amount,
       CASE WHEN amount_pattern = 'fixed' AND n_changes = 1 THEN change_date END AS price_change_date,
       CASE WHEN date_diff('day', last_date, CAST($as_of AS DATE)) > 1.5 * period + tol THEN 'ended'
            WHEN occurrences < confirm_n THEN 'early'
            ELSE 'active' END AS status,
       occurrences >= 5 AND workday_share >= 1.0 AS workday_bound
FROM hn2
""".format(
    cols=SHAPE_COLUMNS,
    m1=month_start("approx1"),
    m2=month_start("approx2"),
    a10=anchor("CAST(m1 - INTERVAL 1 MONTH AS DATE)", "anchor_day", "month_end"),
    a11=anchor("m1", "anchor_day", "month_end"),
    a12=anchor("CAST(m1 + INTERVAL 1 MONTH AS DATE)", "anchor_day", "month_end"),
    a20=anchor("CAST(m2 - INTERVAL 1 MONTH AS DATE)", "anchor_day", "month_end"),
    a21=anchor("m2", "anchor_day", "month_end"),
    a22=anchor("CAST(m2 + INTERVAL 1 MONTH AS DATE)", "anchor_day", "month_end"),
    pick1=pick3("approx1", "a10", "a11", "a12"),
    pick2=pick3("approx2", "a20", "a21", "a22"),
)

# Mandate link, merchant record, holiday adjustment and confidence: the rows handed back to the monitor.
# The confidence is rounded to two places as floor(x·100 + 0.5) / 100: the same double on both engines, and
# the same as DuckDB's round(x, 2) for every x ≥ 0.005 (its smallest possible value is 0.12).
FINAL = """
WITH s AS (
  SELECT sh.*, CASE WHEN payee_key LIKE 'n:%' THEN substr(payee_key, 3)
                    ELSE {norm_payee} END AS norm_payee
  FROM _wp_rec_shaped sh
), mn AS (
  SELECT mm.*, {norm_mandate} AS np
  FROM mandates mm WHERE account_id IN (SELECT account_id FROM s)
), mcand AS (
  SELECT s.gid, s.band, m.mandate_id, m.payee_name, m.merchant_id AS mandate_merchant_id,
         m.purpose, m.signed_at, m.revoked_at, m.channel AS mandate_channel, m.amount_limit,
         ROW_NUMBER() OVER (
           PARTITION BY s.gid, s.band
           ORDER BY COALESCE(m.mandate_id = s.txn_mandate_id, FALSE) DESC,
                    (m.revoked_at IS NULL OR m.revoked_at >= s.last_date) DESC,
                    (m.amount_limit IS NULL OR m.amount_limit >= s.typical_amount) DESC,
                    (m.signed_at <= s.first_date) DESC, m.signed_at DESC, m.mandate_id) AS pick
  FROM s JOIN mn m ON m.account_id = s.account_id
   AND (m.mandate_id = s.txn_mandate_id
        OR (s.merchant_id IS NOT NULL AND m.merchant_id = s.merchant_id)
        OR (s.norm_payee <> '?' AND length(s.norm_payee) >= 2 AND (
              m.np = s.norm_payee
              OR (length(s.norm_payee) >= 3 AND contains(m.np, s.norm_payee))
              OR (length(m.np) >= 3 AND contains(s.norm_payee, m.np)))))
), mc AS (
  SELECT gid, band, mandate_id, payee_name, mandate_merchant_id, purpose, signed_at, revoked_at,
         mandate_channel, amount_limit
  FROM mcand WHERE pick = 1
), adj AS (
  SELECT s.gid, s.band, w.next_d AS next_workday
  FROM s LEFT JOIN (
    -- the first workday on or after each calendar day (an equi-join instead of DuckDB's ASOF join)
    SELECT d, MIN(CASE WHEN workday THEN d END) OVER (ORDER BY d ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING)
             AS next_d
    FROM _wp_rec_calendar) w ON w.d = s.next_nominal_date
)
SELECT s.account_id,
       s.account_id || '|' || s.payee_key || '|' || CAST(s.band AS VARCHAR) AS stream_key,
       s.payee_key,
       COALESCE(mer.name, mc.payee_name, s.counterparty_name,
                NULLIF(TRIM(regexp_replace(s.summary, $prefix, '', 'g')), ''), s.summary, s.payee_key) AS payee,
       s.counterparty_name, s.counterparty_account, s.counterparty_bank,
       COALESCE(s.merchant_id, mc.mandate_merchant_id) AS merchant_id,
       s.summary, s.channel, s.cadence, s.amount_pattern,
       CAST(s.typical_amount AS DECIMAL(38, 2)) AS typical_amount,
       CAST(s.last_amount AS DECIMAL(38, 2)) AS last_amount,
       CAST(s.min_amount AS DECIMAL(38, 2)) AS min_amount,
       CAST(s.max_amount AS DECIMAL(38, 2)) AS max_amount,
       s.price_change_date, CAST(s.previous_amount AS DECIMAL(38, 2)) AS previous_amount,
       s.first_date, s.last_date, s.occurrences, CAST(s.skips AS INTEGER) AS skipped,
       s.anchor_day, s.month_end,
       CASE WHEN s.workday_bound AND adj.next_workday IS NOT NULL THEN adj.next_workday
            ELSE s.next_nominal_date END AS next_expected_date,
       s.next_nominal_date,
       COALESCE(s.workday_bound AND adj.next_workday IS NOT NULL
                AND adj.next_workday <> s.next_nominal_date, FALSE) AS holiday_adjusted,
       s.status,
       COALESCE(mc.mandate_id, s.txn_mandate_id) AS mandate_id,
       mc.mandate_id IS NOT NULL AS mandate_on_file,
       mc.signed_at AS mandate_signed_at, mc.revoked_at AS mandate_revoked_at,
       mc.purpose AS mandate_purpose, mc.mandate_channel, mc.amount_limit AS mandate_amount_limit,
       mer.name AS merchant_name, mer.payment_institution, mer.category AS merchant_category, mer.cancel_hint,
       s.share_in AS regularity, s.mar AS mean_abs_residual_days, s.ord AS cadence_rank,
       floor(LEAST(1.0, GREATEST(0.0,
         0.45 * s.share_in * (1 - 0.5 * LEAST(1.0, s.mar / s.tol))
         + 0.25 * LEAST(1.0, CAST(s.occurrences AS DOUBLE) / (s.confirm_n + 2))
         + 0.20 * CASE s.amount_pattern WHEN 'fixed' THEN 1.0 WHEN 'near_fixed' THEN 0.85 ELSE 0.6 END
         + 0.10 * CASE WHEN COALESCE(mc.mandate_id, s.txn_mandate_id) IS NOT NULL THEN 1.0 ELSE 0.0 END))
         * 100 + 0.5) / 100 AS confidence
FROM s
LEFT JOIN mc ON mc.gid = s.gid AND mc.band = s.band
LEFT JOIN adj ON adj.gid = s.gid AND adj.band = s.band
LEFT JOIN merchants mer ON mer.merchant_id = COALESCE(s.merchant_id, mc.mandate_merchant_id)
ORDER BY s.account_id, s.ord, s.typical_amount DESC, s.payee_key, s.band
""".format(norm_payee=norm("COALESCE(counterparty_name, summary)"), norm_mandate=norm("payee_name"))
