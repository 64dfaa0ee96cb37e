"""Fixture: the small bank of tests/golden/reports/bank loaded into a fresh in-memory warehouse."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.golden_bank import bank_warehouse, load_bank
from wupian.engine.warehouse import Warehouse

__all__ = ["load_bank"]


@pytest.fixture
def bank() -> Iterator[Warehouse]:
    yield from bank_warehouse()
