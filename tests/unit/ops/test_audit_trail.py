"""The audit log on SQLite and PostgreSQL under real use: details survive exactly (Chinese text, decimals, nested
values), long object ids are cut, paging with ``before_id`` walks the whole log once, and several threads
appending at once lose nothing and duplicate nothing."""

from __future__ import annotations

import threading
from decimal import Decimal

from wupian.ops import OpsStore


def test_details_round_trip_exactly(store: OpsStore) -> None:
    store.audit("download", actor="张三", object_type="report", object_id="2026-03-31/普惠金融简报.docx",
                address="10.1.2.3", amount=Decimal("480000.10"), files=["a.dat", "b.xlsx"], note="劝阻成功；客户放弃")
    e = store.audit_entries()[0]
    assert (e.actor, e.action, e.object_type, e.object_id, e.address, e.outcome) == (
        "张三", "download", "report", "2026-03-31/普惠金融简报.docx", "10.1.2.3", "ok")
    assert e.detail == {"amount": "480000.10", "files": ["a.dat", "b.xlsx"], "note": "劝阻成功；客户放弃"}
    store.audit("case.view", actor=None, object_id="C" * 500)
    assert store.audit_entries(limit=1)[0].object_id == "C" * 200 and store.audit_entries(limit=1)[0].detail == {}


def test_paging_walks_the_whole_log_once(store: OpsStore) -> None:
    for i in range(23):
        store.audit("loan.view", actor=f"u{i % 3}", object_type="loan", object_id=f"L{i:03d}")
    seen, before = [], None
    while True:
        page = store.audit_entries(limit=5, before_id=before)
        if not page:
            break
        seen += [e.object_id for e in page]
        before = page[-1].id
    assert seen == [f"L{i:03d}" for i in reversed(range(23))]
    assert [e.object_id for e in store.audit_entries(actor="u1", limit=100)] == [
        f"L{i:03d}" for i in reversed(range(23)) if i % 3 == 1]
    assert store.audit_count() == 23


def test_concurrent_appends_lose_nothing(store: OpsStore) -> None:
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                store.audit("login", actor=f"w{n}", object_id=f"{n}-{i}")
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    entries = store.audit_entries(limit=1000)
    assert sorted(e.object_id for e in entries) == sorted(f"{n}-{i}" for n in range(4) for i in range(15))
    ids = [e.id for e in entries]
    assert len(set(ids)) == 60 and ids == sorted(ids, reverse=True)
    for n in range(4):  # each writer's own entries keep their order
        mine = [int(e.object_id.split("-")[1]) for e in reversed(entries) if e.actor == f"w{n}"]
        assert mine == list(range(15))
