"""Named windows on the way to Spark (wupian.engine.dialect): ``OVER w`` with ``WINDOW w AS (…)`` is written out
in each OVER before the other rewrites, so ``row_number()``'s added order never replaces an order the named window
already has, and Spark never sees ``OVER (w ORDER BY …)`` (its grammar cannot extend a name).

Two expectations per case: the Spark text (what the rewrite must produce) and, on DuckDB, that the inlined SQL
returns exactly the rows of the original (a named window is a textual shorthand: inlining must keep the meaning)."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.engine import dialect


def _spark(sql: str) -> str:
    (out,) = dialect.to_spark(sql)
    return out


def _inlined_duckdb(sql: str) -> str:
    """Only the named-window expansion, written back in DuckDB's dialect (runnable on DuckDB)."""
    (tree,) = dialect.parse(sql)
    return tree.transform(dialect._named_windows).sql(dialect.READ)


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    c = duckdb.connect()
    c.execute("CREATE TABLE t AS SELECT CAST(i % 3 AS INTEGER) AS a, CAST(i AS INTEGER) AS b, "
              "CAST((i * 7) % 5 AS INTEGER) AS c, CAST(i * 10 AS INTEGER) AS x FROM range(12) r(i)")
    return c


@pytest.mark.parametrize(("duck", "spark"), [
    # the bug: the named window's ORDER BY was ignored and a second, arbitrary order added inside the OVER
    ("SELECT row_number() OVER w AS rn FROM t WINDOW w AS (PARTITION BY a ORDER BY b)",
     "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b NULLS LAST) AS rn FROM t"),
    ("SELECT row_number() OVER (w) AS rn FROM t WINDOW w AS (ORDER BY b DESC)",
     "SELECT ROW_NUMBER() OVER (ORDER BY b DESC) AS rn FROM t"),
    # a named window without an order: the partition kept, the order added next to it
    ("SELECT row_number() OVER w AS rn FROM t WINDOW w AS (PARTITION BY a)",
     "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY MONOTONICALLY_INCREASING_ID() NULLS LAST) AS rn FROM t"),
    # an OVER that extends the name with its own order (Spark cannot parse `OVER (w ORDER BY b)`)
    ("SELECT row_number() OVER (w ORDER BY b) AS rn FROM t WINDOW w AS (PARTITION BY a)",
     "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b NULLS LAST) AS rn FROM t"),
    # a window defined on another one
    ("SELECT row_number() OVER v AS rn FROM t WINDOW w AS (PARTITION BY a), v AS (w ORDER BY c, b)",
     "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY c NULLS LAST, b NULLS LAST) AS rn FROM t"),
    # other functions keep the named window's spec exactly, frame included
    ("SELECT sum(x) OVER (w ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM t WINDOW w AS (ORDER BY b)",
     "SELECT SUM(x) OVER (ORDER BY b NULLS LAST ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM t"),
    # row_number() ignores a frame on DuckDB; Spark refuses any but its default, so it goes
    ("SELECT row_number() OVER w AS rn FROM t WINDOW w AS (ORDER BY b ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING)",
     "SELECT ROW_NUMBER() OVER (ORDER BY b NULLS LAST) AS rn FROM t"),
    # unnamed windows are as before
    ("SELECT row_number() OVER () AS rn FROM t",
     "SELECT ROW_NUMBER() OVER (ORDER BY MONOTONICALLY_INCREASING_ID() NULLS LAST) AS rn FROM t"),
    ("SELECT row_number() OVER (PARTITION BY a ORDER BY b) AS rn FROM t",
     "SELECT ROW_NUMBER() OVER (PARTITION BY a ORDER BY b NULLS LAST) AS rn FROM t"),
])
def test_named_windows_are_written_out(duck: str, spark: str) -> None:
    assert _spark(duck) == spark


def test_each_select_sees_only_its_own_window_clause() -> None:
    sql = ("SELECT a, row_number() OVER w AS rn, (SELECT count(*) FROM (SELECT row_number() OVER w2 AS r FROM t "
           "WINDOW w2 AS (ORDER BY c)) q) AS n FROM t WINDOW w AS (PARTITION BY a ORDER BY b)")
    out = _spark(sql)
    assert "WINDOW" not in out
    assert "ROW_NUMBER() OVER (PARTITION BY a ORDER BY b NULLS LAST) AS rn" in out
    assert "ROW_NUMBER() OVER (ORDER BY c NULLS LAST) AS r" in out
    assert "MONOTONICALLY" not in out


def test_qualify_and_order_by_use_the_named_window_too() -> None:
    out = _spark("SELECT a, b FROM t WINDOW w AS (PARTITION BY a ORDER BY b DESC) "
                 "QUALIFY row_number() OVER w = 1 ORDER BY a")
    assert "ROW_NUMBER() OVER (PARTITION BY a ORDER BY b DESC)" in out
    assert "MONOTONICALLY" not in out and "WINDOW" not in out


@pytest.mark.parametrize(("duck", "message"), [
    ("SELECT row_number() OVER w FROM t", 'row_number\\(\\) OVER w: the window is not defined'),
    ("SELECT row_number() OVER v FROM t WINDOW w AS (ORDER BY b)", 'window "v" is not defined'),
    ("SELECT sum(x) OVER v FROM t WINDOW w AS (ORDER BY b)", 'window "v" is not defined'),
    ("SELECT row_number() OVER (w ORDER BY a) FROM t WINDOW w AS (ORDER BY b)", 'overrides the order of window "w"'),
    ("SELECT 1 FROM t WINDOW w AS (v), v AS (w)", 'window "w" is defined through itself'),
])
def test_what_has_no_exact_meaning_is_refused(duck: str, message: str) -> None:
    with pytest.raises(dialect.NotPortable, match=message):
        dialect.to_spark(duck)


def test_a_window_call_in_a_subquery_cannot_see_the_outer_window_clause(con: duckdb.DuckDBPyConnection) -> None:
    """The same SQL fails on DuckDB ("window w does not exist"): refusing it keeps the engines alike."""
    sql = "SELECT (SELECT max(r) FROM (SELECT row_number() OVER w AS r FROM t) q) FROM t WINDOW w AS (ORDER BY b)"
    with pytest.raises(duckdb.ParserException):
        con.execute(sql)
    with pytest.raises(dialect.NotPortable):
        dialect.to_spark(sql)


# -- the expansion keeps DuckDB's result: generated named-window queries, run both ways -------------------------
_PARTS = st.fixed_dictionaries({
    "partition": st.sampled_from(["", "PARTITION BY a", "PARTITION BY a, c"]),
    "order": st.sampled_from(["", "ORDER BY b", "ORDER BY c DESC, b", "ORDER BY x DESC"]),
})
_FUNCTIONS = st.sampled_from(["row_number()", "sum(x)", "count(*)", "lag(x)", "max(x)", "rank()"])  # allow-listed


def _spec(parts: dict[str, str]) -> str:
    return " ".join(p for p in (parts["partition"], parts["order"]) if p)


_ORDER_SENSITIVE = {"row_number()", "lag(x)"}


@st.composite
def _queries(draw: st.DrawFn) -> tuple[str, bool]:
    """A query over named windows and whether its result is determined (every order-sensitive call ordered by a
    unique key: b and x are unique in ``t``)."""
    base = draw(_PARTS)
    calls, determined = [], True
    for i in range(draw(st.integers(1, 3))):
        fn = draw(_FUNCTIONS)
        form = draw(st.sampled_from(["name", "paren", "extend", "frame", "derived"]))
        ordered = bool(base["order"])
        if form == "extend" and not base["order"]:
            over, ordered = "(w ORDER BY b DESC)", True
        elif form == "frame" and base["order"] and fn in {"sum(x)", "count(*)"}:
            over = "(w ROWS BETWEEN 2 PRECEDING AND CURRENT ROW)"
        elif form == "derived":
            over, ordered = "v", True
        else:
            over = "(w)" if form == "paren" else "w"
        determined = determined and (ordered or fn not in _ORDER_SENSITIVE)
        calls.append(f"{fn} OVER {over} AS f{i}")
    v = "v AS (w)" if base["order"] else "v AS (w ORDER BY b)"
    sql = f"SELECT a, b, c, x, {', '.join(calls)} FROM t WINDOW w AS ({_spec(base)}), {v} ORDER BY b"
    return sql, determined


@settings(max_examples=80, deadline=None)
@given(_queries())
def test_inlining_keeps_the_duckdb_result(con: duckdb.DuckDBPyConnection, query: tuple[str, bool]) -> None:
    sql, determined = query
    inlined = _inlined_duckdb(sql)
    assert "WINDOW" not in inlined
    want, got = con.execute(sql).fetchall(), con.execute(inlined).fetchall()
    if determined:
        assert got == want, (sql, inlined)
    else:  # ties numbered arbitrarily on both sides: the same rows less the window columns
        assert [r[:4] for r in got] == [r[:4] for r in want]
    assert "WINDOW" not in _spark(sql)
