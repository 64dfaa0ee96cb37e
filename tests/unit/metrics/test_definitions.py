"""The indicator definitions are data with a closed schema: every problem is located at its file and line."""

from __future__ import annotations

from wupian.metrics import definitions
from wupian.metrics.schema import parse_definitions

SCOPES = "- id: all_loans\n  label: 各项贷款\n  source: loans\n"
CITES = ("- id: c1\n  document: d\n  number: n\n  clause: c\n  quote: q\n  status: verified\n")
MEASURE = (
    "- id: balance\n  label: '{scope}余额'\n  description: x\n  unit: yuan\n  kind: sum\n  value: amount\n"
    "  formula: f\n  cites: [c1]\n"
)


def test_packaged_definitions_cover_the_contract_ids() -> None:
    defs = definitions()
    assert {s.id for s in defs.scopes} == {
        "all_loans", "tech", "tech_enterprise", "tech_industry", "green", "inclusive", "inclusive_micro",
        "pension", "digital", "digital_core", "five_union"}
    required = {"balance", "ytd_change", "ytd_growth", "yoy_growth", "customers", "ytd_disbursed",
                "ytd_disbursed_customers", "avg_rate_balance", "avg_rate_ytd_disbursed", "npl_balance", "npl_ratio",
                "mid_long_term_balance", "credit_loan_balance", "first_loan_customers"}
    assert required <= {m.id for m in defs.measures}
    assert all(m.cites for m in defs.measures)


def test_unknown_key_is_reported_at_its_line_with_a_suggestion() -> None:
    bad = MEASURE + "  unti: yuan\n"
    defs, issues = parse_definitions({"citations.yaml": CITES, "scopes.yaml": SCOPES, "loan_measures.yaml": bad,
                                      "families.yaml": ""})
    assert defs is None
    [issue] = [i for i in issues if i.code == "WP-METRIC-001"]
    assert issue.source.line == 9 and issue.source.column == "unti"
    assert issue.suggestion == "did you mean 'unit'?"


def test_unknown_kind_and_dangling_citation_are_errors() -> None:
    bad = MEASURE.replace("kind: sum", "kind: average").replace("[c1]", "[nowhere]")
    defs, issues = parse_definitions({"citations.yaml": CITES, "scopes.yaml": SCOPES, "loan_measures.yaml": bad,
                                      "families.yaml": ""})
    assert defs is None
    assert {i.source.column for i in issues if i.code == "WP-METRIC-003"} == {"kind", "cites"}


def test_valid_minimal_documents_parse() -> None:
    defs, issues = parse_definitions({"citations.yaml": CITES, "scopes.yaml": SCOPES, "loan_measures.yaml": MEASURE,
                                      "families.yaml": ""})
    assert issues == [] and defs is not None and defs.measure("balance").value == "amount"
