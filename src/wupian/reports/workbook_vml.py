"""The workbook's cell comments written with less work per comment — the same bytes as xlsxwriter's own.

The management workbook carries ≈ 29k cell comments at 2M loans (the reason of each unavailable value). xlsxwriter
writes each comment's VML shape (``xl/drawings/vmlDrawing*.vml``) through a dozen generic XML-writer calls — tag
and attribute lists, escaping of constant texts, a regular expression per datum — ≈ 0.4 s at 2M. :class:`FastVml`
is xlsxwriter's own ``Vml`` class with one method replaced: a comment's shape is one formatted string whose
constant middle (fill, shadow, path, text box) is captured from xlsxwriter's own methods once, and whose varying
parts (shape id, position, colour, visibility, anchor, row, column) are formatted exactly as those methods format
them. :func:`faster_comments` puts it in place for a ``Workbook.close()`` only after checking, once per process,
that it writes the same bytes as xlsxwriter's ``Vml`` for a set of sample comments (hidden and visible, several
positions, sizes, offsets and colours); when the installed xlsxwriter writes anything else, its own class is used.
Buttons and header images are written by xlsxwriter's methods unchanged.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from io import StringIO
from typing import Any

from xlsxwriter import packager
from xlsxwriter.comments import Comments, CommentType
from xlsxwriter.utility import _utf16_len, xl_rowcol_to_cell
from xlsxwriter.vml import Vml

_LOCK = threading.Lock()


@cache
def _middle() -> str:
    """The constant part of every comment shape between its start tag and its client data, as xlsxwriter writes it."""
    vml = Vml()
    vml._set_xml_writer(StringIO())
    vml._write_comment_fill()
    vml._write_shadow()
    vml._write_comment_path(None, "none")
    vml._write_comment_textbox()
    return str(vml.fh.getvalue())


class FastVml(Vml):
    """xlsxwriter's ``Vml`` whose comment shapes are each written by one formatted string."""

    def _write_comment_shape(self, shape_id: int, z_index: int, comment: CommentType) -> None:
        left, top, width, height = self._pixels_to_points(comment.vertices)
        col_start, row_start, x1, y1, col_end, row_end, x2, y2 = comment.vertices[:8]
        visible = bool(comment.is_visible)
        fill = self._escape_attributes(comment.color._vml_rgb_hex_value())
        self.fh.write(
            f'<v:shape id="_x0000_s{shape_id}" type="#_x0000_t202" style="position:absolute;'
            f"margin-left:{left:.15g}pt;margin-top:{top:.15g}pt;width:{width:.15g}pt;height:{height:.15g}pt;"
            f'z-index:{z_index};visibility:{"visible" if visible else "hidden"}" fillcolor="{fill}" '
            f'o:insetmode="auto">{_middle()}<x:ClientData ObjectType="Note"><x:MoveWithCells/><x:SizeWithCells/>'
            f"<x:Anchor>{col_start}, {x1}, {row_start}, {y1}, {col_end}, {x2}, {row_end}, {y2}</x:Anchor>"
            f"<x:AutoFill>False</x:AutoFill><x:Row>{comment.row}</x:Row><x:Column>{comment.col}</x:Column>"
            f'{"<x:Visible/>" if visible else ""}</x:ClientData></v:shape>')


class FastComments(Comments):
    """xlsxwriter's ``Comments`` (``xl/comments*.xml``) whose ``<comment>`` elements are each one string: the run
    properties and the text element are written by xlsxwriter's own methods once per distinct font and text (the
    workbook's reasons repeat) and reused."""

    def _captured(self, write: Any, *args: Any) -> str:
        real, self.fh = self.fh, StringIO()
        try:
            write(*args)
            return str(self.fh.getvalue())
        finally:
            self.fh = real

    def _write_comment(self, comment: CommentType, author_id: int) -> None:
        memo: dict[Any, str] = self.__dict__.setdefault("_wp_memo", {})
        font = ("rPr", comment.font_size, comment.font_name, comment.font_family)
        rpr = memo.get(font)
        if rpr is None:
            rpr = memo[font] = self._captured(self._write_r_pr, comment)
        text = memo.get(comment.text)
        if text is None:
            text = memo[comment.text] = self._captured(self._write_text_t, comment.text)
        ref = self._escape_attributes(xl_rowcol_to_cell(comment.row, comment.col))
        author = f' authorId="{author_id}"' if author_id != -1 else ""
        self.fh.write(f'<comment ref="{ref}"{author}><text><r>{rpr}{text}</r></text></comment>')


def _samples() -> list[CommentType]:
    """Comments that exercise every varying part of a shape (what ``Worksheet`` computes for a comment)."""
    out = []
    for n, (row, col, opts) in enumerate([
            (0, 0, {}), (3, 2, {"visible": True}), (1047, 18, {"x_scale": 1.7, "y_scale": 0.3}),
            (12, 5, {"color": "#C0504D", "x_offset": 7, "y_offset": 3}), (1048575, 16383, {"visible": False}),
            (7, 1, {"width": 333.3, "height": 17.25, "start_row": 2, "start_col": 4, "font_name": "宋体", "font_size": 10.5})]):
        c = CommentType(row, col, [f"示例 {n} <&>", " lead space", "x_x0000_\x01", "示例 0 <&>", "", "末尾 "][n], opts)
        c.author = [None, "wupian", None, "作者 <&>", "wupian", None][n]
        c.vertices = [col + 1, max(row - 1, 0), 15 + n, 10 - n, col + 3, row + 4, 15 * n + 1, 4 * n, 96 * col + n,
                      20 * row + 0.5 * n, 128 + 33.3 * n, 74 - 5.5 * n]
        out.append(c)
    return out


def _written(cls: type[Vml] | type[Comments]) -> str:
    """The sample comments' VML (``Vml`` classes) or comments XML (``Comments`` classes) as ``cls`` writes it."""
    part = cls()
    part._set_xml_writer(StringIO())
    if issubclass(cls, Vml):
        part._assemble_xml_file(1, 1024, _samples())
    else:
        part._assemble_xml_file(_samples())
    return str(part.fh.getvalue())


@cache
def same_as_xlsxwriter() -> bool:
    """Whether :class:`FastVml` and :class:`FastComments` write, for the sample comments, exactly the bytes
    xlsxwriter's ``Vml`` and ``Comments`` write."""
    return _written(Vml) == _written(FastVml) and _written(Comments) == _written(FastComments)


@cache
def _plain() -> dict[str, Any]:
    """The attributes of a comment written without options, but its cell and text (the colour object is shared: it is
    only read when the comment is written)."""
    out = dict(vars(CommentType(1, 1, "")))
    for name in ("row", "col", "text", "vertices", "start_row", "start_col", "x_offset", "y_offset"):
        out.pop(name)
    return out


def _plain_comment(row: int, col: int, text: str) -> CommentType:
    """``CommentType(row, col, text)`` without parsing its default colour again."""
    comment = CommentType.__new__(CommentType)
    vars(comment).update(_plain())
    comment.row, comment.col, comment.text, comment.vertices = row, col, text, []
    comment.set_offsets(row, col)
    return comment


def _same(a: CommentType, b: CommentType) -> bool:
    va, vb = dict(vars(a)), dict(vars(b))
    ca, cb = va.pop("color", None), vb.pop("color", None)
    return va == vb and vars(ca) == vars(cb) if ca is not None and cb is not None else va == vb and ca is cb


@cache
def plain_comments_same() -> bool:
    """Whether :func:`_plain_comment` builds, for comments in every corner of a sheet, what ``CommentType`` builds."""
    cells = [(r, c) for r in (0, 1, 2, 1048572, 1048573, 1048574, 1048575) for c in (0, 1, 16380, 16381, 16382, 16383)]
    return all(_same(_plain_comment(r, c, f"说明 {r} <&>"), CommentType(r, c, f"说明 {r} <&>")) for r, c in cells)


def write_comment(ws: Any, row: int, col: int, text: str) -> int:
    """``ws.write_comment(row, col, text)`` (no options) with less work per comment: the same checks and the same
    comment object (:func:`plain_comments_same`), else xlsxwriter's own method."""
    if not plain_comments_same():
        return int(ws.write_comment(row, col, text))
    if ws._check_dimensions(row, col):
        return -1
    if _utf16_len(text) > ws.xls_strmax:
        return -2
    ws.has_vml = True
    ws.has_comments = True
    ws.comments[row][col] = _plain_comment(row, col, text)
    return 0


@contextmanager
def faster_comments() -> Iterator[None]:
    """Within the block, workbooks write their comments' VML with :class:`FastVml` (when it writes the same bytes as
    the installed xlsxwriter, :func:`same_as_xlsxwriter`)."""
    if not same_as_xlsxwriter():
        yield
        return
    with _LOCK:  # one workbook at a time swaps the class; any other written meanwhile gets the same bytes
        saved: Any = (packager.Vml, packager.Comments)
        packager.Vml, packager.Comments = FastVml, FastComments
        try:
            yield
        finally:
            packager.Vml, packager.Comments = saved
