"""反诈案件 (the case queue, a case with its alerts, reasons and immutable history, the move form — not shown to
read-only auditors) and the screening form of 柜面工具 (the teller card, in Chinese, with the same lines as
``wupian screen``). The pages call the functions of ``cases_api`` — the same code as the JSON API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool

from wupian.contract import table as contract_table
from wupian.monitor.screening import default_rulebook
from wupian.monitor.screening.explain import fmt
from wupian.monitor.screening.model import BAND_ZH, CASE_STATE_ZH, CASE_STATES, OUTCOME_ZH
from wupian.ops import Session
from wupian.web.api_routes import indicator_rows
from wupian.web.cases_api import (
    Transition,
    case_detail,
    case_filter,
    case_store,
    may_move,
    queue,
    refuse_read_only,
    require_cases,
    screen,
    transition,
)
from wupian.web.errors import ApiError
from wupian.web.pages import render
from wupian.web.security import current_session, require

router = APIRouter()
REQUESTS = contract_table("screening_requests")
FORM_FIELDS = ("account_id", "customer_id", "request_type", "amount", "payee_name", "payee_account", "payee_bank",
               "payee_type", "stated_purpose", "appointment_purpose", "accompanied_by")
FRAUD_IDS = ("fraud.screened", "fraud.alerts_medium", "fraud.alerts_high", "fraud.alert_rate", "fraud.cases_opened",
             "fraud.police_contacted", "fraud.prevented_count", "fraud.prevented_amount", "fraud.lost_count",
             "fraud.lost_amount", "fraud.not_fraud_count", "fraud.median_minutes_to_police")


def enum_zh(column: str) -> list[tuple[str, str]]:
    return [(e.value, e.zh) for e in REQUESTS.column(column).enum]


TYPE_ZH = dict(enum_zh("request_type"))


def card(d: dict[str, Any]) -> dict[str, Any]:
    """The teller card of a decision (JSON form): the same lines as ``wupian screen``'s card."""
    reasons = [f"{r['text']}（{r['label']}，{'+' if r['points'] > 0 else ''}{r['points']}分）" for r in d["reasons"]]
    return {
        "head": f"申请 {d['request_id']}　{TYPE_ZH.get(d['request_type'], d['request_type'])} "
                f"{fmt(d['amount'], 'wan')}万元　客户 {d['customer_id']}　账号 {d['account_id']}",
        "band": f"{BAND_ZH[d['band']]}（{d['band']}）", "score": d["score"], "typology": d.get("typology_zh"),
        "action": d["action"], "reasons": reasons, "context": list(d["context"]), "case_id": d.get("case_id"),
        "version": d["rulebook_version"], "band_code": d["band"],
    }


def teller_context(request: Request, session: Session) -> dict[str, Any]:
    own = []
    if session.user.can("cases.own") or session.user.can("cases.queue"):
        own = list(reversed(case_store(request).cases(**case_filter(request, session))))[:20]
    return {"can_screen": session.user.can("screening.run"), "checklist": default_rulebook().checklist,
            "types": enum_zh("request_type"), "accompanied": enum_zh("accompanied_by"),
            "payee_types": enum_zh("payee_type"), "own_cases": own, "state_zh": CASE_STATE_ZH, "band_zh": BAND_ZH}


@router.post("/teller/screen", response_class=HTMLResponse)
async def teller_screen(request: Request, session: Session = Depends(require("screening.run"))) -> Response:  # noqa: B008
    form = await request.form()
    body: dict[str, Any] = {k: str(form.get(k) or "").strip() for k in FORM_FIELDS}
    body["observations"] = [str(v) for v in form.getlist("observations")]
    result, error, status = None, None, 200
    try:
        result = card(await run_in_threadpool(screen, request, session, body))
    except ApiError as exc:
        if exc.status not in (403, 404, 422):
            raise
        error, status = ("未找到该账户（或不在本机构管辖范围内）。" if exc.status == 404 else exc.message), exc.status
    except Exception as exc:  # DataError: located issues a teller can fix
        from wupian.core.errors import DataError

        if not isinstance(exc, DataError):
            raise
        error, status = "申请信息有误：" + "；".join(i.message for i in exc.issues), 422
    ctx_ = await run_in_threadpool(teller_context, request, session)
    page = render(request, "teller.html", session, account="", streams=None, missing=False, form=body,
                  result=result, screen_error=error, **ctx_)
    page.status_code = status
    return page


@router.get("/cases", response_class=HTMLResponse)
def cases_page(request: Request, state: str | None = None,
               session: Session = Depends(require_cases)) -> Response:  # noqa: B008
    everything = queue(request, session)
    counts = {s: sum(1 for c in everything if c.state == s) for s in CASE_STATES}
    shown = [c for c in everything if state is None or c.state == state] if state in (None, *CASE_STATES) else []
    shown = sorted(shown, key=lambda c: (c.case_day, c.case_id), reverse=True)[:300]
    fraud = []
    if session.user.can("cases.queue") or session.user.can("cases.read"):
        rows = indicator_rows(request, "", None, list(FRAUD_IDS), None, session)
        fraud = [r for r in rows if r["branch_id"] == session.user.branch_id]
    return render(request, "cases.html", session, cases=shown, counts=counts, state=state or "",
                  total=len(everything), state_zh=CASE_STATE_ZH, band_zh=BAND_ZH, outcome_zh=OUTCOME_ZH,
                  fraud=fraud, fraud_zh=_labels())


def _labels() -> dict[str, str]:
    from wupian.api import indicator_label

    return {i: indicator_label(i) for i in FRAUD_IDS}


def _detail_page(request: Request, session: Session, case_id: str, *, error: str | None = None,
                 message: str | None = None, status: int = 200) -> Response:
    detail = case_detail(request, session, case_id)
    page = render(request, "case.html", session, case=detail, state_zh=CASE_STATE_ZH, outcome_zh=OUTCOME_ZH,
                  outcomes=list(OUTCOME_ZH.items()), error=error, message=message,
                  can_approve=session.user.can("cases.approve"), can_move=may_move(session))
    page.status_code = status
    return page


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str, msg: str | None = None,
              session: Session = Depends(require_cases)) -> Response:  # noqa: B008
    return _detail_page(request, session, case_id, message={"moved": "已记录。", "proposed": "已提交，待主管复核。"}
                        .get(msg or ""))


@router.post("/cases/{case_id}/move")
async def case_move(request: Request, case_id: str, session: Session = Depends(current_session)) -> Response:  # noqa: B008
    require_cases(session)
    form = await request.form()
    await run_in_threadpool(refuse_read_only, request, session, case_id, str(form.get("to") or "") or None)
    values = {k: (str(form.get(k)).strip() or None) if form.get(k) is not None else None
              for k in ("to", "note", "outcome", "amount", "reopen_on", "exempt_days")}
    try:
        t = Transition(to=values["to"] or "", note=values["note"] or "", outcome=values["outcome"],
                       amount=values["amount"], reopen_on=values["reopen_on"],
                       exempt_days=int(values["exempt_days"]) if values["exempt_days"] else None)
    except ValueError:
        return await run_in_threadpool(lambda: _detail_page(request, session, case_id, error="表单内容有误",
                                                            status=422))
    try:
        status, _ = await run_in_threadpool(transition, request, session, case_id, t)
    except ApiError as exc:
        if exc.status == 404:
            raise
        message, code = exc.message, exc.status
        return await run_in_threadpool(lambda: _detail_page(request, session, case_id, error=message, status=code))
    return RedirectResponse(f"/cases/{case_id}?msg={'proposed' if status == 202 else 'moved'}", status_code=303)


