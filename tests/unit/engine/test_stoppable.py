"""An interrupted cursor stays stopped: an interrupt that lands between two statements is not lost."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import duckdb
import pytest

from wupian.engine.stoppable import MESSAGE, StoppableConnection, stoppable
from wupian.engine.warehouse import Warehouse

LONG = "SELECT count(*) FROM range(3000000000) AS t(x) WHERE x % 7 = 3"  # minutes unless interrupted


def test_plain_duckdb_loses_an_interrupt_that_lands_between_statements() -> None:
    """Why the wrapper exists: DuckDB itself forgets an interrupt when no statement runs."""
    con = duckdb.connect()
    cur = con.cursor()
    cur.interrupt()
    assert cur.execute("SELECT 1").fetchone() == (1,)
    con.close()


def test_a_cursor_interrupted_while_idle_refuses_every_later_statement(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        cur = wh.cursor()
        assert cur.scalar("SELECT 1") == 1
        cur.interrupt()
        for run in (lambda: cur.scalar("SELECT 1"), lambda: cur.execute("CREATE TEMP TABLE t AS SELECT 1 AS x"),
                    lambda: cur.arrow("SELECT 2"), lambda: cur.rows("SELECT 3")):
            with pytest.raises(duckdb.InterruptException, match="^INTERRUPT Error: Interrupted!$"):
                run()
        assert wh.scalar("SELECT 42") == 42  # the warehouse's own connection and a new cursor still work
        other = wh.cursor()
        assert other.scalar("SELECT 43") == 43
        other.close()
        cur.close()


def test_a_running_statement_is_interrupted_and_the_next_ones_do_not_run(tmp_path: Path) -> None:
    with Warehouse(tmp_path / "w.duckdb") as wh:
        cur = wh.cursor()
        outcomes: list[str] = []

        def many() -> None:
            for _ in range(50):
                try:
                    cur.scalar(LONG)
                    outcomes.append("ran")
                except duckdb.InterruptException:
                    outcomes.append("interrupted")

        t = threading.Thread(target=many)
        began = time.perf_counter()
        t.start()
        time.sleep(0.3)
        cur.interrupt()
        t.join(30)
        assert not t.is_alive() and time.perf_counter() - began < 30
        assert outcomes == ["interrupted"] * 50  # the running one, then each later one at once
        cur.close()


def test_a_thread_between_statements_when_interrupted_stops_at_its_next_one(tmp_path: Path) -> None:
    """The race CI met: the interrupt comes while the thread is in Python; its next statement raises."""
    with Warehouse(tmp_path / "w.duckdb") as wh:
        cur = wh.cursor()
        between, interrupted = threading.Event(), threading.Event()
        outcome: list[str] = []

        def work() -> None:
            cur.scalar("SELECT 1")
            between.set()
            interrupted.wait(10)  # in Python, no statement running
            try:
                cur.scalar(LONG)
                outcome.append("ran")
            except duckdb.InterruptException as exc:
                outcome.append(str(exc))

        t = threading.Thread(target=work)
        t.start()
        assert between.wait(10)
        cur.interrupt()
        interrupted.set()
        t.join(30)
        assert outcome == [MESSAGE]
        cur.close()


def test_a_statement_that_ends_as_the_mark_is_set_raises_on_return() -> None:
    class Racing:
        """A connection whose statement ends just as another thread interrupts: DuckDB itself misses it."""

        def __init__(self) -> None:
            self.wrapped: StoppableConnection | None = None

        def execute(self, sql: str, params: object = None) -> str:
            assert self.wrapped is not None
            self.wrapped.interrupt()
            return "result"

        def interrupt(self) -> None:
            pass

    inner = Racing()
    con = stoppable(inner)
    inner.wrapped = con
    with pytest.raises(duckdb.InterruptException):
        con.execute("SELECT 1")
    assert con.stopped and stoppable(con) is con


def test_a_statement_not_yet_begun_when_interrupted_is_interrupted_once_it_has() -> None:
    class NotYetBegun:
        """Like DuckDB: an interrupt before the statement has begun is lost; one while it runs stops it."""

        def __init__(self) -> None:
            self.begun = self.hit = False

        def execute(self, sql: str, params: object = None) -> str:
            time.sleep(0.2)  # parsing, planning: the statement has not begun
            self.begun = True
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if self.hit:
                    raise duckdb.InterruptException(MESSAGE)
                time.sleep(0.001)
            return "ran to its end"

        def interrupt(self) -> None:
            self.hit = self.hit or self.begun

    inner = NotYetBegun()
    con = stoppable(inner)
    outcome: list[str] = []

    def work() -> None:
        try:
            outcome.append(con.execute("SELECT 1"))
        except duckdb.InterruptException:
            outcome.append("interrupted")

    t = threading.Thread(target=work)
    t.start()
    time.sleep(0.05)
    con.interrupt()  # lost by the statement itself: it has not begun
    t.join(30)
    assert outcome == ["interrupted"] and inner.hit
    for _ in range(200):  # the repeating thread ends with the statement
        if not any(x.name == "wupian-interrupt" for x in threading.enumerate()):
            break
        time.sleep(0.01)
    assert not any(x.name == "wupian-interrupt" for x in threading.enumerate())
