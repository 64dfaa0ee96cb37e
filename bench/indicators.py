"""Benchmark: every indicator for every branch node of a synthetic bank at one as-of date.

Compares, in the same run and on the same warehouse:
  1. ``wupian.metrics.compute_indicators`` (all indicators: 11 scopes × 16 measures, ranks, …, every node);
  2. a hand-written DuckDB SQL baseline for the core stock/flow indicators (balance, customers,
     YTD disbursement and customers, NPL balance, balance-weighted rate, YTD change) per scope and node;
  3. a straightforward pandas implementation of the same core indicators (merge with the closure, groupby,
     nunique), on integer fen so it stays exact. pandas is the peer only, not a dependency of wupian
     (``pip install pandas`` in the benchmark environment); without it this comparison is skipped.

Data are generated vectorised inside DuckDB: a 4-level tree (1 head, 10 provinces, 100 cities, 1,000
sub-branches booking the loans), N loans for 0.3·N customers at the reporting date and at the two prior
snapshots (previous year-end, same month last year) — 10 % of the loans booked at a pseudo-random
sub-branch, so some customers are served by several outlets — and ``loan_tags`` for the ten categories.

Baseline and wupian run interleaved (``--rounds``); wall and CPU time (all DuckDB threads) and the load
average are printed for each run. Generate once, then reuse the warehouse with ``--keep``.

Usage: python bench/indicators.py [--loans 10000000] [--db PATH] [--keep] [--rounds 2] [--pandas-loans N]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import platform
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TypeVar

import duckdb

from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators

T = TypeVar("T")
AS_OF = date(2026, 3, 31)
DATES = (date(2026, 3, 31), date(2025, 12, 31), date(2025, 3, 31))
TAG_SQL = """
    INSERT INTO loan_tags
    SELECT as_of, 'pboc_2025', loan_id, tag, balance, 'bench', 'bench', 'bench' FROM (
        SELECT as_of, loan_id, balance, h,
               unnest(list_filter([
                   CASE WHEN h % 10 = 0 THEN 'tech' END, CASE WHEN h % 20 = 0 THEN 'tech_enterprise' END,
                   CASE WHEN h % 10 = 0 AND h % 20 <> 0 THEN 'tech_industry' END,
                   CASE WHEN h % 9 = 1 THEN 'green' END, CASE WHEN h % 4 = 2 THEN 'inclusive' END,
                   CASE WHEN h % 4 = 2 AND h % 5 <> 0 THEN 'inclusive_micro' END,
                   CASE WHEN h % 33 = 3 THEN 'pension' END, CASE WHEN h % 19 = 4 THEN 'digital' END,
                   CASE WHEN h % 38 = 4 THEN 'digital_core' END,
                   CASE WHEN h % 10 = 0 OR h % 9 = 1 OR h % 4 = 2 OR h % 33 = 3 OR h % 19 = 4 THEN 'five_union' END
               ], x -> x IS NOT NULL)) AS tag
        FROM (SELECT as_of, loan_id, balance, hash(loan_id) % 1000 AS h FROM loans WHERE as_of = ?))
"""


def generate(wh: Warehouse, n: int) -> None:
    customers = max(1, int(n * 0.3))
    wh.execute("CREATE TABLE IF NOT EXISTS loan_tags (as_of DATE, profile VARCHAR, loan_id VARCHAR, tag VARCHAR, "
               "amount DECIMAL(38,2), rule_ids VARCHAR, explanation VARCHAR, rulebook_version VARCHAR)")
    for d in DATES:
        wh.execute("""
            INSERT INTO branches (as_of, branch_id, name, parent_id, level)
            SELECT ?, 'H', '总行', NULL, 'head'
            UNION ALL SELECT ?, 'P' || p, '省分行' || p, 'H', 'province' FROM range(10) t(p)
            UNION ALL SELECT ?, 'C' || c, '二级分行' || c, 'P' || (c // 10), 'city' FROM range(100) t(c)
            UNION ALL SELECT ?, 'S' || s, '支行' || s, 'C' || (s // 10), 'county' FROM range(1000) t(s)
        """, [d, d, d, d])
        wh.execute("""
            INSERT INTO branch_closure
            WITH RECURSIVE w(a, d, n) AS (
                SELECT branch_id, branch_id, 0 FROM branches WHERE as_of = ?
                UNION ALL SELECT w.a, b.branch_id, w.n + 1 FROM w JOIN branches b ON b.parent_id = w.d AND b.as_of = ?)
            SELECT ?, a, d, n FROM w
        """, [d, d, d])
        wh.insert_rows("customers", ['as_of', 'customer_id', 'name', 'customer_type', 'branch_id', 'credit_limit_total'], """SELECT ?, 'C' || i, '客户' || i, CASE WHEN i % 3 = 0 THEN 'individual' ELSE 'enterprise' END,
                   'S' || (i % 1000), 1000000
            FROM range(?) t(i)
        """, [d, customers])
        shrink = {DATES[0]: 1.0, DATES[1]: 0.9, DATES[2]: 0.85}[d]
        wh.insert_rows("loans", ['as_of', 'loan_id', 'customer_id', 'branch_id', 'business_type', 'drawdown_date', 'drawdown_amount', 'maturity_date', 'balance', 'interest_rate', 'guarantee_type', 'five_class', 'is_first_loan'], """SELECT ?, 'L' || i, 'C' || (i * 7919 % ?),
                   'S' || (CASE WHEN i % 10 = 0 THEN hash(i) % 1000 ELSE (i * 7919 % ?) % 1000 END),
                   CASE WHEN i % 50 = 0 THEN 'bill_direct' WHEN i % 3 = 0 THEN 'personal' ELSE 'corporate' END,
                   DATE '2023-01-01' + CAST(i % 1185 AS INTEGER),
                   CAST((i % 997 + 1) * 10000 AS DECIMAL(38, 2)),
                   DATE '2023-01-01' + CAST(i % 1185 AS INTEGER) + CAST(180 + i % 3000 AS INTEGER),
                   CAST(round((i % 997 + 1) * 10000 * (0.3 + (i % 7) / 10.0) * ?, 2) AS DECIMAL(38, 2)),
                   CAST(2.5 + (i % 300) / 100.0 AS DECIMAL(18, 6)),
                   CASE WHEN i % 4 = 0 THEN 'credit' ELSE 'mortgage' END,
                   CASE WHEN i % 61 = 0 THEN 'substandard' WHEN i % 89 = 0 THEN 'loss' ELSE 'normal' END,
                   i % 13 = 0
            FROM range(?) t(i)
        """, [d, customers, customers, shrink, int(n * shrink)])
        wh.execute(TAG_SQL, [d])


BASELINE = """
WITH scoped AS (
    SELECT 'all_loans' AS scope, loan_id, customer_id, branch_id, balance AS amount, interest_rate, five_class,
           drawdown_date, drawdown_amount FROM loans WHERE as_of = $1 AND business_type <> 'bill_rediscount'
    UNION ALL
    SELECT t.tag, l.loan_id, l.customer_id, l.branch_id, t.amount, l.interest_rate, l.five_class, l.drawdown_date,
           l.drawdown_amount
    FROM loan_tags t JOIN loans l USING (as_of, loan_id) WHERE t.as_of = $1 AND t.profile = 'pboc_2025'),
prior AS (
    SELECT 'all_loans' AS scope, branch_id, balance AS amount FROM loans WHERE as_of = $2
    UNION ALL
    SELECT t.tag, l.branch_id, t.amount FROM loan_tags t JOIN loans l USING (as_of, loan_id) WHERE t.as_of = $2),
closure AS (SELECT ancestor_id, descendant_id FROM branch_closure WHERE as_of = $1),
cur AS (
    SELECT c.ancestor_id, s.scope, sum(s.amount) AS balance,
           count(DISTINCT s.customer_id) FILTER (WHERE s.amount > 0) AS customers,
           sum(s.drawdown_amount) FILTER (WHERE s.drawdown_date >= $3) AS ytd_disbursed,
           count(DISTINCT s.customer_id) FILTER (WHERE s.drawdown_date >= $3) AS ytd_customers,
           sum(s.amount) FILTER (WHERE s.five_class IN ('substandard', 'doubtful', 'loss')) AS npl,
           sum(s.amount * s.interest_rate) AS rate_num
    FROM scoped s JOIN closure c ON c.descendant_id = s.branch_id GROUP BY ALL),
pri AS (
    SELECT c.ancestor_id, p.scope, sum(p.amount) AS prior_balance
    FROM prior p JOIN closure c ON c.descendant_id = p.branch_id GROUP BY ALL)
SELECT cur.*, cur.balance - coalesce(pri.prior_balance, 0) AS ytd_change
FROM cur LEFT JOIN pri USING (ancestor_id, scope)
"""


def timed(fn: Callable[[], T]) -> tuple[T, float, float]:
    """(result, wall seconds, CPU seconds of this process — all DuckDB threads included)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def run_baseline(con: duckdb.DuckDBPyConnection) -> int:
    return con.execute(BASELINE, [AS_OF, date(2025, 12, 31), date(2026, 1, 1)]).to_arrow_table().num_rows


def run_pandas(con: duckdb.DuckDBPyConnection) -> int:
    """Straightforward pandas: pull the scoped rows, merge with the closure, groupby (fen as int64)."""
    load_sql = """
        SELECT 'all_loans' AS scope, customer_id, branch_id, CAST(balance * 100 AS BIGINT) AS amount,
               CAST(drawdown_amount * 100 AS BIGINT) AS drawdown, drawdown_date >= DATE '2026-01-01' AS ytd,
               five_class IN ('substandard', 'doubtful', 'loss') AS npl FROM loans WHERE as_of = $1
        UNION ALL
        SELECT t.tag, l.customer_id, l.branch_id, CAST(t.amount * 100 AS BIGINT), CAST(l.drawdown_amount * 100 AS BIGINT),
               l.drawdown_date >= DATE '2026-01-01', l.five_class IN ('substandard', 'doubtful', 'loss')
        FROM loan_tags t JOIN loans l USING (as_of, loan_id) WHERE t.as_of = $1"""
    df = con.execute(load_sql, [AS_OF]).df()
    closure = con.execute("SELECT ancestor_id, descendant_id FROM branch_closure WHERE as_of = ?", [AS_OF]).df()
    prior = con.execute(load_sql, [date(2025, 12, 31)]).df()[["scope", "branch_id", "amount"]]
    out = []
    for scope, part in df.groupby("scope"):
        m = part.merge(closure, left_on="branch_id", right_on="descendant_id")
        m["flow"] = m["drawdown"].where(m["ytd"], 0)
        m["npl_amount"] = m["amount"].where(m["npl"], 0)
        g = m.groupby("ancestor_id").agg(balance=("amount", "sum"), ytd_disbursed=("flow", "sum"),
                                         npl=("npl_amount", "sum"))
        g["customers"] = m[m["amount"] > 0].groupby("ancestor_id")["customer_id"].nunique()
        g["ytd_customers"] = m[m["ytd"]].groupby("ancestor_id")["customer_id"].nunique()
        pm = prior[prior["scope"] == scope].merge(closure, left_on="branch_id", right_on="descendant_id")
        g["ytd_change"] = g["balance"] - pm.groupby("ancestor_id")["amount"].sum().reindex(g.index).fillna(0)
        g["scope"] = scope
        out.append(g)
    return sum(len(g) for g in out)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--loans", type=int, default=10_000_000)
    ap.add_argument("--pandas-loans", type=int, default=1_000_000, help="run pandas only when loans ≤ this")
    ap.add_argument("--db", default="/tmp/wupian_bench_indicators.duckdb")
    ap.add_argument("--keep", action="store_true", help="reuse the warehouse generated by an earlier run at --db")
    ap.add_argument("--rounds", type=int, default=2, help="baseline and wupian runs, interleaved")
    args = ap.parse_args()
    path = Path(args.db)
    if path.exists() and not args.keep:
        path.unlink()
    with Warehouse(path) as wh:
        gen = None
        if not args.keep or not path.exists() or not wh.scalar("SELECT count(*) FROM loans"):
            _, gen, gen_cpu = timed(lambda: generate(wh, args.loans))
            print(f"generated {args.loans:,} loans in {gen:.1f}s wall / {gen_cpu:.1f}s CPU", flush=True)
        loans = wh.scalar("SELECT count(*) FROM loans WHERE as_of = ?", [AS_OF])
        if loans != int(args.loans):
            raise SystemExit(f"{path} holds {loans:,} loans at {AS_OF}, not {args.loans:,}: drop --keep")
        tags = wh.scalar("SELECT count(*) FROM loan_tags WHERE as_of = ?", [AS_OF])
        print(f"machine: {platform.machine()} {os.cpu_count()} cores; python {platform.python_version()}; "
              f"duckdb {duckdb.__version__}; loans at as-of {loans:,}; loan_tags rows {tags:,}", flush=True)
        base_best = ours_best = float("inf")
        for r in range(1, args.rounds + 1):
            rows, wall, cpu = timed(lambda: run_baseline(wh.con))
            base_best = min(base_best, wall)
            print(f"round {r} SQL baseline (core, {rows:,} scope×node rows): {wall:.2f}s wall, {cpu:.2f}s CPU, "
                  f"load {load()}", flush=True)
            result, wall, cpu = timed(lambda: compute_indicators(wh, AS_OF))
            ours_best = min(ours_best, wall)
            print(f"round {r} wupian compute_indicators (all {len(result):,} values, stored): {wall:.2f}s wall, "
                  f"{cpu:.2f}s CPU, load {load()}", flush=True)
        _, wall, cpu = timed(lambda: len(result.rows))
        print(f"building all {len(result):,} Python IndicatorValue records from the result: {wall:.2f}s wall, "
              f"{cpu:.2f}s CPU", flush=True)
        print(f"ratio wupian / SQL baseline (best wall of each): {ours_best / base_best:.2f}x", flush=True)
        if args.loans <= args.pandas_loans and importlib.util.find_spec("pandas") is None:
            print("pandas (core): skipped, pandas is not installed (`pip install pandas` to compare)")
        elif args.loans <= args.pandas_loans:
            _, wall, cpu = timed(lambda: run_pandas(wh.con))
            print(f"pandas (core): {wall:.2f}s wall, {cpu:.2f}s CPU; ratio pandas / wupian {wall / ours_best:.2f}x, "
                  f"load {load()}")


if __name__ == "__main__":
    main()
