"""Read the sheet of an Excel workbook a user sees as text rows with their sheet row numbers.

The sheet read is the workbook's active sheet when it is visible, else its first visible sheet; a hidden
sheet is never read, and a workbook with several sheets says which one was read (WP-LOAD-040, INFO).
Bank staff often decorate exports: a title row merged across the top, a header split over two rows with
a group cell merged above, cells merged down a column for repeated values. The reader unmerges every range
(each cell takes the range's top-left value), finds the header row (the row naming the most contract
columns among the first ten), skips title rows above it (INFO), fills merged data cells (WARNING), and
refuses a header cell merged across several columns (structural ERROR: which column would it name?).
Typed cells are converted by ``xlsx_cells`` (percent-formatted rates, long numbers, formulas).
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import pyarrow as pa

from wupian.contract import Table
from wupian.core.issues import Issue
from wupian.engine.load_codes import make_issue
from wupian.engine.stage import ReadReject
from wupian.ingest.headers import normalise_header
from wupian.ingest.xlsx_cells import RowReader, cell_text

__all__ = ["cell_text", "read_xlsx"]

HEADER_SEARCH_ROWS = 10


def _ref(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"


def _pick_sheet(wb: Any, label: str) -> tuple[Any, list[Issue]]:
    """The active sheet if visible, else the first visible one; INFO naming it when there are several."""
    visible = [w for w in wb.worksheets if w.sheet_state == "visible"]
    active = wb.active
    ws = active if active is not None and active.sheet_state == "visible" else (visible or wb.worksheets)[0]
    if len(wb.worksheets) == 1:
        return ws, []
    others = ", ".join(
        f"'{w.title}'" + ("" if w.sheet_state == "visible" else " (hidden)") for w in wb.worksheets if w is not ws
    )
    why = "the active sheet" if ws is active else "the first visible sheet; the active one is hidden"
    return ws, [
        make_issue(
            "WP-LOAD-040",
            f"read sheet '{ws.title}' ({why}); not read: {others}",
            file=label,
            suggestion="keep one table per workbook, or make the sheet to load the active one",
        )
    ]


def _formula_grid(path: Path, title: str) -> list[list[Any]] | None:
    """The sheet's formulas (cell → '=…'), or None when the workbook holds no formula at all."""
    import openpyxl

    with zipfile.ZipFile(path) as zf:
        if not any(b"<f>" in zf.read(n) or b"<f " in zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")):
            return None
    wb = openpyxl.load_workbook(path, data_only=False)
    grid = [list(r) for r in wb[title].iter_rows(values_only=True)]
    wb.close()
    return grid


def _letters(width: int) -> list[str]:
    from openpyxl.utils import get_column_letter

    return [get_column_letter(i + 1) for i in range(width)]


def read_xlsx(
    path: Path, table: Table, label: str
) -> tuple[list[str], pa.Table | None, int, tuple[Issue, ...], tuple[ReadReject, ...]]:
    """(header texts, Arrow table of c<i> strings + __line, header row number, issues, refused rows)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
        ws, issues = _pick_sheet(wb, label)
        formulas = _formula_grid(path, ws.title)
    except Exception as exc:  # zip/xml errors of a corrupt or non-Excel file
        return [], None, 0, (make_issue("WP-LOAD-003", f"cannot open workbook: {exc}", file=label),), ()
    cells = [list(r) for r in ws.iter_rows()]
    grid: list[list[Any]] = [[c.value for c in r] for r in cells]
    formats: list[list[str]] = [[c.number_format or "" for c in r] for r in cells]
    width = max((len(r) for r in grid), default=0)
    for row in grid:
        row.extend([None] * (width - len(row)))
    merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    wb.close()
    for r0, c0, r1, c1 in merged:
        if r0 - 1 >= len(grid):
            continue
        top_left = grid[r0 - 1][c0 - 1]
        for r in range(r0, min(r1, len(grid)) + 1):
            for c in range(c0, c1 + 1):
                grid[r - 1][c - 1] = top_left
                if r - 1 < len(formats) and c - 1 < len(formats[r - 1]):
                    formats[r - 1][c - 1] = formats[r0 - 1][c0 - 1]
    while grid and all(cell_text(v) is None for v in grid[-1]) and not _has_formula(formulas, len(grid)):
        grid.pop()
    if not grid:
        return [], None, 0, tuple(issues), ()
    hmap = table.header_map()
    scores = [
        sum(1 for v in row if normalise_header(cell_text(v)) in hmap) for row in grid[:HEADER_SEARCH_ROWS]
    ]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    header_row = best + 1 if scores[best] > 0 else 1
    if header_row > 1:
        title = next((cell_text(v) for row in grid[: header_row - 1] for v in row if cell_text(v)), "")
        issues.append(
            make_issue(
                "WP-LOAD-011",
                f"rows 1–{header_row - 1} above the header row {header_row} skipped (title '{title}')",
                file=label,
                line=1,
            )
        )
    issues.extend(_merge_issues(grid, merged, header_row, label))
    header = [cell_text(v) or "" for v in grid[header_row - 1]]
    names = [hmap.get(normalise_header(h)) for h in header]
    reader = RowReader(label, [table.column(n) if n else None for n in names], _letters(width))
    columns: list[list[str | None]] = [[] for _ in header]
    lines: list[int] = []
    rejects: list[ReadReject] = []
    for idx in range(header_row, len(grid)):
        row_formulas = formulas[idx] if formulas is not None and idx < len(formulas) else []
        fmts = formats[idx] if idx < len(formats) else []
        texts, refused = reader.convert(idx + 1, grid[idx], [*fmts, *[""] * (width - len(fmts))], row_formulas)
        if refused:
            rejects.append(ReadReject(idx + 1, ",".join(t or "" for t in texts), tuple(refused)))
            continue
        if all(t is None for t in texts):
            continue
        for i, t in enumerate(texts):
            columns[i].append(t)
        lines.append(idx + 1)
    issues.extend(reader.percent_issues())
    arrays = {f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)}
    arrays["__line"] = pa.array(lines, type=pa.int64())
    return header, pa.table(arrays), header_row, tuple(issues), tuple(rejects)


def _has_formula(formulas: list[list[Any]] | None, row: int) -> bool:
    if formulas is None or row - 1 >= len(formulas):
        return False
    return any(isinstance(v, str) and v.startswith("=") for v in formulas[row - 1])


def _merge_issues(
    grid: list[list[Any]], merged: list[tuple[int, int, int, int]], header_row: int, label: str
) -> list[Issue]:
    issues: list[Issue] = []
    for r0, c0, r1, c1 in merged:
        if r0 <= header_row <= r1 and c1 > c0:
            text = cell_text(grid[header_row - 1][c0 - 1]) or ""
            issues.append(
                make_issue(
                    "WP-LOAD-010",
                    f"header cell {_ref(c0, r0, c1, r1)} ('{text}') is merged across {c1 - c0 + 1} columns",
                    file=label,
                    line=header_row,
                    column=text or None,
                    suggestion="unmerge it and give each column its own header",
                )
            )
        elif r0 > header_row:
            text = cell_text(grid[r0 - 1][c0 - 1]) or ""
            issues.append(
                make_issue(
                    "WP-LOAD-012",
                    f"merged cells {_ref(c0, r0, c1, r1)}: value '{text}' filled into every cell of the range",
                    file=label,
                    line=r0,
                )
            )
    return issues
