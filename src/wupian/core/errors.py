"""Exceptions for conditions that stop a command (bad usage, broken environment).

Data problems are *not* exceptions: they are Issues (see ``issues.py``). The CLI maps
``UsageError`` to exit code 2 and ``DataError`` (a load refused because of ERROR issues) to exit code 1.
"""

from __future__ import annotations

from collections.abc import Sequence

from wupian.core.issues import Issue


class WupianError(Exception):
    """Base class of wupian's own exceptions."""


class UsageError(WupianError):
    """The command was asked for something it cannot do (unknown date, missing file, bad option)."""


class NotFound(UsageError):
    """A named thing that does not exist (an indicator without rows to show, a registry without members): exit 2
    on the command line like any usage error, 404 on the web with ``zh``, the zh-CN message a banker reads there."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


class DataError(WupianError):
    """Input data has ERROR-level problems that prevent the operation; the issues say where. ``total`` counts them
    when only the first are listed (the rest kept in a worklist file)."""

    def __init__(self, message: str, issues: Sequence[Issue] = (), *, total: int | None = None) -> None:
        super().__init__(message)
        self.issues = tuple(issues)
        self.total = len(self.issues) if total is None else total
