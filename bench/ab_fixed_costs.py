"""A/B of the fixed cost every wupian process pays (imports, start-up, opening the warehouse, output), between two
source trees, interleaved: ``load``, a cold and a warm ``indicators --format csv`` and ``month-end`` of a one-loan
bank (where almost nothing but the fixed cost is left), ``wupian --help``, and — with ``--db`` — a warm
``indicators --format csv`` of a loaded warehouse (e.g. the 2M bank; read only in effect: the result is stored).

Usage: ``python bench/ab_fixed_costs.py [--a /work/main/src] [--b src] [--rounds 5] [--db W --as-of D]``.
Prints the CPU time (user + system of the child, from ``wait4``) of every step, min and median over the rounds.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.lineage_bank import tiny_folder  # noqa: E402

USCC = "91130900MA0000001X"


def cpu(src: str, args: list[str]) -> float:
    """CPU seconds of ``wupian ARGS`` run with ``PYTHONPATH=src`` (exit 0 or 1 required)."""
    env = {**os.environ, "PYTHONPATH": src}
    child = subprocess.Popen([str(Path(sys.executable).parent / "wupian"), *args], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"wupian {' '.join(args)} failed with PYTHONPATH={src}")
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--a", default="/work/main/src", help="first source tree (PYTHONPATH)")
    ap.add_argument("--b", default=str(ROOT / "src"), help="second source tree")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--db", help="a loaded warehouse for a warm `indicators` (its date: --as-of)")
    ap.add_argument("--as-of", default="2026-03-31")
    opts = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="wupian-fixed-"))
    folder = tiny_folder(work, "2026-03-31", targets=True)
    trees = {"a": opts.a, "b": opts.b}
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(opts.rounds):
        for side, src in trees.items():
            db = work / f"{side}.duckdb"
            for leftover in (db, Path(f"{db}.wal"), Path(f"{db}.parts"), work / f"me-{side}"):
                shutil.rmtree(leftover, ignore_errors=True) if leftover.is_dir() else leftover.unlink(missing_ok=True)
            steps = [("load (1 loan)", ["--db", str(db), "load", str(folder), "--as-of", "2026-03-31"]),
                     ("indicators cold (1 loan)", ["--db", str(db), "indicators", "--as-of", "2026-03-31",
                                                   "--format", "csv"]),
                     ("indicators warm (1 loan)", ["--db", str(db), "indicators", "--as-of", "2026-03-31",
                                                   "--format", "csv"]),
                     ("month-end (1 loan)", ["--db", str(db), "month-end", "--as-of", "2026-03-31", "--uscc", USCC,
                                             "--out", str(work / f"me-{side}")]),
                     ("--help", ["--help"])]
            if opts.db:
                steps.append(("indicators warm (--db)", ["--db", opts.db, "indicators", "--as-of", opts.as_of,
                                                         "--format", "csv"]))
            for name, args in steps:
                times.setdefault((name, side), []).append(cpu(src, args))
    shutil.rmtree(work, ignore_errors=True)
    print(f"a = {opts.a}\nb = {opts.b}\nCPU s (user + sys), {opts.rounds} rounds; load average now "
          f"{os.getloadavg()[0]:.1f}\n")
    print("| step | a min | a median | b min | b median |\n|---|---:|---:|---:|---:|")
    for name in dict.fromkeys(n for n, _ in times):
        a, b = times[(name, "a")], times[(name, "b")]
        print(f"| {name} | {min(a):.3f} | {statistics.median(a):.3f} | {min(b):.3f} | {statistics.median(b):.3f} |")


if __name__ == "__main__":
    main()
