"""The stable JSON API for every route and role: sessions, 401/403/404 scoping, values equal to the CLI's."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from support.web_bank import Bank
from wupian.cli.main import main
from wupian.ops import OpsStore

Login = Callable[[str], str]


def test_session_login_logout(client: TestClient, passwords: dict[str, str]) -> None:
    assert client.get("/api/me").status_code == 401
    r = client.post("/api/session", json={"username": "analyst", "password": passwords["analyst"]})
    assert r.status_code == 200
    body = r.json()
    assert body["user"] == {"username": "analyst", "branch_id": body["user"]["branch_id"], "roles": ["analyst"],
                            "roles_zh": ["统计人员"]}
    assert len(body["csrf_token"]) >= 32
    cookie = r.headers["set-cookie"]
    assert "wupian_session=" in cookie and "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert client.get("/api/me").status_code == 200
    assert client.delete("/api/session", headers={"X-CSRF-Token": body["csrf_token"]}).status_code == 204
    assert client.get("/api/me").status_code == 401


def test_logged_out_token_is_dead_even_if_replayed(client: TestClient, login: Login) -> None:
    csrf = login("analyst")
    token = client.cookies.get("wupian_session")
    client.delete("/api/session", headers={"X-CSRF-Token": csrf})
    client.cookies.set("wupian_session", token)
    assert client.get("/api/me").status_code == 401


def test_bad_credentials_are_401_and_unknown_users_look_the_same(client: TestClient) -> None:
    a = client.post("/api/session", json={"username": "analyst", "password": "wrong-password"})
    b = client.post("/api/session", json={"username": "nobody", "password": "wrong-password"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json() == {"error": {"code": "bad_credentials", "message": "用户名或密码错误"}}


def test_password_and_role_changes_end_sessions(client: TestClient, login: Login, store: OpsStore) -> None:
    login("manager")
    assert client.get("/api/me").status_code == 200
    store.set_roles("manager", ["auditor"])
    assert client.get("/api/me").status_code == 401
    store.set_roles("manager", ["manager"])
    store.set_password("manager", "another-password-1")
    assert client.get("/api/me").status_code == 401
    assert client.post("/api/session", json={"username": "manager",
                                             "password": "another-password-1"}).status_code == 200
    store.set_disabled("manager")
    assert client.get("/api/me").status_code == 401


def cli_csv(bank: Bank, *args: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    monkeypatch.setattr(sys, "argv", ["wupian", "--db", str(bank.db), "indicators", "--as-of",
                                      bank.as_of.isoformat(), "--format", "csv", *args])
    capsys.readouterr()
    try:
        main()
    except SystemExit as exc:
        assert exc.code in (0, None)
    # (the CLI on main prints a blank line from its transient progress display before the CSV; ignore it)
    return list(csv.DictReader(io.StringIO(capsys.readouterr().out.lstrip("\n"))))


@pytest.mark.parametrize("who,branch_arg", [("analyst", None), ("manager", None), ("analyst", "city")])
def test_indicator_values_equal_the_cli_csv(client: TestClient, login: Login, bank: Bank, who: str,
                                            branch_arg: str | None, capsys: pytest.CaptureFixture[str],
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    login(who)
    params = {"as_of": bank.as_of.isoformat()}
    branch = getattr(bank, branch_arg) if branch_arg else (bank.root if who == "analyst" else bank.city)
    if branch_arg:
        params["branch"] = branch
    r = client.get("/api/indicators", params=params)
    assert r.status_code == 200
    api_rows = r.json()
    assert set(api_rows[0]) == {"as_of", "branch_id", "indicator_id", "value", "unit", "unavailable_reason"}
    cli_rows = cli_csv(bank, "--branch", branch, capsys=capsys, monkeypatch=monkeypatch)
    assert len(cli_rows) > 100
    columns = list(cli_rows[0])
    assert {"as_of", "branch_id", "indicator_id", "value"} <= set(columns) <= set(api_rows[0])
    as_api = [{c: "" if x[c] is None else x[c] for c in columns} for x in api_rows]
    assert as_api == cli_rows
    assert {x["branch_id"] for x in api_rows} >= {branch}


def test_indicator_patterns_and_profile(client: TestClient, login: Login, bank: Bank) -> None:
    login("analyst")
    r = client.get("/api/indicators", params={"as_of": bank.as_of.isoformat(), "id": ["green.balance", "tech.*"],
                                              "profile": "nfra_1104_2025"})
    assert r.status_code == 200
    ids = {x["indicator_id"] for x in r.json()}
    assert "green.balance" in ids and all(i == "green.balance" or i.startswith("tech.") for i in ids)
    bad = client.get("/api/indicators", params={"as_of": bank.as_of.isoformat(), "profile": "x"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "invalid"
    assert client.get("/api/indicators", params={"as_of": "31/03/2026"}).status_code == 422


def test_outlet_manager_sees_only_the_outlet_and_403_outside(client: TestClient, login: Login, bank: Bank) -> None:
    login("outlet")
    r = client.get("/api/indicators", params={"as_of": bank.as_of.isoformat(), "id": "all_loans.balance"})
    assert r.status_code == 200
    assert {x["branch_id"] for x in r.json()} == {bank.outlet}
    for branch in (bank.root, bank.city, bank.other_outlet, "NO-SUCH-BRANCH"):
        r = client.get("/api/indicators", params={"as_of": bank.as_of.isoformat(), "branch": branch})
        assert r.status_code == 403, branch
        assert r.json() == {"error": {"code": "forbidden", "message": "该机构不在您的管辖范围内"}}


def test_head_office_analyst_sees_the_whole_bank(client: TestClient, login: Login, bank: Bank) -> None:
    login("analyst")
    r = client.get("/api/indicators", params={"as_of": bank.as_of.isoformat(), "id": "all_loans.balance"})
    nodes = {x["branch_id"] for x in r.json()}
    assert {bank.root, bank.city, bank.outlet, bank.other_outlet} <= nodes


@pytest.mark.parametrize("who", ["admin", "teller", "supervisor"])
def test_roles_without_indicator_rights_get_403(client: TestClient, login: Login, bank: Bank, who: str) -> None:
    login(who)
    r = client.get("/api/indicators", params={"as_of": bank.as_of.isoformat()})
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    assert client.get(f"/api/loans/{bank.loan_in_outlet}").status_code == 403


def test_indicators_need_a_session(client: TestClient, bank: Bank) -> None:
    r = client.get("/api/indicators", params={"as_of": bank.as_of.isoformat()})
    assert r.status_code == 401 and r.json() == {"error": {"code": "unauthenticated", "message": "请先登录"}}


def test_loan_with_tags_reasons_and_citations(client: TestClient, login: Login, bank: Bank) -> None:
    login("manager")
    r = client.get(f"/api/loans/{bank.loan_in_outlet}", params={"as_of": bank.as_of.isoformat()})
    assert r.status_code == 200
    loan = r.json()
    assert loan["loan_id"] == bank.loan_in_outlet and loan["branch_id"] == bank.outlet
    assert loan["as_of"] == bank.as_of.isoformat() and loan["rulebook_version"]
    assert {"tags", "not_in", "facts"} <= set(loan)
    for tag in loan["tags"]:
        assert tag["rules"] and all(rule["text"] for rule in tag["rules"])
    assert all(n["reasons"] for n in loan["not_in"])


def test_tagged_loans_carry_citations(client: TestClient, login: Login, bank: Bank) -> None:
    login("analyst")
    rows = client.get("/api/indicators", params={"as_of": bank.as_of.isoformat(), "id": "green.balance"}).json()
    assert rows
    from wupian.api import explain_indicator, open_warehouse

    with open_warehouse(str(bank.db)) as wh:
        loans = explain_indicator(wh, "green.balance", bank.as_of, bank.root).column("loan_id").to_pylist()
    loan = client.get(f"/api/loans/{loans[0]}").json()
    green = [t for t in loan["tags"] if t["tag"].startswith("green")]
    assert green and any(c["quote"] for rule in green[0]["rules"] for c in rule["citations"])


def test_loan_outside_the_subtree_answers_like_an_unknown_one(client: TestClient, login: Login, bank: Bank) -> None:
    login("manager")
    outside = client.get(f"/api/loans/{bank.loan_elsewhere}")
    unknown = client.get("/api/loans/NO-SUCH-LOAN")
    assert outside.status_code == unknown.status_code == 404
    assert outside.content == unknown.content
    assert outside.json() == {"error": {"code": "not_found", "message": "未找到"}}


def test_account_recurring_for_the_teller(client: TestClient, login: Login, bank: Bank) -> None:
    login("teller")
    r = client.get(f"/api/accounts/{bank.account_in_outlet}/recurring")
    assert r.status_code == 200
    body = r.json()
    assert body["account_id"] == bank.account_in_outlet and isinstance(body["streams"], list)
    for s in body["streams"]:
        assert s["account_id"] == bank.account_in_outlet and s["explanation"]
    outside = client.get(f"/api/accounts/{bank.account_elsewhere}/recurring")
    unknown = client.get("/api/accounts/0000000000000/recurring")
    assert outside.status_code == unknown.status_code == 404 and outside.content == unknown.content


def test_manager_may_not_use_the_teller_view(client: TestClient, login: Login, bank: Bank) -> None:
    login("manager")
    assert client.get(f"/api/accounts/{bank.account_in_outlet}/recurring").status_code == 403


def test_loan_and_account_views_are_audited(client: TestClient, login: Login, bank: Bank, store: OpsStore) -> None:
    login("manager")
    client.get(f"/api/loans/{bank.loan_in_outlet}")
    client.get(f"/api/loans/{bank.loan_elsewhere}")
    entries = store.audit_entries(actor="manager")
    views = [e for e in entries if e.action == "loan.view"]
    assert [(e.object_id, e.outcome) for e in views] == [(bank.loan_elsewhere, "not_found"),
                                                         (bank.loan_in_outlet, "ok")]
    assert all(e.address == "testclient" and e.at is not None for e in views)
    assert [e.outcome for e in entries if e.action == "login"] == ["ok"]
