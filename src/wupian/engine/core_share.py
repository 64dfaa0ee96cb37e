"""One DuckDB thread per statement while several threads of a run each have a statement going.

A run that works in threads of its own (``reports.run``: the indicators beside the PBOC files, then the other report
phases in lanes), each on its own cursor, already keeps both cores busy. DuckDB's own threads then only add their
coordination: a hash aggregate or join split over two threads partitions and merges its tables, ≈ 1.6× the CPU of
one thread when the grouping barely reduces the rows (3.3M customers of 10M loans; ``bench/results/profile.md``,
session 14). While two or more threads of the run are busy, :class:`CoreShare` sets DuckDB to one thread, and gives
the database its threads back as soon as only one is left, so that the last phase runs on both cores.

``SET threads`` is a setting of the database, not of a connection (``engine.load_lanes`` and ``engine.recurring``
do the same for their own lanes): every connection of the database shares it while the run lasts, and a thread
only changes it on its own cursor (a connection runs one statement at a time). The setting changes what work
each core does, never a result.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from wupian.engine.warehouse import Warehouse


class CoreShare:
    """Counts the run's busy threads; at two or more DuckDB has one thread, at one or none its own number back."""

    def __init__(self, wh: Warehouse) -> None:
        self._lock = threading.Lock()
        self._busy = 0
        self._threads = int(wh.scalar("SELECT current_setting('threads')"))  # the database's own setting
        self._single = False

    @contextmanager
    def busy(self, on: Warehouse) -> Iterator[None]:
        """The calling thread has work for DuckDB on ``on`` (its own connection or cursor) within the block."""
        self._move(on, +1)
        try:
            yield
        finally:
            self._move(on, -1)

    def restore(self, on: Warehouse) -> None:
        """The database's own number of threads again (after the run, every thread of it ended), on ``on``."""
        with self._lock:
            if self._single:
                on.execute(f"SET threads = {self._threads:d}")
                self._single = False

    def _move(self, on: Warehouse, step: int) -> None:
        with self._lock:  # held while the setting changes: the count and the setting move together
            self._busy += step
            single = self._busy >= 2 and self._threads > 1
            if single != self._single:
                on.execute(f"SET threads = {1 if single else self._threads:d}")
                self._single = single
