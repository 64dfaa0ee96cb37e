"""Command-line values converted without Pydantic (``wupian.cli.light_params``) are exactly what Typer's own conversion
gives — the value, or the same error with the same message — for every parameter of every command, and a command
run through ``main()`` imports no Pydantic."""

from __future__ import annotations

import subprocess
import sys
from enum import Enum
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer._click import Context
from typer.core import _TyperParameter

from wupian.cli import light_params
from wupian.cli.app import create_app


def _params() -> list[tuple[Any, _TyperParameter]]:
    command = typer.main.get_command(create_app())
    light_params.install(command)
    out, stack = [], [(command, None)]
    while stack:
        cmd, parent = stack.pop()
        ctx = Context(cmd, parent=parent, info_name=cmd.name)
        out += [(ctx, p) for p in [*cmd.params, cmd.get_help_option(ctx)] if isinstance(p, _TyperParameter)]
        stack += [(sub, ctx) for sub in getattr(cmd, "commands", {}).values()]
    return out


PARAMS = _params()


def _samples(annotation: Any, tmp: Path) -> list[Any]:
    common: list[Any] = [None, "", "x", "中文", 5, True]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return [*common, *annotation, *(m.value for m in annotation), *(m.value.upper() for m in annotation)]
    return [*common, "5", "-3", "007", "5.0", "1e3", " 5", "0.05", "-0.5", "1_000", "99999999999999999999", 2.5,
            str(tmp), str(tmp / "missing.csv"), str(tmp / "file.txt"), "a//b", "./a", tmp, tmp / "file.txt",
            ("a", "b"), (), ["x"], "-"]


def _outcome(fn: Any) -> tuple[str, Any]:
    try:
        return "value", fn()
    except Exception as exc:  # noqa: BLE001 - the error itself is what is compared
        return type(exc).__name__, str(exc)


def test_every_parameter_converts_as_typer_does(tmp_path: Path) -> None:
    (tmp_path / "file.txt").write_text("x", encoding="utf-8")
    assert PARAMS and all(isinstance(p._runtime_param, light_params.LightParam) for _, p in PARAMS)
    checked = 0
    for ctx, p in PARAMS:
        light = p._runtime_param
        typer_own = light.typer_param()
        for value in _samples(p.type_descriptor.annotation, tmp_path):
            got = _outcome(lambda: light.coerce(value, param=p, ctx=ctx))  # noqa: B023
            want = _outcome(lambda: typer_own.coerce(value, param=p, ctx=ctx))  # noqa: B023
            assert got == want, (p.name, p.type_descriptor.annotation, value)
            if got[0] == "value":
                assert type(got[1]) is type(want[1])
            checked += 1
    assert checked > 500


def test_a_command_imports_no_pydantic(tmp_path: Path) -> None:
    probe = ("import sys\nfrom wupian.cli.main import run\n"
             f"rc = run(['--db', {str(tmp_path / 'w.duckdb')!r}, 'snapshots'])\n"
             "print(rc, 'pydantic' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(Path(light_params.__file__).parents[2]), "PATH": "/usr/bin:/bin"})
    assert res.stdout.strip().splitlines()[-1] == "2 False"  # no warehouse there: a usage error, no Pydantic


@pytest.mark.parametrize("args", [["indicators", "--as-of"], ["demo", "--scale", "x"], ["demo", "--months", "99"],
                                  ["classify", "--as-of", "2026-03-31", "--format", "xml"],
                                  ["load", "/no/such/folder", "--as-of", "2026-03-31"]])
def test_bad_values_still_get_typers_messages(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from wupian.cli.main import run

    assert run(args) == 2
    err = capsys.readouterr().err
    assert "Error" in err or "error" in err
