"""The one progress helper of the command line: a Rich bar or spinner on stderr, or nothing.

    with progress("月末处理", transient=False) as report:
        run_month_end(..., progress=report)        # report(label, done=None, total=None)

``report(label)`` changes the description (spinner style); ``report(label, done, total)`` also moves the bar.
``report.step(name)(label, done, total)`` drives one bar per named step (the demo's generate/load/events).
When ``enabled`` is false (machine-readable output), or a transient bar would go to a file or pipe, the
reporter does nothing, so callers never branch.
Rich is imported only when a bar may be shown (a transient bar for a pipe or file costs no import of Rich).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


class Reporter:
    """Callable progress sink handed to the library layers."""

    def __init__(self, bar: Any = None, title: str = "", labels: dict[str, str] | None = None) -> None:
        self._bar = bar
        self._title = title
        self._labels = labels or {}
        self._tasks: dict[str, Any] = {}

    def _describe(self, title: str, label: str) -> str:
        label = self._labels.get(label, label)
        return f"{title}：{label}" if title and label else (label or title)

    def _update(self, step: str, title: str, label: str, done: int | None, total: int | None) -> None:
        if self._bar is None:
            return
        if step not in self._tasks:
            self._tasks[step] = self._bar.add_task(title, total=None if total is None else max(total, 1))
        fields: dict[str, Any] = {"description": self._describe(title, label)}
        if total is not None:
            fields["total"] = max(total, 1)
        if done is not None:
            fields["completed"] = done
        self._bar.update(self._tasks[step], **fields)

    def __call__(self, label: str, done: int | None = None, total: int | None = None) -> None:
        self._update("", self._title, label, done, total)

    def step(self, name: str) -> Callable[..., None]:
        """A reporter for one named step, shown as its own bar titled by ``labels`` (or the name)."""
        title = self._labels.get(name, name)

        def report(label: str, done: int | None = None, total: int | None = None) -> None:
            self._update(name, title, label, done, total)

        return report

    def steps(self, step: str, label: str, done: int, total: int) -> None:
        """The ``(step, label, done, total)`` callback shape (``wupian.demo.run_demo``)."""
        self.step(step)(label, done, total)


def _may_be_terminal() -> bool:
    """False only when Rich's ``Console(stderr=True).is_terminal`` is False too: stderr is no terminal and neither
    ``TTY_COMPATIBLE=1`` nor a non-empty ``FORCE_COLOR`` says otherwise (then Rich need not be imported to know)."""
    if os.environ.get("TTY_COMPATIBLE") == "1" or os.environ.get("FORCE_COLOR"):
        return True
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # a closed stream
        return False


@contextmanager
def progress(title: str = "", *, enabled: bool = True, transient: bool = True, bar: bool = True,
             labels: dict[str, str] | None = None) -> Iterator[Reporter]:
    """A reporter drawing on stderr while the block runs (``bar=False``: a spinner without counts)."""
    if not enabled or (transient and not _may_be_terminal()):
        yield Reporter()
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if transient and not console.is_terminal:  # a log file gets nothing from a bar that erases itself
        yield Reporter()
        return
    columns: list[Any] = [TextColumn("{task.description}"), BarColumn(),
                          TextColumn("{task.completed}/{task.total}")] if bar else \
        [SpinnerColumn(), TextColumn("{task.description}")]
    # a bar for a file or pipe is drawn once, when it stops: no refresh thread waking 10 times a second to draw
    # nothing (the same lines either way)
    with Progress(*columns, TimeElapsedColumn(), console=console, transient=transient,
                  auto_refresh=console.is_terminal) as live:
        reporter = Reporter(live, title, labels)
        if title:
            reporter("")
        yield reporter
