"""The ``wupian`` command line, built by :func:`create_app` — no module-level state, fast to start.

``create_app()`` makes a fresh Typer app with the global options (``--db``) and registers every command
module of :data:`COMMANDS`. The global callback stores a frozen :class:`~wupian.cli.context.CliState` in the
Click context; commands read it with ``wupian.cli.context.db_path()`` / ``open_warehouse()``.

Adding a command module is one line: write ``wupian/cli/<name>.py`` with a ``register(app: typer.Typer)``
function (``app.command("name")(fn)`` or ``app.add_typer(sub, name=…)``) and add ``"<name>"`` to
:data:`COMMANDS` — or, for a command group whose module is heavy to import, one entry in :data:`LAZY_GROUPS` (or pass ``create_app(commands=(*COMMANDS, "<name>"))``; a dotted name such as
``"mybank.cli.extra"`` imports a module from outside ``wupian.cli``).

Rules for command modules, so ``wupian --help`` and argument errors stay fast (≈ 0.14 s CPU; a test fails when
``--help`` imports DuckDB, Arrow, NumPy, Pillow, the Office writers or the engine):

* import at module level only the standard library, ``typer`` and the light ``wupian.cli`` helpers
  (``context``, ``output``, ``progress``) and ``wupian.core``; import ``wupian.api``, the engine,
  Rich, pyarrow … inside the command function;
* use the shared helpers: ``wupian.core.dates.parse_date`` for dates, ``output.emit`` / ``output.Format`` for
  table/csv/json output, ``progress.progress`` for bars, ``context.open_warehouse`` for the warehouse;
* report problems by raising ``wupian.core.errors.UsageError`` (exit 2) or ``DataError`` (exit 1); everything
  else that can go wrong outside our control (disk full, Ctrl-C, permissions, a locked warehouse) is turned
  into a one-line message by ``wupian.cli.errors`` — never a traceback.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Annotated, Any

import typer
import typer.main
from typer.core import TyperGroup

from wupian.cli.command_tree import DeferredGroup
from wupian.cli.context import ENGINES, CliState, check_db_option, check_engine

COMMANDS: tuple[str, ...] = (
    "demo_cmd",
    "data_cmds",
    "classify_cmd",
    "metrics_cmds",
    "month_end_cmd",
    "recurring_cmd",
    "screen_cmd",
    "serve_cmd",
)
# Command groups whose module is imported only when the group is used: name → (module:attribute of its
# Typer app, one-line help shown by ``wupian --help``). ``wupian.cli.attest`` imports ``cryptography``.
LAZY_GROUPS: dict[str, tuple[str, str]] = {
    "attest": ("wupian.cli.attest:app", "Tamper-evident log of letter-of-credit documents (RFC 9162 Merkle tree) "
                                        "with offline-verifiable receipts."),
    "cases": ("wupian.cli.cases_cmd:app", "Screening cases: list, show, move through their states."),
    "users": ("wupian.cli.users_cmd:app", "Manage the web app's users and their roles."),
}
HELP = "wupian (五篇): turn a bank's month-end data into the official 'five priorities' numbers and actions."


def create_app(commands: Sequence[str] = COMMANDS) -> typer.Typer:
    """A new ``wupian`` Typer app with the global options and the given command modules registered."""
    app = typer.Typer(name="wupian", help=HELP, no_args_is_help=True, add_completion=False,
                      pretty_exceptions_enable=False, cls=DeferredGroup)

    @app.callback()
    def _global(
        ctx: typer.Context,
        db: Annotated[
            str | None,
            typer.Option("--db", envvar="WUPIAN_DB",
                         help="Warehouse file (default ./wupian.duckdb); with --engine spark a folder of Parquet "
                              "tables (default ./wupian-spark)."),
        ] = None,
        engine: Annotated[
            str,
            typer.Option("--engine", envvar="WUPIAN_ENGINE", metavar="|".join(ENGINES),
                         help="SQL engine: duckdb (embedded, default) or spark (docs/spark.md)."),
        ] = "duckdb",
        spark_master: Annotated[
            str | None,
            typer.Option("--spark-master", envvar="WUPIAN_SPARK_MASTER",
                         help="Spark master URL with --engine spark (local[2], yarn, k8s://…, spark://…); default: "
                              "the one spark-submit or spark-defaults.conf set, else local[2]."),
        ] = None,
        spark_conf: Annotated[
            list[str] | None,
            typer.Option("--spark-conf", envvar="WUPIAN_SPARK_CONF", metavar="KEY=VALUE",
                         help="A Spark setting with --engine spark (repeatable; over spark-submit's and "
                              "spark-defaults.conf's), e.g. spark.checkpoint.dir=hdfs:///tmp/wupian-ckpt."),
        ] = None,
    ) -> None:
        """Global options shared by every command."""
        engine = check_engine(engine, ctx.invoked_subcommand)
        ctx.obj = CliState(db=check_db_option(db, engine), engine=engine, spark_master=spark_master,
                           spark_conf=tuple(spark_conf or ()))

    for name in commands:
        importlib.import_module(name if "." in name else f"wupian.cli.{name}").register(app)
    for name, (target, help_text) in LAZY_GROUPS.items():
        app.add_typer(typer.Typer(no_args_is_help=True), name=name, help=help_text, cls=_lazy_group(target))
    return app


def _lazy_group(target: str) -> type[TyperGroup]:
    """A Click group that imports ``module:attribute`` (a Typer app) the first time its commands are needed."""

    class LazyGroup(TyperGroup):
        _real: TyperGroup | None = None

        def _group(self) -> TyperGroup:
            if self._real is None:
                module, attribute = target.split(":")
                real = typer.main.get_command(getattr(importlib.import_module(module), attribute))
                assert isinstance(real, TyperGroup)
                self._real = real
            return self._real

        def list_commands(self, ctx: Any) -> list[str]:
            return self._group().list_commands(ctx)

        def get_command(self, ctx: Any, cmd_name: str) -> Any:
            return self._group().get_command(ctx, cmd_name)

    return LazyGroup
