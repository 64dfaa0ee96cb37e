"""The indicators / coverage / report commands on a fresh Typer app with this module's register()."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from support.edit_rows import update
from support.golden_bank import load_bank
from wupian.cli import context, metrics_cmds
from wupian.core.errors import DataError, UsageError
from wupian.engine.warehouse import Warehouse


def _app(tmp_path: Path) -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root(ctx: typer.Context) -> None:
        ctx.obj = context.CliState(db=str(tmp_path / "w.duckdb"))

    metrics_cmds.register(app)
    return app


def _db(tmp_path: Path) -> str:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        load_bank(wh)
    return str(db)


def test_indicators_csv_has_the_contract_columns(tmp_path: Path) -> None:
    _db(tmp_path)
    res = CliRunner().invoke(_app(tmp_path), ["indicators", "--as-of", "2026-03-31", "--id", "green.balance", "--format", "csv"])
    assert res.exit_code == 0, res.output
    lines = res.stdout.splitlines()
    assert lines[0] == "as_of,branch_id,indicator_id,value,unit,unavailable_reason"  # header first, no blank line
    assert "2026-03-31,H,green.balance,32000000.00,yuan," in lines


def test_indicators_csv_says_why_a_value_is_unavailable(tmp_path: Path) -> None:
    _db(tmp_path)
    res = CliRunner().invoke(_app(tmp_path), ["indicators", "--as-of", "2026-03-31", "--branch", "B", "--id",
                                      "green.npl_ratio", "--format", "csv"])
    assert res.exit_code == 0, res.output
    assert res.stdout.splitlines()[1] == "2026-03-31,B,green.npl_ratio,,percent,分母为零"


def test_indicators_json_and_explain(tmp_path: Path) -> None:
    _db(tmp_path)
    res = CliRunner().invoke(_app(tmp_path), ["indicators", "--as-of", "2026-03-31", "--branch", "A", "--explain",
                                      "tech.npl_balance", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert [r["loan_id"] for r in json.loads(res.stdout)] == ["L04"]


def test_coverage_writes_worklist(tmp_path: Path) -> None:
    _db(tmp_path)
    out = tmp_path / "w.xlsx"
    res = CliRunner().invoke(_app(tmp_path), ["coverage", "above_scale_enterprise", "--as-of", "2026-03-31", "--xlsx", str(out)])
    assert res.exit_code == 0, res.output
    assert out.exists() and "待拓展清单：2 户" in res.stdout


def test_usage_errors(tmp_path: Path) -> None:
    _db(tmp_path)
    res = CliRunner().invoke(_app(tmp_path), ["indicators", "--as-of", "2027-01-31"])
    assert isinstance(res.exception, UsageError)
    res = CliRunner().invoke(_app(tmp_path), ["report", "--as-of", "2026-03-31", "--kind", "pboc", "--out", str(tmp_path)])
    assert isinstance(res.exception, UsageError)


def test_report_all_is_clean_on_the_fixture_bank(tmp_path: Path) -> None:
    _db(tmp_path)
    res = CliRunner().invoke(_app(tmp_path), ["report", "--as-of", "2026-03-31", "--kind", "all", "--out", str(tmp_path / "r"),
                                      "--uscc", "91130900MA0000001X"])
    assert res.exit_code == 0, res.output
    assert len(list((tmp_path / "r" / "pboc").glob("*.dat"))) == 10


def test_report_fails_on_reconciliation_errors(tmp_path: Path) -> None:
    db = _db(tmp_path)
    with Warehouse(db) as wh:
        update(wh, "loan_tags", {"amount": "99000000"}, "loan_id = 'L03' AND tag = 'tech'")
    res = CliRunner().invoke(_app(tmp_path), ["report", "--as-of", "2026-03-31", "--kind", "workbook", "--out", str(tmp_path / "r")])
    assert isinstance(res.exception, DataError)
