"""The statement log (``$WUPIAN_SQL_LOG``): every statement a DuckDB warehouse executes, with its bound parameters,
and every Arrow table it registers, appended in order to a JSON-lines file — what the dialect checks
(``tests/unit/engine/test_sql_allow_list.py``) read and the Spark conformance suite replays statement by statement.

One line per event:

* ``{"sql": "...", "params": [...] | {...} | null}`` — a statement (``executemany``: ``"many": true`` and a list of
  parameter rows); parameters are typed (:func:`encode`) so a replay binds exactly the values DuckDB got;
* ``{"register": "name", "file": "<log>.d/<n>.arrow"}`` — an Arrow table exposed to SQL (stored next to the log
  as an Arrow IPC file); ``{"unregister": "name"}``.

:func:`read_log` gives the events back with decoded parameters and loaded tables.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

ENV = "WUPIAN_SQL_LOG"


def encode(value: Any) -> Any:
    """A bound value as JSON that :func:`decode` turns back into the same Python value (type included)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return {"float": repr(value)}
    if isinstance(value, Decimal):
        return {"decimal": format(value, "f")}
    if isinstance(value, datetime):
        return {"timestamp": value.isoformat()}
    if isinstance(value, date):
        return {"date": value.isoformat()}
    if isinstance(value, list | tuple):
        return {"list": [encode(v) for v in value]}
    if isinstance(value, dict):
        return {"named": {str(k): encode(v) for k, v in value.items()}}
    raise TypeError(f"cannot log a {type(value).__name__} parameter")


def decode(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    ((kind, v),) = value.items()
    if kind == "float":
        return float(v)
    if kind == "decimal":
        return Decimal(v)
    if kind == "timestamp":
        return datetime.fromisoformat(v)
    if kind == "date":
        return date.fromisoformat(v)
    if kind == "list":
        return [decode(x) for x in v]
    if kind == "named":
        return {k: decode(x) for k, x in v.items()}
    raise ValueError(f"unknown logged value kind {kind!r}")


class LoggedConnection:
    """A DuckDB connection that appends every statement it executes (with its parameters) and every table it
    registers to the log file ``log``. Everything else is the connection's own."""

    def __init__(self, con: Any, log: str) -> None:
        self._con, self._log = con, log
        self._tables = 0

    def _write(self, event: dict[str, Any]) -> None:
        with open(self._log, "a", encoding="utf-8") as f:
            f.write(json.dumps(event, ensure_ascii=False) + "\n")

    def execute(self, sql: str, params: Any = None) -> Any:
        self._write({"sql": sql, "params": encode(params) if params else None})
        return self._con.execute(sql, params or [])

    def executemany(self, sql: str, params: Any) -> Any:
        self._write({"sql": sql, "params": [encode(p) for p in params], "many": True})
        return self._con.executemany(sql, params)

    def register(self, name: str, data: Any) -> Any:
        folder = Path(self._log + ".d")
        folder.mkdir(exist_ok=True)
        self._tables += 1
        path = folder / f"{self._tables:05d}-{name}.arrow"
        while path.exists():  # several connections may log into one file
            self._tables += 1
            path = folder / f"{self._tables:05d}-{name}.arrow"
        table = data if isinstance(data, pa.Table) else pa.table(data)
        with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        self._write({"register": name, "file": str(path)})
        return self._con.register(name, data)

    def unregister(self, name: str) -> Any:
        self._write({"unregister": name})
        return self._con.unregister(name)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._con, name)


@dataclass(frozen=True)
class Event:
    """One logged event: a statement (``sql`` + ``params``; ``many`` for executemany), or a table registered
    (``register`` + ``table``) or unregistered (``unregister``)."""

    index: int
    sql: str | None = None
    params: Any = None
    many: bool = False
    register: str | None = None
    table: pa.Table | None = None
    unregister: str | None = None


def read_log(path: str | Path) -> list[Event]:
    """The events of a log file, parameters decoded and registered tables loaded, in the order they happened."""
    events = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines()):
        e = json.loads(line)
        if "sql" in e:
            params = e.get("params")
            decoded = [decode(p) for p in params] if e.get("many") else decode(params)
            events.append(Event(i, sql=e["sql"], params=decoded, many=bool(e.get("many"))))
        elif "register" in e:
            with pa.OSFile(e["file"], "rb") as src:
                events.append(Event(i, register=e["register"], table=pa.ipc.open_file(src).read_all()))
        else:
            events.append(Event(i, unregister=e["unregister"]))
    return events


def logged(con: Any, log: str | None) -> Any:
    """``con`` wrapped by a :class:`LoggedConnection` when ``log`` names a file, else ``con`` itself."""
    return LoggedConnection(con, log) if log else con
