"""A tiny demo bank (2 month-ends, scale 0.01) with one user per role, for the web app's tests.

Built once per test session into a temporary folder; each test gets a fresh copy of the operational store
(users with passwords generated here) and an app over the shared warehouse."""

from __future__ import annotations

import secrets
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from wupian.api import branch_tree, classify_missing, latest_as_of, open_warehouse
from wupian.demo import run_demo
from wupian.ops import OpsStore, ThrottlePolicy
from wupian.web.settings import WebSettings


@dataclass(frozen=True)
class Bank:
    db: Path
    out: Path
    as_of: date
    root: str
    city: str  # a city branch with outlets
    outlet: str  # an outlet of ``city``
    other_outlet: str  # an outlet outside ``city``
    loan_in_outlet: str
    loan_elsewhere: str  # a loan booked outside ``city``
    account_in_outlet: str
    account_elsewhere: str


def build_bank(folder: Path) -> Bank:
    db = folder / "bank.duckdb"
    run_demo(str(db), folder / "demo", scale=0.01, months=2, reports=False)
    with open_warehouse(str(db)) as wh:
        classify_missing(wh)
        day = latest_as_of(wh)
        assert day is not None
        tree = branch_tree(wh, day)
        root = next(n["branch_id"] for n in tree if not n["parent_id"])
        counts = {r["branch_id"]: r["n"] for r in wh.rows(
            "SELECT branch_id, count(*) AS n FROM loans WHERE as_of = ? GROUP BY 1", [day])}
        accounts = {r["branch_id"]: r["account_id"] for r in wh.rows(
            "SELECT branch_id, min(account_id) AS account_id FROM accounts a WHERE as_of = ? AND EXISTS "
            "(SELECT 1 FROM transactions t WHERE t.account_id = a.account_id) GROUP BY 1", [day])}
        parent = {n["branch_id"]: n["parent_id"] for n in tree}
        outlets = [n["branch_id"] for n in tree if n["level"] == "outlet" and counts.get(n["branch_id"])
                   and n["branch_id"] in accounts]
        outlet = outlets[0]
        city = parent[outlet]
        other = next(o for o in outlets if parent[o] != city)

        def loan_of(branch: str) -> str:
            return str(wh.scalar("SELECT min(loan_id) FROM loans WHERE as_of = ? AND branch_id = ?", [day, branch]))

        return Bank(db, folder / "demo", day, root, city, outlet, other, loan_of(outlet), loan_of(other),
                    accounts[outlet], accounts[other])


ROLES_AT = {  # user name -> (roles, which branch of the Bank)
    "admin": (("admin",), "root"), "analyst": (("analyst",), "root"), "manager": (("manager",), "city"),
    "outlet": (("manager",), "outlet"), "teller": (("teller",), "outlet"), "supervisor": (("supervisor",), "city"),
    "auditor": (("auditor",), "root"),
}


def make_users(store: OpsStore, bank: Bank) -> dict[str, str]:
    """One user per entry of ROLES_AT with a fresh random password; returns name -> password."""
    out = {}
    for name, (roles, where) in ROLES_AT.items():
        password = secrets.token_urlsafe(12)
        store.add_user(name, roles, getattr(bank, where), password)
        out[name] = password
    return out


def settings(bank: Bank, ops_dsn: str, **kw: object) -> WebSettings:
    base = {"throttle": ThrottlePolicy(slow_after=2, slow_seconds=0.05, refuse_after=4,
                                       refuse_for=timedelta(minutes=5)), "watch_seconds": 0.2,
            "data_root": bank.out}
    base.update(kw)
    return WebSettings(db_path=bank.db, ops_dsn=ops_dsn, **base)  # type: ignore[arg-type]


def copy_bank(bank: Bank, folder: Path) -> Bank:
    """A private copy of the warehouse file (for tests that write to it)."""
    folder.mkdir(parents=True, exist_ok=True)
    db = folder / "bank.duckdb"
    shutil.copyfile(bank.db, db)
    return Bank(db, bank.out, bank.as_of, bank.root, bank.city, bank.outlet, bank.other_outlet, bank.loan_in_outlet,
                bank.loan_elsewhere, bank.account_in_outlet, bank.account_elsewhere)


# -- counter screening requests for the case tests -------------------------------------------------------------
RISKY = ["authority_story", "on_call", "refuses_family_contact", "note_with_account", "anxious"]


def customer_of(bank: Bank, account: str) -> str:
    """The customer holding ``account`` in the bank's warehouse."""
    with open_warehouse(str(bank.db), read_only=True) as wh:
        return str(wh.scalar("SELECT max(customer_id) FROM accounts WHERE account_id = ?", [account]))


def request_for(bank: Bank, account: str, amount: str = "480000.00", observations: list[str] | None = None,
                **extra: str) -> dict[str, object]:
    """A `POST /api/screenings` body: by default a risky transfer (a high alert that opens a case)."""
    return {"account_id": account, "customer_id": customer_of(bank, account), "request_type": "transfer_out",
            "amount": amount, "payee_name": "安全账户", "payee_type": "individual", "stated_purpose": "配合调查",
            "observations": RISKY if observations is None else observations, **extra}
