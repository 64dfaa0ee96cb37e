"""Property: the 中长期 test by day count (``engine.metrics.longer_than_a_year_sql``: the indicators' filter
``mid_long_term`` and the NFRA partial sums) is the calendar test ``matures > drawn + INTERVAL 12 MONTH`` for every
pair of dates — leap days, month ends, terms around a year, negative terms and missing dates included."""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.engine.metrics import longer_than_a_year_sql

DATES = st.dates(min_value=date(1995, 1, 1), max_value=date(2045, 12, 31))
# terms near one year (where the calendar decides) and anywhere
TERMS = st.one_of(st.integers(min_value=360, max_value=372), st.integers(min_value=-800, max_value=4000))
PAIRS = st.lists(st.one_of(st.tuples(DATES, TERMS).map(lambda p: (p[0], p[0] + timedelta(days=p[1]))),
                           st.tuples(st.none() | DATES, st.none() | DATES)), min_size=1, max_size=60)
LEAP = [date(2024, 2, 29), date(2023, 3, 1), date(2023, 2, 28), date(2024, 2, 28), date(2024, 3, 1),
        date(2025, 2, 28), date(2025, 3, 1), date(2020, 1, 31), date(2019, 12, 31), date(2100, 2, 28)]


def _both(pairs: list[tuple[date | None, date | None]]) -> list[tuple[object, object]]:
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE t (n INTEGER, drawn DATE, matures DATE)")
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(n, a, b) for n, (a, b) in enumerate(pairs)])
        return con.execute(f"SELECT t.matures > t.drawn + INTERVAL 12 MONTH, {longer_than_a_year_sql('t.drawn', 't.matures')} "
                           "FROM t ORDER BY n").fetchall()
    finally:
        con.close()


@settings(max_examples=150, deadline=None)
@given(PAIRS)
def test_the_day_count_test_is_the_calendar_test(pairs: list[tuple[date | None, date | None]]) -> None:
    assert all(plain is short for plain, short in _both(pairs))  # TRUE, FALSE or NULL alike


def test_the_day_count_test_around_leap_days() -> None:
    pairs = [(d, d + timedelta(days=k)) for d in LEAP for k in range(363, 369)]
    got = _both(pairs)
    assert all(plain is short for plain, short in got)
    assert {plain for plain, _ in got} == {True, False}  # both answers met at exactly 366 days
    assert any(plain for (d, m), (plain, _) in zip(pairs, got, strict=True) if (m - d).days == 366)
    assert any(not plain for (d, m), (plain, _) in zip(pairs, got, strict=True) if (m - d).days == 366)
