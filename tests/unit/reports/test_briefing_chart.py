"""The briefing's Pillow bar chart: bars and texts come from the data, the PNG is deterministic and paints the
layout it computed."""

from __future__ import annotations

from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.reports.briefing import cjk_font
from wupian.reports.briefing_chart import BAR_COLOR, HEIGHT, WIDTH, chart_layout, draw_chart, nice_step

TITLE = "五篇大文章各类贷款余额（2026年3月末）"
NAMES = ["科技贷款", "绿色贷款", "普惠贷款", "养老产业贷款", "数字经济产业贷款"]
DEMO = list(zip(NAMES, ["29.53", "9.72", "10.08", "0.65", "5.39"], strict=True))


def _measure(text: str, size: int) -> tuple[int, int]:  # a monospaced stand-in for the font's metrics
    return len(text) * size, size


amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2)


@settings(max_examples=150, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=5))
def test_bar_heights_are_proportional_to_the_amounts_and_labels_are_the_amounts(values: list[Decimal]) -> None:
    items = [(NAMES[i], str(v)) for i, v in enumerate(values)]
    layout = chart_layout(TITLE, items, _measure)
    left, top, right, bottom = layout.plot
    assert 0 < left < right <= WIDTH and 0 < top < bottom <= HEIGHT
    per_unit = (layout.ticks[-1][1] - layout.ticks[0][1]) / float(layout.ticks[-1][0] - layout.ticks[0][0])
    for (x0, y0, x1, y1), v in zip(layout.bars, values, strict=True):
        assert y1 == layout.zero_y == bottom and left <= x0 < x1 <= right
        assert abs((y1 - y0) - float(v) * -per_unit) <= 1  # the height is the amount on the axis' scale (±1 px)
        assert y0 >= top  # the highest bar fits under the top of the axes
    texts = [t.text for t in layout.texts]
    assert texts[0] == TITLE
    assert texts[1:1 + 2 * len(values):2] == [str(v) for v in values]  # the amounts as written, bar by bar
    assert texts[2:2 + 2 * len(values):2] == NAMES[:len(values)]
    assert texts[-1] == "亿元"
    tick_values = [t for t, _ in layout.ticks]
    step = tick_values[1] - tick_values[0] if len(tick_values) > 1 else None
    assert tick_values[0] == 0 and (step is None or all(b - a == step for a, b in pairwise(tick_values)))
    assert tick_values[-1] >= max(values) - (step or 0)  # the ticks reach the highest bar


def test_bars_keep_their_order_and_the_taller_amount_draws_the_taller_bar() -> None:
    layout = chart_layout(TITLE, DEMO, _measure)
    heights = [b[3] - b[1] for b in layout.bars]
    assert [b[0] for b in layout.bars] == sorted(b[0] for b in layout.bars)
    assert heights.index(max(heights)) == 0 and heights.index(min(heights)) == 3
    assert [float(t) for t, _ in layout.ticks] == [0, 5, 10, 15, 20, 25, 30]


def test_nice_steps() -> None:
    assert nice_step(32.5) == Decimal(5) and nice_step(1.0) == Decimal("0.2") and nice_step(21000) == Decimal(5000)
    assert nice_step(0.06) == Decimal("0.01") and nice_step(0) == Decimal(1)


def test_png_is_deterministic_and_paints_its_layout(tmp_path: Path) -> None:
    font = cjk_font()
    if font is None:
        pytest.skip("no CJK font: the briefing has no chart")
    from PIL import Image

    layout = draw_chart(TITLE, DEMO, font, tmp_path / "a.png")
    draw_chart(TITLE, DEMO, font, tmp_path / "b.png")
    draw_chart(TITLE, [*DEMO[:4], ("数字经济产业贷款", "5.4")], font, tmp_path / "c.png")
    a, b, c = ((tmp_path / n).read_bytes() for n in ("a.png", "b.png", "c.png"))
    assert a == b and a != c
    assert b"tEXt" not in a and b"tIME" not in a  # no metadata: no software name, no date
    img = Image.open(tmp_path / "a.png").convert("RGB")
    assert img.size == (WIDTH, HEIGHT)
    for x0, y0, x1, y1 in layout.bars:
        assert img.getpixel(((x0 + x1) // 2, (y0 + y1) // 2)) == BAR_COLOR
        assert img.getpixel(((x0 + x1) // 2, y0 - 2)) != BAR_COLOR  # nothing red above the bar's top
        assert img.getpixel((x0 - 2, (y0 + y1) // 2)) != BAR_COLOR
