"""Issue 9 §4: every text cell of a written xlsx is a string, read back with openpyxl — a name starting with ``=``
never becomes a live formula and an 18-digit id never becomes a number."""

from __future__ import annotations

import io
from pathlib import Path

import pyarrow as pa
from openpyxl import load_workbook

from wupian.reports.worklist_xlsx import write_worklist


def test_worklist_cells_are_strings(tmp_path: Path) -> None:
    worklist = pa.table({"id_code": ["440305199001011234", "911309000000000001"],
                         "name": ["=HYPERLINK(\"http://x\",\"点我\")", "+1-2"], "branch_id": ["A1", None]})
    write_worklist(worklist, tmp_path / "sub" / "w.xlsx")
    ws = load_workbook(tmp_path / "sub" / "w.xlsx")["待拓展清单"]
    assert [c.value for c in ws[1]] == ["id_code", "name", "branch_id"]
    assert ws["A2"].value == "440305199001011234" and ws["A2"].data_type == "s"
    assert ws["B2"].value == "=HYPERLINK(\"http://x\",\"点我\")" and ws["B2"].data_type == "s"
    assert ws["B3"].value == "+1-2" and ws["C3"].value in ("", None)
    assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)


def test_worklist_to_a_stream(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    write_worklist(pa.table({"name": ["=1+1"]}), buffer)
    ws = load_workbook(io.BytesIO(buffer.getvalue()))["待拓展清单"]
    assert ws["A2"].value == "=1+1" and ws["A2"].data_type == "s"
