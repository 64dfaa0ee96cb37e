"""A DuckDB cursor that stays stopped once interrupted.

DuckDB's ``interrupt()`` stops the statement running at that moment and nothing else: when it lands between two
statements (the thread is in Python, or waits for the interpreter lock to return a result) it is lost, and the
thread's next statements run to their end; when it lands as a statement is being started, before DuckDB has begun
it, it is lost as well. A thread that runs many statements (the PBOC files of a month-end, a lane of the load)
would then finish its whole work after the run has already failed. Wrapped here, ``interrupt()`` is final:

- the cursor is marked stopped: every statement it is asked to run afterwards raises DuckDB's own
  ``InterruptException`` at once, and a statement that was running when the mark was set raises it when it returns
  (its result, finished or not, is not used);
- a statement under way is interrupted again every few milliseconds until it has returned, so one that DuckDB
  had not yet begun when the first interrupt came is stopped too."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import duckdb

MESSAGE = "INTERRUPT Error: Interrupted!"  # what DuckDB says for a statement it interrupts
REPEAT_S = 0.005  # the pause between two interrupts of a statement that has not returned yet


class StoppableConnection:
    """``con`` (a DuckDB connection or cursor, possibly wrapped) whose ``interrupt()`` is final: see the module
    docstring. Everything else is ``con``'s own."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self._lock = threading.Lock()  # the mark and the statement under way change together
        self._stopped = False
        self._running = 0  # statements under way (one: a cursor belongs to one thread)

    @property
    def stopped(self) -> bool:
        return self._stopped

    def interrupt(self) -> None:
        with self._lock:
            self._stopped = True  # first: a statement starting from now on does not run
            running = self._running > 0
            self._con.interrupt()  # under the lock, as in ``_repeat``
        if running:
            threading.Thread(target=self._repeat, name="wupian-interrupt", daemon=True).start()

    def _repeat(self) -> None:
        """Interrupt the statement under way until it has returned (under the lock: never after it has, so never
        on a cursor its thread has closed since)."""
        while True:
            with self._lock:
                if not self._running:
                    return
                self._con.interrupt()
            time.sleep(REPEAT_S)

    def _run(self, call: Callable[..., Any], *args: Any) -> Any:
        with self._lock:
            if self._stopped:
                raise duckdb.InterruptException(MESSAGE)
            self._running += 1
        try:
            result = call(*args)
        finally:
            with self._lock:
                self._running -= 1
        if self._stopped:
            raise duckdb.InterruptException(MESSAGE)
        return result

    def execute(self, sql: Any, params: Any = None) -> Any:
        return self._run(self._con.execute, sql, params)

    def executemany(self, sql: Any, params: Any = None) -> Any:
        return self._run(self._con.executemany, sql, params)

    def register(self, name: str, data: Any) -> Any:
        return self._run(self._con.register, name, data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def stoppable(con: Any) -> StoppableConnection:
    """``con`` with a final ``interrupt()``."""
    return con if isinstance(con, StoppableConnection) else StoppableConnection(con)
