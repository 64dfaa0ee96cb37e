"""``wupian users add|list|disable|enable|set-role|reset-password``: the web app's users in the operational
store (SQLite beside the warehouse, or PostgreSQL with ``--ops-db``). Passwords are read from standard input
(``--password-stdin``) and stored only as argon2id hashes. Every change is written to the audit log."""

from __future__ import annotations

import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from wupian.cli.context import db_path
from wupian.core.errors import UsageError
from wupian.ops.roles import ROLES, role

if TYPE_CHECKING:
    from wupian.ops.store import OpsStore

app = typer.Typer(help="Manage the web app's users (roles: " + ", ".join(ROLES) + ").", no_args_is_help=True)

OpsOpt = Annotated[str | None, typer.Option("--ops-db", envvar="WUPIAN_OPS_DB",
                                            help="Operational database: postgresql://… or a SQLite file "
                                                 "(default: beside the warehouse).")]


def _warehouse_path() -> str:
    from wupian.engine.warehouse import default_db_path

    return db_path() or default_db_path()


def open_store(ops_db: str | None) -> OpsStore:
    from wupian.ops.store import OpsStore, default_ops_dsn

    return OpsStore.open(ops_db or default_ops_dsn(_warehouse_path()))


def _password(from_stdin: bool) -> str:
    if from_stdin:
        text = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        text = getpass.getpass("password: ")
        if getpass.getpass("again: ") != text:
            raise UsageError("the two passwords differ")
    else:
        raise UsageError("give --password-stdin to read the password from standard input")
    if not text:
        raise UsageError("empty password")
    return text


def _audit(store: OpsStore, action: str, name: str, **detail: object) -> None:
    store.audit(action, actor=f"cli:{getpass.getuser()}", object_type="user", object_id=name, address="local",
                **detail)


def _check_branch(branch: str) -> None:
    """When the warehouse exists, the branch must be in its newest snapshot (a typo would bind a user to nothing)."""
    path = Path(_warehouse_path())
    if not path.is_file():
        return
    from wupian.api import branch_tree, latest_as_of, open_warehouse

    with open_warehouse(str(path), read_only=True) as wh:
        day = latest_as_of(wh)
        known = {n["branch_id"] for n in branch_tree(wh, day)} if day else set()
    if day and branch not in known:
        raise UsageError(f"--branch {branch!r} is not a branch of the warehouse at {day.isoformat()}")


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="User name (letters, digits, . _ -).")],
    roles: Annotated[str, typer.Option("--role", help="Role, or several separated by commas.")],
    branch: Annotated[str, typer.Option("--branch", help="Branch id the user is bound to (sees its subtree).")],
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    ops_db: OpsOpt = None,
) -> None:
    """Create a user bound to one branch with one or more roles."""
    _check_branch(branch)
    store = open_store(ops_db)
    user = store.add_user(name, roles.split(","), branch, _password(password_stdin))
    _audit(store, "user.add", name, roles=list(user.roles), branch=branch)
    typer.echo(f"added {user.username} ({', '.join(user.roles)}) at branch {user.branch_id}")


@app.command("list")
def list_users(ops_db: OpsOpt = None) -> None:
    """List the users with their roles, branch and status."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title="用户")
    for col in ("user", "roles", "branch", "status", "updated (UTC)"):
        table.add_column(col)
    for u in open_store(ops_db).users():
        table.add_row(u.username, ", ".join(f"{r} {role(r).zh}" for r in u.roles), u.branch_id,
                      "disabled" if u.disabled else "active", u.updated_at.strftime("%Y-%m-%d %H:%M"))
    Console().print(table)


@app.command("disable")
def disable(name: str, ops_db: OpsOpt = None) -> None:
    """Disable a user (their sessions end at once)."""
    store = open_store(ops_db)
    store.set_disabled(name, True)
    _audit(store, "user.disable", name)
    typer.echo(f"disabled {name}")


@app.command("enable")
def enable(name: str, ops_db: OpsOpt = None) -> None:
    """Enable a disabled user again."""
    store = open_store(ops_db)
    store.set_disabled(name, False)
    _audit(store, "user.enable", name)
    typer.echo(f"enabled {name}")


@app.command("set-role")
def set_role(name: str, roles: Annotated[str, typer.Argument(help="Role(s), comma-separated.")],
             ops_db: OpsOpt = None) -> None:
    """Replace a user's roles (their sessions end)."""
    store = open_store(ops_db)
    user = store.set_roles(name, roles.split(","))
    _audit(store, "user.set_role", name, roles=list(user.roles))
    typer.echo(f"{name}: {', '.join(user.roles)}")


@app.command("reset-password")
def reset_password(
    name: str,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from stdin.")] = False,
    ops_db: OpsOpt = None,
) -> None:
    """Set a new password (their sessions end)."""
    store = open_store(ops_db)
    store.set_password(name, _password(password_stdin))
    _audit(store, "user.reset_password", name)
    typer.echo(f"password of {name} reset")


def register(root: typer.Typer) -> None:
    """Add ``users`` to the root app."""
    root.add_typer(app, name="users")
