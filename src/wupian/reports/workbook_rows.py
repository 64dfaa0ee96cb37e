"""The shown values of the management workbook, decided before anything is written.

Rules (docs/reports.md, "Management workbook"):

* every number is rounded once, half-up, from the indicator value to what the cell shows (万元/亿元 with 2
  decimals from exact yuan, percents and rates with 2 decimals from their 4-/5-place value, counts and ranks
  whole);
* a difference the reader can recompute from the sheet is computed from the **shown** values: the growth gap
  (比年初增速 − 各项贷款比年初增速) is the difference of the two shown growths, so 9.34 − 6.27 always shows 3.07;
* a node with sub-branches gets a ``本级`` row for the loans booked at the node itself: its additive amounts
  (余额, 较上月, 较年初, 当年累放) are the node's shown value minus the shown values of its direct children, so
  children + 本级 add up to the parent exactly as printed; non-additive cells of 本级 (户数, 增速, 利率, 排名 …)
  are blank with a comment.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from wupian.core.money import WAN, YI
from wupian.metrics import IndicatorResult
from wupian.reports.values import cells

HUNDREDTH = Decimal("0.01")
ADDITIVE = ("balance", "mom_change", "ytd_change", "ytd_disbursed")
OWN_REASON = "本级行只列可加总的金额（= 上级显示值 − 各下级显示值之和）"


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # a measure of the scope (``balance``, ``balance.rank_siblings`` …) or ``gap_shown``
    header: str
    kind: str  # wan | yi | pct | pp | rate | count


@dataclass(frozen=True, slots=True)
class Cell:
    value: Decimal | None
    reason: str | None = None


@dataclass(frozen=True, slots=True)
class SheetRow:
    branch_id: str
    name: str
    depth: int
    cells: tuple[Cell, ...]
    own: bool = False  # the 本级 row of ``branch_id``


def shown(value: Decimal | None, kind: str) -> Decimal | None:
    """The value a cell of ``kind`` shows, rounded half-up once from the exact value."""
    if value is None:
        return None
    if kind == "wan":
        return (value / WAN).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    if kind == "yi":
        return (value / YI).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    if kind in ("pct", "pp", "rate"):
        return value.quantize(HUNDREDTH, rounding=ROUND_HALF_UP)
    return value.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def node_cells(result: IndicatorResult, node: str, scope: str, columns: tuple[Column, ...]) -> tuple[Cell, ...]:
    got = cells(result, node, _ids(scope, columns))  # one look-up per column, the growth gap's two at the end
    out = []
    for col, g in zip(columns, got, strict=False):
        if col.key == "gap_shown":
            mine, base = got[-2], got[-1]
            a, b = shown(mine[0] if mine else None, "pct"), shown(base[0] if base else None, "pct")
            if scope == "all_loans":
                out.append(Cell(None, "各项贷款自身不计算增速差"))
            elif a is None or b is None:
                out.append(Cell(None, (mine[1] if mine else None) or "增速不可用"))
            else:
                out.append(Cell(a - b))
            continue
        out.append(Cell(shown(g[0], col.kind), g[1]) if g else Cell(None, "无数据"))
    return tuple(out)


@cache
def _ids(scope: str, columns: tuple[Column, ...]) -> tuple[str, ...]:
    """The indicator ids :func:`node_cells` reads: one per column (the growth gap's is a placeholder, not read),
    then, when a column is the growth gap, the two growths it is the difference of."""
    gap = (f"{scope}.ytd_growth", "all_loans.ytd_growth") if any(c.key == "gap_shown" for c in columns) else ()
    return (*(f"{scope}.{c.key}" if c.key != "gap_shown" else "" for c in columns), *gap)


def own_cells(parent: tuple[Cell, ...], children: list[tuple[Cell, ...]], columns: tuple[Column, ...]) -> tuple[Cell, ...]:
    out = []
    for j, col in enumerate(columns):
        if col.key not in ADDITIVE:
            out.append(Cell(None, OWN_REASON))
            continue
        top, parts = parent[j].value, [c[j].value for c in children]
        if top is None or any(v is None for v in parts):
            out.append(Cell(None, parent[j].reason or "下级机构数值不可用"))
        else:
            out.append(Cell(top - sum((v for v in parts if v is not None), Decimal(0))))
    return tuple(out)


def sheet_rows(result: IndicatorResult, tree: list[dict[str, Any]], scope: str, columns: tuple[Column, ...]) -> list[SheetRow]:
    """Every node of ``tree`` (reading order) with its cells; directly after a node that has sub-branches, its
    本级 row (one level deeper, before the children)."""
    kids: dict[Any, list[str]] = {}
    for r in tree:
        kids.setdefault(r["parent_id"], []).append(r["branch_id"])
    top_depth = min((int(r["tree_depth"]) for r in tree), default=0)
    cells = {r["branch_id"]: node_cells(result, r["branch_id"], scope, columns) for r in tree}
    rows: list[SheetRow] = []
    for r in tree:
        node, depth = r["branch_id"], int(r["tree_depth"]) - top_depth
        rows.append(SheetRow(node, str(r["name"]), depth, cells[node]))
        children = [c for c in kids.get(node, []) if c in cells]
        if children:
            rows.append(SheetRow(node, "本级", depth + 1, own_cells(cells[node], [cells[c] for c in children], columns),
                                 own=True))
    return rows


COLUMN_NOTE = "本列空白单元格：{reason}"
COLUMN_NOTE_EXCEPT = "本列空白单元格（单独批注的除外）：{reason}"


@dataclass(frozen=True, slots=True)
class ColumnNotes:
    header: str | None  # the comment of the column's header cell
    cells: tuple[tuple[int, str], ...]  # (row, reason) of the blank cells that keep a comment of their own


def column_notes(blanks: list[tuple[int, str | None]]) -> ColumnNotes:
    """Where the reasons of one table column's unavailable (blank) cells are written, from ``blanks`` = (row,
    reason) in row order. The reason most of them share (the first of equals in row order), when at least two
    share it, is said once in the column's header comment; every blank with another reason keeps its own comment.
    A blank without a reason gets no comment, so a column with one says every reason on its cell (the header note
    would otherwise seem to cover it)."""
    counts: dict[str, int] = {}
    for _, reason in blanks:
        if reason:
            counts[reason] = counts.get(reason, 0) + 1
    cells = [(row, reason) for row, reason in blanks if reason]
    if not counts or len(cells) < len(blanks):
        return ColumnNotes(None, tuple(cells))
    top = max(counts, key=lambda r: counts[r])  # max keeps the first of equals: counts is in row order
    if counts[top] < 2:
        return ColumnNotes(None, tuple(cells))
    rest = tuple((row, reason) for row, reason in cells if reason != top)
    return ColumnNotes((COLUMN_NOTE_EXCEPT if rest else COLUMN_NOTE).format(reason=top), rest)
