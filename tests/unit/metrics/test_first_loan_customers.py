"""首贷户 (``<scope>.first_loan_customers``): customers whose first-ever loan at this bank was drawn this year.

The data contract says ``is_first_loan`` is optional and "derived from history when absent"; docs/classification.md
says the same (the earliest drawdown over every loaded snapshot decides) and ``customer_facts`` does it. The figure
must agree with the facts whether the bank supplies the flag or not."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from wupian.api import compute_indicators, customer_facts, explain_indicator, load_snapshot, open_warehouse

YEAR_END, AS_OF = date(2025, 12, 31), date(2026, 3, 31)
BRANCHES = "branch_id,name,parent_id\nH,总行,\nB1,一分行,H\nB2,二分行,H\n"
CUSTOMERS = "customer_id,name,customer_type\nK1,甲,enterprise\nK2,乙,enterprise\nK3,丙,enterprise\nK4,丁,enterprise\n"
HEAD = "loan_id,customer_id,branch_id,business_type,drawdown_date,drawdown_amount,maturity_date,balance,interest_rate," \
       "five_class{flag}\n"
# K1: new customer, first loan drawn this year (首贷户) · K2: a 2020 loan at the year-end and a new one this year ·
# K3: seen first in March but drawn in 2019 · K4: new customer whose only loan was drawn this year and is repaid
YEAR_END_LOANS = [("L2", "K2", "B1", "2020-05-01", "500.00", "false")]
AS_OF_LOANS = [("L1", "K1", "B1", "2026-02-01", "100.00", "true"), ("L2", "K2", "B1", "2020-05-01", "400.00", "false"),
               ("L5", "K2", "B2", "2026-03-01", "50.00", "false"), ("L3", "K3", "B2", "2019-01-01", "80.00", "false"),
               ("L4", "K4", "B2", "2026-01-10", "0.00", "true")]


def _folder(root: Path, name: str, loans: list[tuple[str, ...]], flag: bool, customers: str = CUSTOMERS) -> Path:
    folder = root / name
    folder.mkdir()
    (folder / "branches.csv").write_text(BRANCHES, encoding="utf-8")
    (folder / "customers.csv").write_text(customers, encoding="utf-8")
    body = "".join(f"{lid},{cid},{bid},corporate,{drawn},1000.00,2030-01-01,{bal},3.5,normal"
                   f"{',' + first if flag else ''}\n" for lid, cid, bid, drawn, bal, first in loans)
    (folder / "loans.csv").write_text(HEAD.format(flag=",is_first_loan" if flag else "") + body, encoding="utf-8")
    return folder


def _figures(tmp_path: Path, flag: bool) -> tuple[dict[str, object], set[str]]:
    with open_warehouse(str(tmp_path / "w.duckdb")) as wh:
        load_snapshot(wh, YEAR_END, _folder(tmp_path, "ye", YEAR_END_LOANS, flag))
        load_snapshot(wh, AS_OF, _folder(tmp_path, "now", AS_OF_LOANS, flag))
        r = compute_indicators(wh, AS_OF, ids=["all_loans.first_loan_customers"])
        values = {b: r.value(b, "all_loans.first_loan_customers") for b in ("H", "B1", "B2")}
        facts = {f["customer_id"] for f in customer_facts(wh, AS_OF).to_pylist()
                 if f["is_first_loan_customer"] and f["first_loan_date"] >= date(2026, 1, 1)}
    return values, facts


def test_the_supplied_flag_is_honoured(tmp_path: Path) -> None:
    values, facts = _figures(tmp_path, flag=True)
    assert facts == {"K1", "K4"}
    assert values == {"H": 2, "B1": 1, "B2": 1}  # K4's repaid loan still counts: drawn this year, flagged


def test_without_the_flag_history_decides_like_the_customer_facts(tmp_path: Path) -> None:
    values, facts = _figures(tmp_path, flag=False)
    assert facts == {"K1", "K4"}  # K2 borrowed in 2020, K3 in 2019
    assert values == {"H": 2, "B1": 1, "B2": 1}


def test_an_earlier_first_credit_date_means_the_first_loan_predates_the_data(tmp_path: Path) -> None:
    # K1 borrowed elsewhere in our books before the data starts (首次建立信贷关系日期 2018): not a 首贷户 this year
    customers = CUSTOMERS.replace("customer_id,name,customer_type\n", "customer_id,name,customer_type,first_credit_date\n")
    customers = "\n".join(line + ("," if i else "") + ("2018-06-30" if line.startswith("K1") else "")
                           for i, line in enumerate(customers.strip().split("\n"))) + "\n"
    with open_warehouse(str(tmp_path / "w.duckdb")) as wh:
        load_snapshot(wh, YEAR_END, _folder(tmp_path, "ye", YEAR_END_LOANS, False, customers))
        load_snapshot(wh, AS_OF, _folder(tmp_path, "now", AS_OF_LOANS, False, customers))
        r = compute_indicators(wh, AS_OF, ids=["all_loans.first_loan_customers"])
        assert {b: r.value(b, "all_loans.first_loan_customers") for b in ("H", "B1", "B2")} == {"H": 1, "B1": 0, "B2": 1}


def test_the_drill_lists_the_loans_the_figure_counts(tmp_path: Path) -> None:
    # without the flag the drill marks as first loans exactly the loans history picks, so it adds back up
    with open_warehouse(str(tmp_path / "w.duckdb")) as wh:
        load_snapshot(wh, YEAR_END, _folder(tmp_path, "ye", YEAR_END_LOANS, False))
        load_snapshot(wh, AS_OF, _folder(tmp_path, "now", AS_OF_LOANS, False))
        rows = explain_indicator(wh, "all_loans.first_loan_customers", AS_OF, "H").to_pylist()
    assert sorted((r["loan_id"], r["customer_id"]) for r in rows) == [("L1", "K1"), ("L4", "K4")]
    assert all(r["is_first_loan"] for r in rows)
