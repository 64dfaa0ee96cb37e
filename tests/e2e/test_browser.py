"""The web app in a real browser: Playwright for Python driving Debian's Chromium (nothing downloaded) against
``wupian serve``'s app on loopback. Logs in, opens each page, clicks a cockpit number down to a loan, runs the
month-end desk, saves screenshots, and checks that no request leaves the machine."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from support.web_bank import Bank, build_bank, customer_of, make_users, settings
from wupian.ops import OpsStore

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
# Screenshots go to a scratch folder so a local test run leaves the checkout clean; CI (.ci/run) and anyone
# refreshing the committed ones set WUPIAN_SCREENSHOTS=docs/screenshots to keep them there.
SHOTS = Path(os.environ.get("WUPIAN_SCREENSHOTS") or Path(os.environ.get("TMPDIR", "/tmp")) / "wupian-screenshots")

pytestmark = pytest.mark.slow


def _need_browser() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI run without playwright (pip install -e '.[browser]')")
        pytest.skip("playwright is not installed")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("CI run without /usr/bin/chromium (apt-get install chromium)")
        pytest.skip("no /usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Bank, dict[str, str]]]:
    _need_browser()
    import uvicorn

    from wupian.web.app import create_app

    folder = tmp_path_factory.mktemp("browser")
    bank = build_bank(folder)
    store = OpsStore.open(str(folder / "ops.sqlite"))
    passwords = make_users(store, bank)
    port = _free_port()
    app = create_app(settings(bank, str(folder / "ops.sqlite")), store=store)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.1)
    assert server.started
    yield f"http://127.0.0.1:{port}", bank, passwords
    server.should_exit = True
    thread.join(timeout=30)
    store.close()


@pytest.fixture(scope="module")
def browser(served: tuple[str, Bank, dict[str, str]]) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


def _page(browser: object, base: str, requests: list[str]) -> object:
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN")  # type: ignore[attr-defined]
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    page.set_default_timeout(60_000)
    return page


def _login(page: object, base: str, user: str, password: str) -> None:
    page.goto(base + "/login")  # type: ignore[attr-defined]
    page.fill("input[name=username]", user)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]


def _shot(page: object, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)  # type: ignore[attr-defined]


def _local_only(requests: list[str], base: str) -> None:
    hosts = {urlparse(u).netloc for u in requests if not u.startswith(("data:", "blob:", "about:"))}
    assert hosts == {urlparse(base).netloc}, hosts


def test_manager_cockpit_down_to_a_loan(served: tuple[str, Bank, dict[str, str]], browser: object) -> None:
    base, bank, passwords = served
    requests: list[str] = []
    page = _page(browser, base, requests)
    _login(page, base, "manager", passwords["manager"])
    assert "驾驶舱" in page.title()  # type: ignore[attr-defined]
    page.wait_for_selector("#trend-chart canvas")  # type: ignore[attr-defined]
    page.wait_for_selector("#rank-chart canvas")  # type: ignore[attr-defined]
    page.wait_for_timeout(800)  # type: ignore[attr-defined]  # chart animation
    _shot(page, "cockpit.png")
    page.click("table.figures a.num >> nth=0")  # type: ignore[attr-defined]
    page.wait_for_selector("a.loan")  # type: ignore[attr-defined]
    _shot(page, "drill.png")
    page.click("a.loan >> nth=0")  # type: ignore[attr-defined]
    page.wait_for_selector("text=所属类别")  # type: ignore[attr-defined]
    _shot(page, "loan.png")
    page.goto(base + "/coverage")  # type: ignore[attr-defined]
    page.wait_for_selector("#worklist-download")  # type: ignore[attr-defined]
    _shot(page, "coverage.png")
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click("#worklist-download")  # type: ignore[attr-defined]
    assert info.value.suggested_filename.endswith(".xlsx")
    _local_only(requests, base)
    assert any(u.endswith("/static/vendor/echarts.min.js") for u in requests)


def test_analyst_runs_the_month_end_desk(served: tuple[str, Bank, dict[str, str]], browser: object) -> None:
    base, bank, passwords = served
    requests: list[str] = []
    page = _page(browser, base, requests)
    _login(page, base, "analyst", passwords["analyst"])
    page.goto(base + "/month-end")  # type: ignore[attr-defined]
    source = bank.out / "snapshots" / bank.as_of.isoformat()
    page.set_input_files("#upload-files", sorted(str(f) for f in source.iterdir()))  # type: ignore[attr-defined]
    page.click("#upload-btn")  # type: ignore[attr-defined]
    page.wait_for_selector("#desk-message")  # type: ignore[attr-defined]
    assert page.locator("#folder").input_value().startswith("upload:")  # type: ignore[attr-defined]
    _shot(page, "month-end-upload.png")
    page.fill("#as-of", bank.as_of.isoformat())  # type: ignore[attr-defined]
    page.click("#check-btn")  # type: ignore[attr-defined]
    page.wait_for_selector(".job[data-state=done]", timeout=180_000)  # type: ignore[attr-defined]
    page.click("#run-btn")  # type: ignore[attr-defined]
    page.wait_for_selector(".job[data-state=running], .job[data-state=done] >> nth=0")  # type: ignore[attr-defined]
    _shot(page, "month-end-progress.png")
    page.locator(".job[data-state=done]").nth(1).wait_for(timeout=300_000)  # type: ignore[attr-defined]
    page.reload()  # type: ignore[attr-defined]
    page.wait_for_selector("a[href*='/downloads/']")  # type: ignore[attr-defined]
    _shot(page, "month-end.png")
    _local_only(requests, base)


def _view_a_loan(browser: object, base: str, bank: Bank, passwords: dict[str, str], requests: list[str]) -> None:
    """A manager opens a loan of the outlet (the server audits it as ``loan.view``)."""
    page = _page(browser, base, requests)
    _login(page, base, "manager", passwords["manager"])
    page.goto(f"{base}/loans/{bank.loan_in_outlet}")  # type: ignore[attr-defined]
    page.wait_for_selector("text=所属类别")  # type: ignore[attr-defined]
    page.context.close()  # type: ignore[attr-defined]


def _screen_at_the_counter(page: object, bank: Bank) -> str:
    """Fill the teller's screening form with a risky transfer (a logged-in teller page); the case id it opened."""
    page.fill("input[name=account_id]", bank.account_in_outlet)  # type: ignore[attr-defined]
    page.fill("input[name=customer_id]", customer_of(bank, bank.account_in_outlet))  # type: ignore[attr-defined]
    page.select_option("select[name=request_type]", "transfer_out")  # type: ignore[attr-defined]
    page.fill("input[name=amount]", "480000")  # type: ignore[attr-defined]
    page.fill("input[name=payee_name]", "安全账户")  # type: ignore[attr-defined]
    page.fill("input[name=stated_purpose]", "配合调查")  # type: ignore[attr-defined]
    for code in ("authority_story", "on_call", "refuses_family_contact", "anxious"):
        page.check(f"input[name=observations][value={code}]")  # type: ignore[attr-defined]
    page.click("form.screen-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#teller-card")  # type: ignore[attr-defined]
    return str(page.locator("#teller-card a").first.inner_text())  # type: ignore[attr-defined]


def test_teller_and_auditor_pages(served: tuple[str, Bank, dict[str, str]], browser: object) -> None:
    """Sets up what it shows (a viewed loan, an opened case), so it passes alone or in any order."""
    base, bank, passwords = served
    requests: list[str] = []
    _view_a_loan(browser, base, bank, passwords, requests)
    page = _page(browser, base, requests)
    _login(page, base, "teller", passwords["teller"])
    assert page.url.endswith("/teller")  # type: ignore[attr-defined]
    page.fill("input[name=account]", bank.account_in_outlet)  # type: ignore[attr-defined]
    page.click("form[action='/teller'] button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    _shot(page, "teller.png")
    page.goto(base + "/teller")  # type: ignore[attr-defined]
    case_id = _screen_at_the_counter(page, bank)
    page2 = _page(browser, base, requests)
    _login(page2, base, "auditor", passwords["auditor"])
    page2.goto(base + "/audit")  # type: ignore[attr-defined]
    page2.wait_for_selector(f"text={bank.loan_in_outlet}")  # type: ignore[attr-defined]
    page2.wait_for_selector("text=loan.view")  # type: ignore[attr-defined]
    _shot(page2, "audit.png")
    page2.goto(base + "/cases")  # read-only: the queue and a case, never the move form
    page2.click(f"#case-queue a:text-is('{case_id}')")  # type: ignore[attr-defined]
    page2.wait_for_selector("#read-only")  # type: ignore[attr-defined]
    assert "中风险" in page2.inner_text("#history") or "高风险" in page2.inner_text("#history")  # type: ignore[attr-defined]
    assert page2.locator("#move-form").count() == 0  # type: ignore[attr-defined]
    _shot(page2, "case-auditor.png")
    page2.goto(base + "/login")  # type: ignore[attr-defined]
    _shot(page2, "login.png")
    _local_only(requests, base)


def test_teller_screens_and_a_supervisor_works_the_case(served: tuple[str, Bank, dict[str, str]],
                                                       browser: object) -> None:
    base, bank, passwords = served
    requests: list[str] = []
    page = _page(browser, base, requests)
    _login(page, base, "teller", passwords["teller"])
    case_id = _screen_at_the_counter(page, bank)
    card = page.inner_text("#teller-card")  # type: ignore[attr-defined]
    assert "风险等级：" in card and "处置：" in card and "理由：" in card
    _shot(page, "teller-screening.png")
    page.locator("#teller-card a").first.click()  # type: ignore[attr-defined]
    page.wait_for_selector("#move-form")  # type: ignore[attr-defined]
    page.select_option("#move-form select[name=to]", "closed")  # type: ignore[attr-defined]
    page.select_option("#move-form select[name=outcome]", "prevented")  # type: ignore[attr-defined]
    page.fill("#move-form input[name=amount]", "480000")  # type: ignore[attr-defined]
    page.fill("#move-form input[name=note]", "客户认识到被骗，放弃转账")  # type: ignore[attr-defined]
    page.click("#move-form button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#pending-close")  # type: ignore[attr-defined]
    sup = _page(browser, base, requests)
    _login(sup, base, "supervisor", passwords["supervisor"])
    sup.goto(base + "/cases")  # type: ignore[attr-defined]
    sup.wait_for_selector("#case-queue")  # type: ignore[attr-defined]
    _shot(sup, "cases.png")
    sup.click(f"text={case_id}")  # type: ignore[attr-defined]
    sup.wait_for_selector("#approve")  # type: ignore[attr-defined]
    _shot(sup, "case-approval.png")
    sup.click("#approve")  # type: ignore[attr-defined]
    sup.wait_for_selector("#case-message")  # type: ignore[attr-defined]
    assert sup.inner_text("#case-state") == "已结案"  # type: ignore[attr-defined]
    _shot(sup, "case.png")
    _local_only(requests, base)


def test_admin_manages_users(served: tuple[str, Bank, dict[str, str]], browser: object) -> None:
    base, bank, passwords = served
    requests: list[str] = []
    page = _page(browser, base, requests)
    _login(page, base, "admin", passwords["admin"])
    page.goto(base + "/users")  # type: ignore[attr-defined]
    page.fill("#add-user input[name=username]", "new-teller")  # type: ignore[attr-defined]
    page.fill("#add-user input[name=branch_id]", bank.outlet)  # type: ignore[attr-defined]
    page.check("#add-user input[name=roles][value=teller]")  # type: ignore[attr-defined]
    page.click("#add-user button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_selector("#new-password")  # type: ignore[attr-defined]
    _shot(page, "users.png")
    _local_only(requests, base)
