"""Shared fixtures: an in-memory warehouse, the CSV snapshot loader of the golden classification cases, a
two-loan warehouse file and the ``classify``/``size`` commands over a warehouse file."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Annotated

import pytest
import typer

from support.snapshot_csv import snapshot_csv
from wupian.cli import classify_cmd, context
from wupian.engine.warehouse import Warehouse

AS_OF = date(2025, 12, 31)


@pytest.fixture
def wh() -> Iterator[Warehouse]:
    with Warehouse(":memory:") as w:
        yield w


@pytest.fixture
def load() -> Callable[..., int]:
    """load(wh, table, csv_text, as_of=AS_OF) inserts CSV rows (English or Chinese headers)."""

    def _load(w: Warehouse, name: str, text: str, as_of: date = AS_OF) -> int:
        return snapshot_csv.load_csv_text(w, name, as_of, text)

    return _load


TWO_CUSTOMERS = """客户号,客户名称,客户类型,证件代码,所属行业,从业人员数,营业收入,企业规模,单户授信总额
C1,甲科技,企业法人,91000000000000001A,3911,45,23000000.00,,8000000.00
C2,乙制造,企业法人,91000000000000002A,3311,400,30000000.00,小型,50000000.00
"""
TWO_LOANS = """贷款借据编码,客户号,业务类别,贷款产品类别,贷款余额,贷款实际投向,高技术制造业类型,绿色项目分类
L1,C1,单位贷款,F022,4000000.00,3911,HTP04,
L2,C2,单位贷款,F023,9000000.00,3311,,4.2.99
"""


@pytest.fixture
def two_loan_db(tmp_path: Path, load: Callable[..., int]) -> Path:
    """A warehouse file with two customers and two loans of 2025-12-31 (a tech loan and a bad green code)."""
    path = tmp_path / "w.duckdb"
    with Warehouse(path) as w:
        load(w, "customers", TWO_CUSTOMERS)
        load(w, "loans", TWO_LOANS)
    return path


def _classify_app(db: Path) -> typer.Typer:
    root = typer.Typer()

    @root.callback()
    def _cb(ctx: typer.Context, db_opt: Annotated[str, typer.Option("--db")] = str(db)) -> None:
        ctx.obj = context.CliState(db=db_opt)

    classify_cmd.register(root)
    return root


@pytest.fixture
def classify_app() -> Callable[[Path], typer.Typer]:
    """classify_app(db): the ``classify`` and ``size`` commands with ``--db`` defaulting to ``db``."""
    return _classify_app
