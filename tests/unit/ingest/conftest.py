"""Shared fixtures of the ingest tests: the good minimal snapshot folder and a fresh warehouse file."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from wupian.engine.warehouse import Warehouse

GOLDEN = Path(__file__).resolve().parents[2] / "golden" / "ingest"


@pytest.fixture
def good_dir(tmp_path: Path) -> Path:
    """A writable copy of tests/golden/ingest/good_minimal/input."""
    target = tmp_path / "snap"
    shutil.copytree(GOLDEN / "good_minimal" / "input", target)
    return target


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with Warehouse(tmp_path / "w.duckdb") as warehouse:
        yield warehouse
