"""``warm_up``: what the report writers load on first use is loaded ahead, beside the classification, and a
failure there is left for the phase that loads it (``wupian.pipeline._beside``)."""

from __future__ import annotations

import threading
import time

import pytest

from wupian import pipeline
from wupian.reports import briefing, briefing_chart, layouts
from wupian.reports.run import warm_up


@pytest.fixture
def cold() -> None:
    """The caches warm_up fills, empty."""
    layouts.briefing_templates.cache_clear()
    briefing_chart._font.cache_clear()


@pytest.mark.usefixtures("cold")
def test_the_briefing_warm_up_loads_its_templates_and_the_charts_fonts() -> None:
    warm_up("all")
    assert layouts.briefing_templates.cache_info().currsize == 1
    font = briefing.cjk_font()
    sizes = 2 if font is not None else 0  # the title's and the texts' size, when a CJK font is installed
    assert briefing_chart._font.cache_info().currsize == sizes
    # the first briefing then finds them loaded
    assert briefing.templates() is layouts.briefing_templates()
    assert layouts.briefing_templates.cache_info().hits >= 1


@pytest.mark.usefixtures("cold")
@pytest.mark.parametrize("kind", ["pboc", "nfra", "workbook"])
def test_kinds_without_a_briefing_load_nothing_of_it(kind: str) -> None:
    warm_up(kind)
    assert layouts.briefing_templates.cache_info().currsize == 0
    assert briefing_chart._font.cache_info().currsize == 0


def test_the_block_waits_for_the_work_beside_it() -> None:
    go, done = threading.Event(), threading.Event()

    def work() -> None:
        go.wait(30)  # until the block has run: the work runs beside it, not before it
        time.sleep(0.1)
        done.set()

    with pipeline._beside(work):
        assert not done.is_set()
        go.set()
    assert done.is_set()  # the block's end waited for the work
    assert not [t for t in threading.enumerate() if t.name == "wupian-warm-up"]


def test_a_failure_beside_the_block_is_left_for_the_step_that_meets_it(capsys: pytest.CaptureFixture[str]) -> None:
    hooked: list[object] = []
    previous, threading.excepthook = threading.excepthook, hooked.append
    ran = []
    try:
        with pipeline._beside(lambda: (_ for _ in ()).throw(ValueError("bad template"))):
            ran.append("block")
    finally:
        threading.excepthook = previous
    assert ran == ["block"] and hooked == []  # no thread died with a traceback
    assert capsys.readouterr() == ("", "")
