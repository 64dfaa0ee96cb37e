"""Property: the cheap first pass of an adoption proof (engine/stage_clean.py) only ever calls a row clean when the
full proof (every value trimmed, typed and checked as a dirty file's would be) finds that row unflagged and every
one of its values an exact cast — whatever mix of typed and text columns, padded, aliased, full-width, invisible,
out-of-range, misgrouped or malformed values the file holds. That implication is what keeps the adoption decision,
the loaded part and the issues those of the full proof alone; a clean file then pays the cheap pass only.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.contract import ALL_TABLES, Column
from wupian.engine.checks import typed_expr
from wupian.engine.stage import RawInput
from wupian.engine.stage_clean import bool_words, canonical_spellings
from wupian.engine.stage_parts import _described, adoption, proof_sql

LOANS = next(t for t in ALL_TABLES if t.name == "loans")
CUSTOMERS = next(t for t in ALL_TABLES if t.name == "customers")
ID = ["L1", "K0001", " L1", "L1 ", "l1", "", "Ｌ１", "L\u200b1", "L 1", "\tL1", "L1\u00a0", None]
# column → (the forms it may take: (Arrow type, values)); each example draws one form per column.
LOAN_FORMS: dict[str, list[tuple[pa.DataType, list[object]]]] = {
    "loan_id": [(pa.string(), ID)],
    "customer_id": [(pa.string(), ID)],
    "branch_id": [(pa.string(), ["O001", "O001 ", "", None])],
    "core_enterprise_id": [(pa.string(), ["E1", "Ｅ1", None])],
    "business_type": [(pa.string(), ["corporate", "CORPORATE", "Corporate", "personal", "对公", " corporate", "x", "",
                                     None])],
    "product_name": [(pa.string(), ["经营贷", "经营贷 ", "\u3000经营贷", "经\u200b营贷", "x", " x", "", None])],
    "currency": [(pa.string(), ["CNY", "cny", "CN", " CNY", None])],
    "drawdown_date": [
        (pa.date32(), [dt.date(2025, 6, 30), dt.date(2030, 1, 1)]),
        (pa.string(), ["2025-06-30", "20250630", "2025-6-30", "2025-02-30", "2025-06-30 00:00:00", "", " 2025-06-30",
                       None]),
    ],
    "maturity_date": [(pa.date32(), [dt.date(2027, 6, 29), dt.date(2024, 1, 1), None])],
    "drawdown_amount": [
        (pa.decimal128(38, 2), [Decimal("8000000.00"), Decimal("-5.00"), Decimal("0.00"), None]),
        (pa.decimal128(12, 2), [Decimal("12.50"), Decimal("-0.01")]),
        (pa.string(), ["8000000.00", "8,000,000.00", "8000000,00", "1.", "+1.00", "1.234", "-5.00", ".5", "1.50",
                       "12345678901234567.00", "", "8000000.00 ", None]),
    ],
    "balance": [
        (pa.decimal128(38, 2), [Decimal("7500000.00"), Decimal("0.00"), Decimal("-1.00")]),
        (pa.string(), ["7500000.00", "0", "0.5", "-1", "1e3", None]),
    ],
    "interest_rate": [
        (pa.decimal128(10, 5), [Decimal("3.45000"), Decimal("40.00000"), Decimal("-6.00000")]),
        (pa.string(), ["3.45", "3.4500001", ".5", "+3", "40", "3,45", "1e1", "", None]),
    ],
    "five_class": [(pa.string(), ["normal", "NORMAL", "Normal", "正常", "fq01", "FQ01", " normal", "", "bogus", None])],
    "tech_htp": [(pa.string(), ["HTP01", "htp01", "Htp01", "高技术制造业HTP01", "", None])],
    "tech_hts": [(pa.int32(), [None, 1])],
    "is_entrusted": [
        (pa.string(), ["1", "0", "Y", "yes", "TRUE", "True", "t", "F", "是", "否", "maybe", "", " 1", None]),
        (pa.bool_(), [True, False, None]),
    ],
    "pension_share": [
        (pa.string(), ["0.5", "0.25", "1.5", "50%", ".5", "+0.5", "1e-1", " 0.5", "", "0.1234567", "-0", None]),
        (pa.decimal128(10, 5), [Decimal("0.50000"), Decimal("1.50000"), None]),
    ],
    "applied_at": [(pa.string(), ["2025-06-30 10:00:00", "2025-06-30T10:00:00", "2025-06-30 10:00:00+08:00",
                                  "2025-13-01 00:00:00", "2025-06-30", None])],
}
CUSTOMER_FORMS: dict[str, list[tuple[pa.DataType, list[object]]]] = {
    "customer_id": [(pa.string(), ID)],
    "name": [(pa.string(), ["深圳星河科技有限公司", " 星河", "星河\u3000", "", None])],
    "customer_type": [(pa.string(), ["enterprise", "Enterprise", "个人", None])],
    "id_code": [(pa.string(), ["91440300MA5F000001", "９１", None])],
    "industry_code": [(pa.string(), ["C3911", "C", "c3911", "Z99", None])],
    "employees": [
        (pa.int32(), [45, -1, None]),
        (pa.string(), ["45", "45.0", "+45", "-1", "4,5", "99999999999999999999", None]),
    ],
    "total_assets": [(pa.decimal128(38, 2), [Decimal("1.00"), Decimal("-1.00"), None])],
    "is_rural": [(pa.string(), ["0", "1", "n", "N", "no", "NO", "否", None])],
    "birth_date": [(pa.date32(), [dt.date(1980, 1, 1), None]), (pa.timestamp("s"), [dt.datetime(1980, 1, 1), None])],
}


@st.composite
def files(draw: st.DrawFn, table_name: str, forms: dict[str, list[tuple[pa.DataType, list[object]]]]) -> pa.Table:
    """A file of 1–40 rows: each column (required ones always) present or not, in one of its forms. A few columns, drawn per file, take any
    value of their form's list; the others its first value, a clean one (so that whole rows are often clean)."""
    n = draw(st.integers(1, 40))
    dirty = draw(st.sets(st.sampled_from(sorted(forms)), max_size=3), label="dirty columns")
    cols: dict[str, pa.Array] = {}
    for name, options in forms.items():
        required = next(t for t in ALL_TABLES if t.name == table_name).column(name).required
        if not required and not draw(st.booleans(), label=f"{name} present"):
            continue
        arrow_type, values = draw(st.sampled_from(options), label=f"{name} form")
        pick = st.sampled_from(values if name in dirty else values[:1])
        cols[name] = pa.array([draw(pick) for _ in range(n)], arrow_type)
    return pa.table(cols)


def _rows(table_name: str, data: pa.Table) -> list[tuple[int, bool, bool, int]]:
    """(line, clean by the cheap pass, flagged by the full proof, the full proof's inexact bits) per row."""
    table = next(t for t in ALL_TABLES if t.name == table_name)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f.parquet"
        pq.write_table(data, path)
        con = duckdb.connect()
        names = data.column_names
        raw = RawInput(table, "f.parquet", "parquet", tuple((i, n) for i, n in enumerate(names)), path=path,
                       n_fields=len(names))
        plan = adoption(table, raw, _described(con, path))
        assert plan is not None
        ps = proof_sql(con, raw, plan)
        full = "false" if ps.clean is None else ps.clean.full_sql()
        masks = " + ".join(f"coalesce(z.{m}, 0)" for m in ps.masks) or "0"
        rows = con.execute(
            f"SELECT c.__line, c.clean, z.__bad OR z.__warn, {masks} FROM "
            f"(SELECT p.__line, {full} AS clean FROM {ps.source} AS p) AS c "
            f"JOIN ({ps.typed(ps.source)}) AS z ON z.__line = c.__line ORDER BY 1",
            [*ps.params, *ps.params],
        ).fetchall()
        if ps.clean is not None:
            # The split the load runs: the one-column tests answered once (statistics, distinct values); when
            # none fails, the per-row tests alone give the same rows as every test per row.
            failing = con.execute(ps.clean.column_sql(ps.source, "p"),
                                  list(ps.params) * ps.clean.branches).fetchone()
            row_only = con.execute(f"SELECT {ps.clean.row_sql()} FROM {ps.source} AS p ORDER BY p.__line",
                                   list(ps.params)).fetchall()
            any_failing = int(failing[0])  # type: ignore[index]
            per_row = [con.execute(f"SELECT count(*) FROM {ps.source} AS p WHERE coalesce({bad}, false)",
                                   list(ps.params)).fetchone()[0] for _, bad in ps.clean.columns]  # type: ignore[index]
            assert (any_failing > 0) == any(n > 0 for n in per_row)
            if not any_failing:
                assert [bool(r[0]) for r in row_only] == [bool(r[1]) for r in rows]
        con.close()
    assert len(rows) == data.num_rows
    return [(int(line), bool(clean), bool(flagged), int(bits)) for line, clean, flagged, bits in rows]


def _clean_rows_are_accepted(table_name: str, data: pa.Table) -> None:
    for line, clean, flagged, bits in _rows(table_name, data):
        if clean:
            assert not flagged and bits == 0, (line, data.slice(line - 1, 1).to_pylist())


@settings(max_examples=50, deadline=None)
@given(data=files("loans", LOAN_FORMS))
def test_a_clean_loan_row_is_one_the_full_proof_accepts(data: pa.Table) -> None:
    _clean_rows_are_accepted("loans", data)


@settings(max_examples=25, deadline=None)
@given(data=files("customers", CUSTOMER_FORMS))
def test_a_clean_customer_row_is_one_the_full_proof_accepts(data: pa.Table) -> None:
    _clean_rows_are_accepted("customers", data)


def _one_dirty_column(table_name: str, forms: dict[str, list[tuple[pa.DataType, list[object]]]]) -> int:
    """Every value of every form of every column, one file per (column, form), the other columns clean: the
    implication on each row; returns how many rows were clean (so that the test cannot pass vacuously)."""
    base = {n: (o[0][0], o[0][1][0]) for n, o in forms.items()}
    clean_rows = 0
    for name, options in forms.items():
        for arrow_type, values in options:
            cols = {n: pa.array([v] * len(values), t) for n, (t, v) in base.items() if n != name}
            cols[name] = pa.array(values, arrow_type)
            for line, clean, flagged, bits in _rows(table_name, pa.table(cols)):
                if clean:
                    clean_rows += 1
                    assert not flagged and bits == 0, (name, values[line - 1])
    return clean_rows


def test_each_value_alone_in_a_clean_row() -> None:
    assert _one_dirty_column("loans", LOAN_FORMS) > 40
    assert _one_dirty_column("customers", CUSTOMER_FORMS) > 10


def test_plain_spellings_type_to_their_cast() -> None:
    """The 1/0 words and the canonical enum spellings the cheap pass accepts type, through the typing of any file,
    to the value the adopted view's cast gives (BOOLEAN) or to themselves (enums)."""
    con = duckdb.connect()
    flag = LOANS.column("is_entrusted")
    for word in bool_words():
        typed, cast = _typed_and_cast(con, flag, word)
        assert typed is not None and typed == cast, word
    for table in (LOANS, CUSTOMERS):
        for col in table.columns:
            if col.enum:
                for value in canonical_spellings(col):
                    assert _typed_and_cast(con, col, value)[0] == value, (col.name, value)
        assert canonical_spellings(table.column("five_class" if table is LOANS else "customer_type"))
    con.close()


def _typed_and_cast(con: duckdb.DuckDBPyConnection, col: Column, text: str) -> tuple[object, object]:
    row = con.execute(f"SELECT {typed_expr(col, text='t.v')}, TRY_CAST(t.v AS BOOLEAN) FROM (SELECT ? AS v) AS t",
                      [text]).fetchone()
    assert row is not None
    return row[0], row[1]
