"""The Click command behind ``wupian``, with each sub-command built the first time it is needed.

Typer turns every registered function into a Click command up front: it reads each function's signature and
evaluates its type hints (≈ 15–25 ms for wupian's 30-odd commands). A run needs one of them, and ``wupian
--help`` needs none of their parameters — only each command's name and help text. :func:`build` therefore asks
Typer for the group with its global options and command groups, and keeps the plain commands as
:class:`DeferredCommands`: a command is built by Typer's own ``get_command_from_info`` (the same object Typer
would have built) when looked up. While the group renders its own help, a lookup answers a *summary*: the same
command built from a parameterless stand-in of the function (same name, same docstring), so the listing is
Typer's own and nothing else is built. ``tests/unit/cli/test_command_tree.py`` compares every help text and
usage error with the eagerly built command.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable
from typing import Any

import typer
import typer.main
from typer.core import TyperGroup
from typer.models import CommandInfo

__all__ = ["DeferredCommands", "DeferredGroup", "build"]


class DeferredCommands(dict[str, Any]):
    """Command name → Click command; an entry still holding a Typer ``CommandInfo`` is built on first access.

    While :attr:`summaries` is set (the group rendering its help), an unbuilt entry answers a summary command
    instead and stays unbuilt."""

    def __init__(self, items: Iterable[tuple[str, Any]], build_one: Callable[[CommandInfo], Any],
                 summary: Callable[[CommandInfo], Any]) -> None:
        super().__init__(items)
        self._build_one = build_one
        self._summary = summary
        self.summaries = False

    def __getitem__(self, name: str) -> Any:
        value = super().__getitem__(name)
        if isinstance(value, CommandInfo):
            if self.summaries:
                return self._summary(value)
            value = self._build_one(value)
            super().__setitem__(name, value)
        return value

    def get(self, name: str, default: Any = None) -> Any:  # type: ignore[override]
        return self[name] if name in self else default

    def values(self) -> list[Any]:  # type: ignore[override]
        return [self[name] for name in self]

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        return [(name, self[name]) for name in self]


class DeferredGroup(TyperGroup):
    """A Typer group whose help lists its commands from summaries when they are :class:`DeferredCommands`;
    :attr:`help_shown` tells that it rendered its help."""

    help_shown = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(self.commands)  # names only: nothing is built to list them

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self.help_shown = True
        commands = self.commands
        if not isinstance(commands, DeferredCommands):
            return super().format_help(ctx, formatter)
        commands.summaries = True
        try:
            return super().format_help(ctx, formatter)
        finally:
            commands.summaries = False


def build(app: typer.Typer, install: Callable[[Any, Any], None] | None = None) -> DeferredGroup:
    """The Click group of ``app`` (made with ``cls=DeferredGroup``) with its plain commands deferred.

    ``install(command, parent_ctx)`` is applied to the group and to each command when it is built (wupian
    gives their parameters the light conversion of ``wupian.cli.light_params``)."""
    infos = list(app.registered_commands)
    app.registered_commands = []
    try:
        group = typer.main.get_command(app)
    finally:
        app.registered_commands = infos
    if not isinstance(group, DeferredGroup):
        raise TypeError("build() needs a Typer app made with cls=DeferredGroup")
    if install is not None:
        install(group, None)
    options = {"pretty_exceptions_short": app.pretty_exceptions_short, "rich_markup_mode": app.rich_markup_mode}

    def build_one(info: CommandInfo) -> Any:
        command = typer.main.get_command_from_info(info, **options)
        if install is not None:
            from typer._click import Context

            install(command, Context(group, info_name=group.name))
        return command

    def summary(info: CommandInfo) -> Any:
        return typer.main.get_command_from_info(_parameterless(info), **options)

    named = [(info.name or typer.main.get_command_name(info.callback.__name__), info)  # type: ignore[union-attr]
             for info in infos]
    group.commands = DeferredCommands([*named, *group.commands.items()], build_one, summary)
    return group


def _parameterless(info: CommandInfo) -> CommandInfo:
    """``info`` with its function replaced by one without parameters that has the same name and docstring."""
    callback = info.callback

    def stand_in() -> None:  # pragma: no cover - a summary is listed, never run
        raise RuntimeError("a command summary cannot run")

    stand_in.__name__ = getattr(callback, "__name__", stand_in.__name__)
    stand_in.__doc__ = getattr(callback, "__doc__", None)
    clone = copy.copy(info)
    clone.callback = stand_in
    return clone
