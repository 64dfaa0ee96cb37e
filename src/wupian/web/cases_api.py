"""Counter screening and the anti-fraud case queue in the JSON API: ``POST /api/screenings``, ``GET /api/cases``,
``GET /api/cases/{id}``, ``POST /api/cases/{id}/transitions``. The pages (``cases_pages.py``) call the same
functions below.

* Scope: a screening is for an account of the user's subtree (else 404, exactly like an unknown account) at a
  counter of the subtree (else 403); a case outside the subtree — or, for a teller, not one of their own — answers
  404 like an unknown one.
* Roles (roles.yaml): ``screening.run`` screens; ``cases.queue`` works the queue of the subtree; ``cases.own`` a
  teller's own cases (those they opened or moved); ``cases.approve`` gives the second approval; ``cases.read``
  (auditors) reads every case of the subtree and moves none (a transition answers 403, audited as refused).
* Second approval: closing a ``high``/``block`` case is first *proposed* (202, nothing in the history yet) and
  recorded only when a second person with ``cases.approve`` approves it by posting the same closing; the history
  then names both (``actor`` and ``second_actor``). A transition not allowed from the current state is 409.
* The state machine is ``wupian.monitor.screening.move``, the same as ``wupian cases move``; cases live in the
  operational store (``wupian.ops.OpsCaseStore``).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from wupian import api
from wupian.core.errors import UsageError
from wupian.monitor.screening import Case, move, open_or_join, screen_request
from wupian.monitor.screening.cases import TRANSITIONS
from wupian.monitor.screening.model import BAND_ZH, CASE_STATE_ZH, CASE_STATES, OUTCOME_ZH
from wupian.ops import OpsCaseStore, PendingClose, Session
from wupian.web.errors import ApiError, not_found
from wupian.web.params import jsonable, parse_date
from wupian.web.security import audit, ctx, current_session, require

router = APIRouter()
CASE_PERMISSIONS = ("cases.queue", "cases.own", "cases.read")
MOVE_PERMISSIONS = ("cases.queue", "cases.own")


def case_store(request: Request) -> OpsCaseStore:
    return OpsCaseStore(ctx(request).store)


def subtree(request: Request, session: Session) -> list[str]:
    """The branch ids of the user's subtree at the newest month-end (cached per published copy)."""
    data = ctx(request).data
    day = data.cached(("latest",), api.latest_as_of)
    if day is None:
        return [session.user.branch_id]
    tree = data.cached(("tree", day, session.user.branch_id),
                       lambda w: api.branch_tree(w, day, session.user.branch_id))
    return [n["branch_id"] for n in tree] or [session.user.branch_id]


def may_move(session: Session) -> bool:
    """Whether the user may move cases at all (auditors, with ``cases.read`` only, may not)."""
    return any(session.user.can(p) for p in MOVE_PERMISSIONS)


def case_filter(request: Request, session: Session, *, to_move: bool = False) -> dict[str, Any]:
    """What the user may see of the queue (or, with ``to_move``, move): the subtree, and for a teller only their
    own cases. Reading with ``cases.read`` covers the subtree; it never lets anyone move a case."""
    if session.user.can("cases.queue") or (not to_move and session.user.can("cases.read")):
        return {"branch_ids": subtree(request, session)}
    if session.user.can("cases.own"):
        return {"branch_ids": subtree(request, session), "actor": session.user.username}
    raise ApiError(403)


def require_cases(session: Session = Depends(current_session)) -> Session:  # noqa: B008
    if not any(session.user.can(p) for p in CASE_PERMISSIONS):
        raise ApiError(403)
    return session


# -- screening ----------------------------------------------------------------------------------------------
def screen(request: Request, session: Session, body: dict[str, Any]) -> dict[str, Any]:
    """Screen one counter request for the user; opens (or joins) a case at ``medium`` or above."""
    raw = {k: v for k, v in body.items() if v not in (None, "")}
    raw.setdefault("request_id", f"W{datetime.now():%Y%m%d%H%M%S}{secrets.token_hex(3).upper()}")
    raw.setdefault("requested_at", datetime.now().replace(microsecond=0).isoformat(sep=" "))
    raw.setdefault("branch_id", session.user.branch_id)
    raw.setdefault("teller_id", session.user.username)
    raw.setdefault("channel", "counter")
    observations = raw.pop("observations", None) or []
    if not isinstance(observations, list):
        raise ApiError(422, "observations 应为清单代码的列表", code="invalid")
    store = case_store(request)
    with ctx(request).data.reader() as wh:
        day = api.latest_as_of(wh)
        if day is None:
            raise ApiError(404, "仓库中还没有月末数据", code="no_data")
        branch = str(raw["branch_id"])
        if not api.in_subtree(wh, day, session.user.branch_id, branch):
            raise ApiError(403, "受理机构不在您的管辖范围内")
        account = str(raw.get("account_id") or "")
        owner = api.account_branch(wh, account) if account else None
        if account and (owner is None or not api.in_subtree(wh, day, session.user.branch_id, owner)):
            audit(request, "screening.run", outcome="not_found", object_type="account", object_id=account)
            raise not_found()
        decision = screen_request(wh, raw, observations, cases=store)
    case = open_or_join(store, decision, actor=session.user.username)
    audit(request, "screening.run", object_type="account", object_id=decision.account_id,
          request_id=decision.request_id, band=decision.band, score=decision.score,
          case=case.case_id if case else None)
    return decision.as_json() | {"case_id": case.case_id if case else None}


@router.post("/api/screenings")
async def create_screening(request: Request, session: Session = Depends(require("screening.run"))) -> Response:  # noqa: B008
    try:
        body = await request.json()
    except ValueError:
        raise ApiError(422, "请求体应为 JSON 对象", code="invalid") from None
    if not isinstance(body, dict):
        raise ApiError(422, "请求体应为 JSON 对象", code="invalid")
    from starlette.concurrency import run_in_threadpool

    return JSONResponse(await run_in_threadpool(screen, request, session, body))


# -- cases --------------------------------------------------------------------------------------------------
def case_json(case: Case) -> dict[str, Any]:
    out = jsonable(case)
    out.update(band_zh=BAND_ZH.get(case.band, case.band), state_zh=CASE_STATE_ZH[case.state],
               outcome_zh=OUTCOME_ZH.get(case.outcome or ""), allowed=list(TRANSITIONS[case.state]))
    return out  # type: ignore[no-any-return]


def visible_case(request: Request, session: Session, case_id: str, *, to_move: bool = False) -> Case:
    """The case if the user may see (or move) it; 404 (same as unknown) otherwise."""
    found = case_store(request).cases(case_id=case_id, **case_filter(request, session, to_move=to_move))
    if not found:
        audit(request, "case.view", outcome="not_found", object_type="case", object_id=case_id)
        raise not_found()
    return found[0]


def queue(request: Request, session: Session, state: str | None = None, date_from: str | None = None,
          date_to: str | None = None) -> list[Case]:
    """The cases the user may see (filtered); the look-up is audited (``case.list``, with how many were shown)."""
    if state and state not in CASE_STATES:
        raise ApiError(422, f"state 应为 {'、'.join(CASE_STATES)} 之一", code="invalid")
    found = case_store(request).cases(state=state or None,
                                      date_from=parse_date(date_from) if date_from else None,
                                      date_to=parse_date(date_to) if date_to else None,
                                      **case_filter(request, session))
    audit(request, "case.list", object_type="case", state=state or None, date_from=date_from or None,
          date_to=date_to or None, cases=len(found))
    return found


@router.get("/api/cases")
def list_cases(request: Request, state: str | None = None, date_from: str | None = None, date_to: str | None = None,
               session: Session = Depends(require_cases)) -> dict[str, Any]:  # noqa: B008
    cases = queue(request, session, state, date_from, date_to)
    return {"cases": [case_json(c) for c in cases]}


def case_detail(request: Request, session: Session, case_id: str) -> dict[str, Any]:
    case = visible_case(request, session, case_id)
    store = case_store(request)
    pending = store.pending_close(case_id)
    audit(request, "case.view", object_type="case", object_id=case_id)
    return case_json(case) | {"decisions": store.decisions(case_id),
                              "pending_close": jsonable(pending) if pending else None}


@router.get("/api/cases/{case_id}")
def show_case(request: Request, case_id: str, session: Session = Depends(require_cases)) -> dict[str, Any]:  # noqa: B008
    return case_detail(request, session, case_id)


class Transition(BaseModel):
    to: str = Field(min_length=1, max_length=32)
    note: str = Field("", max_length=2000)
    outcome: str | None = Field(None, max_length=32)
    amount: str | None = Field(None, max_length=40)
    reopen_on: str | None = Field(None, max_length=10)
    exempt_days: int | None = Field(None, ge=1, le=3650)


class _DryRun:
    """A repository that reads the real store and records nothing: checks a proposed closing with ``move``."""

    def __init__(self, store: OpsCaseStore) -> None:
        self.store = store

    def cases(self, **kw: Any) -> list[Case]:
        return self.store.cases(**kw)

    def append(self, event: Any) -> None:
        return None


def _amount(text: str | None) -> Decimal | None:
    if text in (None, ""):
        return None
    try:
        value = Decimal(str(text).replace(",", ""))
    except InvalidOperation:
        raise ApiError(422, f"金额应为元，收到 {text!r}", code="invalid") from None
    if not value.is_finite():
        raise ApiError(422, f"金额应为元，收到 {text!r}", code="invalid")
    return value


def refuse_read_only(request: Request, session: Session, case_id: str, to: str | None) -> None:
    """403 (audited) for a user who may read cases but move none (auditors) — before anything is looked up."""
    if not may_move(session):
        audit(request, "case.transition", outcome="forbidden", object_type="case", object_id=case_id, to=to)
        raise ApiError(403, "只读角色不能变更案件状态")


def transition(request: Request, session: Session, case_id: str, t: Transition) -> tuple[int, dict[str, Any]]:
    """Apply (or, for closing a high/block case, propose or approve) one transition: (status, body)."""
    refuse_read_only(request, session, case_id, t.to)
    case = visible_case(request, session, case_id, to_move=True)
    store = case_store(request)
    user = session.user.username
    if t.to not in CASE_STATES:
        raise ApiError(422, f"to 应为 {'、'.join(CASE_STATES)} 之一", code="invalid")
    if t.to not in TRANSITIONS[case.state]:
        audit(request, "case.transition", outcome="conflict", object_type="case", object_id=case_id,
              from_state=case.state, to=t.to)
        raise ApiError(409, f"案件当前为{CASE_STATE_ZH[case.state]}，不能转为{CASE_STATE_ZH[t.to]}；可转为："
                       + "、".join(CASE_STATE_ZH[s] for s in TRANSITIONS[case.state]))
    amount = _amount(t.amount)
    reopen_on: date | None = parse_date(t.reopen_on) if t.reopen_on else None
    try:
        if t.to == "closed" and case.band in ("high", "block"):
            return _second_approval(request, session, case, t, amount, store)
        moved = move(store, case_id, t.to, actor=user, note=t.note, outcome=t.outcome, amount=amount,
                     reopen_on=reopen_on, exempt_days=t.exempt_days)
    except UsageError as exc:
        raise ApiError(422, str(exc), code="invalid") from None
    audit(request, "case.transition", object_type="case", object_id=case_id, from_state=case.state, to=t.to,
          outcome_code=t.outcome)
    return 200, case_json(moved)


def _second_approval(request: Request, session: Session, case: Case, t: Transition, amount: Decimal | None,
                     store: OpsCaseStore) -> tuple[int, dict[str, Any]]:
    user = session.user.username
    pending = store.pending_close(case.case_id)
    if pending is None or pending.actor == user:
        # first person: check everything ``move`` checks (with a stand-in second person), then wait for approval
        move(_DryRun(store), case.case_id, "closed", actor=user, note=t.note, outcome=t.outcome,  # type: ignore[arg-type]
             amount=amount, exempt_days=t.exempt_days, second_actor=f"{user}+approver")
        proposal = PendingClose(case.case_id, user, str(t.outcome), amount, t.note.strip(), t.exempt_days,
                                datetime.now().replace(microsecond=0))
        store.propose_close(proposal)
        audit(request, "case.close_proposed", object_type="case", object_id=case.case_id, outcome_code=t.outcome)
        return 202, case_json(case) | {"pending_close": jsonable(proposal),
                                       "message": f"{BAND_ZH[case.band]}案件结案需第二人（主管）复核"}
    if not session.user.can("cases.approve"):
        raise ApiError(403, "结案复核需主管/反诈专员")
    if t.outcome and t.outcome != pending.outcome:
        raise ApiError(409, f"待复核的结案结论为{OUTCOME_ZH.get(pending.outcome, pending.outcome)}，与提交的不一致")
    note = pending.note + (f"；复核：{t.note.strip()}" if t.note.strip() else "")
    moved = move(store, case.case_id, "closed", actor=pending.actor, note=note, outcome=pending.outcome,
                 amount=pending.amount, exempt_days=pending.exempt_days, second_actor=user)
    audit(request, "case.transition", object_type="case", object_id=case.case_id, from_state=case.state,
          to="closed", outcome_code=pending.outcome, proposed_by=pending.actor, approved_by=user)
    return 200, case_json(moved)


@router.post("/api/cases/{case_id}/transitions")
def post_transition(request: Request, case_id: str, t: Transition,
                    session: Session = Depends(require_cases)) -> Response:  # noqa: B008
    status, body = transition(request, session, case_id, t)
    return JSONResponse(body, status_code=status)

