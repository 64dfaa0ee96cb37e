"""Spreadsheet injection: a customer or branch name starting with ``=``, ``+``, ``-`` or ``@`` (or an id that
looks like a number) is a string cell in every workbook wupian writes — read back with openpyxl, never a
formula, never a number."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from wupian.engine.metrics import branch_nodes
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute_indicators
from wupian.reports.nfra import compute_tables
from wupian.reports.nfra_xlsx import write_nfra_xlsx
from wupian.reports.run import dfs_order
from wupian.reports.workbook import write_workbook
from wupian.reports.worklist_xlsx import write_worklist

AS_OF = date(2026, 3, 31)
TRIGGERS = ("=", "+", "-", "@")
NASTY = ["=1+1", "+86 138 0000 0000", "-2+3", "@SUM(A1:A9)", "=HYPERLINK(\"http://x\",\"点我\")",
         "=cmd|' /C calc'!A0", "0012345678901234567", "1E5", "３.１４"]

names = st.builds(lambda p, rest: p + rest, st.sampled_from(TRIGGERS),
                  st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=30))


def _cells(ws: object) -> list[object]:
    return [c for row in ws.iter_rows() for c in row]  # type: ignore[attr-defined]


@settings(max_examples=40, deadline=None)
@given(st.lists(names, min_size=1, max_size=5))
def test_worklist_names_starting_with_a_formula_sign_stay_text(customer_names: list[str]) -> None:
    buffer = io.BytesIO()
    ids = [f"{9113090000000000 + i:018d}" for i in range(len(customer_names))]
    write_worklist(pa.table({"id_code": ids, "name": customer_names}), buffer)
    ws = load_workbook(io.BytesIO(buffer.getvalue()))["待拓展清单"]
    for i, name in enumerate(customer_names, start=2):
        cell = ws.cell(i, 2)
        assert cell.data_type == "s" and cell.value == (name or None), (name, cell.value)
        assert ws.cell(i, 1).data_type == "s" and ws.cell(i, 1).value == ids[i - 2]  # leading zeros kept
    assert all(c.data_type != "f" for c in _cells(ws))


def test_nasty_names_in_every_workbook(bank: Warehouse, tmp_path: Path) -> None:
    """Branch names and the institution name (the workbook and the NFRA tables) and customer names (worklist)."""
    for branch_id, name in zip(("A1", "A2", "B"), NASTY[:3], strict=True):
        bank.execute("UPDATE branches SET name = ? WHERE branch_id = ?", [name, branch_id])
    result = compute_indicators(bank, AS_OF)
    tree = dfs_order(branch_nodes(bank, AS_OF).to_pylist(), "H")
    book = load_workbook(write_workbook(result, tree, tmp_path / "wb.xlsx", branch_id="H", bank_name="@沧州分行"))
    texts = [c for ws in book.worksheets for c in _cells(ws) if isinstance(c.value, str)]
    for name in NASTY[:3]:
        shown = [c for c in texts if c.value.strip("　") == name]
        assert shown and all(c.data_type == "s" for c in shown), name
    assert book["总览"]["A1"].value.startswith("@沧州分行") and book["总览"]["A1"].data_type == "s"
    assert all(c.data_type != "f" for ws in book.worksheets for c in _cells(ws))
    for path in write_nfra_xlsx(compute_tables(bank, AS_OF)[0], tmp_path / "nfra", AS_OF, institution="-1+2沧州"):
        ws = load_workbook(path).active
        assert ws["A2"].value == "填报机构：-1+2沧州" and ws["A2"].data_type == "s"
        assert all(c.data_type != "f" for c in _cells(ws))
    buffer = io.BytesIO()
    write_worklist(pa.table({"name": NASTY, "n": [str(i) for i in range(len(NASTY))]}), buffer)
    ws = load_workbook(io.BytesIO(buffer.getvalue())).active
    assert [ws.cell(i, 1).value for i in range(2, len(NASTY) + 2)] == NASTY
    assert all(ws.cell(i, 1).data_type == "s" for i in range(2, len(NASTY) + 2))
