"""``engine.core_share.CoreShare``: DuckDB on one thread while two or more threads of a run are busy, its own
number of threads back as soon as one is left — whichever thread changes it, and after a failure."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wupian.engine.core_share import CoreShare
from wupian.engine.warehouse import Warehouse


def _threads(wh: Warehouse) -> int:
    return int(wh.scalar("SELECT current_setting('threads')"))


@pytest.fixture
def wh(tmp_path: Path) -> Warehouse:
    w = Warehouse(tmp_path / "w.duckdb")
    w.execute("SET threads = 3")
    yield w
    w.close()


def test_one_thread_while_two_are_busy_and_the_own_number_back_after(wh: Warehouse) -> None:
    share = CoreShare(wh)
    other = wh.cursor()
    try:
        with share.busy(wh):
            assert _threads(wh) == 3  # one busy thread: DuckDB keeps its threads
            with share.busy(other):
                assert _threads(wh) == 1 and _threads(other) == 1
            assert _threads(wh) == 3  # the other ended: the one left gets every thread back
        assert _threads(wh) == 3
    finally:
        other.close()


def test_a_failing_block_gives_the_threads_back(wh: Warehouse) -> None:
    share = CoreShare(wh)
    other = wh.cursor()
    try:
        with share.busy(wh), pytest.raises(ValueError), share.busy(other):
            raise ValueError("phase failed")
        assert _threads(wh) == 3
    finally:
        other.close()


def test_a_database_on_one_thread_is_left_alone(wh: Warehouse) -> None:
    wh.execute("SET threads = 1")
    share = CoreShare(wh)
    with share.busy(wh), share.busy(wh):
        assert _threads(wh) == 1
    share.restore(wh)
    assert _threads(wh) == 1


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.booleans()), min_size=1, max_size=30))
def test_the_setting_follows_the_count_of_busy_threads(tmp_path_factory: pytest.TempPathFactory,
                                                        moves: list[tuple[int, bool]]) -> None:
    """Threads enter and leave in any order (each leaves what it entered): at every step the setting is 1 exactly
    when two or more are inside, and the database's own number once every block has ended."""
    with Warehouse(tmp_path_factory.mktemp("share") / "w.duckdb") as w:
        w.execute("SET threads = 2")
        share = CoreShare(w)
        cursors = [w.cursor() for _ in range(3)]
        inside: list[list[object]] = [[] for _ in cursors]
        try:
            for who, enter in moves:
                if enter:
                    block = share.busy(cursors[who])
                    block.__enter__()
                    inside[who].append(block)
                elif inside[who]:
                    inside[who].pop().__exit__(None, None, None)
                busy = sum(len(x) for x in inside)
                assert _threads(w) == (1 if busy >= 2 else 2)
            for blocks in inside:
                while blocks:
                    blocks.pop().__exit__(None, None, None)
            assert _threads(w) == 2
        finally:
            for c in cursors:
                c.close()


def test_threads_changing_it_from_their_own_cursors(wh: Warehouse) -> None:
    """Four threads, each on its own cursor, enter and leave at once many times: the database has its own number
    of threads at the end, and every statement ran (no connection was used by two threads at once)."""
    share = CoreShare(wh)
    errors: list[BaseException] = []

    def work() -> None:
        c = wh.cursor()
        try:
            for _ in range(20):
                with share.busy(c):
                    assert c.scalar("SELECT count(*) FROM range(1000)") == 1000
        except BaseException as exc:  # noqa: BLE001 — collected, asserted below
            errors.append(exc)
        finally:
            c.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and _threads(wh) == 3
