"""Statement level: every statement a DuckDB run of classify + indicators executes on the golden report bank
(captured with its bound parameters through ``WUPIAN_SQL_LOG``) is replayed in order on a DuckDB copy and on
Spark, and each statement's result (a query's rows, a write's resulting table) must be identical; a failure names
the first diverging statement. Two planted differences — a shim turned off and a shim that changes a value —
show that the harness does fail, and where."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from sqlglot import exp

from support import sql_replay
from support.golden_bank import load_bank
from wupian.engine import dialect
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.rules import classify_snapshot

AS_OF = date(2026, 3, 31)
PROFILE = "pboc_2025"  # the end-to-end test runs both profiles; one is enough statement by statement


def _run(wh: Warehouse) -> None:
    classify_snapshot(wh, AS_OF, PROFILE)
    compute_indicators(wh, AS_OF, profile=PROFILE, store=True)


@pytest.fixture(scope="module")
def captured(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Any]]:
    """The bank before the run (a DuckDB file) and the events of the captured run."""
    work = tmp_path_factory.mktemp("replay")
    with Warehouse(work / "start.duckdb") as wh:
        load_bank(wh)
    sql_replay.copy_db(work / "start.duckdb", work / "run.duckdb")
    events = sql_replay.capture(work / "run.duckdb", work / "sql.jsonl", _run)
    return work / "start.duckdb", events


@pytest.fixture
def pair(captured: tuple[Path, list[Any]], tmp_path: Path) -> Iterator[tuple[Any, Any]]:
    """A DuckDB copy and a Spark warehouse, both holding the bank as it was before the captured run."""
    from wupian.engine.spark_publish import copy_warehouse
    from wupian.engine.spark_warehouse import SparkWarehouse

    start, _ = captured
    duck = Warehouse(sql_replay.copy_db(start, tmp_path / "replay.duckdb"))
    sw = SparkWarehouse(tmp_path / "spark-wh")
    copy_warehouse(duck, sw)
    yield duck, sw
    sw.close()
    duck.close()


def test_every_statement_gives_the_same_result(captured: tuple[Path, list[Any]], pair: tuple[Any, Any]) -> None:
    _, events = captured
    duck, sw = pair
    report = sql_replay.replay(events, duck.con, sw.con)
    assert report.divergence is None, str(report.divergence)
    assert report.replayed == sum(1 for e in events if e.sql is not None) > 100
    assert report.queries > 20 and report.writes > 10
    assert any(e.register for e in events)  # registered Arrow tables are part of the log and replayed


def _first(events: list[Any], pred: Callable[[exp.Expression], bool]) -> int:
    """The 1-based index (among statements) of the first statement with a node matching ``pred``."""
    statements = [e.sql for e in events if e.sql is not None]
    for i, sql in enumerate(statements, 1):
        if any(pred(n) for t in dialect.parse(sql) for n in t.walk()):
            return i
    raise AssertionError("no statement matches")


def test_a_shim_turned_off_is_named(captured: tuple[Path, list[Any]], pair: tuple[Any, Any],
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Without the ``list_has_any`` → ``arrays_overlap`` rewrite Spark refuses the statement (``a && b`` on arrays):
    the replay stops at the first statement that has one and says it fails on Spark only."""
    _, events = captured
    duck, sw = pair
    monkeypatch.setattr(dialect, "SHIMS", tuple(s for s in dialect.SHIMS if s is not dialect._list_has_any))
    want = _first(events, lambda n: isinstance(n, exp.ArrayOverlaps))
    div = sql_replay.replay(events, duck.con, sw.con).divergence
    assert div is not None
    assert div.index == want, str(div)
    assert "fails on Spark only" in div.reason
    assert f"statement #{want} of " in str(div) and "SQL: " in str(div)


def _upper_is_lower(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Upper):
        return exp.Lower(this=node.this)
    return node


def test_a_silently_different_value_is_named_with_a_row(captured: tuple[Path, list[Any]], pair: tuple[Any, Any],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """A test-only dialect variant that turns ``upper`` into ``lower`` runs without error; the replay names the
    first statement using it (the customers' temp table: industry sections come out different) and shows a row
    on each side."""
    _, events = captured
    duck, sw = pair
    monkeypatch.setattr(dialect, "SHIMS", (*dialect.SHIMS, _upper_is_lower))
    want = _first(events, lambda n: isinstance(n, exp.Upper))
    div = sql_replay.replay(events, duck.con, sw.con).divergence
    assert div is not None
    assert div.index == want, str(div)
    assert "upper(" in div.sql.lower()
    assert div.duckdb_only and div.spark_only, str(div)
    assert "DuckDB only" in str(div) and "Spark only" in str(div)


def test_values_compare_exactly() -> None:
    """The comparison itself (no Spark): an integer equals a scale-0 decimal; scale does not matter, a float
    never equals a decimal, NULL only NULL, and row order counts only for ordered results."""
    assert sql_replay.norm(5) == sql_replay.norm(Decimal("5")) == sql_replay.norm(Decimal("5.00"))
    assert sql_replay.norm(0.5) != sql_replay.norm(Decimal("0.5"))
    assert sql_replay.norm(None) != sql_replay.norm("")
    a = pa.table({"k": ["x", "y"], "v": [Decimal("1.00"), None]})
    b = pa.table({"k": ["y", "x"], "v": [None, Decimal("1")]})
    assert sql_replay.diff_tables(a, b, ordered=False) is None
    assert sql_replay.diff_tables(a, b, ordered=True) is not None
    c = pa.table({"k": ["x", "y"], "v": [Decimal("1.01"), None]})
    reason, only_d, only_s = sql_replay.diff_tables(a, c, ordered=False)
    assert only_d == [("s:x", "n:1")] and only_s == [("s:x", "n:1.01")]
    assert sql_replay.diff_tables(a, pa.table({"key": ["x", "y"], "v": [Decimal(1), None]}), ordered=False)


def test_rows_tying_on_the_sort_key_may_come_in_any_order() -> None:
    """``ORDER BY 1`` with two rows of the same key: either order is right; a different key sequence is not."""
    tree = dialect.parse("SELECT k, v FROM t ORDER BY 1")[0]
    a = pa.table({"k": ["x", "x", "y"], "v": [1, 2, 3]})
    b = pa.table({"k": ["x", "x", "y"], "v": [2, 1, 3]})
    c = pa.table({"k": ["x", "y", "x"], "v": [1, 3, 2]})
    assert sql_replay.sort_keys(tree, a.column_names) == [0]
    assert sql_replay.diff_tables(a, b, ordered=[0]) is None
    assert sql_replay.diff_tables(a, c, ordered=[0]) is not None
    assert sql_replay.sort_keys(dialect.parse("SELECT k FROM t ORDER BY v + 1")[0], ["k"]) is True
    assert sql_replay.sort_keys(dialect.parse("SELECT k FROM t")[0], ["k"]) is False
