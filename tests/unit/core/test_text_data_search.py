"""The byte search that lets the CSV writer skip a column's regex passes (``csv_guard.text_data_contains``): it
answers exactly "does some value contain one of these characters" — on sliced, null-holding, string and
large_string arrays — so a skipped pass is one that could not have matched."""

from __future__ import annotations

import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.core import csv_guard
from wupian.core.csv_guard import START_BYTES, guard_array, guard_text, needs_guard, text_data_contains
from wupian.core.tabular import QUOTED_BYTES, csv_bytes_of_strings, csv_text

alphabet = st.sampled_from(list("=+-@\t\r\n,\"＝＋－＠'.0123456789 a中文"))
values = st.lists(st.one_of(st.none(), st.text(alphabet=alphabet, max_size=6)), max_size=12)
needle_sets = st.sampled_from([START_BYTES, QUOTED_BYTES, (b",",), ("＠".encode(),), ("中".encode(), b"a")])


@given(values, st.integers(0, 12), st.integers(0, 12), st.booleans(), needle_sets)
def test_the_search_finds_a_character_exactly_when_a_value_holds_it(
        texts: list[str | None], start: int, length: int, large: bool, needles: tuple[bytes, ...]) -> None:
    array = pa.array(texts, pa.large_string() if large else pa.string()).slice(start, length)
    chars = [n.decode("utf-8") for n in needles]
    expected = any(c in v for v in array.to_pylist() if v is not None for c in chars)
    assert text_data_contains(array, needles) is expected


def test_an_empty_or_all_null_array_holds_nothing() -> None:
    assert not text_data_contains(pa.array([], pa.string()), QUOTED_BYTES)
    assert not text_data_contains(pa.array([None, None], pa.string()), QUOTED_BYTES)
    assert not text_data_contains(pa.array(["", ""], pa.large_string()), QUOTED_BYTES)


@given(st.lists(st.tuples(st.text(alphabet=alphabet, max_size=6), st.text(alphabet=alphabet, max_size=6)),
                min_size=1, max_size=10), st.integers(0, 5))
def test_sliced_tables_write_the_csv_of_their_rows(rows: list[tuple[str, str]], start: int) -> None:
    table = pa.table({"a": [r[0] for r in rows], "b": [r[1] for r in rows]}).slice(start)
    expected = csv_text(table.to_pylist(), ["a", "b"])
    assert csv_bytes_of_strings(table).decode("utf-8") == expected


def test_a_column_without_formula_characters_is_returned_as_it_is() -> None:
    plain = pa.array(["2026", "中文", None, "a.b"])
    assert guard_array(plain) is plain
    signed = pa.array(["-12.50", "=1+1"])
    assert guard_array(signed).to_pylist() == ["-12.50", "'=1+1"]


long_values = st.lists(st.one_of(st.none(), st.builds(lambda head, n: head + "贷款实际投向不符" * n,
                                                      st.text(alphabet=alphabet, max_size=6), st.integers(0, 12))),
                       max_size=12)


@settings(deadline=None)  # the first call sets up Arrow's regex kernel
@given(long_values, st.booleans())
def test_long_and_short_values_are_guarded_as_each_value_alone(texts: list[str | None], large: bool) -> None:
    """Long values (worded findings) skip the byte search and go to the start-anchored regex: the same cells."""
    array = pa.array(texts, pa.large_string() if large else pa.string())
    guarded = guard_array(array)
    assert guarded.to_pylist() == [None if v is None else guard_text(v) for v in texts]
    if not any(v is not None and needs_guard(v) for v in texts):
        assert guarded is array


def test_long_values_are_not_searched_byte_by_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    """The byte search of ≈ 150-byte findings texts cost ≈ 0.24 s for 320k contradictions, the regex 0.02 s."""
    def searched(*_: object) -> bool:
        raise AssertionError("long values searched")

    monkeypatch.setattr(csv_guard, "text_data_contains", searched)
    long = pa.array(["高技术制造业代码 HTP06 与贷款实际投向 4415 不符，未计入该类别（经办机构 O221）"] * 3 + ["=1"])
    assert guard_array(long).to_pylist()[-1] == "'=1"
    with pytest.raises(AssertionError, match="long values searched"):
        guard_array(pa.array(["2026", "-1"]))
