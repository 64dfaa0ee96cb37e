"""Benchmark of the attestation log (wupian.attest) side by side with the ``pymerkle`` package.

Measures, at each tree size: appends per second (batched, and one-by-one with the durability each offers),
inclusion- and consistency-proof time (generation and verification), and storage bytes per entry.
pymerkle is the peer only; it is not a dependency (``pip install pymerkle`` in the benchmark environment).

    python bench/attest.py                          # 1M and 10M leaves, writes nothing
    python bench/attest.py --write bench/results/attest.md
    python bench/attest.py --sizes 100000 --quick   # a smoke run
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from wupian.attest.merkle import leaf_hash, verify_consistency, verify_inclusion
from wupian.attest.store import LogStore

ENTRY = b'{"document_sha256":"%064x","event":"issued","lc_no":"LC%010d","meta":{},"time":"2025-06-01T09:30:00+08:00"}'
BATCH = 1_000_000


def entries(start: int, stop: int) -> Iterator[bytes]:
    """Realistic log entries (canonical JSON of an LC event, about 130 bytes)."""
    for i in range(start, stop):
        yield ENTRY % (i * 2654435761, i)


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    result = fn()
    return time.perf_counter() - t, result


def per_call_us(fn: Callable[[int], Any], args: list[int]) -> tuple[float, float]:
    """Median and 99th percentile of one call, in microseconds."""
    samples = []
    for a in args:
        t = time.perf_counter()
        fn(a)
        samples.append((time.perf_counter() - t) * 1e6)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def bench_wupian(n: int, work: Path, probes: int, single: int, rng: random.Random) -> dict[str, Any]:
    d = work / f"wupian-{n}"
    shutil.rmtree(d, ignore_errors=True)
    res: dict[str, Any] = {"impl": "wupian.attest", "n": n}
    with LogStore.create(d) as store:
        spent = cpu = 0.0
        for start in range(0, n, BATCH):
            batch = list(entries(start, min(n, start + BATCH)))  # generated outside the timed region
            t, c = time.perf_counter(), time.process_time()
            store.append_batch(batch)  # each batch durable (fsync + checkpoint)
            spent += time.perf_counter() - t
            cpu += time.process_time() - c
        res["batch_rate"], res["batch_cpu_rate"] = n / spent, n / cpu
        res["bytes_per_entry"] = dir_bytes(d) / n
        res["overhead_per_entry"] = (dir_bytes(d) - (d / "entries.bin").stat().st_size) / n
        root = store.root()
        idx = [rng.randrange(n) for _ in range(probes)]
        res["incl_us"] = per_call_us(store.inclusion_proof, idx)
        proofs = {i: store.inclusion_proof(i) for i in idx[:200]}
        leaves = {i: leaf_hash(store.entry(i)) for i in proofs}
        res["incl_verify_us"] = per_call_us(lambda i: verify_inclusion(leaves[i], i, n, proofs[i], root), list(proofs))
        assert all(verify_inclusion(leaves[i], i, n, proofs[i], root) for i in proofs)
        olds = [rng.randrange(1, n) for _ in range(probes)]
        res["cons_us"] = per_call_us(lambda m: store.consistency_proof(m, n), olds)
        cons = {m: (store.consistency_proof(m, n), store.root(m)) for m in olds[:200]}
        res["cons_verify_us"] = per_call_us(lambda m: verify_consistency(m, n, cons[m][1], root, cons[m][0]), list(cons))
        assert all(verify_consistency(m, n, cons[m][1], root, cons[m][0]) for m in cons)
        t = time.perf_counter()
        for e in entries(n, n + single):
            store.append(e)  # one fsync'd, checkpointed append per entry
        res["single_rate"] = single / (time.perf_counter() - t)
        res.update(bench_audit(store))
    shutil.rmtree(d, ignore_errors=True)
    return res


def bench_audit(store: LogStore) -> dict[str, Any]:
    """Cost of the audit that ``wupian attest add`` runs first: full, then incremental after one more append."""
    from wupian.attest.audit import audit_log
    from wupian.attest.sth import generate_key

    key = generate_key(store.directory).public_key  # the bench entries are valid canonical LC entries
    t, c = time.perf_counter(), time.process_time()
    full = audit_log(store, key, full=True)
    out = {"audit_full_s": (time.perf_counter() - t, time.process_time() - c)}
    assert full.ok, full.findings[:3]
    store.append(next(entries(store.size, store.size + 1)))
    t, c = time.perf_counter(), time.process_time()
    inc = audit_log(store, key)
    out["audit_incremental_s"] = (time.perf_counter() - t, time.process_time() - c)
    assert inc.ok and inc.mode == "incremental" and inc.entries_checked == 1
    out["audit_digested_mb"] = inc.bytes_digested / 1e6
    return out


def bench_pymerkle_sqlite(n: int, work: Path, probes: int, single: int, rng: random.Random) -> dict[str, Any]:
    from pymerkle import SqliteTree

    d = work / f"pymerkle-{n}"
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    res: dict[str, Any] = {"impl": "pymerkle SqliteTree", "n": n}
    tree = SqliteTree(str(d / "tree.db"))
    spent = cpu = 0.0
    for start in range(0, n, BATCH):
        batch = list(entries(start, min(n, start + BATCH)))
        t, c = time.perf_counter(), time.process_time()
        tree.append_entries(batch)
        spent += time.perf_counter() - t
        cpu += time.process_time() - c
    res["batch_rate"], res["batch_cpu_rate"] = n / spent, n / cpu
    res["bytes_per_entry"] = dir_bytes(d) / n
    first, _ = timed(lambda: tree.prove_inclusion(rng.randrange(1, n + 1), n))
    res["incl_first_ms"] = first * 1e3
    res["incl_us"] = per_call_us(lambda i: tree.prove_inclusion(i, n), [rng.randrange(1, n + 1) for _ in range(probes)])
    first, _ = timed(lambda: tree.prove_consistency(rng.randrange(1, n), n))
    res["cons_first_ms"] = first * 1e3
    res["cons_us"] = per_call_us(lambda m: tree.prove_consistency(m, n), [rng.randrange(1, n) for _ in range(probes)])
    t = time.perf_counter()
    for e in entries(n, n + single):
        tree.append_entry(e)  # one SQLite transaction (synchronous=FULL) per entry
    res["single_rate"] = single / (time.perf_counter() - t)
    tree.close()
    shutil.rmtree(d, ignore_errors=True)
    return res


def bench_pymerkle_memory(n: int, probes: int, rng: random.Random) -> dict[str, Any]:
    from pymerkle import InmemoryTree

    res: dict[str, Any] = {"impl": "pymerkle InmemoryTree", "n": n}
    tree = InmemoryTree()
    batch = list(entries(0, n))
    t = time.perf_counter()
    for e in batch:
        tree.append_entry(e)  # not durable: the tree lives in process memory
    res["single_rate"] = res["batch_rate"] = n / (time.perf_counter() - t)
    res["incl_us"] = per_call_us(lambda i: tree.prove_inclusion(i, n), [rng.randrange(1, n + 1) for _ in range(probes)])
    res["cons_us"] = per_call_us(lambda m: tree.prove_consistency(m, n), [rng.randrange(1, n) for _ in range(probes)])
    return res


def fmt_rate(r: dict[str, Any], key: str) -> str:
    return f"{r[key]:,.0f}" if key in r else "–"


def fmt_us(r: dict[str, Any], key: str) -> str:
    if key not in r:
        return "–"
    med, p99 = r[key]
    return f"{med:,.1f} / {p99:,.1f}"


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| implementation | leaves | batched appends/s | one-by-one appends/s | inclusion proof µs (median / p99) "
        "| consistency proof µs (median / p99) | verify incl. / cons. µs (median) | bytes per entry |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        verify = (f"{r['incl_verify_us'][0]:.1f} / {r['cons_verify_us'][0]:.1f}" if "incl_verify_us" in r else "–")
        extra = ""
        if "incl_first_ms" in r:
            extra = f" (first call {r['incl_first_ms']:,.0f} ms / {r['cons_first_ms']:,.0f} ms)"
        size = f"{r['bytes_per_entry']:.1f}" if "bytes_per_entry" in r else "– (memory)"
        if "overhead_per_entry" in r:
            size += f" ({r['overhead_per_entry']:.1f} beyond the entry)"
        lines.append(
            f"| {r['impl']} | {r['n']:,} | {fmt_rate(r, 'batch_rate')} | {fmt_rate(r, 'single_rate')} | "
            f"{fmt_us(r, 'incl_us')}{extra} | {fmt_us(r, 'cons_us')} | {verify} | {size} |")
    return "\n".join(lines)


def ratios(results: list[dict[str, Any]]) -> str:
    """Batched append rate of wupian over pymerkle SqliteTree's at the same size (wall and CPU), and audit cost."""
    lines = []
    for r in results:
        peer = next((p for p in results if p["impl"] == "pymerkle SqliteTree" and p["n"] == r["n"]), None)
        if r["impl"] == "wupian.attest" and peer is not None:
            lines.append(f"- {r['n']:,} leaves: batched appends **{r['batch_rate'] / peer['batch_rate']:.1f}×** "
                         f"pymerkle SqliteTree by wall time ({r['batch_rate']:,.0f} vs {peer['batch_rate']:,.0f}/s), "
                         f"{r['batch_cpu_rate'] / peer['batch_cpu_rate']:.1f}× by process CPU time "
                         f"({r['batch_cpu_rate']:,.0f} vs {peer['batch_cpu_rate']:,.0f}/s).")
        if "audit_full_s" in r:
            (fw, fc), (iw, ic) = r["audit_full_s"], r["audit_incremental_s"]
            lines.append(f"- {r['n']:,} leaves: full audit {fw:.2f} s wall / {fc:.2f} s CPU; the incremental audit "
                         f"`add` runs first {iw * 1000:.0f} ms wall / {ic * 1000:.0f} ms CPU "
                         f"({r['audit_digested_mb']:,.0f} MB digested, 1 new entry checked).")
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return "\n".join(lines + [f"- load average at the end of the run: {load}."]) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="1000000,10000000", help="comma-separated tree sizes")
    ap.add_argument("--pymerkle-sqlite-max", type=int, default=10_000_000)
    ap.add_argument("--pymerkle-memory-max", type=int, default=1_000_000)
    ap.add_argument("--probes", type=int, default=1000, help="proofs timed per size")
    ap.add_argument("--single", type=int, default=1000, help="one-by-one durable appends timed")
    ap.add_argument("--workdir", default="bench/_data/attest")
    ap.add_argument("--quick", action="store_true", help="fewer probes (smoke run)")
    ap.add_argument("--write", help="write the Markdown results here")
    args = ap.parse_args()
    if args.quick:
        args.probes, args.single = 100, 100
    work = Path(args.workdir)
    work.mkdir(parents=True, exist_ok=True)
    rng = random.Random(9162)
    try:
        import pymerkle  # noqa: F401
        have_pymerkle = True
    except ImportError:
        have_pymerkle = False
        print("pymerkle is not installed: measuring wupian.attest only", file=sys.stderr)
    results: list[dict[str, Any]] = []
    for n in [int(s) for s in args.sizes.split(",")]:
        for label, run in [
            ("wupian", lambda n=n: bench_wupian(n, work, args.probes, args.single, rng)),
            ("sqlite", lambda n=n: bench_pymerkle_sqlite(n, work, min(args.probes, 200), min(args.single, 300), rng)
             if have_pymerkle and n <= args.pymerkle_sqlite_max else None),
            ("memory", lambda n=n: bench_pymerkle_memory(n, min(args.probes, 200), rng)
             if have_pymerkle and n <= args.pymerkle_memory_max else None),
        ]:
            t = time.perf_counter()
            r = run()
            if r is not None:
                r["wall_s"] = time.perf_counter() - t
                results.append(r)
                print(f"{label} n={n:,} done in {r['wall_s']:.0f} s: {r}", file=sys.stderr, flush=True)
    cores = os.cpu_count()
    header = (f"Machine: {platform.machine()}, {cores} cores (shared), Python {platform.python_version()}, "
              f"{platform.system()} {platform.release()}; command: `python bench/attest.py "
              f"{' '.join(sys.argv[1:])}`")
    out = header + "\n\n" + table(results) + "\n" + ratios(results)
    print(out)
    if args.write:
        Path(args.write).parent.mkdir(parents=True, exist_ok=True)
        Path(args.write).write_text(out, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
