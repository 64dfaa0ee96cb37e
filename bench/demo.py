"""Benchmark: how long ``wupian demo`` takes — generation alone, then generation + loading every month-end.

    python bench/demo.py --scale 1.0 [--months 13] [--out /tmp/wupian-demo-bench]

Prints wall-clock seconds per phase and the row counts; record results in bench/results/demo.md.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from wupian.demo import build_demo, run_demo


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--months", type=int, default=13)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    work = args.out or Path(tempfile.mkdtemp(prefix="wupian-demo-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    t0 = time.perf_counter()
    manifest = build_demo(work / "files-only", scale=args.scale, months=args.months)
    t1 = time.perf_counter()
    print(f"generate only: {t1 - t0:.1f} s; loans per month-end {manifest.loans}; customers {manifest.customers}")
    stamps: dict[str, float] = {}

    def progress(step: str, label: str, done: int, total: int) -> None:
        stamps.setdefault(step, time.perf_counter())

    t2 = time.perf_counter()
    result = run_demo(str(work / "bench.duckdb"), work / "bank", scale=args.scale, months=args.months,
                      progress=progress)
    t3 = time.perf_counter()
    gen = stamps.get("load", t3) - t2
    print(f"run_demo total: {t3 - t2:.1f} s (generate {gen:.1f} s, load + events {t3 - t2 - gen:.1f} s); "
          f"rejected {result.rejected}")


if __name__ == "__main__":
    main()
