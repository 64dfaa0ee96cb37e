"""Property: the duplicate-key check of the largest Parquet part on a lane of its own (a cursor in another thread,
DuckDB on one thread meanwhile: engine/load_lanes.py) gives the load of the sequential run — the same report (every
issue, in the same order, located on the same line and key), the same counts, the same quarantine and the same rows
— whatever duplicate keys, keys differing only in letter case, broken references and bad values the loans file holds,
with the customers file as CSV or as Parquet (then both files are parts and the larger one gets the lane). DuckDB's
thread count is back to what it was after the load, also when the load is refused while the lane still runs.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from wupian.core.errors import DataError
from wupian.engine import load_lanes
from wupian.engine.warehouse import Warehouse
from wupian.ingest import load_snapshot

AS_OF = dt.date(2026, 3, 31)
GOOD = Path(__file__).resolve().parents[1] / "golden" / "ingest" / "good_minimal" / "input"

LOAN_IDS = ["L1", "L2", "L3", "l1", "L2 ", "L4"]  # "l1" differs from "L1" in case only; "L2 " is padded
COLUMNS: dict[str, tuple[pa.DataType, list[object]]] = {
    "customer_id": (pa.string(), ["K0001", "K0002", "K0003", "K9999", "k0001"]),
    "branch_id": (pa.string(), ["O001", "O002", "O404"]),
    "business_type": (pa.string(), ["corporate", "personal", "C01"]),
    "drawdown_date": (pa.date32(), [dt.date(2025, 6, 30), dt.date(2026, 5, 1)]),
    "drawdown_amount": (pa.decimal128(38, 2), [Decimal("8000000.00"), Decimal("-5.00")]),
    "maturity_date": (pa.date32(), [dt.date(2027, 6, 29), dt.date(2023, 1, 1)]),
    "balance": (pa.decimal128(12, 2), [Decimal("7500000.00"), Decimal("0.00")]),
    "interest_rate": (pa.decimal128(10, 5), [Decimal("3.45000"), Decimal("40.00000")]),
    "five_class": (pa.string(), ["normal", "FQ01"]),
}
row = st.fixed_dictionaries({"loan_id": st.sampled_from(LOAN_IDS),
                             **{c: st.sampled_from(values) for c, (_, values) in COLUMNS.items()}})


def _clean(loan_id: str, **change: object) -> dict[str, object]:
    return {"loan_id": loan_id, **{c: values[0] for c, (_, values) in COLUMNS.items()}, **change}


def _folder(rows: list[dict[str, object]], work: Path, customers_parquet: bool) -> Path:
    folder = work / "in"
    shutil.copytree(GOOD, folder)
    (folder / "loans.csv").unlink()
    data = pa.table({"loan_id": pa.array([r["loan_id"] for r in rows], pa.string()),
                     **{c: pa.array([r[c] for r in rows], t) for c, (t, _) in COLUMNS.items()}})
    pq.write_table(data, folder / "loans.parquet")
    if customers_parquet:
        customers = pacsv.read_csv(folder / "customers.csv",
                                   convert_options=pacsv.ConvertOptions(strings_can_be_null=False,
                                                                        column_types={"customer_id": pa.string()}))
        (folder / "customers.csv").unlink()
        pq.write_table(customers.cast(pa.schema([(f.name, pa.string()) for f in customers.schema])),
                       folder / "customers.parquet")
    return folder


def _load(folder: Path, db: Path) -> dict[str, object]:
    with Warehouse(db) as wh:
        threads = wh.con.execute("SELECT current_setting('threads')").fetchone()
        try:
            report = load_snapshot(wh, AS_OF, folder)
            result: dict[str, object] = {
                "issues": [(i.code, i.level.name, i.source.file, i.source.line, i.source.key, i.source.column,
                            i.message, i.suggestion) for i in report.issues],  # report order
                "counts": sorted(report.issue_counts.items()),
                "loaded": dict(report.loaded), "rejected": dict(report.rejected),
            }
        except DataError as exc:
            result = {"refused": str(exc), "issues": [(i.code, i.source.line, i.message) for i in exc.issues]}
        assert wh.con.execute("SELECT current_setting('threads')").fetchone() == threads
        result["loans"] = wh.con.execute("SELECT * FROM loans").fetchall()
        result["customers"] = wh.con.execute("SELECT * FROM customers").fetchall()
        result["quarantine"] = wh.con.execute(
            "SELECT table_name, file, line, row_key, row_json, issues_json FROM quarantine ORDER BY table_name, line"
        ).fetchall()
        return result


def _both(rows: list[dict[str, object]], customers_parquet: bool, monkeypatch: pytest.MonkeyPatch
          ) -> tuple[dict[str, object], dict[str, object], list[str]]:
    lanes: list[str] = []
    run = load_lanes._Lane.run

    def spy(lane: load_lanes._Lane, probe: str | None, sql: str, params: list[object]) -> None:
        lanes.append(lane.table)
        run(lane, probe, sql, params)

    with tempfile.TemporaryDirectory() as tmp, monkeypatch.context() as m:
        work = Path(tmp)
        folder = _folder(rows, work, customers_parquet)
        m.setattr(load_lanes, "MIN_ROWS", 0)
        m.setattr(load_lanes._Lane, "run", spy)
        on_lane = _load(folder, work / "lanes.duckdb")
        m.setattr(load_lanes, "CONCURRENT", False)
        sequential = _load(folder, work / "sequential.duckdb")
    return on_lane, sequential, lanes


@example(rows=[_clean("L1"), _clean("L2")], customers_parquet=False)
@example(rows=[_clean("L1"), _clean("L1", customer_id="K0002"), _clean("l1"), _clean("L2")], customers_parquet=False)
@example(rows=[_clean("L1"), _clean("l1", branch_id="O404"), _clean("L3", customer_id="K9999"), _clean("L3"),
               _clean("L4", five_class="FQ01")], customers_parquet=True)
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(row, min_size=1, max_size=8), customers_parquet=st.booleans())
def test_a_duplicate_check_on_a_lane_loads_like_the_sequential_run(
    rows: list[dict[str, object]], customers_parquet: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_lane, sequential, lanes = _both(rows, customers_parquet, monkeypatch)
    # the loans' duplicate check ran on a lane; the customers' too when they are a part (staged first, referred to
    # by the loans: started as soon as they were staged)
    assert sorted(lanes) == (["customers", "loans"] if customers_parquet else ["loans"])
    assert on_lane == sequential


def test_a_refused_load_stops_the_lane_and_restores_the_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken branch tree refuses the load while the loans' lane may still run: the lane is stopped, the
    threads restored (``_load`` asserts it) and nothing is loaded, as in the sequential run."""
    rows = [_clean("L1"), _clean("L1"), _clean("L2")]
    with tempfile.TemporaryDirectory() as tmp, monkeypatch.context() as m:
        work = Path(tmp)
        folder = _folder(rows, work, customers_parquet=True)
        text = (folder / "branches.csv").read_text(encoding="utf-8").splitlines()
        text[1] = text[1].replace(",,", ",O001,", 1)  # the head office under a branch: a cycle
        (folder / "branches.csv").write_text("\n".join(text) + "\n", encoding="utf-8")
        m.setattr(load_lanes, "MIN_ROWS", 0)
        on_lane = _load(folder, work / "lanes.duckdb")
        m.setattr(load_lanes, "CONCURRENT", False)
        sequential = _load(folder, work / "sequential.duckdb")
    assert "refused" in on_lane
    assert on_lane == sequential


@settings(max_examples=60, deadline=None)
@given(ids=st.lists(st.sampled_from(["L1", "l1", "L2", "L3", "ab", "AB", "Ab", "", None]), max_size=12))
def test_the_duplicate_probe_finds_something_exactly_when_the_check_does(ids: list[str | None]) -> None:
    """``loading.duplicates_probe_sql`` (sorted keys against their neighbour) is 0 exactly when the duplicate
    check (``duplicates_sql``: the hash aggregate over the case-folded keys) yields no issue row."""
    import duckdb

    from wupian.contract import table
    from wupian.engine.loading import duplicates_probe_sql, duplicates_sql

    con = duckdb.connect()
    con.execute("CREATE TABLE staged (__line BIGINT, loan_id VARCHAR)")
    if ids:
        con.executemany("INSERT INTO staged VALUES (?, ?)", [[n + 1, v] for n, v in enumerate(ids)])
    loans = table("loans")
    probe = duplicates_probe_sql(loans, "staged")
    found = duplicates_sql(loans, "staged", "loans.parquet", 0)
    assert probe is not None and found is not None
    rows = con.execute(found[0], found[1]).fetchall()
    folded = [v.lower() for v in ids if v is not None]
    assert bool(con.execute(probe).fetchone()[0]) == bool(rows) == (len(set(folded)) < len(folded))
    assert duplicates_probe_sql(table("registries"), "staged") is None  # a key of several columns: no probe


def test_the_lane_gives_the_threads_back_as_soon_as_its_work_is_done(monkeypatch: pytest.MonkeyPatch) -> None:
    """The load's connection runs its remaining checks on every thread once the lane is done (the lane's cursor
    restores the setting): before the loans' lane result is taken, the threads are already back — on a clean file
    (the probe alone) and on one with duplicate keys (the probe and the check) — and the load is the sequential
    run's."""
    from wupian.engine.load_session import LoadSession

    seen: list[tuple[str, bool, int]] = []
    close = LoadSession.close_rejections

    def spy(ses: LoadSession, table: object) -> int:
        lane = getattr(ses._lanes, "_lanes", {}).get(getattr(table, "name", None))
        if lane is None and getattr(ses._lanes, "_lane", None) is not None:
            lane = ses._lanes._lane  # (the code before several lanes)
        if lane is not None and lane.table == getattr(table, "name", None):
            lane.done.wait()
            threads = ses._wh.con.execute("SELECT current_setting('threads')").fetchone()
            seen.append((lane.table, getattr(lane, "restored", None), int(threads[0])))  # type: ignore[index]
        return close(ses, table)  # type: ignore[arg-type]

    for rows in ([_clean("L1"), _clean("L2")], [_clean("L1"), _clean("L1", customer_id="K0002"), _clean("l1")]):
        seen.clear()
        with tempfile.TemporaryDirectory() as tmp, monkeypatch.context() as m:
            work = Path(tmp)
            folder = _folder(rows, work, customers_parquet=False)
            m.setattr(load_lanes, "MIN_ROWS", 0)
            m.setattr(LoadSession, "close_rejections", spy)
            m.setattr(Warehouse, "__enter__", _two_threads(Warehouse.__enter__))
            on_lane = _load(folder, work / "lanes.duckdb")
            m.setattr(load_lanes, "CONCURRENT", False)
            sequential = _load(folder, work / "sequential.duckdb")
        assert seen == [("loans", True, 2)]
        assert on_lane == sequential


def _two_threads(enter):  # type: ignore[no-untyped-def]
    def entered(wh: Warehouse) -> Warehouse:
        got = enter(wh)
        wh.con.execute("SET threads = 2")  # a lane lowers it to 1 and must give both back
        return got
    return entered


def test_a_referenced_part_checks_its_keys_while_the_next_files_are_staged(monkeypatch: pytest.MonkeyPatch) -> None:
    """The customers (a Parquet part the loans refer to) start their duplicate check as soon as they are staged —
    before the loans file is staged — and their duplicate and case-only ids, with the loans referring to them,
    give the sequential run's report, counts, quarantine and tables."""
    from wupian.engine.load_session import LoadSession

    events: list[str] = []
    stage, run = LoadSession.stage, load_lanes._Lane.run

    def staging(ses: LoadSession, raw: object, key: str, *args: object) -> object:
        events.append(f"stage {key}")
        return stage(ses, raw, key, *args)  # type: ignore[arg-type]

    def lane_run(lane: load_lanes._Lane, *args: object) -> None:
        events.append(f"lane {lane.table}")
        run(lane, *args)  # type: ignore[arg-type]

    rows = [_clean("L1"), _clean("L2", customer_id="K0002"), _clean("L3", customer_id="K0003")]
    with tempfile.TemporaryDirectory() as tmp, monkeypatch.context() as m:
        work = Path(tmp)
        folder = _folder(rows, work, customers_parquet=True)
        customers = pq.read_table(folder / "customers.parquet")
        ids = customers.column("customer_id").to_pylist()
        extra = customers.slice(0, 2).set_column(0, "customer_id", pa.array([ids[1], ids[2].lower()], pa.string()))
        pq.write_table(pa.concat_tables([customers, extra]), folder / "customers.parquet")
        m.setattr(load_lanes, "MIN_ROWS", 0)
        m.setattr(LoadSession, "stage", staging)
        m.setattr(load_lanes._Lane, "run", lane_run)
        on_lane = _load(folder, work / "lanes.duckdb")
        lanes_seen = list(events)
        m.setattr(load_lanes, "CONCURRENT", False)
        sequential = _load(folder, work / "sequential.duckdb")
    assert lanes_seen.index("lane customers") < lanes_seen.index("stage loans")
    assert "lane loans" in lanes_seen
    codes = {i[0] for i in on_lane["issues"]}  # type: ignore[union-attr]
    assert {"WP-LOAD-022", "WP-LOAD-039", "WP-LOAD-023"} <= codes  # duplicates, case-only ids, loans left without
    assert on_lane == sequential
