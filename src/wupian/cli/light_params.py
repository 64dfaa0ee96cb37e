"""Command-line values converted without Pydantic when the conversion is plain (≈ 0.08 s of every command).

Typer (≥ 0.2x) converts every option and argument value with a Pydantic ``TypeAdapter`` built on first use: the
first value of a run imports Pydantic (≈ 0.06 s) and each adapter costs a schema build. The values wupian's
commands take are text, whole numbers, decimals, paths, choices (enums) and lists of text, and for a value that
converts cleanly the result is plain: the text itself, ``int(text)``, ``float(text)``, ``Path(text)`` checked by
Typer's own path rules, the enum member Typer's own choice rule picks. :func:`install` gives each parameter of a
built Click command a :class:`LightParam` that returns exactly that — and hands every other case (a value that
does not convert, a bound, clamping, a type not listed here) to the Typer conversion it replaces, so results and
error messages are Typer's own. When Typer's internals are not the ones this module knows (another Typer
version), :func:`install` does nothing and Typer converts as always.
"""

from __future__ import annotations

import re
from enum import Enum
from pathlib import Path
from typing import Any

__all__ = ["LightParam", "install"]

_INT = re.compile(r"-?[0-9]+")
_FLOAT = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_NO = object()  # "not a plain case": Typer converts


class LightParam:
    """The conversion of one parameter: the plain cases here, every other case by Typer's own runtime param."""

    def __init__(self, descriptor: Any) -> None:
        self.descriptor = descriptor
        self._typer: Any = None

    def typer_param(self) -> Any:
        """Typer's own conversion (built, and Pydantic imported, on first need)."""
        if self._typer is None:
            from typer._coercion import build_runtime_param

            self._typer = build_runtime_param(self.descriptor)
        return self._typer

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        multi = param.multiple or param.nargs == -1
        if value is None:
            return () if multi else None
        got: Any = _NO
        if multi:
            if isinstance(value, (list, tuple)) and _is_list_of_str(self.descriptor.annotation):
                got = list(value) if all(isinstance(v, str) for v in value) else _NO
        else:
            got = _plain(self.descriptor.annotation, self.descriptor.parameter_info, value, param, ctx)
        return self.typer_param().coerce(value, param=param, ctx=ctx) if got is _NO else got


def _is_list_of_str(annotation: Any) -> bool:
    return getattr(annotation, "__origin__", None) is list and getattr(annotation, "__args__", ()) == (str,)


def _plain(annotation: Any, info: Any, value: Any, param: Any, ctx: Any) -> Any:
    """The converted value when the case is plain, else ``_NO``."""
    if info.parser is not None:
        return _NO
    if annotation is str:
        return value if isinstance(value, str) else _NO
    if annotation is int or annotation is float:
        if info.min is not None or info.max is not None or info.clamp:
            return _NO
        if isinstance(value, annotation) and not isinstance(value, bool):
            return value
        pattern = _INT if annotation is int else _FLOAT
        return annotation(value) if isinstance(value, str) and pattern.fullmatch(value) else _NO
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        from typer._param_types import coerce_cli_choice

        try:
            return coerce_cli_choice(value, choices=tuple(annotation), case_sensitive=info.case_sensitive, ctx=ctx)
        except ValueError:
            return _NO
    if annotation is Path and info.path_type is None and isinstance(value, (str, Path)) and value != "":
        if isinstance(value, str) and str(Path(value)) != value:  # messages quote the text as typed: Typer's path
            return _NO
        from typer._param_types import coerce_cli_path

        return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
    return _NO


def install(command: Any, parent: Any = None) -> None:
    """Give every parameter of ``command`` and its built subcommands (and their ``--help`` flags, which Click
    makes on first use and then keeps) a :class:`LightParam`; lazy groups keep Typer's conversion, and a command
    built later (``wupian.cli.command_tree``) gets it when built, ``parent`` being its group's context. Does
    nothing when Typer is not the version this module knows."""
    try:
        from typer._click import Context
        from typer.core import _TyperParameter
        from typer.models import CommandInfo

        from wupian.cli.command_tree import DeferredCommands
    except ImportError:  # pragma: no cover - depends on the installed Typer
        return
    if not hasattr(_TyperParameter, "get_runtime_param"):  # pragma: no cover - another Typer version
        return
    stack: list[tuple[Any, Any]] = [(command, parent)]
    while stack:
        cmd, parent = stack.pop()
        ctx = Context(cmd, parent=parent, info_name=cmd.name)  # read by Click only for the help option's names
        params = [*cmd.params, cmd.get_help_option(ctx)]
        for p in params:
            if isinstance(p, _TyperParameter) and getattr(p, "_runtime_param", _NO) is None:
                p._runtime_param = LightParam(p.type_descriptor)
        commands = getattr(cmd, "commands", None)
        if isinstance(commands, DeferredCommands):  # its commands get it when they are built
            stack.extend((sub, ctx) for sub in dict.values(commands) if not isinstance(sub, CommandInfo))
        elif isinstance(commands, dict):  # a lazy group's ``commands`` is empty until it loads its module
            stack.extend((sub, ctx) for sub in commands.values())
