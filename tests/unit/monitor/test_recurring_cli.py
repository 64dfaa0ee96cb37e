"""The ``wupian recurring`` command on a small warehouse file built from the golden teller account."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from wupian.cli import context, recurring_cmd
from wupian.core.errors import UsageError
from wupian.engine.warehouse import Warehouse

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "recurring"
ACCOUNT = "6222000000000006"


@pytest.fixture
def db(tmp_path: Path, case_loader: Callable[[Warehouse, Path], None]) -> Path:
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        case_loader(wh, GOLDEN / "teller_account")
        case_loader(wh, GOLDEN / "two_streams_same_payee")
    return path


def run(db: Path, *args: str) -> tuple[int, str, BaseException | None]:
    app = typer.Typer()

    @app.callback()
    def _root(ctx: typer.Context) -> None:
        ctx.obj = context.CliState(db=str(db))

    recurring_cmd.register(app)
    result = CliRunner().invoke(app, ["recurring", *args])
    return result.exit_code, result.stdout, result.exception


def test_teller_view_in_chinese(db: Path) -> None:
    code, out, exc = run(db, ACCOUNT)
    assert code == 0, exc
    assert "周期性扣款" in out and "某某云存储会员" in out
    assert "未找到对应的代扣协议" in out
    assert "DK2019000055" in out  # the property-fee mandate unused for years


def test_batch_csv_has_the_contract_columns(db: Path) -> None:
    code, out, exc = run(db, "--all", "--format", "csv")
    assert code == 0, exc
    rows = list(csv.DictReader(io.StringIO(out)))
    assert set(recurring_cmd.BATCH_COLUMNS) <= set(rows[0])
    assert {r["account_id"] for r in rows} == {ACCOUNT, "6222000000000001"}
    assert all(not r["typical_amount"].startswith("-") for r in rows)
    assert "100.00" in {r["typical_amount"] for r in rows}


def test_batch_json_unexplained_only_to_file(db: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    code, _, exc = run(db, "--all", "--format", "json", "--unexplained-only", "--out", str(target))
    assert code == 0, exc
    rows = json.loads(target.read_text(encoding="utf-8"))
    assert rows and all(r["mandate_id"] is None for r in rows)
    assert all(isinstance(r["typical_amount"], str) for r in rows)


def test_stale_mandates_csv(db: Path) -> None:
    code, out, exc = run(db, "--stale-mandates", "--format", "csv", "--idle-months", "6")
    assert code == 0, exc
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [r["mandate_id"] for r in rows] == ["DK2019000055"]


def test_usage_errors(db: Path) -> None:
    code, _, exc = run(db, "--all", ACCOUNT)
    assert isinstance(exc, UsageError)
    code, _, exc = run(db, "NO-SUCH-ACCOUNT")
    assert isinstance(exc, UsageError)
    code, _, exc = run(db, ACCOUNT, "--format", "xml")
    assert code == 2  # rejected by the option's choices (table, csv, json)
    code, _, exc = run(db, ACCOUNT, "--months", "0")
    assert isinstance(exc, UsageError)
