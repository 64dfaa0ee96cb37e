"""CSRF on every state change, login throttling then refusal (429), the one error body, audit of logins."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from support.web_bank import Bank
from wupian.ops import OpsStore

Login = Callable[[str], str]


def test_delete_session_needs_the_csrf_token(client: TestClient, login: Login) -> None:
    csrf = login("analyst")
    for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": csrf[:-1]}):
        r = client.delete("/api/session", headers=headers)
        assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    assert client.get("/api/me").status_code == 200  # still logged in


@pytest.mark.parametrize("path,form", [
    ("/month-end/check", {"folder": "/tmp", "as_of": ""}),
    ("/month-end/load", {"folder": "/tmp", "as_of": "2026-03-31"}),
    ("/month-end/run", {"as_of": "2026-03-31"}),
    ("/logout", {}),
])
def test_every_form_post_needs_the_csrf_token(client: TestClient, login: Login, path: str,
                                              form: dict[str, str]) -> None:
    login("analyst")
    r = client.post(path, data=form)
    assert r.status_code == 403 and r.json()["error"]["code"] == "csrf"
    r = client.post(path, data={**form, "csrf_token": "forged"})
    assert r.status_code == 403


def test_login_form_uses_a_double_submit_token(client: TestClient, passwords: dict[str, str]) -> None:
    r = client.post("/login", data={"username": "analyst", "password": passwords["analyst"], "csrf_token": "x"})
    assert r.status_code == 403
    page = client.get("/login")
    token = client.cookies.get("wupian_login_csrf")
    assert token and token in page.text
    r = client.post("/login", data={"username": "analyst", "password": passwords["analyst"], "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert client.get("/api/me").status_code == 200


def test_login_is_slowed_then_refused_then_logged(client: TestClient, passwords: dict[str, str],
                                                  store: OpsStore) -> None:
    # policy of the fixture: slow after 2 failures (0.05 s), refuse from 4 failures
    codes = []
    for _ in range(4):
        codes.append(client.post("/api/session", json={"username": "teller", "password": "wrong-one!"}).status_code)
    assert codes == [401, 401, 401, 401]
    start = time.monotonic()
    refused = client.post("/api/session", json={"username": "teller", "password": passwords["teller"]})
    assert refused.status_code == 429  # refused even with the right password
    assert refused.json() == {"error": {"code": "too_many_attempts", "message": "登录失败次数过多，请稍后再试"}}
    assert time.monotonic() - start < 1.0
    outcomes = [e.outcome for e in store.audit_entries(action="login") if e.object_id == "teller"]
    assert outcomes == ["refused", "failed", "failed", "failed", "failed"]
    other = client.post("/api/session", json={"username": "auditor", "password": passwords["auditor"]})
    assert other.status_code == 429  # the same address is refused as well


def test_slow_down_delays_answers(client: TestClient) -> None:
    for _ in range(2):
        client.post("/api/session", json={"username": "x1", "password": "wrong-one!"})
    start = time.monotonic()
    client.post("/api/session", json={"username": "x1", "password": "wrong-one!"})
    assert time.monotonic() - start >= 0.05


def test_a_good_login_clears_the_failures(client: TestClient, passwords: dict[str, str]) -> None:
    for _ in range(3):
        client.post("/api/session", json={"username": "auditor", "password": "wrong-one!"})
    assert client.post("/api/session", json={"username": "auditor",
                                             "password": passwords["auditor"]}).status_code == 200
    for _ in range(3):
        assert client.post("/api/session", json={"username": "auditor",
                                                 "password": "wrong-one!"}).status_code == 401


def test_login_needs_json(client: TestClient, passwords: dict[str, str]) -> None:
    r = client.post("/api/session", data={"username": "analyst", "password": passwords["analyst"]})
    assert r.status_code == 422 and set(r.json()) == {"error"}


def test_one_error_body_everywhere(client: TestClient, login: Login, bank: Bank) -> None:
    answers = [
        client.get("/api/indicators", params={"as_of": bank.as_of.isoformat()}),  # 401
        client.get("/no/such/route"),  # 404
        client.put("/api/session"),  # 405
        client.post("/api/session", json={"username": ""}),  # 422
        client.post("/api/session", json={"username": "nobody", "password": "x"}),  # 401 bad credentials
    ]
    login("outlet")
    answers += [
        client.get("/api/indicators", params={"as_of": bank.as_of.isoformat(), "branch": bank.root}),  # 403
        client.get("/api/indicators", params={"as_of": "not-a-date"}),  # 422
        client.get("/api/indicators"),  # 422 missing as_of
        client.get("/api/loans/NOPE"),  # 404
        client.get("/api/accounts/NOPE/recurring"),  # 403 (manager has no teller view)
        client.get("/audit"),  # 403
        client.delete("/api/session"),  # 403 csrf
    ]
    statuses = sorted({r.status_code for r in answers})
    assert statuses == [401, 403, 404, 405, 422]
    for r in answers:
        body = r.json()
        assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, r.url
        assert body["error"]["code"] and body["error"]["message"]
        assert "Traceback" not in r.text


def test_security_headers_forbid_foreign_requests(client: TestClient) -> None:
    r = client.get("/login")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "http" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
