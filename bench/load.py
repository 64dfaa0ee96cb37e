"""Benchmark: checked ``load_snapshot`` against DuckDB's bare ``read_csv`` / ``read_parquet`` of the same files.

Generates N loans (default 10 million), N/3.3 customers and a 4-level branch tree with DuckDB ``range()``
SQL written straight to CSV and Parquet (independent of the demo generator), then times, each in a fresh
subprocess so that peak memory (ru_maxrss) belongs to that step alone:

* ``bare-csv`` / ``bare-parquet``: ``CREATE TABLE … AS SELECT * FROM read_csv(…)`` (types auto-detected,
  no checks) of the three files into a fresh warehouse file;
* ``load-csv`` / ``load-parquet``: ``wupian.ingest.load_snapshot`` of the same folder into a fresh warehouse.

Steps run interleaved (bare-csv, load-csv, bare-parquet, load-parquet, repeated ``--repeat`` times) so that a
shared machine's changing load hits both sides alike; the table gives the best (minimum) wall time of each
step, its CPU time (user + system, all threads) and the load average seen, and ratios use the minima.

Usage: ``python bench/load.py [--loans N] [--repeat R] [--workdir DIR] [--out bench/results/load.md]``.

``python bench/load.py --demo DIR`` instead times the load phase of ``wupian demo`` on the folder it wrote
(``DIR/snapshots/<date>`` oldest first, then ``DIR/events``) into a fresh warehouse, printing wall and CPU
time per month-end as Markdown.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

BRANCHES_SQL = """
SELECT * FROM (
  SELECT 'H0' AS branch_id, '总行' AS name, NULL AS parent_id, 'head' AS level
  UNION ALL SELECT 'P' || i, '省分行' || i, 'H0', 'province' FROM range(3) t(i)
  UNION ALL SELECT 'C' || i, '二级分行' || i, 'P' || (i % 3), 'city' FROM range(20) t(i)
  UNION ALL SELECT 'O' || i, '网点' || i, 'C' || (i % 20), 'outlet' FROM range(150) t(i)
)
"""

CUSTOMERS_SQL = """
SELECT 'K' || lpad(i::VARCHAR, 9, '0') AS customer_id,
       '客户' || i AS name,
       ['enterprise','other_org','sole_proprietor','small_business_owner','farmer','individual'][1 + i % 6] AS customer_type,
       CASE WHEN i % 6 < 2 THEN 'uscc' ELSE 'id_card' END AS id_type,
       '91' || lpad((i * 7919 % 1000000000)::VARCHAR, 16, '0') AS id_code,
       ['C3911','I6511','A0111','F5212','M7320'][1 + i % 5] AS industry_code,
       (i * 37 % 900)::VARCHAR AS employees,
       ((i * 104729 % 500000000) / 100.0)::DECIMAL(18,2)::VARCHAR AS revenue,
       'O' || (i % 150) AS branch_id,
       ['CS01','CS02','CS03','CS04','CS05'][1 + i % 5] AS declared_size
FROM range({n}) t(i)
"""

LOANS_SQL = """
SELECT 'L' || lpad(i::VARCHAR, 10, '0') AS loan_id,
       'HT' || lpad((i // 2)::VARCHAR, 10, '0') AS contract_id,
       'K' || lpad((i * 2654435761 % {nc})::VARCHAR, 9, '0') AS customer_id,
       'O' || (i % 150) AS branch_id,
       ['C01','C02','corporate','personal'][1 + i % 4] AS business_type,
       ['F022','F023','F021'][1 + i % 3] AS product_type,
       strftime(DATE '2023-01-01' + (i % 1000)::INTEGER, '%Y-%m-%d') AS drawdown_date,
       ((10000 + i * 7919 % 5000000) / 1.0)::DECIMAL(18,2)::VARCHAR AS drawdown_amount,
       strftime(DATE '2026-06-01' + (i % 1500)::INTEGER, '%Y%m%d') AS maturity_date,
       ((i * 104729 % 4000000) / 100.0)::DECIMAL(18,2)::VARCHAR AS balance,
       (2.5 + (i % 400) / 100.0)::DECIMAL(8,2)::VARCHAR AS interest_rate,
       ['A','B','C','D','E'][1 + i % 5] AS guarantee_type,
       ['FQ01','FQ01','FQ01','FQ02','FQ03'][1 + i % 5] AS five_class,
       ['normal','extended','overdue'][1 + i % 3] AS status,
       CASE WHEN i % 7 = 0 THEN '1' ELSE '0' END AS is_first_loan,
       CASE WHEN i % 2 = 0 THEN 'online' ELSE 'offline' END AS channel,
       ['C3911','I6511','A0111','F5212','M7320'][1 + i % 5] AS purpose_industry_code,
       CASE WHEN i % 11 = 0 THEN '4.2.1' END AS green_code,
       CASE WHEN i % 13 = 0 THEN 'EC0' || (1 + i % 9) END AS pension_code,
       strftime(TIMESTAMP '2023-01-01 09:00:00' + to_minutes((i % 500000)::BIGINT), '%Y-%m-%d %H:%M:%S') AS applied_at
FROM range({n}) t(i)
"""


def generate(workdir: Path, n_loans: int) -> dict[str, int]:
    import duckdb

    n_customers = max(int(n_loans / 3.3), 1)
    con = duckdb.connect()
    sizes = {}
    for fmt in ("csv", "parquet"):
        d = workdir / fmt
        d.mkdir(parents=True, exist_ok=True)
        for name, sql in (
            ("branches", BRANCHES_SQL),
            ("customers", CUSTOMERS_SQL.format(n=n_customers)),
            ("loans", LOANS_SQL.format(n=n_loans, nc=n_customers)),
        ):
            target = d / f"{name}.{fmt}"
            if target.exists():
                continue
            opts = "(FORMAT csv, HEADER true)" if fmt == "csv" else "(FORMAT parquet)"
            con.execute(f"COPY ({sql}) TO '{target}' {opts}")
        sizes[fmt] = sum(p.stat().st_size for p in d.iterdir())
    con.close()
    return {"customers": n_customers, **{f"bytes_{k}": v for k, v in sizes.items()}}


def run_step(step: str, folder: Path, db: Path) -> dict[str, float]:
    """One measured step in this (fresh) process."""
    if db.exists():
        db.unlink()
    start = time.perf_counter()
    if step.startswith("bare"):
        import duckdb

        con = duckdb.connect(str(db))
        fmt = "csv" if step == "bare-csv" else "parquet"
        reader = "read_csv" if fmt == "csv" else "read_parquet"
        for name in ("branches", "customers", "loans"):
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM {reader}(?)", [str(folder / f"{name}.{fmt}")])
        con.close()
    else:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
        from wupian.engine.warehouse import Warehouse
        from wupian.ingest import load_snapshot

        with Warehouse(db) as wh:
            report = load_snapshot(wh, dt.date(2026, 3, 31), folder)
            assert report.ok, report.issues[:5]
    seconds = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "peak_gib": usage.ru_maxrss / 1024 / 1024,
        "load": os.getloadavg()[0],
    }


def demo_loads(folder: Path, db: Path) -> None:
    """Time ``load_snapshot`` of every month-end of a demo folder, then ``load_events``; print Markdown."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from wupian.engine.warehouse import Warehouse
    from wupian.ingest import load_events, load_snapshot

    if db.exists():
        db.unlink()
    rows = []
    start_all, cpu_all = time.perf_counter(), time.process_time()
    with Warehouse(db) as wh:
        for snap in sorted(p for p in (folder / "snapshots").iterdir() if p.is_dir()):
            start, cpu = time.perf_counter(), time.process_time()
            report = load_snapshot(wh, dt.date.fromisoformat(snap.name), snap)
            rows.append((snap.name, report.loaded.get("loans", 0), time.perf_counter() - start,
                         time.process_time() - cpu))
        start, cpu = time.perf_counter(), time.process_time()
        events = load_events(wh, folder / "events")
        rows.append(("events", sum(events.loaded.values()), time.perf_counter() - start, time.process_time() - cpu))
    wall, cpu = time.perf_counter() - start_all, time.process_time() - cpu_all
    print(f"- {dt.date.today().isoformat()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end")
    print(f"- command: `python bench/load.py --demo {folder}`\n")
    print("| month-end | loans loaded | wall s | CPU s |\n|---|---:|---:|---:|")
    for name, n, w, c in rows:
        print(f"| {name} | {n:,} | {w:.1f} | {c:.1f} |")
    print(f"| **total** | | **{wall:.1f}** | **{cpu:.1f}** |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--loans", type=int, default=10_000_000)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/wupian-bench-load"))
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "load.md")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("--demo", type=Path, help="time the load phase of a `wupian demo --out` folder instead")
    args = ap.parse_args()
    if args.demo:
        demo_loads(args.demo, args.workdir / "demo-loads.duckdb")
        return
    data = args.workdir / f"n{args.loans}"
    if args.step:
        fmt = "csv" if args.step.endswith("csv") else "parquet"
        print(json.dumps(run_step(args.step, data / fmt, args.workdir / f"{args.step}.duckdb")))
        return
    t0 = time.perf_counter()
    info = generate(data, args.loans)
    gen_s = time.perf_counter() - t0
    runs: dict[str, list[dict[str, float]]] = {}
    for _ in range(args.repeat):
        for step in ("bare-csv", "load-csv", "bare-parquet", "load-parquet"):
            out = subprocess.run(
                [sys.executable, __file__, "--loans", str(args.loans), "--workdir", str(args.workdir), "--step", step],
                check=True, capture_output=True, text=True,
            )
            runs.setdefault(step, []).append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(step, runs[step][-1], flush=True)
    results = {step: min(rs, key=lambda r: r["seconds"]) for step, rs in runs.items()}
    lines = [
        "# Load benchmark (`bench/load.py`)",
        "",
        f"- date: {dt.date.today().isoformat()}",
        f"- machine: {os.cpu_count()} cores, shared with other work; Python {platform.python_version()}",
        f"- command: `python bench/load.py --loans {args.loans} --repeat {args.repeat}` (steps interleaved; "
        "best of the repeats shown)",
        f"- data: {args.loans:,} loans, {info['customers']:,} customers, 174 branches; "
        f"CSV {info['bytes_csv'] / 2**30:.2f} GiB, Parquet {info['bytes_parquet'] / 2**30:.2f} GiB "
        f"(generated in {gen_s:.0f} s)",
        "",
        "| step | wall s (best) | CPU s | peak RSS (GiB) | load avg | every run's wall s |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for step, r in results.items():
        every = ", ".join(f"{x['seconds']:.1f}" for x in runs[step])
        lines.append(
            f"| {step} | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['peak_gib']:.2f} | {r['load']:.1f} | {every} |"
        )
    for fmt in ("csv", "parquet"):
        ratio = results[f"load-{fmt}"]["seconds"] / results[f"bare-{fmt}"]["seconds"]
        cpu = results[f"load-{fmt}"]["cpu"] / results[f"bare-{fmt}"]["cpu"]
        lines.append("")
        lines.append(f"- {fmt}: checked load / bare read = **{ratio:.2f}×** wall (goal ≤ 2×), {cpu:.2f}× CPU")
    lines.append("")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
