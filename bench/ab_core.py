"""A/B of the core pipeline between two source trees: ``wupian load`` then a cold ``wupian indicators`` (which
classifies on demand), the two trees interleaved on the same bank so that a shared machine's load hits both.

Usage: ``python bench/ab_core.py BANK_DIR [--a /work/main/src] [--b src] [--rounds 2] [--workdir DIR] [--load-only]``
(``BANK_DIR`` from ``gen_bank.py``; ``--load-only`` skips the indicators step). Prints wall time, CPU time (user + system of the child, from ``wait4``),
peak RSS and the 1-minute load average of every step — CPU times are the figure to compare when busy.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

AS_OF = "2026-03-31"


def run_tree(src: str, args: list[str]) -> tuple[float, float, float, float, float]:
    """Run ``wupian ARGS`` with ``PYTHONPATH=src``: wall s, CPU s (user + system), peak RSS MiB, load average before
    and after."""
    env = {**os.environ, "PYTHONPATH": src}
    load, t0 = os.getloadavg()[0], time.perf_counter()
    child = subprocess.Popen([str(Path(sys.executable).parent / "wupian"), *args],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(child.pid, 0)
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"wupian {' '.join(args)} failed (PYTHONPATH={src})")
    return time.perf_counter() - t0, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, load, os.getloadavg()[0]


def _stored_mib(db: Path) -> float:
    """The warehouse file and the Parquet parts beside it (``<db>.parts``), MiB."""
    parts = Path(f"{db}.parts")
    extra = sum(f.stat().st_size for f in parts.rglob("*") if f.is_file()) if parts.exists() else 0
    return (db.stat().st_size + extra) / 2**20


def tree_arguments(ap: argparse.ArgumentParser, workdir: str) -> None:
    """The options every interleaved A/B script shares: the two source trees, rounds and a scratch folder."""
    ap.add_argument("--a", default="/work/main/src", help="first source tree (PYTHONPATH)")
    ap.add_argument("--b", default=str(Path(__file__).resolve().parent.parent / "src"), help="second source tree")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=Path(workdir))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bank", type=Path)
    tree_arguments(ap, "/tmp/wupian-bench-ab")
    ap.add_argument("--load-only", action="store_true", help="time `load` only (no cold indicators)")
    ns = ap.parse_args()
    ns.workdir.mkdir(parents=True, exist_ok=True)
    for r in range(ns.rounds):
        for name, src in (("a", ns.a), ("b", ns.b)):
            db = ns.workdir / f"{name}.duckdb"
            for p in (db, Path(f"{db}.wal")):
                p.unlink(missing_ok=True)
            shutil.rmtree(f"{db}.parts", ignore_errors=True)  # loans/customers as Parquet files (engine.parts)
            ld = run_tree(src, ["--db", str(db), "load", str(ns.bank), "--as-of", AS_OF])
            if ns.load_only:
                print(f"round {r + 1} {name} ({src}): load wall {ld[0]:.1f} s CPU {ld[1]:.2f} s peak {ld[2]:,.0f} MiB "
                      f"(load avg {ld[3]:.1f}); files {_stored_mib(db):,.1f} MiB", flush=True)
                continue
            ind = run_tree(src, ["--db", str(db), "indicators", "--as-of", AS_OF, "--format", "csv"])
            print(f"round {r + 1} {name} ({src}): load wall {ld[0]:.1f} s CPU {ld[1]:.2f} s peak {ld[2]:,.0f} MiB "
                  f"(load avg {ld[3]:.1f}); cold indicators wall {ind[0]:.1f} s CPU {ind[1]:.2f} s peak "
                  f"{ind[2]:,.0f} MiB (load avg {ind[3]:.1f}); load + indicators CPU {ld[1] + ind[1]:.2f} s",
                  flush=True)


if __name__ == "__main__":
    main()
