"""``reports.workbook_cells``: the workbook's number and blank cells stored by ``put_row`` and written by
``FastWorksheet`` are what xlsxwriter's own methods store and write — for random sheets, for the management
workbook of the fixture bank, and (xlsxwriter's methods) when the installed xlsxwriter would differ."""

from __future__ import annotations

import io
import math
import random
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from wupian.engine.metrics import branch_nodes
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.reports import workbook_cells
from wupian.reports.run import dfs_order
from wupian.reports.values import lazy
from wupian.reports.workbook import write_workbook
from wupian.reports.workbook_cells import FastWorksheet, put_row, same_as_xlsxwriter

AS_OF = date(2026, 3, 31)


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _own_row(ws: Any, row: int, first_col: int, values: list[float | None], formats: list[Any]) -> None:
    for col, (v, f) in enumerate(zip(values, formats, strict=True), start=first_col):
        ws.write_blank(row, col, None, f) if v is None else ws.write_number(row, col, v, f)


def _random_workbook(path: Path, seed: int, fast: bool) -> Path:
    """Rows of numbers (any size and sign, NaN and infinity among them), blanks, strings, cells without a format,
    a row and a column format, comments, rows and runs past the sheet's last column — put by ``put_row`` on
    ``FastWorksheet`` sheets (``fast``) or by xlsxwriter's own methods on its own sheets."""
    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path), {"nan_inf_to_errors": True})
    if fast:
        wb.worksheet_class = FastWorksheet
    formats = [wb.add_format({"num_format": n, "border": 1}) for n in ("#,##0.00", "0.00", "+0.00;-0.00;0.00", "#,##0")]
    numbers = [0.0, -0.0, 1.0, -2.5, 0.1, 1 / 3, 123456789.12, -98765.4321, 1e21, 2.5e-9, 12345678901234567.0,
               float(2**53 + 1), math.nan, math.inf, -math.inf, 7, -3]
    for s in range(2):
        ws = wb.add_worksheet(f"表{s}")
        ws.set_row(rnd.randrange(20), 42, rnd.choice(formats))
        ws.set_column(3, 3, 12, rnd.choice(formats))
        for _ in range(rnd.randrange(40, 120)):
            row, first = rnd.randrange(300), rnd.choice([0, 2, 5, 16380])
            values = [rnd.choice(numbers) if rnd.random() < 0.6 else None for _ in range(rnd.randrange(1, 18))]
            fmts = [rnd.choice(formats) for _ in values]
            (put_row if fast else _own_row)(ws, row, first, values, fmts)
        for _ in range(30):
            row, col, kind = rnd.randrange(300), rnd.randrange(20), rnd.randrange(5)
            if kind == 0:
                ws.write_string(row, col, "名称 <&>", rnd.choice(formats))
            elif kind == 1:
                ws.write_string(row, col, "无格式")
            elif kind == 2:
                ws.write_number(row, col, 4.25)
            elif kind == 3:
                ws.write_comment(row, col, "说明")
            else:
                ws.write_formula(row, col, "=1+1")
    wb.close()
    return path


@pytest.mark.parametrize("seed", range(4))
def test_put_row_and_fast_worksheet_write_xlsxwriters_bytes(tmp_path: Path, seed: int) -> None:
    assert same_as_xlsxwriter()
    own = _members(_random_workbook(tmp_path / "own.xlsx", seed, fast=False))
    fast = _members(_random_workbook(tmp_path / "fast.xlsx", seed, fast=True))
    assert own == fast and b"<v>" in own["xl/worksheets/sheet1.xml"]


def test_put_row_stores_what_write_number_and_write_blank_store() -> None:
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    a, b = wb.add_worksheet("a"), wb.add_worksheet("b")
    f = [wb.add_format({"num_format": "0.00"}), wb.add_format({"bold": True})]
    for ws, put in ((a, _own_row), (b, put_row)):
        put(ws, 7, 3, [1.5, None, -0.0, None, 2e20], [f[0], f[1], f[0], f[0], f[1]])
        put(ws, 2, 9, [None], [f[1]])
    assert {r: dict(c) for r, c in a.table.items()} == {r: dict(c) for r, c in b.table.items()}
    assert (a.dim_rowmin, a.dim_rowmax, a.dim_colmin, a.dim_colmax) == (b.dim_rowmin, b.dim_rowmax, b.dim_colmin,
                                                                        b.dim_colmax) == (2, 7, 3, 9)


def test_a_fast_method_that_differs_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def other_bytes(self: FastWorksheet, row: int, col: int, cell: Any) -> None:
        self.fh.write(f'<c r="X{row}"/>')

    monkeypatch.setattr(FastWorksheet, "_write_cell", other_bytes)
    workbook_cells.same_as_xlsxwriter.cache_clear()
    try:
        assert not same_as_xlsxwriter() and workbook_cells.worksheet_class() is not FastWorksheet
        stored: list[tuple[int, int]] = []

        class Sheet:  # put_row then calls xlsxwriter's methods
            def write_number(self, row: int, col: int, *_: object) -> None:
                stored.append((row, col))

            def write_blank(self, row: int, col: int, *_: object) -> None:
                stored.append((row, -col))

        put_row(Sheet(), 4, 1, [1.0, None], [object(), object()])
        assert stored == [(4, 1), (4, -2)]
    finally:
        workbook_cells.same_as_xlsxwriter.cache_clear()


def test_the_management_workbook_is_the_same_with_xlsxwriters_own_methods(bank: Warehouse, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    r = compute_indicators(bank, AS_OF)
    tree = dfs_order(branch_nodes(bank, AS_OF).to_pylist(), "H")
    fast = write_workbook(lazy(r), tree, tmp_path / "fast.xlsx", branch_id="H", bank_name="沧州分行")
    monkeypatch.setattr(workbook_cells, "fast_cells", lambda: False)
    monkeypatch.setattr(workbook_cells, "worksheet_class", lambda: xlsxwriter.worksheet.Worksheet)
    monkeypatch.setattr("wupian.reports.workbook.worksheet_class", lambda: xlsxwriter.worksheet.Worksheet)
    own = write_workbook(r, tree, tmp_path / "own.xlsx", branch_id="H", bank_name="沧州分行")
    assert _members(fast) == _members(own)
