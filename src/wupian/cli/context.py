"""Per-invocation CLI state, held by the Click context of the running command (never in a module global).

The root callback of :func:`wupian.cli.app.create_app` stores a frozen :class:`CliState` as ``ctx.obj``;
commands read it through :func:`db_path` / :func:`open_warehouse`, so two apps (or two test invocations) in one
process never share a warehouse path. Outside a command (a bare Typer app in a test, a library call) the
defaults apply: ``$WUPIAN_DB`` or ``./wupian.duckdb``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from wupian.core.errors import UsageError

try:  # Typer ≥ 0.20 vendors Click; earlier versions use the click package
    from typer._click.globals import get_current_context
except ImportError:  # pragma: no cover - depends on the installed Typer
    from click import get_current_context

if TYPE_CHECKING:
    from wupian.engine.warehouse import Warehouse


ENGINES = ("duckdb", "spark")
# Commands that run on --engine spark (docs/spark.md); every other command refuses it with exit 2. `screen` runs
# its batch (--all) only: the teller path and the backtest refuse Spark in the command itself. `recurring` runs
# all of its forms (batch, stale mandates, one account).
SPARK_COMMANDS = frozenset({"load", "check", "load-events", "classify", "indicators", "report", "month-end",
                            "screen", "recurring"})
SPARK_DEFAULT_DB = "wupian-spark"


@dataclass(frozen=True, slots=True)
class CliState:
    """What the global options chose: the warehouse (None = the default), the engine, the Spark master (None:
    the one spark-submit or spark-defaults.conf set, else local[2]) and extra Spark settings (``KEY=VALUE``)."""

    db: str | None = None
    engine: str = "duckdb"
    spark_master: str | None = None
    spark_conf: tuple[str, ...] = ()


def check_engine(value: str, command: str | None) -> str:
    """``--engine`` is duckdb or spark; a command not yet ported to Spark refuses spark (exit 2)."""
    engine = value.strip().lower()
    if engine not in ENGINES:
        raise typer.BadParameter(f"expects one of {', '.join(ENGINES)}, got {value!r}", param_hint="'--engine'")
    if engine == "spark" and command is not None and command not in SPARK_COMMANDS:
        raise UsageError(f"`wupian {command}` does not run on --engine spark yet; it runs on --engine duckdb "
                         f"(commands on Spark: {', '.join(sorted(SPARK_COMMANDS))}; see docs/spark.md)")
    return engine


def current() -> CliState:
    """The state of the command being run (defaults when none)."""
    ctx = get_current_context(silent=True)
    state = ctx.find_object(CliState) if ctx is not None else None
    return state or CliState()


def db_path() -> str:
    """The warehouse file: ``--db``, else ``$WUPIAN_DB``, else ``./wupian.duckdb``."""
    state = current()
    if state.db is not None:
        return state.db
    if state.engine == "spark":
        import os

        return os.environ.get("WUPIAN_DB") or SPARK_DEFAULT_DB
    from wupian.engine.warehouse import default_db_path

    return default_db_path()


def check_db_option(value: str | None, engine: str = "duckdb") -> str | None:
    """``--db`` must name a file (a folder with ``--engine spark``): '' or ':memory:' (which DuckDB reads as a
    throw-away in-memory database) and, for DuckDB, folders are usage errors."""
    if value is None:
        return None
    if value.strip() in ("", ":memory:") or value.startswith(":memory:"):
        raise typer.BadParameter(f"expects a warehouse file path, got {value!r} (an in-memory warehouse would "
                                 "keep nothing)", param_hint="'--db'")
    if engine == "spark":
        if "://" not in value and Path(value).is_file():
            raise typer.BadParameter(f"{value} is a file; --engine spark keeps its warehouse in a folder of "
                                     "Parquet tables", param_hint="'--db'")
        return value
    if Path(value).is_dir():
        raise typer.BadParameter(f"{value} is a folder; give a file such as {Path(value) / 'wupian.duckdb'}",
                                 param_hint="'--db'")
    return value


def spark_conf(state: CliState) -> dict[str, str]:
    """``--spark-conf`` as settings (a malformed item is a usage error before Spark starts)."""
    from wupian.engine.spark_session import parse_conf_options

    return parse_conf_options(state.spark_conf)


def open_warehouse(*, create: bool = False, read_only: bool = False) -> Warehouse:
    """Open the chosen warehouse. Only commands that load data pass ``create=True``; every other command
    refuses a path where no warehouse exists instead of leaving an empty file behind."""
    path = db_path()
    state = current()
    if state.engine == "spark":
        from wupian.engine.spark_warehouse import SparkWarehouse, is_spark_warehouse

        conf = spark_conf(state)
        if not create and not is_spark_warehouse(path, master=state.spark_master, conf=conf):
            raise UsageError(f"no Spark warehouse at {path}: create it with `wupian --engine spark load --as-of "
                             "DATE FOLDER`, or point --db at an existing one")
        return SparkWarehouse(path, read_only=read_only, master=state.spark_master, conf=conf)
    if not create and not Path(path).exists():
        raise UsageError(f"no warehouse at {path} (仓库文件不存在): create it with `wupian load --as-of DATE FOLDER` "
                         "or `wupian demo`, or point --db / WUPIAN_DB at an existing one")
    from wupian.engine.warehouse import Warehouse
    from wupian.engine.without_pandas import settle_pyarrow

    settle_pyarrow()  # this process never holds a pandas object: pyarrow need not import pandas (≈ 0.25 s)
    return Warehouse(path, read_only=read_only)
