"""The classification's work that does not read the per-customer facts, on a cursor of its own beside ``cls_cust``.

Why (issue 14, session 15): the per-customer facts statement (``classify_customers.build_customer_temp``) groups
every loan up to the date by customer. When the customers barely reduce the loans (the 10M bench bank: 3.3M
borrowers of 10M loans, 3 each), DuckDB's hash aggregate on two threads costs ≈ 1.3–1.6× the CPU of one thread
(each thread's table holds nearly every customer; the partitions are combined at the end). So while that
statement runs DuckDB is set to one thread, and the work of the classification that needs no per-customer fact
runs on the other core, on a cursor (``Warehouse.cursor``) in a thread of its own: the data checks' rows
(``classify.eval_sql``: ``cls_eval`` is made from them on the caller's connection afterwards — a cursor's temporary
tables are its own) and a caller's extra work (the size check of ``rules.service``). The database's threads are
given back as soon as the statement is done (``done_single``), before the facts are stored.

``SET threads`` is a setting of the database, not of a connection (``engine.load_lanes``, ``engine.core_share``):
the caller's connection sets it while its own connection has no statement running. The setting changes what work
each core does, never a result; the lane's results are those the caller's connection would compute.

Only for many customers (``MIN_CUSTOMERS``, the date's ``customers`` rows: the borrowers are not known before the
statement that finds them): at the 2M bench bank (667k customers, 95k borrowers) the aggregate's groups are few,
two threads shorten it at no extra CPU worth having, and the lane's cursor costs more than it hides.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pyarrow as pa

from wupian.engine.metrics_beside import Beside, concurrent_by_default
from wupian.engine.warehouse import Warehouse

CONCURRENT = True
# The date's customers from which the per-customer facts statement runs on one thread with the lane beside it.
MIN_CUSTOMERS = 1_000_000

_EVAL_ROWS = "_wp_cls_eval_rows"


def wanted(wh: Warehouse, as_of: date) -> bool:
    """Whether ``as_of``'s classification on ``wh`` takes the lane: a DuckDB warehouse whose readers may run side
    by side (``metrics_beside.concurrent_by_default``) with at least ``MIN_CUSTOMERS`` customers of the date."""
    if not (CONCURRENT and concurrent_by_default(wh)):
        return False
    return int(wh.scalar("SELECT count(*) FROM customers WHERE as_of = ?", [as_of]) or 0) >= MIN_CUSTOMERS


class FactsLane:
    """The lane of one classification (see the module docstring): ``start`` it before the per-customer facts
    statement, call ``done_single`` when that statement has run, ``finish`` once the facts are stored (or
    ``cancel`` if the classification failed)."""

    def __init__(self, wh: Warehouse, eval_rows: tuple[str, list[Any], Callable[[Warehouse], None]] | None,
                 extra: Callable[[Warehouse], Any] | None) -> None:
        """``eval_rows``: (the data checks' query, its parameters, what the cursor registers first) — its rows
        become ``cls_eval``; ``extra``: a function of the cursor whose value ``finish`` returns."""
        self._wh = wh
        self._eval = eval_rows
        self._extra = extra
        self._threads = int(wh.scalar("SELECT current_setting('threads')"))
        self._single = False
        self._beside: Beside[tuple[pa.Table | None, Any]] | None = None

    def _work(self, cur: Warehouse) -> tuple[pa.Table | None, Any]:
        rows = None
        if self._eval is not None:
            sql, params, prepare = self._eval
            prepare(cur)
            rows = cur.arrow(sql, params)
        return rows, (self._extra(cur) if self._extra is not None else None)

    def start(self) -> None:
        """The lane's thread started and DuckDB on one thread."""
        self._beside = Beside.start(self._wh, self._work)
        if self._threads > 1:
            self._wh.execute("SET threads = 1")
            self._single = True

    def done_single(self) -> None:
        """The statement that wanted one thread has run: the database's threads back (the lane's statement, if
        one still runs, keeps its pipelines' tasks)."""
        if self._single:
            self._single = False
            self._wh.execute(f"SET threads = {self._threads:d}")

    def finish(self) -> Any:
        """Wait for the lane; ``cls_eval`` on the caller's connection from its rows (when it made them); the
        ``extra`` function's value."""
        self.done_single()
        assert self._beside is not None
        rows, extra = self._beside.result()
        if rows is not None:
            self._wh.register(_EVAL_ROWS, rows)
            try:
                self._wh.execute(f"CREATE OR REPLACE TEMP TABLE cls_eval AS SELECT * FROM {_EVAL_ROWS}")
            finally:
                self._wh.unregister(_EVAL_ROWS)
        return extra

    def cancel(self) -> None:
        """Stop the lane (its statement interrupted) and give the database its threads back."""
        try:
            if self._beside is not None:
                self._beside.cancel()
        finally:
            self.done_single()
