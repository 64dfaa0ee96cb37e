"""The column-wise wording of the PBOC validator's findings (``pboc_wording.line_findings``) equals wording every
mark of every marked line one at a time (``pboc_wording._word``, the single-finding wording), for any mix of
broken fields on summary and detail rows: same rows, same order, same texts, keys and line numbers — a finding on a
branch-level field (金融机构代码, 内部机构号) of detail rows once per (branch, finding) with its number of records. And
the marks worded without reading the value (``VALUELESS``) really give one text whatever the value."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.core.issues import Issue, Level, Source
from wupian.engine.pboc_checks import drop_records, line_marks, load_records, scratch
from wupian.reports.pboc_layout import REPORTS, layouts
from wupian.reports.pboc_validate import record_plan
from wupian.reports.pboc_wording import _report, _valueless, _word, line_findings
from wupian.reports.worklists import to_issues

USCC = "91130900MA0000001X"
CODES = ("HDACLKJDK", "HDACLPHDK", "HDAKJDKFS", "HDACLSZDK")
VALUES = ("", "0", "1", "2", "C01", "C03", "HTP01", "DE05", "L1", "L2", "=x", " a", "12.5", USCC, "x" * 40, "A1")
BRANCH_FIELDS = ("金融机构代码", "内部机构号")  # the fields of scope branch / branch_id in pboc_spec/field_rules.csv


def _base(code: str, n: int) -> list[str]:
    names = layouts()[code].names
    _, _, summaries, detail_code = REPORTS[code]
    if n <= len(summaries):
        row = {"字段类别": summaries[n - 1], "贷款汇总金额": "0.00", "贷款汇总加权平均利率": "0.00000",
               "贷款汇总获贷企业数量": "0", "贷款汇总户数": "0"}
    else:
        row = {"字段类别": detail_code or "", "金融机构代码": USCC, "内部机构号": "A1", "贷款合同编码": "HT1",
               "贷款借据编码": f"L{n}", "票据编号": "0", "交易流水号": f"S{n}", "业务类别": "C01"}
    return [row.get(name, "") for name in names]


def _one_at_a_time(code: str, found: pa.Table, file: str) -> list[Issue]:
    """Every mark worded by itself, in line and mark order; then the branch-level findings of detail rows merged per
    (branch, finding) at the first, with the count of records."""
    rep = _report(code)
    k = len(rep.summaries)
    out: list[Issue] = []
    branch_of: dict[int, str] = {}  # index in ``out`` of a branch-level finding → its line's 内部机构号
    for n, line, marks in zip(*(found.column(c).to_pylist() for c in ("n", "line", "marks")), strict=True):
        values = line.split("|")
        key = None
        if n > k:
            for name in ("票据编号", "贷款借据编码"):
                if name in rep.names:
                    v = values[rep.names.index(name)] if rep.names.index(name) < len(values) else None
                    if v not in (None, "", "0"):
                        key = f"{name}={v}"
        for mark in marks.split(";"):
            if mark == "count":
                out.append(Issue("WP-PBOC-001", Level.ERROR, f"字段数 {len(values)}，应为 {len(rep.fields)}",
                                 Source(file, n, None, None)))
                continue
            if mark == "kind":
                want = rep.summaries[min(n, k) - 1] if n <= k else str(rep.detail_code)
                out.append(Issue("WP-PBOC-007", Level.ERROR, f"第{n}行字段类别应为 {want}，实际 {values[0] or '空'}",
                                 Source(file, n, key, "字段类别"), "汇总行按规定顺序在前，逐笔行在后"))
                continue
            pos = int(mark.split(":")[0]) if ":" in mark else (rep.names.index("票据编号") + 1
                                                              if mark == "bill_extra" else 0)
            w = _word(rep, mark, values[pos - 1] if pos else "", n <= k, file)
            if w is not None:
                if n > k and pos and rep.names[pos - 1] in BRANCH_FIELDS:
                    branch_of[len(out)] = values[rep.names.index("内部机构号")]
                out.append(Issue(w.code, w.level, w.message, Source(file, n, key, w.source.column), w.suggestion))
    groups: dict[tuple[str | None, ...], list[int]] = {}
    for i, b in branch_of.items():
        w = out[i]
        groups.setdefault((b, w.code, w.message, w.source.column, w.suggestion), []).append(i)
    merged: dict[int, Issue] = {}
    for (b, *_), at in groups.items():
        w = out[at[0]]
        merged[at[0]] = Issue(w.code, w.level, f"{w.message}（本文件经办机构 {b or '（空）'} 的 {len(at)} 条逐笔记录均如此，"
                              "该值取自机构表 branches）", Source(file, w.source.line, f"内部机构号={b}" if b else None,
                                                         w.source.column), w.suggestion)
    return [merged.get(i, w) for i, w in enumerate(out) if i not in branch_of or i in merged]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CODES), st.integers(min_value=1, max_value=12), st.data())
def test_column_wise_wording_equals_one_at_a_time(code: str, lines: int, data: st.DataObject) -> None:
    width = len(layouts()[code].names)
    rows = []
    for n in range(1, lines + 1):
        values = _base(code, n)
        for pos in data.draw(st.lists(st.integers(min_value=0, max_value=width - 1), max_size=4)):
            values[pos] = data.draw(st.sampled_from(VALUES))
        if data.draw(st.integers(min_value=0, max_value=9)) == 0:
            values = values[:-1]  # a wrong field count now and then
        rows.append("|".join(values))
    db = scratch()
    try:
        load_records(db, pa.array(rows, pa.string()))
        try:
            found = line_marks(db, record_plan(code))
        finally:
            drop_records(db)
    finally:
        db.close()
    table, _ = line_findings(found, _report(code), "f.dat")
    assert to_issues(table) == _one_at_a_time(code, found, "f.dat")


def test_valueless_marks_word_the_same_whatever_the_value() -> None:
    for code in REPORTS:
        rep = _report(code)
        marks = [f"{pos}:{m}" for pos in range(1, len(rep.fields) + 1) for m in ("M", "Creq")]
        marks += ["bill_ids", "bill_missing", "flags"]
        for mark in marks:
            assert _valueless(mark)
            for summary in (True, False):
                try:
                    texts = {repr(_word(rep, mark, v, summary, "f.dat")) for v in VALUES}
                except AssertionError:  # a field without that rule (no conditional partner, …): not a mark it gets
                    continue
                assert len(texts) == 1, (code, mark, texts)
