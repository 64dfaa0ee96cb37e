"""The records of a screening case (spec/screening.md, Cases): its states, outcomes, events and the case itself.

They live in ``core`` because two stores keep cases — the warehouse (``monitor.screening.WarehouseCaseStore``)
and the web app's operational database (``ops.cases.OpsCaseStore``) — and the operational store depends on
``core`` only. The state machine that checks a transition is ``monitor.screening.cases.move``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

CASE_STATES = ("open", "verifying", "police_contacted", "dissuading", "suspended", "closed")
CASE_STATE_ZH = {"open": "待处理", "verifying": "核实中", "police_contacted": "已联系民警", "dissuading": "劝阻中",
                 "suspended": "暂缓", "closed": "已结案"}
OUTCOMES = ("prevented", "not_fraud", "proceeded", "lost", "mule_referred")
OUTCOME_ZH = {"prevented": "劝阻成功", "not_fraud": "排除", "proceeded": "客户坚持办理", "lost": "被骗",
              "mule_referred": "涉诈账户移交公安"}


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One recorded transition; never edited afterwards."""

    case_id: str
    seq: int
    at: datetime
    actor: str
    from_state: str | None
    to_state: str
    note: str
    outcome: str | None = None
    amount: Decimal | None = None
    second_actor: str | None = None
    reopen_on: date | None = None
    exempt_days: int | None = None


@dataclass(frozen=True, slots=True)
class Case:
    """A case keyed by customer and day; its state is the last event's."""

    case_id: str
    customer_id: str
    case_day: date
    branch_id: str
    band: str
    opened_at: datetime
    request_ids: tuple[str, ...]
    amount: Decimal
    state: str
    outcome: str | None
    history: tuple[CaseEvent, ...]

    @property
    def closed_at(self) -> datetime | None:
        return self.history[-1].at if self.state == "closed" else None
