"""The Chinese briefing (Markdown and docx) for one branch and month-end, generated from the indicators by
the templates in ``briefing_templates.yaml``. A sentence is written only when every figure it needs has a
value; every figure is traceable (both outputs end with the list of indicator ids used).

Voice: the branch writes about itself — its name once in the lead (a head office without "总行": 五篇示范银行总行
→ 五篇示范银行), then 该行. Where the NFRA 1104 profile's figure differs from the PBOC one as printed, the PBOC
figure carries both 口径 (``caliber`` format).

The chart (five category balances, PNG drawn with Pillow: :mod:`wupian.reports.briefing_chart`) needs a CJK font: the Debian/Ubuntu package
``fonts-noto-cjk`` (NotoSansCJK-Regular.ttc) is preferred; when no CJK font is found the chart is omitted
and the briefing says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from wupian.metrics import IndicatorResult, IndicatorValue, indicator_label
from wupian.metrics.compute import definitions, names
from wupian.reports import numbers
from wupian.reports.briefing_chart import draw_chart
from wupian.reports.layouts import briefing_templates

PLACEHOLDER = re.compile(r"\{([^{}|]+)(?:\|([a-z_]+)(?::([^{}]*))?)?\}")
CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)
CHART_SCOPES = ("tech", "green", "inclusive", "pension", "digital")


@dataclass(frozen=True)
class Briefing:
    title: str
    paragraphs: tuple[tuple[str | None, str], ...]  # (heading or None for the lead, text)
    used: tuple[str, ...]  # indicator ids behind the figures
    notes: tuple[str, ...] = field(default=())
    closing: str | None = None


def templates() -> dict[str, Any]:
    """The validated templates (``layouts.briefing_templates``: a bad placeholder is a located load error)."""
    return briefing_templates()


def briefing_name(name: str) -> str:
    """How the institution names itself in the briefing: a head office drops "总行" (五篇示范银行总行 → 五篇示范银行)."""
    return name[: -len("总行")] if name.endswith("总行") and len(name) > 2 else name


def _format(value: Decimal, fmt: str | None, arg: str | None) -> str:
    if fmt in (None, "amount"):
        return numbers.amount(value)
    if fmt == "delta":
        return numbers.delta(value)
    if fmt == "count":
        return numbers.count(value, arg or "户")
    if fmt == "count_delta":
        return numbers.count_delta(value, arg or "户")
    if fmt == "percent":
        return numbers.percent(value)
    if fmt == "gap":
        return numbers.points(value, "高于各项贷款平均增速", "低于各项贷款平均增速")
    if fmt == "ordinal":
        return numbers.chinese_ordinal(int(value))
    if fmt == "workdays":
        return numbers.working_days(value)
    if fmt == "workdays_within":
        return numbers.working_days_within(value)
    if fmt == "minutes":
        return numbers.minutes(value)
    raise ValueError(f"unknown format {fmt!r}")


def _holds(cond: str, values: dict[str, Any]) -> bool:
    """``<id> <op> <number or id>``; False when an operand has no value."""
    left, op, right = cond.split()
    got = values.get(left)
    if got is None or got.value is None:
        return False
    if right[0].isdigit() or right[0] == "-":
        r = Decimal(right)
    else:
        other = values.get(right)
        if other is None or other.value is None:
            return False
        r = other.value
    v = got.value
    return {"==": v == r, "!=": v != r, ">": v > r, ">=": v >= r, "<": v < r, "<=": v <= r}[op]


def _render(text: str, values: dict[str, Any], context: dict[str, str], used: list[str]) -> str | None:
    out, ids = [], []
    pos = 0
    for m in PLACEHOLDER.finditer(text):
        out.append(text[pos:m.start()])
        key, fmt, arg = m.group(1), m.group(2), m.group(3)
        if key in context and fmt is None:
            out.append(context[key])
        elif fmt == "caliber":
            mine, other = values.get(key), values.get(f"nfra:{key}")
            if mine is None or mine.value is None:
                return None
            if other is not None and other.value is not None and numbers.amount(other.value) != numbers.amount(mine.value):
                out.append(f"（人民银行口径；金融监管总局1104口径为{numbers.amount(other.value)}）")
                ids.append(f"nfra:{key}")
        else:
            got = values.get(key)
            if got is None or got.value is None:
                return None
            out.append(_format(got.value, fmt, arg))
            ids.append(key)
        pos = m.end()
    out.append(text[pos:])
    used.extend(ids)
    return "".join(out)


def _sentence(spec: Any, values: dict[str, Any], context: dict[str, str], used: list[str]) -> list[str]:
    if isinstance(spec, dict) and "for_each" in spec:
        out = []
        for r in spec["for_each"]:
            ctx = {**context, "r_name": names()["registries"].get(r, r)}
            variants = [{**v, "text": v["text"].replace("{r}", r),
                         "when": [c.replace("{r}", r) for c in v.get("when", ())]} for v in spec["variants"]]
            out += _sentence(variants, values, ctx, used)
        return out
    for variant in spec:
        if not all(_holds(c, values) for c in variant.get("when", ())):
            continue
        attempt: list[str] = []
        text = _render(variant["text"], values, context, attempt)
        if text is not None:
            used.extend(attempt)
            return [text]
    return []


def build_briefing(result: IndicatorResult, branch_id: str, bank_name: str, *, nfra: IndicatorResult | None = None,
                   siblings: int = 0) -> Briefing:
    """Render the templates for ``branch_id``; sentences whose figures are unavailable are left out. ``nfra``:
    the same indicators under the NFRA 1104 profile (for the 口径 remarks); ``siblings``: how many branches share
    the branch's parent (system-internal ranks are only written when there is more than one)."""
    values: dict[str, Any] = dict(result.for_branch(branch_id))
    if nfra is not None:
        values.update({f"nfra:{k}": v for k, v in nfra.for_branch(branch_id).items()})
    values["context.siblings"] = IndicatorValue(result.as_of, branch_id, "context.siblings", Decimal(siblings), "entities")
    name = briefing_name(bank_name)
    context = {"bank": name, "date": numbers.long_date(result.as_of), "year": str(result.as_of.year)}
    spec = templates()
    used: list[str] = []
    paragraphs: list[tuple[str | None, str]] = []
    lead = [s for sentence in spec["lead"] for s in _sentence(sentence, values, context, used)]
    if lead:
        paragraphs.append((None, "".join(lead)))
    for section in spec["sections"]:
        texts = [s for sentence in section["sentences"] for s in _sentence(sentence, values, context, used)]
        if texts:
            paragraphs.append((section["heading"], "".join(texts)))
    title = spec["title"].format(bank=name)
    return Briefing(title, tuple(paragraphs), tuple(dict.fromkeys(used)), result.notes, spec.get("closing"))


def cjk_font() -> Path | None:
    for candidate in CJK_FONTS:
        if Path(candidate).exists():
            return Path(candidate)
    return None


def write_chart(result: IndicatorResult, branch_id: str, path: Path) -> Path | None:
    """Bar chart of the five categories' balances (亿元); None when no CJK font is available or no data."""
    font = cjk_font()
    labels = {s.id: s.label for s in definitions().scopes}
    values = [(labels[s], result.value(branch_id, f"{s}.balance")) for s in CHART_SCOPES]
    data = [(k, v) for k, v in values if v is not None]
    if font is None or not data:
        return None
    texts = [numbers.trim(v / numbers.YI) for _, v in data]  # as the briefing's text writes the amounts
    title = f"五篇大文章各类贷款余额（{numbers.long_date(result.as_of)}）"
    draw_chart(title, [(k, t) for (k, _), t in zip(data, texts, strict=True)], font, path)
    return path


def to_markdown(b: Briefing, chart: Path | None, chart_note: str | None) -> str:
    lines = [f"# {b.title}", ""]
    for heading, text in b.paragraphs:
        if heading:
            lines += [f"## {heading}", ""]
        lines += [text, ""]
    if chart is not None:
        lines += [f"![五篇大文章各类贷款余额]({chart.name})", ""]
    elif chart_note:
        lines += [f"> {chart_note}", ""]
    if b.closing:
        lines += [b.closing, ""]
    for note in b.notes:
        lines += [f"> {note}", ""]
    lines += ["---", "", "数据来源（指标编号）：", ""]
    lines += [f"- `{i}` {source_label(i)}" for i in b.used]
    return "\n".join(lines) + "\n"


def source_label(indicator_id: str) -> str:
    """The zh label of an indicator id of the data-source list (``nfra:`` ids name their 口径)."""
    if indicator_id.startswith("nfra:"):
        return indicator_label(indicator_id[5:]) + "（金融监管总局1104口径）"
    return indicator_label(indicator_id)


def warm_up() -> None:
    """Load ahead, for the process, what writing the first briefing loads on first use: the validated templates,
    the Word writer's modules, Pillow and the chart's font — ≈ 0.3 s of the interpreter's time at any bank size,
    spent while nothing else needs it (``wupian.reports.run.warm_up``)."""
    from wupian.reports import briefing_chart, briefing_docx

    templates()
    briefing_docx.warm_up()
    font = cjk_font()
    if font is not None:
        briefing_chart.warm_up(font)


def write_briefing(result: IndicatorResult, branch_id: str, bank_name: str, out_dir: Path, *,
                   nfra: IndicatorResult | None = None, siblings: int = 0) -> tuple[Path, Path, Briefing]:
    """Write ``briefing_<branch>_<YYYYMMDD>.md`` / ``.docx`` (+ ``_chart.png`` when a CJK font exists)."""
    from wupian.reports.briefing_docx import write_docx

    b = build_briefing(result, branch_id, bank_name, nfra=nfra, siblings=siblings)
    stem = f"briefing_{branch_id}_{result.as_of:%Y%m%d}"
    chart = write_chart(result, branch_id, out_dir / f"{stem}_chart.png")
    note = None if chart is not None else "（未找到中文字体或无数据，图表从略；请安装 fonts-noto-cjk）"
    md = out_dir / f"{stem}.md"
    out_dir.mkdir(parents=True, exist_ok=True)
    md.write_text(to_markdown(b, chart, note), encoding="utf-8")
    docx = write_docx(b, chart, note, out_dir / f"{stem}.docx")
    return md, docx, b
