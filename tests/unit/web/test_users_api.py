"""``GET /api/users`` and ``GET /api/users/{username}``: admins read the users of their own subtree as JSON; a user
outside it answers 404 byte-identical to an unknown name; every look-up is audited; other roles get 403, no
session 401. The spec's API names no user-changing route, so none exists: every unsafe method answers 405 in the
one error body, and nothing changes in the store."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from support.web_bank import ROLES_AT, Bank
from wupian.ops import OpsStore

Login = Callable[[str], str]
FIELDS = {"username", "branch_id", "roles", "roles_zh", "disabled", "created_at", "updated_at"}


def test_a_head_office_admin_lists_every_user(client: TestClient, login: Login, bank: Bank,
                                              store: OpsStore) -> None:
    login("admin")
    r = client.get("/api/users")
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    users = r.json()["users"]
    assert [u["username"] for u in users] == sorted(ROLES_AT)
    for u in users:
        assert set(u) == FIELDS
        roles, where = ROLES_AT[u["username"]]
        assert u["roles"] == list(roles) and u["branch_id"] == getattr(bank, where) and u["disabled"] is False
        assert u["created_at"].endswith("Z")
    assert next(u for u in users if u["username"] == "supervisor")["roles_zh"] == ["主管/反诈专员"]
    assert "argon2" not in r.text and "password" not in r.text
    listed = store.audit_entries(actor="admin", action="user.list")
    assert [(e.outcome, e.detail["users"], e.address) for e in listed] == [("ok", len(ROLES_AT), "testclient")]


def test_changes_made_elsewhere_show_in_the_list(client: TestClient, login: Login, store: OpsStore) -> None:
    login("admin")
    store.set_disabled("teller")
    store.set_roles("manager", ["manager", "auditor"])
    one = client.get("/api/users/teller").json()
    assert one["disabled"] is True and one["updated_at"] >= one["created_at"]
    manager = client.get("/api/users/manager").json()
    assert manager["roles"] == ["manager", "auditor"] and manager["roles_zh"] == ["管理人员", "审计"]
    assert [(e.object_id, e.outcome) for e in store.audit_entries(actor="admin", action="user.view")] == [
        ("manager", "ok"), ("teller", "ok")]


def test_an_outlet_admin_sees_only_its_subtree_and_404_elsewhere(client: TestClient, bank: Bank,
                                                                 store: OpsStore) -> None:
    store.add_user("outlet-admin", ["admin"], bank.outlet, "outlet-admin-pw-1")
    assert client.post("/api/session", json={"username": "outlet-admin",
                                             "password": "outlet-admin-pw-1"}).status_code == 200
    names = {u["username"] for u in client.get("/api/users").json()["users"]}
    at_outlet = {n for n, (_, where) in ROLES_AT.items() if where == "outlet"}
    assert names == at_outlet | {"outlet-admin"}
    assert client.get("/api/users/teller").status_code == 200
    outside, unknown = client.get("/api/users/analyst"), client.get("/api/users/nobody")
    assert outside.status_code == unknown.status_code == 404 and outside.content == unknown.content
    assert outside.json() == {"error": {"code": "not_found", "message": "未找到"}}
    views = [(e.object_id, e.outcome) for e in store.audit_entries(actor="outlet-admin", action="user.view")]
    assert views == [("nobody", "not_found"), ("analyst", "not_found"), ("teller", "ok")]


@pytest.mark.parametrize("name", [n for n in ROLES_AT if n != "admin"])
def test_other_roles_get_403(client: TestClient, login: Login, name: str) -> None:
    login(name)
    for path in ("/api/users", "/api/users/admin"):
        r = client.get(path)
        assert r.status_code == 403 and r.json() == {"error": {"code": "forbidden", "message": "无权访问"}}, path


def test_no_session_is_401(client: TestClient) -> None:
    for path in ("/api/users", "/api/users/admin"):
        r = client.get(path)
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthenticated"


def test_the_api_changes_no_user(client: TestClient, login: Login, bank: Bank, store: OpsStore) -> None:
    csrf = login("admin")
    before = store.users()
    headers = {"X-CSRF-Token": csrf}
    answers = [
        client.post("/api/users", json={"username": "x9", "roles": ["teller"], "branch_id": bank.outlet,
                                        "password": "a-long-password"}, headers=headers),
        client.delete("/api/users/teller", headers=headers),
        client.patch("/api/users/teller", json={"disabled": True}, headers=headers),
        client.put("/api/users/teller", json={"roles": ["admin"]}, headers=headers),
    ]
    for r in answers:
        assert r.status_code == 405 and r.json()["error"]["code"] == "method_not_allowed", r.request.method
    assert store.users() == before
