"""Fixtures shared by the property tests: the demo bank's figures (``support.figures_bank``), built once."""

from __future__ import annotations

import pytest

from support.figures_bank import Bank, build_figures


@pytest.fixture(scope="session")
def bank(tmp_path_factory: pytest.TempPathFactory) -> Bank:
    return build_figures(tmp_path_factory.mktemp("figures"))
