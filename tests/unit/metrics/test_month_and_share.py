"""较上月 (prior = the previous month-end), 占各项贷款比重 (kind share) and the registry members' loan balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from support.edit_rows import update
from wupian.core.periods import previous_month_end
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators

AS_OF = date(2026, 3, 31)


def _copy_as_february(bank: Warehouse) -> None:
    """2026-02-28 = the March snapshot with L09 at 3,000,000 instead of 4,000,000 (so pension grew 1,000,000)."""
    for table in ("loans", "customers", "branches", "loan_tags", "branch_closure"):
        balance = " , CASE WHEN loan_id = 'L09' THEN 3000000 ELSE balance END AS balance" if table == "loans" else ""
        bank.insert_rows(table, None, f"SELECT * REPLACE (DATE '2026-02-28' AS as_of{balance}) FROM {table} "
                         "WHERE as_of = DATE '2026-03-31'")
    update(bank, "loan_tags", {"amount": "3000000"}, "as_of = DATE '2026-02-28' AND loan_id = 'L09'")


def test_previous_month_end() -> None:
    assert previous_month_end(date(2026, 3, 31)) == date(2026, 2, 28)
    assert previous_month_end(date(2026, 1, 31)) == date(2025, 12, 31)
    assert previous_month_end(date(2024, 3, 31)) == date(2024, 2, 29)


def test_mom_change_against_the_previous_month_end(bank: Warehouse) -> None:
    _copy_as_february(bank)
    r = compute_indicators(bank, AS_OF)
    assert r.value("H", "pension.mom_change") == Decimal("1000000.00")
    assert r.value("H", "green.mom_change") == Decimal("0.00")
    assert r.value("H", "all_loans.mom_change") == Decimal("1000000.00")
    assert r.value("B", "pension.mom_change") == Decimal("1000000.00")  # L09 is booked at B
    assert r.value("A", "pension.mom_change") == Decimal("0.00")


def test_share_is_recomputed_at_every_node(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF)
    for node in ("H", "A", "B"):
        cat, total = r.value(node, "tech.balance"), r.value(node, "all_loans.balance")
        share = r.get(node, "tech.share_of_all_loans")
        assert cat is not None and total is not None and share is not None
        if total == 0:
            assert share.value is None and share.unavailable_reason == "分母为零"
        else:
            assert share.value == (cat * 100 / total).quantize(Decimal("0.0001"))


def test_registry_loan_balance_counts_each_loan_once(bank: Warehouse) -> None:
    before = compute_indicators(bank, AS_OF).value("H", "coverage.medical_insurance_institution.loan_balance")
    bank.execute("INSERT INTO accounts (as_of, account_id, customer_id, account_type, opened_at) VALUES "
                 "(DATE '2026-03-31', 'X1', 'C06', 'corporate_settlement', DATE '2020-01-01'), "
                 "(DATE '2026-03-31', 'X2', 'C06', 'corporate_settlement', DATE '2021-01-01')")
    after = compute_indicators(bank, AS_OF).value("H", "coverage.medical_insurance_institution.loan_balance")
    assert before == after == Decimal("60000000.00")  # more accounts of the member do not multiply its loans
