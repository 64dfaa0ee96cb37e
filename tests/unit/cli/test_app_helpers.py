"""The CLI building blocks: the app factory (no shared state), one date parser, one output helper, one
progress helper, and a start-up that imports no heavy module for ``--help``."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from wupian.cli import output
from wupian.cli.app import COMMANDS, LAZY_GROUPS, create_app
from wupian.cli.context import CliState, current, db_path
from wupian.cli.progress import Reporter, progress
from wupian.core.dates import parse_date, parse_optional_date
from wupian.core.errors import UsageError

HEAVY = ("duckdb", "pyarrow", "pandas", "numpy", "polars", "pyspark", "sqlglot", "fastapi", "starlette", "uvicorn",
         "sqlalchemy", "alembic", "psycopg", "argon2", "matplotlib", "PIL", "docx", "openpyxl", "xlsxwriter", "ibis",
         "charset_normalizer", "cryptography", "wupian.engine", "wupian.ingest", "wupian.metrics", "wupian.rules",
         "wupian.reports.run", "wupian.demo.build", "wupian.attest.log", "wupian.web", "wupian.ops")


def _modules_after(code: str) -> str:
    """Run ``code`` in a fresh interpreter and print its exit code and the heavy modules it left imported."""
    probe = (f"import sys; {code}; "
             f"print(rc, sorted({{m.split('.')[0] if not m.startswith('wupian') else m for m in sys.modules}} & "
             f"set({HEAVY!r})))")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(Path(output.__file__).parents[2]), "PATH": "/usr/bin:/bin"})
    return res.stdout.strip().splitlines()[-1]


def test_help_imports_no_heavy_module() -> None:
    assert _modules_after("from wupian.cli.main import run; rc = run(['--help'])") == "0 []"


def test_console_script_help_imports_no_heavy_module() -> None:
    """The installed entry point (``wupian = wupian.cli.main:main``) exits through ``sys.exit``: same guard."""
    code = ("from wupian.cli.main import main\ntry:\n    main(['--help'])\nexcept SystemExit as e:\n"
            "    rc = e.code")
    assert _modules_after(f"exec({code!r})") == "0 []"


def test_the_guard_sees_a_heavy_import() -> None:
    """The probe itself can fail: a heavy import made before the check is reported."""
    assert _modules_after("import sqlite3, json; import decimal; rc = 0") == "0 []"
    assert "pyarrow" in _modules_after("import pyarrow; rc = 0")


def test_every_command_module_registers_and_the_tour_commands_exist() -> None:
    app = create_app()
    res = CliRunner().invoke(app, ["--help"])
    assert res.exit_code == 0
    for name in ("demo", "check", "load", "load-events", "snapshots", "quarantine", "classify", "size",
                 "indicators", "coverage", "report", "month-end", "recurring", "attest"):
        assert f" {name} " in res.stdout, name
    assert "attest" in LAZY_GROUPS and "attest" not in COMMANDS


def test_a_lazy_group_runs_its_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from wupian.cli.main import run

    assert run(["attest", "init", "--log-dir", str(tmp_path / "log")]) == 0
    assert "initialised attestation log" in capsys.readouterr().out
    assert run(["attest", "--help"]) == 0
    assert "prove-consistency" in capsys.readouterr().out
    assert run(["attest", "nosuch"]) == 2
    assert "No such command 'nosuch'" in capsys.readouterr().err


def test_registering_a_module_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pkg = tmp_path / "probe_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "probe_cmd.py").write_text(
        "import typer\nfrom wupian.cli.context import db_path\n\n\ndef register(app: typer.Typer) -> None:\n"
        "    app.command('probe')(lambda: typer.echo(db_path()))\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    app = create_app(commands=(*COMMANDS, "probe_pkg.probe_cmd"))
    res = CliRunner().invoke(app, ["--db", str(tmp_path / "a.duckdb"), "probe"])
    assert res.exit_code == 0 and res.stdout.strip() == str(tmp_path / "a.duckdb")


def test_two_apps_share_no_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WUPIAN_DB", raising=False)
    seen: list[str] = []

    def probe_module(app: typer.Typer) -> None:
        app.command("probe")(lambda: seen.append(db_path()))

    first, second = create_app(commands=()), create_app(commands=())
    probe_module(first)
    probe_module(second)
    CliRunner().invoke(first, ["--db", str(tmp_path / "one.duckdb"), "probe"])
    CliRunner().invoke(second, ["probe"])
    assert seen == [str(tmp_path / "one.duckdb"), "wupian.duckdb"]
    assert current() == CliState()  # outside a command: the defaults


def test_one_date_parser() -> None:
    assert parse_date("2026-03-31") == parse_date("20260331") == parse_date(" 2026/3/31 ") == date(2026, 3, 31)
    assert parse_optional_date(None) is None
    with pytest.raises(UsageError, match=r"--as-of expects a date YYYY-MM-DD \(e.g. 2026-03-31\), got '31.03.2026'"):
        parse_date("31.03.2026")
    with pytest.raises(UsageError, match=r"--since: '2025-02-29' is not a calendar date"):
        parse_date("2025-02-29", "--since")


ROWS = [{"id": "a", "amount": Decimal("1.50"), "day": date(2026, 3, 31), "note": None, "n": 3},
        {"id": "b,c", "amount": Decimal("10"), "day": date(2026, 1, 1), "note": "x", "n": 0}]


def test_output_csv_json_table(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    output.emit(ROWS, "csv")
    assert capsys.readouterr().out == "id,amount,day,note,n\na,1.50,2026-03-31,,3\n\"b,c\",10,2026-01-01,x,0\n"
    output.emit([], output.Format.csv, columns=("id", "amount"))
    assert capsys.readouterr().out == "id,amount\n"
    output.emit(ROWS[:1], "json")
    assert json.loads(capsys.readouterr().out) == [
        {"id": "a", "amount": "1.50", "day": "2026-03-31", "note": None, "n": 3}]
    output.emit(ROWS, "table", title="标题", max_rows=1)
    out = capsys.readouterr().out
    assert "标题" in out and "1.50" in out and "b,c" not in out and "共 2 行" in out
    target = tmp_path / "rows.csv"
    output.emit(ROWS, "csv", out=target, columns=("id",))
    assert target.read_text(encoding="utf-8") == "id\na\n\"b,c\"\n"
    assert capsys.readouterr().err == f"wrote 2 rows to {target}\n"


def test_output_write_errors_name_the_file(tmp_path: Path) -> None:
    with pytest.raises(OSError) as err:
        output.write_text(tmp_path / "missing" / "x.csv", "x")
    assert err.value.filename == str(tmp_path / "missing" / "x.csv")


def test_progress_reporter_shapes(capsys: pytest.CaptureFixture[str]) -> None:
    quiet = Reporter()
    quiet("anything", 1, 2)
    quiet.step("load")("x", 1, 1)
    with progress("读取", enabled=False) as report:
        report("x")
    with progress("读取", transient=True) as report:  # stderr is not a terminal here: nothing to erase later
        assert report._bar is None
    with progress("读取", labels={"scan": "扫描"}, transient=False) as report:
        report("scan", 1, 3)
        report.steps("load", "2026-03-31", 2, 2)
        assert report._describe("读取", "scan") == "读取：扫描"
        assert len(report._tasks) == 2
        assert report._bar.live._refresh_thread is None  # stderr is no terminal: the bar is drawn when it stops
    assert "读取：扫描" in capsys.readouterr().err


def test_a_transient_bar_on_a_pipe_imports_no_rich() -> None:
    probe = ("import sys\nfrom wupian.cli.progress import progress\nwith progress('x') as r:\n    r('y', 1, 2)\n"
             "print(r._bar is None, 'rich' in sys.modules)")
    res = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(Path(output.__file__).parents[2]), "PATH": "/usr/bin:/bin"})
    assert res.stdout.split() == ["True", "False"]


@pytest.mark.parametrize(("env", "shown"), [({"FORCE_COLOR": "1"}, True), ({"TTY_COMPATIBLE": "1"}, True),
                                            ({"FORCE_COLOR": ""}, False), ({}, False)])
def test_rich_decides_when_stderr_may_be_a_terminal(env: dict[str, str], shown: bool,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with progress("读取") as report:
        assert (report._bar is not None) is shown
        # a bar on what Rich takes for a terminal refreshes itself
        assert report._bar is None or report._bar.live._refresh_thread is not None
