"""Classification behaviour beyond the golden tag sets: explanations, issues, 首贷户, worklists, overlaps."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest

from support.classify_bank import CUSTOMERS, LOANS, REGISTRIES
from support.edit_rows import update
from wupian.core.errors import UsageError
from wupian.core.issues import Level
from wupian.engine.warehouse import Warehouse
from wupian.rules import classify_snapshot, explain_loan, loan_tags, review_worklist, size_report, tag_overlap

AS_OF = date(2025, 12, 31)
Load = Callable[..., int]


@pytest.fixture
def bank(wh: Warehouse, load: Load) -> Warehouse:
    load(wh, "customers", CUSTOMERS)
    load(wh, "loans", LOANS)
    load(wh, "registries", REGISTRIES)
    return wh


def _tags(wh: Warehouse, loan_id: str, profile: str = "pboc_2025") -> dict[str, dict]:
    """The tag rows of one loan as every reader sees them (explanations rendered on read)."""
    return {r["tag"]: r for r in loan_tags(wh, AS_OF, profile).to_pylist() if r["loan_id"] == loan_id}


def test_explanations_are_rendered_on_read_not_stored(bank: Warehouse) -> None:
    classify_snapshot(bank, AS_OF)
    assert bank.scalar("SELECT count(*) FROM loan_tags WHERE explanation IS NOT NULL") == 0
    assert bank.scalar("SELECT count(*) FROM loan_tags WHERE rule_ids IS NULL OR rule_ids = ''") == 0
    rows = loan_tags(bank, AS_OF).to_pylist()
    assert rows and all(r["explanation"] for r in rows)
    assert [(r["loan_id"], r["tag"]) for r in rows] == sorted((r["loan_id"], r["tag"]) for r in rows)
    assert bank.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name IN ('cls_cust', 'cls_eval')") == 0


def test_explanation_names_the_triggering_values(bank: Warehouse) -> None:
    classify_snapshot(bank, AS_OF)
    tags = _tags(bank, "L1")
    assert tags["inclusive"]["explanation"] == (
        "单户授信总额 800.00万元 ≤ 1000万元；企业规模=小型（工业：从业人员45人、营业收入2300万元）")
    assert tags["inclusive"]["rule_ids"] == "inclusive.micro_enterprise"
    assert tags["tech"]["rule_ids"] == "tech.enterprise.high_tech,tech.industry.htp"
    assert "高新技术企业（2023-01-01至2025-12-31）" in tags["tech_enterprise"]["explanation"]
    assert "HTP04（计算机及办公设备制造业）" in tags["tech_industry"]["explanation"]
    assert tags["five_union"]["amount"] == Decimal("4000000.00")
    version = bank.scalar("SELECT DISTINCT rulebook_version FROM loan_tags")
    assert version.startswith("2025.1+")


def test_report_counts_and_issues(bank: Warehouse) -> None:
    report = classify_snapshot(bank, AS_OF)
    assert report.loans == 4
    # L1 (HTP04 on 3911) counts; L3's HTP03 contradicts its purpose 3311 and is not accepted
    assert report.count("tech").loans == 1 and report.count("tech").amount == Decimal("4000000.00")
    green = [i for i in report.issues if i.code == "WP-CLS-001"]
    assert len(green) == 1 and green[0].source.key == "loan_id=L3" and green[0].source.column == "green_code"
    assert "4.2.9" in (green[0].suggestion or "") or "4.2.1" in (green[0].suggestion or "")
    size = [i for i in report.issues if i.code == "WP-CLS-010"]
    assert len(size) == 1 and size[0].level is Level.WARNING and "中型" in size[0].message
    assert "从业人员400人、营业收入3000万元" in size[0].message


def test_size_basis_is_switchable(bank: Warehouse) -> None:
    classify_snapshot(bank, AS_OF, size_basis="declared_first")
    assert "inclusive" not in _tags(bank, "L2")  # declared small, but 单户授信 5000万 > 1000万
    update(bank, "customers", {"credit_limit_total": "9000000"}, "customer_id = 'C2'")
    classify_snapshot(bank, AS_OF, size_basis="declared_first")
    assert "inclusive" in _tags(bank, "L2")
    classify_snapshot(bank, AS_OF, size_basis="derived_first")
    assert "inclusive" not in _tags(bank, "L2")  # derived 中型
    with pytest.raises(UsageError):
        classify_snapshot(bank, AS_OF, size_basis="guess")


def test_size_report_lists_disagreements(bank: Warehouse) -> None:
    issues = size_report(bank, AS_OF)
    assert [i.source.key for i in issues] == ["customer_id=C2"]


def test_explain_loan_in_and_not_in(bank: Warehouse) -> None:
    hit_loan = explain_loan(bank, AS_OF, "L1")
    hit = next(t for t in hit_loan.tags if t.tag == "tech_industry").rules[0]
    assert hit.rule_id == "tech.industry.htp" and hit.citations[0].status == "verified"
    assert "实际投向高技术制造业" in hit.citations[0].quote
    e = explain_loan(bank, AS_OF, "L3")
    assert set(e.tag_ids()) == set()
    why = {n.tag: n.reasons for n in e.not_in}
    assert any("贷款实际投向属于该类型对应的国民经济行业" in r for r in why["tech_industry"])
    assert any("有数字化佐证" in r and "数字化佐证未填" in r for r in why["digital"])
    assert any("绿色项目分类是目录中的三级条目" in r for r in why["green"])
    assert any("企业规模为小型或微型" not in r and "单户授信总额 ≤ 1000万元" in r for r in why["inclusive"])
    personal = explain_loan(bank, AS_OF, "L4")
    personal_why = {n.tag: n.reasons for n in personal.not_in}
    assert personal_why["tech"] == ("不属于 科技型企业贷款、科技相关产业贷款 中任何一类",)
    assert {n.tag: n.reasons for n in personal.not_in}["tech_industry"][0].startswith("被排除：业务类别为个人贷款")
    with pytest.raises(UsageError):
        explain_loan(bank, AS_OF, "NOPE")


def test_explain_agrees_with_stored_tags(bank: Warehouse) -> None:
    for profile in ("pboc_2025", "nfra_1104_2025"):
        classify_snapshot(bank, AS_OF, profile)
        for loan in ("L1", "L2", "L3", "L4"):
            e = explain_loan(bank, AS_OF, loan, profile)
            stored = _tags(bank, loan, profile)
            assert set(e.tag_ids()) == set(stored)
            assert all(t.amount == stored[t.tag]["amount"] for t in e.tags)


def test_review_worklist(bank: Warehouse) -> None:
    rows = review_worklist(bank, AS_OF).to_pylist()
    kinds = {(r["loan_id"], r["kind"], r["field"]) for r in rows}
    assert ("L2", "possibly_missed", "green_code") in kinds  # 4415 风力发电 listed in the catalogue
    assert ("L3", "contradiction", "tech_htp") in kinds  # HTP03 on 3311 金属结构制造
    assert ("L3", "star_without_evidence", "digital_code") in kinds
    assert ("L1", "possibly_missed", "digital_code") in kinds  # 3911 is DE01 计算机整机制造
    assert not any(r["loan_id"] == "L4" and r["field"] == "tech_htp" for r in rows)
    assert all(r["reason"] for r in rows)


def test_overlap_matrix(bank: Warehouse) -> None:
    classify_snapshot(bank, AS_OF)
    m = {(r["tag_a"], r["tag_b"]): r["loans"] for r in tag_overlap(bank, AS_OF).to_pylist()}
    # L3's HTP03 contradicts its purpose 3311 and is not accepted: only L1 is 科技
    assert m[("tech", "inclusive")] == 1 and m[("tech", "tech")] == 1 and m[("inclusive", "tech")] == 1


def test_first_loan_from_history_and_flag(wh: Warehouse, load: Load) -> None:
    prev = date(2024, 12, 31)
    cust = "客户号,客户名称,客户类型\nA,老客户,企业法人\nB,新客户,企业法人\nF,有标识,企业法人\n"
    load(wh, "customers", cust, prev)
    load(wh, "loans", "贷款借据编码,客户号,贷款余额,贷款发放日期\nA1,A,100.00,2024-05-01\n", prev)
    load(wh, "customers", cust)
    load(wh, "loans", "贷款借据编码,客户号,贷款余额,贷款发放日期,是否首次贷款\n"
                      "A2,A,100.00,2025-03-01,\nB1,B,100.00,2025-04-01,\nB2,B,100.00,2025-02-01,\n"
                      "F1,F,100.00,2025-05-01,否\n")
    classify_snapshot(wh, AS_OF)
    facts = {r["customer_id"]: r for r in wh.rows("SELECT * FROM customer_facts WHERE as_of = ?", [AS_OF])}
    assert facts["A"]["is_first_loan_customer"] is False and facts["A"]["first_loan_id"] == "A1"
    assert facts["B"]["is_first_loan_customer"] is True and facts["B"]["first_loan_id"] == "B2"
    assert facts["B"]["first_loan_source"] == "history"
    assert facts["F"]["is_first_loan_customer"] is False and facts["F"]["first_loan_source"] == "flag"


def test_unknown_date_or_profile_is_a_usage_error(bank: Warehouse) -> None:
    with pytest.raises(UsageError):
        classify_snapshot(bank, date(2020, 1, 31))
    with pytest.raises(UsageError):
        classify_snapshot(bank, AS_OF, "cbirc")


def test_contradicting_code_counts_once_accepted_with_a_reason(bank: Warehouse, load: Load) -> None:
    classify_snapshot(bank, AS_OF)
    assert "tech_industry" not in _tags(bank, "L3")  # HTP03 on 3311 金属结构制造: the industry is authoritative
    load(bank, "code_acceptances", "loan_id,field,code,reason,accepted_by,accepted_at\n"
                                   "L3,tech_htp,HTP03,项目为通信设备生产线,统计部,2026-01-05\n")
    classify_snapshot(bank, AS_OF)
    assert _tags(bank, "L3")["tech_industry"]["rule_ids"] == "tech.industry.htp"
    rows = [r for r in review_worklist(bank, AS_OF).to_pylist() if r["kind"] == "contradiction"]
    assert [(r["loan_id"], r["field"], r["accepted_reason"]) for r in rows] == [("L3", "tech_htp", "项目为通信设备生产线")]
    bank.execute("UPDATE code_acceptances SET code = 'HTP05'")  # an acceptance of another code does not apply
    classify_snapshot(bank, AS_OF)
    assert "tech_industry" not in _tags(bank, "L3")
