"""The briefing's bar chart (five category balances in 亿元) drawn with Pillow.

Layout (the matplotlib chart of sessions ≤ 13, kept): a 1050 × 540 px PNG (7 × 3.6 in at 150 dpi, embedded 15 cm
wide in the docx), the title centred on top, one dark-red (#C00000) bar per category with its amount in 亿元 above
it (as the briefing's sentences write it, :func:`wupian.reports.numbers.trim`), the category names under the bars,
a left axis with "nice" ticks (1, 2, 2.5 or 5 × 10ⁿ) and the unit 亿元 written vertically, no top or right frame.

:func:`chart_layout` decides every pixel position from the data (a pure function: the tests check the bars and
texts against the amounts); :func:`draw_chart` paints that layout. The PNG carries no metadata (no date, no
software name), so the same inputs give the same bytes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

WIDTH, HEIGHT = 1050, 540
PAD = 12  # px around the figure
TITLE_PX, TEXT_PX = 25, 21  # 12 pt and 10 pt at 150 dpi, as before
TICK = 7  # px, outward
LINE = 2  # px, axis lines and ticks
BAR_COLOR = (0xC0, 0x00, 0x00)
INK = (0, 0, 0)
PAPER = (255, 255, 255)
BAR_WIDTH = 0.8  # of a category's slot
HEADROOM = 0.10  # of the value range, above the highest bar (its amount's label goes there)


@dataclass(frozen=True)
class Text:
    text: str
    xy: tuple[int, int]
    anchor: str  # Pillow's text anchor (``mm``, ``rm`` …)
    size: int
    rotate: bool = False  # written bottom to top (the axis unit)


@dataclass(frozen=True)
class Layout:
    plot: tuple[int, int, int, int]  # left, top, right, bottom of the axes box
    zero_y: int  # the pixel row of 0 亿元
    bars: tuple[tuple[int, int, int, int], ...]  # left, top, right, bottom of each bar
    ticks: tuple[tuple[Decimal, int], ...]  # y-axis tick value and pixel row
    texts: tuple[Text, ...]


def nice_step(span: float, most: int = 7) -> Decimal:
    """The smallest step of 1, 2, 2.5 or 5 × 10ⁿ that covers ``span`` in at most ``most`` intervals."""
    if span <= 0:
        return Decimal(1)
    exp = math.floor(math.log10(span / most))
    for _ in range(3):
        for m in ("1", "2", "2.5", "5"):
            step = Decimal(m).scaleb(exp)
            if span / float(step) <= most:
                return step
        exp += 1
    return Decimal(10).scaleb(exp)


def _tick_text(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def chart_layout(title: str, items: list[tuple[str, str]], measure: Any) -> Layout:
    """Every shape and text of the chart for ``items`` = (category name, amount in 亿元 as written); ``measure(text,
    size)`` = the (width, height) in px of a text (the font's metrics)."""
    values = [Decimal(v) for _, v in items]
    low, high = min(Decimal(0), *values), max(Decimal(0), *values)
    span = float(high - low) or 1.0
    top_v = float(high) + (HEADROOM * span if high > 0 else 0.0)
    bottom_v = float(low) - (HEADROOM * span if low < 0 else 0.0)
    if top_v == bottom_v:
        top_v = 1.0
    step = nice_step(top_v - bottom_v)
    first = math.ceil(bottom_v / float(step) - 1e-9)
    ticks_v = [step * k for k in range(first, math.floor(top_v / float(step) + 1e-9) + 1)]
    tick_w = max(measure(_tick_text(t), TEXT_PX)[0] for t in ticks_v)
    unit_h = measure("亿元", TEXT_PX)[1]
    title_h = measure(title, TITLE_PX)[1]
    label_h = max(measure(name, TEXT_PX)[1] for name, _ in items)
    left = PAD + unit_h + 10 + tick_w + 6 + TICK
    top = PAD + title_h + 14
    right = WIDTH - PAD
    bottom = HEIGHT - PAD - label_h - 6 - TICK

    def y_of(v: float) -> int:
        return round(bottom - (v - bottom_v) / (top_v - bottom_v) * (bottom - top))

    n = len(items)
    lo_x, hi_x = -BAR_WIDTH / 2 - 0.05 * (n - 1 + BAR_WIDTH), n - 1 + BAR_WIDTH / 2 + 0.05 * (n - 1 + BAR_WIDTH)

    def x_of(v: float) -> int:
        return round(left + (v - lo_x) / (hi_x - lo_x) * (right - left))

    zero = y_of(0.0)
    bars, texts = [], [Text(title, ((left + right) // 2, PAD), "ma", TITLE_PX)]
    for i, (name, amount) in enumerate(items):
        v = float(Decimal(amount))
        x0, x1 = x_of(i - BAR_WIDTH / 2), x_of(i + BAR_WIDTH / 2)
        y = y_of(v)
        bars.append((x0, min(y, zero), x1, max(y, zero)))
        centre = (x0 + x1) // 2
        texts.append(Text(amount, (centre, y - 4), "md", TEXT_PX) if v >= 0 else
                     Text(amount, (centre, y + 4), "ma", TEXT_PX))
        texts.append(Text(name, (centre, bottom + TICK + 6), "ma", TEXT_PX))
    ticks = tuple((t, y_of(float(t))) for t in ticks_v)
    texts += [Text(_tick_text(t), (left - TICK - 6, y), "rm", TEXT_PX) for t, y in ticks]
    texts.append(Text("亿元", (PAD + unit_h // 2, (top + bottom) // 2), "mm", TEXT_PX, rotate=True))
    return Layout((left, top, right, bottom), zero, tuple(bars), ticks, tuple(texts))


@cache
def _font(path: str, size: int) -> Any:
    """The font of ``path`` at ``size`` px: in a collection (.ttc), its Simplified-Chinese face when it has one."""
    from PIL import ImageFont

    first = ImageFont.truetype(path, size)
    if not path.lower().endswith(".ttc"):
        return first
    for index in range(1, 16):
        try:
            face = ImageFont.truetype(path, size, index=index)
        except OSError:
            break
        if (face.getname()[0] or "").endswith(" SC"):
            return face
    return first


def warm_up(font: Path) -> None:
    """Load ahead what the first :func:`draw_chart` with ``font`` loads: Pillow's drawing modules and the font's
    faces at the chart's two sizes (cached for the process)."""
    from PIL import Image, ImageDraw  # noqa: F401 - the import is the point

    for size in (TITLE_PX, TEXT_PX):
        _font(str(font), size)


def _measure(font_path: str) -> Any:
    def measure(text: str, size: int) -> tuple[int, int]:
        x0, y0, x1, y1 = _font(font_path, size).getbbox(text)
        return x1 - x0, y1 - y0
    return measure


def draw_chart(title: str, items: list[tuple[str, str]], font: Path, path: Path) -> Layout:
    """Paint the chart of ``items`` (see :func:`chart_layout`) into the PNG ``path``; returns the layout drawn."""
    from PIL import Image, ImageDraw

    layout = chart_layout(title, items, _measure(str(font)))
    img = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(img)
    for box in layout.bars:
        if box[3] > box[1]:
            draw.rectangle(box, fill=BAR_COLOR)
    left, top, right, bottom = layout.plot
    draw.rectangle((left - LINE, top, left - 1, bottom + LINE - 1), fill=INK)  # left axis
    draw.rectangle((left - LINE, bottom, right, bottom + LINE - 1), fill=INK)  # bottom axis
    if layout.zero_y != bottom:
        draw.rectangle((left, layout.zero_y, right, layout.zero_y), fill=INK)
    for _, y in layout.ticks:
        draw.rectangle((left - LINE - TICK, y - LINE // 2, left - LINE - 1, y + (LINE - 1) // 2), fill=INK)
    for x0, _, x1, _ in layout.bars:
        x = (x0 + x1) // 2
        draw.rectangle((x - LINE // 2, bottom + LINE, x + (LINE - 1) // 2, bottom + LINE + TICK - 1), fill=INK)
    for t in layout.texts:
        font_at = _font(str(font), t.size)
        if not t.rotate:
            draw.text(t.xy, t.text, fill=INK, font=font_at, anchor=t.anchor)
            continue
        x0, y0, x1, y1 = font_at.getbbox(t.text)
        label = Image.new("L", (x1 - x0 + 2, y1 - y0 + 2), 0)
        ImageDraw.Draw(label).text((1 - x0, 1 - y0), t.text, fill=255, font=font_at)
        label = label.rotate(90, expand=True)
        img.paste(INK, (t.xy[0] - label.width // 2, t.xy[1] - label.height // 2), label)
    path.parent.mkdir(parents=True, exist_ok=True)
    img.save(path, format="PNG", optimize=False)
    return layout
