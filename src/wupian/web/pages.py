"""The zh-CN pages: 登录, 驾驶舱 (with drill-down to loans), 名单覆盖, 柜面工具 (recurring debits), 审计. The
month-end desk is in ``desk.py``, 反诈案件 and the screening form in ``cases_pages.py``, 用户管理 in
``users_pages.py``. Pages call the same functions as the JSON API, and the same ``wupian.api``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from wupian import api
from wupian.contract import table as contract_table
from wupian.monitor.recurring.cadence import CADENCES
from wupian.ops import Session
from wupian.web import cockpit, fmt
from wupian.web.api_routes import indicator_rows, loan_detail, recurring_streams
from wupian.web.errors import ApiError
from wupian.web.params import branch_in_scope, parse_date
from wupian.web.security import (
    LOGIN_CSRF_COOKIE,
    ctx,
    current_session,
    login,
    logout,
    optional_session,
    require,
    set_session_cookie,
)

router = APIRouter()
DRILL_ZH = {"flow_amount": "当年发放金额", "in_ytd": "当年发放", "is_first_loan": "首贷", "amount": "计入金额",
            "tags": "标签", "rule_ids": "规则"}
templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
templates.env.filters.update(yuan=fmt.yuan, when=fmt.when)
templates.env.globals.update(fmt_value=fmt.value, fmt_change=fmt.change, fmt_yi=fmt.yi,
                             cadence_zh={c.name: c.zh for c in CADENCES})
NAV = (("/", "驾驶舱", "indicators.read"), ("/coverage", "名单覆盖", "coverage.read"),
       ("/month-end", "月末处理", "month_end.run"), ("/teller", "柜面工具", "accounts.read"),
       ("/cases", "反诈案件", "cases.queue|cases.own|cases.read"), ("/users", "用户管理", "users.manage"),
       ("/audit", "审计", "audit.read"))


def allowed(session: Session | None, perm: str) -> bool:
    """Whether the user holds one of the ``|``-separated permissions."""
    return session is not None and any(session.user.can(p) for p in perm.split("|"))


def render(request: Request, name: str, session: Session | None, **context: Any) -> HTMLResponse:
    nav = [(href, label) for href, label, perm in NAV if allowed(session, perm)]
    return templates.TemplateResponse(request, name, {"session": session, "nav": nav, **context})


def _secure_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, error: str | None = None) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or _secure_token()
    response = render(request, "login.html", None, login_csrf=token, error=error)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/login",
                        secure=ctx(request).settings.secure_cookies)
    return response


@router.post("/login")
async def login_form(request: Request, username: str = Form(""), password: str = Form(""),  # noqa: B008
                     csrf_token: str = Form("")) -> Response:  # noqa: B008
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or cookie != csrf_token:
        raise ApiError(403, "登录表单已过期，请刷新页面后重试", code="csrf")
    try:
        session = await login(request, username, password)
    except ApiError as exc:
        if exc.status in (401, 429):
            page = render(request, "login.html", None, login_csrf=cookie, error=exc.message)
            page.status_code = exc.status
            return page
        raise
    response = RedirectResponse("/", status_code=303)
    set_session_cookie(response, request, session)
    return response


@router.post("/logout")
def logout_form(request: Request, session: Session = Depends(current_session)) -> Response:  # noqa: B008
    logout(request, session)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie("wupian_session", path="/")
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, as_of: str | None = None, branch: str | None = None, cat: str = "tech") -> Response:
    session = optional_session(request)
    if session is None:
        return RedirectResponse("/login", status_code=303)
    if not session.user.can("indicators.read"):
        for href, _, perm in NAV:
            if allowed(session, perm):
                return RedirectResponse(href, status_code=303)
        return render(request, "empty.html", session)
    data = ctx(request).data
    loaded = data.cached(("dates",), lambda w: w.snapshot_dates())
    if not as_of and not loaded:
        raise ApiError(404, "仓库中还没有月末数据", code="no_data")
    day = parse_date(as_of) if as_of else loaded[-1]
    node = branch_in_scope(None, day, session, branch, data)
    dates = [d for d in loaded if d <= day]
    tree = data.cached(("tree", day, session.user.branch_id),
                       lambda w: api.branch_tree(w, day, session.user.branch_id))
    rows = indicator_rows(request, day.isoformat(), node, None, None, session)
    names = {n["branch_id"]: n["name"] for n in tree}
    trend = [{"as_of": d.isoformat(), **{i.split(".")[0]: fmt.yi(v) for i, v in trend_values(data, d, node).items()}}
             for d in dates]
    scope = cat if cat in dict(cockpit.CATEGORIES) else "tech"
    path, cur = [], names.get(node)
    parents = {n["branch_id"]: n["parent_id"] for n in tree}
    walk: str | None = node
    while walk and walk in names:
        path.insert(0, (walk, names[walk]))
        walk = parents.get(walk)
    return render(request, "cockpit.html", session, day=day, dates=wh_dates(dates), node=node, node_name=cur,
                  path=path, table=cockpit.table(rows, node), columns=cockpit.COLUMNS, trend=trend,
                  categories=cockpit.CATEGORIES, scope=scope, children=cockpit.children(rows, node, tree, scope))


def bank_trend(wh: api.Warehouse, day: Any) -> dict[tuple[str, str], Any]:
    """The trend ids (five balances) at every node of the bank on ``day``: one computation serves every branch."""
    result = api.compute_indicators(wh, day, ids=list(cockpit.TREND_IDS), store=False)
    return {(r.branch_id, r.indicator_id): r.value for r in result.rows}


def trend_values(data: Any, day: Any, node: str) -> dict[str, Any]:
    values = data.cached(("trend", day), lambda wh: bank_trend(wh, day))
    return {i: values.get((node, i)) for i in cockpit.TREND_IDS}


def warm(data: Any) -> None:
    """After a publication: compute the trends of every month-end and the root's cockpit ahead of the visitors."""
    with data.reader() as wh:
        dates = wh.snapshot_dates()
    for d in reversed(dates):
        data.cached(("trend", d), lambda wh, d=d: bank_trend(wh, d))


def wh_dates(dates: list[Any]) -> list[str]:
    return [d.isoformat() for d in dates]


@router.get("/drill", response_class=HTMLResponse)
def drill(request: Request, indicator: str, branch: str, as_of: str,
          session: Session = Depends(require("loans.read"))) -> Response:  # noqa: B008
    data = ctx(request).data
    with data.reader() as wh:
        day = parse_date(as_of, wh)
        node = branch_in_scope(wh, day, session, branch)
    table = data.cached(("explain", indicator, day, node), lambda w: api.explain_indicator(w, indicator, day, node))
    rows = table.slice(0, 500).to_pylist()
    from wupian.web.security import audit

    audit(request, "indicator.drill", object_type="indicator", object_id=indicator, branch=node,
          as_of=day.isoformat(), rows=table.num_rows)
    zh = {c.name: c.zh for name in ("loans", "customers", "registries") for c in contract_table(name).columns}
    zh.update(DRILL_ZH)
    return render(request, "drill.html", session, indicator=indicator, label=api.indicator_label(indicator),
                  node=node, day=day, rows=rows, columns=table.column_names, total=table.num_rows, zh=zh)


@router.get("/loans/{loan_id}", response_class=HTMLResponse)
def loan_page(request: Request, loan_id: str, as_of: str | None = None,
              session: Session = Depends(require("loans.read"))) -> Response:  # noqa: B008
    loan = loan_detail(request, loan_id, as_of, None, session)
    return render(request, "loan.html", session, loan=loan)


@router.get("/teller", response_class=HTMLResponse)
def teller(request: Request, account: str | None = None,
           session: Session = Depends(require("accounts.read"))) -> Response:  # noqa: B008
    streams, missing = None, False
    if account:
        try:
            streams = recurring_streams(request, account.strip(), session)
        except ApiError as exc:
            if exc.status != 404:
                raise
            missing = True
    from wupian.web.cases_pages import teller_context

    return render(request, "teller.html", session, account=account or "", streams=streams, missing=missing,
                  form={}, result=None, screen_error=None, **teller_context(request, session))


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, actor: str | None = None, action: str | None = None, before: int | None = None,
               session: Session = Depends(require("audit.read"))) -> Response:  # noqa: B008
    entries = ctx(request).store.audit_entries(limit=100, actor=actor or None, action=action or None,
                                               before_id=before)
    return render(request, "audit.html", session, entries=entries, actor=actor or "", action=action or "")
