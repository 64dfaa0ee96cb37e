"""Screening cases: the repository interface, its warehouse implementation, and the state machine.

An alert (``medium`` or above) opens or joins the case of its customer and day. States (spec/screening.md):
open → verifying → police_contacted → dissuading → closed, with ``suspended`` (reopens on a date) and reopening a
closed case. Closing needs an outcome and a reason text; ``prevented``/``lost`` an amount; a ``high`` or ``block``
case a second person. Every transition is appended to the history and never edited.

``CaseRepository`` is the storage interface; ``WarehouseCaseStore`` keeps cases in the DuckDB warehouse. The web
app's operational store can implement the same five methods and be passed wherever a repository is taken.
"""

from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

from wupian.core.errors import UsageError
from wupian.engine import screening_cases as sql
from wupian.engine.warehouse import Warehouse
from wupian.monitor.screening.model import BAND_ZH, CASE_STATES, OUTCOMES, Case, CaseEvent, Decision

TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("verifying", "police_contacted", "dissuading", "suspended", "closed"),
    "verifying": ("police_contacted", "dissuading", "suspended", "closed"),
    "police_contacted": ("dissuading", "verifying", "suspended", "closed"),
    "dissuading": ("police_contacted", "suspended", "closed"),
    "suspended": ("open", "verifying", "police_contacted", "dissuading", "closed"),
    "closed": ("open",),
}


class CaseRepository(Protocol):
    """Where cases live. Implementations append; they never update or delete a recorded event."""

    def create(self, case_id: str, customer_id: str, day: date, branch_id: str, band: str, at: datetime) -> None: ...

    def attach(self, case_id: str, decision: Decision, at: datetime) -> bool: ...

    def append(self, event: CaseEvent) -> None: ...

    def cases(self, *, case_id: str | None = None, customer_id: str | None = None, day: date | None = None,
              state: str | None = None, date_from: date | None = None, date_to: date | None = None) -> list[Case]: ...

    def exemptions(self) -> list[tuple[str, datetime, date]]: ...


class WarehouseCaseStore:
    """Cases in the DuckDB warehouse (tables created on first write)."""

    def __init__(self, wh: Warehouse) -> None:
        self.wh = wh

    def _writable(self) -> None:
        sql.ensure_case_tables(self.wh)

    def create(self, case_id: str, customer_id: str, day: date, branch_id: str, band: str, at: datetime) -> None:
        self._writable()
        sql.insert_case(self.wh, case_id, customer_id, day, branch_id, band, at)

    def attach(self, case_id: str, decision: Decision, at: datetime) -> bool:
        self._writable()
        sql.raise_band(self.wh, case_id, decision.band)
        return sql.insert_request(self.wh, case_id, decision.request_id, decision.band, decision.score,
                                  decision.amount, json.dumps(decision.as_json(), ensure_ascii=False), at)

    def append(self, event: CaseEvent) -> None:
        self._writable()
        sql.insert_event(self.wh, (event.case_id, event.seq, event.at, event.actor, event.from_state,
                                       event.to_state, event.note, event.outcome, event.amount, event.second_actor,
                                       event.reopen_on, event.exempt_days))

    def cases(self, *, case_id: str | None = None, customer_id: str | None = None, day: date | None = None,
              state: str | None = None, date_from: date | None = None, date_to: date | None = None) -> list[Case]:
        if not sql.case_tables_exist(self.wh):
            return []
        rows = sql.case_rows(self.wh, case_id=case_id, customer_id=customer_id, day=day, state=state,
                             date_from=date_from, date_to=date_to)
        events: dict[str, list[CaseEvent]] = {}
        for e in sql.event_rows(self.wh, [r["case_id"] for r in rows]):
            events.setdefault(e["case_id"], []).append(CaseEvent(**e))
        return [Case(r["case_id"], r["customer_id"], r["case_day"], r["branch_id"] or "", r["band"], r["opened_at"],
                     tuple(r["request_ids"]), Decimal(r["amount"]), r["state"], r["outcome"],
                     tuple(events.get(r["case_id"], ()))) for r in rows]

    def exemptions(self) -> list[tuple[str, datetime, date]]:
        return sql.exemption_rows(self.wh)

    def decisions(self, case_id: str) -> list[dict[str, Any]]:
        if not sql.case_tables_exist(self.wh):
            return []
        return [json.loads(j) for j in sql.decision_json(self.wh, case_id)]


def case_id_for(customer_id: str, day: date) -> str:
    return f"C{day:%Y%m%d}-{customer_id}"


def open_or_join(repo: CaseRepository, decision: Decision, *, actor: str = "system",
                 at: datetime | None = None) -> Case | None:
    """Open (or join) the case of the decision's customer and day; None for a ``low`` decision."""
    if not decision.alert:
        return None
    at = at or decision.requested_at
    day = decision.requested_at.date()
    cid = case_id_for(decision.customer_id, day)
    found = repo.cases(case_id=cid)
    if not found:
        repo.create(cid, decision.customer_id, day, decision.branch_id, decision.band, at)
        repo.append(CaseEvent(cid, 1, at, actor, None, "open", f"预警开案：{decision.request_id}（{BAND_ZH[decision.band]}）"))
    repo.attach(cid, decision, at)
    return repo.cases(case_id=cid)[0]


def move(repo: CaseRepository, case_id: str, to_state: str, *, actor: str, note: str = "",
         outcome: str | None = None, amount: Decimal | None = None, second_actor: str | None = None,
         reopen_on: date | None = None, exempt_days: int | None = None, at: datetime | None = None) -> Case:
    """Record one transition after checking it; UsageError (with what is needed) when it is not allowed."""
    found = repo.cases(case_id=case_id)
    if not found:
        raise UsageError(f"no case {case_id!r}")
    case = found[0]
    if to_state not in CASE_STATES:
        raise UsageError(f"unknown state {to_state!r}; one of {', '.join(CASE_STATES)}")
    if to_state not in TRANSITIONS[case.state]:
        raise UsageError(f"case {case_id} is {case.state}; it can move to {', '.join(TRANSITIONS[case.state])}")
    if not actor.strip():
        raise UsageError("a transition needs the actor (who)")
    if to_state == "suspended" and reopen_on is None:
        raise UsageError("suspending needs the date the customer comes back (--reopen-on)")
    if to_state == "closed":
        if outcome not in OUTCOMES:
            raise UsageError(f"closing needs an outcome: one of {', '.join(OUTCOMES)}")
        if not note.strip():
            raise UsageError("closing needs the reason text (--note), recorded with the outcome")
        if outcome in ("prevented", "lost") and (amount is None or amount <= 0):
            raise UsageError(f"outcome {outcome} needs the amount (--amount, yuan)")
        if case.band in ("high", "block") and (not second_actor or second_actor.strip() == actor.strip()):
            raise UsageError(f"case {case_id} is {case.band}: closing needs a second person (--second), "
                             "not the actor")
        if exempt_days is not None and outcome != "not_fraud":
            raise UsageError("an exemption (--exempt-days) is only for outcome not_fraud")
    elif outcome or exempt_days:
        raise UsageError("an outcome is recorded only when closing")
    seq = (case.history[-1].seq if case.history else 0) + 1
    when = at or datetime.now().replace(microsecond=0)
    if case.history and when < case.history[-1].at:
        raise UsageError(f"the transition time {when} is before the case's last event ({case.history[-1].at})")
    repo.append(CaseEvent(case_id, seq, when, actor.strip(), case.state, to_state, note.strip(), outcome, amount,
                          second_actor.strip() if second_actor else None, reopen_on, exempt_days))
    return repo.cases(case_id=case_id)[0]


def reopen_due(repo: CaseRepository, *, on: date, actor: str = "system") -> list[Case]:
    """Reopen every ``suspended`` case whose return date (``reopen_on``) is on or before ``on``: an ``open`` event
    dated at the start of its return day (or right after its last event, when that is later) is appended.
    Returns the reopened cases; running it again reopens nothing more."""
    out = []
    for case in repo.cases(state="suspended"):
        last = case.history[-1]
        if last.reopen_on is None or last.reopen_on > on:
            continue
        at = max(datetime.combine(last.reopen_on, time.min), last.at)
        repo.append(CaseEvent(case.case_id, last.seq + 1, at, actor, "suspended", "open",
                              f"约定日期{last.reopen_on:%Y-%m-%d}已到，重新打开"))
        out.append(repo.cases(case_id=case.case_id)[0])
    return out


def list_cases(repo: CaseRepository, *, state: str | None = None, date_from: date | None = None,
               date_to: date | None = None, customer_id: str | None = None) -> list[Case]:
    """Cases (oldest day first) with their current state; UsageError for an unknown state."""
    if state is not None and state not in CASE_STATES:
        raise UsageError(f"unknown state {state!r}; one of {', '.join(CASE_STATES)}")
    return repo.cases(state=state, date_from=date_from, date_to=date_to, customer_id=customer_id)


def get_case(repo: CaseRepository, case_id: str) -> Case:
    """One case with its full history; UsageError when there is none."""
    found = repo.cases(case_id=case_id)
    if not found:
        raise UsageError(f"no case {case_id!r}")
    return found[0]
