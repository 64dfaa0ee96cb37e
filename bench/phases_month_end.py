"""Where one ``wupian month-end`` spends its time, phase by phase: wall and CPU (all threads) of each step.

Copies a freshly loaded warehouse (the file and its ``.parts`` folder) into a scratch folder, then runs
``wupian month-end`` in this process through ``wupian.cli.main.main`` with the pipeline's phases wrapped by
timers: each classification, the indicators, reconcile, the PBOC files, the NFRA tables and workbook, the
management workbook, the briefing. Imports are timed as their own phase. Prints a Markdown table; phases nest
(the wrapped functions may call each other), so a nested phase's time is also inside its caller's. By default
the report phases run side by side (``wupian.reports.run.generate_reports``: threads, the PBOC files from the
start of the indicators): a phase's CPU is then the whole process's while it ran; ``--sequential`` runs them one
after the other, as before.

pyarrow's buffers come from the system allocator, as in ``wupian month-end`` run as the console script (set
``ARROW_DEFAULT_MEMORY_POOL=mimalloc`` to time the in-process default).

Usage: ``python bench/phases_month_end.py WAREHOUSE [--workdir DIR] [--as-of 2026-03-31] [--sequential]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

USCC = "91110000100000000X"
# (module, function): the phases of month-end, in the order they run
PHASES = (
    ("wupian.pipeline", "classify_snapshot"),  # trees before session 12 (one classification per call)
    ("wupian.pipeline", "classify_snapshots"),  # session 12: a date's profiles in one call
    ("wupian.pipeline", "generate_reports"),
    ("wupian.reports.run", "ensure_fresh"),
    ("wupian.reports.run", "compute_indicators"),
    ("wupian.reports.run", "reconcile_parts"),  # trees before session 17
    ("wupian.reports.run", "reconcile_reads"),  # session 17: read beside the indicators
    ("wupian.reports.run", "figure_issues"),
    ("wupian.reports.run", "keep"),
    ("wupian.reports.run", "write_pboc_findings"),
    ("wupian.reports.run", "self_check_findings"),
    ("wupian.reports.run", "compute_tables"),
    ("wupian.reports.run", "check_tables"),
    ("wupian.reports.run", "write_nfra_xlsx"),
    ("wupian.reports.run", "_nfra_balances"),
    ("wupian.reports.workbook", "write_workbook"),
    ("wupian.reports.briefing", "write_briefing"),
)


def copy_warehouse(src: Path, dst: Path) -> None:
    """The warehouse file and its parts folder (when it has one) under a new name."""
    for p in (dst, Path(f"{dst}.wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(f"{dst}.parts", ignore_errors=True)
    shutil.copyfile(src, dst)
    if Path(f"{src}.parts").is_dir():
        shutil.copytree(f"{src}.parts", f"{dst}.parts")


def timed(name: str, fn: Callable[..., Any], log: list[tuple[str, float, float]]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        w, c = time.perf_counter(), time.process_time()
        try:
            return fn(*args, **kwargs)
        finally:
            log.append((name, time.perf_counter() - w, time.process_time() - c))
    return wrapper


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("warehouse", type=Path)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/phases"))
    ap.add_argument("--as-of", default="2026-03-31")
    ap.add_argument("--sequential", action="store_true",
                    help="run the report phases one after the other (by default they run side by side: then each "
                         "phase's CPU is the whole process's)")
    args = ap.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    db, out = args.workdir / "phases.duckdb", args.workdir / "out"
    copy_warehouse(args.warehouse, db)
    shutil.rmtree(out, ignore_errors=True)
    log: list[tuple[str, float, float]] = []
    # pyarrow's pool as the console script chooses it (``lean_process.console_script``: the system allocator unless
    # the environment names one): month-end called in-process through ``main(argv)`` would stay on mimalloc, whose
    # 2 MiB huge-page faults added ≈ 1.3 s of CPU to reconcile_parts alone (2.94 vs 1.67 s, 2M bank, session 13)
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    w0, c0 = time.perf_counter(), time.process_time()
    import importlib

    import wupian.pipeline  # noqa: F401 — the phases below patch these modules
    import wupian.reports.run  # noqa: F401
    from wupian.cli.main import main as wupian_main
    log.append(("imports", time.perf_counter() - w0, time.process_time() - c0))
    if args.sequential:
        wupian.reports.run.concurrent_by_default = lambda wh: False
    for module, name in PHASES:
        mod = importlib.import_module(module)
        if not hasattr(mod, name):
            continue
        setattr(mod, name, timed(name, getattr(mod, name), log))
    w1, c1 = time.perf_counter(), time.process_time()
    try:
        rc = wupian_main(["--db", str(db), "month-end", "--as-of", args.as_of, "--uscc", USCC, "--out", str(out)])
    except SystemExit as done:  # the CLI ends with its exit code
        rc = done.code
    log.append(("month-end (all)", time.perf_counter() - w1, time.process_time() - c1))
    load = os.getloadavg()[0]
    lines = [f"exit {rc}; load average {load:.2f}", "", "| phase | wall s | CPU s |", "|---|---:|---:|"]
    lines += [f"| {name} | {wall:.2f} | {cpu:.2f} |" for name, wall, cpu in log]
    print("\n".join(lines), file=sys.stderr)  # month-end's own report is on stdout
    return 0


if __name__ == "__main__":
    sys.exit(main())
