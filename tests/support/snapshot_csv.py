"""The golden classification cases' CSV snapshot loader (``tests/golden/classify/snapshot_csv.py``), importable as
``from support.snapshot_csv import snapshot_csv`` by the unit and property tests that build small banks from CSV
text: the module is loaded once, under one name."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

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
