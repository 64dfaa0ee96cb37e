"""The byte search that lets the CSV writer skip a column's regex passes (``csv_guard.text_data_contains``): it
answers exactly "does some value contain one of these characters" — on sliced, null-holding, string and
large_string arrays — so a skipped pass is one that could not have matched."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given
from hypothesis import strategies as st

from wupian.core.csv_guard import START_BYTES, guard_array, text_data_contains
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
