"""Cold ``indicators`` without work nobody reads (issue 14, session 12, ``indw2``).

* A classification on demand for the indicators does not count the tags it wrote: ``api.compute_indicators``
  asks ``ensure_classified(..., counts=False)`` (the reports' counts are discarded there), so the ``tag_counts``
  scan of ``loan_tags`` is not made; every other caller still gets the counts.
* After a classification made by ``api.compute_indicators`` the stored indicator set is not looked up: its
  versions name the tags' ``computed_at``, which that classification has just replaced (stale by construction).
  Without a classification the stored set is looked up and served as before.
* ``settle=True`` (the CLI closes the warehouse next): the stored result is checkpointed on the store's cursor,
  beside the caller's ``while_storing`` work — the write-ahead log is empty before ``close``.
"""

from __future__ import annotations

import threading
from datetime import date
from pathlib import Path

import pytest

from support.lineage_bank import loaded_demo
from wupian import api, metrics
from wupian.engine import classify as engine_classify
from wupian.metrics import compute
from wupian.rules import fresh


def _count_calls(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[str]:
    calls: list[str] = []
    real = getattr(owner, name)

    def spy(*args: object, **kwargs: object) -> object:
        calls.append(threading.current_thread().name)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return calls


def test_indicators_classify_without_counting_the_tags(
        tmp_path: Path, demo: tuple[date, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    day = demo[0]
    counted = _count_calls(monkeypatch, engine_classify, "tag_counts")
    with loaded_demo(tmp_path, demo, "cold") as wh:
        assert fresh.stale_classifications(wh, day, ("pboc_2025",))
        result = api.compute_indicators(wh, day)
        assert not fresh.stale_classifications(wh, day, ("pboc_2025",))  # it did classify
    assert len(result) > 0 and counted == []
    with loaded_demo(tmp_path, demo, "counted") as wh:  # every other caller still gets the counts
        reports = api.ensure_fresh(wh, day, ("pboc_2025",))
        assert reports and counted
        by_sql = {r["tag"]: (r["loans"], r["amount"]) for r in engine_classify.tag_counts(wh, day, "pboc_2025")}
    mine = [r for r in reports if r.as_of == day][0]
    assert {c.tag: (c.loans, c.amount) for c in mine.counts} == by_sql and by_sql


def test_counts_false_gives_the_same_tags_and_empty_counts(
        tmp_path: Path, demo: tuple[date, Path]) -> None:
    day = demo[0]
    with loaded_demo(tmp_path, demo, "a") as wh:
        lean = fresh.ensure_classified(wh, day, ("pboc_2025",), counts=False)
        lean_tags = api.loan_tags(wh, day, "pboc_2025").sort_by([("loan_id", "ascending"), ("tag", "ascending")])
    with loaded_demo(tmp_path, demo, "b") as wh:
        full = fresh.ensure_classified(wh, day, ("pboc_2025",))
        full_tags = api.loan_tags(wh, day, "pboc_2025").sort_by([("loan_id", "ascending"), ("tag", "ascending")])
    assert [(r.as_of, r.profile, r.loans) for r in lean] == [(r.as_of, r.profile, r.loans) for r in full]
    assert all(r.counts == () for r in lean) and any(r.counts for r in full)
    assert lean_tags.num_rows > 0 and lean_tags.equals(full_tags)


def test_the_stored_set_is_looked_up_only_when_nothing_was_classified(
        tmp_path: Path, demo: tuple[date, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    day = demo[0]
    looked = _count_calls(monkeypatch, metrics, "stored_indicators")  # as ``wupian.api`` calls it
    with loaded_demo(tmp_path, demo, "stored") as wh:
        cold = api.compute_indicators(wh, day)  # classifies: the stored set cannot be fresh
        assert looked == []
        warm = api.compute_indicators(wh, day)  # nothing to classify: served from the store
        assert looked == ["MainThread"]
        assert warm.to_arrow().equals(cold.to_arrow())
        # a stale stored set after a re-classification is not served: the tags' stamps changed
        wh.execute("UPDATE lineage SET versions = 'old' WHERE kind = 'loan_tags' AND as_of = ?", [day])
        again = api.compute_indicators(wh, day)
        assert looked == ["MainThread"] and again.to_arrow().equals(cold.to_arrow())
        assert api.compute_indicators(wh, day).to_arrow().equals(cold.to_arrow())
        assert looked == ["MainThread", "MainThread"]


def test_settle_checkpoints_the_store_beside_the_callers_work(
        tmp_path: Path, demo: tuple[date, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    day = demo[0]
    settled = _count_calls(monkeypatch, compute, "checkpoint")
    wal_while_building: list[int] = []
    with loaded_demo(tmp_path, demo, "settle") as wh:
        wal = Path(f"{tmp_path / 'settle.duckdb'}.wal")
        api.compute_indicators(wh, day, while_storing=lambda r: wal_while_building.append(len(r)), settle=True)
        assert settled == ["wupian-beside"]
        assert not wal.exists() or wal.stat().st_size == 0  # nothing left for close to write
    assert wal_while_building and wal_while_building[0] > 0
    with loaded_demo(tmp_path, demo, "unsettled") as wh:  # the default: no checkpoint
        api.compute_indicators(wh, day, while_storing=lambda r: None)
        assert len(settled) == 1
