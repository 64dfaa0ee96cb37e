"""Shared fixtures: one small demo bank (scale 0.01) built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from wupian.demo import DemoManifest, build_demo

SMALL = 0.01


@pytest.fixture(scope="session")
def small_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoManifest:
    return build_demo(tmp_path_factory.mktemp("demo") / "bank", seed=7, scale=SMALL)


@pytest.fixture(scope="session")
def last_folder(small_demo: DemoManifest) -> Path:
    return small_demo.snapshot_dirs[-1]
