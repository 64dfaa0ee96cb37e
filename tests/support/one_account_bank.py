"""A month-end snapshot with one customer, one loan and one debit account: the smallest bank that makes an account
known, so that event files (transactions, mandates) referring to it load."""

from __future__ import annotations

from pathlib import Path


def one_account_snapshot(folder: Path, account: str) -> Path:
    """Write the snapshot into the new folder ``folder`` and return it."""
    folder.mkdir()
    (folder / "branches.csv").write_text("branch_id,name,parent_id\nH,总行,\nB1,一支行,H\n", encoding="utf-8")
    (folder / "customers.csv").write_text("customer_id,name,customer_type\nK1,张三,individual\n", encoding="utf-8")
    (folder / "loans.csv").write_text(
        "loan_id,customer_id,branch_id,business_type,drawdown_date,drawdown_amount,maturity_date,balance,"
        "interest_rate,five_class\nL1,K1,B1,personal,2024-01-01,1000.00,2029-01-01,800.00,3.5,normal\n",
        encoding="utf-8")
    (folder / "accounts.csv").write_text(
        f"account_id,customer_id,account_type,opened_at,branch_id\n{account},K1,personal_debit,2020-01-01,B1\n",
        encoding="utf-8")
    return folder
