"""The server's view of the warehouse: the newest *published* copy, opened read-only, plus a small cache of
computed answers keyed by the copy's generation (a copy never changes, so neither do its answers).

The server never opens the primary file to read; the job runner (``wupian.web.jobs``) is the only code in the
server that writes it, and it publishes a new copy after every write (``wupian.api.publish_for_readers``)."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from wupian.api import Warehouse, published_copy
from wupian.web.errors import ApiError

T = TypeVar("T")
CACHE_SIZE = 1024
RECHECK = 0.5  # seconds between two reads of the CURRENT pointer


class DataSource:
    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._guard = threading.Lock()
        self._generation = 0
        self._path: Path | None = None
        self._anchor: Warehouse | None = None  # keeps the DuckDB instance of the current copy open
        self._cache: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
        self._computing: dict[tuple[Hashable, ...], threading.Lock] = {}
        self._checked = 0.0

    @property
    def generation(self) -> int:
        return self._generation

    def refresh(self, *, force: bool = False) -> bool:
        """Switch to the newest published generation; True when it changed. The pointer file is read at most
        every ``RECHECK`` seconds (requests in between use the copy they already know)."""
        now = time.monotonic()
        if not force and self._path is not None and now - self._checked < RECHECK:
            return False
        self._checked = now
        pub = published_copy(self.db_path)
        if pub is None or pub.generation == self._generation:
            return False
        with self._guard:
            if pub.generation == self._generation:
                return False
            anchor = Warehouse(pub.path, read_only=True, lock=False)
            old = self._anchor
            self._anchor, self._path, self._generation = anchor, pub.path, pub.generation
            self._cache.clear()
        if old is not None:
            old.close()
        return True

    @contextmanager
    def reader(self) -> Iterator[Warehouse]:
        """A read-only connection to the current published copy (one per request)."""
        self.refresh()
        path = self._path
        if path is None:
            raise ApiError(503, "数据仓库尚未发布，请稍候", code="not_ready")
        wh = Warehouse(path, read_only=True, lock=False)
        try:
            yield wh
        finally:
            wh.close()

    @contextmanager
    def scratch_reader(self) -> Iterator[Warehouse]:
        """A private overlay of the current copy for readers that build scratch tables (loan explanations)."""
        self.refresh()
        path = self._path
        if path is None:
            raise ApiError(503, "数据仓库尚未发布，请稍候", code="not_ready")
        wh = Warehouse.overlay(path)
        try:
            yield wh
        finally:
            wh.close()

    def cached(self, key: tuple[Hashable, ...], compute: Callable[[Warehouse], T]) -> T:
        """``compute`` once per generation and key (concurrent callers of the same key wait for the first)."""
        self.refresh()
        full = (self._generation, *key)
        with self._guard:
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]  # type: ignore[no-any-return]
            gate = self._computing.setdefault(full, threading.Lock())
        with gate:
            with self._guard:
                if full in self._cache:
                    return self._cache[full]  # type: ignore[no-any-return]
            with self.reader() as wh:
                value = compute(wh)
            with self._guard:
                self._cache[full] = value
                self._computing.pop(full, None)
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        return value

    def close(self) -> None:
        with self._guard:
            if self._anchor is not None:
                self._anchor.close()
            self._anchor, self._path = None, None
