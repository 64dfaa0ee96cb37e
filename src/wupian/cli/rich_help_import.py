"""Typer's Rich help renderer imported without Rich's Markdown parser, which wupian's help never uses.

``typer.rich_utils`` (imported by Typer the first time it renders help or an error panel) starts with ``from
rich.markdown import Markdown``, and ``rich.markdown`` imports ``markdown_it`` and Pygments' lexer machinery:
≈ 20–25 ms of a ≈ 0.16 s ``wupian --help``. Typer uses ``Markdown`` only for an app made with
``rich_markup_mode="markdown"``; wupian's is ``"rich"``. :func:`install` adds a one-shot import hook: while
``typer.rich_utils`` itself is executed, ``rich.markdown`` is a stand-in whose ``Markdown`` imports the real
module and returns the real object when it is first *called*; right after, the stand-in is gone from
``sys.modules``, so any later ``import rich.markdown`` gets the real module. Rendering is unchanged (the
``markdown`` markup mode still renders through the real class: ``tests/unit/cli/test_command_tree.py``).
Nothing happens when ``rich.markdown`` or ``typer.rich_utils`` is already imported.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
from collections.abc import Sequence
from typing import Any

__all__ = ["install"]

_TARGET = "typer.rich_utils"
_MARKDOWN = "rich.markdown"


class Markdown:
    """Stand-in for ``rich.markdown.Markdown``: calling it imports the real module and returns the real object."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Any:
        return _real_markdown().Markdown(*args, **kwargs)


def _real_markdown() -> types.ModuleType:
    module = sys.modules.get(_MARKDOWN)
    if module is not None and getattr(module, "__stand_in__", False):
        del sys.modules[_MARKDOWN]
    return importlib.import_module(_MARKDOWN)


def _stand_in() -> types.ModuleType:
    module = types.ModuleType(_MARKDOWN, "Stand-in while typer.rich_utils is imported (wupian.cli.rich_help_import).")
    module.__stand_in__ = True  # type: ignore[attr-defined]
    module.Markdown = Markdown  # type: ignore[attr-defined]
    module.__getattr__ = _attribute  # type: ignore[attr-defined]
    return module


def _attribute(name: str) -> Any:
    """Any other attribute of the stand-in is the real module's; the import system's own probes (``__path__``
    …) are answered as for a plain module, without importing anything."""
    if name.startswith("__") and name.endswith("__"):
        raise AttributeError(name)
    return getattr(_real_markdown(), name)


class _Loader(importlib.abc.Loader):
    """Runs the real loader of ``typer.rich_utils`` with the stand-in in ``sys.modules``, then removes it."""

    def __init__(self, real: importlib.abc.Loader) -> None:
        self._real = real

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._real.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        stand_in = sys.modules.setdefault(_MARKDOWN, _stand_in())
        try:
            self._real.exec_module(module)
        finally:
            if sys.modules.get(_MARKDOWN) is stand_in and getattr(stand_in, "__stand_in__", False):
                del sys.modules[_MARKDOWN]


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname: str, path: Sequence[str] | None,
                  target: types.ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if fullname != _TARGET:
            return None
        _remove()
        if _MARKDOWN in sys.modules:
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path, target)
        if spec is None or spec.loader is None:  # pragma: no cover - typer without rich_utils
            return spec
        spec.loader = _Loader(spec.loader)
        return spec


def _remove() -> None:
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, _Finder)]


def install() -> None:
    """Add the one-shot hook (idempotent; nothing to do once Typer's renderer or Rich's Markdown is loaded)."""
    if _TARGET in sys.modules or _MARKDOWN in sys.modules:
        return
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
