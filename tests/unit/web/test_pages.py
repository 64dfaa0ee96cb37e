"""The zh-CN pages for each role: what each may open, the cockpit's figures linking down to loans, the
coverage worklist export, the teller view and the audit page."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import openpyxl
import pytest
from fastapi.testclient import TestClient

from support.web_bank import Bank
from wupian.ops import OpsStore

Login = Callable[[str], str]
PAGES = {"/": "indicators.read", "/coverage": "coverage.read", "/month-end": "month_end.run",
         "/teller": "accounts.read", "/cases": "cases.queue|cases.own|cases.read", "/users": "users.manage",
         "/audit": "audit.read"}
ALLOWED = {
    "admin": {"/users", "/audit"}, "analyst": {"/", "/coverage", "/month-end"}, "manager": {"/", "/coverage"},
    "teller": {"/teller", "/cases"}, "supervisor": {"/cases"}, "auditor": {"/", "/coverage", "/cases", "/audit"},
}


def test_pages_redirect_to_login_without_a_session(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    r = client.get("/coverage", headers={"accept": "text/html"}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"
    assert "登录" in client.get("/login").text


@pytest.mark.parametrize("who", sorted(ALLOWED))
def test_each_role_opens_exactly_its_pages(client: TestClient, login: Login, who: str) -> None:
    login(who)
    for page in PAGES:
        r = client.get(page, follow_redirects=False)
        if page == "/" and not ALLOWED[who]:
            assert r.status_code == 200 and "暂无可用页面" in r.text
        elif page == "/" and "/" not in ALLOWED[who]:
            assert r.status_code == 303 and r.headers["location"] in ALLOWED[who]
        elif page in ALLOWED[who]:
            assert r.status_code == 200, (who, page)
            nav = re.findall(r'<nav>(.*?)</nav>', r.text, re.S)[0]
            assert set(re.findall(r'href="([^"]+)"', nav)) == ALLOWED[who]
        else:
            assert r.status_code == 403, (who, page)


def test_cockpit_figures_link_down_to_the_loans_and_their_reasons(client: TestClient, login: Login,
                                                                   bank: Bank) -> None:
    login("manager")
    page = client.get("/").text
    for label in ("科技金融", "绿色金融", "普惠金融", "养老金融", "数字金融", "增速差", "同业排名", "目标完成"):
        assert label in page
    assert re.search(r"\d(\.\d+)?(亿元|万元)", page)
    links = re.findall(r'href="(/drill\?indicator=[^"]+)"', page)
    assert links and all(bank.city in x for x in links[:5])
    drill = client.get(links[0].replace("&amp;", "&"))
    assert drill.status_code == 200
    loans = re.findall(r'href="(/loans/[^"]+)"', drill.text)
    assert loans
    loan = client.get(loans[0].replace("&amp;", "&"))
    assert loan.status_code == 200 and "所属类别" in loan.text and "不属于的类别及原因" in loan.text


def test_cockpit_of_a_branch_outside_the_subtree_is_forbidden(client: TestClient, login: Login, bank: Bank) -> None:
    login("outlet")
    assert client.get("/", params={"branch": bank.root}).status_code == 403
    assert client.get("/drill", params={"indicator": "tech.balance", "branch": bank.root,
                                        "as_of": bank.as_of.isoformat()}).status_code == 403
    assert client.get(f"/loans/{bank.loan_elsewhere}").status_code == 404


def test_children_are_ranked_and_link_to_their_cockpit(client: TestClient, login: Login, bank: Bank) -> None:
    login("analyst")
    page = client.get("/", params={"branch": bank.city, "cat": "inclusive_micro"}).text
    assert f"/?branch={bank.outlet}" in page and 'id="rank-chart"' in page and 'id="trend-chart"' in page


def test_coverage_page_and_worklist_xlsx(client: TestClient, login: Login, store: OpsStore, bank: Bank) -> None:
    login("manager")
    page = client.get("/coverage")
    assert page.status_code == 200 and "待拓展清单" in page.text
    registry = re.search(r'<option value="([^"]+)" selected', page.text).group(1)
    r = client.get("/coverage/worklist.xlsx", params={"registry": registry})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    header = [c.value for c in ws[1]]
    assert header[:2] == ["责任机构号", "责任机构"]
    branches = {row[0] for row in ws.iter_rows(min_row=2, values_only=True)}
    assert all(isinstance(b, str) for b in branches)  # ids kept as text
    assert any(e.action == "download" and e.object_type == "worklist" for e in store.audit_entries())
    assert client.get("/coverage", params={"registry": "no_such_registry"}).status_code == 404


def test_teller_page_shows_recurring_debits_or_not_found(client: TestClient, login: Login, bank: Bank) -> None:
    login("teller")
    ok = client.get("/teller", params={"account": bank.account_in_outlet})
    assert ok.status_code == 200 and "未找到该账户" not in ok.text
    outside = client.get("/teller", params={"account": bank.account_elsewhere})
    assert "未找到该账户" in outside.text


def test_audit_page_lists_logins_and_filters(client: TestClient, login: Login) -> None:
    login("analyst")
    login("auditor")
    page = client.get("/audit", params={"actor": "analyst"})
    assert page.status_code == 200
    assert "login" in page.text and "auditor" not in re.sub(r"<header.*?</header>", "", page.text, flags=re.S)
