"""The one rule against CSV formula injection (``wupian.core.csv_guard``): which cells a spreadsheet would run as a
formula, that they get a leading apostrophe and nothing else changes, that numbers stay numbers, and that the
column-wise Arrow form and the per-cell Python form are the same rule."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.core.csv_guard import PREFIX, guard_array, guard_table, guard_text, needs_guard
from wupian.core.tabular import csv_text, csv_text_of_strings

# OWASP's examples and what a bank's files could carry in a name, an id or a free-text column
HOSTILE = ["=1+1", "=HYPERLINK(\"http://x.example\",\"点我\")", "=cmd|' /C calc'!A0", "+86 138 0000 0000", "-2+3",
           "@SUM(A1:A9)", "\t=1+1", "\r=1+1", "＝1+1", "＋1", "－2", "＠SUM(A1)", "-", "+", "=", "@", "-10%-1",
           "-1,23", "--1", "-1e", "-.", "+-1", "-5\n", "-5\r", "+1\n2"]
SAFE = ["", "正常", "L000001", "贷款借据编码=L1", " =1+1", "'=1+1", "1+1", "a=b", "沧州分行@总行", "３.１４",
        "-12.50", "+3", "-1,234.50", "-0.5%", "1e-5", "-1E+5", ".5", "-.5", "0012345", "-0", "+1,000,000", "5.",
        "12,34"]


@pytest.mark.parametrize("text", HOSTILE)
def test_a_cell_a_spreadsheet_would_run_gets_an_apostrophe(text: str) -> None:
    assert needs_guard(text)
    assert guard_text(text) == PREFIX + text
    assert not needs_guard(guard_text(text))


@pytest.mark.parametrize("text", SAFE)
def test_text_that_is_no_formula_and_numbers_stay_as_they_are(text: str) -> None:
    assert not needs_guard(text)
    assert guard_text(text) == text


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_every_decimal_as_wupian_writes_it_stays_a_number(value: Decimal) -> None:
    for text in (f"{value:f}", str(value), f"{value:,f}"):
        assert guard_text(text) == text, text


text_alphabet = st.sampled_from(list("=+-@\t\r\n＝＋－＠'\".,%eE0123456789 a中"))
texts = st.text(alphabet=text_alphabet, max_size=8)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), texts), max_size=12), st.integers(1, 3))
def test_the_arrow_columns_apply_the_same_rule_as_the_python_cells(values: list[str | None], chunks: int) -> None:
    want = [None if v is None else guard_text(v) for v in values]
    for dtype in (pa.string(), pa.large_string()):
        arr = pa.array(values, dtype)
        assert guard_array(arr).to_pylist() == want
        assert guard_array(arr).type == dtype
        size = max(1, len(values) // chunks)
        chunked = pa.chunked_array([arr[i:i + size] for i in range(0, len(values), size)] or [arr], type=dtype)
        assert guard_array(chunked).to_pylist() == want
    assert guard_array(pa.array(values, pa.string()).dictionary_encode()).to_pylist() == want


@settings(max_examples=200, deadline=None)
@given(texts)
def test_nothing_is_lost_one_apostrophe_strips_back_to_the_original(text: str) -> None:
    guarded = guard_text(text)
    assert guarded in (text, PREFIX + text)
    assert (guarded[1:] if needs_guard(text) else guarded) == text
    assert guard_text(guarded) == guarded  # guarding twice changes nothing more


def test_other_columns_are_left_alone_and_an_untouched_table_is_not_copied() -> None:
    table = pa.table({"n": pa.array([-1, 2], pa.int64()), "d": pa.array([Decimal("-1.50"), None], pa.decimal128(38, 2)),
                      "b": [True, False], "s": ["=1+1", "-3"]})
    out = guard_table(table)
    assert out.schema == table.schema
    assert out.column("s").to_pylist() == ["'=1+1", "-3"]
    assert out.column("n").equals(table.column("n")) and out.column("d").equals(table.column("d"))
    clean = pa.table({"s": ["正常", "-3"]})
    assert guard_table(clean) is clean


def _cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


@settings(max_examples=150, deadline=None)
@given(st.integers(1, 3).flatmap(lambda n: st.lists(st.lists(texts, min_size=n, max_size=n), max_size=6)))
def test_both_csv_texts_hold_no_live_formula_and_agree(rows: list[list[str]]) -> None:
    if not rows:
        return
    names = [f"c{i}" for i in range(len(rows[0]))]
    dicts = [dict(zip(names, r, strict=True)) for r in rows]
    text = csv_text(dicts, names)
    table = pa.table({c: pa.array([r[i] for r in rows], pa.string()) for i, c in enumerate(names)})
    assert csv_text_of_strings(table) == text
    back = _cells(text)[1:]
    assert back == [[guard_text(v) for v in r] for r in rows]
    assert not any(needs_guard(v) for r in back for v in r)


def test_csv_text_keeps_negative_decimals_numbers() -> None:
    text = csv_text([{"branch": "-2+3", "value": Decimal("-12.50"), "pp": "-0.25"}], ["branch", "value", "pp"])
    assert _cells(text) == [["branch", "value", "pp"], ["'-2+3", "-12.50", "-0.25"]]


def test_the_listed_cells_alike_on_arrow_and_python() -> None:
    """RE2 and Python regexes differ at the edges ('$' before a final LF in Python): the listed cells hold them."""
    values = HOSTILE + SAFE
    assert guard_array(pa.array(values)).to_pylist() == [guard_text(v) for v in values]
