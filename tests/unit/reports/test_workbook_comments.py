"""Where the workbook says why a cell is blank: a reason most blanks of a table column share is one comment on the
column's header; blanks with another reason keep their own comment; available cells never get one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from wupian.engine.metrics import branch_nodes
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.reports.run import dfs_order
from wupian.reports.workbook import CATEGORY_COLUMNS, CATEGORY_SHEETS, write_workbook
from wupian.reports.workbook_rows import COLUMN_NOTE, COLUMN_NOTE_EXCEPT, column_notes, sheet_rows

AS_OF = date(2026, 3, 31)

SNAP = "缺少2025-12-31的贷款快照，无法与该日比较"
OWN = "本级行只列可加总的金额（= 上级显示值 − 各下级显示值之和）"


def test_a_column_of_one_reason_has_one_header_comment() -> None:
    notes = column_notes([(4, SNAP), (5, SNAP), (9, SNAP)])
    assert notes.header == COLUMN_NOTE.format(reason=SNAP) and notes.cells == ()


def test_mixed_reasons_keep_the_minority_on_their_cells() -> None:
    notes = column_notes([(4, SNAP), (5, OWN), (6, SNAP), (7, SNAP), (8, OWN)])
    assert notes.header == COLUMN_NOTE_EXCEPT.format(reason=SNAP)
    assert notes.cells == ((5, OWN), (8, OWN))


def test_a_lone_reason_and_even_splits() -> None:
    assert column_notes([(4, SNAP)]).header is None and column_notes([(4, SNAP)]).cells == ((4, SNAP),)
    assert column_notes([(4, SNAP), (5, OWN)]).cells == ((4, SNAP), (5, OWN))  # nobody shares: all on the cells
    tie = column_notes([(4, OWN), (5, SNAP), (6, SNAP), (7, OWN)])  # equals: the first in row order wins
    assert tie.header == COLUMN_NOTE_EXCEPT.format(reason=OWN) and tie.cells == ((5, SNAP), (6, SNAP))
    assert column_notes([]) == column_notes([(4, None)]) and column_notes([]).header is None


def test_a_blank_without_reason_keeps_every_reason_on_the_cells() -> None:
    notes = column_notes([(4, SNAP), (5, None), (6, SNAP)])
    assert notes.header is None and notes.cells == ((4, SNAP), (6, SNAP))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([SNAP, OWN, "分母为零", None]), max_size=30))
def test_every_blank_can_find_its_reason(reasons: list[str | None]) -> None:
    """Each blank's reason is its own comment or, when it has none, the header's reason; a blank without a reason
    is never covered by the header."""
    blanks = list(enumerate(reasons, start=4))
    notes = column_notes(blanks)
    own = dict(notes.cells)
    assert len(own) == len(notes.cells) and set(own) <= {r for r, _ in blanks}
    for row, reason in blanks:
        if row in own:
            assert own[row] == reason
        elif reason:
            assert notes.header is not None and notes.header.endswith("：" + reason)
    if notes.header is not None:
        assert None not in reasons and len(notes.cells) < len(reasons) - 1
        assert ("单独批注" in notes.header) == bool(notes.cells)


def _comments(path: Path) -> dict[str, dict[tuple[int, int], str]]:
    wb = load_workbook(path)
    return {ws.title: {(c.row, c.column): c.comment.text for row in ws.iter_rows() for c in row if c.comment}
            for ws in wb.worksheets}


def test_workbook_places_the_comments_by_column(bank: Warehouse, tmp_path: Path) -> None:
    """Every category sheet's table: each column's comments are exactly what :func:`column_notes` places for its
    blanks (header comment on the header row, the rest on their cells), and only blank cells carry a comment."""
    r = compute_indicators(bank, AS_OF)
    tree = dfs_order(branch_nodes(bank, AS_OF).to_pylist(), "H")
    path = write_workbook(r, tree, tmp_path / "wb.xlsx", branch_id="H", bank_name="沧州分行")
    comments = _comments(path)
    ws_all = load_workbook(path)
    headers = cells = 0
    for scope, sheet in CATEGORY_SHEETS:
        rows = sheet_rows(r, tree, scope, CATEGORY_COLUMNS)
        got = comments[sheet]
        ws = ws_all[sheet]
        for j in range(len(CATEGORY_COLUMNS)):
            col = j + 3  # openpyxl: 1-based, after 机构号 and 机构名称
            blanks = [(i, row.cells[j].reason) for i, row in enumerate(rows, start=5) if row.cells[j].value is None]
            notes = column_notes(blanks)
            assert got.get((4, col)) == notes.header, (sheet, CATEGORY_COLUMNS[j].header)
            mine = {row: text for (row, c), text in got.items() if c == col and 4 < row < 5 + len(rows)}
            assert mine == dict(notes.cells), (sheet, CATEGORY_COLUMNS[j].header)
            headers += notes.header is not None
            cells += len(notes.cells)
        assert all(ws.cell(row, c).value is None for (row, c) in got if row != 4 and c > 2)  # only blanks
    assert headers and cells  # the fixture has both kinds
