"""The recurring batch's SQL is portable (runs without Java): every statement of the batch, of one account and of
the stale-mandate search keeps to the allow-list and transpiles to Spark SQL; and the portable spellings that
replaced DuckDB-only functions give, on DuckDB, exactly what those functions gave (so the DuckDB results did not
change): the lower median by row number = ``quantile_disc(x, 0.5)``, the half-to-even anchor day in integers =
``CAST(median(day) AS INTEGER)``, ``floor(x·100 + 0.5) / 100`` = ``round(x, 2)`` for every confidence value, and
the most frequent mandate id with ties to the smallest = ``mode`` where there is no tie."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.engine import dialect
from wupian.engine import recurring as rec
from wupian.engine import recurring_shape_sql as qf
from wupian.engine import recurring_sql as q
from wupian.engine import recurring_stale_sql as qs
from wupian.engine.sql_allow import allow_list
from wupian.engine.warehouse import Warehouse

STEPS = (q.RAW_ALL, q.ACCOUNT_ROWS, q.RAW_ONE, q.NAMES, q.KEYED, q.CAND, q.GAPS, q.PAIRS, q.FIT, q.BEST,
         qf.STREAMS_ALL, qf.STREAMS_ONE, qf.SHAPED, qf.FINAL, qs.STALE_ALL, qs.STALE_ONE)


def _one_account_query() -> str:
    steps = tuple(("", sql, {}) for sql in (q.ACCOUNT_ROWS, q.RAW_ONE, q.NAMES, q.KEYED, q.CAND, q.GAPS, q.PAIRS,
                                             q.FIT, q.BEST, qf.STREAMS_ONE, qf.SHAPED))
    return rec._as_one_query(steps)


@pytest.mark.parametrize("sql", [*STEPS, _one_account_query()], ids=lambda s: s.strip().split("\n")[0][:50])
def test_statement_is_portable(sql: str) -> None:
    assert dialect.functions_used(sql) <= allow_list().portable
    out = dialect.to_spark(sql)  # raises NotPortable on a construct with a different meaning on Spark
    assert len(out) == 1
    for word in ("HASH(", "ROWID", "QUALIFY", "EXCLUDE", "MODE(", "DATE_TRUNC", "PERCENTILE_DISC"):
        assert word not in out[0].upper()


@pytest.fixture(scope="module")
def duck() -> Warehouse:
    return Warehouse(":memory:")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(-500_00, 500_00), min_size=1, max_size=15))
def test_lower_median_by_row_number_is_quantile_disc(duck: Warehouse, cents: list[int]) -> None:
    values = ", ".join(f"(CAST({c / 100:.2f} AS DECIMAL(18, 2)))" for c in cents)
    row = duck.rows(f"""
        SELECT quantile_disc(x, 0.5) AS want, MAX(x) FILTER (WHERE 2 * arn <= cnt + 1) AS got
        FROM (SELECT x, ROW_NUMBER() OVER (ORDER BY x) AS arn, COUNT(*) OVER () AS cnt
              FROM (VALUES {values}) t(x)) r""")[0]
    assert row["got"] == row["want"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 31), min_size=1, max_size=15))
def test_anchor_day_in_integers_is_the_cast_median(duck: Warehouse, days: list[int]) -> None:
    values = ", ".join(f"({d})" for d in days)
    row = duck.rows(f"""
        SELECT CAST(median(x) AS INTEGER) AS want,
               CAST((d2 + CASE d2 % 4 WHEN 3 THEN 1 WHEN 1 THEN -1 ELSE 0 END) / 2 AS INTEGER) AS got
        FROM (SELECT median(x) AS m, CAST(2 * median(x) AS BIGINT) AS d2 FROM (VALUES {values}) t(x)) a,
             (VALUES {values}) t(x)
        GROUP BY d2""")[0]
    assert row["got"] == row["want"]


@settings(max_examples=200, deadline=None)
@given(st.floats(0.005, 1.0, allow_nan=False))
def test_confidence_rounding_is_round_2(duck: Warehouse, x: float) -> None:
    row = duck.rows("SELECT round(CAST(? AS DOUBLE), 2) AS want, floor(CAST(? AS DOUBLE) * 100 + 0.5) / 100 AS got",
                    [x, x])[0]
    assert row["got"] == row["want"]


def test_round_2_of_a_double_is_not_portable_but_the_floor_form_is(duck: Warehouse) -> None:
    # Spark rounds the shortest decimal text of a double (1.005 → 1.01); DuckDB the binary value (→ 1.0). The
    # engine's form floor(x·100 + 0.5) / 100 is plain IEEE arithmetic, the same on both (tests/spark).
    assert duck.scalar("SELECT round(CAST(1.005 AS DOUBLE), 2)") == 1.0
    assert duck.scalar("SELECT floor(CAST(1.005 AS DOUBLE) * 100 + 0.5) / 100") == 1.0


def test_most_frequent_mandate_ties_to_the_smallest_id(duck: Warehouse) -> None:
    sql = """
        SELECT mandate_id FROM (
          SELECT mandate_id, ROW_NUMBER() OVER (ORDER BY uses DESC, mandate_id) AS pick
          FROM (SELECT mandate_id, COUNT(*) AS uses FROM (VALUES {v}) t(mandate_id) GROUP BY mandate_id) c) r
        WHERE pick = 1"""
    assert duck.scalar(sql.format(v="('M2'), ('M1'), ('M2')")) == "M2"  # as mode(): the most frequent
    assert duck.scalar(sql.format(v="('M2'), ('M1')")) == "M1"  # a tie: the smallest id, on every engine


def test_the_prefix_pattern_must_be_anchored() -> None:
    # stripped with 'g' (portable): only an anchored pattern keeps the one-match meaning
    assert rec.DetectionParams(prefix_pattern="^(?:支付宝)+").prefix_pattern.startswith("^")
    with pytest.raises(ValueError, match="anchored"):
        rec.DetectionParams(prefix_pattern="支付宝")


def test_one_account_query_has_unique_cte_names() -> None:
    # sqlglot lifts the steps' inner CTEs to the top of the Spark statement, and Spark refuses a name twice
    import sqlglot
    from sqlglot import exp

    tree = sqlglot.parse_one(dialect.to_spark(_one_account_query())[0], read="spark")
    names = [c.alias for c in tree.find_all(exp.CTE)]
    assert len(names) == len(set(names)) > 20
