"""The synthetic demo bank: a seeded, realistic bank written as month-end snapshot folders and loaded.

Public API: ``build_demo`` (write the files), ``run_demo`` (write and load into a warehouse), and their
results ``DemoManifest`` / ``DemoResult``. See ``build.py`` for the folder layout.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from wupian.demo.defaults import DEFAULT_SEED

if TYPE_CHECKING:
    from wupian.demo.build import PLANTED, DemoManifest, PlantedError, build_demo
    from wupian.demo.pipeline import DemoResult, run_demo

_LAZY = {"PLANTED": "build", "DemoManifest": "build", "PlantedError": "build", "build_demo": "build",
         "DemoResult": "pipeline", "run_demo": "pipeline"}


def __getattr__(name: str) -> Any:
    """Import the heavy modules on first use, so ``import wupian.demo.defaults`` (the CLI) stays fast."""
    if name in _LAZY:
        return getattr(importlib.import_module(f"wupian.demo.{_LAZY[name]}"), name)
    raise AttributeError(f"module 'wupian.demo' has no attribute {name!r}")


__all__ = ["DEFAULT_SEED", "PLANTED", "DemoManifest", "DemoResult", "PlantedError", "build_demo", "run_demo"]
