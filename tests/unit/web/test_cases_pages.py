"""The pages of this issue: the teller screening form (the same card as ``wupian screen``), 反诈案件 (queue,
detail, move form with CSRF, second approval) and 用户管理 (admin only, audited, scoped)."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from support.web_bank import RISKY, Bank, customer_of
from wupian.api import open_warehouse
from wupian.cli.screen_cmd import teller_card
from wupian.monitor.screening import screen_request
from wupian.ops import OpsStore
from wupian.ops.passwords import verify_password
from wupian.web.cases_pages import card

Login = Callable[[str], str]


def form_for(bank: Bank, csrf: str) -> dict[str, object]:
    return {"csrf_token": csrf, "account_id": bank.account_in_outlet,
            "customer_id": customer_of(bank, bank.account_in_outlet), "request_type": "transfer_out",
            "amount": "480000", "payee_name": "安全账户", "stated_purpose": "配合调查", "observations": RISKY}


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_web_card_has_the_cli_card_lines(bank: Bank) -> None:
    req = {"request_id": "P-1", "requested_at": "2026-03-31 10:00", "branch_id": bank.outlet,
           "customer_id": customer_of(bank, bank.account_in_outlet), "account_id": bank.account_in_outlet,
           "request_type": "transfer_out", "amount": "480000", "observations": RISKY}
    with open_warehouse(str(bank.db), read_only=True) as wh:
        d = screen_request(wh, req)
    web = card(d.as_json() | {"case_id": "C1"})
    cli = [re.sub(r"\[/?[a-z ]*\]", "", line) for line in teller_card(d, "C1")]
    assert cli[0] == web["head"]
    assert cli[1].startswith(f"风险等级：{web['band']}　评分 {web['score']}")
    assert cli[2] == f"处置：{web['action']}"
    numbered = [line.strip() for line in cli if re.match(r"\s+\d+\. ", line)]
    assert [re.sub(r"^\d+\. ", "", x) for x in numbered] == web["reasons"] and web["reasons"]


def test_teller_screens_on_the_counter_page(client: TestClient, login: Login, bank: Bank) -> None:
    csrf = login("teller")
    page = client.get("/teller").text
    assert "柜面反诈筛查" in page and "情绪焦虑、紧张" in page and "反诈案件" in page
    r = client.post("/teller/screen", data=form_for(bank, csrf))
    assert r.status_code == 200, r.text
    text = text_of(r.text)
    assert "风险等级：" in text and "处置：" in text and "理由：" in text and "规则版本" in text
    cid = re.search(r'href="/cases/(C[^"]+)"', r.text).group(1)
    assert "我的案件" in r.text and cid in r.text
    assert client.post("/teller/screen", data={**form_for(bank, csrf), "csrf_token": "bad"}).status_code == 403
    r = client.post("/teller/screen", data={**form_for(bank, csrf), "account_id": bank.account_elsewhere})
    assert r.status_code == 404 and "未找到该账户" in r.text
    r = client.post("/teller/screen", data={**form_for(bank, csrf), "amount": "-5"})
    assert r.status_code == 422 and "申请信息有误" in r.text and "amount" in r.text
    login("manager")
    assert client.post("/teller/screen", data=form_for(bank, csrf)).status_code == 403


def test_case_pages_move_and_second_approval(client: TestClient, login: Login, bank: Bank) -> None:
    csrf = login("teller")
    r = client.post("/teller/screen", data=form_for(bank, csrf))
    cid = re.search(r'href="/cases/(C[^"]+)"', r.text).group(1)
    r = client.post(f"/cases/{cid}/move", data={"csrf_token": csrf, "to": "verifying", "note": "一查二问"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/cases/{cid}?msg=moved"
    assert client.post(f"/cases/{cid}/move", data={"to": "verifying", "note": "x"}).status_code == 403  # CSRF
    r = client.post(f"/cases/{cid}/move", data={"csrf_token": csrf, "to": "open", "note": "x"})
    assert r.status_code == 409 and "不能转为" in r.text
    r = client.post(f"/cases/{cid}/move", data={"csrf_token": csrf, "to": "closed", "outcome": "proceeded",
                                                "note": "客户坚持办理"}, follow_redirects=False)
    assert r.headers["location"].endswith("msg=proposed")
    page = client.get(f"/cases/{cid}").text
    assert "待复核结案" in page and 'id="approve"' not in page  # not by the same person
    sup = login("supervisor")
    queue = client.get("/cases").text
    assert cid in queue and "核实中（1）" in queue and "反诈指标" in queue
    page = client.get(f"/cases/{cid}").text
    assert 'id="approve"' in page and "一查二问" in page
    r = client.post(f"/cases/{cid}/move", data={"csrf_token": sup, "to": "closed", "outcome": "proceeded",
                                                "note": "同意"}, follow_redirects=False)
    assert r.status_code == 303
    page = text_of(client.get(f"/cases/{cid}").text)
    assert "状态 已结案" in page and "客户坚持办理" in page and "supervisor" in page
    assert client.get("/cases?state=closed").status_code == 200
    login("analyst")
    assert client.get("/cases").status_code == 403


def test_case_history_names_the_band_in_chinese(client: TestClient, login: Login, bank: Bank) -> None:
    from wupian.monitor.screening.model import BAND_ZH

    csrf = login("teller")
    r = client.post("/teller/screen", data=form_for(bank, csrf))
    cid = re.search(r'href="/cases/(C[^"]+)"', r.text).group(1)
    history = re.search(r'<table[^>]*id="history".*?</table>', client.get(f"/cases/{cid}").text, re.S).group(0)
    opened = re.search(r"预警开案：(\S+?)（([^）]+)）", text_of(history))
    assert opened and opened.group(2) in BAND_ZH.values(), history  # 中风险/高风险/禁止, the one vocabulary
    assert not re.search(r"（(low|medium|high|block)）", history)


def test_user_management_page(client: TestClient, login: Login, store: OpsStore, bank: Bank) -> None:
    for name in ("analyst", "manager", "teller", "supervisor", "auditor"):
        login(name)
        assert client.get("/users").status_code == 403, name
    csrf = login("admin")
    page = client.get("/users").text
    assert "用户管理" in page and "supervisor" in page and "主管/反诈专员" in page
    r = client.post("/users", data={"csrf_token": csrf, "action": "add", "username": "new-teller",
                                    "branch_id": bank.outlet, "roles": ["teller"]})
    assert r.status_code == 200 and "已创建用户 new-teller" in r.text
    shown = re.search(r"<code>([^<]+)</code>", r.text).group(1)
    assert verify_password(store.password_hash("new-teller"), shown)
    assert shown not in client.get("/users").text  # shown once
    r = client.post("/users", data={"csrf_token": csrf, "action": "set_roles", "username": "new-teller",
                                    "roles": ["teller", "supervisor"]})
    assert store.user("new-teller").roles == ("teller", "supervisor")
    r = client.post("/users", data={"csrf_token": csrf, "action": "disable", "username": "new-teller"})
    assert store.user("new-teller").disabled and "已停用" in r.text
    r = client.post("/users", data={"csrf_token": csrf, "action": "reset_password", "username": "new-teller"})
    assert "已重置" in r.text and re.search(r"<code>([^<]+)</code>", r.text)
    r = client.post("/users", data={"csrf_token": csrf, "action": "disable", "username": "admin"})
    assert r.status_code == 409 and not store.user("admin").disabled
    r = client.post("/users", data={"csrf_token": csrf, "action": "add", "username": "x", "branch_id": bank.outlet,
                                    "roles": ["nosuchrole"]})
    assert r.status_code == 422 and "nosuchrole" in r.text
    assert client.post("/users", data={"action": "disable", "username": "teller"}).status_code == 403  # CSRF
    actions = [(e.action, e.outcome) for e in store.audit_entries(actor="admin")]
    assert {("user.add", "ok"), ("user.set_roles", "ok"), ("user.disable", "ok"), ("user.reset_password", "ok"),
            ("user.disable", "refused"), ("user.add", "refused")} <= set(actions)


def test_an_admin_of_an_outlet_manages_only_its_users(client: TestClient, store: OpsStore, bank: Bank) -> None:
    store.add_user("outlet-admin", ["admin"], bank.outlet, "outlet-admin-pw-1")
    r = client.post("/api/session", json={"username": "outlet-admin", "password": "outlet-admin-pw-1"})
    csrf = r.json()["csrf_token"]
    page = client.get("/users").text
    assert "teller" in page and ">analyst<" not in page
    r = client.post("/users", data={"csrf_token": csrf, "action": "disable", "username": "analyst"})
    unknown = client.post("/users", data={"csrf_token": csrf, "action": "disable", "username": "nobody"})
    assert r.status_code == unknown.status_code == 404 and r.content == unknown.content
    r = client.post("/users", data={"csrf_token": csrf, "action": "add", "username": "y", "branch_id": bank.root,
                                    "roles": ["admin"]})
    assert r.status_code == 403 and store.find_user("y") is None
