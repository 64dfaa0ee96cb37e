"""The month-end code contradictions (WP-RECON-007) worded in the engine's statement (hypothesis): the findings of
``reconcile.contradiction_findings`` are, row for row, the review worklist's unaccepted contradictions of the loans
booked at the listed branches, in (loan, field) order, each message the Python ``str.format`` of
``reconcile.CONTRADICTION`` — a missing branch or balance as ``None``, a balance as its exact digits on both sides
of 10^16 (where the statement's cheap DECIMAL(18,2) text gives way to the DECIMAL(38,2) one), negative, zero and
sub-unit balances included."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wupian.engine.classify_review import CODE_COLUMNS, review_worklist
from wupian.engine.warehouse import Warehouse
from wupian.reference.green import catalogue_for
from wupian.reports.reconcile import CONTRADICTION, contradiction_findings

AS_OF = date(2025, 12, 31)
ZH = {col: zh for col, _, zh in CODE_COLUMNS}
EDGES = [Decimal(v) for v in ("0.00", "0.01", "-0.01", "-0.50", "9999999999999999.99", "10000000000000000.00",
                              "-9999999999999999.99", "-10000000000000000.00", "123456789012345678901234567890.12",
                              "-999999999999999999999999999999999999.99")]
balances = st.one_of(st.none(), st.sampled_from(EDGES),
                     st.decimals(min_value=-10**20, max_value=10**20, places=2, allow_nan=False))
loan = st.fixed_dictionaries({
    "branch_id": st.sampled_from([None, "B1", "B2", "B3"]),
    "balance": balances,
    # 4-character industries and others (the month-end read keeps only the former): a letter A–T dropped or not
    # (U, Z), five digits, two, three with a letter, blank
    "purpose_industry_code": st.sampled_from([None, "3311", "C3311", " c3921 ", "4711", "39", "6513", "33111",
                                              "U3311", "Z331", "c39", "  ", "C 3311"]),
    "tech_htp": st.sampled_from([None, "HTP03", "HTP04"]),
    "tech_hts": st.sampled_from([None, "HTS09", "HTS01"]),
    "pension_code": st.sampled_from([None, "EC01", "EC09"]),
    "digital_code": st.sampled_from([None, "DE01", "DE05"]),
    "status": st.sampled_from([None, "normal", "written_off"]),
    "accepted": st.booleans(),
})
nodes = st.one_of(st.none(), st.sets(st.sampled_from(["B1", "B2", "B9"])))


def _expected(wh: Warehouse, loans: list[dict[str, object]], listed: set[str] | None) -> list[tuple[str, str, str]]:
    """The unaccepted contradictions of the review worklist, worded in Python."""
    stored = {r["loan_id"]: r for r in wh.rows("SELECT loan_id, branch_id, balance FROM loans")}
    rows = []
    for r in review_worklist(wh, AS_OF, catalogue_for(AS_OF)[0].name, contradictions_only=True).to_pylist():
        loan_row = stored[r["loan_id"]]
        if r["accepted_reason"] is not None or (listed is not None and loan_row["branch_id"] not in listed):
            continue
        message = CONTRADICTION.format(category=ZH[r["field"]], code=r["code"],
                                       purpose_industry_code=r["purpose_industry_code"],
                                       branch_id=loan_row["branch_id"], balance=loan_row["balance"],
                                       suggestion=r["suggestion"])
        rows.append((r["loan_id"], r["field"], f"loan_id={r['loan_id']}", message))
    return [(key, field, message) for _, field, key, message in sorted(rows)]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(loan, min_size=1, max_size=14), nodes)
def test_the_worded_contradictions_are_the_python_wording_of_the_review_worklist(
        loans: list[dict[str, object]], listed: set[str] | None) -> None:
    _check(loans, listed)


def test_every_edge_balance_is_worded_as_its_digits() -> None:
    """Each edge balance (and a missing one, and a missing branch) on a loan that contradicts its code."""
    base = {"purpose_industry_code": "4711", "tech_htp": "HTP03", "tech_hts": None, "pension_code": None,
            "digital_code": None, "status": None, "accepted": False}
    loans = [{**base, "branch_id": "B1" if n % 3 else None, "balance": b} for n, b in enumerate([*EDGES, None])]
    _check(loans, None)
    _check(loans, {"B1"})


def _check(loans: list[dict[str, object]], listed: set[str] | None) -> None:
    with Warehouse(":memory:") as wh:
        ids = [f"L{n:02d}" for n in range(len(loans))]
        wh.insert_arrow("loans", pa.table({
            "as_of": [AS_OF] * len(loans), "loan_id": ids, "customer_id": ["C1"] * len(loans),
            **{c: [r[c] for r in loans] for c in ("branch_id", "purpose_industry_code", "tech_htp", "tech_hts",
                                                  "pension_code", "digital_code", "status")},
            "balance": pa.array([r["balance"] for r in loans], pa.decimal128(38, 2))}))
        accepted = [(i, col, r[col]) for i, r in zip(ids, loans, strict=True) if r["accepted"]
                    for col in ("tech_htp", "pension_code") if r[col] is not None]
        if accepted:
            wh.insert_arrow("code_acceptances", pa.table({
                "as_of": [AS_OF] * len(accepted), "loan_id": [a[0] for a in accepted],
                "field": [a[1] for a in accepted], "code": [f" {a[2]}" for a in accepted],
                "reason": ["核定"] * len(accepted)}))
        table = contradiction_findings(wh, AS_OF, listed)
        got = list(zip(table.column("key").to_pylist(), table.column("column").to_pylist(),
                       table.column("message").to_pylist(), strict=True))
        assert got == _expected(wh, loans, listed)
        assert set(table.column("code").to_pylist()) <= {"WP-RECON-007"}
        # the statement's temp view of the listed branches is gone once read
        assert not wh.rows("SELECT view_name FROM duckdb_views() WHERE view_name = 'rc_nodes'")


def test_a_message_naming_an_unknown_field_or_a_format_spec_is_refused() -> None:
    import pytest

    from wupian.engine.classify_review import unresolved_contradictions

    with Warehouse(":memory:") as wh:
        for template in ("{customer_id}", "{balance:>10}", "{code!r}"):
            with pytest.raises(ValueError, match="cannot render"):
                unresolved_contradictions(wh, AS_OF, template)
