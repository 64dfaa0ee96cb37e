"""The web app in a real browser: Playwright for Python driving Debian's Chromium (nothing downloaded) against
``wupian serve``'s app on loopback. Logs in, opens each page, clicks a cockpit number down to a loan, runs the
month-end desk, saves screenshots to docs/screenshots/, and checks that no request leaves the machine."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest

from support.web_bank import Bank, build_bank, make_users, settings
from wupian.ops import OpsStore

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"

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
    page.fill("#folder", str(bank.out / "snapshots" / bank.as_of.isoformat()))  # type: ignore[attr-defined]
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


def test_teller_and_auditor_pages(served: tuple[str, Bank, dict[str, str]], browser: object) -> None:
    base, bank, passwords = served
    requests: list[str] = []
    page = _page(browser, base, requests)
    _login(page, base, "teller", passwords["teller"])
    assert page.url.endswith("/teller")  # type: ignore[attr-defined]
    page.fill("input[name=account]", bank.account_in_outlet)  # type: ignore[attr-defined]
    page.click("main button[type=submit]")  # type: ignore[attr-defined]
    page.wait_for_load_state("networkidle")  # type: ignore[attr-defined]
    _shot(page, "teller.png")
    page2 = _page(browser, base, requests)
    _login(page2, base, "auditor", passwords["auditor"])
    page2.goto(base + "/audit")  # type: ignore[attr-defined]
    page2.wait_for_selector("text=loan.view")  # type: ignore[attr-defined]
    _shot(page2, "audit.png")
    page2.goto(base + "/login")  # type: ignore[attr-defined]
    _shot(page2, "login.png")
    _local_only(requests, base)
