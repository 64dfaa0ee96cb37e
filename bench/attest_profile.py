"""Where the time of one batched append goes: wupian.attest vs pymerkle's SqliteTree, like for like.

Both sides get the same entries (canonical-JSON LC events, ≈ 171 bytes), the same batch (all of them in one
call), the same durability (the data is on disk when the call returns: wupian fsyncs every file it wrote and
then its checkpoint; SqliteTree commits one transaction with SQLite's default ``synchronous=FULL``) and a
fresh log / database. Each side's work is split by timing its own functions (wrapped for this run only):

* wupian: leaf hashes (one SHA-256 per entry), inner nodes (one SHA-256 per node: n − 1 of them, all
  stored, so proofs need O(log n) reads), writing entries / offsets / hashes (``pwrite``), ``fsync``, and the
  checkpoint (root from the stored nodes, O(log n));
* pymerkle: leaf hashes (its ``_hash_per_chunk``, one SHA-256 per entry in a Python loop building
  ``(entry, hash)`` tuples), then SQLite's ``executemany`` INSERT + COMMIT of those rows. It computes no inner
  node at append time (its proofs recompute subtrees from the leaf table: 40–90 ms each at 1M leaves).

And the floor of CPython's hashlib on this machine: one ``sha256(b).digest()`` call per message.

    PYTHONPATH=src:/path/to/pymerkle python bench/attest_profile.py --n 1000000 --rounds 3
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import wupian.attest.store as store_mod
from wupian.attest.store import LogStore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from attest import entries  # noqa: E402  (the same entries as bench/attest.py)


class Clock:
    """Wall and process-CPU seconds spent inside wrapped functions, by label."""

    def __init__(self) -> None:
        self.wall: dict[str, float] = {}
        self.cpu: dict[str, float] = {}

    def wrap(self, label: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t, c = time.perf_counter(), time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                self.wall[label] = self.wall.get(label, 0.0) + time.perf_counter() - t
                self.cpu[label] = self.cpu.get(label, 0.0) + time.process_time() - c
        return timed


def profile_wupian(batch: list[bytes], work: Path) -> dict[str, tuple[float, float]]:
    clock = Clock()
    saved = {name: getattr(store_mod, name) for name in ("_leaf_hashes", "_pair_up", "_pwrite_all")}
    saved_fsync, saved_commit = os.fsync, LogStore._commit
    d = work / "wupian"
    shutil.rmtree(d, ignore_errors=True)
    try:
        store_mod._leaf_hashes = clock.wrap("leaf hashes", saved["_leaf_hashes"])
        store_mod._pair_up = clock.wrap("inner nodes", saved["_pair_up"])
        store_mod._pwrite_all = clock.wrap("pwrite (entries, offsets, hashes)", saved["_pwrite_all"])
        with LogStore.create(d) as log:
            os.fsync = clock.wrap("fsync", saved_fsync)  # type: ignore[assignment]
            LogStore._commit = clock.wrap("checkpoint", saved_commit)  # type: ignore[method-assign]
            t, c = time.perf_counter(), time.process_time()
            log.append_batch(batch)
            total = (time.perf_counter() - t, time.process_time() - c)
    finally:
        for name, fn in saved.items():
            setattr(store_mod, name, fn)
        os.fsync, LogStore._commit = saved_fsync, saved_commit  # type: ignore[method-assign]
        shutil.rmtree(d, ignore_errors=True)
    out = {k: (clock.wall[k], clock.cpu[k]) for k in clock.wall}
    out["total"] = total
    return out


def profile_pymerkle(batch: list[bytes], work: Path) -> dict[str, tuple[float, float]]:
    from pymerkle import SqliteTree

    d = work / "pymerkle"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    out: dict[str, tuple[float, float]] = {}
    tree = SqliteTree(str(d / "whole.db"))
    t, c = time.perf_counter(), time.process_time()
    tree.append_entries(batch)
    out["total"] = (time.perf_counter() - t, time.process_time() - c)
    tree.close()
    tree = SqliteTree(str(d / "split.db"))
    t, c = time.perf_counter(), time.process_time()
    chunks = list(tree._hash_per_chunk(batch, 100_000))
    out["leaf hashes (+ row tuples)"] = (time.perf_counter() - t, time.process_time() - c)
    t, c = time.perf_counter(), time.process_time()
    with tree.con:
        for chunk in chunks:
            tree.cur.executemany("INSERT INTO leaf(entry, hash) VALUES (?, ?)", chunk)
    out["SQLite INSERT + COMMIT"] = (time.perf_counter() - t, time.process_time() - c)
    tree.close()
    shutil.rmtree(d, ignore_errors=True)
    return out


def hashlib_floor(batch: list[bytes]) -> dict[str, tuple[float, float]]:
    sha = hashlib.sha256
    t, c = time.perf_counter(), time.process_time()
    leaves = [sha(b"\x00" + e).digest() for e in batch]
    out = {"n leaf hashes": (time.perf_counter() - t, time.process_time() - c)}
    pairs = [b"\x01" + leaves[i] + leaves[i + 1] for i in range(0, len(leaves) - 1, 2)]
    t, c = time.perf_counter(), time.process_time()
    for p in pairs:
        sha(p).digest()
    w, cp = time.perf_counter() - t, time.process_time() - c
    scale = (len(batch) - 1) / max(1, len(pairs))
    out["n-1 node hashes (from n/2 measured)"] = (w * scale, cp * scale)
    return out


def median_rows(runs: list[dict[str, tuple[float, float]]]) -> dict[str, tuple[float, float]]:
    return {k: (statistics.median(r[k][0] for r in runs), statistics.median(r[k][1] for r in runs))
            for k in runs[0]}


def render(title: str, rows: dict[str, tuple[float, float]], n: int) -> str:
    total = rows.get("total", (0.0, 0.0))
    lines = [f"**{title}**", "", "| part | wall s | CPU s | CPU ns per entry | share of CPU |", "|---|---:|---:|---:|---:|"]
    for k, (w, c) in rows.items():
        share = f"{100 * c / total[1]:.0f} %" if total[1] and k != "total" else ""
        lines.append(f"| {k} | {w:.3f} | {c:.3f} | {c / n * 1e9:,.0f} | {share} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workdir", default="bench/_data/attest-profile")
    args = ap.parse_args()
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    batch = list(entries(0, args.n))
    load0 = os.getloadavg()[0]
    wr, pr, fr = [], [], []
    for _ in range(args.rounds):
        wr.append(profile_wupian(batch, work))
        try:
            pr.append(profile_pymerkle(batch, work))
        except ImportError:
            pass
        fr.append(hashlib_floor(batch))
    print(f"{args.n:,} entries in one batch, median of {args.rounds} rounds; load average "
          f"{load0:.2f} → {os.getloadavg()[0]:.2f}\n")
    w = median_rows(wr)
    print(render("wupian.attest `LogStore.append_batch`", w, args.n))
    if pr:
        p = median_rows(pr)
        print(render("pymerkle `SqliteTree.append_entries`", p, args.n))
        print(f"ratio (pymerkle / wupian): wall {p['total'][0] / w['total'][0]:.2f}×, "
              f"CPU {p['total'][1] / w['total'][1]:.2f}×\n")
    print(render("CPython hashlib floor (sha256(...).digest() per message)", median_rows(fr), args.n))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
