"""The golden classification cases' CSV snapshot loader (``tests/golden/classify/snapshot_csv.py``), importable as
``from support.snapshot_csv import snapshot_csv`` by the unit and property tests that build small banks from CSV
text: the module is loaded once, under one name."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

_NAME = "classify_snapshot_csv"


def _load() -> ModuleType:
    if _NAME in sys.modules:
        return sys.modules[_NAME]
    spec = importlib.util.spec_from_file_location(
        _NAME, Path(__file__).parents[1] / "golden" / "classify" / "snapshot_csv.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[_NAME] = module
    spec.loader.exec_module(module)
    return module


snapshot_csv = _load()


def load_customers(wh: Any, as_of: Any, customers: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """Load generated ``customers`` as the customers of ``as_of`` — ``C<i>``, named ``n``, of their
    ``customer_type``, with id code ``ID<i>`` and ``columns`` — and, for those with a ``registry``, its registry
    entries (valid from 2025-01-01)."""
    head = ",".join(["customer_id", "name", "customer_type", "id_code", *columns])
    rows = [",".join([f"C{i}", "n", c["customer_type"], f"ID{i}", *(str(c[k]) for k in columns)])
            for i, c in enumerate(customers)]
    snapshot_csv.load_csv_text(wh, "customers", as_of, "\n".join([head, *rows]))
    regs = [f"{c['registry']},ID{i},2025-01-01," for i, c in enumerate(customers) if c["registry"]]
    if regs:
        snapshot_csv.load_csv_text(wh, "registries", as_of, "\n".join(["registry,id_code,valid_from,valid_to", *regs]))
