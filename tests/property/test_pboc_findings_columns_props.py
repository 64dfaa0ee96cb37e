"""The PBOC findings' cheap representations are the plain ones in disguise: texts as dictionary columns
(``worklists.pooled`` / ``constant``) write the same worklist bytes, counts and listed Issues as the same texts as
strings; a file's bytes taken from the records' Arrow buffer are the text encoded; the warnings already given are
found whichever side the hash table is built on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wupian.reports.pboc import _data, _given, _text
from wupian.reports.worklists import FINDINGS, WorklistFile, concat, constant, pooled, to_issues

TEXT = st.text(alphabet=st.sampled_from("a中=-+@ \"'\t,|"), max_size=6)
MAYBE = st.none() | TEXT


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(MAYBE, st.sampled_from(["WP-1", "WP-2", "WP-3"]), MAYBE), min_size=1, max_size=30),
       st.integers(min_value=0, max_value=29), st.data())
def test_dictionary_text_columns_write_what_their_strings_write(tmp_path: Path, rows: list[tuple[str | None, str,
                                                                                                  str | None]],
                                                                cut: int, data: st.DataObject) -> None:
    n = len(rows)
    keys, codes, messages = ([r[i] for r in rows] for i in range(3))
    plain = pa.table({"file": ["f.dat"] * n, "line": list(range(1, n + 1)), "key": keys, "column": [None] * n,
                      "code": codes, "level": ["ERROR"] * n, "message": messages, "suggestion": ["x"] * n},
                     schema=FINDINGS)
    texts = sorted({m for m in messages if m is not None}) + [None]
    pooled_table = pa.Table.from_arrays(
        [constant("f.dat", n), pa.array(list(range(1, n + 1)), pa.int64()), pa.array(keys, pa.string()),
         constant(None, n), pooled(sorted(set(codes)), np.array([sorted(set(codes)).index(c) for c in codes])),
         constant("ERROR", n), pooled(texts, np.array([texts.index(m) for m in messages])), constant("x", n)],
        names=FINDINGS.names)
    cut = min(cut, n)
    # a worklist fed the plain table in one piece, the other the dictionary table in two pieces, one of them joined
    # with a plain table of Issues (``concat`` keeps the dictionary columns)
    a, b = WorklistFile(tmp_path / "a.csv"), WorklistFile(tmp_path / "b.csv")
    a.add(plain)
    b.add(pooled_table.slice(0, cut))
    b.add(concat([pooled_table.slice(cut), plain.slice(0, 0)]))
    wa, ia = a.close()
    wb, ib = b.close()
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert wa is not None and wb is not None and (wa.counts, wa.listed) == (wb.counts, wb.listed) and ia == ib
    assert to_issues(pooled_table) == to_issues(plain)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab中|0 "), max_size=5), max_size=4),
       st.lists(st.text(alphabet=st.sampled_from("ab中|0 "), max_size=8), max_size=20), st.integers(0, 3))
def test_file_bytes_from_the_buffer_are_the_text(head: list[str], lines: list[str], skip: int) -> None:
    details = pa.array(["x"] * skip + lines, pa.string()).slice(skip)  # an array that starts at an offset too
    assert _data(head, details) == _text(head, details).encode("utf-8")


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from([f"loan_id=L{i}" for i in range(12)]), max_size=25),
       st.lists(st.sampled_from([f"loan_id=L{i}" for i in range(12)]), min_size=1, max_size=25))
def test_warnings_given_are_found_whichever_side_is_hashed(keys: list[str], given_keys: list[str]) -> None:
    k, g = pa.chunked_array([pa.array(keys, pa.string())]), pa.array(given_keys, pa.string())
    assert _given(k, g).to_pylist() == pc.is_in(k, value_set=g).to_pylist()
