"""Fixtures for recurring-debit tests: an in-memory warehouse loaded from small CSVs with Chinese headers."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from wupian.contract.tables import MANDATES, MERCHANTS, TRANSACTIONS
from wupian.engine.warehouse import Warehouse

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "recurring"


def load_csv(wh: Warehouse, path: Path, table_name: str) -> int:
    """Insert one CSV (English or Chinese headers, per the contract's aliases) into an event table."""
    table = {t.name: t for t in (TRANSACTIONS, MANDATES, MERCHANTS)}[table_name]
    with open(path, encoding="utf-8") as f:
        header = next(csv.reader(f))
    names = table.header_map()
    options = pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=True)
    data = pacsv.read_csv(path, convert_options=options)
    data = data.rename_columns([names[h.strip().casefold()] for h in header])
    select = ", ".join(
        f'CAST("{c.name}" AS {c.type.sql_type}) AS "{c.name}"' for c in table.columns if c.name in data.column_names
    )
    wh.register("_golden_in", data)
    try:
        wh.execute(f"INSERT INTO {table.name} BY NAME SELECT {select}, now() AS loaded_at FROM _golden_in")
    finally:
        wh.unregister("_golden_in")
    return data.num_rows


def load_case(wh: Warehouse, directory: Path) -> None:
    for name in ("merchants", "transactions", "mandates"):
        path = directory / f"{name}.csv"
        if path.exists():
            load_csv(wh, path, name)


@pytest.fixture
def wh() -> Iterator[Warehouse]:
    with Warehouse(":memory:") as warehouse:
        yield warehouse


@pytest.fixture
def golden_wh(wh: Warehouse) -> Callable[[str], Warehouse]:
    def load(case: str) -> Warehouse:
        load_case(wh, GOLDEN / case)
        return wh

    return load


@pytest.fixture
def case_loader() -> Callable[[Warehouse, Path], None]:
    """``load_case`` for tests that build their own warehouse (e.g. a file for the CLI)."""
    return load_case
