"""One home per rule (issue 9 §3): 农户经营性, 经营性 and the loan scope are decided once, and the PBOC file, the NFRA
tables, the indicators and the review worklists read that decision instead of re-deriving it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import date
from pathlib import Path

from wupian.engine.loan_scope import in_scope_sql
from wupian.engine.metrics_reports import report_rows
from wupian.engine.warehouse import Warehouse
from wupian.reports.pboc import write_pboc_files
from wupian.rules import classify_snapshot, review_worklist

AS_OF = date(2025, 12, 31)
Load = Callable[..., int]
FARMER_FLAG = 9  # field 9 of HDACLPHDK: 是否单户授信小于500万元的农户经营性贷款
BRANCHES = "branch_id,name,uscc\nB1,总行,91130900MA0000001X\n"
CUSTOMERS = """customer_id,name,customer_type,credit_limit_total
F1,农户甲,farmer,
F2,农户乙,farmer,4000000.00
"""
# F1 has no 单户授信 column value: the classification derives it (≥ the 100万 balance), the old writer read the
# raw column and wrote 0. F2's second loan has no product code: not 经营性, but it is a 创业担保贷款 (so 普惠).
LOANS = """loan_id,customer_id,business_type,product_type,balance,drawdown_amount,startup_guarantee
L1,F1,personal,F022,1000000.00,1000000.00,
L2,F2,personal,,300000.00,300000.00,C01
"""


def _bank(wh: Warehouse, load: Load) -> Warehouse:
    load(wh, "branches", BRANCHES)
    load(wh, "customers", CUSTOMERS)
    load(wh, "loans", LOANS)
    return wh


def _flags(tmp_path: Path, wh: Warehouse) -> dict[str, str]:
    files, _ = write_pboc_files(wh, AS_OF, tmp_path, uscc="91130900MA0000001X")
    text = next(f for f in files if f.report_code == "HDACLPHDK").path.read_text("utf-8")
    return {line.split("|")[3]: line.split("|")[FARMER_FLAG - 1] for line in text.splitlines()}


def test_the_pboc_farmer_flag_is_the_rule_that_tagged_the_loan(wh: Warehouse, load: Load, tmp_path: Path) -> None:
    _bank(wh, load)
    classify_snapshot(wh, AS_OF)
    rules = {r["loan_id"]: r["rule_ids"] for r in wh.rows(
        "SELECT loan_id, rule_ids FROM loan_tags WHERE tag = 'inclusive' AND profile = 'pboc_2025'")}
    assert rules == {"L1": "inclusive.farmer", "L2": "inclusive.startup_guarantee"}
    assert _flags(tmp_path, wh) == {"L1": "1", "L2": "0"}  # was L1 = 0: the writer re-derived 农户 from the raw limit


def test_nfra_farmer_row_reads_the_rule_not_a_second_definition(wh: Warehouse, load: Load) -> None:
    _bank(wh, load)
    classify_snapshot(wh, AS_OF, "nfra_1104_2025")
    rows = [("1.1.4", "inclusive", {"rule": "inclusive.farmer"}),
            ("nfra-1.1.4-before", "inclusive", {"all": [{"customer_type": ["farmer"]}, {"credit_limit_max": 5000000},
                                                        {"business_loan": True}]})]
    got = {r["code"]: r["balance"] for r in report_rows(wh, AS_OF, profile="nfra_1104_2025", rows=rows).to_pylist()}
    # L2 (no product code, 创业担保) is not 经营性; the old re-derivation counted it as 农户经营性
    assert str(got["1.1.4"]) == "1000000.00"
    assert str(got["nfra-1.1.4-before"]) == "1000000.00"  # the leaf now uses the one 经营性 definition too


def test_scope_rules_of_the_rulebook_and_the_engine_agree(wh: Warehouse, load: Load) -> None:
    load(wh, "customers", "customer_id,name,customer_type\nC1,甲,enterprise\n")
    rows = []
    for n, (btype, entrusted, status) in enumerate(itertools.product(
            ("corporate", "bill_direct", "bill_rediscount"), (None, False, True),
            (None, "normal", "settled", "written_off", "transferred"))):
        rows.append((f"L{n:02d}", btype, entrusted, status))
    one = "(CAST(? AS DATE), ?, 'C1', 'B1', ?, DATE '2025-06-30', 100, DATE '2027-12-31', 100, 4, 'normal', " \
          "CAST(? AS BOOLEAN), ?, '4.2.1')"
    wh.insert_rows(
        "loans", ["as_of", "loan_id", "customer_id", "branch_id", "business_type", "drawdown_date", "drawdown_amount",
                  "maturity_date", "balance", "interest_rate", "five_class", "is_entrusted", "status", "green_code"],
        "VALUES " + ", ".join([one] * len(rows)),
        [v for loan_id, btype, entrusted, status in rows for v in (AS_OF, loan_id, btype, entrusted, status)])
    classify_snapshot(wh, AS_OF)
    tagged = {r["loan_id"] for r in wh.rows("SELECT loan_id FROM loan_tags WHERE tag = 'green'")}
    in_scope = {r["loan_id"] for r in wh.rows(f"SELECT loan_id FROM loans l WHERE {in_scope_sql('l')}")}
    assert tagged == in_scope and len(in_scope) == 2 * 2 * 3  # not 转贴现, not 委托 (NULL = no), 3 statuses
    # the review worklist reads the same scope: a NULL status is in scope (the old `<>` form dropped NULLs)
    reviewed = {r["loan_id"] for r in review_worklist(wh, AS_OF).to_pylist()}
    assert reviewed <= in_scope


def test_an_institution_loan_without_a_pension_code_is_a_worklist_item_not_a_pension_loan(
        wh: Warehouse, load: Load) -> None:
    load(wh, "customers", "customer_id,name,customer_type,id_code,pension_revenue_share\n"
                          "P1,康养院,other_org,52110000000000003Y,0.8\n")
    load(wh, "registries", "registry,id_code,valid_from\nnational_elderly_care_institution,52110000000000003Y,2020-01-01\n")
    load(wh, "loans", "loan_id,customer_id,balance,purpose_text,purpose_industry_code,green_code,pension_code\n"
                      "L1,P1,313333.33,用于自然资源生态保护补偿和资产损害赔偿鉴定评估项目,7499,7.4.8,\n"
                      "L2,P1,500000.00,日常经营周转,,,EC01\n")
    classify_snapshot(wh, AS_OF)
    tags = {(r["loan_id"], r["tag"]): r["rule_ids"] for r in wh.rows("SELECT * FROM loan_tags WHERE profile = 'pboc_2025'")}
    assert ("L1", "pension") not in tags and ("L1", "green") in tags  # L000014800's case
    assert tags[("L2", "pension")] == "pension.borrower_revenue,pension.institution_revenue,pension.national_institution"
    work = [(r["loan_id"], r["kind"], r["field"]) for r in review_worklist(wh, AS_OF).to_pylist()]
    assert ("L1", "possibly_missed", "pension_code") in work


def test_unresolved_contradictions_are_month_end_errors_with_a_worklist(
        wh: Warehouse, load: Load, tmp_path: Path) -> None:
    from wupian.reports.reconcile import code_contradictions
    from wupian.reports.run import write_worklist

    load(wh, "customers", "customer_id,name,customer_type\nC1,甲,enterprise\n")
    load(wh, "loans", "loan_id,customer_id,balance,purpose_industry_code,tech_htp,tech_hts\n"
                      "L1,C1,1000000.00,3311,HTP03,\nL2,C1,2000000.00,C3311,HTP03,\nL3,C1,3000000.00,3921,HTP03,\n"
                      "L4,C1,4000000.00,6513,,HTS09\nL5,C1,5000000.00,4711,HTP03,\n")
    load(wh, "code_acceptances", "loan_id,field,code,reason,accepted_by,accepted_at\n"
                                 "L2,tech_htp,HTP03,项目为通信设备生产线,统计部 张敏,2025-12-28\n")
    issues = code_contradictions(wh, AS_OF)
    assert [str(i) for i in issues] == [
        "loans[loan_id=L1].tech_htp: ERROR WP-RECON-007 高技术制造业代码 HTP03 与贷款实际投向 3311 不符，未计入该类别"
        "（经办机构 B1，余额 1000000.00 元；核实贷款实际投向或取消该代码） "
        "(核实后更正代码或贷款实际投向；确属该类的，在快照的 code_acceptances 表登记核定理由、核定人和日期)",
        # 4711 房屋建筑业 is listed by no classification at all: still a contradiction
        "loans[loan_id=L5].tech_htp: ERROR WP-RECON-007 高技术制造业代码 HTP03 与贷款实际投向 4711 不符，未计入该类别"
        "（经办机构 B1，余额 5000000.00 元；核实贷款实际投向或取消该代码） "
        "(核实后更正代码或贷款实际投向；确属该类的，在快照的 code_acceptances 表登记核定理由、核定人和日期)"]
    classify_snapshot(wh, AS_OF)
    counted = {r["loan_id"] for r in wh.rows("SELECT loan_id FROM loan_tags WHERE tag = 'tech_industry'")}
    assert counted == {"L2", "L3", "L4"}  # accepted, consistent, and HTS09 (no mapping: the bank's judgement)
    assert code_contradictions(wh, AS_OF, {"B9"}) == []  # another subtree
    # the in-memory copy of the date's loans the worklist reads is dropped once read
    assert not wh.rows("SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name = 'rv_loans'")
    review_worklist(wh, AS_OF)
    assert not wh.rows("SELECT table_name FROM duckdb_tables() WHERE temporary AND table_name = 'rv_loans'")
    path = write_worklist(issues, tmp_path / "w.csv")
    assert path.read_text("utf-8-sig").splitlines()[1].startswith("WP-RECON-007,loan_id=L1,tech_htp,")


def test_the_contradictions_fix_text_is_one_dictionary_value_written_as_its_text(
        wh: Warehouse, load: Load, tmp_path: Path) -> None:
    """The fix text is the same in every contradiction: a dictionary column (not 180 bytes per row); the worklist
    file and the Issues are those of the plain findings table."""
    import pyarrow as pa

    from wupian.reports.reconcile import CONTRADICTIONS_COLUMNS, CONTRADICTIONS_HEADER, contradiction_findings
    from wupian.reports.worklists import FINDINGS, keep, to_issues

    load(wh, "customers", "customer_id,name,customer_type\nC1,甲,enterprise\n")
    load(wh, "loans", "loan_id,customer_id,balance,purpose_industry_code,tech_htp,pension_code\n"
                      "L1,C1,1000000.00,3311,HTP03,\nL5,C1,5000000.00,4711,HTP03,EC09\n")
    table = contradiction_findings(wh, AS_OF)
    assert table.num_rows == 3 and pa.types.is_dictionary(table.schema.field("suggestion").type)
    plain = table.cast(FINDINGS)
    keep(table, tmp_path / "a.csv", CONTRADICTIONS_HEADER, CONTRADICTIONS_COLUMNS)
    keep(plain, tmp_path / "b.csv", CONTRADICTIONS_HEADER, CONTRADICTIONS_COLUMNS)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert to_issues(table) == to_issues(plain)
