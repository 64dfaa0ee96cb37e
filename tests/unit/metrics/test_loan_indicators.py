"""Loan indicators on the fixture bank, checked against figures worked out by hand from the CSV rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators, explain_indicator

AS_OF = date(2026, 3, 31)


def test_stocks_flows_and_ratios_at_the_root(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF)
    # in scope: L01..L09, L12, L13 (L10 转贴现 and L11 委托 excluded)
    assert r.value("H", "all_loans.balance") == Decimal("110450000.00")
    assert r.value("H", "all_loans.ytd_change") == Decimal("16550000.00")  # prior 93,900,000
    assert r.value("H", "all_loans.ytd_growth") == Decimal("17.6251")
    assert r.value("H", "all_loans.yoy_growth") == Decimal("16.5822")  # prior 94,740,000
    assert r.value("H", "all_loans.npl_ratio") == Decimal("1.3581")  # 1,500,000 / 110,450,000
    assert r.value("H", "all_loans.customers") == 8
    assert r.value("H", "all_loans.first_loan_customers") == 3  # C02, C04, C08
    assert r.value("H", "all_loans.ytd_disbursed") == Decimal("20700000.00")  # L02+L03+L05+L09+L12+L13
    assert r.value("H", "all_loans.mid_long_term_balance") == Decimal("94400000.00")
    assert r.value("H", "all_loans.credit_loan_balance") == Decimal("5450000.00")
    assert r.value("H", "tech.ytd_growth_gap") == Decimal("-3.6641")  # 13.9610 − 17.6251


def test_partial_green_amount_and_its_disbursement_share(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF, ids=["green.*"])
    assert r.value("H", "green.balance") == Decimal("32000000.00")  # 28,000,000 + 4,000,000 of L02
    assert r.value("H", "green.ytd_disbursed") == Decimal("4000000.00")  # 10,000,000 × 4/10
    # weighted by the counted amounts: (28e6×3.10 + 4e6×2.95) / 32e6
    assert r.value("H", "green.avg_rate_balance") == Decimal("3.08125")


def test_customer_served_by_two_outlets_counts_once_at_their_parent(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF, ids=["green.customers", "all_loans.customers"])
    assert r.value("A1", "green.customers") == 1 and r.value("A2", "green.customers") == 1
    assert r.value("A", "green.customers") == 1  # C01 at A1 and A2
    assert r.value("A", "all_loans.customers") == 4  # C01, C02, C03, C05


def test_missing_prior_snapshot_makes_changes_unavailable_not_zero(bank: Warehouse) -> None:
    bank.delete_date("loans", date(2025, 12, 31))
    r = compute_indicators(bank, AS_OF, ids=["tech.ytd_change", "tech.ytd_growth", "tech.yoy_growth"])
    row = r.get("H", "tech.ytd_change")
    assert row is not None and row.value is None and "2025-12-31" in (row.unavailable_reason or "")
    assert r.value("H", "tech.yoy_growth") == Decimal("17.7852")  # the year-ago snapshot is still there


def test_missing_classification_makes_categories_unavailable(bank: Warehouse) -> None:
    bank.delete_date("loan_tags", AS_OF)
    r = compute_indicators(bank, AS_OF, ids=["tech.balance", "all_loans.balance"])
    assert r.value("H", "tech.balance") is None
    assert r.value("H", "all_loans.balance") == Decimal("110450000.00")


def test_nfra_profile_does_not_count_restructured_disbursements(bank: Warehouse) -> None:
    bank.insert_rows("loan_tags", None, "SELECT as_of, 'nfra_1104_2025' AS profile, loan_id, tag, amount, "
                     "rule_ids, explanation, rulebook_version FROM loan_tags")
    r = compute_indicators(bank, AS_OF, profile="nfra_1104_2025", ids=["all_loans.ytd_disbursed"])
    assert r.value("H", "all_loans.ytd_disbursed") == Decimal("16700000.00")  # minus L09 (重组)


def test_subtree_only_and_only_complete_results_stored(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF, branch_id="B", ids=["all_loans.balance"])
    assert {v.branch_id for v in r} == {"B"}
    assert r.value("B", "all_loans.balance") == Decimal("5200000.00")
    assert not bank.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'indicator_values'")
    full = compute_indicators(bank, AS_OF)
    stored = bank.scalar("SELECT value FROM indicator_values WHERE branch_id = 'B' AND indicator_id = 'all_loans.balance'")
    assert stored == Decimal("5200000.000000")
    assert bank.scalar("SELECT count(*) FROM indicator_values") == len(full.rows)


def test_explain_lists_the_loans_behind_a_value(bank: Warehouse) -> None:
    loans = explain_indicator(bank, "tech.npl_balance", AS_OF, "A")
    assert loans.column("loan_id").to_pylist() == ["L04"]
    flows = explain_indicator(bank, "green.ytd_disbursed", AS_OF, "H")
    assert flows.column("loan_id").to_pylist() == ["L02"]
