"""Auditors (审计: "the audit log and read-only views", spec/web.md) read the anti-fraud cases of their subtree —
queue, case, alerts, history, pending closings — in the API and on the pages, and move none of them: every
transition or approval answers 403, changes nothing and is audited as refused. Outside the subtree a case answers
404 exactly like an unknown one. A user who is both teller and auditor reads the subtree but still moves only
their own cases."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from support.web_bank import Bank, request_for
from wupian.ops import OpsCaseStore, OpsStore, role

Login = Callable[[str], str]


def open_case(client: TestClient, login: Login, bank: Bank) -> str:
    csrf = login("teller")
    r = client.post("/api/screenings", json=request_for(bank, bank.account_in_outlet), headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and r.json()["case_id"], r.text
    return str(r.json()["case_id"])


def move(client: TestClient, csrf: str, cid: str, body: dict[str, object]):  # type: ignore[no-untyped-def]
    return client.post(f"/api/cases/{cid}/transitions", json=body, headers={"X-CSRF-Token": csrf})


def test_the_auditor_role_reads_cases_and_moves_none() -> None:
    auditor = role("auditor")
    assert "cases.read" in auditor.permissions
    assert not auditor.permissions & {"cases.queue", "cases.own", "cases.approve", "screening.run", "users.manage"}


def test_auditor_reads_the_queue_and_the_case_and_is_audited(client: TestClient, login: Login, bank: Bank,
                                                             store: OpsStore) -> None:
    cid = open_case(client, login, bank)
    everything = {c.case_id for c in OpsCaseStore(store).cases()}  # with the demo's cases, copied in at start
    assert cid in everything and len(everything) > 1
    login("auditor")  # bound to the head office: the whole bank
    listed = client.get("/api/cases")
    assert listed.status_code == 200
    assert {c["case_id"] for c in listed.json()["cases"]} == everything
    shown = client.get(f"/api/cases/{cid}")
    assert shown.status_code == 200
    case = shown.json()
    assert case["state"] == "open" and case["decisions"][0]["reasons"] and case["history"][0]["actor"] == "teller"
    opened = client.get("/api/cases?state=open").json()["cases"]
    assert cid in {c["case_id"] for c in opened} and {c["state"] for c in opened} == {"open"}
    entries = [(e.action, e.outcome, e.object_id) for e in store.audit_entries(actor="auditor")]
    assert ("case.view", "ok", cid) in entries
    lists = [e.detail for e in store.audit_entries(actor="auditor", action="case.list")]
    assert [(d["state"], d["cases"]) for d in lists] == [("open", len(opened)), (None, len(everything))]


def test_auditor_transitions_are_403_change_nothing_and_are_audited(client: TestClient, login: Login, bank: Bank,
                                                                    store: OpsStore) -> None:
    cid = open_case(client, login, bank)
    before = OpsCaseStore(store).cases(case_id=cid)[0]
    csrf = login("auditor")
    for body in ({"to": "verifying", "note": "审计不应能改"},
                 {"to": "closed", "outcome": "not_fraud", "note": "x"}):
        r = move(client, csrf, cid, body)
        assert r.status_code == 403, r.text
        assert r.json()["error"]["code"] == "forbidden"
    assert OpsCaseStore(store).cases(case_id=cid)[0] == before
    assert OpsCaseStore(store).pending_close(cid) is None
    refused = [(e.object_id, e.detail["to"]) for e in store.audit_entries(actor="auditor", action="case.transition")
               if e.outcome == "forbidden"]
    assert refused == [(cid, "closed"), (cid, "verifying")]
    assert move(client, "wrong-token", cid, {"to": "verifying", "note": "x"}).json()["error"]["code"] == "csrf"


def test_auditor_cannot_approve_a_pending_closing(client: TestClient, login: Login, bank: Bank,
                                                  store: OpsStore) -> None:
    cid = open_case(client, login, bank)
    teller = login("teller")
    assert move(client, teller, cid, {"to": "verifying", "note": "一查二问"}).status_code == 200
    r = move(client, teller, cid, {"to": "closed", "outcome": "prevented", "amount": "480000.00", "note": "劝阻"})
    assert r.status_code == 202
    csrf = login("auditor")
    assert client.get(f"/api/cases/{cid}").json()["pending_close"]["actor"] == "teller"
    assert move(client, csrf, cid, {"to": "closed", "note": "同意"}).status_code == 403
    case = OpsCaseStore(store).cases(case_id=cid)[0]
    assert case.state == "verifying" and OpsCaseStore(store).pending_close(cid) is not None


def test_a_case_outside_the_auditors_subtree_answers_like_an_unknown_one(client: TestClient, login: Login,
                                                                         bank: Bank, store: OpsStore) -> None:
    cid = open_case(client, login, bank)
    store.add_user("far-auditor", ["auditor"], bank.other_outlet, "far-auditor-pw-1")
    assert client.post("/api/session", json={"username": "far-auditor",
                                             "password": "far-auditor-pw-1"}).status_code == 200
    outside, unknown = client.get(f"/api/cases/{cid}"), client.get("/api/cases/C20990101-NOBODY")
    assert outside.status_code == unknown.status_code == 404 and outside.content == unknown.content
    assert client.get("/api/cases").json()["cases"] == []
    page, missing = client.get(f"/cases/{cid}"), client.get("/cases/C20990101-NOBODY")
    assert page.status_code == missing.status_code == 404 and page.content == missing.content
    assert [e.outcome for e in store.audit_entries(actor="far-auditor", action="case.view")] == ["not_found"] * 4


def test_case_pages_are_read_only_for_the_auditor(client: TestClient, login: Login, bank: Bank,
                                                  store: OpsStore) -> None:
    cid = open_case(client, login, bank)
    teller = login("teller")
    move(client, teller, cid, {"to": "verifying", "note": "一查二问"})
    move(client, teller, cid, {"to": "closed", "outcome": "proceeded", "note": "客户坚持办理"})
    csrf = login("auditor")
    queue = client.get("/cases")
    assert queue.status_code == 200 and cid in queue.text and "核实中（1）" in queue.text
    assert 'href="/cases"' in queue.text.split("</nav>")[0]
    assert "反诈指标" in queue.text  # the month-end fraud figures, read-only like the rest
    page = client.get(f"/cases/{cid}")
    assert page.status_code == 200 and "一查二问" in page.text and "待复核结案" in page.text
    assert 'id="move-form"' not in page.text and 'id="approve"' not in page.text and 'id="read-only"' in page.text
    r = client.post(f"/cases/{cid}/move", data={"csrf_token": csrf, "to": "closed", "outcome": "proceeded",
                                                "note": "同意"}, follow_redirects=False)
    assert r.status_code == 403 and "只读" in r.text
    assert OpsCaseStore(store).cases(case_id=cid)[0].state == "verifying"
    sup = login("supervisor")  # the move form is still there for those who may move
    assert 'id="move-form"' in client.get(f"/cases/{cid}").text and sup


def test_teller_who_is_also_auditor_reads_the_subtree_but_moves_only_own_cases(client: TestClient, login: Login,
                                                                               bank: Bank, store: OpsStore) -> None:
    cid = open_case(client, login, bank)
    store.add_user("teller-auditor", ["teller", "auditor"], bank.outlet, "teller-auditor-pw")
    r = client.post("/api/session", json={"username": "teller-auditor", "password": "teller-auditor-pw"})
    csrf = r.json()["csrf_token"]
    assert cid in {c["case_id"] for c in client.get("/api/cases").json()["cases"]}  # read: the whole subtree
    unknown = move(client, csrf, "C20990101-NOBODY", {"to": "verifying", "note": "x"})
    r = move(client, csrf, cid, {"to": "verifying", "note": "x"})  # not theirs: like an unknown case
    assert r.status_code == unknown.status_code == 404 and r.content == unknown.content
    assert OpsCaseStore(store).cases(case_id=cid)[0].state == "open"
