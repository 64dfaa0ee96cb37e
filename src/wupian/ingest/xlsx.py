"""Read the first sheet of an Excel workbook as text rows with their sheet row numbers.

Bank staff often decorate exports: a title row merged across the top, a header split over two rows with
a group cell merged above, cells merged down a column for repeated values. The reader unmerges every range
(each cell takes the range's top-left value), finds the header row (the row naming the most contract
columns among the first ten), skips title rows above it (INFO), fills merged data cells (WARNING), and
refuses a header cell merged across several columns (structural ERROR: which column would it name?).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pyarrow as pa

from wupian.contract import Table
from wupian.core.issues import Issue
from wupian.engine.load_codes import make_issue
from wupian.ingest.headers import normalise_header

HEADER_SEARCH_ROWS = 10


def cell_text(value: Any) -> str | None:
    """Excel cell value → the text a user would see (numbers to 15 significant digits, dates ISO)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    return text or None


def _ref(min_col: int, min_row: int, max_col: int, max_row: int) -> str:
    from openpyxl.utils import get_column_letter

    return f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{max_row}"


def read_xlsx(
    path: Path, table: Table, label: str
) -> tuple[list[str], pa.Table | None, int, tuple[Issue, ...]]:
    """(header texts, Arrow table of c<i> strings + __line, header row number, issues)."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # zip/xml errors of a corrupt or non-Excel file
        return [], None, 0, (make_issue("WP-LOAD-003", f"cannot open workbook: {exc}", file=label),)
    ws = wb.worksheets[0]
    grid: list[list[Any]] = [list(r) for r in ws.iter_rows(values_only=True)]
    width = max((len(r) for r in grid), default=0)
    for cells in grid:
        cells.extend([None] * (width - len(cells)))
    merged = [(m.min_row, m.min_col, m.max_row, m.max_col) for m in ws.merged_cells.ranges]
    wb.close()
    for r0, c0, r1, c1 in merged:
        if r0 - 1 >= len(grid):
            continue
        top_left = grid[r0 - 1][c0 - 1]
        for r in range(r0, min(r1, len(grid)) + 1):
            for c in range(c0, c1 + 1):
                grid[r - 1][c - 1] = top_left
    while grid and all(cell_text(v) is None for v in grid[-1]):
        grid.pop()
    if not grid:
        return [], None, 0, ()
    hmap = table.header_map()
    scores = [
        sum(1 for v in row if normalise_header(cell_text(v)) in hmap) for row in grid[:HEADER_SEARCH_ROWS]
    ]
    best = max(range(len(scores)), key=lambda i: (scores[i], -i))
    header_row = best + 1 if scores[best] > 0 else 1
    issues: list[Issue] = []
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
    header = [cell_text(v) or "" for v in grid[header_row - 1]]
    columns: list[list[str | None]] = [[] for _ in header]
    lines: list[int] = []
    for idx in range(header_row, len(grid)):
        texts = [cell_text(v) for v in grid[idx]]
        if all(t is None for t in texts):
            continue
        for i, t in enumerate(texts):
            columns[i].append(t)
        lines.append(idx + 1)
    arrays = {f"c{i}": pa.array(col, type=pa.string()) for i, col in enumerate(columns)}
    arrays["__line"] = pa.array(lines, type=pa.int64())
    return header, pa.table(arrays), header_row, tuple(issues)
