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
    from wupian.cli import errors

    try:
        import typer
        import typer.main

        from wupian.cli.app import create_app

        try:
            from typer._click.exceptions import ClickException
        except ImportError:  # pragma: no cover - Typer < 0.20 uses the click package
            from click.exceptions import ClickException

        from wupian.cli.light_params import install

        command = typer.main.get_command(create_app())  # what ``app(...)`` runs; built here to convert values
        install(command)  # without Pydantic where the conversion is plain (wupian.cli.light_params)
        try:
            code = command.main(args=list(argv) if argv is not None else None, prog_name="wupian",
                                standalone_mode=False)
        except typer.Abort:  # Ctrl-C while prompting, or EOF
            raise KeyboardInterrupt from None
        except ClickException as exc:
            exc.show()
            return exc.exit_code
        if code == errors.INTERRUPTED:  # Typer turns KeyboardInterrupt into Exit(130)
            raise KeyboardInterrupt
        try:
            sys.stdout.flush()  # a full disk behind a redirected stdout surfaces here, not at interpreter exit
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, "<standard output>") from exc
        return code if isinstance(code, int) else 0
    except BaseException as exc:  # noqa: BLE001 - the one place every failure becomes a message and a code
        if isinstance(exc, SystemExit):
            if exc.code is None or isinstance(exc.code, int):
                return exc.code or 0
            print(f"error: {exc.code}", file=sys.stderr)
            return 2
        return errors.report(exc)


def _quiet_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """A file object that fails to close while being garbage-collected (a zip writer on a full disk) must not
    print a traceback after the one-line message; anything else keeps Python's default report."""
    if isinstance(unraisable.exc_value, OSError):
        return
    sys.__unraisablehook__(unraisable)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    previous, sys.unraisablehook = sys.unraisablehook, _quiet_unraisable
    try:
        code = run(argv)
        gc.collect()  # close abandoned writers now, under the quiet hook
    finally:
        sys.unraisablehook = previous
    try:
        sys.stdout.flush()
    except OSError:  # stdout is a full disk or a closed pipe: drop what is buffered so exit stays quiet
        code = code or 2
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    sys.exit(code)


if __name__ == "__main__":
    main()
