"""Measure what the lineage checks cost on a loaded warehouse (docs/lineage.md, "Cost").

Usage: PYTHONPATH=src python scripts/lineage_cost.py WAREHOUSE.duckdb AS_OF [--invalidate]

Times the reader's freshness check alone, then three whole-bank ``api.compute_indicators`` calls with every
``wupian.engine.lineage`` look-up inside them timed (the functions are wrapped with a timer for this run only).

``--invalidate`` (a scratch warehouse only: it discards the stored results of AS_OF and later) first times
the invalidation a load runs inside its transaction (``lineage.invalidate_from``, committed), then the first
*computing* call (classification on demand, indicators, store) with its lineage look-ups, wall and CPU.
"""

from __future__ import annotations

import functools
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from wupian.api import compute_indicators, ensure_fresh, open_warehouse
from wupian.engine import lineage

SPENT = [0.0, 0]


def _timed(f: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(f)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return f(*args, **kwargs)
        finally:
            SPENT[0] += time.perf_counter() - start
            SPENT[1] += 1
    return wrapper


def _invalidate_then_compute(wh: Any, as_of: date) -> None:
    start, cpu = time.perf_counter(), time.process_time()
    with wh.transaction() as con:
        lineage.invalidate_from(con, as_of)
    print(f"invalidation of {as_of} and later (committed): {time.perf_counter() - start:.2f} s wall, "
          f"{time.process_time() - cpu:.2f} s CPU")
    originals = {name: getattr(lineage, name) for name in ("stale_dates", "record", "stamps", "inputs_of", "is_loaded")}
    for name, fn in originals.items():
        setattr(lineage, name, _timed(fn))
    SPENT[:] = [0.0, 0]
    start, cpu = time.perf_counter(), time.process_time()
    compute_indicators(wh, as_of)
    print(f"first computing call (classify on demand + indicators + store): {time.perf_counter() - start:.2f} s "
          f"wall, {time.process_time() - cpu:.2f} s CPU; lineage look-ups {SPENT[0] * 1000:.1f} ms in {SPENT[1]} calls")
    for name, fn in originals.items():
        setattr(lineage, name, fn)


def main(db: str, as_of: date, invalidate: bool = False) -> None:
    with open_warehouse(db) as wh:
        if invalidate:
            _invalidate_then_compute(wh, as_of)
        compute_indicators(wh, as_of)  # classify and store first, so what follows is the fresh case
        runs = []
        for _ in range(20):
            start = time.perf_counter()
            ensure_fresh(wh, as_of, ("pboc_2025",))
            runs.append(time.perf_counter() - start)
        print(f"freshness check: median {statistics.median(runs) * 1000:.1f} ms, max {max(runs) * 1000:.1f} ms")
        for name in ("stale_dates", "record", "stamps", "inputs_of", "is_loaded"):
            setattr(lineage, name, _timed(getattr(lineage, name)))
        for _ in range(3):
            SPENT[:] = [0.0, 0]
            start = time.perf_counter()
            compute_indicators(wh, as_of)
            total = time.perf_counter() - start
            print(f"indicators {total:.2f} s, lineage look-ups {SPENT[0] * 1000:.1f} ms in {SPENT[1]} calls")


if __name__ == "__main__":
    main(sys.argv[1], date.fromisoformat(sys.argv[2]), "--invalidate" in sys.argv[3:])
