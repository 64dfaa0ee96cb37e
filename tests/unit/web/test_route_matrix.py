"""Every route of the web app × every role: the contract of who may call what, checked exhaustively.

* The table below names each route's permission (spec/web.md's role table in test form). A route the app serves
  that is missing from the table fails the test, so a new route cannot ship unchecked.
* Without a session: 401 in the one error body for the API, a redirect to the login page for pages.
* A role without the permission: 403 ``forbidden``; with it: the route's own answer (never 401/403, never 500).
* Every state-changing route refuses a missing or wrong CSRF token (403 ``csrf``) for every role, and the
  session survives the refusal.
* No answer carries a Python traceback.

One app over one copy of the demo bank for the whole module (requests only; nothing here writes data).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from support.web_bank import ROLES_AT, Bank, copy_bank, make_users, settings
from wupian.ops import OpsStore, role
from wupian.web.app import create_app

PUBLIC, SESSION = "public", "session"
# the spec's role table as permissions (roles.yaml must grant exactly these; see the first test)
GRANTS = {
    "admin": {"users.manage", "audit.read"},
    "analyst": {"indicators.read", "loans.read", "coverage.read", "month_end.run", "reports.download"},
    "manager": {"indicators.read", "loans.read", "coverage.read"},
    "teller": {"accounts.read", "screening.run", "cases.own"},
    "supervisor": {"cases.queue", "cases.approve"},
    "auditor": {"audit.read", "indicators.read", "loans.read", "coverage.read", "cases.read"},
}
CASES_READ, CASES_MOVE = "cases.queue|cases.own|cases.read", "cases.queue|cases.own"


@dataclass(frozen=True)
class Call:
    method: str
    route: str  # the route's path template, as the app declares it
    permission: str  # PUBLIC, SESSION, or ``|``-separated permissions (any one suffices)
    url: Callable[[Bank], str]
    ok: tuple[int, ...]  # what an allowed caller gets for this well-scoped (or deliberately unknown) request
    form: dict[str, Any] | None = None
    json: Any = None

    @property
    def page(self) -> bool:
        return not self.route.startswith("/api/")


def _u(text: str) -> Callable[[Bank], str]:
    return lambda b: text.format(b=b, d=b.as_of.isoformat())


CALLS = (
    Call("POST", "/api/session", PUBLIC, _u("/api/session"), (401,), json={"username": "x", "password": "y"}),
    Call("DELETE", "/api/session", SESSION, _u("/api/session"), (204,)),
    Call("GET", "/api/me", SESSION, _u("/api/me"), (200,)),
    Call("GET", "/api/indicators", "indicators.read", _u("/api/indicators?as_of={d}&id=all_loans.balance"), (200,)),
    Call("GET", "/api/loans/{loan_id}", "loans.read", _u("/api/loans/{b.loan_in_outlet}"), (200,)),
    Call("GET", "/api/accounts/{account_id}/recurring", "accounts.read",
         _u("/api/accounts/{b.account_in_outlet}/recurring"), (200,)),
    Call("GET", "/api/jobs/{job_id}", "month_end.run", _u("/api/jobs/999"), (404,)),
    Call("POST", "/api/screenings", "screening.run", _u("/api/screenings"), (422,), json={"amount": "-1"}),
    Call("GET", "/api/cases", CASES_READ, _u("/api/cases"), (200,)),
    Call("GET", "/api/cases/{case_id}", CASES_READ, _u("/api/cases/C20990101-NOBODY"), (404,)),
    Call("POST", "/api/cases/{case_id}/transitions", CASES_MOVE, _u("/api/cases/C20990101-NOBODY/transitions"),
         (404,), json={"to": "verifying", "note": "x"}),
    Call("GET", "/api/users", "users.manage", _u("/api/users"), (200,)),
    Call("GET", "/api/users/{username}", "users.manage", _u("/api/users/nobody"), (404,)),
    Call("GET", "/login", PUBLIC, _u("/login"), (200,)),
    Call("POST", "/login", PUBLIC, _u("/login"), (403,), form={"username": "x", "password": "y"}),
    Call("POST", "/logout", SESSION, _u("/logout"), (303,), form={}),
    Call("GET", "/", SESSION, _u("/"), (200, 303)),
    Call("GET", "/drill", "loans.read", _u("/drill?indicator=all_loans.balance&branch={b.outlet}&as_of={d}"), (200,)),
    Call("GET", "/loans/{loan_id}", "loans.read", _u("/loans/{b.loan_in_outlet}"), (200,)),
    Call("GET", "/teller", "accounts.read", _u("/teller"), (200,)),
    Call("POST", "/teller/screen", "screening.run", _u("/teller/screen"), (422,), form={"amount": "-1"}),
    Call("GET", "/cases", CASES_READ, _u("/cases"), (200,)),
    Call("GET", "/cases/{case_id}", CASES_READ, _u("/cases/C20990101-NOBODY"), (404,)),
    Call("POST", "/cases/{case_id}/move", CASES_MOVE, _u("/cases/C20990101-NOBODY/move"), (404,),
         form={"to": "verifying", "note": "x"}),
    Call("GET", "/users", "users.manage", _u("/users"), (200,)),
    Call("POST", "/users", "users.manage", _u("/users"), (422,), form={"action": "bogus", "username": "x"}),
    Call("GET", "/audit", "audit.read", _u("/audit"), (200,)),
    Call("GET", "/coverage", "coverage.read", _u("/coverage"), (200,)),
    Call("GET", "/coverage/worklist.xlsx", "coverage.read", _u("/coverage/worklist.xlsx?registry=nosuch"), (404,)),
    Call("GET", "/month-end", "month_end.run", _u("/month-end"), (200,)),
    Call("POST", "/month-end/upload", "month_end.run", _u("/month-end/upload"), (422,), form={}),
    Call("POST", "/month-end/check", "month_end.run", _u("/month-end/check"), (422,), form={"folder": "../etc"}),
    Call("POST", "/month-end/load", "month_end.run", _u("/month-end/load"), (422,),
         form={"folder": "../etc", "as_of": "2026-03-31"}),
    Call("POST", "/month-end/run", "month_end.run", _u("/month-end/run"), (422,), form={"as_of": "31/03/2026"}),
    Call("GET", "/month-end/jobs/{job_id}", "month_end.run", _u("/month-end/jobs/999"), (404,)),
    Call("GET", "/downloads/{as_of}/{name:path}", "reports.download", _u("/downloads/{d}/nothing.txt"), (404,)),
)
UNSAFE = [c for c in CALLS if c.method in ("POST", "PUT", "PATCH", "DELETE") and c.permission != PUBLIC]
ENDS_SESSION = {("DELETE", "/api/session"), ("POST", "/logout")}


@dataclass
class World:
    bank: Bank
    store: OpsStore
    passwords: dict[str, str]
    client: TestClient

    def login(self, name: str) -> str:
        self.client.cookies.clear()
        r = self.client.post("/api/session", json={"username": name, "password": self.passwords[name]})
        assert r.status_code == 200, r.text
        return str(r.json()["csrf_token"])


@pytest.fixture(scope="module")
def world(shared_bank: Bank, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("matrix")
    bank = copy_bank(shared_bank, folder / "wh")
    store = OpsStore.open(str(folder / "ops.sqlite"))
    passwords = make_users(store, bank)
    with TestClient(create_app(settings(bank, str(folder / "ops.sqlite")), store=store)) as client:
        yield World(bank, store, passwords, client)
    store.close()


def served_routes(app: Any) -> set[tuple[str, str]]:
    out = set()
    for entry in app.routes:
        for r in getattr(entry, "original_router", entry).routes if hasattr(entry, "original_router") else [entry]:
            for method in getattr(r, "methods", None) or ():
                if method != "HEAD":
                    out.add((method, r.path))
    return out


def may(name: str, permission: str) -> bool:
    return any(p in GRANTS[ROLES_AT[name][0][0] if name != "outlet" else "manager"] for p in permission.split("|"))


def send(world: World, call: Call, csrf: str | None) -> Any:
    headers = {"accept": "text/html"} if call.page else {}
    if csrf is not None and call.form is None:
        headers["X-CSRF-Token"] = csrf
    form = None if call.form is None else call.form | ({"csrf_token": csrf} if csrf is not None else {})
    return world.client.request(call.method, call.url(world.bank), headers=headers, data=form, json=call.json,
                                follow_redirects=False)


def no_traceback(r: Any) -> None:
    assert "Traceback" not in r.text and 'File "' not in r.text
    if r.headers.get("content-type", "").startswith("application/json") and r.status_code >= 400:
        body = r.json()
        assert set(body) == {"error"} and {"code", "message"} <= set(body["error"]), r.text


def test_roles_yaml_grants_exactly_the_spec_table() -> None:
    assert {name: set(role(name).permissions) for name in GRANTS} == GRANTS


def test_the_table_covers_every_route_the_app_serves(world: World) -> None:
    declared = {(c.method, c.route) for c in CALLS}
    assert served_routes(world.client.app) == declared


def test_without_a_session(world: World) -> None:
    world.client.cookies.clear()
    for call in CALLS:
        r = send(world, call, None)
        no_traceback(r)
        if call.permission == PUBLIC:
            assert r.status_code in call.ok, (call.method, call.route, r.status_code)
        elif call.page:
            assert r.status_code == 303 and r.headers["location"] == "/login", (call.method, call.route)
        else:
            assert r.status_code == 401, (call.method, call.route)
            assert r.json() == {"error": {"code": "unauthenticated", "message": "请先登录"}}


@pytest.mark.parametrize("name", sorted(ROLES_AT))
def test_each_role_gets_exactly_its_routes(world: World, name: str) -> None:
    csrf = world.login(name)  # one login: none of these requests ends or changes the session
    for call in CALLS:
        if call.permission == PUBLIC or (call.method, call.route) in ENDS_SESSION:
            continue
        r = send(world, call, csrf)
        no_traceback(r)
        where = (name, call.method, call.route, r.status_code, r.text[:200])
        if call.permission == SESSION or may(name, call.permission):
            assert r.status_code in call.ok, where
        else:
            assert r.status_code == 403, where
            if not call.page or r.headers["content-type"].startswith("application/json"):
                assert r.json()["error"]["code"] == "forbidden", where


@pytest.mark.parametrize("name", sorted(ROLES_AT))
def test_every_state_change_needs_the_csrf_token(world: World, name: str) -> None:
    csrf = world.login(name)
    for call in UNSAFE:
        for token in (None, "x" * len(csrf)):  # missing, then wrong
            r = send(world, call, token)
            assert r.status_code == 403, (name, call.method, call.route, token, r.status_code)
            assert r.json() == {"error": {"code": "csrf", "message": "缺少或错误的CSRF令牌，请刷新页面后重试"}}
    assert world.client.get("/api/me").status_code == 200  # refused requests did not end the session


@pytest.mark.parametrize("call", [c for c in CALLS if (c.method, c.route) in ENDS_SESSION],
                         ids=lambda c: f"{c.method} {c.route}")
def test_logging_out_ends_the_session_for_every_role(world: World, call: Call) -> None:
    for name in sorted(ROLES_AT):
        csrf = world.login(name)
        r = send(world, call, csrf)
        assert r.status_code in call.ok, (name, r.status_code)
        assert world.client.get("/api/me").status_code == 401, name
    outs = [e.object_id for e in world.store.audit_entries(action="logout", limit=len(ROLES_AT))]
    assert sorted(outs) == sorted(ROLES_AT)
