"""A/B of ``wupian month-end`` between two source trees on copies of one loaded warehouse, interleaved so that a
shared machine's load hits both; optionally checks that both trees wrote the same files.

Usage: ``python bench/ab_month_end.py WAREHOUSE [--a /work/main/src] [--b src] [--rounds 2] [--workdir DIR]
[--compare]`` where ``WAREHOUSE`` is a warehouse file right after ``wupian load`` (nothing classified: month-end then
classifies both profiles, computes the indicators and writes every report, as ``bench/core.py`` measures it).
Prints wall time, CPU time (user + system of the child, from ``wait4``), peak RSS and the 1-minute load average
before and after each run — CPU times are the figure to compare when the machine is busy. ``--compare`` compares
the output folders of the last round: bytes, or the content of xlsx/docx members other than ``docProps/core.xml``
and the lines of each ``.log`` other than line 4 (the files' creation times).
"""

from __future__ import annotations

import argparse
import io
import shutil
import zipfile
from pathlib import Path

from ab_core import AS_OF, run_tree, tree_arguments

USCC = "91110000100000000X"


def same_outputs(a: Path, b: Path) -> list[str]:
    """Differences between two month-end output folders (empty when identical up to creation times)."""
    fa = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    fb = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    out = [f"only in one: {sorted(set(map(str, fa)) ^ set(map(str, fb)))}"] if fa != fb else []
    for rel in (r for r in fa if r in fb):
        x, y = (a / rel).read_bytes(), (b / rel).read_bytes()
        if x == y:
            continue
        if rel.suffix in (".xlsx", ".docx"):
            za, zb = zipfile.ZipFile(io.BytesIO(x)), zipfile.ZipFile(io.BytesIO(y))
            names = sorted(za.namelist())
            if names == sorted(zb.namelist()) and all(
                    za.read(n) == zb.read(n) for n in names if n != "docProps/core.xml"):
                continue
        elif rel.suffix == ".log":
            la, lb = x.split(b"\n"), y.split(b"\n")
            if la[:3] + la[4:] == lb[:3] + lb[4:]:
                continue
        out.append(str(rel))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("warehouse", type=Path)
    tree_arguments(ap, "/tmp/wupian-bench-ab-me")
    ap.add_argument("--compare", action="store_true", help="compare the two trees' output files of the last round")
    ns = ap.parse_args()
    ns.workdir.mkdir(parents=True, exist_ok=True)
    for r in range(ns.rounds):
        for name, src in (("a", ns.a), ("b", ns.b)):
            db, out = ns.workdir / f"{name}.duckdb", ns.workdir / f"out-{name}"
            Path(f"{db}.wal").unlink(missing_ok=True)
            shutil.copyfile(ns.warehouse, db)
            shutil.rmtree(out, ignore_errors=True)
            wall, cpu, peak, before, after = run_tree(src, ["--db", str(db), "month-end", "--as-of", AS_OF, "--uscc", USCC,
                                                        "--out", str(out)])
            print(f"round {r + 1} {name} ({src}): month-end wall {wall:.1f} s CPU {cpu:.2f} s peak {peak:,.0f} MiB "
                  f"load avg {before:.1f} → {after:.1f}", flush=True)
    if ns.compare:
        diff = same_outputs(ns.workdir / "out-a", ns.workdir / "out-b")
        print("outputs identical (up to creation times)" if not diff else f"outputs differ: {diff}")


if __name__ == "__main__":
    main()
