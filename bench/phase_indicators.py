"""Month-end's indicator phase alone: ``compute_indicators`` as ``reports.run.prepare`` runs it right after the
month-end classification, then the briefing's ``_nfra_balances``; CPU (all threads) and wall of each, and an md5 of
each result (compare two trees' outputs).

Run it on a **copy** of a month-ended warehouse (e.g. ``/tmp/perf/me10m.duckdb`` with its ``.parts``:
``bench/phases_month_end.copy_warehouse``); the stored indicator set of the date is replaced (``--no-store``: not).
Month-end's classification keeps the date's history-decided first loans for the indicator statement
(``engine.classify_kept``); a month-ended copy has none, so this script builds the same rows (the rule's relation
for the date's borrowers) before the clock starts, else the statement would aggregate the whole history.

``--reconcile``: then month-end's ``reconcile_parts`` on the result too (its CPU, wall and an md5 of its three parts),
instead of ``_nfra_balances``.

Usage: ``PYTHONPATH=TREE/src python bench/phase_indicators.py WAREHOUSE [--as-of 2026-03-31] [--no-store]
[--reconcile]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import time
from datetime import date


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("warehouse")
    ap.add_argument("--as-of", default="2026-03-31")
    ap.add_argument("--no-store", action="store_true")
    ap.add_argument("--reconcile", action="store_true", help="time reconcile_parts instead of _nfra_balances")
    args = ap.parse_args()
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")  # as the console script
    from wupian.engine.without_pandas import settle_pyarrow

    settle_pyarrow()  # as the command line: pyarrow never imports pandas (else ≈ 0.5 s CPU inside the phase)
    from wupian import metrics
    from wupian.engine import classify_kept
    from wupian.engine.first_loan_rule import first_loan_ids_relation
    from wupian.engine.warehouse import Warehouse
    from wupian.reports import reconcile, run

    as_of = date.fromisoformat(args.as_of)
    wh = Warehouse(args.warehouse)
    wh.execute(f"CREATE OR REPLACE TEMP TABLE {classify_kept.FIRST_LOANS_TABLE} AS SELECT * FROM "
               f"{first_loan_ids_relation()} AS r "
               "WHERE first_customer_id IN (SELECT customer_id FROM loans WHERE as_of = ?)",
               [as_of, as_of, date(as_of.year, 1, 1), as_of, as_of])
    classify_kept.record(wh, as_of, "nfra_1104_2025")
    c0, w0 = time.process_time(), time.perf_counter()
    result = metrics.compute_indicators(wh, as_of, store=not args.no_store)
    c1, w1 = time.process_time(), time.perf_counter()
    if args.reconcile:
        parts = reconcile.reconcile_parts(wh, result, None)
    else:
        nfra = run._nfra_balances(wh, as_of, None)
    c2, w2 = time.process_time(), time.perf_counter()
    if args.reconcile:
        second = hashlib.md5(str([parts[0], parts[1].to_pylist(), parts[2]]).encode()).hexdigest()[:8]

    def md5(r: object) -> str:
        return "-" if r is None else hashlib.md5(str(r.to_arrow().to_pylist()).encode()).hexdigest()[:8]  # type: ignore[attr-defined]

    name = "reconcile_parts" if args.reconcile else "_nfra_balances"
    print(f"compute_indicators CPU {c1 - c0:.2f} s (wall {w1 - w0:.2f}) md5 {md5(result)} | "
          f"{name} CPU {c2 - c1:.2f} s (wall {w2 - w1:.2f}) md5 {second if args.reconcile else md5(nfra)} | "
          f"both CPU {c2 - c0:.2f} s | load {os.getloadavg()[0]:.1f}", flush=True)
    wh.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
