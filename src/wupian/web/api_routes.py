"""The stable JSON API of the spec: ``/api/session``, ``/api/indicators``, ``/api/loans/{id}``,
``/api/accounts/{id}/recurring`` (and ``/api/me``, ``/api/jobs/{id}``). Every answer is scoped to the user's
branch subtree; an object outside it answers exactly like an unknown one (404, same body)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from wupian import api
from wupian.monitor.recurring.api import find_streams
from wupian.ops import Session
from wupian.ops.roles import role
from wupian.web.errors import ApiError, not_found
from wupian.web.params import branch_in_scope, jsonable, parse_date, parse_profile
from wupian.web.security import audit, ctx, current_session, login, logout, require, set_session_cookie

router = APIRouter()


class Credentials(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


def user_view(session: Session) -> dict[str, Any]:
    u = session.user
    return {"username": u.username, "branch_id": u.branch_id, "roles": list(u.roles),
            "roles_zh": [role(r).zh for r in u.roles]}


@router.post("/api/session")
async def create_session(request: Request, credentials: Credentials) -> Response:
    session = await login(request, credentials.username, credentials.password)
    response = JSONResponse({"user": user_view(session), "csrf_token": session.csrf_token,
                             "expires_at": session.expires_at.isoformat() + "Z"})
    set_session_cookie(response, request, session)
    return response


@router.delete("/api/session", status_code=204)
def delete_session(request: Request, session: Session = Depends(current_session)) -> Response:  # noqa: B008
    logout(request, session)
    response = Response(status_code=204)
    response.delete_cookie("wupian_session", path="/")
    return response


@router.get("/api/me")
def me(session: Session = Depends(current_session)) -> dict[str, Any]:  # noqa: B008
    return {"user": user_view(session), "csrf_token": session.csrf_token}


def _indicator_query(request: Request, day_text: str, branch: str | None, ids: list[str] | None,
                     profile_text: str | None, session: Session) -> tuple[tuple[Any, ...], Any]:
    """The cache key of an indicator list (after the scope checks) and the function computing it."""
    data = ctx(request).data
    if day_text:
        day = parse_date(day_text)
    else:
        with data.reader() as wh:
            day = parse_date(None, wh)
    node = branch_in_scope(None, day, session, branch, data)
    profile = parse_profile(profile_text)
    key = ("indicators", day, node, profile, tuple(sorted(ids)) if ids else None)

    def compute(wh: api.Warehouse) -> list[dict[str, Any]]:
        result = api.compute_indicators(wh, day, branch_id=node, profile=profile, ids=ids, store=False)
        return [{"as_of": r.as_of.isoformat(), "branch_id": r.branch_id, "indicator_id": r.indicator_id,
                 "value": api.indicator_value_text(r.value) if r.value is not None else None, "unit": r.unit,
                 "unavailable_reason": r.unavailable_reason} for r in result.rows]

    return key, compute


def indicator_rows(request: Request, day_text: str, branch: str | None, ids: list[str] | None,
                   profile_text: str | None, session: Session) -> list[dict[str, Any]]:
    """The indicator list for the subtree (cached per published generation)."""
    key, compute = _indicator_query(request, day_text, branch, ids, profile_text, session)
    return ctx(request).data.cached(key, compute)  # type: ignore[no-any-return]


def indicator_json(request: Request, day_text: str, branch: str | None, ids: list[str] | None,
                   profile_text: str | None, session: Session) -> bytes:
    """The same list encoded once per generation (encoding thousands of dicts costs more than looking them up)."""
    key, compute = _indicator_query(request, day_text, branch, ids, profile_text, session)
    data = ctx(request).data

    def encode(_wh: api.Warehouse) -> bytes:
        rows = data.cached(key, compute)
        return json.dumps(rows, ensure_ascii=False, separators=(",", ":")).encode()

    return data.cached(("json", *key), encode)  # type: ignore[no-any-return]


@router.get("/api/indicators")
def indicators(
    request: Request,
    as_of: str,
    branch: str | None = None,
    id: list[str] | None = Query(None),  # noqa: A002,B008 — the spec's parameter name
    profile: str | None = None,
    session: Session = Depends(require("indicators.read")),  # noqa: B008
) -> Response:
    return Response(indicator_json(request, as_of, branch, id, profile, session), media_type="application/json")


def loan_detail(request: Request, loan_id: str, as_of: str | None, profile_text: str | None,
                session: Session) -> dict[str, Any]:
    """A loan and its tags with reasons and citations; 404 when unknown or outside the subtree (audited)."""
    profile = parse_profile(profile_text)
    with ctx(request).data.scratch_reader() as wh:
        day = parse_date(as_of, wh)
        branch = api.loan_branch(wh, day, loan_id)
        if branch is None or not api.in_subtree(wh, day, session.user.branch_id, branch):
            audit(request, "loan.view", outcome="not_found", object_type="loan", object_id=loan_id,
                  as_of=day.isoformat())
            raise not_found()
        explanation = api.explain_loan(wh, day, loan_id, profile)
    audit(request, "loan.view", object_type="loan", object_id=loan_id, as_of=day.isoformat())
    out = jsonable(explanation)
    out["branch_id"] = branch
    return out  # type: ignore[no-any-return]


@router.get("/api/loans/{loan_id}")
def loan(request: Request, loan_id: str, as_of: str | None = None, profile: str | None = None,
         session: Session = Depends(require("loans.read"))) -> dict[str, Any]:  # noqa: B008
    return loan_detail(request, loan_id, as_of, profile, session)


def recurring_streams(request: Request, account_id: str, session: Session) -> list[dict[str, Any]]:
    with ctx(request).data.reader() as wh:
        branch = api.account_branch(wh, account_id)
        if branch is None or not api.in_subtree(wh, parse_date(None, wh), session.user.branch_id, branch):
            audit(request, "account.recurring", outcome="not_found", object_type="account", object_id=account_id)
            raise not_found()
        streams = find_streams(wh, account_id)
    audit(request, "account.recurring", object_type="account", object_id=account_id, streams=len(streams))
    return [jsonable(s) for s in streams]


@router.get("/api/accounts/{account_id}/recurring")
def recurring(request: Request, account_id: str,
              session: Session = Depends(require("accounts.read"))) -> dict[str, Any]:  # noqa: B008
    return {"account_id": account_id, "streams": recurring_streams(request, account_id, session)}


@router.get("/api/jobs/{job_id}")
def job(request: Request, job_id: int,
        session: Session = Depends(require("month_end.run"))) -> dict[str, Any]:  # noqa: B008
    found = ctx(request).jobs.get(job_id)
    if found is None:
        raise ApiError(404)
    return found.view()  # type: ignore[no-any-return]
