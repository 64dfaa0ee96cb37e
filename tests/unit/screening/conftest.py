"""Fixtures of the screening tests: the small bank with the golden cases' prior request loaded."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import screening_bank as bank
from wupian.engine.warehouse import Warehouse


@pytest.fixture(scope="module")
def golden_wh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Warehouse]:
    wh = bank.build(tmp_path_factory.mktemp("screen"), requests=bank.prior_requests())
    yield wh
    wh.close()
