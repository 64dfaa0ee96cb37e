"""An Arrow table given to the CLI's ``emit`` is written exactly as its rows would be (issue 14): CSV on the columns
(``core.tabular.text_columns`` + ``csv_bytes_of_strings``) equals ``csv_text`` of ``to_pylist()`` for text, integers,
exact decimals, dates, booleans and nulls, with any ``columns`` selection (a missing name is an empty column); types
without an exact Arrow rendering (floats, timestamps) take the row path; a Rich table converts only the rows it
shows and still says how many there are."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.cli import output
from wupian.core.tabular import csv_bytes_of_strings, csv_text, text_columns

TEXT = st.text(alphabet=st.sampled_from(list('ab,"\r\n 中.-=')), max_size=5)
COLUMNS = {  # Arrow type → values of it (None: null)
    "text": (pa.string(), TEXT),
    "big": (pa.int64(), st.integers(-(2**63), 2**63 - 1)),
    "money": (pa.decimal128(38, 2), st.decimals(Decimal("-1e20"), Decimal("1e20"), places=2, allow_nan=False,
                                                allow_infinity=False)),
    "rate": (pa.decimal128(18, 6), st.decimals(Decimal("-1e9"), Decimal("1e9"), places=6, allow_nan=False,
                                               allow_infinity=False)),
    "whole": (pa.decimal128(12, 0), st.decimals(Decimal("-1e11"), Decimal("1e11"), places=0, allow_nan=False,
                                                allow_infinity=False)),
    "day": (pa.date32(), st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))),
    "flag": (pa.bool_(), st.booleans()),
}


def _table(rows: list[dict[str, object]]) -> pa.Table:
    return pa.table({name: pa.array([r[name] for r in rows], ty) for name, (ty, _) in COLUMNS.items()})


row = st.fixed_dictionaries({name: st.one_of(st.none(), values) for name, (_, values) in COLUMNS.items()})


@settings(max_examples=150, deadline=None)
@given(st.lists(row, max_size=10), st.one_of(st.none(), st.lists(st.sampled_from([*COLUMNS, "absent"]),
                                                                  min_size=1, max_size=5, unique=True)))
def test_arrow_csv_equals_the_rows_csv(rows: list[dict[str, object]], columns: list[str] | None) -> None:
    table = _table(rows)
    texts = text_columns(table, columns)
    assert texts is not None
    names = columns if columns is not None else list(COLUMNS)
    want = csv_text([{c: r.get(c) for c in names} for r in table.to_pylist()], names)
    got = csv_bytes_of_strings(texts).decode("utf-8")
    assert got == want


def _emitted(capsys: pytest.CaptureFixture[str], data: object, fmt: str, **kw: object) -> str:
    output.emit(data, fmt, **kw)  # type: ignore[arg-type]
    return capsys.readouterr().out


def test_emit_arrow_equals_emit_rows(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rows = [{"text": "a,b", "big": 3, "money": Decimal("1.50"), "rate": None, "whole": Decimal("7"),
             "day": dt.date(2026, 3, 31), "flag": True},
            {"text": None, "big": None, "money": Decimal("-0.05"), "rate": Decimal("0.000001"), "whole": None,
             "day": None, "flag": False}]
    table = _table(rows)
    for fmt, kw in [("csv", {}), ("csv", {"columns": ["day", "text", "absent"]}), ("json", {}),
                    ("table", {"title": "标题", "width": 200}), ("table", {"max_rows": 1, "width": 200}),
                    ("table", {"max_rows": 1, "columns": ["money", "flag"], "width": 200})]:
        assert _emitted(capsys, table, fmt, **kw) == _emitted(capsys, table.to_pylist(), fmt, **kw), (fmt, kw)
    output.emit(table, "csv", out=tmp_path / "a.csv")
    output.emit(table.to_pylist(), "csv", out=tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert "共 2 行，表格只显示前 1 行" in _emitted(capsys, table, "table", max_rows=1)


def test_types_without_an_exact_arrow_rendering_take_the_row_path(capsys: pytest.CaptureFixture[str]) -> None:
    table = pa.table({"x": pa.array([0.1, None], pa.float64()),
                      "at": pa.array([dt.datetime(2026, 3, 31, 8, 30), None], pa.timestamp("us"))})
    assert text_columns(table) is None
    assert _emitted(capsys, table, "csv") == "x,at\n0.1,2026-03-31T08:30:00\n,\n"
    assert text_columns(pa.table({"a": [1]}), ["a", "a"]) is None  # a repeated column name: the row path


def test_a_styled_cell_is_written_as_the_text_path_writes_it(capsys: pytest.CaptureFixture[str]) -> None:
    """Click strips ANSI styles from text written to a pipe; the bytes path must not skip that."""
    table = pa.table({"a": ["\x1b[31mred\x1b[0m", "x"], "b": ["1", "2"]})
    assert _emitted(capsys, table, "csv") == _emitted(capsys, table.to_pylist(), "csv")
