"""The command tree built on demand (``wupian.cli.command_tree``), Typer's help renderer without Rich's Markdown
(``wupian.cli.rich_help_import``) and the quick ending of ``wupian --help``: every help text, usage error and
exit code is the one Typer's eager build gives."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
import typer.main
from typer.models import CommandInfo

from wupian.cli import command_tree
from wupian.cli.app import create_app
from wupian.cli.light_params import LightParam, install
from wupian.cli.main import _run, run

SRC = str(Path(command_tree.__file__).parents[2])


def _eager_build(app: typer.Typer, install_params: object = None) -> object:
    """Typer's own build of every command up front (what ``wupian.cli.main`` did before), light params and all."""
    command = typer.main.get_command(app)
    install(command)
    return command


def _eager(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """What ``run`` prints and returns for ``args`` with the eagerly built command (the reference)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(command_tree, "build", _eager_build)
        code = run(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def _deferred(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = run(args)
    out = capsys.readouterr()
    return code, out.out, out.err


def _all_help_invocations() -> list[list[str]]:
    command = typer.main.get_command(create_app())
    ctx = typer.Context(command)
    calls: list[list[str]] = [["--help"], []]
    for name in command.list_commands(ctx):  # type: ignore[attr-defined]
        calls.append([name, "--help"])
        sub = command.get_command(ctx, name)  # type: ignore[attr-defined]
        if hasattr(sub, "list_commands"):
            for child in sub.list_commands(typer.Context(sub, parent=ctx)):
                calls.append([name, child, "--help"])
    return calls


@pytest.mark.parametrize("columns", ["80", "132"])
def test_every_help_text_is_typers_own(columns: str, capsys: pytest.CaptureFixture[str],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    calls = _all_help_invocations()
    assert len(calls) > 30  # the top level, every command, every sub-command of the groups
    if columns != "80":  # the other width: the top level and a few commands
        calls = [c for c in calls if c[:1] in ([], ["--help"], ["load"], ["indicators"], ["attest"])]
    for args in calls:
        got, want = _deferred(args, capsys), _eager(args, capsys)
        assert got == want, args
        assert "Usage: wupian" in got[1] + got[2], args


@pytest.mark.parametrize("args", [["lod"], ["nosuch", "--x"], ["--db"], ["--nosuch"], ["load"], ["indicators",
                                  "--as-of", "2026-13-01"], ["attest"], ["attest", "nosuch"], ["--engine", "oracle",
                                  "snapshots"]])
def test_usage_errors_are_typers_own(args: list[str], capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    got, want = _deferred(args, capsys), _eager(args, capsys)
    assert got == want
    assert got[0] == 2


def test_the_top_level_help_builds_no_command_and_a_lookup_builds_one(capsys: pytest.CaptureFixture[str]) -> None:
    group = command_tree.build(create_app(), install)
    assert group.main(args=["--help"], prog_name="wupian", standalone_mode=False) == 0
    assert " load " in capsys.readouterr().out and group.help_shown
    entries = dict(dict.items(group.commands))
    assert all(isinstance(entries[n], CommandInfo) for n in ("demo", "load", "indicators", "month-end"))
    assert not isinstance(entries["attest"], CommandInfo)  # groups are built (their modules load lazily)
    load = group.get_command(typer.Context(group), "load")
    assert load is not None and load.name == "load" and any(p.name == "as_of" for p in load.params)
    assert all(isinstance(p._runtime_param, LightParam) for p in load.params  # type: ignore[attr-defined]
               if hasattr(p, "_runtime_param"))
    assert group.get_command(typer.Context(group), "load") is load  # built once
    assert isinstance(dict.__getitem__(group.commands, "indicators"), CommandInfo)
    assert group.commands.get("nosuch") is None and "load" in group.commands


def test_build_refuses_an_app_without_the_deferred_group() -> None:
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("x")(lambda: None)
    with pytest.raises(TypeError, match="cls=DeferredGroup"):
        command_tree.build(app)
    assert len(app.registered_commands) == 1  # left as it was


def test_only_the_top_level_help_counts_as_help_only(capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(["--help"]) == (0, True)
    assert _run([]) == (2, True)  # no command: the help, exit 2 (Click's no_args_is_help)
    assert _run(["load", "--help"]) == (0, False)
    assert _run(["nosuch"]) == (2, False)
    capsys.readouterr()


def _python(code: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PYTHONPATH": SRC, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "COLUMNS": "100"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False)


def test_the_console_script_help_ends_at_once_with_the_same_text_and_code() -> None:
    quick = _python("from wupian.cli.main import main; main()", "--help")
    eager = _python("import typer.main, sys\nfrom wupian.cli.app import create_app\n"
                    "typer.main.get_command(create_app()).main(args=sys.argv[1:], prog_name='wupian')", "--help")
    assert (quick.returncode, quick.stdout, quick.stderr) == (0, eager.stdout, "") and eager.returncode == 0
    bare = _python("from wupian.cli.main import main; main()")
    assert bare.returncode == 2 and "Usage: wupian" in bare.stdout + bare.stderr
    # the quick ending skips the interpreter's teardown (a module global's finalizer does not run) but runs the
    # process's exit handlers (wupian.cli.lean_process.end_at_once)
    code = ("import atexit; atexit.register(print, 'exit handler')\n"
            "class Finalized:\n    def __del__(self): print('teardown')\n"
            "kept = Finalized()\nfrom wupian.cli.main import main; main()")
    probe = _python(code, "--help")
    assert probe.returncode == 0 and "teardown" not in probe.stdout
    assert probe.stdout.rstrip().endswith("exit handler")
    probe = _python(code, "load", "--help")
    assert probe.returncode == 0 and probe.stdout.rstrip().endswith("exit handler\nteardown")


def test_help_imports_no_markdown_parser_and_rich_markdown_stays_real() -> None:
    res = _python("import sys, io, contextlib\nfrom wupian.cli.main import run\n"
                  "with contextlib.redirect_stdout(io.StringIO()): rc = run(['--help'])\n"
                  "print(rc, 'markdown_it' in sys.modules, 'rich.markdown' in sys.modules)\n"
                  "import rich.markdown\nprint(rich.markdown.Markdown.__module__, rich.markdown.Heading.__name__,"
                  " hasattr(rich.markdown, '__stand_in__'))")
    assert res.stdout.split("\n")[:2] == ["0 False False", "rich.markdown Heading False"], res.stderr


MARKDOWN_APP = """
import sys, typer
from typer.testing import CliRunner
if sys.argv[1] == "hook":
    from wupian.cli import rich_help_import
    rich_help_import.install()
app = typer.Typer(rich_markup_mode="markdown")
@app.command()
def go(name: str = typer.Option("x", help="The **name**, `quoted`.")) -> None:
    '''Say *hello* to **someone**.

    * one
    * two
    '''
print(CliRunner().invoke(app, ["--help"], terminal_width=90).output)
import rich.markdown
print(type(rich.markdown).__name__, getattr(rich.markdown, "__stand_in__", False))
"""


def test_a_markdown_app_renders_the_same_through_the_stand_in() -> None:
    plain, hooked = _python(MARKDOWN_APP, "plain"), _python(MARKDOWN_APP, "hook")
    assert plain.returncode == hooked.returncode == 0, plain.stderr + hooked.stderr
    assert hooked.stdout == plain.stdout
    assert "hello" in hooked.stdout and "•" in hooked.stdout  # Markdown rendered (a bullet list)
    assert hooked.stdout.rstrip().endswith("module False")


def test_install_does_nothing_once_typer_rendered() -> None:
    res = _python("import typer.rich_utils, sys\nfrom wupian.cli import rich_help_import\n"
                  "rich_help_import.install(); rich_help_import.install()\n"
                  "print(sum(type(f).__name__ == '_Finder' for f in sys.meta_path))")
    assert res.stdout.strip() == "0"
    res = _python("import sys\nfrom wupian.cli import rich_help_import\n"
                  "rich_help_import.install(); rich_help_import.install()\n"
                  "print(sum(type(f).__name__ == '_Finder' for f in sys.meta_path))\n"
                  "import typer.rich_utils\n"
                  "print(sum(type(f).__name__ == '_Finder' for f in sys.meta_path), 'rich.markdown' in sys.modules)")
    assert res.stdout.split() == ["1", "0", "False"], res.stderr


def test_a_closed_stdout_gives_no_traceback(tmp_path: Path) -> None:
    """A process started with its stdout closed (``sys.stdout`` is None) ends with its message and code."""
    env = {"PYTHONPATH": SRC, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

    def closed(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", "from wupian.cli.main import main; main()", *args],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env, check=False,
                              preexec_fn=lambda: os.close(1))

    res = closed("--help")
    assert (res.returncode, res.stderr) == (0, "")
    res = closed("--db", str(tmp_path / "none.duckdb"), "snapshots")
    assert res.returncode == 2 and "no warehouse at" in res.stderr and "Traceback" not in res.stderr
