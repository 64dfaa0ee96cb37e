"""DuckDB vs Spark (local master) on ``gen_bank.py`` banks of increasing size: load (with its checks), classify and
indicators, and how Spark's time grows with the number of loans (fixed cost + per-loan cost).

Usage::

    python bench/spark.py run --loans 100000 [--bank DIR] [--master local[2]]   # one size; appends a record
    python bench/spark.py report                                                # bench/results/spark.md

``run`` generates the bank with ``/work/shared/perf/gen_bank.py`` (unless ``--bank`` names one), loads it into a
fresh DuckDB warehouse and a fresh Spark warehouse (Parquet folder), classifies (PBOC profile) and computes every
indicator on both, checks the indicator values identical, and appends the timings to
``bench/results/spark-runs.json``: wall and CPU time per step (CPU: the Python process for DuckDB — DuckDB's threads
included —, the Python process plus the Spark JVM, read from /proc, for Spark), the 1-minute load average before and
after each step, and how many Spark SQL statements each step ran. ``report`` fits ``time = fixed + per_loan × loans``
(least squares over the recorded sizes) per engine and step and writes ``bench/results/spark.md`` (collected into
BENCHMARKS.md by ``bench/collect.py``); docs/spark.md's cluster guide uses the fit.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "spark.md"
RUNS = HERE / "results" / "spark-runs.json"
GEN_BANK = Path(os.environ.get("WUPIAN_SHARED", "/work/shared")) / "perf" / "gen_bank.py"
AS_OF = dt.date(2026, 3, 31)
STEPS = ("load", "classify", "indicators")


def _cpu_self() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def _cpu_jvm(spark: Any) -> float:
    pid = spark.sparkContext._gateway.proc.pid
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _loadavg() -> float:
    return os.getloadavg()[0]


def _rss_peak_mib(spark: Any | None) -> dict[str, float]:
    """Peak resident memory so far (MiB) of this Python process (``ru_maxrss``) and of the Spark JVM (``VmHWM``)."""
    peak = {"python": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    if spark is not None:
        pid = spark.sparkContext._gateway.proc.pid
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                peak["jvm"] = int(line.split()[1]) / 1024
    return peak


def _steps(wh: Any, bank: Path, spark: Any | None, out: dict[str, Any]) -> Any:
    from wupian import api
    from wupian.core.errors import DataError
    from wupian.engine import spark_con
    from wupian.ingest import load_snapshot

    def timed(name: str, fn: Any) -> Any:
        if spark is not None:
            spark_con.CAPTURE = []
        load0 = _loadavg()
        w0, c0 = time.perf_counter(), _cpu_self() + (_cpu_jvm(spark) if spark else 0.0)
        value = fn()
        out[name] = {"wall": time.perf_counter() - w0,
                     "cpu": _cpu_self() + (_cpu_jvm(spark) if spark else 0.0) - c0,
                     "load_before": load0, "load_after": _loadavg(),
                     "statements": len(spark_con.CAPTURE) if spark is not None and spark_con.CAPTURE else 0,
                     "rss_peak_mib": _rss_peak_mib(spark)}
        spark_con.CAPTURE = None
        return value

    def load() -> None:
        try:
            load_snapshot(wh, AS_OF, bank)
        except DataError:
            pass  # rows refused at ERROR are quarantined; the date is still loaded

    timed("load", load)
    timed("classify", lambda: api.ensure_fresh(wh, AS_OF, ("pboc_2025",)))
    return timed("indicators", lambda: api.compute_indicators(wh, AS_OF, store=False))


def run(args: argparse.Namespace) -> None:
    from wupian.engine import spark_session
    from wupian.engine.spark_warehouse import SparkWarehouse
    from wupian.engine.warehouse import Warehouse

    work = Path(tempfile.mkdtemp(prefix="wupian-bench-spark-", dir=args.workdir))
    try:
        bank = Path(args.bank) if args.bank else work / "bank"
        if not args.bank:
            subprocess.run([sys.executable, str(GEN_BANK), str(bank), str(args.loans)], check=True)
        d_steps: dict[str, Any] = {}
        with Warehouse(work / "duck.duckdb") as duck:
            d_res = _steps(duck, bank, None, d_steps)
            loans = duck.scalar("SELECT count(*) FROM loans WHERE as_of = ?", [AS_OF])
        d_rows = d_res.to_arrow().to_pylist()
        del d_res
        print(json.dumps({"duckdb": d_steps}, indent=1), flush=True)
        conf = dict(kv.split("=", 1) for kv in args.conf)
        spark = spark_session.session(args.master, conf)
        sw = SparkWarehouse(work / "spark-wh", master=args.master)
        s_steps: dict[str, Any] = {}
        failed = None
        try:
            s_res = _steps(sw, bank, spark, s_steps)
            equal = s_res.to_arrow().to_pylist() == d_rows
        except Exception as exc:  # record where a big run fails (memory, time) instead of losing the figures
            failed = {"step": next(s for s in STEPS if s not in s_steps), "error": f"{type(exc).__name__}: "
                      f"{str(exc)[:2000]}", "rss_peak_mib": _rss_peak_mib(spark)}
            equal = False
        sw.close()
        spark_session.stop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    record = {"at": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC", "loans": loans, "master": args.master,
              "conf": conf, "values": len(d_rows), "identical": equal, "duckdb": d_steps, "spark": s_steps,
              "machine": f"{os.cpu_count()} cores"}
    if failed:
        record["failed"] = failed
    runs = json.loads(RUNS.read_text(encoding="utf-8")) if RUNS.exists() else []
    runs.append(record)
    RUNS.write_text(json.dumps(runs, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(record, indent=1))


def fit(points: list[tuple[float, float]]) -> tuple[float, float]:
    """Least-squares ``y = a + b·x`` over ``points`` (``(a, b)``; one point: ``(y, 0)``)."""
    n = len(points)
    if n < 2:
        return (points[0][1] if points else 0.0), 0.0
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    b = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0
    return my - b * mx, b


def _cell(step: dict[str, Any] | None, key: str) -> str:
    return "—" if step is None else f"{step[key]:.1f}"


def _rss(step: dict[str, Any] | None, proc: str) -> str:
    peak = (step or {}).get("rss_peak_mib", {}).get(proc)
    return "—" if peak is None else f"{peak:,.0f}"


def _fit_points(runs: list[dict[str, Any]], engine: str, steps: tuple[str, ...],
                kind: str) -> list[tuple[float, float]]:
    """(millions of loans, summed ``kind`` of ``steps``) of the runs that completed all of ``steps``."""
    return [(r["loans"] / 1e6, sum(r[engine][s][kind] for s in steps)) for r in runs
            if all(s in r[engine] for s in steps)]


def report(_: argparse.Namespace) -> None:
    runs = sorted(json.loads(RUNS.read_text(encoding="utf-8")), key=lambda r: (r["loans"], r["at"]))
    lines = [
        "Runs of `python bench/spark.py run --loans N --master local[2]` on `gen_bank.py` banks (one month-end, "
        "PBOC profile; raw records in `bench/results/spark-runs.json`). The machine (2 cores, 24 GiB) was shared "
        "with other work: the load average next to each step says how much; CPU time (Python + Spark JVM) is the "
        "steadier figure. Peak RSS (MiB, where recorded): the Python process (DuckDB runs in it; monotonic over "
        "the run) and the Spark JVM, at the end of the step. —: not recorded (earlier runs) or the step was not reached.",
        "",
        "| loans | step | DuckDB wall s | DuckDB CPU s | DuckDB peak RSS | Spark wall s | Spark CPU s "
        "| Spark JVM peak RSS | Spark statements | load avg before → after (Spark) | values identical |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    notes = []
    for r in runs:
        for step in STEPS:
            d, sp = r["duckdb"].get(step), r["spark"].get(step)
            load = "—" if sp is None else f"{sp['load_before']:.1f} → {sp['load_after']:.1f}"
            same = "—" if "indicators" not in r["spark"] else (
                f"{'yes' if r['identical'] else 'NO'} ({r['values']:,})")
            lines.append(f"| {r['loans']:,} | {step} | {_cell(d, 'wall')} | {_cell(d, 'cpu')} | {_rss(d, 'python')} "
                         f"| {_cell(sp, 'wall')} | {_cell(sp, 'cpu')} | {_rss(sp, 'jvm')} "
                         f"| {'—' if sp is None or sp.get('statements') is None else sp['statements']} | {load} | {same} |")
        if r.get("failed"):
            notes.append(f"* {r['loans']:,} loans ({r['at']}, {r['master']}, {r.get('conf') or {}}): Spark stopped "
                         f"in `{r['failed']['step']}`: {r['failed']['error'].splitlines()[0][:300]}")
        if r.get("note"):
            notes.append(f"* {r['loans']:,} loans ({r['at']}): {r['note']}")
    if notes:
        lines += ["", *notes]
    lines += ["", "Fit `seconds = fixed + per_million_loans × loans / 10⁶` over the sizes above (least squares; "
              "runs that did not complete a step are left out of its fit):", "",
              "| engine | step | wall: fixed s | wall: s per 10⁶ loans | CPU: fixed s | CPU: s per 10⁶ loans |",
              "|---|---|---:|---:|---:|---:|"]
    for engine in ("duckdb", "spark"):
        for step in (*STEPS, "total"):
            steps = STEPS if step == "total" else (step,)
            (wa, wb), (ca, cb) = (fit(_fit_points(runs, engine, steps, k)) for k in ("wall", "cpu"))
            lines.append(f"| {engine} | {step} | {wa:.0f} | {wb:.0f} | {ca:.0f} | {cb:.0f} |")
    steps = ("classify", "indicators")
    (ca, cb) = fit(_fit_points(runs, "spark", steps, "cpu"))
    (da, db) = fit(_fit_points(runs, "duckdb", steps, "cpu"))
    lines += ["", f"Extrapolated by the fit (classify + indicators, CPU): 500 M loans ≈ {ca + cb * 500:,.0f} CPU s on "
              f"Spark ({(ca + cb * 500) / 3600:,.1f} core-hours; {cb:.0f} s per 10⁶ loans, {ca:.0f} s fixed) against "
              f"≈ {da + db * 500:,.0f} CPU s on DuckDB ({db:.1f} s per 10⁶ loans) — if both kept growing linearly, "
              "which the sizes measured here cannot show; docs/spark.md ('On a cluster') turns this into executors "
              "and says what it leaves out."]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="measure one bank size and append the record")
    r.add_argument("--loans", type=int, default=100_000)
    r.add_argument("--bank", help="an existing gen_bank.py folder (its size is counted, not --loans)")
    r.add_argument("--master", default="local[2]")
    r.add_argument("--conf", action="append", default=[], metavar="KEY=VALUE",
                   help="extra Spark setting (repeatable), e.g. spark.driver.memory=8g for 10M loans on local[2]")
    r.add_argument("--workdir", default=None, help="scratch folder (default: the system temp folder)")
    r.set_defaults(fn=run)
    sub.add_parser("report", help="write bench/results/spark.md from the recorded runs").set_defaults(fn=report)
    args = ap.parse_args()
    args.fn(args)


if __name__ == "__main__":
    main()
