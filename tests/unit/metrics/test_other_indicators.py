"""Coverage, services, accounts, processing times, activities, ranks, peers and targets on the fixture bank."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators, coverage
from wupian.reference.calendar import WorkCalendar, calendar_note

AS_OF = date(2026, 3, 31)


def test_coverage_rates_are_recomputed_at_each_node(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF, ids=["coverage.*"])
    # 4 valid members (one expired 2025-12-31): C01, C02, C03 are customers; 0099 is not.
    assert r.value("H", "coverage.above_scale_enterprise.members") == 4
    assert r.value("H", "coverage.above_scale_enterprise.account_rate") == Decimal("50.0000")  # C01, C02
    assert r.value("H", "coverage.above_scale_enterprise.credit_rate") == Decimal("75.0000")
    assert r.value("H", "coverage.above_scale_enterprise.loan_rate") == Decimal("75.0000")
    assert r.value("A2", "coverage.above_scale_enterprise.members") == 2  # C02 + the unserved one
    assert r.value("A2", "coverage.above_scale_enterprise.loan_rate") == Decimal("50.0000")
    assert r.value("H", "coverage.medical_insurance_institution.三级.loan_rate") == Decimal("100.0000")


def test_worklist_lists_uncovered_members_per_responsible_branch(bank: Warehouse) -> None:
    res = coverage(bank, "above_scale_enterprise", AS_OF)
    rows = {r["证件代码"]: r for r in res.worklist.to_pylist()}
    assert set(rows) == {"911309000000000003", "911309000000000099"}
    assert rows["911309000000000099"]["责任机构号"] == "A2"
    assert rows["911309000000000099"]["缺口"] == "未开户、未授信、无贷款"
    assert rows["911309000000000003"]["缺口"] == "未开户"


def test_coverage_table_agrees_with_the_indicators_exactly_and_once_per_node(bank: Warehouse) -> None:
    res = coverage(bank, "above_scale_enterprise", AS_OF)
    keys = [(r["branch_id"], r["attribute"]) for r in res.nodes.to_pylist()]
    assert len(keys) == len(set(keys))  # members without an attribute do not repeat the registry-wide row
    head = next(r for r in res.nodes.to_pylist() if r["branch_id"] == "H" and r["attribute"] is None)
    assert head["account_rate"] == Decimal("50.0000") and isinstance(head["credit_rate"], Decimal)
    graded = coverage(bank, "medical_insurance_institution", AS_OF)
    row = next(r for r in graded.nodes.to_pylist() if r["branch_id"] == "H" and r["attribute"] == "三级")
    assert row["loan_rate"] == Decimal("100.0000")


def test_service_activations_by_registry_attribute(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF, ids=["service.*"])
    base = "service.medical_insurance_code.medical_insurance_institution"
    assert r.value("H", f"{base}.三级.activated") == 1  # via customer C06
    assert r.value("H", f"{base}.二级.activated") == 1  # via id_code
    assert r.value("H", f"{base}.一级.activated") == 0
    assert r.value("H", f"{base}.activation_rate") == Decimal("66.6667")


def test_accounts_counts_and_ytd_change(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF, ids=["accounts.*"])
    assert r.value("H", "accounts.corporate_settlement.count") == 3  # AC08 closed 2026-02-01
    assert r.value("H", "accounts.corporate_settlement.ytd_change") == 0  # +AC06 −AC08
    assert r.value("H", "accounts.ecny_wallet_personal.ytd_change") == 1
    assert r.value("B", "accounts.third_party_custody.ytd_change.target_completion") == Decimal("100.0000")
    assert r.value("A", "accounts.third_party_custody.ytd_change.target_completion") == Decimal("0.0000")
    assert r.value("B", "accounts.third_party_custody.ytd_change.target_completion.rank_siblings") == 1


def test_processing_time_uses_the_chinese_holiday_calendar(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF, ids=["process.*"])
    # P2: 2026-02-13 → 02-24 spans the Spring Festival; working days after the 13th: 02-14 (调休) and 02-24.
    assert r.value("B", "process.inclusive_loan.avg_working_days") == Decimal("2.00")
    assert r.value("H", "process.inclusive_loan.cases") == 2  # P5 finished in 2025
    assert r.value("H", "process.corporate_account_opening.avg_minutes") == Decimal("30.00")
    assert r.value("H", "process.corporate_account_opening.online_share") == Decimal("50.0000")


def test_calendar_fallback_is_weekends_only_and_says_so() -> None:
    cal = WorkCalendar()
    assert cal.working_days_between(date(2026, 2, 13), date(2026, 2, 24)) == 2
    assert cal.fallback_years() == ()
    assert cal.working_days_between(date(2099, 1, 2), date(2099, 1, 9)) == 5  # Fri → next Fri
    assert cal.fallback_years() == (2099,)
    assert "2099年" in (calendar_note(cal.fallback_years()) or "")


def test_activities_year_to_date(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF, ids=["activity.*"])
    assert r.value("A", "activity.home_visit.count") == 4  # 3 + a row without a count
    assert r.value("H", "activity.outreach_event.count") == 1  # the 2025 event is not this year
    assert r.value("H", "activity.home_visit.people") == 14


def test_peer_ranking_and_target_completion(bank: Warehouse) -> None:
    r = compute_indicators(bank, AS_OF)
    assert r.value("H", "green.balance.rank_peers") == 1  # 32,000,000 vs 31,000,000 and 20,000,000
    assert r.value("H", "green.balance.peer_count") == 3
    assert r.value("H", "green.ytd_change.target_completion") == Decimal("60.0000")  # 3,000,000 / 5,000,000
    assert r.value("B", "all_loans.ytd_growth.rank_siblings") == 1
    assert r.value("A", "all_loans.ytd_growth.rank_siblings") == 2


def test_coverage_of_all_registries_in_one_statement_equals_one_per_registry(bank: Warehouse) -> None:
    from wupian.engine.metrics_other import coverage_by_node, coverage_by_registry_node, registries_at

    names = registries_at(bank, AS_OF)
    assert len(names) >= 2  # above_scale_enterprise and medical_insurance_institution at least
    def key(r: dict) -> tuple:
        return tuple(str(v) for v in r.values())

    for subtree in (None, "A2"):
        fused = coverage_by_registry_node(bank, AS_OF, names, subtree).to_pylist()
        one_by_one = [{"registry": n, **r} for n in names for r in coverage_by_node(bank, AS_OF, n, subtree).to_pylist()]
        assert fused and sorted(fused, key=key) == sorted(one_by_one, key=key)
        assert [r["registry"] for r in fused] == sorted(r["registry"] for r in fused)
