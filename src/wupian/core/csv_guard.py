"""The one rule against CSV formula injection, for every CSV wupian writes for a person to open in Excel or WPS
(worklists ``pboc_issues_*.csv`` / ``code_contradictions_*.csv``, ``--format csv`` of every command, case and
screening exports).

A spreadsheet opening a CSV runs a text cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some versions,
after a tab or carriage return) as a formula: a customer named ``=HYPERLINK("http://…","点我")`` or
``=cmd|' /C calc'!A0`` in a loan file would otherwise reach the banker's desktop as a live formula. Following
OWASP's guidance ("CSV Injection"), such a cell is written with a leading apostrophe (``'=1+1``), which every
spreadsheet shows as text. The rule, defined here once:

* a cell is *guarded* when its first character is one of ``= + - @``, tab or CR — or their full-width forms
  ``＝ ＋ － ＠``, which Chinese input methods type and some spreadsheet versions convert (a defensive choice:
  the prefix costs a Chinese text nothing);
* **except a plain number** (``-12.50``, ``+3``, ``-1,234.5``, ``-0.5%``, ``1e-5``): numbers stay numbers, so a
  negative balance or a percentage-point change still sums in Excel. A number cannot be a formula;
* a guarded cell gets ``'`` in front; nothing else in the cell changes, so nothing is lost (a reader strips one
  leading apostrophe to get the original text back).

Applied column-wise on Arrow tables (:func:`guard_table`, :func:`guard_array`: two vectorised regex matches per
text column, no Python per row) and per cell where a writer already walks Python values (:func:`guard_text`); both
use the same two patterns, and a property test holds them equal. Numeric Arrow columns are left alone.

Not applied to files that machines read back: the PBOC ``.dat`` files (fixed-format, byte-exact), the demo bank's
input CSVs, JSON output. Excel workbooks need no prefix: xlsx cells are written as typed strings
(``write_string``), never parsed as formulas.
"""

from __future__ import annotations

import re
from typing import Any

PREFIX = "'"
# the first characters that make a spreadsheet read a cell as a formula (RE2 and Python ``re`` alike)
FORMULA_START = "^[=+\\-@\\t\\r\uff1d\uff0b\uff0d\uff20]"
# a plain number as a spreadsheet parses it: sign, digits (optionally grouped by thousands), fraction, exponent, %
_NUMBER_BODY = "[+-]?(?:(?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+)(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?%?"
NUMBER = f"^{_NUMBER_BODY}$"  # RE2: '$' is the end of the text only

_START = re.compile(FORMULA_START)
# the UTF-8 bytes of every character FORMULA_START names: a text column none of whose bytes is one of them has
# no value to guard, whatever its values (a byte search of the column's data, no regex per value)
START_BYTES = tuple(c.encode("utf-8") for c in "=+-@\t\r\uff1d\uff0b\uff0d\uff20")
_SEARCH_MAX = 48  # mean bytes per value (buffers included) up to which guard_array first searches the data
_NUMBER = re.compile(_NUMBER_BODY)  # matched with fullmatch: Python's '$' would also match before a final LF


def needs_guard(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (see the module docstring)."""
    return bool(_START.match(text)) and not _NUMBER.fullmatch(text)


def guard_text(text: str) -> str:
    """``text`` as it is safe to write in a CSV cell: with a leading apostrophe when :func:`needs_guard`."""
    return PREFIX + text if needs_guard(text) else text


def guard_array(column: Any) -> Any:
    """A text Arrow array (or chunked array) with :func:`guard_text` applied to every value, column-wise; nulls
    stay null; a column of another type (numbers, dates, booleans) is returned as it is."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(column, pa.ChunkedArray):
        if not _guardable(column.type):
            return column
        old = column.chunks  # a new list of new wrappers on every access: read once
        chunks = [guard_array(c) for c in old]
        if all(n is o for n, o in zip(chunks, old, strict=True)):
            return column
        return pa.chunked_array(chunks, type=column.type)
    if pa.types.is_dictionary(column.type) and _is_text(column.type.value_type):
        return pa.DictionaryArray.from_arrays(column.indices, guard_array(column.dictionary))
    if not _is_text(column.type):
        return column
    # the byte search proves "nothing to guard" cheaply for short values; for long values (≥ _SEARCH_MAX bytes on
    # average: worded findings) it costs far more than the start-anchored regex below, which alone decides alike
    if column.nbytes < _SEARCH_MAX * (len(column) + 1) and not text_data_contains(column, START_BYTES):
        return column
    starts = pc.match_substring_regex(column, FORMULA_START).fill_null(False)
    if not pc.any(starts).as_py():
        return column
    # the number test only where a formula sign starts the text (a column of signed values is the common case)
    formula = pc.invert(pc.match_substring_regex(column.filter(starts), NUMBER))
    if not pc.any(formula).as_py():
        return column
    risky = pc.replace_with_mask(starts, starts, formula)
    prefixed = pc.binary_join_element_wise(pa.scalar(PREFIX, column.type), column, pa.scalar("", column.type))
    return pc.if_else(risky, prefixed, column)


def guard_table(table: Any) -> Any:
    """An Arrow table with every text column guarded (:func:`guard_array`); other columns unchanged."""
    old = table.columns
    columns = [guard_array(c) for c in old]
    if all(n is o for n, o in zip(columns, old, strict=True)):
        return table
    import pyarrow as pa

    return pa.Table.from_arrays(columns, schema=table.schema)


def text_data_contains(array: Any, needles: tuple[bytes, ...]) -> bool:
    """Whether any of ``needles`` occurs in the bytes of a (non-chunked) string / large_string Arrow array's
    values, searched in its data buffer: False proves that no value contains one, True may also come from a
    value spanning two values (the caller then looks value by value)."""
    import pyarrow as pa

    buffers = array.buffers()
    if len(array) == 0 or buffers[2] is None:
        return False
    bounds = memoryview(buffers[1]).cast("q" if pa.types.is_large_string(array.type) else "i")
    data = memoryview(buffers[2])[bounds[array.offset]:bounds[array.offset + len(array)]].tobytes()
    return any(n in data for n in needles)


def _is_text(dtype: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(dtype) or pa.types.is_large_string(dtype))


def _guardable(dtype: Any) -> bool:
    import pyarrow as pa

    return _is_text(dtype) or (pa.types.is_dictionary(dtype) and _is_text(dtype.value_type))
