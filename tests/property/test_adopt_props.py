"""Property: a Parquet loans file adopted as its part (a byte copy, the view applying the casts: engine/stage_parts.py)
loads exactly like the same file written as a typed part (``stage_parts.ADOPT`` off): the same rows in every view
(``loans``, ``customers``, stored order included), the same quarantine and the same issues — whatever mix of typed
columns (narrower decimals, 32-bit integers, text booleans and rates), aliases, padded values, out-of-range
codes, duplicate keys and broken references the file holds, and whichever of its columns are headed by their Chinese
label (``贷款余额``) rather than their English name. Files that cannot be adopted fall back to the written
path; the test also checks that adoption happened exactly when every row is clean and every column an exact cast.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wupian.contract import table
from wupian.core.errors import DataError
from wupian.engine import stage_parts
from wupian.engine.part_views import Projection
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_snapshot

AS_OF = dt.date(2026, 3, 31)
GOOD = Path(__file__).resolve().parents[1] / "golden" / "ingest" / "good_minimal" / "input"

# (Arrow type, clean values (exact casts), values that need more than a cast or are bad); None = missing.
COLUMNS: dict[str, tuple[pa.DataType, list[object], list[object]]] = {
    "loan_id": (pa.string(), ["L1", "L2", "L3", "L4", "L5", "L6"], [" L7", "l1"]),
    "customer_id": (pa.string(), ["K0001", "K0002", "K0003"], ["K9999"]),
    "branch_id": (pa.string(), ["O001", "O002"], ["O002 "]),
    "business_type": (pa.string(), ["corporate", "personal"], ["C01"]),
    "drawdown_date": (pa.date32(), [dt.date(2025, 6, 30), dt.date(2024, 1, 1)], []),
    "drawdown_amount": (pa.decimal128(38, 2), [Decimal("8000000.00"), Decimal("300000.00")], [Decimal("-5.00")]),
    "maturity_date": (pa.date32(), [dt.date(2027, 6, 29)], [dt.date(2023, 1, 1)]),
    "balance": (pa.decimal128(12, 2), [Decimal("7500000.00"), Decimal("0.00"), Decimal("12.50")], []),
    "interest_rate": (pa.decimal128(10, 5), [Decimal("3.45000"), Decimal("0.03450")], [Decimal("40.00000")]),
    "five_class": (pa.string(), ["normal", "special_mention"], ["FQ01"]),
    "is_entrusted": (pa.string(), ["1", "0", None], ["Y", "maybe"]),
    "pension_share": (pa.string(), ["0.5", "0.25", None], ["1.5", "50%"]),
    "tech_hts": (pa.int32(), [None], [1]),
    "product_name": (pa.string(), ["经营贷", None], ["消费贷 "]),
}
clean_row = st.fixed_dictionaries({c: st.sampled_from(ok) for c, (_, ok, _) in COLUMNS.items()})
any_row = st.fixed_dictionaries({c: st.sampled_from(ok + bad) for c, (_, ok, bad) in COLUMNS.items()})


def _folder(rows: list[dict[str, object]], work: Path, columns: list[str], labelled: frozenset[str] = frozenset()
            ) -> Path:
    """The bank's folder with ``rows`` as loans.parquet; the ``labelled`` columns headed by their Chinese label."""
    folder = work / "in"
    shutil.copytree(GOOD, folder)
    (folder / "loans.csv").unlink()
    head = {c: table("loans").column(c).zh if c in labelled else c for c in columns}
    data = pa.table({head[c]: pa.array([r[c] for r in rows], COLUMNS[c][0]) for c in columns})
    pq.write_table(data, folder / "loans.parquet")
    return folder


def _load(folder: Path, db: Path) -> dict[str, object]:
    with Warehouse(db) as wh:
        try:
            report = load_snapshot(wh, AS_OF, folder)
            issues = sorted((i.code, i.level.name, i.source.line or 0, i.source.key or "", i.source.column or "",
                             i.message) for i in report.issues)
        except DataError as exc:
            issues = [("refused", str(exc))]  # type: ignore[list-item]
        projections = [Projection.from_json(p) for p, in wh.con.execute(
            "SELECT projection FROM stored_parts WHERE table_name = 'loans'").fetchall()]
        return {
            "issues": issues,
            "loans": wh.con.execute("SELECT * FROM loans").fetchall(),  # stored order included
            "customers": wh.con.execute("SELECT * FROM customers").fetchall(),
            "quarantine": wh.con.execute(
                "SELECT table_name, line, row_key, row_json, issues_json FROM quarantine ORDER BY table_name, line"
            ).fetchall(),
            "adopted": any(p is not None and not p.dated for p in projections),
        }


OPTIONAL = ["is_entrusted", "pension_share", "tech_hts", "product_name"]
LABELLED = ["loan_id", "balance", "interest_rate", "is_entrusted", "drawdown_date"]  # headed 贷款编号, 贷款余额 …


def _clean(i: int, **change: object) -> dict[str, object]:
    """A clean row (the i-th loan id, every other column its first clean value), with ``change`` applied."""
    row = {c: ok[0] for c, (_, ok, _) in COLUMNS.items()}
    return {**row, "loan_id": COLUMNS["loan_id"][1][i], **change}


# The kinds of file that decide between adoption and the written path, pinned (run every time, whatever the
# random draw): all clean (adopted, also with Chinese-labelled headers), clean values under a duplicate key, a broken reference, a value needing more
# than a cast, optional columns absent. The random examples then explore mixes of them.
@example(rows=[_clean(0), _clean(1, balance=Decimal("0.00"), interest_rate=Decimal("0.03450"))], dropped=set(),
         labelled=frozenset())
@example(rows=[_clean(0), _clean(0, customer_id="K0002")], dropped=set(), labelled=frozenset())
@example(rows=[_clean(0), _clean(1, customer_id="K9999")], dropped={"tech_hts"}, labelled=frozenset())
@example(rows=[_clean(0, is_entrusted="Y", pension_share="50%"), _clean(1)], dropped={"product_name"},
         labelled=frozenset(LABELLED))
@example(rows=[_clean(2, drawdown_amount=Decimal("-5.00"))], dropped=set(OPTIONAL), labelled=frozenset())
@example(rows=[_clean(0), _clean(1, balance=Decimal("0.00"))], dropped=set(), labelled=frozenset(LABELLED))
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(clean_row, min_size=1, max_size=6) | st.lists(any_row, min_size=1, max_size=6),
       dropped=st.sets(st.sampled_from(OPTIONAL)), labelled=st.frozensets(st.sampled_from(LABELLED)))
def test_an_adopted_source_loads_like_a_written_one(
    rows: list[dict[str, object]], dropped: set[str], labelled: frozenset[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    columns = [c for c in COLUMNS if c not in dropped]
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        folder = _folder(rows, work, columns, labelled)
        adopted = _load(folder, work / "adopt.duckdb")
        with monkeypatch.context() as m:
            m.setattr(stage_parts, "ADOPT", False)
            written = _load(folder, work / "write.duckdb")
    assert not written["adopted"]
    clean = all(
        all(r[c] in COLUMNS[c][1] for c in columns) for r in rows) and len({r["loan_id"] for r in rows}) == len(rows)
    # The copy is the part exactly when every row passes every check and every value is an exact cast (a row
    # rejected by a later check — a duplicate key, a broken reference — makes the load write the other rows).
    assert adopted.pop("adopted") == clean
    written.pop("adopted")
    assert adopted == written
