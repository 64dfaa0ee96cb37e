"""The recurring-debit batch on Spark: the same SQL gives the same streams as DuckDB, every column, no tolerance.

The transactions are the benchmark's generator (``wupian.demo.transactions``, the demo bank's events: planted
streams with price changes, skips, weekend shifts, amount bands, mandates by id and by name, noise) for a few
accounts over 13 months, loaded into DuckDB and copied into a Spark warehouse. On both engines: the bank-wide
batch (every stream, in the same order) and the stale-mandate search (all, and one account's). One account's
streams (the teller view) stay on DuckDB and are refused on Spark with a usage error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from wupian.engine.spark_publish import copy_warehouse
from wupian.engine.warehouse import Warehouse
from wupian.monitor.recurring import stale_mandates_table, streams_table

END = date(2026, 3, 31)
ACCOUNTS = [f"6222020{i:09d}" for i in range(24)]


def _typed(v: Any) -> Any:
    """A value with its type: a float never equals a Decimal or an int, Decimal('1.50') differs from '1.5'."""
    if isinstance(v, Decimal):
        return ("decimal", str(v))
    return (type(v).__name__, v)


def _assert_same(want: pa.Table, got: pa.Table, key: str) -> None:
    assert got.column_names == want.column_names
    assert got.num_rows == want.num_rows
    for i, (a, b) in enumerate(zip(want.to_pylist(), got.to_pylist(), strict=True)):
        diff = {c: (a[c], b[c]) for c in a if _typed(a[c]) != _typed(b[c])}
        assert not diff, f"row {i} ({a[key]}): DuckDB vs Spark {diff}"


@pytest.fixture(scope="module")
def engines(spark: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Warehouse, Any]]:
    from wupian.demo.transactions import generate_event_tables
    from wupian.engine.spark_warehouse import SparkWarehouse

    tables = generate_event_tables(ACCOUNTS, seed=7, end=END, months=13)
    duck = Warehouse(":memory:")
    for name in ("transactions", "mandates", "merchants"):
        duck.register("_in", getattr(tables, name))
        duck.execute(f"INSERT INTO {name} BY NAME SELECT * FROM _in")
        duck.unregister("_in")
    sw = SparkWarehouse(tmp_path_factory.mktemp("recurring") / "wh")
    copy_warehouse(duck, sw)
    yield duck, sw
    sw.close()
    duck.close()


def test_batch_identical(engines: tuple[Warehouse, Any]) -> None:
    duck, sw = engines
    want = streams_table(duck, as_of=END)
    # real-shaped: many streams of every cadence and amount pattern, with and without a mandate on file
    assert want.num_rows > 50
    rows = want.to_pylist()
    assert {r["cadence"] for r in rows} >= {"monthly", "quarterly", "annual", "weekly"}
    assert {r["amount_pattern"] for r in rows} >= {"fixed", "variable"}
    assert {r["mandate_on_file"] for r in rows} == {True, False}
    _assert_same(want, streams_table(sw, as_of=END), "stream_key")


def test_stale_mandates_identical(engines: tuple[Warehouse, Any]) -> None:
    duck, sw = engines
    want = stale_mandates_table(duck, as_of=END, idle_months=1)
    # never used, and used but idle since: both kinds, on several accounts
    assert {r["last_used"] is None for r in want.to_pylist()} == {True, False}
    _assert_same(want, stale_mandates_table(sw, as_of=END, idle_months=1), "mandate_id")
    account = want.column("account_id")[0].as_py()  # one account's list: the same SQL with the account filter
    one = stale_mandates_table(duck, as_of=END, idle_months=1, account_id=account)
    assert 0 < one.num_rows < want.num_rows
    _assert_same(one, stale_mandates_table(sw, as_of=END, idle_months=1, account_id=account), "mandate_id")


def test_one_account_is_refused_clearly(engines: tuple[Warehouse, Any]) -> None:
    # the teller view stays on DuckDB (docs/spark.md): a located usage error, not a Spark failure
    from wupian.core.errors import UsageError

    duck, sw = engines
    assert streams_table(duck, ACCOUNTS[3], as_of=END).num_rows > 0
    with pytest.raises(UsageError, match="teller view"):
        streams_table(sw, ACCOUNTS[3], as_of=END)


def test_account_known_identical(engines: tuple[Warehouse, Any]) -> None:
    from wupian.monitor.recurring.api import account_known

    duck, sw = engines
    for account, known in ((ACCOUNTS[0], True), ("9999", False)):
        assert account_known(duck, account) is known
        assert account_known(sw, account) is known
