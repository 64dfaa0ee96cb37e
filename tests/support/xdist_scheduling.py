"""The pytest-xdist scheduler of the suite (registered by tests/conftest.py when xdist is loaded): ``--dist
loadfile`` — each test file's tests run on one worker, in order — except that the whole Spark conformance suite
(``tests/spark``) is one unit, so that one JVM and one SparkSession serve it and its session fixtures
(``golden_engines``) are built once.

Why not ``--dist loadgroup`` with ``xdist_group`` marks: with pytest 9.2 and pytest-xdist 3.8 the group suffix
that xdist's worker writes into ``item._nodeid`` is ignored (pytest keeps the node id elsewhere), so every test
was scheduled alone (checked: a module's tests ran on both workers, module fixtures were built twice). Grouping
by path here needs no marks and only the documented ``pytest_xdist_make_scheduler`` hook."""

from __future__ import annotations

from typing import Any

import pytest
from xdist.scheduler import LoadFileScheduling

SPARK = "tests/spark/"


class SparkAsOneFile(LoadFileScheduling):
    def _split_scope(self, nodeid: str) -> str:
        path = nodeid.split("::", 1)[0]
        return SPARK if path.startswith(SPARK) else path


@pytest.hookimpl
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getvalue("dist") == "loadfile":
        return SparkAsOneFile(config, log)
    return None  # another --dist given on the command line: xdist's own scheduler
