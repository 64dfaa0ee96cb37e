"""Fixtures: the small bank of tests/golden/reports/bank loaded into a fresh in-memory warehouse; the demo bank's
latest month-end snapshot folder (scale 0.01), made once per test module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from support.golden_bank import bank_warehouse, load_bank
from support.lineage_bank import demo_folders
from wupian.engine.warehouse import Warehouse

__all__ = ["load_bank"]


@pytest.fixture
def bank() -> Iterator[Warehouse]:
    yield from bank_warehouse()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[date, Path]:
    """(date, folder) of the demo bank's latest month-end snapshot."""
    folders = demo_folders(tmp_path_factory.mktemp("demo"), scale=0.01)
    day = max(folders)
    return day, folders[day]
