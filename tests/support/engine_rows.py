"""Comparing one query's rows on DuckDB and on Spark, no tolerance (the Spark conformance tests share it)."""

from __future__ import annotations

from typing import Any


def assert_same_rows(duck: Any, sw: Any, sql: str, params: list[Any] | None = None) -> int:
    """Run ``sql`` on both warehouses and assert the same column names and the same rows in the same order;
    returns the number of rows. The failure names the first differing row."""
    want, got = duck.arrow(sql, params), sw.arrow(sql, params)
    assert got.column_names == want.column_names
    w, g = want.to_pylist(), got.to_pylist()
    for i, (a, b) in enumerate(zip(w, g, strict=False)):
        assert b == a, f"row {i} of {sql!r}: DuckDB {a}, Spark {b}"
    assert len(g) == len(w), f"{sql!r}: {len(w)} rows on DuckDB, {len(g)} on Spark"
    return len(w)
