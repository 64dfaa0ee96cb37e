"""Shown values of the management workbook: one half-up rounding, differences from shown values, 本级 rows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.metrics.result import IndicatorResult, IndicatorValue, values_table
from wupian.reports.workbook_rows import Column, node_cells, own_cells, sheet_rows, shown

AS_OF = date(2026, 3, 31)
COLUMNS = (Column("balance", "余额", "wan"), Column("ytd_growth", "增速", "pct"), Column("gap_shown", "增速差", "pp"),
           Column("customers", "户数", "count"))


def _result(values: dict[tuple[str, str], str | None]) -> IndicatorResult:
    units = {"balance": "yuan", "ytd_growth": "percent", "customers": "households"}
    rows = [IndicatorValue(AS_OF, b, i, None if v is None else Decimal(v), units[i.split(".", 1)[1]],
                           None if v is not None else "缺少上年末快照") for (b, i), v in values.items()]
    return IndicatorResult.from_table(AS_OF, "pboc_2025", values_table(rows))


def test_shown_rounds_half_up_once() -> None:
    assert shown(Decimal("123456.50"), "wan") == Decimal("12.35")
    assert shown(Decimal("9.3450"), "pct") == Decimal("9.35") and shown(Decimal("-0.0050"), "pp") == Decimal("-0.01")
    assert shown(Decimal("250000000.00"), "yi") == Decimal("2.50") and shown(None, "wan") is None


def test_gap_is_the_difference_of_the_shown_growths() -> None:
    # exact 9.3449 − 6.2651 = 3.0798 (would round to 3.08); the sheet shows 9.34 and 6.27, so the gap shows 3.07
    r = _result({("H", "green.balance"): "100.00", ("H", "green.ytd_growth"): "9.3449",
                 ("H", "all_loans.ytd_growth"): "6.2651", ("H", "green.customers"): "3"})
    cells = node_cells(r, "H", "green", COLUMNS)
    assert [c.value for c in cells] == [Decimal("0.01"), Decimal("9.34"), Decimal("3.07"), Decimal("3")]
    r2 = _result({("H", "green.ytd_growth"): None, ("H", "all_loans.ytd_growth"): "6.2651"})
    gap = node_cells(r2, "H", "green", COLUMNS)[2]
    assert gap.value is None and gap.reason == "缺少上年末快照"


def test_own_row_makes_children_add_up_to_the_parent_as_shown() -> None:
    # parent 1,096,072.82万, children 315,780.30 and 315,780.31 (shown); exact 本级 464,512.215 would show .22,
    # but the sheet shows 1,096,072.82 − 315,780.30 − 315,780.31 = 464,512.21 so the printed rows add up
    r = _result({("P", "tech.balance"): "10960728200.00", ("A", "tech.balance"): "3157803000.00",
                 ("B", "tech.balance"): "3157803050.00", ("P", "tech.customers"): "9", ("A", "tech.customers"): "4",
                 ("B", "tech.customers"): "4"})
    tree = [{"branch_id": "P", "name": "沧州分行", "parent_id": None, "tree_depth": 1},
            {"branch_id": "A", "name": "运河支行", "parent_id": "P", "tree_depth": 2},
            {"branch_id": "B", "name": "新华支行", "parent_id": "P", "tree_depth": 2}]
    cols = (Column("balance", "余额", "wan"), Column("customers", "户数", "count"))
    rows = sheet_rows(r, tree, "tech", cols)
    assert [(x.name, x.depth, x.own) for x in rows] == [("沧州分行", 0, False), ("本级", 1, True),
                                                       ("运河支行", 1, False), ("新华支行", 1, False)]
    own, a, b, parent = rows[1].cells[0].value, rows[2].cells[0].value, rows[3].cells[0].value, rows[0].cells[0].value
    assert own is not None and a is not None and b is not None and own + a + b == parent
    assert own == Decimal("464512.21") and rows[1].cells[1].value is None and "本级" in (rows[1].cells[1].reason or "")
    assert own_cells(rows[0].cells, [], cols)[0].value == parent


@settings(max_examples=200, deadline=None)
@given(parent=st.integers(0, 10**14), parts=st.lists(st.integers(0, 10**12), min_size=1, max_size=6),
       growths=st.tuples(st.integers(-10**6, 10**6), st.integers(-10**6, 10**6)))
def test_printed_rows_always_add_up_and_gaps_match(parent: int, parts: list[int], growths: tuple[int, int]) -> None:
    """For any exact figures (in fen / 10⁻⁴ %), 本级 + shown children = shown parent, and the shown gap equals
    the difference of the shown growths."""
    total = Decimal(parent + sum(parts)) / 100
    values: dict[tuple[str, str], str | None] = {("P", "tech.balance"): str(total)}
    tree = [{"branch_id": "P", "name": "P", "parent_id": None, "tree_depth": 0}]
    for k, fen in enumerate(parts):
        values[(f"C{k}", "tech.balance")] = str(Decimal(fen) / 100)
        tree.append({"branch_id": f"C{k}", "name": f"C{k}", "parent_id": "P", "tree_depth": 1})
    values[("P", "tech.ytd_growth")] = str(Decimal(growths[0]) / 10000)
    values[("P", "all_loans.ytd_growth")] = str(Decimal(growths[1]) / 10000)
    cols = (Column("balance", "余额", "wan"), Column("ytd_growth", "增速", "pct"), Column("gap_shown", "差", "pp"))
    rows = sheet_rows(_result(values), tree, "tech", cols)
    assert sum((r.cells[0].value for r in rows[1:]), Decimal(0)) == rows[0].cells[0].value  # type: ignore[misc]
    assert rows[0].cells[2].value == rows[0].cells[1].value - shown(Decimal(growths[1]) / 10000, "pct")  # type: ignore[operator]


def test_single_cell_writer_rounds_like_the_sheets(tmp_path: Path) -> None:
    import xlsxwriter
    from openpyxl import load_workbook

    from wupian.reports.workbook import Blanks, _formats, _write

    wb = xlsxwriter.Workbook(str(tmp_path / "c.xlsx"))
    ws = wb.add_worksheet("s")
    fmt = _formats(wb)
    blanks = Blanks()
    _write(ws, 0, 0, Decimal("123456.50"), "wan", fmt, None, blanks=blanks)
    _write(ws, 0, 1, None, "pct", fmt, "无数据", blanks=blanks)
    blanks.write_comments()  # a lone blank in its column: the reason on the cell
    wb.close()
    got = load_workbook(tmp_path / "c.xlsx")["s"]
    assert got["A1"].value == 12.35 and got["B1"].value is None and got["B1"].comment.text == "无数据"
