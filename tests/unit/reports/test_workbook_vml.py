"""``reports.workbook_vml``: the workbook's comments written by the faster classes are xlsxwriter's own bytes."""

from __future__ import annotations

import io
import random
import zipfile
from pathlib import Path

import pytest
import xlsxwriter

from wupian.reports import workbook_vml
from wupian.reports.workbook_vml import faster_comments, same_as_xlsxwriter


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(path.read_bytes())) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _commented_workbook(path: Path, seed: int) -> Path:
    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path))
    texts = ["无数据", "上年同期未加载 2025-03-31", " 前导空格", "a < b & c > d", "_x0041_", "末尾空格 ", "换行\n第二行"]
    for s in range(3):
        ws = wb.add_worksheet(f"表{s}")
        ws.set_column(0, 3, rnd.choice([8, 10, 26]))
        ws.set_row(rnd.randrange(10), rnd.choice([15, 42, 56]))
        for _ in range(rnd.randrange(50, 300)):
            row, col = rnd.randrange(2000), rnd.randrange(40)
            opts: dict[str, object] = rnd.choice([{}, {}, {"visible": True}, {"x_scale": 1.5}, {"color": "#C0504D"},
                                                  {"author": rnd.choice(["wupian", "审核人"])},
                                                  {"font_name": "宋体", "font_size": 10}])
            ws.write_comment(row, col, rnd.choice(texts), opts)
    wb.close()
    return path


@pytest.mark.parametrize("seed", range(4))
def test_faster_comments_write_xlsxwriters_bytes(tmp_path: Path, seed: int) -> None:
    assert same_as_xlsxwriter()
    plain = _commented_workbook(tmp_path / "plain.xlsx", seed)
    with faster_comments():
        fast = _commented_workbook(tmp_path / "fast.xlsx", seed)
    a, b = _members(plain), _members(fast)
    assert any(n.startswith("xl/drawings/vmlDrawing") for n in a) and any(n.startswith("xl/comments") for n in a)
    assert a == b


def test_a_faster_class_that_differs_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(workbook_vml, "_middle", lambda: "<v:fill/>")  # no longer xlsxwriter's bytes
    workbook_vml.same_as_xlsxwriter.cache_clear()
    try:
        assert not same_as_xlsxwriter()
        plain = _commented_workbook(tmp_path / "plain.xlsx", 7)
        with faster_comments():
            fast = _commented_workbook(tmp_path / "fast.xlsx", 7)
        assert _members(plain) == _members(fast)
    finally:
        workbook_vml.same_as_xlsxwriter.cache_clear()


def _plain_comments(path: Path, seed: int, write: object) -> Path:
    """Comments without options (the workbook's), in every corner of a sheet and at random cells, written by
    ``write(ws, row, col, text)``; a cell written twice keeps its last comment, out-of-bounds cells are refused."""
    rnd = random.Random(seed)
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("表")
    ws.set_column(0, 3, 12)
    ws.set_row(3, 56)
    cells = [(r, c) for r in (0, 1, 1048572, 1048573, 1048574, 1048575) for c in (0, 1, 16381, 16382, 16383)]
    cells += [(rnd.randrange(3000), rnd.randrange(30)) for _ in range(400)] + [(5, 5), (5, 5)]
    got = [write(ws, r, c, rnd.choice(["无数据", " 前导空格", "a < b & c", "_x0041_", "末尾 ", "x" * 40000]))  # type: ignore[operator]
           for r, c in cells]
    got += [write(ws, 1048576, 0, "越界"), write(ws, 0, 16384, "越界")]  # type: ignore[operator]
    wb.close()
    path.with_suffix(".codes").write_text(repr(got))
    return path


@pytest.mark.parametrize("seed", range(3))
def test_write_comment_is_xlsxwriters_write_comment(tmp_path: Path, seed: int) -> None:
    """``workbook_vml.write_comment`` (no colour parsed per comment) gives the file and the return codes of
    ``Worksheet.write_comment``."""
    assert workbook_vml.plain_comments_same()
    own = _plain_comments(tmp_path / "own.xlsx", seed, lambda ws, r, c, t: ws.write_comment(r, c, t))
    fast = _plain_comments(tmp_path / "fast.xlsx", seed, workbook_vml.write_comment)
    assert _members(own) == _members(fast)
    assert own.with_suffix(".codes").read_text() == fast.with_suffix(".codes").read_text()
    assert "-2" in own.with_suffix(".codes").read_text() and "-1" in own.with_suffix(".codes").read_text()


def test_write_comment_falls_back_when_the_comment_differs(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the comment object it builds is not ``CommentType``'s (another xlsxwriter), xlsxwriter's method is used."""
    monkeypatch.setattr(workbook_vml, "_plain", lambda: {"font_size": 9})
    workbook_vml.plain_comments_same.cache_clear()
    calls: list[tuple[int, int, str]] = []

    class Sheet:
        def write_comment(self, row: int, col: int, text: str) -> int:
            calls.append((row, col, text))
            return 0

    try:
        assert not workbook_vml.plain_comments_same()
        assert workbook_vml.write_comment(Sheet(), 3, 4, "无数据") == 0 and calls == [(3, 4, "无数据")]
    finally:
        workbook_vml.plain_comments_same.cache_clear()
