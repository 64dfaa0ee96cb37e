"""``/drill`` of something that does not exist — a registry not in the snapshot, an unknown measure, an indicator with no
rows to list — answers 404 with a zh-CN message naming it (the same body as any unknown object), not 200 with an
empty page or an English 400; a real drill still answers 200."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from support.web_bank import Bank

Login = Callable[[str], str]
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.mark.parametrize("indicator,named", [
    ("coverage.no_such_registry.account_rate", "no_such_registry"),
    ("service.account_rate.no_such_registry", "no_such_registry"),
    ("tech.no_such_measure", "no_such_measure"),
    ("tech.balance.rank_siblings", "tech.balance.rank_siblings"),
])
def test_drill_into_nothing_is_404_in_zh(client: TestClient, login: Login, bank: Bank, indicator: str,
                                         named: str) -> None:
    login("analyst")
    r = client.get("/drill", params={"indicator": indicator, "branch": bank.root, "as_of": bank.as_of.isoformat()})
    assert r.status_code == 404
    error = r.json()["error"]
    assert error["code"] == "not_found" and named in error["message"] and CJK.search(error["message"])


def test_drill_into_a_registry_with_members_still_lists_them(client: TestClient, login: Login, bank: Bank) -> None:
    login("analyst")
    from wupian import api

    with api.open_warehouse(str(bank.db), read_only=True) as wh:
        registry = api.registries(wh, bank.as_of)[0]
    r = client.get("/drill", params={"indicator": f"coverage.{registry}.account_rate", "branch": bank.root,
                                     "as_of": bank.as_of.isoformat()})
    assert r.status_code == 200 and "共" in r.text
    r = client.get("/drill", params={"indicator": "all_loans.balance", "branch": bank.root,
                                     "as_of": bank.as_of.isoformat()})
    assert r.status_code == 200 and "/loans/" in r.text
