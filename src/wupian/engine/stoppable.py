"""A DuckDB cursor that stays stopped once interrupted.

DuckDB's ``interrupt()`` stops the statement running at that moment and nothing else: when it lands between two
statements (the thread is in Python, or waits for the interpreter lock to return a result) it is lost, and the
thread's next statements run to their end. A thread that runs many statements (the PBOC files of a month-end, a
lane of the load) would then finish its whole work after the run has already failed. Wrapped here, ``interrupt()``
also marks the cursor stopped: every statement it is asked to run afterwards raises DuckDB's own
``InterruptException`` at once, and a statement that was running when the mark was set raises it when it returns
(its result, finished or not, is not used)."""

from __future__ import annotations

import threading
from typing import Any

import duckdb

MESSAGE = "INTERRUPT Error: Interrupted!"  # what DuckDB says for a statement it interrupts


class StoppableConnection:
    """``con`` (a DuckDB connection or cursor, possibly wrapped) whose ``interrupt()`` is final: see the module
    docstring. Everything else is ``con``'s own."""

    def __init__(self, con: Any) -> None:
        self._con = con
        self._stopped = threading.Event()

    @property
    def stopped(self) -> bool:
        return self._stopped.is_set()

    def _check(self) -> None:
        if self._stopped.is_set():
            raise duckdb.InterruptException(MESSAGE)

    def interrupt(self) -> None:
        self._stopped.set()  # first: a statement starting from now on does not run
        self._con.interrupt()

    def execute(self, sql: Any, params: Any = None) -> Any:
        self._check()
        result = self._con.execute(sql, params)
        self._check()
        return result

    def executemany(self, sql: Any, params: Any = None) -> Any:
        self._check()
        result = self._con.executemany(sql, params)
        self._check()
        return result

    def register(self, name: str, data: Any) -> Any:
        self._check()
        return self._con.register(name, data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


def stoppable(con: Any) -> StoppableConnection:
    """``con`` with a final ``interrupt()``."""
    return con if isinstance(con, StoppableConnection) else StoppableConnection(con)
