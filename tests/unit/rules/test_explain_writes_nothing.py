"""``classify --explain`` (and ``explain_loan``) read the warehouse and write nothing to it: every table's rows,
``lineage`` with its timestamps included, and the database file's bytes are the same before and after."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from wupian.engine.warehouse import Warehouse
from wupian.rules import classify_snapshot, explain_loan

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
def db(two_loan_db: Path) -> Path:
    """Two loans of 2025-12-31 in a warehouse file (conftest)."""
    return two_loan_db


@pytest.mark.parametrize("classified", [True, False], ids=["after-classify", "never-classified"])
def test_classify_explain_writes_nothing(db: Path, classify_app: Callable[[Path], typer.Typer],
                                        classified: bool) -> None:
    if classified:
        assert CliRunner().invoke(classify_app(db), ["classify", "--as-of", "2025-12-31"]).exit_code == 0
    before, before_bytes = contents(db), digest(db)
    assert bool(before["loan_tags"]) is classified  # a view over its Parquet parts, empty until classified
    for args in (["--explain", "L1", "--not"], ["--explain", "L2", "--format", "json"]):
        result = CliRunner().invoke(classify_app(db), ["classify", "--as-of", "2025-12-31", *args])
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
