"""Benchmark: how long ``wupian demo`` takes, and whether the demo bank's figures look like a real bank's.

    python bench/demo.py --scale 1.0 [--months 13] [--out /tmp/wupian-demo-bench] [--skip-files-only]

Prints wall-clock seconds per phase (generation alone, then generate + load + month-end job), the row
counts, and the calibration read-out from the warehouse: category balances and shares of all loans, year-on-
year growth, the flagship city's green balance, 首贷户, 规上企业 coverage, process times and the declared-vs-
derived size disagreement rate. Record results in bench/results/demo.md.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from wupian.demo import build_demo, run_demo
from wupian.demo.branches import FLAGSHIP_CITY
from wupian.engine.warehouse import Warehouse

AS_OF = date(2026, 3, 31)
SCOPES = ("all_loans", "five_union", "tech", "tech_enterprise", "tech_industry", "green", "inclusive_micro",
          "pension", "digital")
OTHER = ("coverage.above_scale_enterprise.account_rate", "coverage.above_scale_enterprise.credit_rate",
         "process.inclusive_loan.avg_working_days", "process.corporate_account_opening.avg_minutes",
         "green.balance.rank_peers")


def _value(wh: Warehouse, branch: str, indicator: str) -> float | None:
    v = wh.scalar("SELECT value FROM indicator_values WHERE as_of = ? AND profile = 'pboc_2025' AND branch_id = ? "
                  "AND indicator_id = ?", [AS_OF, branch, indicator])
    return None if v is None else float(v)


def _fmt(v: float | None, pattern: str) -> str:
    return format("—", f">{pattern.split('.')[0]}") if v is None else format(v, pattern)


def report(db: str) -> None:
    """Print the calibration read-out of a demo warehouse (PBOC profile, 2026-03-31)."""
    with Warehouse(db) as wh:
        root = wh.scalar("SELECT branch_id FROM branches WHERE as_of = ? AND parent_id IS NULL", [AS_OF])
        city = wh.scalar("SELECT branch_id FROM branches WHERE as_of = ? AND level = 'city' AND name LIKE ?",
                         [AS_OF, f"%{FLAGSHIP_CITY}分行"])
        total = _value(wh, root, "all_loans.balance") or 1.0
        print(f"{'scope':16}{'balance 亿':>11}{'share':>8}{'ytd 亿':>9}{'yoy':>8}{'first':>7}"
              f"{FLAGSHIP_CITY + ' 亿':>10}{FLAGSHIP_CITY + ' ytd':>10}")
        for s in SCOPES:
            bal = _value(wh, root, f"{s}.balance")
            ytd = _value(wh, root, f"{s}.ytd_change")
            yoy = _value(wh, root, f"{s}.yoy_growth")
            first = _value(wh, root, f"{s}.first_loan_customers")
            cb, cy = _value(wh, city, f"{s}.balance"), _value(wh, city, f"{s}.ytd_change")
            print(f"{s:16}{_fmt(bal and bal / 1e8, '11.2f')}{_fmt(bal and bal / total, '8.1%')}"
                  f"{_fmt(ytd and ytd / 1e8, '9.2f')}{_fmt(yoy, '8.2f')}{_fmt(first, '7.0f')}"
                  f"{_fmt(cb and cb / 1e8, '10.2f')}{_fmt(cy and cy / 1e8, '10.2f')}")
        for ind in OTHER:
            print(f"{ind}: {_fmt(_value(wh, root, ind), '.2f')} (bank), {_fmt(_value(wh, city, ind), '.2f')} "
                  f"({FLAGSHIP_CITY})")
        rate = wh.scalar("SELECT avg(CASE WHEN declared_size <> derived_size THEN 1.0 ELSE 0 END) FROM customer_facts "
                         "WHERE as_of = ? AND declared_size IS NOT NULL AND declared_size <> 'none' "
                         "AND derived_size IS NOT NULL", [AS_OF])
        print(f"declared size ≠ derived size: {float(rate or 0):.1%} of customers with both")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--skip-files-only", action="store_true", help="Do not time generation on its own.")
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="wupian-demo-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    if not args.skip_files_only:
        t0 = time.perf_counter()
        manifest = build_demo(work / "files-only", scale=args.scale, months=args.months)
        t1 = time.perf_counter()
        print(f"generate only: {t1 - t0:.1f} s; loans per month-end {manifest.loans}; customers {manifest.customers}")
    stamps: dict[str, float] = {}

    def progress(step: str, label: str, done: int, total: int) -> None:
        stamps.setdefault(step, time.perf_counter())

    t2 = time.perf_counter()
    db = str(work / "bench.duckdb")
    result = run_demo(db, work / "bank", scale=args.scale, months=args.months, progress=progress)
    t3 = time.perf_counter()
    phases = ["generate", "load", "events", "month_end"]
    marks = [stamps.get(p) for p in phases] + [t3]
    spans = {p: (marks[i + 1] or t3) - (marks[i] or t3) for i, p in enumerate(phases) if marks[i] is not None}
    print(f"run_demo total: {t3 - t2:.1f} s (" + ", ".join(f"{p} {s:.1f} s" for p, s in spans.items())
          + f"); rejected {result.rejected}; loans per month-end {result.manifest.loans}")
    report(db)


if __name__ == "__main__":
    main()
