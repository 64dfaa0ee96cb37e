"""SQL text of recurring-debit detection (run by ``wupian.engine.recurring``).

Every statement here is fixed text: values arrive as bound parameters (``$start``, ``$as_of``, ``$account``,
``$prefix`` …) and the only identifiers are our own temporary tables (prefix ``_wp_rec_``) and the contract's
columns. The steps, each a temporary table so DuckDB plans them one at a time:

1. ``raw``      one scan of the window's debits: row id, date, amount, and a 64-bit payee-group id
                (hash of account + merchant id or counterparty account); name-keyed rows keep their raw name;
2. ``names``    each distinct raw name normalised once (channel prefixes, masks, digits, punctuation);
3. ``keyed``    every debit with its group id (name-keyed rows hashed on the normalised name);
4. ``cand``     candidate sets per group: the whole group (band -1) and amount bands (single-linkage on
                sorted amounts, a new band where an amount exceeds the previous one by ``$band_ratio``);
5. ``gaps``     inter-arrival gaps inside each candidate;
6. ``pairs``    the cadences plausible for each candidate (median and quartile gaps near the period);
7. ``fit``      each candidate against each plausible cadence: periods between debits, skips, extras, a robust
                line fit (date ≈ a + p·k) and the residual of every debit;
8. ``best``     the best valid cadence per candidate; the whole group wins over its bands unless two bands
                run side by side;
9. ``streams``  member debits fetched by row id: amounts, dates, anchor day, payee key, counterparty.

Group ids are 64-bit hashes; two different (account, payee) pairs sharing one is possible in principle but
negligible (about 10⁻⁶ for ten million groups).
"""

from __future__ import annotations


# Normalise a raw name: strip channel prefixes ($prefix, our own pattern), masked digits and punctuation. A Python
# template rather than a SQL macro, so the same text runs on every engine (no macros: docs/spark.md).
def norm(x: str) -> str:
    """SQL expression: the normalised payee name of the SQL expression ``x`` ('?' when nothing is left)."""
    return rf"""COALESCE(
    NULLIF(lower(regexp_replace(regexp_replace(regexp_replace(COALESCE({x}, ''), $prefix, ''),
           '[Xx*＊]{{2,}}', '', 'g'), '[\s\p{{P}}\p{{S}}\p{{Z}}0-9０-９]+', '', 'g')), ''),
    NULLIF(lower(regexp_replace(COALESCE({x}, ''), '[\s\p{{P}}\p{{S}}\p{{Z}}]+', '', 'g')), ''),
    '?')"""


# Two fixed variants: the whole bank, or one account (a plain equality lets DuckDB push the account filter
# into the scan instead of decoding every row).
# "-amount > 0" rather than "amount < 0": the plain comparison is pushed into the scan and decodes the
# DECIMAL(38,2) column for every row before the account filter applies (≈1 s per million rows here).
WINDOW_FILTER = """
-amount > 0 AND booked_at IS NOT NULL AND account_id IS NOT NULL
  AND booked_at >= CAST($start AS TIMESTAMP) AND booked_at < CAST($as_of AS TIMESTAMP) + INTERVAL 1 DAY
"""

# SQL expression of a debit's payee key before name normalisation (NULL for name-keyed rows). Blank text is
# no key; the loader trims values.
KEY_SRC = """
CASE WHEN NULLIF({t}merchant_id, '') IS NOT NULL THEN 'm:' || {t}merchant_id
     WHEN NULLIF({t}counterparty_account, '') IS NOT NULL
       THEN 'a:' || replace(replace({t}counterparty_account, ' ', ''), '-', '') END
"""
RAW_NAME = "COALESCE(NULLIF(TRIM({t}counterparty_name), ''), NULLIF(TRIM({t}summary), ''), '')"

RAW_TEMPLATE = """
CREATE OR REPLACE TEMP TABLE _wp_rec_raw AS
WITH s AS (
  SELECT {rid} AS rid, account_id, CAST(booked_at AS DATE) AS d, TRY_CAST(-amount AS DECIMAL(18, 2)) AS amt,
         {key_src} AS key_src,
         counterparty_name, summary
  FROM {source}
  WHERE {window}
)
SELECT rid, d, amt,
       CASE WHEN key_src IS NOT NULL THEN hash(account_id, key_src) END AS gid,
       CASE WHEN key_src IS NULL THEN account_id END AS acc_n,
       CASE WHEN key_src IS NULL THEN {raw_name} END AS raw_name
FROM s
WHERE amt IS NOT NULL
"""
RAW_ALL = RAW_TEMPLATE.format(rid="rowid", source="transactions", window=WINDOW_FILTER,
                              key_src=KEY_SRC.format(t=""), raw_name=RAW_NAME.format(t=""))

# One account (the teller view, one statement of CTEs): the account's rows are read from ``transactions``
# once, into this materialised CTE, and every later step — the window scan and the member fetches of
# ``streams`` — reads them from here. Before, the table was scanned three times (≈1 M rows each on the demo
# bank, since the account filter cannot skip row groups of a table not ordered by account).
ACCOUNT_ROWS = """
CREATE OR REPLACE TEMP TABLE _wp_rec_acct AS
SELECT rowid AS rid, account_id, booked_at, amount, merchant_id, counterparty_account, counterparty_name,
       counterparty_bank, summary, channel, mandate_id
FROM transactions
WHERE account_id = $account
"""
RAW_ONE = RAW_TEMPLATE.format(rid="rid", source="_wp_rec_acct", window=WINDOW_FILTER,
                              key_src=KEY_SRC.format(t=""), raw_name=RAW_NAME.format(t=""))

NAMES = """
CREATE OR REPLACE TEMP TABLE _wp_rec_names AS
SELECT raw_name, {norm} AS norm_name
FROM (SELECT DISTINCT raw_name FROM _wp_rec_raw WHERE raw_name IS NOT NULL)
""".format(norm=norm("raw_name"))

KEYED = """
CREATE OR REPLACE TEMP TABLE _wp_rec_keyed AS
SELECT r.rid, r.d, r.amt, COALESCE(r.gid, hash(r.acc_n, 'n:' || n.norm_name)) AS gid
FROM _wp_rec_raw r LEFT JOIN _wp_rec_names n ON n.raw_name = r.raw_name
"""

CAND = """
CREATE OR REPLACE TEMP TABLE _wp_rec_cand AS
WITH b1 AS (
  SELECT *, CASE WHEN amt > LAG(amt) OVER (PARTITION BY gid ORDER BY amt, rid) * $band_ratio
                 THEN 1 ELSE 0 END AS brk
  FROM _wp_rec_keyed
), nb AS (
  SELECT *, SUM(brk) OVER (PARTITION BY gid ORDER BY amt, rid ROWS UNBOUNDED PRECEDING) AS band,
         SUM(brk) OVER (PARTITION BY gid) AS top_band, COUNT(*) OVER (PARTITION BY gid) AS gn
  FROM b1
)
-- Every debit once as a member of the whole group (band -1) and, where the group has bands, once more in its
-- band: a join with two constant rows reads ``nb`` once (a UNION ALL of two selects materialised the CTE
-- and scanned it twice: ≈ 20 % more CPU for this step).
SELECT gid, CASE WHEN v.whole = 1 THEN -1 ELSE band END AS band, rid, d, amt
FROM nb JOIN (VALUES (1), (0)) v(whole) ON v.whole = 1 OR top_band > 0
WHERE gn >= 2
"""

GAPS = """
CREATE OR REPLACE TEMP TABLE _wp_rec_gaps AS
SELECT gid, band, rid, d, amt,
       d - LAG(d) OVER w AS gap,
       ROW_NUMBER() OVER w AS rn
FROM _wp_rec_cand
WINDOW w AS (PARTITION BY gid, band ORDER BY d, rid)
"""

# Candidate statistics and the cadences whose period is plausible for the candidate's median gap.
PAIRS = """
CREATE OR REPLACE TEMP TABLE _wp_rec_pairs AS
WITH s AS (
  SELECT gid, band, COUNT(*) AS n, quantile_cont(gap, [0.25, 0.5, 0.75]) AS q,
         MIN(amt) AS min_amt, MAX(amt) AS max_amt
  FROM _wp_rec_gaps GROUP BY gid, band
  HAVING COUNT(*) >= 2
)
SELECT s.gid, s.band, s.n, s.q[2] AS mgap, s.min_amt, s.max_amt,
       c.cadence, c.period, c.tol, c.span_rel, c.min_n, c.ord
FROM s JOIN _wp_rec_cadences c
  ON s.n >= c.min_n AND s.q[2] >= c.lo * c.period AND s.q[2] <= c.hi * c.period
 AND s.q[1] >= $q_lo * c.period AND s.q[3] <= $q_hi * c.period
"""

# One pass of window functions per (candidate, cadence) partition instead of aggregating and joining back:
# the span, periods and first date are window aggregates over the same partition as the running period
# count, and the intercept is a windowed median, so the per-debit residuals need no join. (Before: three
# hash joins of every debit row with its partition's aggregates — the heaviest step at 10 M transactions.)
FIT = """
CREATE OR REPLACE TEMP TABLE _wp_rec_fit AS
WITH x AS (
  SELECT g.gid, g.band, p.cadence, p.tol, g.rn, g.d,
         CASE WHEN g.gap IS NULL THEN 0 ELSE CAST(round(g.gap / p.period) AS BIGINT) END AS k
  FROM _wp_rec_gaps g JOIN _wp_rec_pairs p USING (gid, band)
), y AS (
  SELECT *, SUM(k) OVER (PARTITION BY gid, band, cadence ORDER BY rn ROWS UNBOUNDED PRECEDING) AS kk,
         MIN(d) OVER (PARTITION BY gid, band, cadence) AS first_d,
         MAX(d) OVER (PARTITION BY gid, band, cadence) AS last_d,
         SUM(k) OVER (PARTITION BY gid, band, cadence) AS big_k
  FROM x
), off AS (
  SELECT *, (d - first_d) - ((last_d - first_d) / GREATEST(big_k, 1)) * kk AS o
  FROM y
), res AS (
  SELECT *, MEDIAN(o) OVER (PARTITION BY gid, band, cadence) AS a
  FROM off
), agg AS (
  SELECT gid, band, cadence, MAX(kk) AS big_k, MAX(d) - MIN(d) AS span,
         MIN(d) AS first_d, MAX(d) AS last_d,
         COUNT(*) FILTER (WHERE k = 0 AND rn > 1) AS extras, MAX(k) AS max_k,
         SUM(GREATEST(k - 1, 0)) AS skips, any_value(a) AS a,
         AVG(CASE WHEN abs(o - a) <= tol THEN 1.0 ELSE 0.0 END) AS share_in,
         -- exact sum of residuals rounded to 1e-9 day: a double AVG over parallel threads summed in a
         -- varying order and changed the last digits from run to run
         CAST(AVG(CAST(abs(o - a) AS DECIMAL(18, 9))) AS DOUBLE) AS mar
  FROM res GROUP BY gid, band, cadence
)
SELECT p.*, agg.big_k, agg.span, agg.first_d, agg.last_d, agg.extras, agg.max_k, agg.skips, agg.a,
       agg.share_in, agg.mar, agg.span / GREATEST(agg.big_k, 1) AS p_hat
FROM _wp_rec_pairs p
JOIN agg USING (gid, band, cadence)
"""

BEST = """
CREATE OR REPLACE TEMP TABLE _wp_rec_best AS
WITH v AS (
  SELECT *, share_in - 0.1 * LEAST(1.0, mar / tol) AS score
  FROM _wp_rec_fit
  WHERE big_k >= 1
    AND extras <= floor(n * $max_extra_share)
    AND max_k <= 2
    AND skips <= GREATEST(1, big_k // 12)
    AND abs(span - big_k * period) <= tol + span_rel * big_k * period
    AND share_in >= $min_share_in
    AND (n > 2 OR (band = -1 AND max_amt <= min_amt * $pair_ratio))
    AND (band = -1 OR max_amt <= min_amt * $band_spread)
), one AS (
  SELECT * FROM v
  QUALIFY ROW_NUMBER() OVER (PARTITION BY gid, band ORDER BY score DESC, ord) = 1
-- Two or more valid amount bands running at the same time are separate streams (two phone numbers paid
-- to one carrier); otherwise a valid whole group wins (a price change or variable amounts stay one stream).
), g AS (
  SELECT *,
         COUNT(*) FILTER (WHERE band >= 0) OVER (PARTITION BY gid) AS valid_bands,
         MAX(first_d) FILTER (WHERE band >= 0) OVER (PARTITION BY gid) AS bands_start,
         MIN(last_d) FILTER (WHERE band >= 0) OVER (PARTITION BY gid) AS bands_end,
         bool_or(band = -1) OVER (PARTITION BY gid) AS whole_valid,
         MAX(extras) FILTER (WHERE band = -1) OVER (PARTITION BY gid) AS whole_extras,
         MIN(extras) FILTER (WHERE band >= 0) OVER (PARTITION BY gid) AS band_extras
  FROM one
)
-- A single clean band beats a whole group that only fits with extra debits (a one-off purchase at the payee).
SELECT * EXCLUDE (valid_bands, bands_start, bands_end, whole_valid, whole_extras, band_extras)
FROM g
WHERE CASE WHEN valid_bands >= 2 AND bands_start < bands_end THEN band >= 0
           WHEN whole_valid AND valid_bands = 1 AND whole_extras > 0 AND band_extras = 0 THEN band >= 0
           WHEN whole_valid THEN band = -1
           ELSE band >= 0 END
"""

# Per-stream facts: numbers from the member debits; mandate ids of the members and the text fields of the
# latest debit fetched by row id (so the wide transaction rows are read only for stream members).
STREAMS = f"""
CREATE OR REPLACE TEMP TABLE _wp_rec_streams AS
WITH m AS (
  SELECT b.gid, b.band, c.rid, c.d, c.amt,
         CAST(c.d - DATE '1970-01-01' AS BIGINT) * 1099511627776 + c.rid AS seq,
         LAG(c.amt) OVER (PARTITION BY b.gid, b.band ORDER BY c.d, c.rid) AS prev_amt
  FROM _wp_rec_best b
  JOIN _wp_rec_cand c USING (gid, band)
), agg AS (
  SELECT m.gid, m.band,
         COUNT(*) AS occurrences, MIN(m.d) AS first_date, MAX(m.d) AS last_date,
         arg_max(m.amt, m.seq) AS last_amount, arg_max(m.rid, m.seq) AS last_rid,
         quantile_disc(m.amt, 0.5) AS median_amount,
         MIN(m.amt) AS min_amount, MAX(m.amt) AS max_amount,
         COUNT(*) FILTER (WHERE m.amt <> m.prev_amt) AS n_changes,
         COUNT(*) FILTER (WHERE abs(m.amt - m.prev_amt) > m.prev_amt * $near_fixed_step) AS n_big_changes,
         MAX(m.d) FILTER (WHERE m.amt <> m.prev_amt) AS change_date,
         arg_max(m.prev_amt, m.seq) FILTER (WHERE m.amt <> m.prev_amt) AS previous_amount,
         CAST(MEDIAN(day(m.d)) AS INTEGER) AS anchor_day,
         AVG(CASE WHEN m.d = last_day(m.d) THEN 1.0 ELSE 0.0 END) AS month_end_share,
         AVG(CASE WHEN cal.workday THEN 1.0 ELSE 0.0 END) AS workday_share
  FROM m LEFT JOIN _wp_rec_calendar cal ON cal.d = m.d
  GROUP BY m.gid, m.band
), mand AS (
  SELECT m.gid, m.band, mode(NULLIF(TRIM(t.mandate_id), '')) AS txn_mandate_id
  FROM m JOIN {{source}} t ON t.{{rid}} = m.rid
  GROUP BY m.gid, m.band
), latest AS (
  SELECT a.gid, a.band, t.account_id,
         COALESCE({KEY_SRC.format(t='t.')}, 'n:' || n.norm_name) AS payee_key,
         NULLIF(TRIM(t.merchant_id), '') AS merchant_id,
         NULLIF(TRIM(t.counterparty_name), '') AS counterparty_name,
         NULLIF(TRIM(t.counterparty_account), '') AS counterparty_account,
         NULLIF(TRIM(t.counterparty_bank), '') AS counterparty_bank,
         NULLIF(TRIM(t.summary), '') AS summary,
         NULLIF(TRIM(t.channel), '') AS channel
  FROM agg a
  JOIN {{source}} t ON t.{{rid}} = a.last_rid
  LEFT JOIN _wp_rec_names n ON n.raw_name = {RAW_NAME.format(t='t.')}
)
SELECT agg.* EXCLUDE (last_rid), latest.* EXCLUDE (gid, band), mand.txn_mandate_id
FROM agg JOIN latest USING (gid, band) JOIN mand USING (gid, band)
"""
# A row-id join still scans the table (bank-wide); for one account the rows come from ``_wp_rec_acct``.
STREAMS_ALL = STREAMS.format(source="transactions", rid="rowid")
STREAMS_ONE = STREAMS.format(source="_wp_rec_acct", rid="rid")

def anchor(mstart: str, dom: str, me: str) -> str:
    """SQL expression: the anchor day ``dom`` in the month starting ``mstart`` (its last day when ``me``)."""
    return (f"CASE WHEN {me} THEN last_day({mstart}) "
            f"ELSE make_date(year({mstart}), month({mstart}), LEAST({dom}, day(last_day({mstart})))) END")


def pick3(approx: str, c0: str, c1: str, c2: str) -> str:
    """SQL expression: the closest of three anchored dates (previous, same, next month) to ``approx``."""
    d = {c: f"abs(date_diff('day', {approx}, {c}))" for c in (c0, c1, c2)}
    return (f"CASE WHEN {d[c1]} <= {d[c0]} AND {d[c1]} <= {d[c2]} THEN {c1} "
            f"WHEN {d[c0]} <= {d[c2]} THEN {c0} ELSE {c2} END")


# Stream facts + cadence fit → pattern, typical amount, next expected date, status.
SHAPED = """
CREATE OR REPLACE TEMP TABLE _wp_rec_shaped AS
WITH j AS (
  SELECT s.*, b.cadence, b.period, b.tol, b.p_hat, b.a, b.big_k, b.share_in, b.mar, b.skips,
         c.confirm_n, c.month_step, c.ord,
         s.month_end_share >= 0.6 AS month_end,
         CASE WHEN s.n_changes <= 1 THEN 'fixed'
              WHEN s.n_big_changes <= 1 THEN 'near_fixed'
              ELSE 'variable' END AS amount_pattern
  FROM _wp_rec_streams s
  JOIN _wp_rec_best b USING (gid, band)
  JOIN _wp_rec_cadences c USING (cadence)
), n1 AS (
  SELECT *,
         CAST(first_date + CAST(round(a + p_hat * (big_k + 1)) AS INTEGER) AS DATE) AS approx1,
         CAST(first_date + CAST(round(a + p_hat * (big_k + 2)) AS INTEGER) AS DATE) AS approx2
  FROM j
), m AS (
  SELECT *, CAST(date_trunc('month', approx1) AS DATE) AS m1, CAST(date_trunc('month', approx2) AS DATE) AS m2
  FROM n1
), a AS (
  SELECT *,
         {a10} AS a10,
         {a11} AS a11,
         {a12} AS a12,
         {a20} AS a20,
         {a21} AS a21,
         {a22} AS a22
  FROM m
), n2 AS (
  SELECT *,
         CASE WHEN month_step > 0 THEN {pick1} ELSE approx1 END AS nom1,
         CASE WHEN month_step > 0 THEN {pick2} ELSE approx2 END AS nom2
  FROM a
)
SELECT * EXCLUDE (approx1, approx2, m1, m2, a10, a11, a12, a20, a21, a22, nom1, nom2),
       CASE WHEN nom1 > last_date THEN nom1 ELSE nom2 END AS next_nominal_date,
       CASE WHEN amount_pattern = 'fixed' THEN last_amount ELSE median_amount END AS typical_amount,
       CASE WHEN amount_pattern = 'fixed' AND n_changes = 1 THEN change_date END AS price_change_date,
       CASE WHEN CAST($as_of AS DATE) - last_date > 1.5 * period + tol THEN 'ended'
            WHEN occurrences < confirm_n THEN 'early'
            ELSE 'active' END AS status,
       occurrences >= 5 AND workday_share >= 1.0 AS workday_bound
FROM n2
""".format(
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
FINAL = """
WITH s AS (
  SELECT *, CASE WHEN payee_key LIKE 'n:%' THEN substr(payee_key, 3)
                 ELSE {norm_payee} END AS norm_payee
  FROM _wp_rec_shaped
), mn AS (
  SELECT *, {norm_mandate} AS np
  FROM mandates WHERE account_id IN (SELECT account_id FROM s)
), mc AS (
  SELECT s.gid, s.band, m.mandate_id, m.payee_name, m.merchant_id AS mandate_merchant_id,
         m.purpose, m.signed_at, m.revoked_at, m.channel AS mandate_channel, m.amount_limit
  FROM s JOIN mn m ON m.account_id = s.account_id
   AND (m.mandate_id = s.txn_mandate_id
        OR (s.merchant_id IS NOT NULL AND m.merchant_id = s.merchant_id)
        OR (s.norm_payee <> '?' AND length(s.norm_payee) >= 2 AND (
              m.np = s.norm_payee
              OR (length(s.norm_payee) >= 3 AND contains(m.np, s.norm_payee))
              OR (length(m.np) >= 3 AND contains(s.norm_payee, m.np)))))
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY s.gid, s.band
    ORDER BY COALESCE(m.mandate_id = s.txn_mandate_id, FALSE) DESC,
             (m.revoked_at IS NULL OR m.revoked_at >= s.last_date) DESC,
             (m.amount_limit IS NULL OR m.amount_limit >= s.typical_amount) DESC,
             (m.signed_at <= s.first_date) DESC, m.signed_at DESC, m.mandate_id) = 1
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
                NULLIF(TRIM(regexp_replace(s.summary, $prefix, '')), ''), s.summary, s.payee_key) AS payee,
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
       round(LEAST(1.0, GREATEST(0.0,
         0.45 * s.share_in * (1 - 0.5 * LEAST(1.0, s.mar / s.tol))
         + 0.25 * LEAST(1.0, s.occurrences / (s.confirm_n + 2.0))
         + 0.20 * CASE s.amount_pattern WHEN 'fixed' THEN 1.0 WHEN 'near_fixed' THEN 0.85 ELSE 0.6 END
         + 0.10 * CASE WHEN COALESCE(mc.mandate_id, s.txn_mandate_id) IS NOT NULL THEN 1.0 ELSE 0.0 END)), 2)
         AS confidence
FROM s
LEFT JOIN mc USING (gid, band)
LEFT JOIN adj USING (gid, band)
LEFT JOIN merchants mer ON mer.merchant_id = COALESCE(s.merchant_id, mc.mandate_merchant_id)
ORDER BY s.account_id, s.ord, s.typical_amount DESC, s.payee_key
""".format(norm_payee=norm("COALESCE(counterparty_name, summary)"), norm_mandate=norm("payee_name"))
