"""A worklist written batch by batch (``WorklistFile``) is the worklist ``keep`` writes of all the batches at once:
the same bytes, the same counts per code, the same first findings of each code listed as Issues — for any split
of any findings into batches (empty batches, formula-like texts and missing values included)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.reports.worklists import FINDINGS, WorklistFile, concat, keep

CODES = ("WP-PBOC-003", "WP-PBOC-010", "WP-RECON-007", "WP-PBOC-016")
TEXT = st.one_of(st.none(), st.sampled_from(["", "=SUM(A1)", "-5", "+x", "贷款合同编码", 'a"b', "x,y", "@a"]))
ROW = st.tuples(TEXT, st.one_of(st.none(), st.integers(1, 10**6)), TEXT, TEXT, st.sampled_from(CODES),
                st.sampled_from(["ERROR", "WARNING"]), TEXT, TEXT)


def _table(rows: list[tuple[object, ...]]) -> pa.Table:
    return pa.table({name: [r[i] for r in rows] for i, name in enumerate(FINDINGS.names)}, schema=FINDINGS)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(ROW, max_size=70), max_size=5))
def test_batches_write_what_keep_writes_at_once(batches: list[list[tuple[object, ...]]]) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        whole, parts = Path(tmp) / "whole.csv", Path(tmp) / "parts.csv"
        tables = [_table(b) for b in batches]
        want, want_issues = keep(concat(tables), whole)
        out = WorklistFile(parts)
        for t in tables:
            out.add(t)
        got, got_issues = out.close()
        assert got_issues == want_issues
        if want is None:
            assert got is None and not parts.exists()
            return
        assert got is not None and (got.counts, got.listed) == (want.counts, want.listed)
        assert parts.read_bytes() == whole.read_bytes()


def test_no_rows_no_file_and_an_earlier_one_removed(tmp_path: Path) -> None:
    path = tmp_path / "w.csv"
    path.write_text("old")
    out = WorklistFile(path)
    out.add(FINDINGS.empty_table())
    assert out.close() == (None, []) and not path.exists()


def test_the_first_fifty_of_a_code_span_batches(tmp_path: Path) -> None:
    rows = [(f"f{i}", i, None, None, CODES[i % 2], "ERROR", f"m{i}", None) for i in range(150)]
    out = WorklistFile(tmp_path / "w.csv")
    for start, end in ((0, 40), (40, 90), (90, 150)):
        out.add(_table(rows[start:end]))
    got, issues = out.close()
    assert got is not None and got.listed == (("WP-PBOC-003", "ERROR", 50), ("WP-PBOC-010", "ERROR", 50))
    assert got.counts == (("WP-PBOC-003", "ERROR", 75), ("WP-PBOC-010", "ERROR", 75))
    assert [i.source.line for i in issues] == list(range(100))  # lines 0–99: the first 50 of each code, in order


def _reference(tables: list[pa.Table], path: Path) -> bytes:
    """The worklist bytes as the plain path writes them: every text cell guarded one by one (``guard_table``), the
    whole table in one ``write_csv`` — no dictionaries, no batches."""
    import io

    import pyarrow.csv as pa_csv

    from wupian.core.csv_guard import guard_table
    from wupian.reports.worklists import BOM, FINDINGS_HEADER

    whole = concat(tables).combine_chunks()
    buf = io.BytesIO()
    pa_csv.write_csv(guard_table(pa.table(list(whole.columns), names=list(FINDINGS_HEADER))), buf,
                     pa_csv.WriteOptions(eol="\r\n"))
    return BOM.encode("utf-8") + buf.getvalue()


@settings(max_examples=8, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=12), st.lists(st.integers(0, 6000), min_size=1, max_size=3),
       st.booleans())
def test_long_batches_of_repeated_texts_write_the_plain_bytes(pool: list[tuple[object, ...]], sizes: list[int],
                                                             leading_empty: bool) -> None:
    """Batches longer than the probe (their repeated texts guarded through a dictionary), chunked tables and a leading
    empty chunk (Arrow 26's header-less CSV writer wrote garbage for one) write what guarding cell by cell writes."""
    import tempfile

    tables = []
    for k, n in enumerate(sizes):
        rows = [pool[(i * 7 + k) % len(pool)] for i in range(n)]
        t = _table(rows)
        if leading_empty:
            t = pa.concat_tables([t.slice(0, 0), t.slice(0, n // 2), t.slice(n // 2)])
        tables.append(t)
    with tempfile.TemporaryDirectory() as tmp:
        parts, whole = Path(tmp) / "parts.csv", Path(tmp) / "whole.csv"
        out = WorklistFile(parts)
        for t in tables:
            out.add(t)
        got, _ = out.close()
        want, _ = keep(concat(tables), whole)
        if got is None:
            assert want is None and sum(sizes) == 0
            return
        reference = _reference(tables, parts)
        assert parts.read_bytes() == reference
        assert whole.read_bytes() == reference


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.tuples(ROW, st.one_of(st.none(), st.integers(1, 5))), max_size=40), max_size=4))
def test_rows_that_stand_for_several_records_count_them(batches: list[list[tuple[tuple[object, ...], int | None]]],
                                                        ) -> None:
    """A findings table's ``records`` column (how many records a row stands for; null: one) is not written to the
    file: the bytes are those of the same rows without it; ``counts`` stay rows; ``records`` and ``issue_counts``
    count records (each listed row once as an Issue, the rest of its records from the worklist) — batch by batch as
    at once."""
    import tempfile

    from wupian.reports.worklists import RECORDS, issue_counts

    with tempfile.TemporaryDirectory() as tmp:
        plain = [_table([r for r, _ in b]) for b in batches]
        weighted = [t.append_column(RECORDS, pa.array([w for _, w in b], pa.int64())) if i % 2 == 0 else t
                    for i, (t, b) in enumerate(zip(plain, batches, strict=True))]  # some batches without the column
        rows_only, _ = keep(concat(plain), Path(tmp) / "plain.csv")
        want, want_issues = keep(concat(weighted), Path(tmp) / "whole.csv")
        out = WorklistFile(Path(tmp) / "parts.csv")
        for t in weighted:
            out.add(t)
        got, got_issues = out.close()
        assert got_issues == want_issues
        if want is None:
            assert got is None and rows_only is None
            return
        assert rows_only is not None and got is not None
        assert (got.counts, got.listed, got.records) == (want.counts, want.listed, want.records)
        assert (Path(tmp) / "parts.csv").read_bytes() == (Path(tmp) / "plain.csv").read_bytes()
        assert got.counts == rows_only.counts
        expected: dict[tuple[str, str], int] = {}
        for i, b in enumerate(batches):
            for r, w in b:
                key = (str(r[4]), str(r[5]))
                expected[key] = expected.get(key, 0) + (w or 1 if i % 2 == 0 else 1)
        assert issue_counts(got_issues, [got]) == expected
        several = any(w is not None and w > 1 for i, b in enumerate(batches) if i % 2 == 0 for _, w in b)
        assert bool(got.records) == several and (not several or dict(((c, lv), n) for c, lv, n in got.records)
                                                 == expected)
