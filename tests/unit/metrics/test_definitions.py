"""The indicator definitions are data with a closed schema: every problem is located at its file and line."""

from __future__ import annotations

from wupian.metrics import definitions
from wupian.metrics.schema import LOAN_KINDS, parse_definitions, parse_names

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


def _issues(measures: str) -> list[str]:
    defs, issues = parse_definitions({"citations.yaml": CITES, "scopes.yaml": SCOPES, "loan_measures.yaml": measures,
                                      "families.yaml": ""})
    assert defs is None
    return [str(i) for i in issues]


def test_unknown_kind_is_a_located_error_with_a_suggestion() -> None:
    assert _issues(MEASURE.replace("kind: sum", "kind: summ")) == [
        "loan_measures.yaml:5[id=balance].kind: ERROR WP-METRIC-003 kind: 'summ' is not one of "
        f"{', '.join(LOAN_KINDS)} (did you mean 'sum'?)"]


def test_wrong_type_is_a_located_error() -> None:
    assert _issues(MEASURE.replace("cites: [c1]", "cites: c1")) == [
        "loan_measures.yaml:8[id=balance].cites: ERROR WP-METRIC-003 cites: expected a list"]


def test_dangling_citation_and_measure_references_are_located() -> None:
    bad = MEASURE.replace("[c1]", "[c2]") + MEASURE.replace("id: balance", "id: share").replace(
        "kind: sum", "kind: ratio") + "  numerator: balanse\n"
    assert _issues(bad) == [
        "loan_measures.yaml:8[id=balance].cites: ERROR WP-METRIC-005 cites: unknown citation 'c2' "
        "(allowed: c1)",
        "loan_measures.yaml:17[id=share].numerator: ERROR WP-METRIC-005 numerator: unknown measure 'balanse' "
        "(did you mean 'balance'?)"]


def test_names_vocabularies_are_closed_mappings() -> None:
    names, issues = parse_names("registries:\n  gas_station: 加油站\nservice:\n  x: y\n")
    assert names is None and [str(i) for i in issues] == [
        "names.yaml:3.service: ERROR WP-METRIC-001 unknown key 'service' (did you mean 'services'?)"]
    names, issues = parse_names("registries:\n  gas_station: 加油站\n")
    assert issues == [] and names is not None and names["registries"] == {"gas_station": "加油站"}
    assert names["services"] == {}


def test_valid_minimal_documents_parse() -> None:
    defs, issues = parse_definitions({"citations.yaml": CITES, "scopes.yaml": SCOPES, "loan_measures.yaml": MEASURE,
                                      "families.yaml": ""})
    assert issues == [] and defs is not None and defs.measure("balance").value == "amount"


def test_label_placeholders_are_checked() -> None:
    assert _issues(MEASURE.replace("'{scope}余额'", "'{scop}余额'")) == [
        "loan_measures.yaml:2[id=balance].label: ERROR WP-METRIC-005 label: unknown placeholder {scop} "
        "(did you mean {scope}?)"]
    assert _issues(MEASURE.replace("'{scope}余额'", "'{scope余额'")) == [
        "loan_measures.yaml:2[id=balance].label: ERROR WP-METRIC-003 label '{scope余额': expected '}' before end "
        "of string"]


def test_the_definitions_fingerprint_leaves_the_definitions_function_alone() -> None:
    from wupian.reference.fingerprint import package_fingerprint

    assert len(package_fingerprint("wupian.metrics", "definitions")) == 16
    from wupian.metrics import definitions as again

    assert callable(again) and again().scope("green").label == "绿色贷款"
