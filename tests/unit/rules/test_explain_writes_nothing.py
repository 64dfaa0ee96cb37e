"""``classify --explain`` (and ``explain_loan``) read the warehouse and write nothing to it: every table's rows,
``lineage`` with its timestamps included, and the database file's bytes are the same before and after."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
from typer.testing import CliRunner

from wupian.cli import classify_cmd, context
from wupian.engine.warehouse import Warehouse
from wupian.rules import classify_snapshot, explain_loan

CUSTOMERS = """客户号,客户名称,客户类型,证件代码,所属行业,从业人员数,营业收入,企业规模,单户授信总额
C1,甲科技,企业法人,91000000000000001A,3911,45,23000000.00,,8000000.00
C2,乙制造,企业法人,91000000000000002A,3311,400,30000000.00,小型,50000000.00
"""
LOANS = """贷款借据编码,客户号,业务类别,贷款产品类别,贷款余额,贷款实际投向,高技术制造业类型,绿色项目分类
L1,C1,单位贷款,F022,4000000.00,3911,HTP04,
L2,C2,单位贷款,F023,9000000.00,3311,,4.2.99
"""
AS_OF = date(2025, 12, 31)


def contents(db: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every stored table's rows, sorted (the test reads the file directly, read-only)."""
    with Warehouse(db, read_only=True) as wh:
        names = [r["table_name"] for r in wh.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name")]
        return {n: wh.con.execute(f'SELECT * FROM "{n}" ORDER BY ALL').fetchall() for n in names}


def digest(db: Path) -> str:
    return hashlib.sha256(db.read_bytes()).hexdigest()


@pytest.fixture
def db(tmp_path: Path, load: Callable[..., int]) -> Path:
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as wh:
        load(wh, "customers", CUSTOMERS)
        load(wh, "loans", LOANS)
    return path


def cli(db: Path) -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _cb(ctx: typer.Context, db_opt: Annotated[str, typer.Option("--db")] = str(db)) -> None:
        ctx.obj = context.CliState(db=db_opt)

    classify_cmd.register(root)
    return root


@pytest.mark.parametrize("classified", [True, False], ids=["after-classify", "never-classified"])
def test_classify_explain_writes_nothing(db: Path, classified: bool) -> None:
    if classified:
        assert CliRunner().invoke(cli(db), ["classify", "--as-of", "2025-12-31"]).exit_code == 0
    before, before_bytes = contents(db), digest(db)
    assert ("loan_tags" in before) is classified
    for args in (["--explain", "L1", "--not"], ["--explain", "L2", "--format", "json"]):
        result = CliRunner().invoke(cli(db), ["classify", "--as-of", "2025-12-31", *args])
        assert result.exit_code == 0, result.output
        assert "L1" in result.stdout or "L2" in result.stdout
    assert contents(db) == before  # customer_facts and lineage rows (with computed_at) included
    assert digest(db) == before_bytes


def test_explain_loan_leaves_stored_results_untouched(db: Path) -> None:
    with Warehouse(db) as wh:
        classify_snapshot(wh, AS_OF)
    before = contents(db)
    with Warehouse(db) as wh:
        e = explain_loan(wh, AS_OF, "L1", size_basis="derived_first")  # a different basis than the stored one
    assert {t.tag for t in e.tags} >= {"tech", "inclusive_micro"}
    assert contents(db) == before


def test_explanation_agrees_with_a_later_classification(db: Path) -> None:
    """Explaining first (nothing stored) then classifying gives the tags the explanation named."""
    with Warehouse(db, read_only=True) as wh:
        explained = {t.tag: t.amount for t in explain_loan(wh, AS_OF, "L1").tags}
    with Warehouse(db) as wh:
        classify_snapshot(wh, AS_OF)
        stored = {r["tag"]: r["amount"] for r in wh.rows(
            "SELECT tag, amount FROM loan_tags WHERE loan_id = 'L1' AND profile = 'pboc_2025'")}
    assert explained == stored
