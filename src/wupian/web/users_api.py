"""``GET /api/users`` and ``GET /api/users/{username}``: the users of an admin's subtree as JSON (``users.manage``).

The spec's API table (``spec/web.md``) names no user route; admins manage users on the 用户管理 page and with
``wupian users``. So the JSON API only *reads*: a list for the bank's other systems (e.g. a periodic access
review), never a change — creating, disabling and role changes stay on the page and the CLI, where they are
audited as ``user.*``. A user bound outside the admin's subtree answers exactly like an unknown name (404), and
every look-up is written to the audit log (``user.list``, ``user.view``). Never a password hash.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from wupian.ops import Session, User, role
from wupian.web.cases_api import subtree
from wupian.web.errors import not_found
from wupian.web.security import audit, ctx, require

router = APIRouter()


def user_json(user: User) -> dict[str, Any]:
    return {"username": user.username, "branch_id": user.branch_id, "roles": list(user.roles),
            "roles_zh": [role(r).zh for r in user.roles], "disabled": user.disabled,
            "created_at": user.created_at.isoformat() + "Z", "updated_at": user.updated_at.isoformat() + "Z"}


def users_in_scope(request: Request, session: Session) -> list[User]:
    """The users bound to a branch of the admin's subtree (at the newest month-end), by name."""
    branches = set(subtree(request, session))
    return [u for u in ctx(request).store.users() if u.branch_id in branches]


@router.get("/api/users")
def list_users(request: Request, session: Session = Depends(require("users.manage"))) -> dict[str, Any]:  # noqa: B008
    users = users_in_scope(request, session)
    audit(request, "user.list", object_type="user", users=len(users))
    return {"users": [user_json(u) for u in users]}


@router.get("/api/users/{username}")
def show_user(request: Request, username: str,
              session: Session = Depends(require("users.manage"))) -> dict[str, Any]:  # noqa: B008
    found = next((u for u in users_in_scope(request, session) if u.username == username), None)
    if found is None:
        audit(request, "user.view", outcome="not_found", object_type="user", object_id=username)
        raise not_found()
    audit(request, "user.view", object_type="user", object_id=username)
    return user_json(found)
