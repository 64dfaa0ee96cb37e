"""Benchmark and quality measurement of recurring-debit discovery.

Steps (each in its own process when run as ``--step all``, so peak memory is measured per step):

* ``generate``  synthetic transactions for N accounts over 13 months (the demo generator) → Parquet files;
* ``load``      Parquet → a DuckDB warehouse file (plain INSERT, not timed as part of detection);
* ``detect``    the bank-wide batch (``streams_table``) — wall and process CPU time (per step too), load
                average before and after, peak RSS of the process;
* ``teller``    single-account teller view (``find_streams``) — wall and CPU p50 / p95, warm (one open
                connection) and cold (a fresh connection per account);
* ``quality``   precision / recall against the planted ground truth (``recurring_truth``);
* ``measure``   ``detect`` and ``teller`` in their own processes, as a Markdown section for BENCHMARKS.md.

Usage::

    python bench/recurring.py --accounts 55000 --workdir /tmp/wp-rec-10m --step all   # ≈10 M transactions
    python bench/recurring.py --accounts 5000 --workdir /tmp/wp-rec-demo --step all --quality
    # the issue-14 goals (batch < 60 s at 10M, teller view < 200 ms) with load, CPU and wall, as Markdown:
    python bench/recurring.py --accounts 55000 --workdir /tmp/wp-rec-10m --step measure \\
        --teller-workdir /tmp/wp-rec-demo --teller-accounts 5000 --write bench/results/recurring_run.md
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

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

    load_before = os.getloadavg()[0]
    with Warehouse(Path(args.workdir) / "bench.duckdb") as wh:
        t0, c0 = time.perf_counter(), os.times()
        table = streams_table(wh, months=12, on_step=mark)
        elapsed, c1 = time.perf_counter() - t0, os.times()
        mark("end")
        steps = {a[0]: round(b[1] - a[1], 2) for a, b in zip(marks, marks[1:], strict=False)}
        step_cpu = {a[0]: round(b[2] - a[2], 2) for a, b in zip(marks, marks[1:], strict=False)}
        pq.write_table(table, Path(args.workdir) / "detected.parquet")
        unexplained = sum(1 for m in table["mandate_id"].to_pylist() if m is None)
        transactions = wh.scalar("SELECT COUNT(*) FROM transactions")
    return {"step": "detect", "wall_seconds": round(elapsed, 2),
            "cpu_seconds": round(c1.user - c0.user + c1.system - c0.system, 2),
            "load_avg_1m": [load_before, os.getloadavg()[0]], "transactions": transactions, "streams": table.num_rows,
            "unexplained": unexplained, "peak_rss_mib": round(peak_rss_mib()), "steps": steps,
            "steps_cpu": step_cpu}


def _pcts(values: list[float]) -> dict[str, float]:
    """Median and 95th percentile (nearest rank) of per-call milliseconds."""
    v = sorted(values)
    return {"p50": round(statistics.median(v), 1), "p95": round(v[int(0.95 * (len(v) - 1))], 1),
            "max": round(v[-1], 1)}


def _timed_call(fn: Callable[[], object]) -> tuple[float, float]:
    """Wall and process-CPU milliseconds of one call."""
    c0, t0 = os.times(), time.perf_counter()
    fn()
    c1, t1 = os.times(), time.perf_counter()
    return (t1 - t0) * 1000, (c1.user - c0.user + c1.system - c0.system) * 1000


def step_teller(args: argparse.Namespace) -> dict[str, object]:
    """One account's teller view in-process, wall and CPU per call (p50/p95).

    *warm*: one read-only connection kept open (as the web app does), a warm-up call first, then one call per
    sampled account. *cold*: for each of ``--cold`` other accounts a freshly opened read-only connection
    (nothing cached: DuckDB's buffer pool and catalogue are new) and its first call; the open itself is
    reported separately. CPU is process CPU from ``os.times`` (10 ms ticks on Linux, so single calls are
    quantised; the median over many calls is still meaningful).
    """
    from wupian.engine.warehouse import Warehouse
    from wupian.monitor.recurring import find_streams

    db = Path(args.workdir) / "bench.duckdb"
    ids = account_ids(args.accounts)
    sample = ids[:: max(1, len(ids) // args.sample)][: args.sample]
    cold_ids = ids[1 :: max(1, len(ids) // max(1, args.cold))][: args.cold]
    load_before = os.getloadavg()[0]
    wall, cpu = [], []
    with Warehouse(db, read_only=True) as wh:
        find_streams(wh, sample[0])  # warm-up (first query plans and caches)
        for acc in sample:
            w, c = _timed_call(partial(find_streams, wh, acc))
            wall.append(w)
            cpu.append(c)
    cold_wall, cold_cpu, opens = [], [], []
    for acc in cold_ids:
        t0 = time.perf_counter()
        with Warehouse(db, read_only=True) as wh:
            opens.append((time.perf_counter() - t0) * 1000)
            w, c = _timed_call(partial(find_streams, wh, acc))
        cold_wall.append(w)
        cold_cpu.append(c)
    return {"step": "teller", "accounts": len(sample), "warm_wall_ms": _pcts(wall), "warm_cpu_ms": _pcts(cpu),
            "cold_accounts": len(cold_ids), "cold_wall_ms": _pcts(cold_wall) if cold_ids else None,
            "cold_cpu_ms": _pcts(cold_cpu) if cold_ids else None,
            "open_ms_p50": round(statistics.median(opens), 1) if opens else None,
            "load_avg_1m": [load_before, os.getloadavg()[0]]}


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


def _run_step(args: argparse.Namespace, name: str, workdir: str, accounts: int) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--accounts", str(accounts), "--seed", str(args.seed), "--workdir", workdir,
           "--step", name, "--sample", str(args.sample), "--cold", str(args.cold)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return dict(json.loads(out.strip().splitlines()[-1]))


def _ms(d: dict[str, float]) -> str:
    return f"{d['p50']:,.0f} / {d['p95']:,.0f}"


def measure(args: argparse.Namespace) -> str:
    """The issue-14 goals in one run: bank-wide batch (``--workdir``) and teller view (``--teller-workdir``),
    each step in its own process, as Markdown with machine load, CPU and wall next to every figure."""
    detect = _run_step(args, "detect", args.workdir, args.accounts)
    teller = _run_step(args, "teller", args.teller_workdir or args.workdir, args.teller_accounts or args.accounts)
    stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    d_load, t_load = detect["load_avg_1m"], teller["load_avg_1m"]
    cpu_split = ", ".join(f"{k} {v}" for k, v in detect["steps_cpu"].items())
    lines = [
        f"### Run of {stamp} (`python bench/recurring.py --step measure`)",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}; load average (1 min) before → after "
        "each step is in the table. Wall time is the goal; CPU time (user + system of the process, all threads) "
        "says how much of the wall was work when the machine is shared.",
        "",
        "| goal | figure | wall | CPU | load avg before → after |",
        "|---|---|---:|---:|---|",
        f"| batch < 60 s ({detect['transactions']:,} transactions) | {detect['streams']:,} streams | **{detect['wall_seconds']:.1f} s** | "
        f"{detect['cpu_seconds']:.1f} s | {d_load[0]:.2f} → {d_load[1]:.2f} |",
        f"| teller view < 200 ms, warm (p50 / p95 of {teller['accounts']} accounts) | one account | "
        f"**{_ms(teller['warm_wall_ms'])} ms** | {_ms(teller['warm_cpu_ms'])} ms | {t_load[0]:.2f} → {t_load[1]:.2f} |",
        f"| teller view, cold (fresh connection; p50 / p95 of {teller['cold_accounts']}) | one account | "
        f"{_ms(teller['cold_wall_ms'])} ms | {_ms(teller['cold_cpu_ms'])} ms | (same) |",
        "",
        f"Batch peak RSS {detect['peak_rss_mib']:,} MiB. Opening the read-only warehouse (not in the cold figure): "
        f"{teller['open_ms_p50']} ms (p50). Batch CPU by step (s): {cpu_split}.",
        "",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--accounts", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=20260331)
    parser.add_argument("--workdir", default="/tmp/wupian-bench-recurring")
    parser.add_argument("--step", choices=[*STEPS, "all", "measure"], default="all")
    parser.add_argument("--sample", type=int, default=50, help="accounts timed warm in the teller step")
    parser.add_argument("--cold", type=int, default=10, help="accounts timed cold (fresh connection each)")
    parser.add_argument("--quality", action="store_true", help="with --step all: also measure quality")
    parser.add_argument("--teller-workdir", help="with --step measure: warehouse for the teller view "
                        "(default: --workdir)")
    parser.add_argument("--teller-accounts", type=int, help="with --step measure: accounts of --teller-workdir")
    parser.add_argument("--write", help="with --step measure: also write the Markdown section to this file")
    args = parser.parse_args()
    if args.step == "measure":
        text = measure(args)
        print(text)
        if args.write:
            Path(args.write).write_text(text, encoding="utf-8")
        return
    if args.step != "all":
        print(json.dumps(STEPS[args.step](args), ensure_ascii=False), flush=True)
        return
    steps = ["generate", "load", "detect", "teller"] + (["quality"] if args.quality else [])
    for name in steps:
        cmd = [sys.executable, __file__, "--accounts", str(args.accounts), "--seed", str(args.seed),
               "--workdir", args.workdir, "--step", name, "--sample", str(args.sample), "--cold", str(args.cold)]
        subprocess.run(cmd, check=True)


if __name__ == "__main__":
    main()
