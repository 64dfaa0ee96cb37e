"""Quality and speed of counter anti-fraud screening (issue 11 §7). Each step prints one JSON line.

* ``quality``  backtest on a demo warehouse against its planted truth: recall of victim and mule requests at the
               medium+ alert rate, high rate, precision, recall per typology, the quiet stories' alert rates;
* ``teller``   one decision in-process (``screen_request``) for a sample of the demo's requests: median / p95 ms;
* ``amlsim``   the mule (fan-in) rule on shared/data/amlsim_fanin200 (external, per-account labels);
* ``batch``    a batch screen over a synthetic bank of N transactions (default 10 M): wall, CPU, peak RSS.

Usage::

    python bench/screening.py --step quality --db /tmp/screen/w.duckdb --truth /tmp/screen/demo/screening
    python bench/screening.py --step teller --db /tmp/screen/w.duckdb
    python bench/screening.py --step amlsim --workdir /tmp/screen/aml
    python bench/screening.py --step batch --workdir /tmp/screen/batch --transactions 10000000
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import statistics
import time
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

# ../shared beside the checkout (/work/main) or beside the worktrees' folder (/work/wt/<name>)
AMLSIM = next((p / "shared" / "data" / "amlsim_fanin200" for p in Path(__file__).resolve().parents[1:4]
               if (p / "shared" / "data" / "amlsim_fanin200").is_dir()), Path("../shared/data/amlsim_fanin200"))


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_quality(args: argparse.Namespace) -> dict[str, object]:
    from wupian.engine.warehouse import Warehouse
    from wupian.monitor.screening import backtest, screen_all

    with Warehouse(args.db, read_only=True) as wh:
        t0 = time.perf_counter()
        bt = backtest(wh)
        seconds = time.perf_counter() - t0
        decisions = {d.request_id: d for d in screen_all(wh)}
    truth = {}
    with (Path(args.truth) / "screening_truth.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            truth[r["request_id"]] = r
    quiet: Counter[str] = Counter()
    quiet_alerts: Counter[str] = Counter()
    for rid, t in truth.items():
        if t["label"] == "not_fraud":
            quiet[t["story"]] += 1
            quiet_alerts[t["story"]] += decisions[rid].alert
    return {
        "step": "quality", "rulebook": bt.rulebook_version, "screened": bt.overall["screened"],
        "positives": bt.overall["positives"], "alerts": bt.overall["alerts"], "alert_rate": bt.alert_rate,
        "high_rate": bt.high_rate, "recall": bt.recall, "high_recall": bt.high_recall, "precision": bt.precision,
        "typologies": {t["typology"]: {"n": t["positives"], "recall": t["recall"], "high": t["high"]}
                       for t in bt.typologies},
        "quiet_alert_rate": {k: round(quiet_alerts[k] / n, 4) for k, n in sorted(quiet.items())},
        "rules": {r["rule_id"]: {"hits": r["hits"], "precision": r["precision"], "recall": r["recall"]}
                  for r in bt.rules},
        "backtest_seconds": round(seconds, 2),
    }


def step_teller(args: argparse.Namespace) -> dict[str, object]:
    from wupian.engine.warehouse import Warehouse
    from wupian.monitor.screening import screen_request

    with Warehouse(args.db, read_only=True) as wh:
        if args.threads:
            wh.execute(f"SET threads = {int(args.threads)}")
        reqs = wh.rows("SELECT * EXCLUDE (loaded_at) FROM screening_requests ORDER BY request_id")
        obs: dict[str, list[str]] = {}
        for r in wh.rows("SELECT request_id, code FROM teller_observations"):
            obs.setdefault(r["request_id"], []).append(r["code"])
        step = max(len(reqs) // args.sample, 1)
        sample = reqs[::step][: args.sample]
        times, cpu = [], []
        screen_request(wh, _as_input(sample[0]), obs.get(sample[0]["request_id"], []))  # warm the rulebook
        load = os.getloadavg()
        for r in sample:
            t0, c0 = time.perf_counter(), time.process_time()
            screen_request(wh, _as_input(r), obs.get(r["request_id"], []))
            times.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
        txns = wh.scalar("SELECT count(*) FROM transactions")
    times.sort()
    cpu.sort()
    p95 = int(0.95 * (len(times) - 1))
    return {"step": "teller", "requests": len(times), "transactions_in_warehouse": txns,
            "median_ms": round(statistics.median(times), 1), "p95_ms": round(times[p95], 1),
            "max_ms": round(times[-1], 1), "cpu_median_ms": round(statistics.median(cpu), 1),
            "cpu_p95_ms": round(cpu[p95], 1), "load_avg_before": [round(x, 2) for x in load],
            "threads": args.threads or "default"}


def _as_input(row: dict[str, object]) -> dict[str, object]:
    return {k: (v.isoformat(sep=" ") if isinstance(v, datetime) else str(v)) for k, v in row.items() if v is not None}


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def step_amlsim(args: argparse.Namespace) -> dict[str, object]:
    """AMLSim steps are days from 2025-01-01; every account opens on day 0; one cash request per account the
    day after its busiest 7-day inflow window (the same rule for fraud and non-fraud accounts)."""
    import duckdb

    from wupian.engine.warehouse import Warehouse
    from wupian.ingest import load_events, load_snapshot
    from wupian.monitor.screening import default_rulebook, scored_table

    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    (work / "snap").mkdir(parents=True)
    (work / "ev").mkdir()
    con = duckdb.connect()
    nodes = con.execute(f"SELECT nodeid, isFraud FROM read_csv_auto('{AMLSIM / 'nodes.csv'}')").fetchall()
    txns = con.execute(f"SELECT sourceNodeId, targetNodeId, value, time FROM "
                       f"read_csv_auto('{AMLSIM / 'transactions.csv'}')").fetchall()
    peak = dict(con.execute(
        f"""WITH t AS (SELECT targetNodeId AS n, time, sourceNodeId AS s FROM read_csv_auto('{AMLSIM / 'transactions.csv'}')),
        d AS (SELECT DISTINCT n, time FROM t),
        w AS (SELECT d.n, d.time, count(DISTINCT t.s) AS payers FROM d JOIN t ON t.n = d.n AND t.time BETWEEN d.time - 6
              AND d.time GROUP BY ALL)
        SELECT n, arg_max(time, payers) FROM w GROUP BY n""").fetchall())
    day0 = date(2025, 1, 1)
    _write(work / "snap" / "branches.csv", ["branch_id", "name"], [["B1", "AMLSim"]])
    _write(work / "snap" / "customers.csv", ["customer_id", "name", "customer_type", "birth_date"],
           [[f"K{n}", f"acct{n}", "individual", "1995-01-01"] for n, _ in nodes])
    _write(work / "snap" / "loans.csv", ["loan_id", "customer_id", "branch_id", "business_type", "drawdown_date",
                                         "drawdown_amount", "maturity_date", "balance", "interest_rate", "five_class"],
           [["L1", "K0", "B1", "personal", "2025-01-01", "1.00", "2026-01-01", "1.00", "3.00", "normal"]])
    _write(work / "snap" / "accounts.csv", ["account_id", "customer_id", "account_type", "opened_at", "branch_id"],
           [[f"A{n}", f"K{n}", "personal_debit", day0.isoformat(), "B1"] for n, _ in nodes])
    rows: list[list[object]] = []
    for i, (s, t, v, step) in enumerate(txns):
        at = datetime(2025, 1, 1, 12, 0) + timedelta(days=int(step))
        rows.append([f"X{i}i", f"A{t}", at.isoformat(sep=" "), f"{v:.2f}", "transfer_in", f"acct{s}", f"A{s}"])
        rows.append([f"X{i}o", f"A{s}", at.isoformat(sep=" "), f"{-v:.2f}", "transfer_out", f"acct{t}", f"A{t}"])
    _write(work / "ev" / "transactions.csv", ["txn_id", "account_id", "booked_at", "amount", "kind",
                                              "counterparty_name", "counterparty_account"], rows)
    reqs = []
    for n, _ in nodes:
        at = datetime(2025, 1, 1, 10, 0) + timedelta(days=int(peak.get(n, 75)) + 1)
        reqs.append([f"Q{n}", at.isoformat(sep=" "), "B1", f"K{n}", f"A{n}", "cash_withdrawal", "1000.00"])
    _write(work / "ev" / "screening_requests.csv", ["request_id", "requested_at", "branch_id", "customer_id",
                                                    "account_id", "request_type", "amount"], reqs)
    fraud = {f"Q{n}" for n, f in nodes if f == 1}
    receivers = {f"Q{t}" for s, t, _, _ in txns if f"Q{s}" in fraud and f"Q{t}" in fraud}
    book = default_rulebook()
    mule_rules = [r.id for r in book.rules if r.kind == "history" and "mule" in r.scoring.typologies]
    with Warehouse(work / "w.duckdb") as wh:
        load_snapshot(wh, date(2025, 12, 31), work / "snap")
        load_events(wh, work / "ev")
        t0 = time.perf_counter()
        scored = scored_table(wh).select(["request_id", "fanin_payers", "band", "t_mule",
                                          *[f"p_{r}" for r in mule_rules]]).to_pylist()
        seconds = time.perf_counter() - t0

    def figures(sel: set[str]) -> dict[str, float]:
        return {"alert_rate": round(len(sel) / len(scored), 4), "recall_all": round(len(sel & fraud) / len(fraud), 4),
                "recall_receivers": round(len(sel & receivers) / max(len(receivers), 1), 4),
                "precision": round(len(sel & fraud) / max(len(sel), 1), 4)}

    rules = {r: figures({x["request_id"] for x in scored if x[f"p_{r}"] > 0}) for r in mule_rules}
    any_rule = figures({x["request_id"] for x in scored if any(x[f"p_{r}"] > 0 for r in mule_rules)})
    mule_medium = figures({x["request_id"] for x in scored if x["t_mule"] >= book.medium})
    payer_side = figures({x["request_id"] for x in scored
                          if x["p_fanin_young_account"] > 0 or x["p_split_credits"] > 0})
    curve = []
    for k in (3, 5, 8, 10, 15, 20):
        sel = {r["request_id"] for r in scored if r["fanin_payers"] >= k}
        curve.append({"fanin_payers_ge": k, **figures(sel)})
    return {"step": "amlsim", "rulebook": book.version, "accounts": len(nodes), "fraud_accounts": len(fraud),
            "fraud_receivers": len(receivers), "rules": rules,
            "fanin_young_account_or_split_credits": payer_side, "any_mule_history_rule": any_rule,
            "mule_typology_medium_plus": mule_medium, "fanin_curve": curve, "screen_seconds": round(seconds, 2)}


def step_batch(args: argparse.Namespace) -> dict[str, object]:
    """A synthetic bank: N transactions over 13 months on N/40 accounts, one request per 5 accounts."""

    from wupian.engine.warehouse import Warehouse
    from wupian.monitor.screening import scored_table

    work = Path(args.workdir)
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    n = args.transactions
    accounts = max(n // 40, 100)
    db = work / "w.duckdb"
    with Warehouse(db) as bw:  # loans and customers are Parquet parts: rows go in through the Warehouse
        bw.execute("INSERT INTO branches (as_of, branch_id, name) VALUES ('2026-03-31', 'B1', 'bench')")
        bw.insert_rows("customers", ['as_of', 'customer_id', 'name', 'customer_type', 'birth_date'], f"""SELECT DATE '2026-03-31', 'K' || i, 'c' || i, 'individual', DATE '1940-01-01' + CAST(i % 20000 AS INTEGER)
            FROM range({accounts}) t(i)""")
        bw.execute(f"""INSERT INTO accounts (as_of, account_id, customer_id, account_type, opened_at)
            SELECT DATE '2026-03-31', 'A' || i, 'K' || i, 'personal_debit', DATE '2015-01-01' + CAST(i % 4000 AS INTEGER)
            FROM range({accounts}) t(i)""")
        bw.execute(f"""INSERT INTO transactions (txn_id, account_id, booked_at, amount, kind, counterparty_name,
            counterparty_account, counterparty_region)
            SELECT 'T' || i, 'A' || (i % {accounts}), TIMESTAMP '2025-03-01' + to_seconds(CAST(hash(i) % 34000000 AS BIGINT)),
              CAST((CAST(hash(i * 7) % 2000000 AS BIGINT) - 1000000) / 100.0 AS DECIMAL(38,2)),
              CASE WHEN i % 3 = 0 THEN 'transfer_in' WHEN i % 3 = 1 THEN 'transfer_out' ELSE 'cash_withdrawal' END,
              'cp' || (hash(i * 13) % 500), '62' || (hash(i * 13) % 500), CAST(11 + CAST(hash(i) % 50 AS BIGINT) AS VARCHAR) || '0100'
            FROM range({n}) t(i)""")
        bw.execute(f"""INSERT INTO screening_requests (request_id, requested_at, branch_id, customer_id, account_id,
            request_type, amount, payee_account)
            SELECT 'R' || i, TIMESTAMP '2026-03-31 10:00:00' - to_days(CAST(i % 300 AS INTEGER)), 'B1', 'K' || (i * 5),
              'A' || (i * 5), CASE WHEN i % 2 = 0 THEN 'cash_withdrawal' ELSE 'transfer_out' END, 60000,
              CASE WHEN i % 2 = 1 THEN '62' || (i % 700) END
            FROM range({accounts // 5}) t(i)""")
    load = os.getloadavg()
    with Warehouse(db, read_only=True) as wh:
        c0, t0 = time.process_time(), time.perf_counter()
        scored = scored_table(wh)
        wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    bands = Counter(scored.column("band").to_pylist())
    return {"step": "batch", "transactions": n, "accounts": accounts, "requests": scored.num_rows,
            "wall_seconds": round(wall, 1), "cpu_seconds": round(cpu, 1), "peak_rss_mib": round(peak_rss_mib()),
            "load_avg_before": [round(x, 2) for x in load], "bands": dict(bands)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--step", required=True, choices=("quality", "teller", "amlsim", "batch"))
    p.add_argument("--db")
    p.add_argument("--truth")
    p.add_argument("--workdir", default="/tmp/wp-screen-bench")
    p.add_argument("--sample", type=int, default=200)
    p.add_argument("--threads", type=int, default=0, help="teller: DuckDB threads (0 = DuckDB's default)")
    p.add_argument("--transactions", type=int, default=10_000_000)
    args = p.parse_args()
    step = {"quality": step_quality, "teller": step_teller, "amlsim": step_amlsim, "batch": step_batch}[args.step]
    print(json.dumps(step(args), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
