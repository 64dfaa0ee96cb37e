"""A small bank whose loans file has the generated banks' Parquet shape (tests of adopted parts, DuckDB and Spark)."""

from __future__ import annotations

import datetime as dt
import shutil
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

GOOD = Path(__file__).resolve().parents[1] / "golden" / "ingest" / "good_minimal" / "input"


def typed_loans_bank(folder: Path, balance: str = "7500000.00") -> Path:
    """good_minimal with its loans as a typed Parquet file of the generated banks' shape (narrow decimals, text
    booleans and rates, a 32-bit integer code column that is always NULL)."""
    shutil.copytree(GOOD, folder)
    (folder / "loans.csv").unlink()
    n = 3
    data = pa.table({
        "loan_id": pa.array(["L1", "L2", "L3"]),
        "customer_id": pa.array(["K0001", "K0002", "K0003"]),
        "branch_id": pa.array(["O001", "O002", "O001"]),
        "business_type": pa.array(["corporate", "personal", "corporate"]),
        "drawdown_date": pa.array([dt.date(2025, 6, 30)] * n, pa.date32()),
        "drawdown_amount": pa.array([Decimal("8000000.00")] * n, pa.decimal128(38, 2)),
        "maturity_date": pa.array([dt.date(2027, 6, 29)] * n, pa.date32()),
        "balance": pa.array([Decimal(balance), Decimal("0.00"), Decimal("12.50")], pa.decimal128(38, 2)),
        "interest_rate": pa.array([Decimal("3.45000"), Decimal("0.03450"), Decimal("4.10000")], pa.decimal128(10, 5)),
        "five_class": pa.array(["normal", "special_mention", "normal"]),
        "is_entrusted": pa.array(["1", "0", None]),
        "pension_share": pa.array(["0.5", None, "0.25"]),
        "tech_hts": pa.array([None] * n, pa.int32()),
    })
    pq.write_table(data, folder / "loans.parquet")
    return folder / "loans.parquet"


