"""Property: every user sees exactly their branch's subtree (spec/web.md "Users, roles and scope"), for any loan,
account and branch of the demo bank and any user (hypothesis picks them among every object of the bank):

* ``GET /api/loans/{id}?as_of=D`` and the page ``/loans/{id}``: the loan when its booking branch *at D* is in the
  user's subtree; otherwise exactly the answer for a loan that does not exist (404, same bytes);
* ``GET /api/indicators?branch=B``: 200 with exactly the nodes of B's subtree when B is in the user's subtree —
  the same values whoever asks — otherwise 403; ``/drill`` likewise, listing only loans booked in B's subtree;
* ``GET /api/accounts/{id}/recurring`` for a teller: the account's streams inside the subtree, else the unknown
  account's 404.

The oracle (subtrees, booking branches) is computed here from the stored rows, not by the app's scope helpers.
One app over one copy of the demo bank for the module; nothing here writes data.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from support.web_bank import ROLES_AT, Bank, copy_bank, make_users
from support.web_bank import settings as web_settings
from wupian.api import branch_tree, open_warehouse
from wupian.ops import OpsStore
from wupian.web.app import create_app

READERS = ("analyst", "manager", "outlet", "auditor")  # users with loans.read / indicators.read, at three levels
LOAN_LINK = re.compile(r'href="/loans/([^"?]+)')


@dataclass
class World:
    bank: Bank
    client: TestClient
    passwords: dict[str, str]
    dates: tuple[date, ...]
    subtree: dict[str, frozenset[str]]
    home: dict[str, str]  # user -> branch
    loans: dict[date, dict[str, str]]  # as_of -> loan -> booking branch
    accounts: dict[str, str]  # account -> branch
    current: str = ""

    def as_user(self, name: str) -> None:
        if self.current != name:
            self.client.cookies.clear()
            r = self.client.post("/api/session", json={"username": name, "password": self.passwords[name]})
            assert r.status_code == 200, r.text
            self.current = name

    def sees(self, name: str, branch: str | None) -> bool:
        return branch is not None and branch in self.subtree[self.home[name]]


@pytest.fixture(scope="module")
def world(shared_bank: Bank, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    folder: Path = tmp_path_factory.mktemp("scope")
    bank = copy_bank(shared_bank, folder / "wh")
    with open_warehouse(str(bank.db), read_only=True) as wh:
        dates = tuple(r["as_of"] for r in wh.rows("SELECT DISTINCT as_of FROM loans ORDER BY 1"))
        parent = {str(n["branch_id"]): n["parent_id"] for n in branch_tree(wh, bank.as_of)}
        loans = {d: {r["loan_id"]: r["branch_id"] for r in wh.rows(
            "SELECT loan_id, branch_id FROM loans WHERE as_of = ?", [d])} for d in dates}
        accounts = {r["account_id"]: r["branch_id"] for r in wh.rows(
            "SELECT account_id, max(branch_id) AS branch_id FROM accounts a WHERE EXISTS "
            "(SELECT 1 FROM transactions t WHERE t.account_id = a.account_id) GROUP BY 1")}
    kids: dict[str, list[str]] = {b: [] for b in parent}
    for b, p in parent.items():
        if p is not None:
            kids[str(p)].append(b)

    def down(b: str) -> frozenset[str]:
        return frozenset({b}).union(*(down(c) for c in kids[b]))

    store = OpsStore.open(str(folder / "ops.sqlite"))
    passwords = make_users(store, bank)
    home = {name: getattr(bank, where) for name, (_, where) in ROLES_AT.items()}
    app = create_app(web_settings(bank, str(folder / "ops.sqlite")), store=store)
    with TestClient(app) as client:
        yield World(bank, client, passwords, dates, {b: down(b) for b in parent}, home, loans, accounts)
    store.close()


def _examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
pick = st.integers(0, 10**9)


def _pick(items: list[str], seen: Callable[[str], bool], inside: bool, k: int) -> str:
    """The k-th item (cyclically) among those the user sees (``inside``) or does not see, when there are any."""
    wanted = [x for x in items if seen(x) == inside] or items
    return wanted[k % len(wanted)]


@_examples(16)
@given(st.sampled_from(READERS), st.booleans(), st.booleans(), pick)
def test_a_loan_outside_the_subtree_answers_like_an_unknown_one(world: World, name: str, latest: bool, inside: bool,
                                                                 k: int) -> None:
    day = world.dates[-1] if latest else world.dates[0]
    loan = _pick(sorted(world.loans[day]), lambda ln: world.sees(name, world.loans[day][ln]), inside, k)
    world.as_user(name)
    api = world.client.get(f"/api/loans/{loan}", params={"as_of": day.isoformat()})
    page = world.client.get(f"/loans/{loan}", params={"as_of": day.isoformat()}, headers={"accept": "text/html"})
    if world.sees(name, world.loans[day][loan]):
        assert api.status_code == 200, (name, loan, day)
        assert (api.json()["loan_id"], api.json()["branch_id"]) == (loan, world.loans[day][loan])
        assert page.status_code == 200 and loan in page.text
    else:
        unknown = world.client.get("/api/loans/L-NO-SUCH-LOAN", params={"as_of": day.isoformat()})
        unknown_page = world.client.get("/loans/L-NO-SUCH-LOAN", params={"as_of": day.isoformat()},
                                        headers={"accept": "text/html"})
        assert api.status_code == unknown.status_code == 404, (name, loan, day, api.status_code)
        assert api.content == unknown.content
        assert page.status_code == unknown_page.status_code == 404
        assert page.content.replace(loan.encode(), b"") == unknown_page.content.replace(b"L-NO-SUCH-LOAN", b"")


@_examples(12)
@given(st.sampled_from(READERS), st.booleans(), pick)
def test_indicators_of_a_branch_are_its_whole_subtree_or_403(world: World, name: str, inside: bool, k: int) -> None:
    day = world.dates[-1]
    branch = _pick(sorted(world.subtree), lambda b: world.sees(name, b), inside, k)
    params = {"as_of": day.isoformat(), "branch": branch, "id": "all_loans.balance"}
    world.as_user(name)
    r = world.client.get("/api/indicators", params=params)
    if not world.sees(name, branch):
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden", (name, branch)
        assert world.client.get("/drill", params={"indicator": "all_loans.balance", **params},
                                headers={"accept": "text/html"}).status_code == 403
        return
    assert r.status_code == 200, (name, branch, r.text[:200])
    mine = {x["branch_id"]: x["value"] for x in r.json()}
    assert set(mine) == world.subtree[branch]
    world.as_user("analyst")  # the head office sees the same figures for the same nodes
    everyone = {x["branch_id"]: x["value"] for x in world.client.get("/api/indicators", params=params).json()}
    assert everyone == mine
    world.as_user(name)
    drill = world.client.get("/drill", params={"indicator": "all_loans.balance", **params},
                             headers={"accept": "text/html"})
    assert drill.status_code == 200
    listed = set(LOAN_LINK.findall(drill.text))
    booked_here = {ln for ln, b in world.loans[day].items() if b in world.subtree[branch]}
    assert listed <= booked_here, sorted(listed - booked_here)[:5]
    if mine[branch] not in (None, "0", "0.00"):
        assert listed, (name, branch, mine[branch])


@_examples(20)
@given(st.booleans(), pick)
def test_a_teller_sees_the_recurring_debits_of_accounts_of_the_subtree_only(world: World, inside: bool,
                                                                             k: int) -> None:
    account = _pick(sorted(world.accounts), lambda a: world.sees("teller", world.accounts[a]), inside, k)
    world.as_user("teller")
    r = world.client.get(f"/api/accounts/{account}/recurring")
    if world.sees("teller", world.accounts[account]):
        assert r.status_code == 200 and r.json()["account_id"] == account
    else:
        unknown = world.client.get("/api/accounts/0000000000000/recurring")
        assert r.status_code == unknown.status_code == 404 and r.content == unknown.content, account
