"""The synthetic demo bank: a seeded, realistic bank written as month-end snapshot folders and loaded.

Public API: ``build_demo`` (write the files), ``run_demo`` (write and load into a warehouse), and their
results ``DemoManifest`` / ``DemoResult``. See ``build.py`` for the folder layout.
"""

from wupian.demo.build import DEFAULT_SEED, PLANTED, DemoManifest, PlantedError, build_demo
from wupian.demo.pipeline import DemoResult, run_demo

__all__ = ["DEFAULT_SEED", "PLANTED", "DemoManifest", "DemoResult", "PlantedError", "build_demo", "run_demo"]
