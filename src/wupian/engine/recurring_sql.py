"""SQL text of recurring-debit detection, steps 1–8 (run by ``wupian.engine.recurring``; the per-stream steps are
in ``recurring_shape_sql``).

Every statement here is fixed text: values arrive as bound parameters (``$start``, ``$as_of``, ``$account``,
``$prefix`` …) and the only identifiers are our own temporary tables (prefix ``_wp_rec_``) and the contract's
columns. The steps, each a temporary table so the engine plans them one at a time:

1. ``raw``      one scan of the window's debits: transaction id, date, amount, and the payee group (account +
                merchant id or counterparty account); name-keyed rows keep their raw name;
2. ``names``    each distinct raw name normalised once (channel prefixes, masks, digits, punctuation);
3. ``keyed``    every debit with its group (name-keyed rows grouped on the normalised name);
4. ``cand``     candidate sets per group: the whole group (band -1) and amount bands (single-linkage on
                sorted amounts, a new band where an amount exceeds the previous one by ``$band_ratio``);
5. ``gaps``     inter-arrival gaps inside each candidate;
6. ``pairs``    the cadences plausible for each candidate (median and quartile gaps near the period);
7. ``fit``      each candidate against each plausible cadence: periods between debits, skips, extras, a robust
                line fit (date ≈ a + p·k) and the residual of every debit;
8. ``best``     the best valid cadence per candidate; the whole group wins over its bands unless two bands
                run side by side.

Portable SQL (docs/spark.md): the same text runs on DuckDB and, transpiled, on Spark with identical results.
So the group id numbers the groups' own text keys (``account|m:merchant``, ``account|a:counterparty``,
``account|n:name``) in order, rather than an engine's hash (DuckDB's ``hash`` and Spark's differ, and a
numbering cannot collide); debits are told apart by ``txn_id`` (the table's key) rather than DuckDB's ``rowid``; dates are
differenced with ``date_diff('day', …)`` (a date minus a date is a number on DuckDB and an interval on Spark);
the line fit is done in integers (see ``FIT``) so that no median or average of floating-point values — whose
last bits differ between the engines — decides anything.
"""

from __future__ import annotations


# Normalise a raw name: strip channel prefixes ($prefix, our own pattern anchored at the start), masked digits and
# punctuation. A Python template rather than a SQL macro, so the same text runs on every engine (no macros:
# docs/spark.md). Whitespace is spelled out as RE2's ``\s`` ([\t\n\f\r ]): Java's ``\s`` also matches \x0B.
def norm(x: str) -> str:
    """SQL expression: the normalised payee name of the SQL expression ``x`` ('?' when nothing is left)."""
    return rf"""COALESCE(
    NULLIF(lower(regexp_replace(regexp_replace(regexp_replace(COALESCE({x}, ''), $prefix, '', 'g'),
           '[Xx*＊]{{2,}}', '', 'g'), '[\t\n\f\r \p{{P}}\p{{S}}\p{{Z}}0-9０-９]+', '', 'g')), ''),
    NULLIF(lower(regexp_replace(COALESCE({x}, ''), '[\t\n\f\r \p{{P}}\p{{S}}\p{{Z}}]+', '', 'g')), ''),
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
WITH rs AS (
  SELECT {rid} AS rid, account_id, CAST(booked_at AS DATE) AS d, TRY_CAST(-amount AS DECIMAL(18, 2)) AS amt,
         {key_src} AS key_src,
         counterparty_name, summary
  FROM {source}
  WHERE {window}
)
SELECT rid, d, amt, account_id AS acc, key_src,
       CASE WHEN key_src IS NULL THEN {raw_name} END AS raw_name
FROM rs
WHERE amt IS NOT NULL
"""
RAW_ALL = RAW_TEMPLATE.format(rid="txn_id", source="transactions", window=WINDOW_FILTER,
                              key_src=KEY_SRC.format(t=""), raw_name=RAW_NAME.format(t=""))

# One account (the teller view): the account's rows are read from ``transactions`` once, into this table (a
# materialised CTE in DuckDB's one-statement form), and every later step — the window scan and the member
# fetches of ``streams`` — reads them from here.
ACCOUNT_ROWS = """
CREATE OR REPLACE TEMP TABLE _wp_rec_acct AS
SELECT txn_id AS rid, account_id, booked_at, amount, merchant_id, counterparty_account, counterparty_name,
       counterparty_bank, summary, channel, mandate_id
FROM transactions
WHERE account_id = $account
"""
RAW_ONE = RAW_TEMPLATE.format(rid="rid", source="_wp_rec_acct", window=WINDOW_FILTER,
                              key_src=KEY_SRC.format(t=""), raw_name=RAW_NAME.format(t=""))

NAMES = """
CREATE OR REPLACE TEMP TABLE _wp_rec_names AS
SELECT raw_name, {norm} AS norm_name
FROM (SELECT DISTINCT raw_name FROM _wp_rec_raw WHERE raw_name IS NOT NULL) r
""".format(norm=norm("raw_name"))

# Each group's key (account, ``m:merchant`` | ``a:counterparty`` | ``n:name``) numbered in its sort order (binary UTF-8 on both engines): a whole-number group id that every later window partitions on
# (text partition keys cost ≈ 50 % more CPU in the window steps), defined the same on every engine and
# without collisions (an engine's hash would be neither).
KEYED = """
CREATE OR REPLACE TEMP TABLE _wp_rec_keyed AS
WITH kr AS MATERIALIZED (
  SELECT r.rid, r.d, r.amt, r.acc, COALESCE(r.key_src, 'n:' || n.norm_name) AS gkey
  FROM _wp_rec_raw r LEFT JOIN _wp_rec_names n ON n.raw_name = r.raw_name
), kg AS (
  SELECT acc, gkey, ROW_NUMBER() OVER (ORDER BY acc, gkey) AS gid FROM (SELECT DISTINCT acc, gkey FROM kr) u
)
SELECT kr.rid, kr.d, kr.amt, kg.gid FROM kr JOIN kg ON kg.acc = kr.acc AND kg.gkey = kr.gkey
"""

# Debits are ordered by amount alone, and the bands do not depend on how equal amounts are ordered: in a run of
# equal amounts only the first (in whatever order ``LAG`` saw them) can start a band (an amount never exceeds an
# equal one by the ratio), so each run holds at most one break, and the band is the running count of breaks up
# to and *including all peers* of a debit (``RANGE``): every debit of the run gets the same band. (With ``ROWS``
# the running count followed a second sort whose order of equal amounts could differ from ``LAG``'s, so a run at
# a band boundary could be split, differently from run to run: found at 10M transactions, where two runs gave
# 187,186 and 187,184 streams.)
CAND = """
CREATE OR REPLACE TEMP TABLE _wp_rec_cand AS
WITH b1 AS (
  SELECT gid, rid, d, amt,
         CASE WHEN amt > LAG(amt) OVER (PARTITION BY gid ORDER BY amt) * $band_ratio
              THEN 1 ELSE 0 END AS brk
  FROM _wp_rec_keyed
), nb AS (
  SELECT gid, rid, d, amt,
         SUM(brk) OVER (PARTITION BY gid ORDER BY amt RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS band,
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

# Debits of a candidate in date order, equal dates by amount. Which of two debits of one day and one amount
# comes first changes no row of this table (they differ in nothing else), and the fit does not depend on the
# order of same-day debits at all (they share the date; which of them carries the gap and which the 0 changes
# no sum, count or median).
GAPS = """
CREATE OR REPLACE TEMP TABLE _wp_rec_gaps AS
SELECT gid, band, d, amt,
       date_diff('day', LAG(d) OVER (PARTITION BY gid, band ORDER BY d, amt), d) AS gap,
       ROW_NUMBER() OVER (PARTITION BY gid, band ORDER BY d, amt) AS rn
FROM _wp_rec_cand
"""

# Candidate statistics and the cadences whose period is plausible for the candidate's median gap. The quartiles
# interpolate between whole-day gaps at quarter positions: exact on both engines (sql_functions.yaml).
PAIRS = """
CREATE OR REPLACE TEMP TABLE _wp_rec_pairs AS
WITH ps AS (
  SELECT gid, band, COUNT(*) AS n, quantile_cont(gap, [0.25, 0.5, 0.75]) AS q,
         MIN(amt) AS min_amt, MAX(amt) AS max_amt
  FROM _wp_rec_gaps GROUP BY gid, band
  HAVING COUNT(*) >= 2
)
SELECT ps.gid, ps.band, ps.n, ps.q[2] AS mgap, ps.min_amt, ps.max_amt,
       c.cadence, c.period, c.tol, c.span_rel, c.min_n, c.ord
FROM ps JOIN _wp_rec_cadences c
  ON ps.n >= c.min_n AND ps.q[2] >= c.lo * c.period AND ps.q[2] <= c.hi * c.period
 AND ps.q[1] >= $q_lo * c.period AND ps.q[3] <= $q_hi * c.period
"""

# One pass of window functions per (candidate, cadence) partition instead of aggregating and joining back:
# the span, periods and first date are window aggregates over the same partition as the running period
# count, and the intercept is a windowed median, so the per-debit residuals need no join.
# The fit in integers: with K = max(big_k, 1) periods over the span, a debit i days after the first and kk
# periods in has the offset o = i − span/K·kk = o_num / K (o_num = i·K − span·kk, a whole number); the intercept
# a, the median of the offsets, is a2 / (2K) with a2 = 2·median(o_num) (a whole number: the median of whole
# numbers is one of them or the mean of two); and a debit's residual |o − a| is e / (2K) with e = |2·o_num − a2|.
# So "within tol" is e ≤ 2K·tol, and the mean residual (each rounded half up to 1e-9 day, as before) is a sum of
# whole numbers: no floating-point median or average, whose last bits differ between the engines.
FIT = """
CREATE OR REPLACE TEMP TABLE _wp_rec_fit AS
WITH fx AS (
  SELECT g.gid, g.band, p.cadence, p.tol, g.rn, g.d,
         CASE WHEN g.gap IS NULL THEN 0 ELSE CAST(round(g.gap / p.period) AS BIGINT) END AS k
  FROM _wp_rec_gaps g JOIN _wp_rec_pairs p ON p.gid = g.gid AND p.band = g.band
), fy AS (
  SELECT gid, band, cadence, tol, rn, d, k,
         CAST(SUM(k) OVER (PARTITION BY gid, band, cadence ORDER BY rn ROWS UNBOUNDED PRECEDING) AS BIGINT) AS kk,
         MIN(d) OVER (PARTITION BY gid, band, cadence) AS first_d,
         MAX(d) OVER (PARTITION BY gid, band, cadence) AS last_d,
         CAST(SUM(k) OVER (PARTITION BY gid, band, cadence) AS BIGINT) AS big_k
  FROM fx
), foff AS (
  SELECT gid, band, cadence, tol, rn, d, k, kk, GREATEST(big_k, 1) AS kp,
         CAST(date_diff('day', first_d, d) * GREATEST(big_k, 1) - date_diff('day', first_d, last_d) * kk
              AS BIGINT) AS o_num
  FROM fy
), fres AS (
  SELECT gid, band, cadence, tol, rn, d, k, kk, kp,
         abs(2 * o_num - a2) AS e, a2
  FROM (SELECT *, CAST(2 * MEDIAN(o_num) OVER (PARTITION BY gid, band, cadence) AS BIGINT) AS a2 FROM foff) m
), fagg AS (
  SELECT gid, band, cadence, MAX(kk) AS big_k, date_diff('day', MIN(d), MAX(d)) AS span,
         MIN(d) AS first_d, MAX(d) AS last_d,
         COUNT(*) FILTER (WHERE k = 0 AND rn > 1) AS extras, MAX(k) AS max_k,
         SUM(GREATEST(k - 1, 0)) AS skips, CAST(any_value(a2) AS DOUBLE) / (2 * any_value(kp)) AS a,
         CAST(SUM(CASE WHEN e <= 2 * kp * tol THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*) AS share_in,
         CAST(SUM((e * 1000000000 + kp) // (2 * kp)) AS DOUBLE) / (CAST(COUNT(*) AS DOUBLE) * 1000000000) AS mar
  FROM fres GROUP BY gid, band, cadence
)
SELECT p.gid, p.band, p.n, p.mgap, p.min_amt, p.max_amt, p.cadence, p.period, p.tol, p.span_rel, p.min_n,
       p.ord, fagg.big_k, fagg.span, fagg.first_d, fagg.last_d, fagg.extras, fagg.max_k, fagg.skips, fagg.a,
       fagg.share_in, fagg.mar, fagg.span / GREATEST(fagg.big_k, 1) AS p_hat
FROM _wp_rec_pairs p
JOIN fagg ON fagg.gid = p.gid AND fagg.band = p.band AND fagg.cadence = p.cadence
"""

FIT_COLUMNS = ("gid, band, n, mgap, min_amt, max_amt, cadence, period, tol, span_rel, min_n, ord, big_k, span, "
               "first_d, last_d, extras, max_k, skips, a, share_in, mar, p_hat")

# ``extras <= n·share`` is ``extras <= floor(n·share)`` for a whole number of extras. Window aggregates take no
# FILTER on Spark: CASE inside the aggregate instead.
BEST = f"""
CREATE OR REPLACE TEMP TABLE _wp_rec_best AS
WITH bv AS (
  SELECT {FIT_COLUMNS}, share_in - 0.1 * LEAST(1.0, mar / tol) AS score
  FROM _wp_rec_fit
  WHERE big_k >= 1
    AND extras <= n * $max_extra_share
    AND max_k <= 2
    AND skips <= GREATEST(1, big_k // 12)
    AND abs(span - big_k * period) <= tol + span_rel * big_k * period
    AND share_in >= $min_share_in
    AND (n > 2 OR (band = -1 AND max_amt <= min_amt * $pair_ratio))
    AND (band = -1 OR max_amt <= min_amt * $band_spread)
), bone AS (
  SELECT {FIT_COLUMNS}, score FROM (
    SELECT bv.*, ROW_NUMBER() OVER (PARTITION BY gid, band ORDER BY score DESC, ord) AS pick FROM bv) r
  WHERE pick = 1
-- Two or more valid amount bands running at the same time are separate streams (two phone numbers paid
-- to one carrier); otherwise a valid whole group wins (a price change or variable amounts stay one stream).
), bg AS (
  SELECT bone.*,
         SUM(CASE WHEN band >= 0 THEN 1 ELSE 0 END) OVER (PARTITION BY gid) AS valid_bands,
         MAX(CASE WHEN band >= 0 THEN first_d END) OVER (PARTITION BY gid) AS bands_start,
         MIN(CASE WHEN band >= 0 THEN last_d END) OVER (PARTITION BY gid) AS bands_end,
         MIN(band) OVER (PARTITION BY gid) = -1 AS whole_valid,
         MAX(CASE WHEN band = -1 THEN extras END) OVER (PARTITION BY gid) AS whole_extras,
         MIN(CASE WHEN band >= 0 THEN extras END) OVER (PARTITION BY gid) AS band_extras
  FROM bone
)
-- A single clean band beats a whole group that only fits with extra debits (a one-off purchase at the payee).
SELECT {FIT_COLUMNS}, score
FROM bg
WHERE CASE WHEN valid_bands >= 2 AND bands_start < bands_end THEN band >= 0
           WHEN whole_valid AND valid_bands = 1 AND whole_extras > 0 AND band_extras = 0 THEN band >= 0
           WHEN whole_valid THEN band = -1
           ELSE band >= 0 END
"""
