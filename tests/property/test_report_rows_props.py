"""Property: ``report_rows`` (loan rows summed per tag, borrower and the bits of the leaves on the loan's own values,
then joined to the borrower; the snapshot tags read from ``loans`` once) gives, for any condition trees of the
closed vocabulary, the figures of a direct query: the condition compiled on its own over the enriched relation of
every loan row of its tag — a NULL leaf (a ``code_in`` of a missing code, a missing borrower) included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.golden_bank import bank_warehouse
from wupian.engine.metrics import closure_sql
from wupian.engine.metrics_reports import _compile, _enriched_sql, _flow, report_rows
from wupian.engine.warehouse import Warehouse

AS_OF = date(2026, 3, 31)
PROFILE = "pboc_2025"
TAGS = ("all_loans", "rediscount", "inclusive", "tech", "tech_industry", "digital_core")

leaves = st.one_of(
    st.builds(lambda v: {"customer_type": v}, st.lists(
        st.sampled_from(["enterprise", "other_org", "sole_proprietor", "small_business_owner", "farmer", "personal"]),
        min_size=1, max_size=3, unique=True)),
    st.builds(lambda v: {"size": v}, st.lists(st.sampled_from(["large", "medium", "small", "micro"]),
                                              min_size=1, max_size=2, unique=True)),
    st.builds(lambda c, v: {"code_in": [c, v]},
              st.sampled_from(["business_type", "digital_code", "product_type", "tech_se_given"]),
              st.lists(st.sampled_from(["personal", "corporate", "bill_direct", "DE01", "DE02", "F023", "SE06"]),
                       min_size=1, max_size=3, unique=True)),
    st.builds(lambda c: {"not_null": c}, st.sampled_from(
        ["tech_htp", "tech_se", "tech_se_given", "digital_code", "startup_guarantee", "contract_id"])),
    st.builds(lambda b: {"business_loan": b}, st.booleans()),
    st.sampled_from([{"rule": "inclusive.farmer"}, {"rule": "tech.industry.se"}, {"tagged": "inclusive_micro"},
                     {"tagged": "green"}, {"registry": ["high_tech_enterprise", "tech_sme"]},
                     {"credit_limit_max": 1000000}, {"credit_limit_over": 5000000}, {"min_age": 55}]),
)
conditions = st.one_of(st.none(), st.recursive(leaves, lambda inner: st.one_of(
    st.builds(lambda xs: {"all": xs}, st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda xs: {"any": xs}, st.lists(inner, min_size=1, max_size=3)),
    st.builds(lambda x: {"not": x}, inner)), max_leaves=6))


@pytest.fixture(scope="module")
def shared_bank() -> Iterator[Warehouse]:
    yield from bank_warehouse()


def _direct(wh: Warehouse, tag: str, cond: Any) -> dict[str, Any]:
    """The row's figures from the enriched relation of its tag, the condition compiled alone (no leaf bits, no
    pre-summing): balance, borrowers, NPL, the year's disbursements and their borrowers."""
    closure, cparams = closure_sql(wh, AS_OF)
    inner, iparams = _enriched_sql(AS_OF, PROFILE, [tag], None, closure)
    params: list[Any] = []
    where = _compile(cond, AS_OF, PROFILE, params)
    fparams: list[Any] = []
    flow = _flow(fparams, AS_OF)
    row, = wh.rows(
        f"""WITH closure AS (SELECT * FROM {closure}), e AS ({inner}),
            r AS (SELECT e.*, {flow} AS flow_ FROM e e WHERE {where})
            SELECT coalesce(sum(amount), 0) AS balance, count(DISTINCT customer_id) FILTER (WHERE amount > 0) AS customers,
                   coalesce(sum(amount) FILTER (WHERE five_class IN ('substandard', 'doubtful', 'loss')), 0) AS npl_balance,
                   coalesce(sum(drawdown_amount) FILTER (WHERE flow_), 0) AS ytd_disbursed,
                   count(DISTINCT customer_id) FILTER (WHERE flow_) AS ytd_disbursed_customers FROM r""",
        [*cparams, *iparams, *fparams, *params])
    return row


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(TAGS), conditions), min_size=1, max_size=6))
def test_report_rows_equal_a_direct_query_of_each_condition(shared_bank: Warehouse,
                                                            rows: list[tuple[str, Any]]) -> None:
    wh = shared_bank
    got = report_rows(wh, AS_OF, profile=PROFILE, rows=[(f"r{i}", t, c) for i, (t, c) in enumerate(rows)]).to_pylist()
    for (tag, cond), figures in zip(rows, got, strict=True):
        want = _direct(wh, tag, cond)
        assert {k: figures[k] for k in want} == want, (tag, cond)


def test_the_snapshot_populations_are_disjoint_and_read_together(shared_bank: Warehouse) -> None:
    """A 转贴现 loan is never in scope: the two snapshot tags read from ``loans`` once give the rows each gives alone."""
    rows = [("a", "all_loans", None), ("r", "rediscount", None)]
    together = {r["code"]: r["balance"] for r in report_rows(shared_bank, AS_OF, profile=PROFILE, rows=rows).to_pylist()}
    alone = {code: report_rows(shared_bank, AS_OF, profile=PROFILE, rows=[(code, tag, c)]).to_pylist()[0]["balance"]
             for code, tag, c in rows}
    assert together == alone and together["r"] > 0 and together["a"] > 0


MEASURES = ("balance", "customers", "npl_balance", "mid_long_term_balance", "credit_loan_balance", "ytd_disbursed",
            "ytd_disbursed_customers", "ytd_interest_x100")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(TAGS), conditions), min_size=1, max_size=6),
       st.dictionaries(st.sampled_from(TAGS), st.sets(st.sampled_from(MEASURES))))
def test_the_measures_read_are_those_of_every_measure_and_the_others_null(
        shared_bank: Warehouse, rows: list[tuple[str, Any]], read: dict[str, set[str]]) -> None:
    """``measures`` (tag → the measures read): each listed measure is the value computed without it — whichever
    partial sums its population and the other population compute (one computes a partial the other leaves out, in
    either order of the UNION) — and every other measure of the row is NULL."""
    queries = [(f"r{i}", t, c) for i, (t, c) in enumerate(rows)]
    every = report_rows(shared_bank, AS_OF, profile=PROFILE, rows=queries).to_pylist()
    some = report_rows(shared_bank, AS_OF, profile=PROFILE, rows=queries, measures=read).to_pylist()
    for (_, tag, _), full, part in zip(queries, every, some, strict=True):  # repr: the same Decimal scale too
        assert repr(part) == repr({"code": full["code"], **{m: full[m] if m in read.get(tag, ()) else None
                                                           for m in MEASURES}})


@pytest.mark.parametrize("first", ["all_loans", "tech"])
def test_a_partial_one_population_leaves_out_keeps_the_type_of_the_other(shared_bank: Warehouse, first: str) -> None:
    """The year's interest (DECIMAL(38, 8) here: amount × rate) computed by the classified rows only, the UNION's
    first or second population: the same type and values as without ``measures``."""
    queries = [("x", first, None), ("y", "tech" if first == "all_loans" else "all_loans", None)]
    read = {"tech": {"ytd_interest_x100", "balance"}, "all_loans": {"balance"}}
    every = report_rows(shared_bank, AS_OF, profile=PROFILE, rows=queries)
    some = report_rows(shared_bank, AS_OF, profile=PROFILE, rows=queries, measures=read)
    assert some.schema == every.schema
    tech = next(n for n, (_, tag, _) in enumerate(queries) if tag == "tech")
    assert repr(some.column("ytd_interest_x100")[tech]) == repr(every.column("ytd_interest_x100")[tech])


def test_the_snapshot_loans_are_read_for_the_measures_of_their_rows_only(shared_bank: Warehouse) -> None:
    """The NFRA tables read balance, borrowers and NPL of the in-scope loans: their population reads no date, rate or
    guarantee column and computes no flow (the 2M-loan read of the tables); the classified rows still do."""

    from wupian.reports.nfra import _measures, table_definitions

    seen: list[str] = []

    class Spy:
        def __init__(self, wh: Warehouse) -> None:
            self.wh = wh

        def __getattr__(self, name: str) -> Any:
            return getattr(self.wh, name)

        def arrow(self, sql: str, params: Any = None) -> Any:
            seen.append(sql)
            return self.wh.arrow(sql, params)

    read = _measures(table_definitions())
    assert read["all_loans"] == {"balance", "customers", "npl_balance"} and read["rediscount"] == {"balance"}
    report_rows(Spy(shared_bank), AS_OF, profile=PROFILE, rows=[("a", "all_loans", None), ("r", "rediscount", None)],
                measures=read)
    sql, = seen
    for column in ("drawdown_date", "maturity_date", "interest_rate", "guarantee_type", "drawdown_amount", "flow_"):
        assert column not in sql, column
    report_rows(Spy(shared_bank), AS_OF, profile=PROFILE, rows=[("t", "tech", None)], measures=read)
    assert all(c in seen[-1] for c in ("drawdown_date", "maturity_date", "interest_rate", "guarantee_type", "flow_"))
