"""Run the `wupian` command line in-process through ``main()`` and return its exit code."""

from __future__ import annotations

import pytest

from wupian.cli.main import main


def wupian(*args: str) -> int:
    """``wupian ARGS…`` through ``main()``; the exit code it ended with (0 clean, 1 data issues, 2 usage)."""
    with pytest.raises(SystemExit) as done:
        main(list(args))
    code = done.value.code
    assert isinstance(code, int)
    return code


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """``wupian ARGS…`` through ``main()``: (exit code, stdout, stderr), with what came before cleared."""
    capsys.readouterr()
    code = wupian(*args)
    out, err = capsys.readouterr()
    return code, out, err
