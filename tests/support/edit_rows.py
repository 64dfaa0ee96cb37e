"""Editing stored rows in tests: ``loans`` and ``customers`` are views over immutable Parquet parts
(``wupian.engine.parts``), so a test's ``UPDATE`` becomes a rewrite of the table through ``Warehouse.replace_rows``."""

from __future__ import annotations

from wupian.engine.warehouse import Warehouse


def update(wh: Warehouse, name: str, sets: dict[str, str], where: str) -> None:
    """``UPDATE name SET col = expr, … WHERE where`` (SQL text from the test itself, no parameters)."""
    replaced = ", ".join(f"CASE WHEN {where} THEN {expr} ELSE {col} END AS {col}" for col, expr in sets.items())
    wh.replace_rows(name, f"SELECT * REPLACE ({replaced}) FROM {name}")
