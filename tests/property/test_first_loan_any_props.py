"""The cheap "does history decide any first loan?" test (``first_loan_rule.any_history_first_loan_sql``, read by
``metrics.history_first_loans``) agrees with the rule's own relation (``first_loan_ids_relation``) on random loan
histories: flags on some loans, several snapshots, loans drawn before and in the year, 转贴现/委托 loans, customers
with and without ``first_credit_date``.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.engine.first_loan_rule import any_history_first_loan_sql, first_loan_ids_relation

AS_OF = date(2026, 3, 31)
DAYS = [date(2025, 12, 31), date(2026, 2, 28), AS_OF, date(2026, 4, 30)]
PARAMS = [AS_OF, AS_OF, date(2026, 1, 1), AS_OF]
DRAWN = st.one_of(st.none(), st.dates(date(2025, 10, 1), date(2026, 4, 30)))

loan = st.tuples(
    st.sampled_from(DAYS),  # as_of
    st.integers(0, 5),  # customer
    st.integers(0, 8),  # loan id
    DRAWN,
    st.sampled_from([None, None, None, True, False]),  # is_first_loan
    st.sampled_from([None, "corporate", "corporate", "bill_rediscount"]),
    st.sampled_from([None, False, False, True]),  # is_entrusted
)
customer = st.tuples(st.integers(0, 5), st.one_of(st.none(), st.integers(-200, 100)))


def _con(loans: list[tuple], customers: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.register("loans", pa.table({
        "as_of": pa.array([r[0] for r in loans], pa.date32()),
        "customer_id": pa.array([f"K{r[1]}" for r in loans], pa.string()),
        "loan_id": pa.array([f"L{r[2]}" for r in loans], pa.string()),
        "drawdown_date": pa.array([r[3] for r in loans], pa.date32()),
        "is_first_loan": pa.array([r[4] for r in loans], pa.bool_()),
        "business_type": pa.array([r[5] for r in loans], pa.string()),
        "is_entrusted": pa.array([r[6] for r in loans], pa.bool_()),
    }))
    con.register("customers", pa.table({
        "as_of": pa.array([AS_OF] * len(customers), pa.date32()),
        "customer_id": pa.array([f"K{c}" for c, _ in customers], pa.string()),
        "first_credit_date": pa.array([None if d is None else date(2026, 1, 1) + timedelta(days=d)
                                       for _, d in customers], pa.date32()),
    }))
    return con


@settings(max_examples=300, deadline=None)
@given(st.lists(loan, max_size=14), st.lists(customer, max_size=6, unique_by=lambda c: c[0]))
def test_any_first_loan_test_agrees_with_the_rule(loans: list[tuple], customers: list[tuple]) -> None:
    con = _con(loans, customers)
    rule = con.execute(f"SELECT count(*) FROM {first_loan_ids_relation()} AS f", PARAMS).fetchone()[0]
    cheap = con.execute(f"SELECT count(*) FROM ({any_history_first_loan_sql()}) AS x", PARAMS).fetchone()[0]
    assert cheap == min(rule, 1)


def test_a_customer_drawing_first_this_year_is_found_and_an_older_one_is_not() -> None:
    loans = [(AS_OF, 1, 1, date(2026, 2, 1), None, "corporate", False),
             (AS_OF, 2, 2, date(2026, 2, 1), None, "corporate", False),
             (AS_OF, 2, 3, date(2025, 11, 1), None, "corporate", False)]
    assert _con(loans, []).execute(any_history_first_loan_sql(), PARAMS).fetchall() == [(1,)]
    # K1's first credit predates its loan: no loan of ours is its first one
    assert _con(loans, [(1, -30)]).execute(any_history_first_loan_sql(), PARAMS).fetchall() == []
    # a flag on any own loan makes the flags decide
    flagged = [*loans[:1], (AS_OF, 1, 4, date(2026, 3, 1), False, "corporate", False)]
    assert _con(flagged, []).execute(any_history_first_loan_sql(), PARAMS).fetchall() == []
