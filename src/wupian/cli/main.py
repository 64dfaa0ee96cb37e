"""The ``wupian`` console script: build the app (``wupian.cli.app.create_app``), run it, map the outcome to an
exit code (0 clean, 1 data issues at ERROR, 2 usage or environment error, 130 interrupted — see
``wupian.cli.errors``). No Python traceback reaches the user.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence

__all__ = ["main", "run"]


def run(argv: Sequence[str] | None = None) -> int:
    """Run ``wupian`` with ``argv`` (default: the process arguments) and return its exit code."""
    return _run(argv)[0]


def _run(argv: Sequence[str] | None) -> tuple[int, bool]:
    """The exit code, and whether the run did nothing but print the top-level help (``wupian --help``, or
    ``wupian`` alone): then nothing is open, pending or abandoned."""
    code, command = _invoke(argv)
    return code, bool(getattr(command, "help_shown", False))


def _invoke(argv: Sequence[str] | None) -> tuple[int, object]:
    from wupian.cli import errors

    command: object = None
    try:
        import typer

        from wupian.cli.app import create_app

        try:
            from typer._click.exceptions import ClickException
        except ImportError:  # pragma: no cover - Typer < 0.20 uses the click package
            from click.exceptions import ClickException

        from wupian.cli import rich_help_import
        from wupian.cli.command_tree import build
        from wupian.cli.light_params import install

        rich_help_import.install()  # Typer's help renderer without Rich's unused Markdown parser

        # what ``app(...)`` runs, each command built when needed (wupian.cli.command_tree), values converted
        # without Pydantic where the conversion is plain (wupian.cli.light_params)
        command = build(create_app(), install)
        try:
            code = command.main(args=list(argv) if argv is not None else None, prog_name="wupian",
                                standalone_mode=False)
        except typer.Abort:  # Ctrl-C while prompting, or EOF
            raise KeyboardInterrupt from None
        except ClickException as exc:
            exc.show()
            return exc.exit_code, command
        if code == errors.INTERRUPTED:  # Typer turns KeyboardInterrupt into Exit(130)
            raise KeyboardInterrupt
        try:
            if sys.stdout is not None:  # None: the process was started with stdout closed
                sys.stdout.flush()  # a full disk behind a redirected stdout surfaces here, not at interpreter exit
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, "<standard output>") from exc
        return (code if isinstance(code, int) else 0), command
    except BaseException as exc:  # noqa: BLE001 - the one place every failure becomes a message and a code
        if isinstance(exc, SystemExit):
            if exc.code is None or isinstance(exc.code, int):
                return exc.code or 0, None
            print(f"error: {exc.code}", file=sys.stderr)
            return 2, None
        return errors.report(exc), None


def _quiet_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """A file object that fails to close while being garbage-collected (a zip writer on a full disk) must not
    print a traceback after the one-line message; anything else keeps Python's default report."""
    if isinstance(unraisable.exc_value, OSError):
        return
    sys.__unraisablehook__(unraisable)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point.

    As the process's own entry point (``argv`` not given and ``_is_process_entry``) two kinds of run end at once
    (``wupian.cli.lean_process.end_at_once``: flush, exit handlers, ``os._exit``) instead of tearing the
    interpreter down: one that only printed the top-level help (tearing down ≈ 280 modules cost more than a third
    of ``wupian --help``'s CPU; nothing was opened), a command that chose a lean process
    (``lean_process.enter``: ``indicators``, ``coverage``, ``load``), and one that said its work is done and closed
    (``lean_process.finished``: ``month-end``). Any other run, and every call with ``argv`` or from
    another program (tests, embedding programs), ends through ``sys.exit``."""
    from wupian.cli import lean_process

    own = argv is None and _is_process_entry()
    if own:
        lean_process.console_script()
    previous, sys.unraisablehook = sys.unraisablehook, _quiet_unraisable
    try:
        code, help_only = _run(argv)
        if own and (help_only or lean_process.ends_at_once()):
            lean_process.end_at_once(code)
        gc.collect()  # close abandoned writers now, under the quiet hook
    finally:
        sys.unraisablehook = previous
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError:  # stdout is a full disk or a closed pipe: drop what is buffered so exit stays quiet
        code = code or 2
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(code)


def _is_process_entry() -> bool:
    """Whether this ``main`` is the process's own entry point — the console script, ``python -m wupian.cli.main``
    or ``python -c "from wupian.cli.main import main; main()"`` — and not a call from another program that
    patched ``sys.argv`` (a test under pytest): only the entry point may end the process at once."""
    return getattr(sys.modules.get("__main__"), "main", None) is main


if __name__ == "__main__":
    main()
