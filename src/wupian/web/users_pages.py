"""用户管理 (admin only, ``users.manage``): list the users of the admin's subtree, add one, change roles, disable or
enable, reset a password. The same ``OpsStore`` methods as ``wupian users``; a role, password or status change
ends that user's sessions. A generated password is shown once, never stored in clear. Every change — and every
refused one — is written to the audit log. A user bound outside the admin's subtree answers like an unknown one.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse
from starlette.concurrency import run_in_threadpool

from wupian.core.errors import UsageError
from wupian.ops import ROLES, Session, role
from wupian.web.cases_api import subtree
from wupian.web.errors import ApiError, not_found
from wupian.web.pages import render
from wupian.web.security import audit, ctx, current_session, require

router = APIRouter()
ACTIONS = ("add", "set_roles", "disable", "enable", "reset_password")


def _page(request: Request, session: Session, *, message: str | None = None, error: str | None = None,
          password: tuple[str, str] | None = None, status: int = 200) -> Response:
    branches = set(subtree(request, session))
    users = [u for u in ctx(request).store.users() if u.branch_id in branches]
    page = render(request, "users.html", session, users=users, roles=[(r, role(r).zh) for r in ROLES],
                  role_zh={r: role(r).zh for r in ROLES}, message=message, error=error, password=password)
    page.status_code = status
    return page


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, session: Session = Depends(require("users.manage"))) -> Response:  # noqa: B008
    return _page(request, session)


def change(request: Request, session: Session, form: dict[str, Any]) -> tuple[str, tuple[str, str] | None]:
    """Apply one user change; (message, (name, generated password) or None). ApiError/UsageError otherwise."""
    store = ctx(request).store
    action, name = form["action"], form["username"]
    branches = set(subtree(request, session))
    if action not in ACTIONS:
        raise ApiError(422, "未知操作", code="invalid")
    roles = form["roles"]
    if action == "add":
        if form["branch_id"] not in branches:
            raise ApiError(403, "该机构不在您的管辖范围内")
        password = form["password"] or secrets.token_urlsafe(12)
        store.add_user(name, roles, form["branch_id"], password)
        audit(request, "user.add", object_type="user", object_id=name, roles=list(roles), branch=form["branch_id"])
        return f"已创建用户 {name}", (name, password) if not form["password"] else None
    target = store.find_user(name)
    if target is None or target.branch_id not in branches:
        raise not_found()
    if name == session.user.username and action in ("disable", "set_roles"):
        raise ApiError(409, "不能停用自己或修改自己的角色（请由另一位管理员操作）")
    if action == "set_roles":
        store.set_roles(name, roles)
        audit(request, "user.set_roles", object_type="user", object_id=name, roles=list(roles))
        return f"已修改 {name} 的角色（其会话已失效）", None
    if action in ("disable", "enable"):
        store.set_disabled(name, action == "disable")
        audit(request, f"user.{action}", object_type="user", object_id=name)
        return f"已{'停用' if action == 'disable' else '启用'} {name}", None
    password = secrets.token_urlsafe(12)
    store.set_password(name, password)
    audit(request, "user.reset_password", object_type="user", object_id=name)
    return f"已重置 {name} 的密码（其会话已失效）", (name, password)


@router.post("/users", response_class=HTMLResponse)
async def users_change(request: Request, session: Session = Depends(current_session)) -> Response:  # noqa: B008
    if not session.user.can("users.manage"):
        raise ApiError(403)
    raw = await request.form()
    form = {"action": str(raw.get("action") or ""), "username": str(raw.get("username") or "").strip(),
            "branch_id": str(raw.get("branch_id") or "").strip(), "password": str(raw.get("password") or ""),
            "roles": [str(r) for r in raw.getlist("roles")]}
    try:
        message, password = await run_in_threadpool(change, request, session, form)
    except (ApiError, UsageError) as exc:
        status = exc.status if isinstance(exc, ApiError) else 422
        text = exc.message if isinstance(exc, ApiError) else str(exc)
        await run_in_threadpool(lambda: audit(request, f"user.{form['action'] or 'change'}", outcome="refused",
                                              object_type="user", object_id=form["username"], reason=text))
        if status == 404:
            raise
        return await run_in_threadpool(lambda: _page(request, session, error=text, status=status))
    return await run_in_threadpool(lambda: _page(request, session, message=message, password=password))
