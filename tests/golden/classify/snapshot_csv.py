"""Test helper: load small CSV snapshots written in the user's language into a Warehouse.

Headers may be English column names or the contract's Chinese aliases; enum cells accept the canonical value,
the Chinese label or the PBOC code. To keep cases short, required loan columns that a case does not care about
get fixed defaults (branch B1, drawn 2025-06-30 for the balance, maturing 2027-12-31, 4.00%, 正常).
This is a test fixture loader, not the product loader (that is wupian.ingest).
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from wupian.contract import ColumnType, table
from wupian.engine.warehouse import Warehouse

TRUE = {"1", "y", "yes", "true", "是"}
FALSE = {"0", "n", "no", "false", "否"}
LOAN_DEFAULTS = {
    "branch_id": "B1", "drawdown_date": "2025-06-30", "maturity_date": "2027-12-31", "interest_rate": "4.00",
    "five_class": "normal", "business_type": "corporate",
}


def _cell(col: Any, text: str) -> Any:
    text = text.strip()
    if text == "":
        return None
    t = col.type
    if t in (ColumnType.MONEY, ColumnType.RATE, ColumnType.SHARE):
        return Decimal(text.replace(",", ""))
    if t is ColumnType.INT:
        return int(text)
    if t is ColumnType.DATE:
        return date.fromisoformat(text)
    if t is ColumnType.BOOL:
        low = text.casefold()
        if low in TRUE:
            return True
        if low in FALSE:
            return False
        raise ValueError(f"{col.name}: not a boolean {text!r}")
    if col.enum:
        mapped = col.enum_map().get(text.casefold())
        if mapped is None:
            raise ValueError(f"{col.name}: {text!r} not allowed")
        return mapped
    return text


def csv_rows(name: str, as_of: date, text: str) -> list[dict[str, object]]:
    """The typed rows of one CSV text for table ``name`` and ``as_of`` (loan defaults filled in)."""
    t = table(name)
    headers = t.header_map()
    reader = csv.reader(io.StringIO(text.strip() + "\n"))
    head = [headers[h.strip().casefold()] for h in next(reader)]
    rows: list[dict[str, object]] = []
    for raw in reader:
        if not raw or all(not c.strip() for c in raw):
            continue
        row = dict(zip(head, raw, strict=True))
        if name == "loans":
            for k, v in LOAN_DEFAULTS.items():
                row.setdefault(k, v)
            if not row.get("drawdown_amount", "").strip():
                row["drawdown_amount"] = row.get("balance", "0")
        rows.append({"as_of": as_of, **{c: _cell(t.column(c), v) for c, v in row.items()}})
    return rows


def load_csv_text(wh: Warehouse, name: str, as_of: date, text: str) -> int:
    """Insert the rows of one CSV text into table ``name`` for ``as_of``; returns the row count."""
    rows = csv_rows(name, as_of, text)
    if rows:  # one insert (a table kept as Parquet parts gets one file, not one per row)
        wh.insert_arrow(name, pa.Table.from_pylist(rows))
    return len(rows)


def load_case(wh: Warehouse, folder: Path, as_of: date) -> None:
    """Load customers.csv, loans.csv and (if present) registries.csv of a case folder."""
    for name in ("customers", "loans", "registries"):
        f = folder / f"{name}.csv"
        if f.exists():
            load_csv_text(wh, name, as_of, f.read_text(encoding="utf-8"))


def load_cases(wh: Warehouse, folders: list[Path], as_of: date) -> None:
    """Load several cases as one snapshot, each loan id prefixed with its case's folder name and a slash (the
    cases reuse L1, L2 …; their customer ids and registry codes are distinct): one insert per table. Every case
    keeps its own customers, loans and registry entries, so each loan classifies as in its own case."""
    for name in ("customers", "loans", "registries"):
        rows: list[dict[str, object]] = []
        for folder in folders:
            f = folder / f"{name}.csv"
            if f.exists():
                part = csv_rows(name, as_of, f.read_text(encoding="utf-8"))
                if name == "loans":
                    part = [{**r, "loan_id": f"{folder.name}/{r['loan_id']}"} for r in part]
                rows += part
        if rows:  # every column any case gives (from_pylist would take the first row's keys only)
            columns = list(dict.fromkeys(k for r in rows for k in r))
            wh.insert_arrow(name, pa.table({c: [r.get(c) for r in rows] for c in columns}))
