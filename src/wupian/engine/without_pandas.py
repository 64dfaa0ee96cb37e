"""Keep pandas out of a wupian process that never uses it (≈ 0.25 s of every command's start).

wupian never creates or reads a pandas object. Two libraries import pandas anyway, only to recognise pandas
values among what they are given:

* DuckDB's Python client imports it for every statement run with bound parameters (and for ``register`` and
  ``executemany``), to check whether a parameter is a pandas value. It tries again on every call, so hiding
  pandas during the call is enough and leaves nothing behind: :class:`PandasFreeConnection` wraps the
  warehouse's connection and runs those calls inside :func:`without_pandas`. The statement binds exactly the
  same values (str, int, bool, date, datetime, Decimal, lists of them: DuckDB's own conversions).
* pyarrow imports it the first time ``pa.array``/``pa.table`` meet Python objects, and remembers the answer for
  the rest of the process. :func:`settle_pyarrow` asks that question once with pandas hidden, so pyarrow
  settles on "no pandas" — only the command line does it (``wupian.cli.context.open_warehouse`` for the DuckDB
  engine), in a process that it owns and where no pandas object can appear; a library user's process (a
  notebook) is never settled. pyarrow still imports pandas when asked for pandas (``to_pandas``,
  ``from_pandas``).

Nothing is hidden when pandas is already imported (then there is nothing to save), and pandas is hidden only
from imports made *during* those calls — by a meta-path finder that answers ``ModuleNotFoundError`` for
``pandas`` and its submodules, put in front of ``sys.meta_path`` for the call and removed after it. Another
thread importing pandas at that very moment would see it missing; no wupian code imports pandas. The Spark
engine (``wupian.engine.spark_con``) is not wrapped: PySpark imports and uses pandas as it always did.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from typing import Any

__all__ = ["PandasFreeConnection", "pandas_free", "settle_pyarrow", "without_pandas"]

HIDDEN = "pandas"


class _HidePandas:
    """A meta-path finder: ``pandas`` (and ``pandas.*``) cannot be found while it is installed."""

    def find_spec(self, name: str, path: Sequence[str] | None = None, target: Any = None) -> ModuleSpec | None:
        if name == HIDDEN or name.startswith(HIDDEN + "."):
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by wupian: not needed)", name=name)
        return None


_FINDER = _HidePandas()
_LOCK = threading.Lock()
_depth = 0  # calls inside without_pandas() right now (all threads); the finder is installed while > 0


@contextmanager
def without_pandas() -> Iterator[None]:
    """Imports of pandas fail inside the block (when pandas is not imported yet; else nothing changes)."""
    global _depth
    if HIDDEN in sys.modules:
        yield
        return
    with _LOCK:
        _depth += 1
        if _depth == 1:
            sys.meta_path.insert(0, _FINDER)
    try:
        yield
    finally:
        with _LOCK:
            _depth -= 1
            if _depth == 0:
                sys.meta_path.remove(_FINDER)


class PandasFreeConnection:
    """A DuckDB connection whose binding calls (``execute``, ``executemany``, ``register``) run without pandas.
    Everything else is the connection's own; ``execute`` returns what DuckDB returns (the connection)."""

    def __init__(self, con: Any) -> None:
        self._con = con

    def execute(self, sql: Any, params: Any = None) -> Any:
        if not params:  # no binding: DuckDB does not look for pandas
            return self._con.execute(sql)
        with without_pandas():
            return self._con.execute(sql, params)

    def executemany(self, sql: Any, params: Any = None) -> Any:
        with without_pandas():
            return self._con.executemany(sql, params or [])

    def register(self, name: str, data: Any) -> Any:
        with without_pandas():
            return self._con.register(name, data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)

    def __enter__(self) -> PandasFreeConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self._con.close()


def pandas_free(con: Any) -> PandasFreeConnection:
    """``con`` with its binding calls run without pandas."""
    return con if isinstance(con, PandasFreeConnection) else PandasFreeConnection(con)


def settle_pyarrow() -> bool:
    """Let pyarrow settle, once per process, on "pandas is not installed" — unless pandas is imported already or
    pyarrow has asked before. Only for a process that will never hold a pandas object (the command line).
    Returns whether pandas is absent from the process afterwards."""
    if HIDDEN in sys.modules:
        return False
    import pyarrow as pa

    with without_pandas():
        pa.array([0])  # pyarrow's first look at Python objects: it asks whether pandas is there, and remembers
    return HIDDEN not in sys.modules
