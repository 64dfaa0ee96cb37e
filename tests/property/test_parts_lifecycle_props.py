"""Property: whatever sequence of writes a warehouse sees — new parts of a date, a date deleted, every row
rewritten (``replace_rows``), a transaction that wrote a part and then failed, a reopen, a publication — the loans
kept as Parquet parts (``wupian.engine.parts``) always read as a plain model of the rows says, and the parts folder
holds exactly the files that the manifest or a kept published generation lists: no file leaked by a rollback or a
delete, none taken that a reader still needs, no temporary file left. Every kept generation keeps reading the rows
it was published with.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.engine import published
from wupian.engine.part_views import parts_root
from wupian.engine.warehouse import Warehouse

DATES = (dt.date(2026, 1, 31), dt.date(2026, 2, 28), dt.date(2026, 3, 31))
Model = dict[dt.date, list[tuple[str, Decimal]]]

insert = st.tuples(st.just("insert"), st.sampled_from(DATES), st.integers(1, 3))
delete = st.tuples(st.just("delete"), st.sampled_from(DATES))
raise_all = st.tuples(st.just("replace"), st.sampled_from([Decimal("0.01"), Decimal("-2.50"), Decimal("100")]))
failed = st.tuples(st.just("fail"), st.sampled_from(DATES))
other = st.sampled_from([("publish",), ("reopen",)])
steps = st.lists(st.one_of(insert, delete, raise_all, failed, other), min_size=1, max_size=8)


def _rows(as_of: dt.date, start: int, n: int) -> list[tuple[str, Decimal]]:
    return [(f"L{start + i}", Decimal(f"{1000 * (start + i)}.25")) for i in range(n)]


def _arrow(as_of: dt.date, rows: list[tuple[str, Decimal]]) -> pa.Table:
    return pa.table({"as_of": [as_of] * len(rows), "loan_id": [r[0] for r in rows],
                     "customer_id": ["K0001"] * len(rows), "balance": pa.array([r[1] for r in rows], pa.decimal128(38, 2))})


def _read(wh: Warehouse) -> Model:
    out: Model = {}
    for r in wh.rows("SELECT as_of, loan_id, balance FROM loans ORDER BY as_of, loan_id"):
        out.setdefault(r["as_of"], []).append((r["loan_id"], r["balance"]))
    return out


def _sorted(model: Model) -> Model:
    return {d: sorted(rows) for d, rows in sorted(model.items()) if rows}


def _listed(con: duckdb.DuckDBPyConnection, root: Path) -> set[Path]:
    """The files a manifest lists (every part of this test is written under the primary's folder ``root``)."""
    return {root / f for f, in con.execute("SELECT file FROM stored_parts").fetchall()}


def _check_folder(db: Path, wh: Warehouse) -> None:
    root = parts_root(db)
    on_disk = {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()
    assert not [p for p in on_disk if p.name.endswith(".tmp")], "a temporary file was left"
    listed = _listed(wh.con, root)
    assert listed <= on_disk, f"the manifest lists missing files: {sorted(listed - on_disk)}"
    folder = published.published_dir(db)
    for gen in sorted(folder.glob("*.duckdb")) if folder.exists() else ():
        con = duckdb.connect(str(gen), read_only=True)
        try:
            kept = _listed(con, root)
        finally:
            con.close()
        assert kept <= on_disk, f"generation {gen.name} lists files that were deleted: {sorted(kept - on_disk)}"
        listed |= kept
    assert on_disk == listed, f"files no manifest lists: {sorted(on_disk - listed)}"


@settings(max_examples=12, deadline=None)
@given(steps)
def test_parts_read_as_the_model_and_the_folder_holds_exactly_the_listed_files(
        plan: list[tuple[object, ...]]) -> None:
    model: Model = {}
    generations: dict[int, Model] = {}
    serial = 0
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "w.duckdb"
        wh = Warehouse(db)
        try:
            for step in plan:
                kind = step[0]
                if kind == "insert":
                    as_of, n = step[1], step[2]
                    rows = _rows(as_of, serial, n)  # type: ignore[arg-type]
                    serial += n  # type: ignore[operator]
                    with wh.transaction():
                        wh.insert_arrow("loans", _arrow(as_of, rows))  # type: ignore[arg-type]
                    model.setdefault(as_of, []).extend(rows)  # type: ignore[arg-type]
                elif kind == "delete":
                    with wh.transaction():
                        wh.delete_date("loans", step[1])
                    model.pop(step[1], None)  # type: ignore[arg-type]
                elif kind == "replace":
                    delta = step[1]
                    wh.replace_rows("loans", "SELECT * REPLACE (CAST(balance + ? AS DECIMAL(38,2)) AS balance) "
                                    "FROM loans", [delta])
                    model = {d: [(k, b + delta) for k, b in rows] for d, rows in model.items()}  # type: ignore[operator]
                elif kind == "fail":
                    try:
                        with wh.transaction():
                            wh.insert_arrow("loans", _arrow(step[1], _rows(step[1], 900, 2)))  # type: ignore[arg-type]
                            raise LookupError("the load failed after writing its part")
                    except LookupError:
                        pass
                else:  # publish / reopen: the primary closed (publication takes the exclusive lock)
                    wh.close()
                    if kind == "publish":
                        generations[published.publish(db).generation] = _sorted(model)
                    wh = Warehouse(db)
                assert _sorted(_read(wh)) == _sorted(model), f"after {step}"
                _check_folder(db, wh)
        finally:
            wh.close()
        newest = max(generations, default=0)
        for gen, want in generations.items():
            path = published.published_dir(db) / f"{gen:06d}.duckdb"
            if gen <= newest - published.KEEP_GENERATIONS:
                assert not path.exists(), f"generation {gen} was not pruned"
                continue
            reader = Warehouse.overlay(path)
            try:
                assert _sorted(_read(reader)) == want, f"generation {gen} does not read what it was published with"
            finally:
                reader.close()
