"""Invariants of the PBOC writer and validator (hypothesis): whatever text the bank's columns hold, the records the
writer builds either pass the validator or fail it with located ERRORs on exactly the offending loans and fields —
never a silently wrong file, never an exception."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.engine.pboc_lines import drop_pboc_loans, prepare_pboc_loans
from wupian.engine.warehouse import Warehouse
from wupian.reports.pboc import file_text
from wupian.reports.pboc_layout import clean
from wupian.reports.pboc_validate import validate_lines

USCC = "91130900MA0000001X"
AS_OF = date(2026, 3, 31)


def _row(i: int, contract: str | None, business: str, code: str | None) -> dict[str, object]:
    return {"loan_id": f"L{i:02d}", "contract_id": contract, "business_type": business, "branch_id": "A1",
            "institution_uscc": USCC, "bill_no": None, "drawdown_serial": None, "drawdown_date": date(2026, 3, 2),
            "tech_htp": code, "tech_hts": None, "tech_se": None, "tech_pa": None, "pension_code": None,
            "elderly_institution": False, "digital_code": None, "rule_ids": "", "customer_id": f"C{i:02d}",
            "amount": "1.00", "drawdown_amount": "1.00", "interest_rate": "3.00", "tag": "tech_industry"}


def _lines(wh: Warehouse, code: str, rows: list[dict[str, object]]) -> list[list[str]]:
    """The records the writer builds from ``rows`` (loaded as the run's enriched loans)."""
    prepare_pboc_loans(wh, AS_OF, profile="pboc_2025", tags=["tech_industry"])  # no classification: empty
    for r in rows:
        wh.execute(f"INSERT INTO pboc_loans ({', '.join(r)}) VALUES ({', '.join('?' for _ in r)})", list(r.values()))
    text, _ = file_text(wh, code, AS_OF)
    drop_pboc_loans(wh)
    return [line.split("|") for line in text.split("\n")[:-1]]


# About as many records as 150 files of up to 6 (the cost is per file: its statements, not its rows), in 70 files
# of up to 12 (ids zero-padded: the file lists loans in id order), each in a fresh in-memory warehouse.
@settings(max_examples=70, deadline=None)
@given(st.lists(st.tuples(st.one_of(st.none(), st.text(max_size=120)), st.sampled_from(["corporate", "bill_direct"]),
                          st.sampled_from([None, "HTP01", "HTP06"])), min_size=1, max_size=12))
def test_every_record_passes_or_is_a_located_error_on_its_own_field(cases: list) -> None:  # type: ignore[type-arg]
    rows = [_row(i, contract, business, code) for i, (contract, business, code) in enumerate(cases)]
    with Warehouse(":memory:") as wh:
        lines = _lines(wh, "HDACLKJDK", rows)
    issues = validate_lines("HDACLKJDK", lines, "f.dat")
    expected = set()
    for i, r in enumerate(rows):
        n = 6 + i  # after the five summary rows
        if r["business_type"] == "bill_direct":
            continue  # 合同编码 0, 票据编号 = loan id
        text = clean(r["contract_id"])
        if text == "":
            expected.add((n, "贷款合同编码", "WP-PBOC-003"))
        elif '"' in text or len(text.encode("utf-8")) > 100:
            expected.add((n, "贷款合同编码", "WP-PBOC-002"))
    for i, r in enumerate(rows):
        if r["tech_htp"] is None:
            expected.add((6 + i, "是否高技术制造业贷款", "WP-PBOC-012"))  # not a tech loan: must not be filed
            # and T12 (all rows) then exceeds the sum of T08–T11
            expected |= {(5, "贷款汇总金额", "WP-PBOC-017"), (5, "贷款汇总获贷企业数量", "WP-PBOC-017")}
    assert {(i.source.line, i.source.column, i.code) for i in issues} == expected
    assert all(i.source.file == "f.dat" for i in issues)
