"""The statement log (WUPIAN_SQL_LOG): statements with their typed parameters and registered Arrow tables come
back from the file exactly as the engine executed them, in order — what the Spark replay relies on."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from wupian.engine import sql_log
from wupian.engine.warehouse import Warehouse


@pytest.mark.parametrize("value", [
    None, True, 0, -7, 2**70, 1.5, "", "绿色贷款", Decimal("0.00"), Decimal("-99999999999999999999999999999999999.99"),
    date(2024, 2, 29), datetime(2026, 3, 31, 23, 59, 59, 123456), ["a", None, Decimal("1.5")], {"x": date(2026, 1, 1)},
])
def test_values_round_trip_with_their_type(value: object) -> None:
    back = sql_log.decode(sql_log.encode(value))
    assert back == value and type(back) is type(value)


def test_unknown_parameter_types_are_refused() -> None:
    with pytest.raises(TypeError, match="bytes"):
        sql_log.encode(b"raw")


def test_a_logged_warehouse_records_statements_params_and_tables(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "sql.jsonl"
    monkeypatch.setenv(sql_log.ENV, str(log))
    with Warehouse(tmp_path / "w.duckdb") as wh:
        log.write_text("", encoding="utf-8")
        wh.register("t_in", pa.table({"k": ["x", "y"], "v": [Decimal("1.25"), None]}))
        got = wh.rows("SELECT k, v FROM t_in WHERE v = ? OR k = ? ORDER BY k", [Decimal("1.25"), "y"])
        wh.unregister("t_in")
    events = sql_log.read_log(log)
    assert [e.register or e.unregister or "sql" for e in events] == ["t_in", "sql", "t_in"]
    assert events[0].table is not None and events[0].table.to_pylist() == [
        {"k": "x", "v": Decimal("1.25")}, {"k": "y", "v": None}]
    assert events[1].sql is not None and events[1].params == [Decimal("1.25"), "y"]
    assert len(got) == 2
