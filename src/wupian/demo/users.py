"""Demo users for the web app: one per role, bound to branches of the demo bank (the head office, a city
branch, an outlet), with passwords generated here and shown once. Re-running the demo resets their passwords."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from pathlib import Path

from wupian.api import branch_tree, latest_as_of, open_warehouse
from wupian.ops import OpsStore, default_ops_dsn


@dataclass(frozen=True, slots=True)
class DemoUser:
    username: str
    roles: tuple[str, ...]
    branch_id: str
    branch_name: str
    password: str


def _branches(db_path: str) -> tuple[dict[str, str], str, str, str]:
    with open_warehouse(db_path) as wh:
        day = latest_as_of(wh)
        tree = branch_tree(wh, day) if day else []
    if not tree:
        raise ValueError("the demo warehouse has no branches")
    names = {n["branch_id"]: n["name"] for n in tree}
    root = next(n["branch_id"] for n in tree if not n["parent_id"])
    city = next((n["branch_id"] for n in tree if n["level"] == "city"), root)
    outlet = next((n["branch_id"] for n in tree if n["parent_id"] == city and n["level"] == "outlet"), city)
    return names, root, city, outlet


def create_demo_users(db_path: str, ops_dsn: str | None = None) -> list[DemoUser]:
    """Create (or reset) the demo users in the operational store beside ``db_path``; passwords are random."""
    names, root, city, outlet = _branches(db_path)
    plan = (("demo-admin", ("admin",), root), ("demo-analyst", ("analyst",), root),
            ("demo-manager", ("manager",), city), ("demo-outlet", ("manager",), outlet),
            ("demo-teller", ("teller",), outlet), ("demo-supervisor", ("supervisor",), city),
            ("demo-auditor", ("auditor",), root))
    store = OpsStore.open(ops_dsn or default_ops_dsn(str(Path(db_path))))
    try:
        out = []
        for name, roles, branch in plan:
            password = secrets.token_urlsafe(12)
            if store.find_user(name) is None:
                store.add_user(name, roles, branch, password)
                action = "user.add"
            else:
                store.set_roles(name, roles)
                store.set_password(name, password)
                store.set_disabled(name, False)
                action = "user.reset_password"
            store.audit(action, actor="wupian demo", object_type="user", object_id=name, address="local",
                        roles=list(roles), branch=branch)
            out.append(DemoUser(name, roles, branch, names.get(branch, branch), password))
        return out
    finally:
        store.close()
