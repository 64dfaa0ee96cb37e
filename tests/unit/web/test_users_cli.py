"""``wupian users …`` through ``main()`` with exit codes, and the demo users of ``wupian demo``."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from support.web_bank import Bank
from wupian.cli.main import main
from wupian.demo.users import create_demo_users
from wupian.ops import OpsStore
from wupian.ops.passwords import verify_password


def run(args: list[str], monkeypatch: pytest.MonkeyPatch, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "argv", ["wupian", *args])
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        main()
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_users_lifecycle(bank: Bank, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                         capsys: pytest.CaptureFixture[str]) -> None:
    ops = str(tmp_path / "u.sqlite")
    base = ["--db", str(bank.db), "users"]
    assert run([*base, "add", "zhang", "--role", "manager", "--branch", bank.city, "--password-stdin",
                "--ops-db", ops], monkeypatch, "a-long-password\n") == 0
    assert "added zhang (manager)" in capsys.readouterr().out
    store = OpsStore.open(ops)
    assert verify_password(store.password_hash("zhang"), "a-long-password")
    assert run([*base, "add", "zhang", "--role", "manager", "--branch", bank.city, "--password-stdin",
                "--ops-db", ops], monkeypatch, "a-long-password\n") == 2
    assert "already exists" in capsys.readouterr().err
    assert run([*base, "add", "li", "--role", "boss", "--branch", bank.city, "--password-stdin", "--ops-db", ops],
               monkeypatch, "a-long-password\n") == 2
    assert "unknown role 'boss'" in capsys.readouterr().err
    assert run([*base, "add", "li", "--role", "teller", "--branch", "NOPE", "--password-stdin", "--ops-db", ops],
               monkeypatch, "a-long-password\n") == 2
    assert "is not a branch" in capsys.readouterr().err
    assert run([*base, "add", "li", "--role", "teller", "--branch", bank.city, "--ops-db", ops],
               monkeypatch, "") == 2
    assert run([*base, "set-role", "zhang", "manager,auditor", "--ops-db", ops], monkeypatch) == 0
    assert store.user("zhang").roles == ("manager", "auditor")
    assert run([*base, "reset-password", "zhang", "--password-stdin", "--ops-db", ops], monkeypatch,
               "another-password\n") == 0
    assert verify_password(store.password_hash("zhang"), "another-password")
    assert run([*base, "disable", "zhang", "--ops-db", ops], monkeypatch) == 0
    assert store.user("zhang").disabled
    assert run([*base, "enable", "zhang", "--ops-db", ops], monkeypatch) == 0
    capsys.readouterr()
    assert run([*base, "list", "--ops-db", ops], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "zhang" in out and "管理人员" in out and "审计" in out
    assert run([*base, "disable", "nobody", "--ops-db", ops], monkeypatch) == 2
    actions = [e.action for e in store.audit_entries(actor=None) if e.object_id == "zhang"]
    assert actions == ["user.enable", "user.disable", "user.reset_password", "user.set_role", "user.add"]


def test_default_ops_store_sits_beside_the_warehouse(bank: Bank, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WUPIAN_OPS_DB", raising=False)
    assert run(["--db", str(bank.db), "users", "add", "wang", "--role", "analyst", "--branch", bank.root,
                "--password-stdin"], monkeypatch, "a-long-password\n") == 0
    assert (bank.db.parent / "bank.ops.sqlite").is_file()


def test_demo_users_one_per_role_with_fresh_passwords(bank: Bank, tmp_path: Path) -> None:
    ops = str(tmp_path / "demo.sqlite")
    first = create_demo_users(str(bank.db), ops)
    assert {r for u in first for r in u.roles} == {"admin", "analyst", "manager", "teller", "supervisor", "auditor"}
    assert len({u.password for u in first}) == len(first) and all(len(u.password) >= 16 for u in first)
    outlet = next(u for u in first if u.username == "demo-outlet")
    assert outlet.branch_id != next(u for u in first if u.username == "demo-analyst").branch_id
    again = create_demo_users(str(bank.db), ops)
    store = OpsStore.open(ops)
    for old, new in zip(first, again, strict=True):
        assert old.password != new.password
        assert verify_password(store.password_hash(new.username), new.password)
        assert not verify_password(store.password_hash(old.username), old.password)
