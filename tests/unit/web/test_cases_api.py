"""``/api/screenings`` and ``/api/cases`` for every role: scope (404 outside the subtree, byte-identical to an
unknown object; 403 for a counter outside it), CSRF, the state machine (409), the second approval of a high case,
the immutable history in the operational store, and the audit trail."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from support.web_bank import Bank, request_for
from wupian.ops import OpsCaseStore, OpsStore

Login = Callable[[str], str]


def screen(client: TestClient, csrf: str, body: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post("/api/screenings", json=body, headers={"X-CSRF-Token": csrf})


def test_teller_screens_and_a_high_alert_opens_a_case(client: TestClient, login: Login, bank: Bank,
                                                      store: OpsStore) -> None:
    csrf = login("teller")
    r = screen(client, csrf, request_for(bank, bank.account_in_outlet))
    assert r.status_code == 200, r.text
    d = r.json()
    assert d["band"] in ("high", "block") and d["score"] >= 60
    assert d["action"] and d["reasons"] and all(x["text"] for x in d["reasons"])
    assert {"request_id", "band", "score", "action", "reasons", "case_id"} <= set(d)
    assert d["branch_id"] == bank.outlet and d["case_id"].endswith(d["customer_id"])
    cases = OpsCaseStore(store).cases(case_id=d["case_id"])
    assert cases[0].request_ids == (d["request_id"],) and cases[0].history[0].actor == "teller"
    listed = client.get("/api/cases").json()["cases"]
    assert [c["case_id"] for c in listed] == [d["case_id"]]
    assert listed[0]["state"] == "open" and listed[0]["state_zh"] == "待处理"
    actions = [e.action for e in store.audit_entries(actor="teller")]
    assert "screening.run" in actions


def test_a_quiet_request_is_low_and_opens_nothing(client: TestClient, login: Login, bank: Bank) -> None:
    csrf = login("teller")
    r = screen(client, csrf, request_for(bank, bank.account_in_outlet, amount="200.00", observations=[],
                                         request_type="cash_withdrawal", payee_name="", payee_type="",
                                         stated_purpose="生活费"))
    assert r.status_code == 200, r.text
    assert r.json()["band"] == "low" and r.json()["case_id"] is None
    assert client.get("/api/cases").json()["cases"] == []


def test_screening_scope_roles_and_csrf(client: TestClient, login: Login, bank: Bank) -> None:
    csrf = login("teller")
    outside = screen(client, csrf, request_for(bank, bank.account_elsewhere))
    unknown = screen(client, csrf, request_for(bank, bank.account_in_outlet) | {"account_id": "NO-SUCH-ACCOUNT"})
    assert outside.status_code == unknown.status_code == 404
    assert outside.content == unknown.content
    counter = screen(client, csrf, request_for(bank, bank.account_in_outlet, branch_id=bank.other_outlet))
    assert counter.status_code == 403
    bad = screen(client, csrf, request_for(bank, bank.account_in_outlet, observations=["anxius"]))
    assert bad.status_code == 422 and "anxius" in bad.json()["error"]["message"]
    assert client.post("/api/screenings", json=request_for(bank, bank.account_in_outlet)).status_code == 403
    assert client.post("/api/screenings", json=request_for(bank, bank.account_in_outlet),
                       headers={"X-CSRF-Token": "x" * 43}).status_code == 403
    for name in ("manager", "analyst", "supervisor", "auditor", "admin"):
        csrf = login(name)
        assert screen(client, csrf, request_for(bank, bank.account_in_outlet)).status_code == 403, name


@pytest.mark.parametrize("name", ["manager", "outlet", "analyst", "admin"])
def test_case_routes_are_403_for_roles_without_cases(client: TestClient, login: Login, name: str) -> None:
    csrf = login(name)
    assert client.get("/api/cases").status_code == 403
    assert client.get("/api/cases/C20260101-X").status_code == 403
    r = client.post("/api/cases/C20260101-X/transitions", json={"to": "verifying", "note": "x"},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403


def test_case_routes_need_a_session(client: TestClient) -> None:
    assert client.get("/api/cases").status_code == 401
    assert client.post("/api/screenings", json={}).status_code == 401


def opened_case(client: TestClient, login: Login, bank: Bank) -> str:
    csrf = login("teller")
    r = screen(client, csrf, request_for(bank, bank.account_in_outlet))
    assert r.json()["band"] in ("high", "block")
    return str(r.json()["case_id"])


def test_life_cycle_with_second_approval(client: TestClient, login: Login, bank: Bank, store: OpsStore) -> None:
    cid = opened_case(client, login, bank)
    csrf = login("teller")

    def post(body: dict[str, object], token: str):  # type: ignore[no-untyped-def]
        return client.post(f"/api/cases/{cid}/transitions", json=body, headers={"X-CSRF-Token": token})

    assert post({"to": "verifying", "note": "一查二问"}, csrf).status_code == 200
    r = post({"to": "open", "note": "x"}, csrf)
    assert r.status_code == 409 and "核实中" in r.json()["error"]["message"]
    assert post({"to": "nowhere", "note": "x"}, csrf).status_code == 422
    assert post({"to": "closed", "note": "劝阻成功"}, csrf).status_code == 422  # no outcome
    assert post({"to": "closed", "outcome": "prevented", "note": "劝阻"}, csrf).status_code == 422  # no amount
    r = post({"to": "closed", "outcome": "prevented", "amount": "480000.00", "note": "客户放弃转账"}, csrf)
    assert r.status_code == 202 and r.json()["pending_close"]["actor"] == "teller"
    assert r.json()["state"] == "verifying"
    assert OpsCaseStore(store).cases(case_id=cid)[0].state == "verifying"  # nothing recorded before approval
    sup = login("supervisor")
    shown = client.get(f"/api/cases/{cid}").json()
    assert shown["pending_close"]["outcome"] == "prevented" and shown["decisions"][0]["reasons"]
    assert post({"to": "closed", "outcome": "lost", "note": ""}, sup).status_code == 409  # not what was proposed
    r = post({"to": "closed", "note": "同意"}, sup)
    assert r.status_code == 200, r.text
    closed = r.json()
    assert closed["state"] == "closed" and closed["outcome"] == "prevented"
    last = closed["history"][-1]
    assert (last["actor"], last["second_actor"], last["amount"]) == ("teller", "supervisor", "480000.00")
    assert "复核：同意" in last["note"]
    before = closed["history"]
    assert post({"to": "open", "note": "客户再次来柜"}, sup).status_code == 200  # a closed case can be reopened
    after = client.get(f"/api/cases/{cid}").json()["history"]
    assert after[:len(before)] == before and after[-1]["to_state"] == "open"
    actions = {(e.action, e.outcome) for e in store.audit_entries()}
    assert {("case.close_proposed", "ok"), ("case.transition", "ok"), ("case.transition", "conflict"),
            ("case.view", "ok")} <= actions


def test_case_scope_404_like_unknown(client: TestClient, login: Login, bank: Bank, store: OpsStore) -> None:
    cid = opened_case(client, login, bank)
    store.add_user("far-supervisor", ["supervisor"], bank.other_outlet, "far-password-123")
    store.add_user("teller2", ["teller"], bank.outlet, "teller2-password-1")
    for name, pw in (("far-supervisor", "far-password-123"), ("teller2", "teller2-password-1")):
        client.post("/api/session", json={"username": name, "password": pw})
        a, b = client.get(f"/api/cases/{cid}"), client.get("/api/cases/C20990101-NOBODY")
        assert a.status_code == b.status_code == 404 and a.content == b.content, name
        assert client.get("/api/cases").json()["cases"] == []
    login("supervisor")
    assert [c["case_id"] for c in client.get("/api/cases").json()["cases"]] == [cid]
    assert client.get("/api/cases?state=closed").json()["cases"] == []
    assert client.get("/api/cases?state=bogus").status_code == 422
