"""The non-loan indicator families beside the classification (issue 14, session 12).

``api.compute_indicators`` starts the families that do not read the classification (coverage and services,
accounts, processes, activities, fraud) in a thread on a cursor of their own while it classifies on demand and
computes the loan figures (``metrics.start_other_families``, ``engine.metrics_beside.Beside``). The result must be
the sequential one, value for value and in order; a warm (stored) read must not start them; a failure must end
the thread and raise what a sequential run raises.
"""

from __future__ import annotations

import threading
import time
from datetime import date
from pathlib import Path

import pytest

from support.lineage_bank import loaded_demo
from wupian import api
from wupian.engine import metrics_beside
from wupian.engine.metrics_beside import Beside
from wupian.engine.warehouse import Warehouse
from wupian.metrics import compute

THREAD = "wupian-beside"


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The threads ``other_families`` ran in."""
    seen: list[str] = []
    real = compute.other_families

    def spy(*args: object, **kwargs: object) -> object:
        seen.append(threading.current_thread().name)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compute, "other_families", spy)
    return seen


def _no_beside_thread() -> bool:
    return not any(t.name == THREAD for t in threading.enumerate())


@pytest.mark.parametrize(("branch", "ids"), [(None, None), ("0100000", None), (None, ["coverage.*", "*.balance"])])
def test_cold_figures_beside_the_classification_equal_the_sequential_ones(
        tmp_path: Path, demo: tuple[date, Path], monkeypatch: pytest.MonkeyPatch,
        branch: str | None, ids: list[str] | None) -> None:
    day = demo[0]
    seen = _spy(monkeypatch)
    with loaded_demo(tmp_path, demo, "beside") as wh:
        beside = api.compute_indicators(wh, day, branch_id=branch, ids=ids)
    assert seen == [THREAD] and _no_beside_thread()
    monkeypatch.setattr(compute, "concurrent_by_default", lambda wh: False)
    with loaded_demo(tmp_path, demo, "sequential") as wh:
        sequential = api.compute_indicators(wh, day, branch_id=branch, ids=ids)
    assert seen == [THREAD, "MainThread"]
    table = beside.to_arrow()
    assert table.num_rows > 0 and table.equals(sequential.to_arrow())  # same rows in the same order
    assert beside.notes == sequential.notes
    families = {i.split(".")[0] for i in table.column("indicator_id").to_pylist()}
    assert "coverage" in families and (ids is not None or "accounts" in families)


def test_a_stored_result_is_served_without_starting_them(
        tmp_path: Path, demo: tuple[date, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    day = demo[0]
    with loaded_demo(tmp_path, demo, "warm") as wh:
        cold = api.compute_indicators(wh, day).to_arrow()
        started: list[object] = []
        monkeypatch.setattr(compute, "start_other_families", lambda *a, **k: started.append(a))
        warm = api.compute_indicators(wh, day).to_arrow()
    assert started == [] and warm.equals(cold)


def test_a_failed_classification_ends_the_thread_and_raises(
        tmp_path: Path, demo: tuple[date, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    day = demo[0]

    def broken(*args: object, **kwargs: object) -> None:
        time.sleep(0.05)
        raise RuntimeError("classification failed")

    monkeypatch.setattr(api, "ensure_fresh", broken)
    with loaded_demo(tmp_path, demo, "broken") as wh:
        with pytest.raises(RuntimeError, match="classification failed"):
            api.compute_indicators(wh, day)
        assert _no_beside_thread()
        assert wh.scalar("SELECT 1") == 1  # the warehouse stays usable


def test_beside_returns_the_value_or_raises_the_failure_of_its_reader() -> None:
    with Warehouse(":memory:") as wh:
        assert Beside.start(wh, lambda cur: cur.scalar("SELECT 41 + 1")).result() == 42

        def fails(cur: Warehouse) -> None:
            cur.scalar("SELECT * FROM no_such_table")

        pending = Beside.start(wh, fails)
        with pytest.raises(Exception, match="no_such_table"):
            pending.result()
        assert _no_beside_thread()


def test_beside_sees_committed_tables_but_not_temporary_ones() -> None:
    with Warehouse(":memory:") as wh:
        wh.execute("CREATE TABLE kept AS SELECT 7 AS x")
        wh.execute("CREATE TEMP TABLE scratch AS SELECT 8 AS x")
        assert Beside.start(wh, lambda cur: cur.scalar("SELECT x FROM kept")).result() == 7
        with pytest.raises(Exception, match="scratch"):
            Beside.start(wh, lambda cur: cur.scalar("SELECT x FROM scratch")).result()


def test_cancel_interrupts_a_running_statement() -> None:
    with Warehouse(":memory:") as wh:
        started = threading.Event()

        def slow(cur: Warehouse) -> object:
            started.set()
            return cur.scalar("SELECT count(*) FROM range(1000000000000) AS a(i) WHERE i % 7 = 3")

        pending = Beside.start(wh, slow)
        started.wait(5)
        time.sleep(0.2)
        t0 = time.perf_counter()
        pending.cancel()
        assert time.perf_counter() - t0 < 5 and _no_beside_thread()
        pending.cancel()  # again: nothing
        assert wh.scalar("SELECT 1") == 1


def test_not_concurrent_where_statements_are_logged(monkeypatch: pytest.MonkeyPatch) -> None:
    with Warehouse(":memory:") as wh:
        assert metrics_beside.concurrent_by_default(wh)
        monkeypatch.setenv(metrics_beside.SQL_LOG_ENV, "/dev/null")
        assert not metrics_beside.concurrent_by_default(wh)
        assert compute.start_other_families(wh, date(2026, 3, 31)) is None


def _store_spy(monkeypatch: pytest.MonkeyPatch, *, fail: bool = False) -> list[str]:
    """The threads ``store_indicator_values`` ran in (it raises after storing nothing when ``fail``)."""
    seen: list[str] = []
    real = compute.store_indicator_values

    def spy(*args: object, **kwargs: object) -> None:
        seen.append(threading.current_thread().name)
        if fail:
            raise RuntimeError("store failed")
        real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(compute, "store_indicator_values", spy)
    return seen


def test_the_callers_work_runs_while_the_result_is_stored(
        tmp_path: Path, demo: tuple[date, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    day = demo[0]
    stores = _store_spy(monkeypatch)
    calls: list[tuple[str, int]] = []

    def work(result: object) -> None:
        calls.append((threading.current_thread().name, len(result)))  # type: ignore[arg-type]

    with loaded_demo(tmp_path, demo, "store") as wh:
        result = api.compute_indicators(wh, day, while_storing=work)
        stored = wh.rows("SELECT count(*) AS n FROM indicator_values WHERE as_of = ?", [day])[0]["n"]
        assert stores == [THREAD] and calls == [("MainThread", len(result))] and stored == len(result)
        assert api.compute_indicators(wh, day, while_storing=work).to_arrow().equals(result.to_arrow())
        assert len(calls) == 1  # served stored: nothing computed, nothing to do while storing
        api.compute_indicators(wh, day, branch_id="0100000", while_storing=work)  # not stored: done after
        assert len(calls) == 2 and stores == [THREAD] and _no_beside_thread()


def test_the_store_is_complete_when_the_callers_work_fails(
        tmp_path: Path, demo: tuple[date, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    day = demo[0]

    def work(result: object) -> None:
        raise ValueError("output failed")

    with loaded_demo(tmp_path, demo, "workfails") as wh:
        with pytest.raises(ValueError, match="output failed"):
            api.compute_indicators(wh, day, while_storing=work)
        assert _no_beside_thread()
        assert wh.scalar("SELECT count(*) FROM indicator_values WHERE as_of = ?", [day]) > 0


def test_a_failed_store_is_raised_before_the_callers_failure(
        tmp_path: Path, demo: tuple[date, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    day = demo[0]
    _store_spy(monkeypatch, fail=True)

    def work(result: object) -> None:
        raise ValueError("output failed")

    with loaded_demo(tmp_path, demo, "storefails") as wh:
        with pytest.raises(RuntimeError, match="store failed"):
            api.compute_indicators(wh, day, while_storing=work)
        assert _no_beside_thread()
