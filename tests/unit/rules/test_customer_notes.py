"""The customers' zh notes (企业规模依据, 单户授信口径) are not built by a classification (issue 14) but rendered on
read: ``customer_facts`` readers get exactly the notes a classification that built them would have stored, for
both size bases; the size-disagreement issues still print the group and figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from wupian.engine.classify_customers import build_customer_facts, register_size_reference
from wupian.engine.warehouse import Warehouse
from wupian.rules import classify_snapshot, customer_facts, rulebook, size_report

Load = Callable[..., int]
AS_OF = date(2025, 12, 31)
CUSTOMERS = """客户号,客户名称,客户类型,证件代码,所属行业,从业人员数,营业收入,企业规模,单户授信总额
C1,甲科技,企业法人,91000000000000001A,3911,45,23000000.00,,8000000.00
C2,乙制造,企业法人,91000000000000002A,3311,400,30000000.00,小型,50000000.00
C3,丙个体,个体工商户,,5211,3,500000.00,,
C4,丁贸易,企业法人,,5211,,,,
"""
LOANS = """贷款借据编码,客户号,业务类别,贷款产品类别,贷款余额,贷款实际投向
L1,C1,单位贷款,F022,4000000.00,3911
L2,C2,单位贷款,F023,9000000.00,4415
L4,C3,个人贷款,F022,200000.00,
L5,C4,单位贷款,F022,300000.00,5211
"""
REGISTRIES = """名录,证件代码,有效期起,有效期止
high_tech_enterprise,91000000000000001A,2023-01-01,2025-12-31
"""


@pytest.fixture
def bank(wh: Warehouse, load: Load) -> Warehouse:
    load(wh, "customers", CUSTOMERS)
    load(wh, "loans", LOANS)
    load(wh, "registries", REGISTRIES)
    return wh


def _stored_with_notes(wh: Warehouse, basis: str) -> list[dict]:
    """customer_facts as a classification that builds the notes stores them (the pre-issue-14 behaviour)."""
    register_size_reference(wh, AS_OF, rulebook().registries)
    build_customer_facts(wh, AS_OF, basis, notes=True)
    return wh.rows("SELECT * FROM customer_facts WHERE as_of = ? ORDER BY customer_id", [AS_OF])


@pytest.mark.parametrize("basis", ["declared_first", "derived_first"])
def test_notes_rendered_on_read_equal_the_built_ones(bank: Warehouse, basis: str) -> None:
    want = _stored_with_notes(bank, basis)
    assert any(r["size_note"] for r in want)
    classify_snapshot(bank, AS_OF, size_basis=basis)
    assert bank.scalar("SELECT count(*) FROM customer_facts WHERE size_note IS NOT NULL") == 0
    assert customer_facts(bank, AS_OF).to_pylist() == want
    assert bank.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'cls_cust'") == 0


def test_the_declared_and_derived_note_names_group_and_figures(bank: Warehouse) -> None:
    classify_snapshot(bank, AS_OF)
    notes = {r["customer_id"]: r["size_note"] for r in customer_facts(bank, AS_OF).to_pylist()}
    assert notes["C2"] == "申报；测算=中型，工业：从业人员400人、营业收入3000万元"
    assert notes["C1"].startswith("工业：从业人员45人、营业收入2300万元")


def test_size_issues_render_group_and_figures_without_stored_notes(bank: Warehouse) -> None:
    issues = size_report(bank, AS_OF)
    assert [i.source.key for i in issues] == ["customer_id=C2"]
    assert "工业：从业人员400人、营业收入3000万元" in issues[0].message
    assert bank.scalar("SELECT count(*) FROM customer_facts WHERE size_note IS NOT NULL") == 0



def test_the_api_renders_the_notes_of_a_classified_date(bank: Warehouse) -> None:
    from wupian import api

    want = _stored_with_notes(bank, "derived_first")
    classify_snapshot(bank, AS_OF, size_basis="derived_first")  # the recorded basis is the one rendered
    assert api.customer_facts(bank, AS_OF).to_pylist() == want
