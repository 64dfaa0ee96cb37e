"""A reader of the warehouse in a thread of its own, on a cursor of its own (``Warehouse.cursor``), beside the
caller's statements: for statements that leave a core idle part of their time (a pipeline that finalises on one
thread, Python between statements, the output), the other reader fills it.

``Beside.start(wh, fn)`` runs ``fn(cursor)`` in a thread; ``result()`` waits for it and returns its value or raises
its exception — where a sequential caller would have called ``fn(wh)``, so the first failure in that order is
the one raised when the caller fails first and then ``cancel()``s; ``cancel()`` interrupts its statement and waits.
Either way the thread has ended and the cursor is closed once ``result()`` or ``cancel()`` returns.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

from wupian.engine.warehouse import SQL_LOG_ENV, Warehouse

T = TypeVar("T")


def concurrent_by_default(wh: Warehouse) -> bool:
    """Whether readers may run side by side on ``wh``: a DuckDB warehouse (a cursor per thread), unless every
    statement is being logged (``$WUPIAN_SQL_LOG``: the log keeps the order of a sequential run)."""
    return getattr(wh, "engine", None) == "duckdb" and hasattr(wh, "cursor") and not os.environ.get(SQL_LOG_ENV)


def checkpoint(wh: Warehouse) -> None:
    """Write what the write-ahead log holds into the database file now (DuckDB's ``CHECKPOINT``, which closing the
    warehouse would do): on a reader's cursor beside the caller, the caller's close then has nothing to write."""
    wh.con.execute("CHECKPOINT")


class Beside(Generic[T]):
    """``fn(cursor of wh)`` running in a thread (see the module docstring). ``fn`` must not read ``wh``'s
    temporary tables nor its registered Arrow tables (a cursor does not see them) and must only read."""

    def __init__(self, wh: Warehouse, fn: Callable[[Warehouse], T]) -> None:
        self._cursor = wh.cursor()
        self._out: list[T] = []
        self._failed: list[BaseException] = []
        self._done = False
        self._thread = threading.Thread(target=self._run, args=(fn,), name="wupian-beside", daemon=True)
        try:
            self._thread.start()
        except BaseException:
            self._cursor.close()
            raise

    @classmethod
    def start(cls, wh: Warehouse, fn: Callable[[Warehouse], T]) -> Beside[T]:
        return cls(wh, fn)

    def _run(self, fn: Callable[[Warehouse], T]) -> None:
        try:
            self._out.append(fn(self._cursor))
        except BaseException as exc:  # noqa: BLE001 — raised by ``result()`` in the caller's thread
            self._failed.append(exc)

    def _end(self) -> None:
        if not self._done:
            self._done = True
            try:
                self._thread.join()
            finally:
                self._cursor.close()

    def result(self) -> T:
        """Wait for ``fn``; its value, or its exception raised here."""
        try:
            self._thread.join()
        except BaseException:  # interrupted while waiting (Ctrl-C): stop it, then re-raise
            self.cancel()
            raise
        self._end()
        if self._failed:
            raise self._failed[0]
        return self._out[0]

    def cancel(self) -> None:
        """Stop ``fn`` (its running statement is interrupted) and wait for the thread; nothing when it has been
        waited for already. Its result or failure is dropped."""
        if not self._done:
            if self._thread.is_alive():
                self._cursor.interrupt()
            self._end()

