"""A/B of cold ``wupian indicators`` (which classifies on demand) between source trees, from copies of one loaded
warehouse pair, the trees interleaved so that a shared machine's load hits them alike.

Usage: ``python bench/ab_indicators.py LOADED_DB [--trees /work/main/src src] [--rounds 2] [--workdir DIR]``
(``LOADED_DB``: a warehouse file with its ``.parts`` folder beside it, loaded and never classified, e.g. by
``wupian --db W load /tmp/perf/bank2m --as-of 2026-03-31``). Each run starts from a fresh copy of the pair; prints
CPU (user + system of the child, from ``wait4``), wall, peak RSS and the 1-minute load average, and whether every
tree's CSV output is byte-identical to the first tree's.
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

AS_OF = "2026-03-31"


def fresh_copy(base: Path, db: Path) -> None:
    """``db`` (and its parts folder) as a copy of the loaded pair ``base``."""
    for p in (db, Path(f"{db}.wal")):
        p.unlink(missing_ok=True)
    shutil.rmtree(f"{db}.parts", ignore_errors=True)
    shutil.copyfile(base, db)
    shutil.copytree(f"{base}.parts", f"{db}.parts")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("base", type=Path)
    ap.add_argument("--trees", nargs="+", default=["/work/main/src", str(Path(__file__).resolve().parents[1] / "src")])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--workdir", type=Path, default=Path("/tmp/wupian-bench-ab-indicators"))
    ns = ap.parse_args()
    ns.workdir.mkdir(parents=True, exist_ok=True)
    wupian = str(Path(sys.executable).parent / "wupian")
    for r in range(ns.rounds):
        for i, src in enumerate(ns.trees):
            db, out = ns.workdir / f"t{i}.duckdb", ns.workdir / f"t{i}.csv"
            fresh_copy(ns.base, db)
            load, t0 = os.getloadavg()[0], time.perf_counter()
            with out.open("wb") as fh:
                child = subprocess.Popen([wupian, "--db", str(db), "indicators", "--as-of", AS_OF, "--format", "csv"],
                                         stdout=fh, stderr=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": src})
                _, status, usage = os.wait4(child.pid, 0)
            same = "" if i == 0 else f"; output {'identical' if filecmp.cmp(ns.workdir / 't0.csv', out, shallow=False) else 'DIFFERENT'}"
            print(f"round {r + 1} {src}: exit {os.waitstatus_to_exitcode(status)} CPU {usage.ru_utime + usage.ru_stime:.2f} s "
                  f"wall {time.perf_counter() - t0:.1f} s peak {usage.ru_maxrss / 1024:,.0f} MiB (load avg {load:.1f}){same}",
                  flush=True)


if __name__ == "__main__":
    main()
