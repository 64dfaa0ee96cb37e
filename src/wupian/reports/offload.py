"""Python-only report writers run in a second Python process, next to the warehouse's work (issue 14).

The workbook (xlsxwriter, ≈ 29k cell comments at 2M loans) and the briefing (matplotlib, python-docx) are pure
Python over an already computed :class:`~wupian.metrics.IndicatorResult`: in the month-end process they would hold
the interpreter lock while the PBOC files and the reconciliation need it too. :class:`Helper` starts one child
interpreter (``sys.executable``, the parent's ``sys.path``; never ``fork``: the parent's DuckDB threads may be
running) that imports the writers while the parent computes, and runs the jobs it is sent, one at a time, in the
order they are sent: a job is a function of ``wupian.reports`` named by module and name, with picklable
arguments; its return value comes back pickled. An exception in a job is raised again in the parent as the same
exception (type and arguments; the child's traceback is chained to it as a ``HelperTraceback``). The child never
touches the warehouse; it writes the files its job names.

The child's stdout is the answer channel: anything a library prints there is redirected to its stderr (the
parent's stderr). ``close()`` ends the child (stdin closed, then waited for; killed when a caller is interrupted)
so that no process outlives the call that started it.
"""

from __future__ import annotations

import importlib
import os
import pickle
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from wupian.metrics import IndicatorResult

# The modules the child imports while the parent computes (the writers and their libraries; a module's
# ``warm_up()``, when it has one, imports what its functions import lazily).
WARM = ("wupian.reports.workbook", "wupian.reports.briefing")

# The child's program: read sys.path, then serve jobs (kept tiny: it runs before wupian is importable).
_BOOT = "import pickle, sys; sys.path[:] = pickle.load(sys.stdin.buffer); from wupian.reports.offload import serve; serve()"

ALLOWED = ("wupian.reports.",)  # the only modules whose functions a job may name


class HelperTraceback(Exception):
    """The formatted traceback of an exception raised in the child (chained as the ``__cause__``)."""


class HelperFailed(RuntimeError):
    """The child died or answered what cannot be read (not an exception of a job)."""


def _send(stream: IO[bytes], obj: Any) -> None:
    pickle.dump(obj, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


class Helper:
    """One child interpreter serving report jobs in order. Thread-safe: ``call`` from several threads runs their
    jobs one after the other (the caller waits, without the interpreter lock, for its answer)."""

    def __init__(self, warm: tuple[str, ...] = WARM) -> None:
        self._lock = threading.Lock()
        self._proc: subprocess.Popen[bytes] | None = subprocess.Popen(
            [sys.executable, "-c", _BOOT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True)
        assert self._proc.stdin is not None
        try:
            _send(self._proc.stdin, list(sys.path))
            _send(self._proc.stdin, ("warm", warm))
        except OSError:
            pass  # the child died at start: call() reports it

    def call(self, module: str, name: str, *args: Any, **kwargs: Any) -> Any:
        """``module.name(*args, **kwargs)`` in the child; its return value, or its exception raised here."""
        with self._lock:
            proc = self._proc
            if proc is None:
                raise HelperFailed("the report helper process is closed")
            assert proc.stdin is not None and proc.stdout is not None
            try:
                _send(proc.stdin, ("call", module, name, args, kwargs))
                status, *answer = pickle.load(proc.stdout)
            except (OSError, EOFError, pickle.UnpicklingError) as exc:
                raise HelperFailed(f"the report helper process failed (exit {proc.poll()}) "
                                   f"running {module}.{name}") from exc
        if status == "ok":
            return answer[0]
        error, text = answer
        raise error from HelperTraceback(text)

    def close(self, *, kill: bool = False) -> None:
        """End the child and wait for it (``kill``: at once, for an interrupted caller)."""
        with self._lock if not kill else _nolock():
            proc, self._proc = self._proc, None
        if proc is None:
            return
        if kill:
            proc.kill()
        for stream in (proc.stdin, proc.stdout):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
        proc.wait()

    def __enter__(self) -> Helper:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(kill=kind is not None and not issubclass(kind, Exception))


class _nolock:  # noqa: N801 — a null context manager for close(kill=True) (an interrupt may hold the lock)
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _picklable(exc: BaseException) -> BaseException:
    """``exc`` when it survives a pickle round trip, else a RuntimeError with its text."""
    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 — any failure to pickle: send the text instead
        return RuntimeError(f"{type(exc).__name__}: {exc}")


def serve() -> None:
    """The child's loop: jobs from stdin, answers on the original stdout (stdout itself goes to stderr)."""
    answers = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    jobs = sys.stdin.buffer
    while True:
        try:
            job = pickle.load(jobs)
        except EOFError:
            return
        if job[0] == "warm":
            for module in job[1]:
                try:
                    warm = getattr(importlib.import_module(module), "warm_up", None)
                    if warm is not None:
                        warm()
                except Exception:  # noqa: BLE001, S112 — a job that needs it raises the same error, in order
                    continue
            continue
        _, module, name, args, kwargs = job
        try:
            if not module.startswith(ALLOWED):
                raise ValueError(f"not a report function: {module}.{name}")
            value = getattr(importlib.import_module(module), name)(*args, **kwargs)
            _send(answers, ("ok", value))
        except Exception as exc:  # noqa: BLE001 — every job error goes back to the caller
            _send(answers, ("error", _picklable(exc), traceback.format_exc()))


def write_documents(result: IndicatorResult, tree: list[dict[str, object]], top: str, bank_name: str,
                    out_dir: Path, *, workbook: Path | None, briefing: bool, nfra: IndicatorResult | None = None,
                    siblings: int = 0) -> list[Path]:
    """The job the helper runs for ``generate_reports``: the workbook (at ``workbook``, when given), then the
    briefing's md and docx (when ``briefing``) — one job, so that the values' Python rows are built once."""
    files = []
    if workbook is not None:
        from wupian.reports.workbook import write_workbook

        files.append(write_workbook(result, tree, workbook, branch_id=top, bank_name=bank_name))
    if briefing:
        from wupian.reports.briefing import write_briefing

        md, docx, _ = write_briefing(result, top, bank_name, out_dir, nfra=nfra, siblings=siblings)
        files += [md, docx]
    return files
