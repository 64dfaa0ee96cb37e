"""The careful CSV reader (used when a file has blank lines, bad bytes or wrong field counts) reads back any
valid CSV exactly as Python's csv module wrote it: every field, commas and doubled quotes inside quoted fields,
one line break inside a quoted field, CRLF or LF, blank lines between records — with each record's true first
line number and nothing quarantined. A quoted field whose continuation line happens to have as many fields as
a record (``"王小明\\n曾用名,王明",individual,…``) is one record, not a stray quote."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.ingest.csvsafe import read_careful

plain = st.text(alphabet=st.sampled_from(list('ab ,"中，') + ["\u3000"]), max_size=8)


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[list[str]], list[int]]:
    """(header, rows, where one field of a row holds a line break: -1 none, else the field's position)."""
    n = draw(st.integers(2, 5))
    rows = draw(st.lists(st.lists(plain, min_size=n, max_size=n), min_size=1, max_size=6))
    rows = [r if any(r) else ["x", *r[1:]] for r in rows]  # a record of empty fields would be a blank line
    breaks = []
    for r in rows:
        at = draw(st.integers(-1, n - 1))
        if at >= 0:
            cut = draw(st.integers(0, len(r[at])))
            r[at] = r[at][:cut] + "\n" + r[at][cut:]
        breaks.append(at)
    return [f"h{i}" for i in range(n)], rows, breaks


@settings(max_examples=300, deadline=None)
@given(tables(), st.sampled_from(["\n", "\r\n"]), st.lists(st.integers(0, 6), max_size=3))
def test_valid_csv_reads_back_exactly_with_true_line_numbers(
    table: tuple[list[str], list[list[str]], list[int]], ending: str, blanks_before: list[int]
) -> None:
    header, rows, breaks = table
    out = io.StringIO()
    csv.writer(out, lineterminator=ending).writerow(header)
    starts, line = [], 2
    for k, row in enumerate(rows):
        if k in blanks_before:
            out.write(ending)
            line += 1
        starts.append(line)
        buf = io.StringIO()
        csv.writer(buf, lineterminator=ending).writerow(row)
        out.write(buf.getvalue())
        line += 1 + (breaks[k] >= 0)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "customers.csv"
        path.write_bytes(out.getvalue().encode("utf-8"))
        got_header, data, rejects, issues = read_careful(path, "utf-8", ",", "customers.csv")
    assert got_header == header and not issues
    assert not rejects, [str(i) for r in rejects for i in r.issues]
    assert data is not None
    got = [[data.column(f"c{i}")[k].as_py() or "" for i in range(len(header))] for k in range(data.num_rows)]
    assert got == [[f.replace("\r\n", "\n") for f in r] for r in rows]
    assert data.column("__line").to_pylist() == starts


def test_a_stray_quote_is_still_caught_when_the_record_it_makes_is_malformed(tmp_path: Path) -> None:
    path = tmp_path / "customers.csv"
    path.write_text('id,name,type\nK1,"王小明,individual\nK2,李四,individual\nK3,"x",individual\n', encoding="utf-8")
    _, data, rejects, _ = read_careful(path, "utf-8", ",", "customers.csv")
    assert [(r.line, r.issues[0].code) for r in rejects] == [(2, "WP-LOAD-035")]
    assert data is not None and data.column("c0").to_pylist() == ["K2", "K3"]
