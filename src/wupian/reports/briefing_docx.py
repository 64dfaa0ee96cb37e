"""The briefing as a Word document: A4 portrait with 2.5/2.8 cm margins, the title in the ``Title``-level
``Heading 1`` style and each section in ``Heading 2`` (real heading styles, so the navigation pane and a table of
contents see them), body in 宋体 小四 with a two-character first-line indent, the chart, the closing 口径 note
and the data-source list (indicator id and label behind every figure)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from wupian.reports.briefing import Briefing, source_label


def warm_up() -> None:
    """Import ahead the python-docx modules :func:`write_docx` imports on first use."""
    import docx.enum.text  # noqa: F401 - the imports are the point
    import docx.oxml.ns  # noqa: F401
    import docx.shared  # noqa: F401


def _east_asian(style: Any, font: str, size: float, *, bold: bool = False, color: tuple[int, int, int] | None = None) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    style.font.name = font
    style.font.size = Pt(size)
    style.font.bold = bold
    if color is not None:
        style.font.color.rgb = RGBColor(*color)
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        rfonts.set(qn(attr), font)


def write_docx(b: Briefing, chart: Path | None, chart_note: str | None, path: Path) -> Path:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm, Pt

    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.5)
    section.left_margin = section.right_margin = Cm(2.8)
    _east_asian(doc.styles["Normal"], "宋体", 12)
    _east_asian(doc.styles["Heading 1"], "黑体", 18, bold=True, color=(0, 0, 0))
    _east_asian(doc.styles["Heading 2"], "黑体", 14, bold=True, color=(0, 0, 0))
    title = doc.add_heading(b.title, level=1)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for heading, text in b.paragraphs:
        if heading:
            doc.add_heading(heading, level=2)
        p = doc.add_paragraph(text)
        p.paragraph_format.first_line_indent = Pt(24)
        p.paragraph_format.line_spacing = 1.5
    if chart is not None:
        doc.add_picture(str(chart), width=Cm(15))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif chart_note:
        doc.add_paragraph(chart_note)
    if b.closing:
        doc.add_paragraph(b.closing).runs[0].font.size = Pt(10.5)
    for note in b.notes:
        doc.add_paragraph(note)
    doc.add_heading("数据来源（指标编号）", level=2)
    for indicator in b.used:
        item = doc.add_paragraph(f"{indicator}　{source_label(indicator)}")
        item.runs[0].font.size = Pt(9)
        item.paragraph_format.space_after = Pt(0)
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.core_properties.author = "wupian"
    doc.core_properties.title = b.title
    doc.save(str(path))
    return path
