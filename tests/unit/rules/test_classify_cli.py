"""``wupian classify`` / ``wupian size`` through Typer's CliRunner on a warehouse file in tmp_path."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import pytest
import typer
from typer.testing import CliRunner

from wupian.cli import classify_cmd, context
from wupian.core.errors import UsageError
from wupian.engine.warehouse import Warehouse

CUSTOMERS = """客户号,客户名称,客户类型,证件代码,所属行业,从业人员数,营业收入,企业规模,单户授信总额
C1,甲科技,企业法人,91000000000000001A,3911,45,23000000.00,,8000000.00
C2,乙制造,企业法人,91000000000000002A,3311,400,30000000.00,小型,50000000.00
"""
LOANS = """贷款借据编码,客户号,业务类别,贷款产品类别,贷款余额,贷款实际投向,高技术制造业类型,绿色项目分类
L1,C1,单位贷款,F022,4000000.00,3911,HTP04,
L2,C2,单位贷款,F023,9000000.00,3311,,4.2.99
"""


@pytest.fixture
def app(tmp_path: Path, load: Callable[..., int]) -> typer.Typer:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        load(wh, "customers", CUSTOMERS)
        load(wh, "loans", LOANS)
    root = typer.Typer()

    @root.callback()
    def _cb(db_opt: Annotated[str, typer.Option("--db")] = str(db)) -> None:
        context.set_db(db_opt)

    classify_cmd.register(root)
    return root


def test_classify_csv_has_the_fixed_columns(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["classify", "--as-of", "2025-12-31", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0]) == ["loan_id", "tag", "amount", "rule_ids", "explanation"]
    assert {(r["loan_id"], r["tag"]) for r in rows} >= {("L1", "tech"), ("L1", "inclusive_micro")}
    assert "WP-CLS-001" in result.stderr and "WP-CLS-010" in result.stderr


def test_classify_json_to_file(app: typer.Typer, tmp_path: Path) -> None:
    out = tmp_path / "tags.json"
    result = CliRunner().invoke(app, ["classify", "--as-of", "20251231", "--profile", "nfra_1104_2025",
                                      "--format", "json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert {r["tag"] for r in rows if r["loan_id"] == "L1"} >= {"tech", "tech_industry", "five_union"}


def test_explain_with_not(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["classify", "--as-of", "2025-12-31", "--explain", "L1", "--not"])
    assert result.exit_code == 0, result.output
    assert "实际投向高技术制造业" in result.stdout and "依据" in result.stdout and "✗ 绿色贷款" in result.stdout


def test_review_and_size(app: typer.Typer) -> None:
    runner = CliRunner()
    review = runner.invoke(app, ["classify", "--as-of", "2025-12-31", "--review", "--format", "json"])
    assert review.exit_code == 0, review.output
    assert any(r["kind"] == "possibly_missed" for r in json.loads(review.stdout))
    size = runner.invoke(app, ["size", "--as-of", "2025-12-31", "--format", "csv"])
    assert size.exit_code == 0 and "C2" in size.stdout and "中型" in size.stdout


def test_missing_snapshot_is_a_usage_error(app: typer.Typer) -> None:
    result = CliRunner().invoke(app, ["classify", "--as-of", "2024-12-31"])
    assert isinstance(result.exception, UsageError)
