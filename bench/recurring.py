"""Benchmark and quality measurement of recurring-debit discovery.

Steps (each in its own process when run as ``--step all``, so peak memory is measured per step):

* ``generate``  synthetic transactions for N accounts over 13 months (the demo generator) → Parquet files;
* ``load``      Parquet → a DuckDB warehouse file (plain INSERT, not timed as part of detection);
* ``detect``    the bank-wide batch (``streams_table``) — wall time and peak RSS of the process;
* ``teller``    single-account teller view (``find_streams``) for a sample of accounts — median / p95 ms;
* ``quality``   precision / recall against the planted ground truth (``recurring_truth``).

Usage::

    python bench/recurring.py --accounts 55000 --workdir /tmp/wp-rec-10m --step all   # ≈10 M transactions
    python bench/recurring.py --accounts 5000 --workdir /tmp/wp-rec-demo --step all --quality
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pyarrow.parquet as pq

END = date(2026, 3, 31)


def account_ids(n: int) -> list[str]:
    return [f"6222020{i:09d}" for i in range(n)]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_generate(args: argparse.Namespace) -> dict[str, object]:
    from wupian.demo.transactions import generate_event_tables

    t0 = time.perf_counter()
    tables = generate_event_tables(account_ids(args.accounts), seed=args.seed, end=END, months=13)
    elapsed = time.perf_counter() - t0
    out = Path(args.workdir)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("transactions", "mandates", "merchants", "truth"):
        pq.write_table(getattr(tables, name), out / f"{name}.parquet")
    return {"step": "generate", "seconds": round(elapsed, 2), "transactions": tables.transactions.num_rows,
            "streams_planted": tables.truth.num_rows, "peak_rss_mib": round(peak_rss_mib())}


def step_load(args: argparse.Namespace) -> dict[str, object]:
    from wupian.engine.warehouse import Warehouse

    out = Path(args.workdir)
    db = out / "bench.duckdb"
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    with Warehouse(db) as wh:
        for name in ("transactions", "mandates", "merchants"):
            wh.register("_bench_in", pq.read_table(out / f"{name}.parquet"))
            wh.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _bench_in")
            wh.unregister("_bench_in")
        rows = wh.scalar("SELECT COUNT(*) FROM transactions")
    return {"step": "load", "seconds": round(time.perf_counter() - t0, 2), "transactions": rows}


def step_detect(args: argparse.Namespace) -> dict[str, object]:
    from wupian.engine.warehouse import Warehouse
    from wupian.monitor.recurring import streams_table

    marks: list[tuple[str, float, float]] = []

    def mark(name: str) -> None:
        t = os.times()
        marks.append((name, time.perf_counter(), t.user + t.system))

    with Warehouse(Path(args.workdir) / "bench.duckdb") as wh:
        t0, c0 = time.perf_counter(), os.times()
        table = streams_table(wh, months=12, on_step=mark)
        elapsed, c1 = time.perf_counter() - t0, os.times()
        mark("end")
        steps = {a[0]: round(b[1] - a[1], 2) for a, b in zip(marks, marks[1:], strict=False)}
        step_cpu = {a[0]: round(b[2] - a[2], 2) for a, b in zip(marks, marks[1:], strict=False)}
        pq.write_table(table, Path(args.workdir) / "detected.parquet")
        unexplained = sum(1 for m in table["mandate_id"].to_pylist() if m is None)
    return {"step": "detect", "seconds": round(elapsed, 2),
            "cpu_seconds": round(c1.user - c0.user + c1.system - c0.system, 2),
            "load_avg_1m": os.getloadavg()[0], "streams": table.num_rows,
            "unexplained": unexplained, "peak_rss_mib": round(peak_rss_mib()), "steps": steps,
            "steps_cpu": step_cpu}


def step_teller(args: argparse.Namespace) -> dict[str, object]:
    from wupian.engine.warehouse import Warehouse
    from wupian.monitor.recurring import find_streams

    ids = account_ids(args.accounts)
    sample = ids[:: max(1, len(ids) // args.sample)][: args.sample]
    times, cpu = [], []
    with Warehouse(Path(args.workdir) / "bench.duckdb", read_only=True) as wh:
        find_streams(wh, sample[0])  # warm-up (first query plans and caches)
        for acc in sample:
            c0, t0 = os.times(), time.perf_counter()
            find_streams(wh, acc)
            c1, t1 = os.times(), time.perf_counter()
            times.append((t1 - t0) * 1000)
            cpu.append((c1.user - c0.user + c1.system - c0.system) * 1000)
    times.sort()
    return {"step": "teller", "accounts": len(sample), "median_ms": round(statistics.median(times), 1),
            "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1), "max_ms": round(times[-1], 1),
            "cpu_median_ms": round(statistics.median(cpu), 1), "load_avg_1m": os.getloadavg()[0]}


def step_quality(args: argparse.Namespace) -> dict[str, object]:
    from wupian.monitor.recurring.evaluate import evaluate

    detected = pq.read_table(Path(args.workdir) / "detected.parquet")
    truth = pq.read_table(Path(args.workdir) / "truth.parquet")
    report = evaluate(detected, truth)
    print(report.to_markdown())
    return {"step": "quality", "recall": round(report.overall.recall or 0, 4),
            "precision": round(report.overall.precision or 0, 4)}


STEPS = {"generate": step_generate, "load": step_load, "detect": step_detect, "teller": step_teller,
         "quality": step_quality}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20260331)
    parser.add_argument("--workdir", default="/tmp/wupian-bench-recurring")
    parser.add_argument("--step", choices=[*STEPS, "all"], default="all")
    parser.add_argument("--sample", type=int, default=50, help="accounts timed in the teller step")
    parser.add_argument("--quality", action="store_true", help="with --step all: also measure quality")
    args = parser.parse_args()
    if args.step != "all":
        print(json.dumps(STEPS[args.step](args), ensure_ascii=False), flush=True)
        return
    steps = ["generate", "load", "detect", "teller"] + (["quality"] if args.quality else [])
    for name in steps:
        cmd = [sys.executable, __file__, "--accounts", str(args.accounts), "--seed", str(args.seed),
               "--workdir", args.workdir, "--step", name, "--sample", str(args.sample)]
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
