"""Measure what the lineage checks cost on a loaded warehouse (docs/lineage.md, "Cost").

Usage: PYTHONPATH=src python scripts/lineage_cost.py WAREHOUSE.duckdb AS_OF

Times the reader's freshness check alone, then three whole-bank ``api.compute_indicators`` calls with every
``wupian.engine.lineage`` look-up inside them timed (the functions are wrapped with a timer for this run only).
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


def main(db: str, as_of: date) -> None:
    with open_warehouse(db) as wh:
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
    main(sys.argv[1], date.fromisoformat(sys.argv[2]))
