"""Login, sessions, CSRF, permissions and the audit trail of the web app.

* Sessions are server-side (``wupian.ops.sessions``): the cookie holds a random token, the store its hash.
* CSRF: every state-changing request with a session must carry the session's token in the ``X-CSRF-Token``
  header (the API, htmx) or a ``csrf_token`` form field (pages). The login form uses a double-submit cookie;
  ``POST /api/session`` accepts only ``application/json``, which a cross-site form cannot send.
* Throttling: failures per user name and per address; from ``slow_after`` failures answers are delayed, at
  ``refuse_after`` the login is refused with 429 for a while — without checking the password.
* Every login (ok, failed, refused) and every logout is written to the append-only audit log.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from wupian.ops import OpsStore, Session
from wupian.ops.passwords import verify_password
from wupian.ops.sessions import (
    clear_failures,
    create_session,
    end_session,
    lookup_session,
    record_failure,
    throttle_state,
)
from wupian.web.errors import ApiError
from wupian.web.settings import WebSettings

SESSION_COOKIE = "wupian_session"
LOGIN_CSRF_COOKIE = "wupian_login_csrf"
CSRF_HEADER = "x-csrf-token"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Context:
    """What every request handler reaches through ``request.app.state.ctx``."""

    settings: WebSettings
    store: OpsStore
    data: Any  # wupian.web.data.DataSource
    jobs: Any  # wupian.web.jobs.JobRunner


def ctx(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]


def address(request: Request) -> str | None:
    return request.client.host if request.client else None


def audit(request: Request, action: str, *, outcome: str = "ok", object_type: str | None = None,
          object_id: str | None = None, actor: str | None = None, **detail: Any) -> None:
    """Append one line to the audit log: who, when, what, which object, from which address."""
    session: Session | None = getattr(request.state, "session", None)
    who = actor if actor is not None else (session.user.username if session else None)
    ctx(request).store.audit(action, actor=who, outcome=outcome, object_type=object_type, object_id=object_id,
                             address=address(request), **detail)


async def login(request: Request, username: str, password: str) -> Session:
    """Check credentials under the throttle; a new session, or ApiError 401/429 (each attempt audited)."""
    c = ctx(request)
    policy = c.settings.throttle
    keys = [f"user:{username}", f"addr:{address(request)}"]
    refused, failures = await run_in_threadpool(throttle_state, c.store, keys, policy)
    if refused:
        await run_in_threadpool(audit, request, "login", outcome="refused", object_type="user",
                                object_id=username, actor=username)
        raise ApiError(429)
    if failures >= policy.slow_after:
        await asyncio.sleep(policy.slow_seconds)
    user = await run_in_threadpool(c.store.find_user, username)
    stored = await run_in_threadpool(c.store.password_hash, username) if user else None
    ok = await run_in_threadpool(verify_password, stored, password)
    if not ok or user is None or user.disabled:
        await run_in_threadpool(record_failure, c.store, keys, policy)
        reason = "disabled" if (ok and user is not None and user.disabled) else "bad credentials"
        await run_in_threadpool(audit, request, "login", outcome="failed", object_type="user",
                                object_id=username, actor=username, reason=reason)
        raise ApiError(401, "用户名或密码错误", code="bad_credentials")
    await run_in_threadpool(clear_failures, c.store, keys)
    session = await run_in_threadpool(create_session, c.store, user, c.settings.session_ttl, address(request))
    request.state.session = session
    await run_in_threadpool(audit, request, "login", object_type="user", object_id=username)
    return session


def logout(request: Request, session: Session) -> None:
    end_session(ctx(request).store, session.token)
    audit(request, "logout", object_type="user", object_id=session.user.username)


def set_session_cookie(response: Any, request: Request, session: Session) -> None:
    response.set_cookie(SESSION_COOKIE, session.token, max_age=int(ctx(request).settings.session_ttl.total_seconds()),
                        httponly=True, samesite="strict", secure=ctx(request).settings.secure_cookies, path="/")


def optional_session(request: Request) -> Session | None:
    session = lookup_session(ctx(request).store, request.cookies.get(SESSION_COOKIE))
    request.state.session = session
    return session


async def current_session(request: Request) -> Session:
    """The caller's live session (401 otherwise); on unsafe methods also the CSRF check (403)."""
    session = await run_in_threadpool(optional_session, request)
    if session is None:
        raise ApiError(401)
    if request.method in UNSAFE:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None and request.headers.get("content-type", "").startswith(
                ("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            sent = str(form.get("csrf_token") or "")
        if not sent or not secrets.compare_digest(sent, session.csrf_token):
            raise ApiError(403, "缺少或错误的CSRF令牌，请刷新页面后重试", code="csrf")
    return session


def require(permission: str) -> Callable[..., Any]:
    """A dependency: the session of a user whose roles grant ``permission`` (403 otherwise)."""

    async def dependency(session: Session = Depends(current_session)) -> Session:  # noqa: B008
        if not session.user.can(permission):
            raise ApiError(403)
        return session

    return dependency
