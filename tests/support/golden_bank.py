"""The small fixture bank of tests/golden/reports/bank (branches, loans, tags, registries …) loaded into a fresh
in-memory warehouse; shared by the metrics and reports tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from wupian.engine.warehouse import Warehouse

BANK = Path(__file__).resolve().parents[1] / "golden" / "reports" / "bank"
LOAN_TAGS_DDL = (
    "CREATE TABLE IF NOT EXISTS loan_tags (as_of DATE, profile VARCHAR, loan_id VARCHAR, tag VARCHAR, "
    "amount DECIMAL(38,2), rule_ids VARCHAR, explanation VARCHAR, rulebook_version VARCHAR)"
)
CLOSURE = """
    INSERT INTO branch_closure
    WITH RECURSIVE walk(as_of, ancestor_id, descendant_id, depth) AS (
        SELECT as_of, branch_id, branch_id, 0 FROM branches
        UNION ALL
        SELECT w.as_of, w.ancestor_id, b.branch_id, w.depth + 1
        FROM walk w JOIN branches b ON b.as_of = w.as_of AND b.parent_id = w.descendant_id)
    SELECT * FROM walk
"""


def load_bank(wh: Warehouse, folder: Path = BANK) -> None:
    wh.execute(LOAN_TAGS_DDL)
    for csv in sorted(folder.glob("*.csv")):
        wh.insert_rows(csv.stem, None, "SELECT * FROM read_csv(?, header = true, all_varchar = true)", [str(csv)])
    wh.execute(CLOSURE)


def bank_warehouse() -> Iterator[Warehouse]:
    """A fresh in-memory warehouse holding the fixture bank (generator for a pytest fixture)."""
    with Warehouse(":memory:") as wh:
        load_bank(wh)
        yield wh
