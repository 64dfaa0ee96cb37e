"""Server-side sessions (only a hash of the cookie is stored) and login throttling, in the operational store.

A session expires ``ttl`` after login and ends on logout or when the user's password, roles or status change
(``OpsStore._change`` deletes them). Throttling counts failed logins per user name and per client address
within a window: from ``slow_after`` failures answers are slowed down, at ``refuse_after`` the key is refused
for ``refuse_for`` (the web app answers 429 without checking the password)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update

from wupian.ops import schema as s
from wupian.ops.store import OpsStore, User, utcnow


@dataclass(frozen=True, slots=True)
class ThrottlePolicy:
    window: timedelta = timedelta(minutes=15)
    slow_after: int = 3
    slow_seconds: float = 1.0
    refuse_after: int = 5
    refuse_for: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class Session:
    token: str  # the cookie value (only returned at creation; lookups return it as given)
    user: User
    csrf_token: str
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(store: OpsStore, user: User, ttl: timedelta, address: str | None) -> Session:
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = utcnow()
    with store.begin() as con:
        con.execute(delete(s.sessions).where(s.sessions.c.expires_at < now))  # tidy expired ones
        con.execute(insert(s.sessions).values(token_hash=_hash(token), user_id=user.id, csrf_token=csrf,
                                              created_at=now, expires_at=now + ttl, address=address))
    return Session(token, user, csrf, now + ttl)


def lookup_session(store: OpsStore, token: str | None) -> Session | None:
    """The live session of ``token``; None when unknown, expired, or its user is disabled."""
    if not token:
        return None
    with store.engine.connect() as con:
        row = con.execute(select(s.sessions).where(s.sessions.c.token_hash == _hash(token))).first()
    if row is None or row.expires_at <= utcnow():
        return None
    user = store.user_by_id(row.user_id)
    if user is None or user.disabled:
        return None
    return Session(token, user, row.csrf_token, row.expires_at)


def end_session(store: OpsStore, token: str) -> None:
    with store.begin() as con:
        con.execute(delete(s.sessions).where(s.sessions.c.token_hash == _hash(token)))


def throttle_state(store: OpsStore, keys: list[str], policy: ThrottlePolicy) -> tuple[bool, int]:
    """(refused now, highest failure count in the window) over ``keys``."""
    now = utcnow()
    with store.engine.connect() as con:
        rows = con.execute(select(s.login_throttle).where(s.login_throttle.c.key.in_(keys))).all()
    refused, failures = False, 0
    for r in rows:
        if r.locked_until is not None and r.locked_until > now:
            refused = True
        if r.first_failure_at > now - policy.window:
            failures = max(failures, r.failures)
    return refused, failures


def record_failure(store: OpsStore, keys: list[str], policy: ThrottlePolicy) -> None:
    now = utcnow()
    with store.begin() as con:
        for key in keys:
            row = con.execute(select(s.login_throttle).where(s.login_throttle.c.key == key)).first()
            if row is None or row.first_failure_at <= now - policy.window:
                if row is not None:
                    con.execute(delete(s.login_throttle).where(s.login_throttle.c.key == key))
                con.execute(insert(s.login_throttle).values(key=key, failures=1, first_failure_at=now,
                                                            locked_until=None))
                failures = 1
            else:
                failures = row.failures + 1
                con.execute(update(s.login_throttle).where(s.login_throttle.c.key == key).values(failures=failures))
            if failures >= policy.refuse_after:
                con.execute(update(s.login_throttle).where(s.login_throttle.c.key == key)
                            .values(locked_until=now + policy.refuse_for))


def clear_failures(store: OpsStore, keys: list[str]) -> None:
    with store.begin() as con:
        con.execute(delete(s.login_throttle).where(s.login_throttle.c.key.in_(keys)))
