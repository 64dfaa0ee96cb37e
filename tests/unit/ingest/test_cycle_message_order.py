"""A branch cycle's message starts at the member listed first in the branches file, whatever the row order.

The cycle walk meets a cycle once per member (one rotation per start) and DuckDB returns those rows in no set
order; without a rule the message (and its key) could name a different rotation on two loads of the same file.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from support.cli_run import run

AS_OF = "2026-03-31"
# (branch_id, parent_id): head H1; Z9 → A1 → M5 → Z9 is a cycle (ids not in file order by name)
ROWS = [("H1", ""), ("Z9", "A1"), ("A1", "M5"), ("M5", "Z9")]


def _write(folder: Path, rows: list[tuple[str, str]]) -> None:
    folder.mkdir()
    (folder / "branches.csv").write_text(
        "branch_id,name,parent_id\n" + "".join(f"{b},机构{b},{p}\n" for b, p in rows), encoding="utf-8")
    (folder / "customers.csv").write_text("customer_id,name,customer_type\nK1,甲,individual\n", encoding="utf-8")
    (folder / "loans.csv").write_text(
        "loan_id,customer_id,branch_id,business_type,drawdown_date,drawdown_amount,maturity_date,balance,"
        "interest_rate,five_class\nL1,K1,H1,personal,2024-01-01,100.00,2029-01-01,50.00,3.5,normal\n",
        encoding="utf-8")


@pytest.mark.parametrize("order", list(itertools.permutations(range(4))))
def test_the_cycle_is_named_from_its_first_listed_member(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         order: tuple[int, ...]) -> None:
    rows = [ROWS[i] for i in order]
    _write(tmp_path / "snap", rows)
    code, out, err = run(["--db", str(tmp_path / "w.duckdb"), "load", str(tmp_path / "snap"), "--as-of", AS_OF],
                         capsys)
    said = " ".join((out + err).split())
    assert code == 1, said
    first = next(b for b, _ in rows if b != "H1")
    parent = dict(ROWS)
    loop = [first]
    while len(loop) < 4:
        loop.append(parent[loop[-1]])
    assert f"branches form a cycle: {' → '.join(loop)}" in said, said
    assert said.count("WP-LOAD-025") == 1, said
