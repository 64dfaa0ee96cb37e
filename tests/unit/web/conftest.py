from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from support.web_bank import Bank, build_bank, copy_bank, make_users, settings
from wupian.ops import OpsStore
from wupian.web.app import create_app


@pytest.fixture(scope="session")
def shared_bank(tmp_path_factory: pytest.TempPathFactory) -> Bank:
    return build_bank(tmp_path_factory.mktemp("webbank"))


@pytest.fixture()
def bank(shared_bank: Bank, tmp_path: Path) -> Bank:
    """A private copy per test: the server publishes beside the warehouse and tests may load into it."""
    return copy_bank(shared_bank, tmp_path / "wh")


@pytest.fixture()
def store(tmp_path: Path) -> Iterator[OpsStore]:
    st = OpsStore.open(str(tmp_path / "ops.sqlite"))
    yield st
    st.close()


@pytest.fixture()
def passwords(store: OpsStore, bank: Bank) -> dict[str, str]:
    return make_users(store, bank)


@pytest.fixture()
def client(bank: Bank, store: OpsStore, passwords: dict[str, str], tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(settings(bank, str(tmp_path / "ops.sqlite")), store=store)
    with TestClient(app) as c:
        yield c


@pytest.fixture()
def login(client: TestClient, passwords: dict[str, str]) -> Callable[[str], str]:
    """Log ``name`` in on the shared client; returns the CSRF token."""

    def do(name: str) -> str:
        r = client.post("/api/session", json={"username": name, "password": passwords[name]})
        assert r.status_code == 200, r.text
        return str(r.json()["csrf_token"])

    return do
