"""The web app over each operational store — SQLite beside the warehouse and a real PostgreSQL (CI starts one;
see support/ops_db.py) — tells the same story: the same scripted morning (logins good and bad, a refused login,
a screening that opens a case, a proposed and approved closing, a refused transition, user look-ups, a logout)
gives the same answers and appends the same audit trail, and the append-only tables refuse to be rewritten."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from support.ops_db import fresh_dsn
from support.web_bank import Bank, copy_bank, make_users, request_for, settings
from wupian.ops import OpsCaseStore, OpsStore, ThrottlePolicy
from wupian.web.app import create_app

SEEN: dict[str, tuple[Any, ...]] = {}  # dialect -> (answers, audit trail, cases) of its run


def morning(client: TestClient, passwords: dict[str, str], bank: Bank) -> list[Any]:
    """One scripted sequence of requests; the answers that do not depend on time or random ids."""
    out: list[Any] = []

    def login(name: str, password: str | None = None) -> str | None:
        r = client.post("/api/session", json={"username": name, "password": password or passwords[name]})
        out.append(("login", name, r.status_code))
        return r.json().get("csrf_token") if r.status_code == 200 else None

    for _ in range(3):
        login("manager", "not-the-password")
    login("manager")  # the 4th failure would refuse; a good login first clears the count
    teller = login("teller")
    r = client.post("/api/screenings", json=request_for(bank, bank.account_in_outlet),
                    headers={"X-CSRF-Token": str(teller)})
    d = r.json()
    out.append(("screen", r.status_code, d["band"], d["score"], [x["code"] for x in d["reasons"]]))
    cid = d["case_id"]

    def move(csrf: str | None, body: dict[str, Any]) -> None:
        r = client.post(f"/api/cases/{cid}/transitions", json=body, headers={"X-CSRF-Token": str(csrf)})
        out.append(("move", body["to"], r.status_code, r.json().get("state")))

    move(teller, {"to": "verifying", "note": "一查二问"})
    move(teller, {"to": "open", "note": "x"})  # 409
    move(teller, {"to": "closed", "outcome": "prevented", "amount": "480000.00", "note": "劝阻"})  # 202
    move(login("auditor"), {"to": "closed", "note": "审计"})  # 403: read-only
    move(login("supervisor"), {"to": "closed", "note": "同意"})  # 200, closed with two names
    history = client.get(f"/api/cases/{cid}").json()["history"]
    out.append(("history", [(e["actor"], e["to_state"], e["second_actor"], e["amount"]) for e in history]))
    admin = login("admin")
    out.append(("users", sorted(u["username"] for u in client.get("/api/users").json()["users"])))
    out.append(("logout", client.delete("/api/session", headers={"X-CSRF-Token": str(admin)}).status_code,
                client.get("/api/me").status_code))
    for _ in range(4):
        login("nobody", "wrong-password")
    login("nobody", "wrong-password")  # refused now: 429
    return out


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def run(request: pytest.FixtureRequest, shared_bank: Bank,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[list[Any], OpsStore]]:
    folder: Path = tmp_path_factory.mktemp(f"both-{request.param}")
    bank = copy_bank(shared_bank, folder / "wh")
    with fresh_dsn(request.param, folder) as dsn:
        store = OpsStore.open(dsn)
        try:
            passwords = make_users(store, bank)
            policy = ThrottlePolicy(slow_after=3, slow_seconds=0.01, refuse_after=4, refuse_for=timedelta(minutes=5))
            with TestClient(create_app(settings(bank, dsn, throttle=policy), store=store)) as client:
                yield morning(client, passwords, bank), store
        finally:
            store.close()


def test_the_morning_goes_as_the_spec_says(run: tuple[list[Any], OpsStore]) -> None:
    answers, store = run
    assert answers[:5] == [("login", "manager", 401)] * 3 + [("login", "manager", 200), ("login", "teller", 200)]
    screen = answers[5]
    assert screen[:2] == ("screen", 200) and screen[2] in ("high", "block") and screen[3] >= 60
    moves = [a for a in answers if a[0] == "move"]
    assert [(m[1], m[2], m[3]) for m in moves] == [
        ("verifying", 200, "verifying"), ("open", 409, None), ("closed", 202, "verifying"),
        ("closed", 403, None), ("closed", 200, "closed")]
    history = next(a for a in answers if a[0] == "history")[1]
    assert history[-1] == ("teller", "closed", "supervisor", "480000.00")
    assert next(a for a in answers if a[0] == "logout")[1:] == (204, 401)
    assert [a[2] for a in answers[-5:]] == [401, 401, 401, 401, 429]
    trail = [(e.actor, e.action, e.outcome) for e in reversed(store.audit_entries(limit=1000))]
    for expected in [("manager", "login", "failed"), ("manager", "login", "ok"), ("teller", "screening.run", "ok"),
                     ("teller", "case.transition", "conflict"), ("teller", "case.close_proposed", "ok"),
                     ("auditor", "case.transition", "forbidden"), ("supervisor", "case.transition", "ok"),
                     ("admin", "user.list", "ok"), ("admin", "logout", "ok"), ("nobody", "login", "refused")]:
        assert expected in trail, expected


def test_both_stores_answer_and_audit_identically(run: tuple[list[Any], OpsStore]) -> None:
    answers, store = run
    trail = [(e.actor, e.action, e.outcome, e.object_type, e.address)
             for e in reversed(store.audit_entries(limit=1000))]
    cases = sorted(((c.state, c.outcome, c.band, len(c.history)) for c in OpsCaseStore(store).cases()), key=str)
    SEEN[store.dialect] = (answers, trail, cases)
    if store.dialect == "postgresql":  # the SQLite run comes first (module fixture, params in order)
        assert "sqlite" in SEEN and SEEN["postgresql"] == SEEN["sqlite"]


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log",
                                       "UPDATE case_events SET actor = 'x'", "DELETE FROM case_events"])
def test_the_trail_cannot_be_rewritten(run: tuple[list[Any], OpsStore], statement: str) -> None:
    _, store = run
    before = store.audit_count()
    with pytest.raises(DBAPIError), store.begin() as con:
        con.execute(text(statement))
    assert store.audit_count() == before
