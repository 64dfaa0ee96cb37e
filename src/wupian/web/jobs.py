"""The server's job runner: one worker thread that owns every write to the warehouse (load, month-end job,
publication), so writes inside the server never race, and a watcher that publishes a new copy whenever another
process (e.g. ``wupian load`` on the command line) has committed to the warehouse.

A job reports progress as (step, done, total); the month-end desk polls it. After a job that wrote, the runner
publishes, so the pages switch to the new month-end in one step, fully classified."""

from __future__ import annotations

import itertools
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wupian.api import publish_for_readers, published_copy, warehouse_changed
from wupian.core.errors import DataError, UsageError

LOG = logging.getLogger("wupian.web.jobs")
Progress = Callable[[str, int, int], None]


@dataclass
class Job:
    id: int
    kind: str
    label: str
    owner: str | None
    writes: bool
    run: Callable[[Progress], dict[str, Any]]
    state: str = "queued"  # queued → running → done | failed
    step: str = ""
    done: int = 0
    total: int = 0
    message: str = ""
    result: dict[str, Any] = field(default_factory=dict)
    started: float | None = None
    finished: float | None = None

    def view(self) -> dict[str, Any]:
        pct = 100 if self.state == "done" else (int(100 * self.done / self.total) if self.total else 0)
        return {"id": self.id, "kind": self.kind, "label": self.label, "owner": self.owner, "state": self.state,
                "step": self.step, "done": self.done, "total": self.total, "percent": pct,
                "message": self.message, "result": self.result}


class JobRunner:
    def __init__(self, db_path: Path, *, watch_seconds: float = 2.0,
                 on_published: Callable[[], None] | None = None) -> None:
        self.db_path = db_path
        self.watch_seconds = watch_seconds
        self.on_published = on_published
        self._ids = itertools.count(1)
        self._jobs: dict[int, Job] = {}
        self._queue: queue.Queue[Job | None] = queue.Queue()
        self._guard = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    # -- lifecycle ----------------------------------------------------------------------------------
    def start(self) -> None:
        worker = threading.Thread(target=self._work, name="wupian-jobs", daemon=True)
        self._threads = [worker]
        if self.watch_seconds > 0:
            self._threads.append(threading.Thread(target=self._watch, name="wupian-watch", daemon=True))
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        self._queue.put(None)
        for t in self._threads:
            t.join(timeout=30)

    # -- jobs ---------------------------------------------------------------------------------------
    def submit(self, kind: str, label: str, run: Callable[[Progress], dict[str, Any]], *, owner: str | None,
               writes: bool) -> Job:
        job = Job(next(self._ids), kind, label, owner, writes, run)
        with self._guard:
            self._jobs[job.id] = job
        self._queue.put(job)
        return job

    def get(self, job_id: int) -> Job | None:
        with self._guard:
            return self._jobs.get(job_id)

    def jobs(self) -> list[Job]:
        with self._guard:
            return sorted(self._jobs.values(), key=lambda j: -j.id)

    def publish_now(self) -> None:
        """Publish synchronously in the caller's thread (first start of the server)."""
        publish_for_readers(self.db_path)
        if self.on_published:
            self.on_published()

    def _pending_publish(self) -> bool:
        with self._guard:
            return any(j.kind == "publish" and j.state in ("queued", "running") for j in self._jobs.values())

    def submit_publish(self, owner: str | None = None) -> Job | None:
        if self._pending_publish():
            return None

        def run(progress: Progress) -> dict[str, Any]:
            pub = publish_for_readers(self.db_path, progress=progress)
            return {"generation": pub.generation}

        return self.submit("publish", "发布数据副本", run, owner=owner, writes=False)

    def _work(self) -> None:
        while not self._stop.is_set():
            job = self._queue.get()
            if job is None:
                return
            self._run(job)
            if job.kind == "publish" and job.state == "done" and self.on_published:
                self.on_published()
            if job.writes and job.state == "done":
                self.submit_publish(job.owner)

    def _run(self, job: Job) -> None:
        def progress(step: str, done: int, total: int) -> None:
            job.step, job.done, job.total = step, done, total

        job.state, job.started = "running", time.time()
        try:
            job.result = job.run(progress) or {}
            job.state = "done"
        except (UsageError, DataError) as exc:
            job.state, job.message = "failed", str(exc)
            if isinstance(exc, DataError):
                job.result = {"issues": [str(i) for i in exc.issues[:200]]}
        except Exception as exc:  # never lose the runner; the log has the details
            LOG.error("job %s failed: %s", job.id, traceback.format_exc())
            job.state, job.message = "failed", f"内部错误：{exc.__class__.__name__}"
        finally:
            job.finished = time.time()

    def _watch(self) -> None:
        while not self._stop.wait(self.watch_seconds):
            try:
                if warehouse_changed(self.db_path, published_copy(self.db_path)):
                    self.submit_publish()
            except Exception:  # a transient stat error must not stop the watcher
                LOG.warning("watcher: %s", traceback.format_exc())
