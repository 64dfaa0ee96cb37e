"""Invariants of the classification (hypothesis):

* union membership equals the OR of the categories (tech = tech_enterprise ∪ tech_industry, five_union = OR of
  the five), sub-tags imply their parent;
* tags and amounts never change when unrelated columns change;
* the set-based SQL sizing agrees with the reference implementation of the standard;
* the rulebook schema rejects an unknown key at its line.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.snapshot_csv import load_customers, snapshot_csv
from wupian.engine.warehouse import Warehouse
from wupian.reference import size_standard as ss
from wupian.rules import classify_snapshot, customer_facts
from wupian.rules.schema import RULE, Checker, compose_documents

AS_OF = date(2025, 12, 31)
CATEGORIES = ("tech", "green", "inclusive", "pension", "digital")
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

customer = st.fixed_dictionaries({
    "customer_type": st.sampled_from(["enterprise", "other_org", "sole_proprietor", "small_business_owner",
                                      "farmer", "individual"]),
    "declared_size": st.sampled_from(["", "large", "medium", "small", "micro"]),
    "credit_limit_total": st.sampled_from(["", "5000000.00", "10000000.00", "10000100.00", "90000000.00"]),
    "pension_revenue_share": st.sampled_from(["", "0.4", "0.5"]),
    "registry": st.sampled_from(["", "high_tech_enterprise", "innovative_sme", "national_elderly_care_institution"]),
})
loan = st.fixed_dictionaries({
    "business_type": st.sampled_from(["corporate", "personal", "bill_direct", "bill_rediscount"]),
    "product_type": st.sampled_from(["", "F022", "F023", "F0211"]),
    "balance": st.decimals(min_value=0, max_value=10_000_000, places=2),
    "status": st.sampled_from(["", "normal", "settled", "written_off"]),
    "is_entrusted": st.sampled_from(["", "0", "1"]),
    "green_code": st.sampled_from(["", "4.2.1", "9.9.9"]),
    "green_amount": st.sampled_from(["", "100.00", "99999999.00"]),
    "tech_htp": st.sampled_from(["", "HTP01"]),
    "pension_code": st.sampled_from(["", "EC01"]),
    "pension_share": st.sampled_from(["", "0.49", "0.5"]),
    "digital_code": st.sampled_from(["", "DE01", "DE05"]),
    "digital_evidence": st.sampled_from(["", "1", "0"]),
    "is_student_loan": st.sampled_from(["", "1"]),
    "customer": st.integers(min_value=0, max_value=4),
})


def _load(wh: Warehouse, customers: list[dict], loans: list[dict], extra: dict[str, str] | None = None) -> None:
    load_customers(wh, AS_OF, customers, ("declared_size", "credit_limit_total", "pension_revenue_share"))
    cols = [k for k in loans[0] if k != "customer"] if loans else []
    extra = extra or {}
    head = ",".join(["loan_id", "customer_id", *cols, *extra])
    lines = [",".join([f"L{j}", f"C{lo['customer'] % len(customers)}", *(str(lo[c]) for c in cols),
                       *extra.values()]) for j, lo in enumerate(loans)]
    snapshot_csv.load_csv_text(wh, "loans", AS_OF, "\n".join([head, *lines]))


def _tags(wh: Warehouse, profile: str) -> dict[str, dict[str, Decimal]]:
    out: dict[str, dict[str, Decimal]] = {}
    for r in wh.rows("SELECT loan_id, tag, amount FROM loan_tags WHERE profile = ?", [profile]):
        out.setdefault(r["loan_id"], {})[r["tag"]] = r["amount"]
    return out


@SETTINGS
@given(st.lists(customer, min_size=1, max_size=5), st.lists(loan, min_size=1, max_size=25))
def test_union_is_the_or_of_categories(customers: list[dict], loans: list[dict]) -> None:
    with Warehouse(":memory:") as wh:
        _load(wh, customers, loans)
        for profile in ("pboc_2025", "nfra_1104_2025"):
            classify_snapshot(wh, AS_OF, profile)
            for tags in _tags(wh, profile).values():
                assert ("five_union" in tags) == any(c in tags for c in CATEGORIES)
                assert ("tech" in tags) == ("tech_enterprise" in tags or "tech_industry" in tags)
                assert "inclusive_micro" not in tags or "inclusive" in tags
                assert "digital_core" not in tags or "digital" in tags
                assert tags["five_union"] == max(tags[c] for c in CATEGORIES if c in tags)
                assert all(v >= 0 for v in tags.values())


@SETTINGS
@given(st.lists(customer, min_size=1, max_size=4), st.lists(loan, min_size=1, max_size=15),
       st.sampled_from(["2.10", "35.00"]), st.sampled_from(["2026-01-31", "2040-06-30"]),
       st.sampled_from(["online", "offline"]), st.sampled_from(["substandard", "special_mention"]),
       st.sampled_from(["购买设备", "补充流动资金"]))
def test_unrelated_columns_do_not_change_tags(customers: list[dict], loans: list[dict], rate: str, maturity: str,
                                              channel: str, five_class: str, purpose: str) -> None:
    with Warehouse(":memory:") as wh:
        _load(wh, customers, loans)
        classify_snapshot(wh, AS_OF)
        before = _tags(wh, "pboc_2025")
    with Warehouse(":memory:") as wh:
        _load(wh, customers, loans, {"interest_rate": rate, "maturity_date": maturity, "channel": channel,
                                     "five_class": five_class, "purpose_text": purpose})
        classify_snapshot(wh, AS_OF)
        assert _tags(wh, "pboc_2025") == before


sizing = st.fixed_dictionaries({
    "industry": st.sampled_from(["0111", "3311", "4710", "5111", "5211", "5411", "5910", "6010", "6110", "6210",
                                 "6311", "6511", "7010", "7020", "7111", "7310", "5311", "6621", "8514", "5110"]),
    "employees": st.one_of(st.none(), st.integers(min_value=0, max_value=2500)),
    "revenue_wan": st.one_of(st.none(), st.integers(min_value=0, max_value=250000)),
    "assets_wan": st.one_of(st.none(), st.integers(min_value=0, max_value=150000)),
})


@SETTINGS
@given(st.lists(sizing, min_size=1, max_size=30))
def test_sql_sizing_matches_the_reference_rule(firms: list[dict]) -> None:
    head = "customer_id,name,customer_type,industry_code,employees,revenue,total_assets"
    rows = [f"K{i},n,enterprise,{f['industry']},{'' if f['employees'] is None else f['employees']},"
            f"{'' if f['revenue_wan'] is None else f['revenue_wan'] * 10000},"
            f"{'' if f['assets_wan'] is None else f['assets_wan'] * 10000}" for i, f in enumerate(firms)]
    with Warehouse(":memory:") as wh:
        snapshot_csv.load_csv_text(wh, "customers", AS_OF, "\n".join([head, *rows]))
        snapshot_csv.load_csv_text(wh, "loans", AS_OF, "loan_id,customer_id,balance\nX,K0,1.00")
        classify_snapshot(wh, AS_OF)
        got = {r["customer_id"]: r["derived_size"] for r in customer_facts(wh, AS_OF).to_pylist()}
    for i, f in enumerate(firms):
        want = ss.derive_size(
            ss.size_group(f["industry"]), f["employees"],
            None if f["revenue_wan"] is None else Decimal(f["revenue_wan"] * 10000),
            None if f["assets_wan"] is None else Decimal(f["assets_wan"] * 10000))
        assert got[f"K{i}"] == want, f


def _whole_table_disagreements(wh: Warehouse) -> tuple[int, list[dict]]:
    """The size disagreements as read from a ``cls_cust`` of every customer (the check before session 11)."""
    from wupian.engine.classify_customers import NOTE_JOIN, build_customer_temp, notes_sql

    build_customer_temp(wh, AS_OF, notes=False)
    where = """b.derived_size IS NOT NULL AND b.declared_size IS NOT NULL AND b.declared_size <> 'none'
               AND b.declared_size <> b.derived_size"""
    total = int(wh.scalar(f"SELECT count(*) FROM cls_cust b WHERE {where}") or 0)
    rows = wh.rows(f"""SELECT customer_id, customer_type, industry_code, declared_size, derived_size, group_name, figures
        FROM (SELECT b.customer_id, b.customer_type, b.industry_code, b.declared_size, b.derived_size, {notes_sql()}
              FROM cls_cust b {NOTE_JOIN} WHERE {where}) AS n ORDER BY customer_id""")
    wh.execute("DROP TABLE cls_cust")
    return total, rows


@SETTINGS
@given(st.lists(st.tuples(sizing, st.sampled_from(["", "large", "medium", "small", "micro"]), st.booleans()),
                min_size=1, max_size=30),
       st.integers(min_value=0, max_value=5))
def test_the_size_check_covers_every_customer_and_only_borrowers_facts_are_stored(
        firms: list[tuple[dict, str, bool]], limit: int) -> None:
    from wupian.engine.classify_customers import size_disagreements

    head = "customer_id,name,customer_type,industry_code,employees,revenue,total_assets,declared_size"
    rows = [f"K{i},n,enterprise,{f['industry']},{'' if f['employees'] is None else f['employees']},"
            f"{'' if f['revenue_wan'] is None else f['revenue_wan'] * 10000},"
            f"{'' if f['assets_wan'] is None else f['assets_wan'] * 10000},{declared}"
            for i, (f, declared, _) in enumerate(firms)]
    borrowers = {f"K{i}" for i, (_, _, has_loan) in enumerate(firms) if has_loan} or {"K0"}
    loans = [f"X{c},{c},1.00" for c in sorted(borrowers)]
    with Warehouse(":memory:") as wh:
        snapshot_csv.load_csv_text(wh, "customers", AS_OF, "\n".join([head, *rows]))
        snapshot_csv.load_csv_text(wh, "loans", AS_OF, "\n".join(["loan_id,customer_id,balance", *loans]))
        report = classify_snapshot(wh, AS_OF)
        stored = {r["customer_id"] for r in wh.rows("SELECT customer_id FROM customer_facts")}
        assert stored == borrowers  # the borrowers' facts only (issue 14, session 11)
        total, want = _whole_table_disagreements(wh)
        assert size_disagreements(wh, AS_OF, limit) == (total, want[:limit])
        issues = [i for i in report.issues if i.code == "WP-CLS-010" and i.level.name == "WARNING"]
        assert [i.source.key for i in issues] == [f"customer_id={r['customer_id']}" for r in want]


RULE_TEXT = """id: x.y
label: 测试
kind: include
tags: [green]
profiles: [pboc_2025]
effective_from: 2025-01-01
when: {fact: green_code, is_null: false}
explain: 说明
cites: [P2.green.purpose]
"""


@settings(max_examples=40, deadline=None)
@given(st.from_regex(r"[a-z][a-z_]{1,12}", fullmatch=True).filter(lambda k: k not in RULE),
       st.integers(min_value=0, max_value=9))
def test_schema_rejects_unknown_keys_with_the_line(key: str, at: int) -> None:
    lines = RULE_TEXT.splitlines()
    lines.insert(at, f"{key}: 1")
    docs, errors = compose_documents("\n".join(lines) + "\n", "rules/x.yaml")
    assert not errors
    chk = Checker("rules/x.yaml")
    chk.mapping(docs[0][0], RULE)
    (issue,) = chk.issues
    assert issue.code == "WP-RULE-001" and issue.source.line == at + 1 and issue.source.column == key
