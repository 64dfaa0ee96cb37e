"""The workbook's number and blank cells stored and written with less work per cell — the same bytes as
xlsxwriter's own.

The management workbook has ≈ 60k table cells (≈ 22k numbers, ≈ 32k formatted blanks at the bank's ≈ 500
branches), whatever the number of loans. xlsxwriter stores each through a decorated ``write_number`` /
``write_blank`` (A1-notation check, NaN check, dimension check per cell) and writes each cell's XML through a list
of attribute pairs, a format look-up, a class-name dispatch and an escaping regular expression — ≈ 0.3 s of the
workbook's ≈ 0.6 s, all of it Python under the interpreter lock that the other report lanes need too.

:func:`put_row` stores a row's run of cells as ``write_number`` / ``write_blank`` would (one dimension check for the
run: the dimensions are a minimum and a maximum), and :class:`FastWorksheet` writes a number, blank or shared
string cell that has a format as one formatted string — exactly what xlsxwriter's ``_write_cell`` writes for it;
any other cell goes to xlsxwriter's own method. Both are used only after checking, once per process, that they
give the same stored table, dimensions and XML bytes as the installed xlsxwriter for a sample sheet
(:func:`same_as_xlsxwriter`); otherwise the workbook is written with xlsxwriter's own methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from io import StringIO
from math import isfinite
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell_fast
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

_new = tuple.__new__


class FastWorksheet(Worksheet):
    """xlsxwriter's ``Worksheet`` whose formatted number, blank and shared-string cells are each written by one
    formatted string."""

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        kind = type(cell)
        fmt = cell.format
        if fmt and (kind is CellNumberTuple or kind is CellBlankTuple or kind is CellStringTuple):
            ref, xf = xl_rowcol_to_cell_fast(row, col), fmt._get_xf_index()
            if kind is CellNumberTuple:
                self.fh.write(f'<c r="{ref}" s="{xf}"><v>{cell.number:.16G}</v></c>')
            elif kind is CellBlankTuple:
                self.fh.write(f'<c r="{ref}" s="{xf}"/>')
            else:
                self.fh.write(f'<c r="{ref}" s="{xf}" t="s"><v>{cell.string}</v></c>')
            return
        super()._write_cell(row, col, cell)


def put_row(ws: Any, row: int, first_col: int, values: Sequence[float | None], formats: Sequence[Any]) -> None:
    """``ws.write_number(row, c, v, f)`` for each number and ``ws.write_blank(row, c, None, f)`` for each None of
    ``values`` from column ``first_col`` on (``formats`` one per value, none None), with one dimension check for the
    run (:func:`same_as_xlsxwriter`, else xlsxwriter's own methods)."""
    if fast_cells():
        _put_row(ws, row, first_col, values, formats)
    else:
        _write_row(ws, row, first_col, values, formats)


def _write_row(ws: Any, row: int, first_col: int, values: Sequence[float | None], formats: Sequence[Any]) -> None:
    """The cells of :func:`put_row` by xlsxwriter's own methods."""
    for col, (v, f) in enumerate(zip(values, formats, strict=True), start=first_col):
        if v is None:
            ws.write_blank(row, col, None, f)
        else:
            ws.write_number(row, col, v, f)


def _put_row(ws: Any, row: int, first_col: int, values: Sequence[float | None], formats: Sequence[Any]) -> None:
    """The cells of :func:`put_row` stored in the sheet's table directly (xlsxwriter's methods for a run they would
    treat otherwise: out of bounds, a NaN or infinity, a missing format, constant memory)."""
    if (ws.constant_memory or not values or len(values) != len(formats) or any(f is None for f in formats)
            or not all(v is None or isfinite(v) for v in values)
            or ws._check_dimensions(row, first_col) or ws._check_dimensions(row, first_col + len(values) - 1)):
        _write_row(ws, row, first_col, values, formats)
        return
    cells = ws.table[row]
    blanks: dict[int, Any] = ws.__dict__.setdefault("_wp_blanks", {})  # one (immutable) blank cell per format
    for col, (v, f) in enumerate(zip(values, formats, strict=True), start=first_col):
        if v is None:
            blank = blanks.get(id(f))
            if blank is None or blank.format is not f:
                blank = blanks[id(f)] = _new(CellBlankTuple, (f,))
            cells[col] = blank
        else:  # the named tuple built without its Python-level __new__
            cells[col] = _new(CellNumberTuple, (v, f))


def _sample(fast: bool) -> tuple[str, dict[Any, Any], tuple[Any, ...]]:
    """A sheet with every kind of cell these classes write or leave to xlsxwriter — numbers of every size and sign,
    blanks, shared strings, cells without a format (row and column formats), a formula, a comment, row heights — as
    XML, its table and its dimensions, written with the fast methods or with xlsxwriter's own."""
    wb = Workbook(StringIO(), {"in_memory": True})
    ws = wb.add_worksheet("s", FastWorksheet if fast else Worksheet)
    fmt = [wb.add_format({"num_format": n, "border": 1}) for n in ("#,##0.00", "0.00", "#,##0")]
    numbers = [0.0, -0.0, 1.0, -1.5, 0.1, 1 / 3, 123456789.12, -98765.4321, 1e20, 1.5e-12, 12345678901234567.0,
               2.0**53 + 1, 7, -3]
    ws.set_row(5, 30)
    ws.set_row(6, None, fmt[1])
    ws.set_column(9, 9, 12, fmt[2])
    for r in range(0, 8):
        row = [numbers[(r * 3 + k) % len(numbers)] if (r + k) % 3 else None for k in range(8)]
        formats = [fmt[(r + k) % 3] for k in range(8)]
        if fast:
            _put_row(ws, r + 2, r % 3, row, formats)
        else:
            for c, (v, f) in enumerate(zip(row, formats, strict=True), start=r % 3):
                (ws.write_blank(r + 2, c, None, f) if v is None else ws.write_number(r + 2, c, v, f))
    ws.write_string(0, 0, "标题 <&>", fmt[0])
    ws.write_string(1, 3, "x")
    ws.write_number(6, 12, 2.5)
    ws.write_number(4, 9, 4.25)
    ws.write_blank(3, 12, None, fmt[0])
    ws.write_formula(11, 1, "=A1+1", fmt[1], 3)
    ws.write_comment(12, 4, "注释")
    ws.write_number(1000, 30, -1.25, fmt[2])
    wb._prepare_format_properties()
    ws._set_xml_writer(StringIO())
    ws._write_sheet_data()
    table = {r: {c: (type(cell).__name__, *(x._get_xf_index() if isinstance(x, Format) else x for x in cell))
                 for c, cell in cells.items()} for r, cells in ws.table.items() if cells}
    return (str(ws.fh.getvalue()), table, (ws.dim_rowmin, ws.dim_rowmax, ws.dim_colmin, ws.dim_colmax))


@cache
def same_as_xlsxwriter() -> bool:
    """Whether :func:`put_row` and :class:`FastWorksheet` give, for a sample sheet, the table, dimensions and XML
    bytes that xlsxwriter's own methods give."""
    try:
        return _sample(True) == _sample(False)
    except Exception:  # noqa: BLE001 — an xlsxwriter whose internals differ: its own methods are used
        return False


def fast_cells() -> bool:
    """Whether the fast cell methods are in use (:func:`same_as_xlsxwriter`)."""
    return same_as_xlsxwriter()


def worksheet_class() -> type[Worksheet]:
    """The worksheet class for a new sheet: :class:`FastWorksheet` when it writes xlsxwriter's bytes."""
    return FastWorksheet if fast_cells() else Worksheet
