"""Suite-wide settings.

Parallel runs (pytest-xdist; pyproject's ``addopts`` has ``-n 2 --dist loadfile``; docs/testing.md): each test
file runs on one worker (its module-scoped fixtures are built once), and the Spark conformance suite
(``tests/spark``) is one unit on one worker (one JVM, one SparkSession, its session fixtures built once) —
``support/xdist_scheduling.py``, registered below only when xdist is loaded.

Without xdist (``-n 0``, ``-p no:xdist``, or pytest-xdist not installed) the suite runs in one process;
``pytest_addoption`` below then accepts addopts' ``-n``/``--dist`` and ignores them.

Hypothesis: no per-example deadline by default (most property tests already set ``deadline=None``): the
default 200 ms deadline fails a correct test when the machine is busy (seen with two workers on two shared
cores: ``test_money_dates_props`` took 352 ms for one example). A test that sets its own deadline keeps it.
"""

from __future__ import annotations

import pytest
from hypothesis import settings

settings.register_profile("wupian", deadline=None)
settings.load_profile("wupian")


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if pluginmanager.has_plugin("xdist"):
        return
    group = parser.getgroup("xdist-absent", "pytest-xdist is not loaded: these are accepted and ignored (serial run)")
    # ``-n`` is a lowercase short option, reserved to plugins: added the way pytest-xdist adds it
    group._addoption("-n", "--numprocesses", dest="numprocesses", default=None)
    group.addoption("--maxprocesses", dest="maxprocesses", default=None)
    group.addoption("--dist", dest="dist", default="no")


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.has_plugin("xdist"):
        from support import xdist_scheduling

        config.pluginmanager.register(xdist_scheduling, "wupian-xdist-scheduling")
