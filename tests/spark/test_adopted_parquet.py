"""A clean typed Parquet source (the generated banks' shape) loads through the Spark engine as it does into DuckDB,
where it is adopted as its part by a byte copy (engine/stage_parts.py): Spark checks it in a private staging
DuckDB — the same adoption — and publishes the rows read through the part's projection, so both warehouses hold
the same typed rows; a reload of the date with a rejected row (written path) too."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from support.adopt_bank import typed_loans_bank
from wupian.core.errors import DataError
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_snapshot

MAR = date(2026, 3, 31)

LOANS = "SELECT * FROM loans ORDER BY as_of, loan_id"
CUSTOMERS = "SELECT * FROM customers ORDER BY as_of, customer_id"


def _load(wh: Any, folder: Path) -> None:
    try:
        load_snapshot(wh, MAR, folder)
    except DataError:
        pass  # rejected rows are quarantined; the date is loaded


def test_an_adopted_source_loads_alike_on_spark(spark_wh: Any, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    typed_loans_bank(folder)
    duck = Warehouse(tmp_path / "duck.duckdb")
    try:
        for wh in (duck, spark_wh):
            _load(wh, folder)
        assert duck.scalar("SELECT count(*) FROM stored_parts WHERE projection LIKE '%\"dated\":false%'") == 1
        want = duck.arrow(LOANS).to_pylist()
        assert len(want) == 3 and want[0]["is_entrusted"] is True
        assert spark_wh.arrow(LOANS).to_pylist() == want
        assert spark_wh.arrow(CUSTOMERS).to_pylist() == duck.arrow(CUSTOMERS).to_pylist()
        data = pq.read_table(folder / "loans.parquet")  # a broken reference: that row rejected, the rest written
        pq.write_table(data.set_column(1, "customer_id", pa.array(data.column("customer_id").to_pylist()[:2] + ["K9999"])),
                       folder / "loans.parquet")
        for wh in (duck, spark_wh):
            _load(wh, folder)
        want = duck.arrow(LOANS).to_pylist()
        assert [r["loan_id"] for r in want] == ["L1", "L2"]
        assert spark_wh.arrow(LOANS).to_pylist() == want
    finally:
        duck.close()
