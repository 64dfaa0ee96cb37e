"""The set-based PBOC record builder (``engine.pboc_lines``) against the Python text rules it replaces: field text is
cleaned exactly like ``pboc_layout.clean`` (control characters and ``|`` → space, Python's ``str.strip`` blanks cut),
every field of every layout has a plan, and a run without any classification writes empty files."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from wupian.engine.pboc_lines import LinePlan, Value, detail_lines, drop_pboc_loans, prepare_pboc_loans
from wupian.engine.warehouse import Warehouse
from wupian.reports.pboc import DETAIL_VALUES, line_plan, self_check, write_pboc_files
from wupian.reports.pboc_layout import REPORTS, SUMMARY_FIELDS, clean, layouts

AS_OF = date(2026, 3, 31)
EDGE = " \t\n\x0b\x0c\r\x1c\x1f\x7f|\x85\xa0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\u200b\ufeffa中-"


def _empty_run(wh: Warehouse) -> None:
    prepare_pboc_loans(wh, AS_OF, profile="pboc_2025", tags=["green"])  # no loan_tags yet: an empty relation


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.sampled_from(EDGE) | st.characters(exclude_categories=("Cs",), min_codepoint=1), max_size=12), min_size=1, max_size=6))
def test_field_text_is_cleaned_exactly_like_the_python_rule(tmp_path: Path, texts: list[str]) -> None:
    texts = [t.replace("\x00", "") for t in texts]  # NUL cannot be stored in a VARCHAR
    with Warehouse(tmp_path / "w.duckdb") as wh:
        _empty_run(wh)
        for i, t in enumerate(texts):
            wh.execute("INSERT INTO pboc_loans (tag, loan_id, branch_id, contract_id, amount) VALUES (?, ?, ?, ?, 1)",
                       ["green", f"L{i:03d}", "B", t])
        plan = LinePlan("green", False, (Value("column", "contract_id"), Value("const", "x")), ())
        got = detail_lines(wh, plan, AS_OF).to_pylist()
        # the value between two fields (records that need no cleaning are joined as they are: same text)
        inner = LinePlan("green", False, (Value("const", "x"), Value("column", "contract_id"), Value("const", "y")), ())
        got_inner = detail_lines(wh, inner, AS_OF).to_pylist()
        drop_pboc_loans(wh)
    assert got == [f"{clean(t)}|x" for t in texts]
    assert got_inner == [f"x|{clean(t)}|y" for t in texts]


def test_every_field_of_every_layout_has_a_plan() -> None:
    for code, layout in layouts().items():
        plan = line_plan(code)
        assert len(plan.fields) == len(layout.fields) and plan.tag == REPORTS[code][0]
        unplanned = {f.name for f in layout.fields
                     if f.type and f.name not in SUMMARY_FIELDS and f.name not in DETAIL_VALUES}
        # 科技型企业 flags are derived by the PBOC from its own lists: wupian leaves them blank
        assert unplanned <= {"是否国家技术创新示范企业贷款", "是否制造业单项冠军企业贷款"}, code
        kinds = dict(zip(layout.names, plan.fields, strict=True))
        if "字段类别" in kinds:  # the detail-row code (T13/T99) on the detail records
            assert kinds["字段类别"] == Value("const", REPORTS[code][3])


def test_an_unclassified_warehouse_writes_empty_files_that_pass(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        files, issues = write_pboc_files(wh, AS_OF, tmp_path / "out", uscc="91130900MA0000001X",
                                         created_at=datetime(2026, 4, 1, 8, 0, 0))
        assert not wh.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'pboc_loans'")
    assert len(files) == 10 and all(f.detail_rows == 0 for f in files) and self_check(files) == []
    green = next(f for f in files if f.report_code == "HDACLLSDK")
    assert green.path.read_bytes() == b"" and green.records == 0
    tech = next(f for f in files if f.report_code == "HDACLKJDK").path.read_text("utf-8").splitlines()
    assert [line.split("|")[:5] for line in tech] == [[c, "0.00", "0.00000", "0", ""] for c in REPORTS["HDACLKJDK"][2]]
    assert issues == []
