"""Drilling into a coverage figure (``indicators --explain coverage.<registry>.members``, the web app's 下钻) lists
the members valid on the date in the branch's subtree — also when there is none (it was an internal error:
an empty Arrow filter mask had no type)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support.cli_run import run

BRANCHES = "branch_id,name,parent_id\nH,总行,\nB1,一分行,H\nB2,二分行,H\n"
CUSTOMERS = ("customer_id,name,customer_type,id_code,branch_id\n"
             "K1,甲科技,enterprise,91110000100000001A,B1\nK2,乙科技,enterprise,91110000100000002B,B2\n")
LOANS = ("loan_id,customer_id,branch_id,business_type,drawdown_date,drawdown_amount,maturity_date,balance,"
         "interest_rate,five_class\nL1,K1,B1,corporate,2024-01-01,100.00,2029-01-01,80.00,3.5,normal\n")
# tech_sme: K1 valid on the date (its last day), K2's listing ended the day before; little_giant: nobody valid
REGISTRIES = ("registry,id_code,name,valid_from,valid_to\n"
              "tech_sme,91110000100000001A,甲科技,2025-01-01,2026-03-31\n"
              "tech_sme,91110000100000002B,乙科技,2025-01-01,2026-03-30\n"
              "little_giant,91110000100000002B,乙科技,2023-01-01,2025-12-31\n")


@pytest.fixture
def db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    folder = tmp_path / "snap"
    folder.mkdir()
    for name, text in (("branches", BRANCHES), ("customers", CUSTOMERS), ("loans", LOANS),
                       ("registries", REGISTRIES)):
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    path = str(tmp_path / "w.duckdb")
    code, _, err = run(["--db", path, "load", str(folder), "--as-of", "2026-03-31"], capsys)
    assert code == 0, err
    return path


def _explain(db: str, indicator: str, branch: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    return run(["--db", db, "indicators", "--as-of", "2026-03-31", "--explain", indicator, "--branch", branch,
                "--format", "csv"], capsys)


def test_members_valid_on_the_date_in_the_subtree(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _explain(db, "coverage.tech_sme.members", "H", capsys)
    assert code == 0, err
    assert "91110000100000001A" in out and "91110000100000002B" not in out  # validity ends are inclusive
    code, out, err = _explain(db, "coverage.tech_sme.members", "B2", capsys)
    assert code == 0 and "91110000100000001A" not in out, err


def test_a_registry_without_a_valid_member_lists_nothing_and_exits_0(db: str,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    for branch in ("H", "B1"):
        code, out, err = _explain(db, "coverage.little_giant.members", branch, capsys)
        assert code == 0, err
        assert "internal error" not in err and "91110000100000002B" not in out
