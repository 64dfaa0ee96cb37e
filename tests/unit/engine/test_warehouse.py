"""The warehouse: schema from the contract, atomic transactions, exact decimals, safe identifiers."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from wupian.contract import ALL_TABLES
from wupian.core.errors import UsageError
from wupian.engine.warehouse import Warehouse, quote_ident


def test_every_contract_table_exists_with_its_columns() -> None:
    with Warehouse(":memory:") as wh:
        for table in ALL_TABLES:
            cols = [r["column_name"] for r in wh.rows(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position",
                [table.name],
            )]
            expected = list(table.column_names)
            if table.kind == "snapshot":
                expected = ["as_of", *expected]
            else:
                expected = [*expected, "loaded_at"]
            assert cols == expected, table.name


def test_money_columns_are_exact_decimals() -> None:
    with Warehouse(":memory:") as wh:
        wh.insert_rows("loans", ["as_of", "loan_id", "customer_id", "branch_id", "balance"],
                       "VALUES (DATE '2026-03-31', 'L1', 'C1', 'B1', CAST(? AS DECIMAL(38,2)))", [Decimal("10000000.01")])
        assert wh.scalar("SELECT balance FROM loans") == Decimal("10000000.01")
        assert str(wh.arrow("SELECT balance FROM loans").schema.field("balance").type) == "decimal128(38, 2)"


def test_transaction_rolls_back_on_error() -> None:
    with Warehouse(":memory:") as wh:
        with pytest.raises(RuntimeError):
            with wh.transaction() as con:
                con.execute("INSERT INTO branches (as_of, branch_id, name) VALUES (DATE '2026-03-31', 'B1', '总行')")
                raise RuntimeError("crash mid-load")
        assert wh.scalar("SELECT count(*) FROM branches") == 0


def test_file_warehouse_persists(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with Warehouse(db) as wh:
        wh.execute("INSERT INTO branches (as_of, branch_id, name) VALUES (DATE '2026-03-31', 'B1', '总行')")
    with Warehouse(db, read_only=True) as wh:
        assert wh.scalar("SELECT name FROM branches") == "总行"


def test_missing_folder_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        Warehouse(tmp_path / "nope" / "w.duckdb")


@pytest.mark.parametrize("name", ["loans; DROP TABLE x", "a b", "x'"])
def test_quote_ident_refuses_suspicious_names(name: str) -> None:
    with pytest.raises(ValueError):
        quote_ident(name)


def test_an_older_warehouse_gets_the_contracts_new_optional_columns(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE branches (as_of DATE NOT NULL, branch_id VARCHAR, name VARCHAR)")
    con.execute("INSERT INTO branches VALUES (DATE '2026-03-31', 'H', '总行')")
    con.close()
    with Warehouse(path) as wh:
        assert wh.rows("SELECT branch_id, uscc FROM branches") == [{"branch_id": "H", "uscc": None}]


def test_the_system_tables_column_counts_are_the_ddls() -> None:
    from wupian.engine.warehouse import SYSTEM_COLUMN_COUNTS

    with Warehouse(":memory:") as wh:
        counts = dict(wh.con.execute("SELECT table_name, column_count FROM duckdb_tables()").fetchall())
    assert {n: counts[n] for n in SYSTEM_COLUMN_COUNTS} == SYSTEM_COLUMN_COUNTS


def test_a_current_warehouse_opens_without_ddl_and_a_missing_column_is_still_added(tmp_path: Path,
                                                                                    monkeypatch: pytest.MonkeyPatch
                                                                                    ) -> None:
    import duckdb

    from wupian.engine import sql_log

    path = tmp_path / "w.duckdb"
    Warehouse(path).close()
    log = tmp_path / "sql.jsonl"
    monkeypatch.setenv(sql_log.ENV, str(log))
    Warehouse(path).close()
    ddl = [e.sql for e in sql_log.read_log(log) if e.sql and e.sql.startswith(("CREATE TABLE", "ALTER"))]
    assert [s for s in ddl if "stored_parts" not in s] == []  # the parts' manifest is engine.parts' own
    con = duckdb.connect(str(path))
    con.execute("ALTER TABLE snapshots DROP COLUMN load_id")  # a warehouse from before load ids
    con.execute("ALTER TABLE branches DROP COLUMN uscc")  # … and before branches.uscc
    con.close()
    with Warehouse(path) as wh:
        assert wh.scalar("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'snapshots' "
                         "AND column_name = 'load_id'") == 1
        assert wh.scalar("SELECT count(*) FROM duckdb_columns() WHERE table_name = 'branches' "
                         "AND column_name = 'uscc'") == 1


def test_a_cursor_sees_the_database_and_the_temp_views_but_not_the_temp_tables(tmp_path: Path) -> None:
    import threading

    with Warehouse(str(tmp_path / "w.duckdb")) as wh:
        wh.execute("CREATE TABLE kept AS SELECT 1 AS x")
        wh.execute("CREATE TEMP VIEW seen AS SELECT x + 1 AS y FROM kept")
        wh.execute("CREATE TEMP TABLE private AS SELECT 3 AS z")
        wh.execute("SET search_path = 'main'")
        cur = wh.cursor()
        try:
            assert cur is not wh and cur.path == wh.path and cur.parts is wh.parts
            got: list[object] = []
            worker = threading.Thread(target=lambda: got.append(cur.scalar("SELECT y FROM seen")))
            worker.start()
            worker.join()
            assert got == [2]
            assert cur.scalar("SELECT current_setting('search_path')") == "main"
            with pytest.raises(Exception, match="private"):
                cur.scalar("SELECT z FROM private")
        finally:
            cur.close()
        # closing the cursor leaves the warehouse open, its lock held
        assert wh.scalar("SELECT z FROM private") == 3 and wh._lock is not None
