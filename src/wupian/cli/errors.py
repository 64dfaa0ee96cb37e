"""Why a command stopped, as one line a banker can act on (zh/en) and an exit code — never a traceback.

Exit codes: 0 clean · 1 data issues at ERROR (``DataError``, its located issues listed) · 2 usage or
environment: bad options, missing files, unwritable paths, a full disk, a warehouse locked by another process,
and unexpected internal errors (set ``WUPIAN_DEBUG=1`` to see their traceback) · 130 interrupted (Ctrl-C; the
POSIX convention 128 + SIGINT, so scripts can tell an operator's interrupt from a broken environment).
An interrupted load leaves the warehouse as it was: loads run in one transaction.
"""

from __future__ import annotations

import errno
import os
import sys

import typer

from wupian.core.errors import DataError, UsageError

INTERRUPTED = 130
_OS_MESSAGES = {
    errno.ENOSPC: "disk full (磁盘空间不足)",
    errno.EDQUOT: "disk quota exceeded (磁盘配额已满)",
    errno.EACCES: "permission denied (无写入/读取权限)",
    errno.EPERM: "operation not permitted (无权限)",
    errno.EROFS: "read-only file system (只读文件系统)",
    errno.ENOENT: "no such file or folder (文件或目录不存在)",
    errno.ENOTDIR: "a part of the path is a file, not a folder (路径中有文件而非目录)",
    errno.EISDIR: "is a folder, expected a file (应为文件而非目录)",
    errno.EEXIST: "already exists (已存在)",
    errno.EMFILE: "too many open files (打开文件过多)",
}


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _is_duckdb(exc: BaseException | None) -> bool:
    return exc is not None and type(exc).__module__.split(".")[0] in ("duckdb", "_duckdb")


def _warehouse_problem(exc: BaseException) -> str | None:
    text = str(exc)
    if "Could not set lock" in text or "Conflicting lock" in text:
        return ("the warehouse is in use by another wupian process (仓库正被其他进程使用): wait for it to finish "
                "or stop it, then re-run")
    if "No space left" in text:
        return "disk full while writing the warehouse (磁盘空间不足): free space and re-run; nothing was half-loaded"
    return None


def _os_error_inside(exc: BaseException) -> OSError | None:
    """The OSError a library wrapped (xlsxwriter's FileCreateError(OSError), ``raise X from oserror``)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop(0)
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, OSError):
            return e
        todo += [a for a in e.args if isinstance(a, BaseException)] + [e.__cause__, e.__context__]
    return None


def describe(exc: BaseException) -> tuple[str, int]:
    """(one-line message, exit code) for an exception that ended a command."""
    if not isinstance(exc, (OSError, UsageError, KeyboardInterrupt)) and not _is_duckdb(exc):
        inner = _os_error_inside(exc)
        if inner is not None:
            exc = inner
    if isinstance(exc, KeyboardInterrupt) or (_is_duckdb(exc) and type(exc).__name__ == "InterruptException"):
        return "interrupted (已中断): nothing half-loaded was kept; re-run the command to finish", INTERRUPTED
    if isinstance(exc, UsageError):
        cause = exc.__cause__
        problem = _warehouse_problem(cause) if _is_duckdb(cause) and cause is not None else None
        return f"error: {problem or _one_line(str(exc))}", 2
    if isinstance(exc, OSError):
        what = _OS_MESSAGES.get(exc.errno or -1) or _one_line(exc.strerror or str(exc))
        where = exc.filename if exc.filename is not None else None
        return (f"error: {what}: {where}" if where else f"error: {what}"), 2
    if _is_duckdb(exc):
        problem = _warehouse_problem(exc)
        return f"error: {problem or 'warehouse error (仓库错误): ' + _one_line(str(exc))}", 2
    return (f"internal error (内部错误): {type(exc).__name__}: {_one_line(str(exc))} — please report it; "
            "set WUPIAN_DEBUG=1 to see the traceback"), 2


def report(exc: BaseException) -> int:
    """Print what stopped the command on stderr; return the exit code."""
    if isinstance(exc, DataError):
        typer.echo(f"error: {exc}", err=True)
        for issue in exc.issues[:50]:
            typer.echo(f"  {issue}", err=True)
        if exc.total > 50:
            typer.echo(f"  … {exc.total - 50} more", err=True)
        return 1
    if os.environ.get("WUPIAN_DEBUG") and not isinstance(exc, (UsageError, KeyboardInterrupt)):
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    message, code = describe(exc)
    typer.echo(message, err=True)
    return code
