"""The first-loan flag's pre-check (issue 14, session 15): ``first_loan_rule.history_aggregates``' ``flags`` —
without a flagged loan up to the date the flag's aggregates are constants, not computed, and ``cls_cust`` is the
table the full aggregate gives (no flag, flags all ``false``, some ``true``)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.snapshot_csv import load_customers, snapshot_csv
from wupian.engine import classify_customers as cc
from wupian.engine.warehouse import Warehouse
from wupian.rules import rulebook

AS_OF = date(2025, 12, 31)
SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                           HealthCheck.function_scoped_fixture])

customer = st.fixed_dictionaries({
    "customer_type": st.sampled_from(["enterprise", "sole_proprietor", "individual"]),
    "industry_code": st.sampled_from(["", "3911", "5211", "6511"]),
    "employees": st.sampled_from(["", "5", "400"]),
    "revenue": st.sampled_from(["", "500000.00", "30000000.00"]),
    "declared_size": st.sampled_from(["", "large", "small", "micro"]),
    "registry": st.sampled_from(["", "high_tech_enterprise"]),
})
loan = st.fixed_dictionaries({
    "business_type": st.sampled_from(["corporate", "personal"]),
    "product_type": st.sampled_from(["", "F022", "F023"]),
    "balance": st.decimals(min_value=0, max_value=10_000_000, places=2),
    "drawdown_date": st.sampled_from(["2024-06-30", "2025-03-01", "2025-03-01", "2025-11-15"]),
    "green_code": st.sampled_from(["", "4.2.1", "9.9.9"]),
    "green_amount": st.sampled_from(["", "100.00", "99999999.00"]),
    "tech_htp": st.sampled_from(["", "HTP01"]),
    "customer": st.integers(min_value=0, max_value=5),
})
FLAGS = ("absent", "false", "mixed")  # no ``is_first_loan`` column; every flag false; flags true and false


def _load(wh: Warehouse, customers: list[dict[str, Any]], loans: list[dict[str, Any]], flags: str) -> None:
    load_customers(wh, AS_OF, customers, ("industry_code", "employees", "revenue", "declared_size"))
    cols = [k for k in loans[0] if k != "customer"]
    flag = [] if flags == "absent" else ["is_first_loan"]
    lines = []
    for j, lo in enumerate(loans):
        value = "0" if flags == "false" else ("1" if j % 3 == 0 else "0")
        lines.append(",".join([f"L{j}", f"C{lo['customer'] % len(customers)}", *(str(lo[c]) for c in cols),
                               *([value] if flag else [])]))
    snapshot_csv.load_csv_text(wh, "loans", AS_OF, "\n".join([",".join(["loan_id", "customer_id", *cols, *flag]),
                                                              *lines]))


def _cls_cust(wh: Warehouse) -> list[dict[str, Any]]:
    cc.build_customer_temp(wh, AS_OF, notes=False, borrowers_only=True, stored_columns=True)
    return wh.rows("SELECT * FROM cls_cust ORDER BY customer_id")


@SETTINGS
@given(st.lists(customer, min_size=1, max_size=6), st.lists(loan, min_size=1, max_size=12), st.sampled_from(FLAGS))
def test_the_flag_precheck_keeps_the_facts(monkeypatch: pytest.MonkeyPatch, customers: list[dict[str, Any]],
                                           loans: list[dict[str, Any]], flags: str) -> None:
    with Warehouse(":memory:") as wh:
        _load(wh, customers, loans, flags)
        cc.register_size_reference(wh, AS_OF, rulebook().registries)
        assert cc.first_loan_flags(wh, AS_OF) == {"absent": (False, False), "false": (True, False),
                                                  "mixed": (True, True)}[flags]
        checked = _cls_cust(wh)
        with monkeypatch.context() as m:
            m.setattr(cc, "first_loan_flags", lambda _wh, _d: (True, True))  # the full aggregate, as before
            full = _cls_cust(wh)
        assert checked == full and checked


def test_without_a_flagged_loan_the_flag_pair_is_not_aggregated(monkeypatch: pytest.MonkeyPatch) -> None:
    statements: list[str] = []
    with Warehouse(":memory:") as wh:
        _load(wh, [{"customer_type": "enterprise", "industry_code": "3911", "employees": "5", "revenue": "",
                    "declared_size": "", "registry": ""}],
              [{"business_type": "corporate", "product_type": "F022", "balance": "1.00",
                "drawdown_date": "2025-03-01", "green_code": "", "green_amount": "", "tech_htp": "",
                "customer": 0}], "absent")
        cc.register_size_reference(wh, AS_OF, rulebook().registries)
        real = wh.execute

        def execute(sql: str, params: Any = None) -> None:
            statements.append(sql)
            real(sql, params)

        monkeypatch.setattr(wh, "execute", execute)
        cc.build_customer_temp(wh, AS_OF, notes=False, borrowers_only=True, stored_columns=True)
    (facts,) = [s for s in statements if "TEMP TABLE cls_cust" in s]
    assert "is_first_loan)" not in facts and "is_first_loan IS" not in facts  # the flag is not read
    assert facts.count("arg_min(") == 1  # the history's first loan only
