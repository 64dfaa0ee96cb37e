"""The PBOC records checked where they are built (``engine.pboc_checks.checked_records``, the writer's path) find
exactly what the text path finds on the same lines (``line_marks``, ``repeated_keys``, ``validate_table``: the path
of a file read back): marks per record, repeated keys, and the whole findings table as Issues — for any field
values, including control characters, ``|``, blanks at the edges, characters outside ASCII and repeated keys."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wupian.engine.pboc_checks import (
    _field_columns,
    _may_repeat,
    _repeats,
    checked_file,
    checked_records,
    drop_records,
    line_marks,
    load_records,
    passes_empty,
    repeated_keys,
    repeated_record_keys,
)
from wupian.engine.pboc_lines import drop_pboc_loans, prepare_pboc_loans
from wupian.engine.warehouse import Warehouse
from wupian.reports.pboc import DIGITAL_CODES, _records, line_plan
from wupian.reports.pboc_layout import REPORTS
from wupian.reports.pboc_validate import record_plan, validate_checked, validate_table
from wupian.reports.worklists import to_issues

AS_OF = date(2026, 3, 31)
ODD = " \t\n\x1f\x7f|\x85\xa0\u3000\u200ba中-0"
TEXT = st.text(alphabet=st.sampled_from(ODD) | st.sampled_from("ABC019"), max_size=5)
CODES = ("HTP01", "HTS02", "SE03", "PA04", "EC01", "EC99", "DE01", "DE05", "DE09", "")
RULES = ("inclusive.micro_enterprise", "inclusive.farmer", "inclusive.student", "tech.industry.htp",
         "tech.industry.se", "x")
LOAN = st.fixed_dictionaries({
    "loan_id": st.sampled_from(["L1", "L2", "L1 ", "0", ""]) | TEXT,
    "contract_id": st.sampled_from(["C1", ""]) | TEXT,
    "branch_id": st.sampled_from(["B1", "B2"]) | TEXT,
    "business_type": st.sampled_from(["corporate", "personal", "bill_direct", "other"]),
    "bill_no": st.sampled_from(["P1", "", "0"]) | TEXT,
    "drawdown_serial": st.sampled_from(["S1", ""]) | TEXT,
    "institution_uscc": st.sampled_from(["91110000100000000X", "9111000010000000中X", "", "123"]) | TEXT,
    "tech_htp": st.sampled_from(CODES) | TEXT, "tech_se": st.sampled_from(CODES),
    "pension_code": st.sampled_from(CODES) | TEXT, "digital_code": st.sampled_from(CODES),
    "rule_ids": st.lists(st.sampled_from(RULES), max_size=3).map(",".join),
    "elderly_institution": st.booleans(),
})


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(REPORTS)), st.lists(LOAN, min_size=1, max_size=8))
def test_records_checked_where_built_find_what_the_text_path_finds(tmp_path: Path, code: str,
                                                                    loans: list[dict[str, object]]) -> None:
    tag = REPORTS[code][0]
    with Warehouse(tmp_path / "w.duckdb") as wh:
        prepare_pboc_loans(wh, AS_OF, profile="pboc_2025", tags=[tag])  # nothing classified: an empty relation
        for loan in loans:
            names = ["tag", "amount", "drawdown_date", "drawdown_amount", "interest_rate", *loan]
            wh.execute(f"INSERT INTO pboc_loans ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                       [tag, 1, AS_OF, 1, 1, *(str(v).replace("\x00", "") if isinstance(v, str) else v
                                                for v in loan.values())])
        plan = record_plan(code)
        k = len(plan.summaries)
        records = checked_records(wh, line_plan(code), plan, AS_OF, check_digital=tag == "digital",
                                  codes=DIGITAL_CODES)
        head, _ = _records(wh, code, AS_OF)
        head_marks, with_head = checked_file(wh, line_plan(code), plan, AS_OF, head, check_digital=tag == "digital",
                                             codes=DIGITAL_CODES)
        lines = records.column("line").combine_chunks()
        load_records(wh, pa.concat_arrays([pa.array(head, pa.string()), lines]))
        try:
            text = line_marks(wh, plan)
            keys = repeated_keys(wh, plan)
            whole = to_issues(validate_table(wh, code, "f.dat"))
        finally:
            drop_records(wh)
        marks = dict(zip(text.column("n").to_pylist(), text.column("marks").to_pylist(), strict=True))
        assert records.column("marks").to_pylist() == [marks.get(n, "") for n in range(k + 1, k + 1 + len(lines))]
        assert with_head.equals(records)
        assert head_marks.column("n").to_pylist() == list(range(1, k + 1))
        assert head_marks.column("marks").to_pylist() == [marks.get(n, "") for n in range(1, k + 1)]
        assert repeated_record_keys(wh, plan, records) == keys
        assert to_issues(validate_checked(wh, code, "f.dat", head, records)) == whole
        assert to_issues(validate_checked(wh, code, "f.dat", head, records, head_marks)) == whole
        drop_pboc_loans(wh)


KEY = st.sampled_from(["", "0", "K1", "K2", "K1\x00", None])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.sampled_from(sorted(REPORTS)), st.lists(st.tuples(KEY, KEY, KEY), max_size=6))
def test_the_repeat_pretest_says_no_only_when_the_statement_finds_nothing(tmp_path: Path, code: str,
                                                                         rows: list[tuple[str | None, ...]]) -> None:
    """``_may_repeat`` (Arrow) lets ``repeated_record_keys`` skip the statement: it may say "maybe" for nothing, never
    "no" for a repeat; on keys that are all different (the usual file) it says no."""
    plan = record_plan(code)
    cols = sorted({*plan.keys, *([plan.serial] if plan.serial is not None else [])})
    keys = pa.table({"n": pa.array(range(1, len(rows) + 1), pa.int32()),
                     **{f"v{p}": pa.array([r[i] for r in rows], pa.string()) for i, p in enumerate(cols)}})
    with Warehouse(tmp_path / "k.duckdb") as wh:
        found = _repeats(wh, plan, keys, None)
    if found:
        assert _may_repeat(plan, keys)
    distinct = pa.table({f"v{p}": pa.array([f"D{i}" for i in range(len(rows))], pa.string()) for p in cols})
    assert not _may_repeat(plan, distinct)


def test_a_field_that_passes_empty_has_no_mark_when_empty(tmp_path: Path) -> None:
    """``passes_empty`` (what lets ``checked_file`` leave a field written empty everywhere out of its statement)
    agrees with the field's SQL: for every field of every report, on summary and detail rows, an empty value it
    passes has neither a type mark nor a rule mark — whatever the record's other fields hold — and one it does not
    pass has a mark on some record."""
    others = ("", "0", "1", "C03", "x")
    with Warehouse(tmp_path / "e.duckdb") as wh:
        for code in sorted(REPORTS):
            plan = record_plan(code)
            k = len(plan.summaries)
            for fc in plan.fields:
                for n, mode in ((1, fc.summary), (k + 1, fc.detail)) if k else ((1, fc.detail),):
                    params: list[object] = []
                    t, u = _field_columns(fc, k, params)
                    rows = " UNION ALL ".join(
                        f"SELECT {n} AS n, true AS ascii, {b} AS blanks, "
                        + ", ".join(f"'{'' if f.pos == fc.pos else o}' AS v{f.pos}" for f in plan.fields)
                        for o in others for b in ("true", "false"))
                    marks = wh.rows(f"SELECT {t} AS t, {u} AS u FROM ({rows}) r", params)
                    quiet = all(m["t"] is None and m["u"] is None for m in marks)
                    assert quiet == passes_empty(fc, mode), (code, fc.pos, mode)
