"""Shared fixtures: an in-memory warehouse and the CSV snapshot loader of the golden classification cases."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import pytest

from wupian.engine.warehouse import Warehouse

_spec = importlib.util.spec_from_file_location(
    "classify_snapshot_csv", Path(__file__).parents[2] / "golden" / "classify" / "snapshot_csv.py"
)
assert _spec and _spec.loader
snapshot_csv = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(snapshot_csv)

AS_OF = date(2025, 12, 31)


@pytest.fixture
def wh() -> Iterator[Warehouse]:
    with Warehouse(":memory:") as w:
        yield w


@pytest.fixture
def load() -> Callable[..., int]:
    """load(wh, table, csv_text, as_of=AS_OF) inserts CSV rows (English or Chinese headers)."""

    def _load(w: Warehouse, name: str, text: str, as_of: date = AS_OF) -> int:
        return snapshot_csv.load_csv_text(w, name, as_of, text)

    return _load
