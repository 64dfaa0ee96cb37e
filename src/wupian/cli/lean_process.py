"""A lean process for a command that is the whole process: pyarrow without NumPy and on the system allocator, and
no interpreter teardown.

A read command such as ``wupian indicators`` on a classified warehouse does ≈ 0.2 s CPU of work in a process
that costs more than that to start and end. Three of those costs are for nothing when the command is the
console script (``wupian …``, ``wupian.cli.main.main()`` without ``argv``) on the DuckDB engine:

* **NumPy** (≈ 0.07 s): pyarrow imports NumPy whenever it is installed, only to convert NumPy arrays, which
  these commands never give it (``tests/unit/cli/test_lean_process.py`` checks that the packages they run on
  do not use NumPy). :func:`enter` imports pyarrow with NumPy hidden (a meta-path finder answering
  ``ModuleNotFoundError`` for ``numpy``, in front of ``sys.meta_path`` only for that import): pyarrow then
  works without NumPy for the rest of the process. NumPy itself stays importable;
  only pyarrow's NumPy conversions (``to_numpy``, ``pa.array(ndarray)``) would fail, so only commands that
  never make them opt in.
* **pyarrow's buffers from the system allocator** (≈ 0.4 s of kernel time at 2M loans on the benchmark machine):
  pyarrow's default pool (mimalloc) backs its memory with 2 MiB transparent huge pages where the kernel allows
  them on request (``madvise``), and every first touch of one makes the kernel zero a whole huge page — tens of
  such faults while ``indicators`` renders a bank's ≈ 120k values, each ≈ 10 ms of system time on a virtual
  machine that hands freed memory back to its host. :func:`enter` sets ``pa.system_memory_pool()`` (glibc
  malloc: ordinary pages, touched as used) unless ``ARROW_DEFAULT_MEMORY_POOL`` names a pool. The values are
  the same bytes whatever allocator holds them.
* **Teardown** (≈ 0.05 s: ``gc.collect`` and deallocating ≈ 500 modules): :func:`main <wupian.cli.main.main>`
  ends a lean run with ``os._exit`` after running the ``atexit`` handlers and flushing stdout and stderr. A
  lean command writes only through stdout/stderr or files it closes itself (``output.write_text``) and
  closes its warehouse in a ``with`` block, so nothing is left for finalizers to do.

Nothing changes when the command runs inside another program (tests, notebooks, the web app call
``main(argv)`` or the API), on ``--engine spark`` (PySpark uses NumPy and pandas), or when pyarrow or NumPy
is already imported. Commands opt in with one call, :func:`enter`, before anything imports pyarrow.
"""

from __future__ import annotations

import atexit
import os
import sys
from collections.abc import Sequence
from importlib.machinery import ModuleSpec
from typing import Any

__all__ = ["BLAS_VARIABLE", "HIDDEN", "console_script", "end_at_once", "ends_at_once", "enter", "fewer_collections", "finished", "is_lean", "system_arrow_pool", "without_numpy_arrow"]

HIDDEN = "numpy"
POOL_VARIABLE = "ARROW_DEFAULT_MEMORY_POOL"  # read by Arrow when its default pool is first used
BLAS_VARIABLE = "OPENBLAS_NUM_THREADS"  # read by NumPy's OpenBLAS when NumPy is first imported


class _State:
    console_script = False  # this process is ``wupian …`` itself (set by wupian.cli.main.main)
    lean = False  # the running command chose a lean process (enter() succeeded)
    finished = False  # the running command's work is done and closed (finished() called): no teardown needed


class _HideNumpy:
    """A meta-path finder: ``numpy`` (and ``numpy.*``) cannot be found while it is installed."""

    def find_spec(self, name: str, path: Sequence[str] | None = None, target: Any = None) -> ModuleSpec | None:
        if name == HIDDEN or name.startswith(HIDDEN + "."):
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by wupian: not needed)", name=name)
        return None


def console_script() -> None:
    """Called by the console script's entry point, before pyarrow is imported: commands of this process may choose
    a lean process, and every command's pyarrow buffers come from the system allocator unless the environment
    chose a pool (the huge-page cost of the module docstring is paid by any command that builds large Arrow
    tables: ``month-end`` spent ≈ 1.5 s of system time less at 2M loans).

    NumPy's OpenBLAS runs on the calling thread alone unless the environment says otherwise
    (``OPENBLAS_NUM_THREADS``): wupian does no linear algebra, yet where a command imports NumPy (``month-end``'s
    PBOC files and worklists, the demo) OpenBLAS would start a worker per further core that spins for its first
    ≈ 0.1 s of CPU waiting for work that never comes (``perf`` at 2M: 0.9 % of a month-end's samples)."""
    _State.console_script = True
    os.environ.setdefault(POOL_VARIABLE, "system")
    os.environ.setdefault(BLAS_VARIABLE, "1")


def without_numpy_arrow(*, compute: bool = True) -> bool:
    """Import pyarrow with NumPy hidden (when neither is imported yet). Returns whether pyarrow is without NumPy
    afterwards. Only for a process that never hands NumPy arrays to pyarrow. ``compute`` False: a command that
    never uses ``pyarrow.compute`` (``load``) does not import it (≈ 0.04 s)."""
    if "pyarrow" in sys.modules or HIDDEN in sys.modules:
        return False
    finder = _HideNumpy()
    sys.meta_path.insert(0, finder)
    try:
        import pyarrow  # noqa: F401 - the imports are the point: pyarrow and its compute module (the two that
        if compute:
            import pyarrow.compute  # noqa: F401 - look for NumPy) settle on "no NumPy"
    finally:
        sys.meta_path.remove(finder)
    return HIDDEN not in sys.modules


def system_arrow_pool() -> bool:
    """pyarrow's default memory pool becomes the system allocator (see the module docstring), unless the
    environment chose one (``ARROW_DEFAULT_MEMORY_POOL``). Returns whether it changed the pool."""
    if os.environ.get(POOL_VARIABLE):
        return False
    import pyarrow as pa

    pa.set_memory_pool(pa.system_memory_pool())
    return True


def enter(*, compute: bool = True) -> bool:
    """Make the running command's process lean when it is the console script on the DuckDB engine (see the
    module docstring); returns whether it is. Call it first in the command, before pyarrow is imported.
    ``compute`` False: the command never uses ``pyarrow.compute``, which is then not imported."""
    if not _State.console_script:
        return False
    from wupian.cli.context import current

    if current().engine != "duckdb":
        return False
    without_numpy_arrow(compute=compute)
    system_arrow_pool()
    _State.lean = True
    return True


def is_lean() -> bool:
    """Whether the running command chose a lean process (then it ends without teardown)."""
    return _State.lean


YOUNG_COLLECTION_EVERY = 100_000  # allocations between two young collections of a month-end (Python: 700)


def fewer_collections() -> bool:
    """Let the console script's collector run a young collection every :data:`YOUNG_COLLECTION_EVERY` net
    allocations instead of every 700 (older generations: every 10 of the younger, as before); returns whether
    it changed. A month-end's report writers build hundreds of thousands of short-lived Python objects (the
    workbook's cells, the indicator values read, the PBOC files' findings) while the process holds ≈ 80k
    long-lived ones: with the default threshold the collector ran ≈ 520 times, five of them full collections of
    the whole heap — ≈ 0.4 s under the interpreter lock at 20k loans, ≈ 1.5 s at 2M (session 16: young
    collections traverse every young list, and the report writers' lists hold millions of items at 2M); with
    this one it runs 2–3 times (≈ 0.06–0.08 s at 20k and at 2M, the peak memory unchanged; 20k allocations: 0.43 s
    at 2M). Cycles are still collected, later. Does nothing in a process that is not the console script (a program calling ``main(argv)``
    keeps its collector as it set it)."""
    if not _State.console_script:
        return False
    import gc

    gc.set_threshold(YOUNG_COLLECTION_EVERY, *gc.get_threshold()[1:])
    return True


def finished() -> None:
    """Called by a command of the console script once its work is done and everything it opened is closed — its
    warehouse, every file it wrote, every thread it started joined — so that what is left is printing: the process
    then ends without teardown (:func:`end_at_once`) like a lean one, NumPy or not. ``month-end``: tearing down what
    its run leaves for the collector (≈ 0.15 s of CPU at any bank size, the indicator values' Python objects among
    it) is of no use to anyone. Does nothing in a process that is not the console script."""
    if _State.console_script:
        _State.finished = True


def ends_at_once() -> bool:
    """Whether the running command ends without teardown: it chose a lean process or said it :func:`finished`."""
    return _State.lean or _State.finished


def end_at_once(code: int) -> None:
    """End the process with ``code`` without tearing the interpreter down: flush stdout and stderr, run the
    ``atexit`` handlers, flush again, ``os._exit``. Returns (and the normal ending runs, handlers included)
    when the output cannot be flushed."""
    if not _flushed():
        return
    atexit._run_exitfuncs()
    _flushed()
    import os

    os._exit(code)


def _flushed() -> bool:
    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except OSError:
        return False
    return True
