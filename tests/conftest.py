"""Suite-wide settings for running the tests on several cores (pytest-xdist, ``-n 2 --dist loadgroup`` in
pyproject's ``addopts``; see docs/testing.md).

Under ``--dist loadgroup`` a test without an ``xdist_group`` mark goes to whichever worker is free; tests with the
same group run on one worker, in order. We group:

- the Spark conformance suite (``tests/spark``): one JVM and one SparkSession (``local[2]``) serve all of it, and
  its session fixtures (``golden_engines``) are built once, instead of a second JVM on the other worker;
- the tests of a module that share a module- or class-scoped fixture (a bank built once for the module, a served
  web app): split across workers, the fixture would be built on each.

Without xdist (``-n 0``, ``-p no:xdist``, or pytest-xdist not installed) the marks do nothing and the suite runs
in one process; then ``pytest_addoption`` below accepts addopts' ``-n``/``--dist`` and ignores them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).parent
SPARK = HERE / "spark"
_SHARED_SCOPES = frozenset({"module", "class", "package"})


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    if pluginmanager.has_plugin("xdist"):
        return
    group = parser.getgroup("xdist-absent", "pytest-xdist is not loaded: these are accepted and ignored (serial run)")
    # ``-n`` is a lowercase short option, reserved to plugins: added the way pytest-xdist adds it
    group._addoption("-n", "--numprocesses", dest="numprocesses", default=None)
    group.addoption("--maxprocesses", dest="maxprocesses", default=None)
    group.addoption("--dist", dest="dist", default="no")


def _group(item: pytest.Item) -> str | None:
    path = Path(str(item.fspath))
    if SPARK in path.parents:
        return "spark"
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    for defs in info.name2fixturedefs.values():
        if any(d.scope in _SHARED_SCOPES for d in defs):
            return path.relative_to(HERE).as_posix()
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        group = _group(item)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))
