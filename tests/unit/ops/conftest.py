from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.ops_db import fresh_dsn
from wupian.ops import OpsStore


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpsStore]:
    with fresh_dsn(request.param, tmp_path) as dsn:
        st = OpsStore.open(dsn)
        try:
            yield st
        finally:
            st.close()
