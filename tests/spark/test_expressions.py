"""Expression level: every literal edge case of every portable function in sql_functions.yaml gives the same
value, with the same scale, on DuckDB and (transpiled) on Spark — NULLs, zero denominators, rounding ties,
29 February and month-ends, balances near the DECIMAL(38,2) limit. One Spark query per function."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from wupian.engine.sql_allow import allow_list
from wupian.engine.warehouse import Warehouse

FUNCTIONS = [f for f in allow_list().functions if f.portable and f.cases]

# Operators and casts the engine relies on, beyond named functions (same rules: identical on both engines).
OPERATORS = (
    "CAST(CAST(123456789012345678901234567890123.45 AS DECIMAL(38,2)) * 100 AS HUGEINT)",
    "CAST(7 AS HUGEINT) // CAST(2 AS HUGEINT)",
    "CAST(123456789012345678901234 AS HUGEINT) // CAST(1000000 AS HUGEINT)",
    "CAST(10 AS HUGEINT) // nullif(CAST(0 AS HUGEINT), 0)",
    "CAST(7 AS HUGEINT) % CAST(3 AS HUGEINT)",
    "CAST(1.10 AS DECIMAL(38,2)) * CAST(3.333333 AS DECIMAL(38,6))",
    "CAST(0.05 AS DECIMAL(38,2)) + CAST(0.10 AS DECIMAL(38,2))",
    # date ± interval is a TIMESTAMP on DuckDB and a DATE on Spark: the engine only compares it with dates
    "DATE '2024-02-29' = DATE '2024-01-31' + INTERVAL 1 MONTH",
    "DATE '2023-02-28' = DATE '2024-02-29' - INTERVAL 12 MONTH",
    "DATE '2025-03-31' > DATE '2024-02-29' + INTERVAL 12 MONTH",
    "CAST('2024-02-29' AS DATE)",
    "'a' || 'b'",
    "'x' || NULL",
    "CASE WHEN CAST(NULL AS BOOLEAN) THEN 1 ELSE 2 END",
    "NOT (NULL IS NULL)",
    "'C3511' LIKE 'C35%'",
    # the recurring batch: a date plus whole days, integer remainders, integer / integer is a DOUBLE on both
    "CAST(DATE '2024-02-28' + CAST(1 AS INTEGER) AS DATE)",
    "CAST(DATE '2024-03-01' + CAST(-1 AS INTEGER) AS DATE)",
    "CAST(DATE '2023-12-31' + CAST(60 AS INTEGER) AS DATE)",
    "CAST(59 AS BIGINT) % 4",
    "CAST(-7 AS BIGINT) % 4",
    "CAST(5 AS BIGINT) / CAST(7 AS BIGINT)",
    "(SELECT CAST(SUM(x) AS DOUBLE) / COUNT(*) FROM (VALUES (1), (0), (1)) t(x))",
    "(SELECT CAST(SUM((x * 1000000000 + 7) // 14) AS DOUBLE) / (CAST(COUNT(*) AS DOUBLE) * 1000000000)"
    " FROM (VALUES (CAST(3 AS BIGINT)), (CAST(11 AS BIGINT))) t(x))",
)


def _plain(v: Any) -> Any:
    """A value compared with its scale: Decimal('1.50') differs from Decimal('1.5')."""
    if isinstance(v, Decimal):  # HUGEINT reaches Python as int from DuckDB, DECIMAL(38,0) from Spark
        return int(v) if v.as_tuple().exponent == 0 else ("decimal", str(v))
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    return v


def _values(wh: Any, cases: list[str]) -> list[Any]:
    sql = "SELECT " + ", ".join(f"{c} AS c{i}" for i, c in enumerate(cases))
    return [_plain(v) for v in wh.rows(sql)[0].values()]


@pytest.fixture(scope="module")
def results(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[Any], Any]]:
    """name → (DuckDB values, Spark values or the Spark error): every case in one Spark query when it runs,
    else one query per function so that each failure names its function."""
    from wupian.engine.spark_warehouse import SparkWarehouse

    groups = {f.name: list(f.cases) for f in FUNCTIONS}
    groups["operators"] = list(OPERATORS)
    with Warehouse(":memory:") as duck:
        want = {name: _values(duck, cases) for name, cases in groups.items()}
    wh = SparkWarehouse(tmp_path_factory.mktemp("expr") / "wh")
    out: dict[str, tuple[list[Any], Any]] = {}
    try:
        names = list(groups)
        flat = [c for n in names for c in groups[n]]
        try:
            got, i = _values(wh, flat), 0
            for n in names:
                out[n] = (want[n], got[i:i + len(groups[n])])
                i += len(groups[n])
        except Exception:  # noqa: BLE001 - find which function fails
            for n in names:
                try:
                    out[n] = (want[n], _values(wh, groups[n]))
                except Exception as exc:  # noqa: BLE001 - reported by the function's test
                    out[n] = (want[n], exc)
    finally:
        wh.close()
    return out


def _check(name: str, cases: list[str], result: tuple[list[Any], Any]) -> None:
    want, got = result
    assert not isinstance(got, Exception), f"{name} fails on Spark: {got}"
    for case, w, g in zip(cases, want, got, strict=True):
        assert g == w, f"{name}: {case}: DuckDB {w!r}, Spark {g!r}"


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.name)
def test_function_equal_on_both_engines(results: dict[str, Any], fn: Any) -> None:
    _check(fn.name, list(fn.cases), results[fn.name])


def test_operators_equal_on_both_engines(results: dict[str, Any]) -> None:
    _check("operators", list(OPERATORS), results["operators"])


def test_an_overflowing_quotient_fails_loudly(spark_wh: Any) -> None:
    """Spark's DIV would wrap to a wrong BIGINT; the dialect's guard raises instead of giving a figure."""
    with pytest.raises(Exception, match="overflow|BIGINT|ARITHMETIC"):
        spark_wh.scalar("SELECT CAST(99999999999999999999999999 AS HUGEINT) // CAST(1 AS HUGEINT)")


def test_row_number_over_a_named_window_keeps_its_order(spark_wh: Any) -> None:
    """``OVER w`` with ``WINDOW w AS (PARTITION BY … ORDER BY …)``: numbered by the named window's order on both
    engines (the dialect once added an arbitrary order inside it); a name without an order gets one beside it."""
    rows = "(VALUES (1, 3, 10), (1, 1, 20), (2, 2, 30), (1, 2, 40), (2, 5, 50)) t(a, b, x)"
    sql = (f"SELECT a, b, row_number() OVER w AS rn, row_number() OVER (v ORDER BY x DESC) AS rv, "
           f"sum(x) OVER w AS run, count(*) OVER v AS n FROM {rows} "
           "WINDOW w AS (PARTITION BY a ORDER BY b DESC), v AS (PARTITION BY a) ORDER BY a, b")
    with Warehouse(":memory:") as duck:
        want = duck.rows(sql)
    assert [r["rn"] for r in want] == [3, 2, 1, 2, 1]
    assert spark_wh.rows(sql) == want
